"""The sprint pages: the list (active, planned, closed, with committed points against capacity and
the velocity chart's data), the sprint form (bad dates and names refused on their field, nothing
written), deleting a planned sprint, starting one (a second active sprint refused), closing with
unfinished work sent to the backlog or a planned sprint (another product's sprint refused),
review and retrospective notes, the burndown's data, and planning (items into and out of the
sprint, the committed points against capacity redrawn). Viewers see no controls and are refused
every write; each page reads a fixed number of queries."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backlog.models import Item, Sprint, SprintStatus
from backlog.services.items import item_create, item_update
from backlog.services.sprints import sprint_close, sprint_create, sprint_start
from pmhub import services
from pmhub.capabilities import Role
from tests.backlog.sample_backlog import backlog_snapshot, make_backlog
from tests.backlog.world import BacklogTeam, build_backlog_team
from tests.factories import make_tenant

HTMX = {"HTTP_HX_REQUEST": "true"}
EDITORS = (Role.OWNER, Role.ADMIN, Role.EDITOR, Role.CONTRIBUTOR)


@pytest.fixture
def team(db) -> BacklogTeam:
    return build_backlog_team(Role.OWNER)


def _client(team: BacklogTeam, role: Role = Role.OWNER) -> Client:
    client = Client()
    client.force_login(team.members[role])
    return client


def _url(name: str, team: BacklogTeam, *args: Any) -> str:
    return reverse(name, args=[team.product.slug, *(getattr(a, "pk", a) for a in args)])


def _get(team: BacklogTeam, name: str, *args: Any, role: Role = Role.OWNER) -> str:
    response = _client(team, role).get(_url(name, team, *args))
    assert response.status_code == 200
    return response.content.decode()


def _fresh(sprint: Sprint) -> Sprint:
    return Sprint.objects.get(pk=sprint.pk)


def _day(offset: int) -> str:
    return (timezone.localdate() + timedelta(days=offset)).isoformat()


def _json(html: str, element_id: str) -> Any:
    start = html.index(f'id="{element_id}"')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def _between(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end)]


def _close_first(team: BacklogTeam) -> Sprint:
    """Close the sample's active sprint (its 3-point story goes back to the backlog)."""
    sprint_close(sprint=team.backlog.sprint, actor=team.owner)
    return team.backlog.sprint


# --- The list -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_sprints_by_state_with_their_points(team, role):
    html = _get(team, "backlog:sprints", role=role)
    active = html[
        html.index('data-testid="sprints-active"') : html.index('data-testid="sprints-planned"')
    ]
    planned = html[
        html.index('data-testid="sprints-planned"') : html.index('data-testid="sprints-closed"')
    ]
    assert "acme sprint 1" in active and "3 / 20" in active  # committed at the start / capacity
    assert "acme sprint 2" in planned
    assert "No sprint has closed yet." in html
    assert "Drawn once a sprint has closed." in html


def test_a_planned_sprint_over_its_capacity_says_so(team):
    sprint = sprint_create(
        product=team.product,
        actor=team.owner,
        name="acme tight",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=7),
        capacity=2,
    )
    item_update(item=team.backlog.feature, actor=team.owner, sprint=sprint)  # 8 points
    html = _get(team, "backlog:sprints")
    row = html[html.index("acme tight") :]
    assert "8 / 2" in row[:2000] and "Over capacity" in row[:2000]


def test_the_velocity_chart_has_committed_and_completed_of_the_closed_sprints(team):
    item_update(item=team.backlog.story, actor=team.owner, status="in_progress")
    item_update(item=team.backlog.story, actor=team.owner, status="done")
    sprint_close(sprint=team.backlog.sprint, actor=team.owner)
    sprint_start(sprint=team.backlog.next_sprint, actor=team.owner)
    item_update(item=team.backlog.bug, actor=team.owner, sprint=team.backlog.next_sprint)
    sprint_close(sprint=team.backlog.next_sprint, actor=team.owner)
    html = _get(team, "backlog:sprints")
    assert _json(html, "velocity-data") == {
        "labels": ["acme sprint 1", "acme sprint 2"],
        "committed": [3.0, 0.0],
        "completed": [3.0, 0.0],
        "average": 1.5,
    }
    assert "chart.umd.min.js" in html and "backlog_sprint.js" in html
    assert "on average 1.5 points completed a sprint" in html


@pytest.mark.parametrize("role", EDITORS)
def test_the_delivery_team_gets_new_edit_plan_and_delete(team, role):
    html = _get(team, "backlog:sprints", role=role)
    assert _url("backlog:sprint-create", team) in html
    assert _url("backlog:sprint-edit", team, team.backlog.sprint) in html
    assert _url("backlog:sprint-plan", team, team.backlog.next_sprint) in html
    assert _url("backlog:sprint-delete", team, team.backlog.next_sprint) in html
    assert _url("backlog:sprint-delete", team, team.backlog.sprint) not in html  # active


def test_viewers_see_the_list_without_controls(team):
    html = _get(team, "backlog:sprints", role=Role.VIEWER)
    assert "acme sprint 1" in html
    for name in ("backlog:sprint-create",):
        assert _url(name, team) not in html
    for name in ("backlog:sprint-edit", "backlog:sprint-delete", "backlog:sprint-plan"):
        assert _url(name, team, team.backlog.next_sprint) not in html


# --- The form -------------------------------------------------------------------------------------


def _form(**changes: Any) -> dict[str, Any]:
    return {
        "name": "acme sprint 3",
        "goal": "Invite teams",
        "starts_on": _day(30),
        "ends_on": _day(43),
        "capacity": "21",
        **changes,
    }


def test_a_new_sprint_is_saved_and_shown(team):
    response = _client(team, Role.CONTRIBUTOR).post(_url("backlog:sprint-create", team), _form())
    sprint = Sprint.objects.get(product=team.product, name="acme sprint 3")
    assert response.status_code == 302
    assert response["Location"] == _url("backlog:sprint", team, sprint)
    assert (sprint.goal, sprint.capacity, sprint.status) == ("Invite teams", 21, "planned")
    html = _get(team, "backlog:sprint", sprint)
    assert "Invite teams" in html and "Drawn once the sprint starts." in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_on": _day(20)}, "ends_on", "The sprint must end on or after its start."),
        ({"ends_on": _day(120)}, "ends_on", "A sprint lasts at most two months."),
        ({"starts_on": "next week"}, "starts_on", "Enter a valid date."),
        ({"ends_on": ""}, "ends_on", "This field is required."),
        ({"name": "ACME SPRINT 1"}, "name", "This product already has a sprint of that name."),
        ({"name": "  "}, "name", "This field is required."),
        ({"capacity": "-3"}, "capacity", "Capacity is a number of story points, 0 or more."),
        ({"capacity": "lots"}, "capacity", "Enter a number."),
    ],
)
def test_a_refused_sprint_shows_the_error_by_its_field_and_writes_nothing(
    team, changes, field, message
):
    before = backlog_snapshot(team.workspace)
    response = _client(team).post(_url("backlog:sprint-create", team), _form(**changes))
    assert response.status_code == 200
    assert f'data-field-error="{field}">{message}</div>' in response.content.decode()
    assert backlog_snapshot(team.workspace) == before


def test_editing_a_sprint_changes_it_and_refuses_bad_dates(team):
    sprint = team.backlog.next_sprint
    url = _url("backlog:sprint-edit", team, sprint)
    html = _get(team, "backlog:sprint-edit", sprint)
    assert 'value="acme sprint 2"' in html
    response = _client(team).post(url, _form(name="acme sprint 2b", ends_on=_day(29)))
    assert 'data-field-error="ends_on"' in response.content.decode()
    assert _fresh(sprint).name == "acme sprint 2"
    response = _client(team).post(url, _form(name="acme sprint 2b"))
    assert response.status_code == 302
    assert _fresh(sprint).name == "acme sprint 2b" and _fresh(sprint).capacity == 21


# --- Delete, start, close -------------------------------------------------------------------------


def test_deleting_a_planned_sprint_sends_its_items_back_to_the_backlog(team):
    sprint = team.backlog.next_sprint
    item_update(item=team.backlog.bug, actor=team.owner, sprint=sprint)
    response = _client(team).post(_url("backlog:sprint-delete", team, sprint))
    assert response.status_code == 302 and response["Location"] == _url("backlog:sprints", team)
    assert not Sprint.objects.filter(pk=sprint.pk).exists()
    assert Item.objects.get(pk=team.backlog.bug.pk).sprint is None


def test_an_active_sprint_cannot_be_deleted(team):
    before = backlog_snapshot(team.workspace)
    client = _client(team)
    response = client.post(_url("backlog:sprint-delete", team, team.backlog.sprint), follow=True)
    assert "Only a planned sprint can be deleted." in response.content.decode()
    assert backlog_snapshot(team.workspace) == before


def test_starting_a_second_sprint_is_refused_while_one_is_active(team):
    before = backlog_snapshot(team.workspace)
    response = _client(team).post(
        _url("backlog:sprint-start", team, team.backlog.next_sprint), follow=True
    )
    assert "Close acme sprint 1 first: a product runs one sprint at a time." in (
        response.content.decode()
    )
    assert backlog_snapshot(team.workspace) == before


def test_starting_a_planned_sprint_commits_its_points(team):
    sprint = team.backlog.next_sprint
    item_update(item=team.backlog.feature, actor=team.owner, sprint=sprint)
    _close_first(team)
    html = _get(team, "backlog:sprint", sprint)
    assert "Start sprint" in html
    response = _client(team, Role.CONTRIBUTOR).post(
        _url("backlog:sprint-start", team, sprint), follow=True
    )
    assert "“acme sprint 2” started, committed to 8 points." in response.content.decode()
    started = _fresh(sprint)
    assert started.status == SprintStatus.ACTIVE and started.committed_points == 8


def test_closing_sends_unfinished_items_to_the_chosen_planned_sprint(team):
    item_update(item=team.backlog.bug, actor=team.owner, sprint=team.backlog.sprint)
    url = _url("backlog:sprint-close", team, team.backlog.sprint)
    response = _client(team).post(url, {"move_to": team.backlog.next_sprint.pk}, follow=True)
    html = response.content.decode()
    assert "unfinished items went to acme sprint 2" in html
    assert _fresh(team.backlog.sprint).status == SprintStatus.CLOSED
    moved = Item.objects.filter(sprint=team.backlog.next_sprint).values_list("title", flat=True)
    assert sorted(moved) == ["acme bug", "acme story"]


def test_closing_sends_unfinished_items_back_to_the_backlog_by_default(team):
    url = _url("backlog:sprint-close", team, team.backlog.sprint)
    response = _client(team).post(url, {"move_to": ""})
    assert response.status_code == 302
    assert Item.objects.get(pk=team.backlog.story.pk).sprint is None
    assert _fresh(team.backlog.sprint).completed_points == 0


def test_the_close_form_offers_the_planned_sprints_of_the_product_only(team):
    html = _get(team, "backlog:sprint", team.backlog.sprint)
    form = html[html.index('data-testid="close-form"') :]
    form = form[: form.index("</form>")]
    assert "Back to the backlog" in form and "To acme sprint 2" in form
    assert "To acme sprint 1" not in form


@pytest.mark.parametrize("where", ["other product", "other workspace", "closed", "active"])
def test_closing_into_a_sprint_that_is_not_a_planned_one_of_the_product_is_refused(team, where):
    if where == "other product":
        other = services.product_create(workspace=team.workspace, actor=team.owner, name="Other")
        target = make_backlog(other, team.owner, "other").next_sprint
    elif where == "other workspace":
        tenant = make_tenant("Globex")
        target = make_backlog(tenant.product, tenant.owner, "globex").next_sprint
    elif where == "closed":
        target = sprint_create(
            product=team.product,
            actor=team.owner,
            name="acme old",
            starts_on=timezone.localdate() - timedelta(days=40),
            ends_on=timezone.localdate() - timedelta(days=30),
        )
        Sprint.objects.filter(pk=target.pk).update(status=SprintStatus.CLOSED)
    else:
        target = team.backlog.sprint
    before = backlog_snapshot(team.workspace)
    url = _url("backlog:sprint-close", team, team.backlog.sprint)
    response = _client(team).post(url, {"move_to": target.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field-error="move_to">Select a valid choice.' in html
    assert 'class="collapse show" id="close-form"' in html  # the form stays open
    assert backlog_snapshot(team.workspace) == before


def test_a_closed_sprint_cannot_close_again(team):
    sprint = _close_first(team)
    before = backlog_snapshot(team.workspace)
    response = _client(team).post(_url("backlog:sprint-close", team, sprint), {}, follow=True)
    assert "Only the active sprint can close." in response.content.decode()
    assert backlog_snapshot(team.workspace) == before


# --- The sprint page ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_sprint_with_its_items_and_burndown(team, role):
    html = _get(team, "backlog:sprint", team.backlog.sprint, role=role)
    assert "acme story" in html and 'data-testid="sprint-item"' in html
    assert "20 pts" in html  # capacity
    burndown = _json(html, "burndown-data")
    assert burndown["committed"] == 3 and burndown["ideal"][0] == 3 and burndown["ideal"][-1] == 0
    assert len(burndown["labels"]) == 14 == len(burndown["remaining"])
    assert burndown["remaining"][:4] == [3, 3, 3, 3] and burndown["remaining"][-1] is None
    assert "chart.umd.min.js" in html and "backlog_sprint.js" in html


def test_scope_added_after_the_start_is_noted(team):
    item_update(item=team.backlog.bug, actor=team.owner, sprint=team.backlog.sprint)
    html = _get(team, "backlog:sprint", team.backlog.sprint)
    assert "Scope added after the start: 1 point." in html
    assert _json(html, "burndown-data")["scope_added"] == 1


@pytest.mark.parametrize("role", EDITORS)
def test_the_delivery_team_gets_the_sprints_controls(team, role):
    html = _get(team, "backlog:sprint", team.backlog.sprint, role=role)
    assert 'data-testid="close-form"' in html and 'data-testid="notes-form"' in html
    assert _url("backlog:sprint-plan", team, team.backlog.sprint) in html
    planned = _get(team, "backlog:sprint", team.backlog.next_sprint, role=role)
    assert _url("backlog:sprint-start", team, team.backlog.next_sprint) in planned


def test_viewers_see_the_sprint_without_controls(team):
    for sprint in (team.backlog.sprint, team.backlog.next_sprint):
        html = _get(team, "backlog:sprint", sprint, role=Role.VIEWER)
        assert 'data-testid="sprint-actions"' not in html
        assert 'data-testid="close-form"' not in html and 'data-testid="notes-form"' not in html
        for name in ("backlog:sprint-start", "backlog:sprint-plan", "backlog:sprint-edit"):
            assert _url(name, team, sprint) not in html


def test_notes_are_saved_any_time_and_shown_as_sanitized_markdown(team):
    sprint = _close_first(team)
    url = _url("backlog:sprint-notes", team, sprint)
    blank = _get(team, "backlog:sprint", sprint, role=Role.VIEWER)
    assert blank.count("Nothing written yet.") == 4
    body = {
        "review": "Demoed **invites**<script>alert(1)</script>",
        "went_well": "Pairing",
        "to_improve": "Estimates",
        "actions": "- Split stories",
    }
    response = _client(team, Role.CONTRIBUTOR).post(url, body)
    assert response.status_code == 302 and response["Location"].endswith("#notes")
    saved = _fresh(sprint)
    assert (saved.went_well, saved.actions) == ("Pairing", "- Split stories")
    html = _get(team, "backlog:sprint", sprint, role=Role.VIEWER)
    assert "<script>alert" not in html and "Nothing written yet." not in html
    shown = {
        "review": "<strong>invites</strong>",
        "went_well": "Pairing",
        "to_improve": "Estimates",
        "actions": "<li>Split stories</li>",
    }
    for field, text in shown.items():  # each note under its own heading
        assert text in html.split(f'data-testid="note-{field}">', 1)[1].split("</div>", 1)[0]


def test_notes_too_long_are_refused_on_their_field(team):
    before = backlog_snapshot(team.workspace)
    url = _url("backlog:sprint-notes", team, team.backlog.sprint)
    response = _client(team).post(url, {"review": "x" * 20001})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-field-error="review"' in html
    assert 'class="collapse show" id="notes-form"' in html
    assert backlog_snapshot(team.workspace) == before


# --- Planning -------------------------------------------------------------------------------------


def _plan_move(team: BacklogTeam, sprint: Sprint, item: Item, query: str = "") -> str:
    url = reverse("backlog:sprint-plan-move", args=[team.product.slug, sprint.pk, item.pk])
    return f"{url}?{query}" if query else url


def test_the_plan_shows_the_backlog_beside_the_sprint_with_its_points(team):
    html = _get(team, "backlog:sprint-plan", team.backlog.next_sprint)
    backlog = html[
        html.index('data-testid="plan-backlog"') : html.index('data-testid="plan-sprint"')
    ]
    sprint = html[html.index('data-testid="plan-sprint"') :]
    assert "acme feature" in backlog and "acme bug" in backlog
    assert "acme story" not in backlog  # in the active sprint
    assert "Nothing planned yet" in sprint
    assert 'data-testid="committed-points">0 pts' in html
    assert 'aria-label="Add acme bug to the sprint"' in html


def test_the_plans_backlog_leaves_out_finished_items_and_filters_by_text(team):
    done = item_create(product=team.product, actor=team.owner, title="acme shipped", status="done")
    html = _get(team, "backlog:sprint-plan", team.backlog.next_sprint)
    assert done.title not in html
    url = _url("backlog:sprint-plan", team, team.backlog.next_sprint) + "?q=bug"
    html = _client(team).get(url).content.decode()
    assert "acme bug" in html and "acme feature" not in html
    assert 'data-move-url="' + _plan_move(team, team.backlog.next_sprint, team.backlog.bug, "q=bug")


def test_adding_items_to_the_sprint_redraws_the_committed_points_against_capacity(team):
    sprint = team.backlog.sprint  # capacity 20, holds the 3-point story
    client = _client(team, Role.CONTRIBUTOR)
    response = client.post(_plan_move(team, sprint, team.backlog.bug), {"target": "sprint"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="plan-body"')
    assert 'data-testid="committed-points">4 pts' in html and "over-capacity" not in html
    assert Item.objects.get(pk=team.backlog.bug.pk).sprint == sprint
    for n in range(2):
        extra = item_create(product=team.product, actor=team.owner, title=f"big {n}", estimate=8)
        html = client.post(_plan_move(team, sprint, extra), {"target": "sprint"}, **HTMX)
        html = html.content.decode()
    assert 'data-testid="committed-points">20 pts' in html and "over-capacity" not in html
    html = client.post(_plan_move(team, sprint, team.backlog.feature), {"target": "sprint"}, **HTMX)
    html = html.content.decode()
    assert 'data-testid="committed-points">28 pts' in html
    assert "Over capacity by 8 pts" in html and "bg-danger" in html


def test_removing_an_item_sends_it_back_to_the_backlog(team):
    sprint = team.backlog.sprint
    response = _client(team).post(
        _plan_move(team, sprint, team.backlog.story), {"target": "backlog"}, **HTMX
    )
    html = response.content.decode()
    assert 'data-testid="committed-points">0 pts' in html
    assert Item.objects.get(pk=team.backlog.story.pk).sprint is None


def test_a_drop_at_a_place_ranks_the_item_there(team):
    sprint = team.backlog.next_sprint
    client = _client(team)
    client.post(_plan_move(team, sprint, team.backlog.bug), {"target": "sprint"}, **HTMX)
    client.post(
        _plan_move(team, sprint, team.backlog.feature),
        {"target": "sprint", "after": team.backlog.bug.pk},
        **HTMX,
    )
    order = lambda: list(  # noqa: E731
        Item.objects.filter(sprint=sprint).order_by("rank").values_list("title", flat=True)
    )
    assert order() == ["acme bug", "acme feature"]
    client.post(
        _plan_move(team, sprint, team.backlog.feature),
        {"target": "sprint", "before": team.backlog.bug.pk},
        **HTMX,
    )
    assert order() == ["acme feature", "acme bug"]


def test_a_move_without_htmx_redirects_to_the_plan_with_its_filter(team):
    sprint = team.backlog.next_sprint
    response = _client(team).post(
        _plan_move(team, sprint, team.backlog.bug, "q=bug"), {"target": "sprint"}
    )
    assert response.status_code == 302
    assert response["Location"] == _url("backlog:sprint-plan", team, sprint) + "?q=bug"


@pytest.mark.parametrize(
    ("item", "data", "message"),
    [
        ("bug", {"target": "somewhere"}, "The move was not understood"),
        ("bug", {"target": "backlog"}, "“acme bug” is not in acme sprint 2."),
        ("bug", {"target": "sprint", "before": "99999999"}, "That item is no longer here"),
        ("story", {"target": "backlog"}, "“acme story” is not in acme sprint 2."),
    ],
)
def test_a_plan_move_it_cannot_make_changes_nothing_and_says_why(team, item, data, message):
    before = backlog_snapshot(team.workspace)
    url = _plan_move(team, team.backlog.next_sprint, getattr(team.backlog, item))
    html = _client(team).post(url, data, **HTMX).content.decode()
    assert 'role="alert"' in html and message in html
    assert backlog_snapshot(team.workspace) == before


def test_a_closed_sprint_is_planned_no_more(team):
    sprint = _close_first(team)
    html = _get(team, "backlog:sprint-plan", sprint)
    assert "data-sortable-plan" not in html and "Add to sprint" not in html
    done = item_create(product=team.product, actor=team.owner, title="shipped", estimate=1)
    for status in ("ready", "in_progress", "done"):
        item_update(item=done, actor=team.owner, status=status)
    Item.objects.filter(pk=done.pk).update(sprint=sprint)  # done work the sprint closed with
    before = backlog_snapshot(team.workspace)
    for target, item, refusal in (
        ("sprint", team.backlog.bug, "This sprint is closed."),
        ("backlog", done, f"{sprint.name} is closed; its items stay in it."),
    ):
        url = _plan_move(team, sprint, item)
        html = _client(team).post(url, {"target": target}, **HTMX).content.decode()
        assert refusal in html
    assert backlog_snapshot(team.workspace) == before


def test_an_item_of_another_product_cannot_be_planned_through_this_product(team):
    other = services.product_create(workspace=team.workspace, actor=team.owner, name="Other")
    theirs = item_create(product=other, actor=team.owner, title="other item")
    url = _plan_move(team, team.backlog.next_sprint, theirs)
    assert _client(team).post(url, {"target": "sprint"}).status_code == 404
    assert Item.objects.get(pk=theirs.pk).sprint is None


def test_viewers_see_the_plan_without_controls(team):
    html = _get(team, "backlog:sprint-plan", team.backlog.next_sprint, role=Role.VIEWER)
    assert "acme bug" in html
    assert "data-sortable-plan" not in html and "data-drag-handle" not in html
    assert "Add to sprint" not in html and "Sortable.min.js" not in html


@pytest.mark.parametrize(
    ("name", "sprint", "body"),
    [
        ("backlog:sprint-create", None, _form()),
        ("backlog:sprint-edit", "next_sprint", _form()),
        ("backlog:sprint-delete", "next_sprint", {}),
        ("backlog:sprint-start", "next_sprint", {}),
        ("backlog:sprint-close", "sprint", {}),
        ("backlog:sprint-notes", "sprint", {"review": "x"}),
    ],
)
def test_viewers_are_refused_every_sprint_write(team, name, sprint, body):
    before = backlog_snapshot(team.workspace)
    args = [getattr(team.backlog, sprint)] if sprint else []
    response = _client(team, Role.VIEWER).post(_url(name, team, *args), body)
    assert response.status_code == 403
    assert backlog_snapshot(team.workspace) == before


def test_viewers_are_refused_planning_moves(team):
    before = backlog_snapshot(team.workspace)
    url = _plan_move(team, team.backlog.next_sprint, team.backlog.bug)
    assert _client(team, Role.VIEWER).post(url, {"target": "sprint"}, **HTMX).status_code == 403
    assert backlog_snapshot(team.workspace) == before


# --- Queries --------------------------------------------------------------------------------------


def _product_of_size(team: BacklogTeam, size: int) -> Any:
    """A product with a sample backlog, ``size`` closed sprints and ``size`` more items (half of
    them in the active sprint, the rest in the backlog), with history to replay."""
    product = services.product_create(workspace=team.workspace, actor=team.owner, name=f"S{size}")
    sample = make_backlog(product, team.owner, f"s{size}")
    today = timezone.localdate()
    for n in range(size):
        item = item_create(
            product=product,
            actor=team.owner,
            title=f"filler {n}",
            estimate=[1, 2, 3, 5][n % 4],
            assignee=team.owner if n % 2 else None,
        )
        if n % 2:
            item_update(item=item, actor=team.owner, sprint=sample.sprint)
            item_update(item=item, actor=team.owner, status="in_progress")
        Sprint.objects.create(  # closed long ago (the services would stamp today)
            product=product,
            name=f"old {n}",
            starts_on=today - timedelta(days=400 - n),
            ends_on=today - timedelta(days=390 - n),
            status=SprintStatus.CLOSED,
            committed_points=n,
            completed_points=n,
            closed_at=timezone.now() - timedelta(days=390 - n),
        )
    return product, sample


@pytest.mark.parametrize("page", ["sprints", "sprint", "sprint-plan", "sprint-plan?q=filler"])
def test_the_sprint_pages_run_the_same_queries_for_five_or_a_hundred_rows(team, page):
    counts = []
    client = _client(team)
    for size in (5, 100):
        product, sample = _product_of_size(team, size)
        name, _, query = page.partition("?")
        args = [product.slug] if name == "sprints" else [product.slug, sample.sprint.pk]
        url = reverse(f"backlog:{name}", args=args) + (f"?{query}" if query else "")
        client.get(url)  # the session and its workspace settle on the first request
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
