"""The backlog list page (backlog:list) and its writes: filters and text search in the query string,
the htmx fragment, a fixed number of queries whatever the backlog's size, inline edit (a refused
transition or a bad input named by its field and nothing written), quick add, moves, "apply score
order", the bulk bar (all or nothing), saved views, and the roles: viewers see no edit control and
each of their writes is a 403 that changes nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backlog.models import Item, Label, SavedView, Sprint
from backlog.selectors import product_sprints
from backlog.services.fields import label_create, saved_view_create
from backlog.services.items import item_create, item_update
from backlog.services.ranking import item_move
from backlog.services.sprints import sprint_close
from backlog.views.list_forms import ListOptions
from pmhub.capabilities import Role
from roadmaps.models import Initiative, Release
from tests.backlog.sample_backlog import SampleBacklog, backlog_snapshot, make_backlog
from tests.factories import make_member, make_tenant

HTMX = {"HTTP_HX_REQUEST": "true"}
MAKERS = (Role.OWNER, Role.ADMIN, Role.EDITOR, Role.CONTRIBUTOR)


@dataclass
class Acme:
    """Acme with a member of every role and the sample backlog of its product (made by its
    owner): feature (RICE 800, labelled, initiative, release), story (ready, in the active
    sprint), bug; a planned next sprint; a shared saved view "acme bugs"."""

    members: dict[Role, User]
    backlog: SampleBacklog

    @property
    def product(self):
        return self.backlog.product

    @property
    def owner(self) -> User:
        return self.members[Role.OWNER]

    def client(self, role: Role = Role.OWNER) -> Client:
        client = Client()
        client.force_login(self.members[role])
        return client

    def url(self, name: str = "backlog:list", *args: Any) -> str:
        return reverse(name, args=[self.product.slug, *args])


@pytest.fixture
def acme(db) -> Acme:
    tenant = make_tenant("Acme")
    members = {Role.OWNER: tenant.owner}
    for role in Role:
        if role != Role.OWNER:
            members[role] = make_member(tenant.workspace, role, username=f"acme-{role.value}")
    return Acme(members=members, backlog=make_backlog(tenant.product, tenant.owner, "acme"))


def cells(html: str, testid: str) -> list[str]:
    """The text of every cell marked ``data-testid=testid``, in order."""
    found = re.findall(rf'data-testid="{testid}"[^>]*>(.*?)</t[dh]>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in found]


def titles(html: str) -> list[str]:
    """The item titles of a rendered list, in order."""
    marker = 'data-testid="item-title">'
    return [part.split("<", 1)[0].strip() for part in html.split(marker)[1:]]


def ranked(acme: Acme) -> list[str]:
    return list(Item.objects.filter(product=acme.product).values_list("title", flat=True))


def get(acme: Acme, query: str = "", role: Role = Role.OWNER, **headers: Any) -> str:
    response = acme.client(role).get(f"{acme.url()}?{query}", **headers)
    assert response.status_code == 200
    return response.content.decode()


# --- The page -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_rows_in_rank_order_with_their_columns(acme, role):
    html = get(acme, role=role)
    assert titles(html) == ["acme feature", "acme story", "acme bug"]
    assert cells(html, "score-header") == ["Score RICE"]  # the framework is named
    assert cells(html, "item-score") == ["800", "–", "–"]
    assert cells(html, "item-estimate") == ["8", "3", "1"]
    assert "acme-label" in html and "acme sprint 1" in html and "acme 1.0" in html
    assert "3 items" in html


@pytest.mark.parametrize("role", MAKERS)
def test_makers_get_quick_add_handles_bulk_bar_and_edit_buttons(acme, role):
    html = get(acme, role=role)
    for marker in (
        'data-testid="quick-add"',
        "data-sortable-rows",
        "data-drag-handle",
        'data-testid="bulk-bar"',
        "data-edit",
        'data-move="top"',
        'data-testid="apply-score-order"',
        "Sortable.min.js",
    ):
        assert marker in html, marker


def test_viewers_see_no_edit_control(acme):
    html = get(acme, role=Role.VIEWER)
    for marker in (
        'data-testid="quick-add"',
        "data-sortable-rows",
        "data-drag-handle",
        'data-testid="bulk-bar"',
        "data-edit",
        "data-move=",
        "data-select",
        'data-testid="apply-score-order"',
        "Sortable.min.js",
    ):
        assert marker not in html, marker
    assert 'data-testid="saved-views"' in html  # viewers keep their own views


def test_a_filter_answers_the_fragment_for_htmx_and_the_page_otherwise(acme):
    client = acme.client()
    fragment = client.get(f"{acme.url()}?kind=bug", **HTMX)
    assert fragment.content.decode().lstrip().startswith('<section id="backlog-body"')
    assert titles(fragment.content.decode()) == ["acme bug"]
    assert "HX-Request" in fragment["Vary"]
    page = client.get(f"{acme.url()}?kind=bug")
    assert "<!DOCTYPE html>" in page.content.decode()
    assert "HX-Request" in page["Vary"]


def _queries(acme: Acme) -> tuple[int, str]:
    client = acme.client()
    client.get(acme.url())  # the session and its membership are warm
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{acme.url()}?status=open&sort=score")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_page_reads_the_same_number_of_queries_at_5_and_200_items(acme):
    label = label_create(product=acme.product, actor=acme.owner, name="load", colour="#111111")
    item_create(product=acme.product, actor=acme.owner, title="extra 1", assignee=acme.owner)
    item_create(product=acme.product, actor=acme.owner, title="extra 2", labels=[label])
    few, html = _queries(acme)
    assert len(titles(html)) == 5
    for n in range(195):
        item_create(
            product=acme.product,
            actor=acme.owner,
            title=f"load {n}",
            assignee=acme.owner if n % 2 else None,
            sprint=acme.backlog.next_sprint if n % 3 else None,
            labels=[label, acme.backlog.label] if n % 5 else [],
            reach=n + 1,
            impact=1,
            confidence=50,
            effort=2,
        )
    many, html = _queries(acme)
    assert len(titles(html)) == 50  # a page
    assert "Page 1 of 4" in html
    assert many == few, f"{few} queries at 5 items, {many} at 200"


def test_the_backlogs_index_lists_the_workspaces_products_with_counts(acme):
    response = acme.client(Role.VIEWER).get(reverse("backlog:index"))
    html = response.content.decode()
    assert "Acme Product" in html and "3 open · 3 items" in html
    assert acme.url() in html


# --- Filters, sorts and search --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=bug", ["acme bug"]),
        ("kind=feature", ["acme feature"]),
        ("status=ready", ["acme story"]),
        ("status=open", ["acme feature", "acme story", "acme bug"]),
        ("status=done", []),
        ("assignee=none", ["acme feature", "acme story"]),
        ("sprint=none", ["acme feature", "acme bug"]),
        ("sort=-estimate", ["acme feature", "acme story", "acme bug"]),
        ("sort=estimate", ["acme bug", "acme story", "acme feature"]),
        ("sort=title", ["acme bug", "acme feature", "acme story"]),
    ],
)
def test_each_filter_and_sort_narrows_or_orders_the_list(acme, query, expected):
    item_update(item=acme.backlog.bug, actor=acme.owner, assignee=acme.owner)
    assert titles(get(acme, query)) == expected


def test_filters_by_label_assignee_initiative_release_and_sprint(acme):
    sample = acme.backlog
    item_update(item=sample.bug, actor=acme.owner, assignee=acme.owner)
    assert titles(get(acme, f"label={sample.label.pk}")) == ["acme feature"]
    assert titles(get(acme, f"assignee={acme.owner.pk}")) == ["acme bug"]
    assert titles(get(acme, f"initiative={sample.feature.initiative_id}")) == ["acme feature"]
    assert titles(get(acme, f"release={sample.feature.release_id}")) == ["acme feature"]
    assert titles(get(acme, f"sprint={sample.sprint.pk}")) == ["acme story"]
    assert titles(get(acme, f"kind=story&sprint={sample.sprint.pk}")) == ["acme story"]
    assert titles(get(acme, f"kind=bug&sprint={sample.sprint.pk}")) == []


def test_search_finds_an_item_by_a_word_of_its_description_stemmed(acme):
    item_update(
        item=acme.backlog.bug,
        actor=acme.owner,
        description="Teams keep exporting their reports by hand every Monday.",
    )
    assert titles(get(acme, "q=export")) == ["acme bug"]
    assert titles(get(acme, "q=reported")) == ["acme bug"]
    assert titles(get(acme, "q=feature")) == ["acme feature"]  # titles too
    assert titles(get(acme, "q=nothing+like+it")) == []


def test_sorted_by_score_the_list_says_ranking_is_off_and_has_no_drop_zone(acme):
    html = get(acme, "sort=score")
    assert titles(html)[0] == "acme feature"
    assert 'data-testid="rank-off"' in html and "ranking by drag is off" in html
    assert "data-sortable-rows" not in html and "rank-off" in html
    assert "sort=rank" in html  # the way back


def test_an_unknown_filter_value_is_named_and_that_filter_is_off(acme):
    html = get(acme, "label=999999&kind=bug&sort=sideways")
    assert 'data-testid="filter-errors"' in html
    assert "Label: Select a valid choice" in html and "Sort: Select a valid choice" in html
    assert titles(html) == ["acme bug"]  # the valid filter still applies


def test_another_products_label_is_not_a_filter_of_this_one(acme):
    other = make_tenant("Other")
    foreign = label_create(product=other.product, actor=other.owner, name="x", colour="#000000")
    html = get(acme, f"label={foreign.pk}")
    assert "Label: Select a valid choice" in html
    assert len(titles(html)) == 3


def test_the_menus_offer_this_products_rows_in_order_and_nothing_of_another_tenant(acme):
    other = make_tenant("Other")
    make_backlog(other.product, other.owner, "other")
    product = acme.product
    label_create(product=product, actor=acme.owner, name="aaa first", colour="#123456")
    options = ListOptions.load(product)

    def rows(objects, *fields):
        return [tuple(getattr(row, field) for field in fields) for row in objects]

    labels = Label.objects.filter(product=product).order_by("name")
    assert rows(options.labels, "pk", "name", "colour") == list(
        labels.values_list("pk", "name", "colour")
    )
    assert options.labels[0].name == "aaa first"
    members = User.objects.filter(memberships__workspace=product.workspace_id)
    assert rows(options.members, "pk", "username") == list(
        members.order_by("username").values_list("pk", "username")
    )
    initiatives = Initiative.objects.filter(product=product).order_by("title")
    assert rows(options.initiatives, "pk", "title") == list(initiatives.values_list("pk", "title"))
    releases = Release.objects.filter(product=product).order_by("target_date", "pk")
    assert rows(options.releases, "pk", "name", "status") == list(
        releases.values_list("pk", "name", "status")
    )
    sprints = product_sprints(product)
    assert rows(options.sprints, "pk", "name", "status") == list(
        sprints.values_list("pk", "name", "status")
    )
    assert all(row.product_id == product.pk for row in options.releases + options.sprints)
    assert len(options.members) == len(Role) and options.initiatives and len(options.sprints) == 2
    # A field the menus do not read is deferred (read on access), never a default.
    assert "goal" in options.sprints[0].get_deferred_fields()
    assert options.sprints[0].goal == Sprint.objects.get(pk=options.sprints[0].pk).goal


# --- Inline edit ----------------------------------------------------------------------------------


def _field(item: Item, name: str) -> str:
    return f"item-{item.pk}-{name}"


def test_the_inline_form_offers_the_next_statuses_the_scale_and_the_frameworks_inputs(acme):
    bug = acme.backlog.bug
    response = acme.client(Role.CONTRIBUTOR).get(acme.url("backlog:item-inline", bug.pk), **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith("<tr")
    status = html.split(f'name="{_field(bug, "status")}"')[1].split("</select>")[0]
    assert 'value="new"' in status and 'value="ready"' in status
    assert 'value="in_progress"' in status and 'value="wont_do"' in status
    assert 'value="done"' not in status and 'value="in_review"' not in status
    estimate = html.split(f'name="{_field(bug, "estimate")}"')[1].split("</select>")[0]
    assert 'value="13"' in estimate and 'value="4"' not in estimate  # Fibonacci
    for label in ("Reach", "Impact", "Confidence", "Effort"):
        assert f">{label}</label>" in html


def test_an_inline_edit_saves_and_the_row_shows_the_new_score(acme):
    bug = acme.backlog.bug
    body = {
        _field(bug, "title"): "acme bug, renamed",
        _field(bug, "status"): "in_progress",
        _field(bug, "estimate"): "5",
        _field(bug, "reach"): "300",
        _field(bug, "impact"): "2",
        _field(bug, "confidence"): "50",
        _field(bug, "effort"): "3",
    }
    response = acme.client(Role.CONTRIBUTOR).post(
        f"{acme.url('backlog:item-inline', bug.pk)}?sort=rank", body, **HTMX
    )
    html = response.content.decode()
    assert html.lstrip().startswith("<tr") and 'data-testid="item-row"' in html
    assert "acme bug, renamed" in html and "In progress" in html
    assert cells(html, "item-score") == ["100"]  # 300 × 2 × 50% ÷ 3
    bug.refresh_from_db()
    assert (bug.title, bug.status, bug.estimate, bug.score) == (
        "acme bug, renamed",
        "in_progress",
        5,
        100,
    )


def test_a_refused_transition_shows_the_services_error_in_the_row_and_writes_nothing(acme):
    bug = acme.backlog.bug
    before = backlog_snapshot(acme.product.workspace)
    body = {_field(bug, "title"): "changed", _field(bug, "status"): "done"}
    response = acme.client().post(acme.url("backlog:item-inline", bug.pk), body, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="item-edit-row"' in html
    assert 'data-field-error="status"' in html
    assert "An item cannot go from New to Done" in html
    assert backlog_snapshot(acme.product.workspace) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("estimate", "4", "Select a valid choice"),
        ("impact", "0.7", "Impact must be one of 0.25, 0.5, 1, 2, 3."),
        ("confidence", "150", "Confidence must be between 0 and 100."),
        ("title", "", "This field is required."),
    ],
)
def test_a_bad_inline_input_is_named_by_its_field_and_nothing_is_written(
    acme, field, value, message
):
    bug = acme.backlog.bug
    before = backlog_snapshot(acme.product.workspace)
    body = {
        _field(bug, "title"): "acme bug",
        _field(bug, "status"): "new",
        _field(bug, field): value,
    }
    response = acme.client().post(acme.url("backlog:item-inline", bug.pk), body, **HTMX)
    html = response.content.decode()
    assert f'data-field-error="{field}"' in html and message in html
    assert backlog_snapshot(acme.product.workspace) == before


def test_without_htmx_the_inline_edit_is_a_page_and_saving_returns_to_the_list(acme):
    bug = acme.backlog.bug
    client = acme.client()
    page = client.get(acme.url("backlog:item-inline", bug.pk))
    assert "<!DOCTYPE html>" in page.content.decode() and "hx-post" not in page.content.decode()
    body = {_field(bug, "title"): "plain", _field(bug, "status"): "ready"}
    response = client.post(acme.url("backlog:item-inline", bug.pk), body)
    assert response.status_code == 302 and response["Location"] == acme.url()
    bug.refresh_from_db()
    assert (bug.title, bug.status) == ("plain", "ready")


def test_the_row_view_draws_one_row_as_shown(acme):
    response = acme.client(Role.VIEWER).get(acme.url("backlog:item-row", acme.backlog.story.pk))
    html = response.content.decode()
    assert html.lstrip().startswith("<tr") and "acme story" in html and "data-edit" not in html


# --- Quick add ------------------------------------------------------------------------------------


def test_quick_add_puts_the_item_at_the_bottom_and_redraws_the_list(acme):
    response = acme.client(Role.CONTRIBUTOR).post(
        f"{acme.url('backlog:item-create')}?kind=bug",
        {"title": "Export fails on Safari", "kind": "bug"},
        **HTMX,
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="backlog-body"')
    assert "“Export fails on Safari” was added at the bottom of the backlog." in html
    assert titles(html) == ["acme bug", "Export fails on Safari"]  # the filter holds
    assert ranked(acme)[-1] == "Export fails on Safari"
    item = Item.objects.get(title="Export fails on Safari")
    assert (item.kind, item.status, item.reporter) == ("bug", "new", acme.members[Role.CONTRIBUTOR])


def test_quick_add_without_a_title_names_the_field_and_adds_nothing(acme):
    response = acme.client().post(
        acme.url("backlog:item-create"), {"title": "  ", "kind": "bug"}, **HTMX
    )
    html = response.content.decode()
    assert 'data-field-error="title"' in html
    assert Item.objects.filter(product=acme.product).count() == 3


def test_quick_add_without_htmx_redirects_to_the_list_with_its_filters(acme):
    response = acme.client().post(
        f"{acme.url('backlog:item-create')}?sort=score", {"title": "plain", "kind": "chore"}
    )
    assert response.status_code == 302 and response["Location"] == f"{acme.url()}?sort=score"


# --- Ranking --------------------------------------------------------------------------------------


def test_a_drop_moves_the_item_before_or_after_another(acme):
    sample = acme.backlog
    client = acme.client(Role.CONTRIBUTOR)
    url = acme.url("backlog:item-move", sample.bug.pk)
    response = client.post(url, {"before": sample.feature.pk}, **HTMX)
    assert response.content.decode().lstrip().startswith('<section id="backlog-body"')
    assert ranked(acme) == ["acme bug", "acme feature", "acme story"]
    client.post(url, {"after": sample.story.pk}, **HTMX)
    assert ranked(acme) == ["acme feature", "acme story", "acme bug"]


def test_a_move_writes_only_the_moved_items_rank(acme):
    sample = acme.backlog
    before = {i.pk: (i.rank, i.updated_at) for i in Item.objects.filter(product=acme.product)}
    acme.client().post(acme.url("backlog:item-move", sample.bug.pk), {"position": "top"})
    after = {i.pk: (i.rank, i.updated_at) for i in Item.objects.filter(product=acme.product)}
    changed = [pk for pk in before if before[pk] != after[pk]]
    assert changed == [sample.bug.pk]
    assert ranked(acme)[0] == "acme bug"


def test_top_and_bottom_buttons_and_the_redirect_without_htmx(acme):
    sample = acme.backlog
    client = acme.client()
    response = client.post(
        f"{acme.url('backlog:item-move', sample.feature.pk)}?sort=rank", {"position": "bottom"}
    )
    assert response.status_code == 302 and response["Location"] == f"{acme.url()}?sort=rank"
    assert ranked(acme)[-1] == "acme feature"


def test_a_move_next_to_another_backlogs_item_is_refused_and_writes_nothing(acme):
    other = make_tenant("Other")
    stranger = item_create(product=other.product, actor=other.owner, title="stranger")
    before = backlog_snapshot(acme.product.workspace)
    response = acme.client().post(
        acme.url("backlog:item-move", acme.backlog.bug.pk), {"before": stranger.pk}, **HTMX
    )
    assert "That item is no longer in this backlog" in response.content.decode()
    assert backlog_snapshot(acme.product.workspace) == before


def test_a_move_that_says_nowhere_is_refused(acme):
    response = acme.client().post(
        acme.url("backlog:item-move", acme.backlog.bug.pk),
        {"before": acme.backlog.feature.pk, "position": "top"},
        **HTMX,
    )
    assert "The move was not understood" in response.content.decode()


def test_apply_score_order_ranks_the_backlog_by_score(acme):
    sample = acme.backlog
    item_update(item=sample.bug, actor=acme.owner, reach=10_000, impact=3, confidence=100, effort=1)
    item_move(item=sample.feature, actor=acme.owner, position="bottom")
    response = acme.client(Role.CONTRIBUTOR).post(acme.url("backlog:score-order"), **HTMX)
    assert "The backlog&#x27;s 3 items are now ranked by score." in response.content.decode()
    assert ranked(acme) == ["acme bug", "acme feature", "acme story"]


# --- Bulk actions ---------------------------------------------------------------------------------


def _bulk(acme: Acme, items: list[Item], action: str, value: Any = None, role=Role.CONTRIBUTOR):
    body: dict[str, Any] = {"items": [item.pk for item in items], "action": action}
    if value is not None:
        body[action] = value
    return acme.client(role).post(acme.url("backlog:bulk"), body, **HTMX)


def test_bulk_set_sprint_release_assignee_status_and_add_label(acme):
    sample = acme.backlog
    items = [sample.feature, sample.bug]
    html = _bulk(acme, items, "sprint", sample.next_sprint.pk).content.decode()
    assert "2 items sprint set." in html
    _bulk(acme, items, "release", sample.feature.release_id)
    _bulk(acme, items, "assignee", acme.members[Role.EDITOR].pk)
    _bulk(acme, items, "status", "ready")
    _bulk(acme, items, "label", sample.label.pk)
    for item in Item.objects.filter(pk__in=[i.pk for i in items]):
        assert item.sprint_id == sample.next_sprint.pk
        assert item.release_id == sample.feature.release_id
        assert item.assignee == acme.members[Role.EDITOR]
        assert item.status == "ready"
        assert list(item.labels.all()) == [sample.label]
    _bulk(acme, items, "sprint", "none")
    _bulk(acme, items, "assignee", "none")
    assert not Item.objects.filter(pk__in=[i.pk for i in items], sprint__isnull=False).exists()
    assert not Item.objects.filter(pk__in=[i.pk for i in items], assignee__isnull=False).exists()


def test_bulk_delete_removes_the_checked_items(acme):
    html = _bulk(acme, [acme.backlog.bug, acme.backlog.story], "delete").content.decode()
    assert "2 items deleted." in html
    assert ranked(acme) == ["acme feature"]


def test_one_refused_transition_refuses_the_whole_bulk_action_naming_the_item(acme):
    sample = acme.backlog
    item_update(item=sample.bug, actor=acme.owner, status="in_progress")
    item_update(item=sample.bug, actor=acme.owner, status="in_review")
    before = backlog_snapshot(acme.product.workspace)
    # The feature (first by rank) may go to Ready; the bug, in review, may not.
    html = _bulk(acme, [sample.feature, sample.bug], "status", "ready").content.decode()
    assert 'data-testid="bulk-error"' in html
    assert "“acme bug”: An item cannot go from In review to Ready" in html
    assert backlog_snapshot(acme.product.workspace) == before
    checked = re.findall(r'value="(\d+)"[^>]*form="bulk-form"[^>]*checked', html, re.S)
    assert sorted(map(int, checked)) == sorted([sample.feature.pk, sample.bug.pk])  # kept


def test_bulk_without_a_selection_or_a_value_names_what_is_missing(acme):
    before = backlog_snapshot(acme.product.workspace)
    html = _bulk(acme, [], "status", "ready").content.decode()
    assert "Select one or more items first." in html
    html = _bulk(acme, [acme.backlog.bug], "sprint").content.decode()
    assert "Choose the sprint to set." in html
    assert backlog_snapshot(acme.product.workspace) == before


def test_bulk_on_another_backlogs_items_changes_nothing(acme):
    other = make_tenant("Other")
    stranger = item_create(product=other.product, actor=other.owner, title="stranger")
    html = _bulk(acme, [acme.backlog.bug, stranger], "status", "wont_do").content.decode()
    assert "Some selected items are no longer in this backlog" in html
    stranger.refresh_from_db()
    acme.backlog.bug.refresh_from_db()
    assert stranger.status == "new" and acme.backlog.bug.status == "new"


def test_the_bulk_bar_offers_open_sprints_only(acme):
    sprint_close(sprint=acme.backlog.sprint, actor=acme.owner)
    html = get(acme)
    bar = html.split('data-testid="bulk-bar"')[1].split("</form>")[0]
    assert "acme sprint 2" in bar and "acme sprint 1" not in bar
    assert "acme sprint 1" in html.split('id="backlog-filters"')[1]  # still a filter


# --- Saved views ----------------------------------------------------------------------------------


def test_saving_a_view_keeps_the_filters_and_lists_it(acme):
    client = acme.client(Role.VIEWER)
    response = client.post(
        acme.url("backlog:saved-view-create"),
        {"name": "My bugs", "query": "kind=bug&sort=score&page=2"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{acme.url()}?kind=bug&sort=score"
    view = SavedView.objects.get(name="My bugs")
    assert (view.owner, view.query, view.shared) == (
        acme.members[Role.VIEWER],
        "kind=bug&sort=score",
        False,
    )
    html = client.get(acme.url()).content.decode()
    assert "My bugs" in html and f"{acme.url()}?kind=bug&amp;sort=score" in html
    assert "acme bugs" in html  # the owner's shared view
    assert "My bugs" not in get(acme)  # personal: the owner does not see it


def test_a_shared_view_is_listed_for_the_team(acme):
    acme.client(Role.EDITOR).post(
        acme.url("backlog:saved-view-create"),
        {"name": "Team bugs", "query": "kind=bug", "shared": "on"},
    )
    assert "Team bugs" in get(acme, role=Role.VIEWER)


def test_a_view_name_taken_is_named_on_the_form_and_nothing_is_saved(acme):
    response = acme.client().post(
        acme.url("backlog:saved-view-create"), {"name": "acme bugs", "query": "kind=story"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-field-error="name"' in html and "You already have a view of that name." in html
    assert titles(html) == ["acme story"]  # the page as it was filtered
    assert SavedView.objects.filter(product=acme.product).count() == 1


def test_deleting_ones_own_view_and_not_someone_elses(acme):
    mine = saved_view_create(
        product=acme.product, actor=acme.members[Role.VIEWER], name="mine", query=""
    )
    client = acme.client(Role.VIEWER)
    response = client.post(acme.url("backlog:saved-view-delete", acme.backlog.view.pk))
    assert response.status_code == 403
    assert SavedView.objects.filter(pk=acme.backlog.view.pk).exists()
    html = client.get(acme.url()).content.decode()
    assert f"backlog/views/{acme.backlog.view.pk}/delete/" not in html  # no button for it
    assert f"backlog/views/{mine.pk}/delete/" in html
    response = client.post(acme.url("backlog:saved-view-delete", mine.pk))
    assert response.status_code == 302
    assert not SavedView.objects.filter(pk=mine.pk).exists()


# --- Roles ----------------------------------------------------------------------------------------


def _viewer_posts(acme: Acme) -> list[tuple[str, dict[str, Any]]]:
    sample = acme.backlog
    return [
        (acme.url("backlog:item-create"), {"title": "sneaky", "kind": "bug"}),
        (
            acme.url("backlog:item-inline", sample.bug.pk),
            {_field(sample.bug, "title"): "sneaky", _field(sample.bug, "status"): "new"},
        ),
        (acme.url("backlog:item-move", sample.bug.pk), {"position": "top"}),
        (acme.url("backlog:bulk"), {"items": [sample.bug.pk], "action": "delete"}),
        (acme.url("backlog:score-order"), {}),
    ]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_viewers_writes_are_403_and_change_nothing(acme, htmx):
    before = backlog_snapshot(acme.product.workspace)
    client = acme.client(Role.VIEWER)
    for url, body in _viewer_posts(acme):
        response = client.post(url, body, **(HTMX if htmx else {}))
        assert response.status_code == 403, url
    assert client.get(acme.url("backlog:item-inline", acme.backlog.bug.pk)).status_code == 403
    assert backlog_snapshot(acme.product.workspace) == before
