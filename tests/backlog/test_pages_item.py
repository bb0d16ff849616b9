"""An item's page, edit form and deletion: sanitized Markdown, the workflow's buttons (a refused
move is shown, naming the status), acceptance criteria ticked in place and edited, every
framework's score, the history with who and when; the edit form shows refusals on the field the
service names, validates custom fields by kind and writes nothing on bad input; viewers are
refused every write; the page reads a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backlog.forms import ItemForm
from backlog.models import CustomField, Item
from backlog.services.fields import custom_field_create, label_create
from backlog.services.items import item_create, item_update
from backlog.services.scores import settings_for
from backlog.services.sprints import sprint_create
from pmhub.capabilities import Role
from tests.backlog.sample_backlog import backlog_snapshot, make_backlog
from tests.backlog.world import BacklogTeam, build_backlog_team

HTMX = {"HTTP_HX_REQUEST": "true"}
EDITORS = (Role.OWNER, Role.ADMIN, Role.EDITOR, Role.CONTRIBUTOR)


@pytest.fixture
def team(db) -> BacklogTeam:
    return build_backlog_team(Role.OWNER)


def _client(team: BacklogTeam, role: Role = Role.OWNER) -> Client:
    client = Client()
    client.force_login(team.members[role])
    return client


def _url(name: str, item: Item, *extra: Any) -> str:
    return reverse(name, args=[item.product.slug, item.pk, *extra])


def _page(team: BacklogTeam, item: Item, role: Role = Role.OWNER) -> str:
    response = _client(team, role).get(_url("backlog:item", item))
    assert response.status_code == 200
    return response.content.decode()


def form_data(item: Item, **changes: Any) -> dict[str, Any]:
    """The edit form as the page fills it for ``item``, with ``changes`` typed over it."""
    item = Item.objects.get(pk=item.pk)
    fields = list(CustomField.objects.filter(product=item.product))
    form = ItemForm.for_item(item, settings_for(item.product), fields)
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if name == "labels":
            data[name] = [str(pk) for pk in value or []]
        else:
            data[name] = "" if value is None else value
    data.update(changes)
    return data


# --- The page -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_item_page(team, role):
    story = team.backlog.story
    item_update(
        item=story,
        actor=team.owner,
        description="**Bold** plan <script>alert(1)</script> [x](javascript:alert(2))",
    )
    html = _page(team, story, role)
    assert "<strong>Bold</strong> plan" in html
    assert "<script>alert(1)</script>" not in html and "javascript:" not in html
    assert "User story" in html and "acme story" in html and "Ready" in html
    assert "acme can log in" in html  # the acceptance criterion
    assert "acme feature" in html  # its parent, linked
    assert reverse("backlog:item", args=[team.product.slug, team.backlog.feature.pk]) in html
    assert "acme segment" in html and 'data-testid="custom-value">\n          40' in html
    assert "acme sprint 1" in html
    editing = ('data-testid="item-workflow"', " Edit</a>", "Edit the criteria", "hx-post=")
    for marker in editing:
        assert (marker in html) == (role in EDITORS), marker


def test_the_page_links_the_roadmap_and_lists_children_labels_and_scores(team):
    feature = team.backlog.feature
    html = _page(team, feature)
    assert reverse("roadmaps:initiative", args=[feature.initiative_id]) in html
    assert reverse("roadmaps:release-detail", args=[team.product.slug, feature.release_id]) in html
    assert "acme story" in html  # a child
    assert "acme-label" in html
    # RICE is the product's framework: 1000 × 2 × 80 % ÷ 2.
    assert 'Score <strong class="fs-5">800</strong>' in html
    assert 'data-testid="score-rice"' in html and "In use" in html
    # Other frameworks say what is missing.
    assert "Business value is missing for WSJF." in html
    assert "Value is missing for Value vs effort." in html


def test_history_reads_newest_first_with_who(team):
    story = team.backlog.story
    item_update(item=story, actor=team.owner, estimate=5)
    item_update(item=story, actor=team.owner, status="in_progress", title="acme story renamed")
    html = _page(team, story)
    history = html[html.index('data-testid="item-history"') :]
    moved = history.index("moved from Ready to In progress")
    estimate = history.index("estimate 3 → 5")
    added = history.index("added to acme sprint 1")
    created = history.index("created it as Ready")
    assert moved < estimate < added < created
    assert "changed title acme story → acme story renamed" in history
    assert history.count(f"<strong>{team.owner.username}</strong>") >= 5


def test_the_page_reads_a_fixed_number_of_queries(team):
    feature = team.backlog.feature

    def count() -> int:
        client = _client(team)
        client.get(_url("backlog:item", feature))  # warm the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url("backlog:item", feature)).status_code == 200
        return len(queries)

    few = count()
    for n in range(6):
        item_create(product=team.product, actor=team.owner, title=f"child {n}", parent=feature)
        label = label_create(product=team.product, actor=team.owner, name=f"l{n}")
        feature.labels.add(label)
        item_update(item=feature, actor=team.owner, estimate=[1, 2, 3, 5, 8, 13][n])
        custom_field_create(
            product=team.product, actor=team.owner, key=f"f{n}", name=f"F{n}", kind="text"
        )
    sprint = sprint_create(
        product=team.product,
        actor=team.owner,
        name="later",
        starts_on=team.backlog.next_sprint.ends_on + timedelta(days=1),
        ends_on=team.backlog.next_sprint.ends_on + timedelta(days=14),
    )
    item_update(item=feature, actor=team.owner, sprint=sprint, title="feature renamed")
    assert count() == few


# --- Status buttons -------------------------------------------------------------------------------


def test_a_status_button_moves_the_item_and_records_it(team):
    story = team.backlog.story
    response = _client(team, Role.CONTRIBUTOR).post(
        _url("backlog:item-status", story), {"status": "in_progress"}
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.status == "in_progress"
    assert "moved from Ready to In progress" in _page(team, story)


def test_a_move_the_workflow_refuses_is_shown_and_writes_nothing(team):
    story = team.backlog.story  # ready: it cannot be done before it is in progress
    before = backlog_snapshot(team.workspace)
    response = _client(team).post(_url("backlog:item-status", story), {"status": "done"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field-error="status">An item cannot go from Ready to Done' in html
    assert backlog_snapshot(team.workspace) == before


def test_the_buttons_are_the_allowed_transitions(team):
    html = _page(team, team.backlog.story)  # ready
    workflow = html[html.index('data-testid="item-workflow"') : html.index("description-title")]
    for label in ("New", "In progress", "Won&#x27;t do"):
        assert f">{label}</button>" in workflow, label
    assert ">Done</button>" not in workflow


# --- Acceptance criteria --------------------------------------------------------------------------


def test_ticking_a_criterion_in_place(team):
    story = team.backlog.story
    url = _url("backlog:item-acceptance-tick", story, 0)
    response = _client(team, Role.CONTRIBUTOR).post(url, {"done": "on"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<ul class="list-unstyled checklist mb-0"')
    assert "checked" in html and "is-done" in html
    story.refresh_from_db()
    assert story.acceptance == [{"text": "acme can log in", "done": True}]
    # Unticked without htmx: back to the page.
    assert _client(team).post(url, {}).status_code == 302
    story.refresh_from_db()
    assert story.acceptance[0]["done"] is False


def test_ticking_a_criterion_that_does_not_exist_is_a_404(team):
    url = _url("backlog:item-acceptance-tick", team.backlog.story, 5)
    assert _client(team).post(url, {"done": "on"}).status_code == 404


def test_editing_the_criteria(team):
    story = team.backlog.story
    text = "[x] acme can log in\nacme sees the dashboard\n\n[ ] acme can log out"
    response = _client(team).post(_url("backlog:item-acceptance", story), {"acceptance": text})
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.acceptance == [
        {"text": "acme can log in", "done": True},
        {"text": "acme sees the dashboard", "done": False},
        {"text": "acme can log out", "done": False},
    ]


def test_a_criterion_too_long_is_refused_by_its_field(team):
    before = backlog_snapshot(team.workspace)
    url = _url("backlog:item-acceptance", team.backlog.story)
    response = _client(team).post(url, {"acceptance": "x" * 501})
    assert response.status_code == 200
    assert 'data-field-error="acceptance">Each acceptance criterion has a text of 1 to 500' in (
        response.content.decode()
    )
    assert backlog_snapshot(team.workspace) == before


# --- The edit form --------------------------------------------------------------------------------


def test_the_edit_form_groups_the_inputs_with_the_products_framework_first(team):
    html = _client(team).get(_url("backlog:item-edit", team.backlog.story)).content.decode()
    assert 'value="acme story"' in html
    order = [html.index(f'data-testid="inputs-{key}"') for key in ("rice", "wsjf", "ice", "roi")]
    assert order == sorted(order)
    assert html.count('name="effort"') == 1  # shared by RICE and value vs effort
    assert 'name="custom_segment_size"' in html and 'value="40' in html
    # Status offers where the workflow lets a ready item go, and where it is.
    start = html.index('name="status"')
    status = html[start : html.index("</select>", start)]
    assert "in_progress" in status and "ready" in status and '"done"' not in status


def test_saving_every_field(team):
    story = team.backlog.story
    data = form_data(
        story,
        title="acme story, sharper",
        estimate="5",
        labels=[str(team.backlog.label.pk)],
        reach="500",
        impact="1",
        confidence="50",
        effort="1",
        custom_segment_size="12.5",
        moscow="must",
        status="in_progress",
    )
    response = _client(team, Role.CONTRIBUTOR).post(_url("backlog:item-edit", story), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    story.refresh_from_db()
    assert story.title == "acme story, sharper" and story.estimate == 5
    assert story.status == "in_progress" and story.moscow == "must"
    assert list(story.labels.all()) == [team.backlog.label]
    assert story.custom == {"segment_size": 12.5}
    assert story.score == 250  # 500 × 1 × 50 % ÷ 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"estimate": "4"}, "estimate", "Select a valid choice."),
        ({"impact": "7"}, "impact", "Impact must be one of 0.25, 0.5, 1, 2, 3."),
        ({"confidence": "140"}, "confidence", "Confidence must be between 0 and 100."),
        ({"title": ""}, "title", "This field is required."),
        ({"effort": "0"}, "effort", "Effort must be more than 0."),
        ({"roi_months": "1.5"}, "roi_months", "Enter a whole number."),
    ],
)
def test_bad_input_is_shown_on_its_field_and_nothing_is_written(team, changes, field, message):
    story = team.backlog.story
    before = backlog_snapshot(team.workspace)
    response = _client(team).post(_url("backlog:item-edit", story), form_data(story, **changes))
    assert response.status_code == 200
    assert f'data-field-error="{field}">{message}' in response.content.decode()
    assert backlog_snapshot(team.workspace) == before


def test_a_parent_loop_is_refused_by_the_parent_field(team):
    feature, story = team.backlog.feature, team.backlog.story  # story sits under feature
    before = backlog_snapshot(team.workspace)
    data = form_data(feature, parent=str(story.pk))
    response = _client(team).post(_url("backlog:item-edit", feature), data)
    assert 'data-field-error="parent">An item cannot sit under itself.' in (
        response.content.decode()
    )
    assert backlog_snapshot(team.workspace) == before


def _kinds(team: BacklogTeam) -> None:
    for key, kind, options in (
        ("tier", "select", ["Gold", "Silver"]),
        ("due", "date", []),
        ("blocker", "checkbox", []),
        ("note", "text", []),
    ):
        custom_field_create(
            product=team.product,
            actor=team.owner,
            key=key,
            name=key.title(),
            kind=kind,
            options=options,
        )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"custom_segment_size": "many"}, "custom_segment_size", "Enter a number."),
        ({"custom_tier": "Bronze"}, "custom_tier", "Select a valid choice."),
        ({"custom_due": "31/02/2026"}, "custom_due", "Enter a valid date."),
        ({"custom_note": "n" * 501}, "custom_note", "Ensure this value has at most 500"),
    ],
)
def test_custom_fields_are_validated_by_kind(team, changes, field, message):
    _kinds(team)
    story = team.backlog.story
    before = backlog_snapshot(team.workspace)
    response = _client(team).post(_url("backlog:item-edit", story), form_data(story, **changes))
    assert response.status_code == 200
    assert f'data-field-error="{field}">{message}' in response.content.decode()
    assert backlog_snapshot(team.workspace) == before


def test_custom_fields_of_every_kind_are_saved_and_shown(team):
    _kinds(team)
    story = team.backlog.story
    html = _client(team).get(_url("backlog:item-edit", story)).content.decode()
    assert '<option value="Gold">Gold</option>' in html and 'type="date"' in html
    data = form_data(
        story,
        custom_tier="Gold",
        custom_due="2026-01-31",
        custom_blocker="true",
        custom_note="ask sales",
        custom_segment_size="",
    )
    assert _client(team).post(_url("backlog:item-edit", story), data).status_code == 302
    story.refresh_from_db()
    assert story.custom == {
        "tier": "Gold",
        "due": "2026-01-31",
        "blocker": True,
        "note": "ask sales",
    }
    page = _page(team, story)
    for shown in ("Gold", "2026-01-31", "Yes", "ask sales"):
        assert shown in page


# --- Delete and permissions -----------------------------------------------------------------------


def test_deleting_an_item_keeps_its_children(team):
    feature, story = team.backlog.feature, team.backlog.story
    response = _client(team, Role.CONTRIBUTOR).post(_url("backlog:item-delete", feature))
    assert response.status_code == 302
    assert not Item.objects.filter(pk=feature.pk).exists()
    story.refresh_from_db()
    assert story.parent is None


def test_deleting_is_a_post(team):
    assert _client(team).get(_url("backlog:item-delete", team.backlog.bug)).status_code == 405


def test_a_viewer_is_refused_every_write(team):
    story = team.backlog.story
    client = _client(team, Role.VIEWER)
    before = backlog_snapshot(team.workspace)
    for name, extra, body in (
        ("backlog:item-edit", (), form_data(story, title="viewer was here")),
        ("backlog:item-delete", (), {}),
        ("backlog:item-status", (), {"status": "in_progress"}),
        ("backlog:item-acceptance", (), {"acceptance": "viewer"}),
        ("backlog:item-acceptance-tick", (0,), {"done": "on"}),
    ):
        assert client.post(_url(name, story, *extra), body).status_code == 403, name
    assert client.get(_url("backlog:item-edit", story)).status_code == 403
    assert backlog_snapshot(team.workspace) == before


def test_an_item_of_another_product_slug_is_a_404(team):
    other = team.archived_product
    url = reverse("backlog:item", args=[other.slug, team.backlog.story.pk])
    assert _client(team).get(url).status_code == 404


def test_another_workspaces_rows_cannot_be_picked(team, tenant_b):
    theirs = make_backlog(tenant_b.product, tenant_b.owner, "bravo")
    story = team.backlog.story
    before = backlog_snapshot(team.workspace)
    for field, value in (
        ("labels", [str(theirs.label.pk)]),
        ("parent", str(theirs.feature.pk)),
        ("sprint", str(theirs.next_sprint.pk)),
        ("assignee", str(tenant_b.owner.pk)),
    ):
        response = _client(team).post(
            _url("backlog:item-edit", story), form_data(story, **{field: value})
        )
        html = response.content.decode()
        assert f'data-field-error="{field}">Select a valid choice' in html, field
        assert "bravo" not in html
    assert backlog_snapshot(team.workspace) == before
