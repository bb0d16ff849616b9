"""The kanban board: a column per status with the active sprint's cards by default, filters by
sprint, assignee and label, WIP limits shown as "count / limit" and marked in words when
exceeded; the delivery team moves cards (a status the workflow forbids is refused, shown, and
nothing changes; a drop within a column re-ranks the card), viewers see no controls and are
refused; the page's query count does not grow with the number of items."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backlog.models import Item, Status
from backlog.services.fields import label_create
from backlog.services.items import item_create, item_update
from backlog.services.scores import settings_update
from backlog.services.sprints import sprint_close
from pmhub import services
from pmhub.capabilities import Role
from tests.backlog.sample_backlog import backlog_snapshot, make_backlog
from tests.backlog.world import BacklogTeam, build_backlog_team

HTMX = {"HTTP_HX_REQUEST": "true"}
EDITORS = (Role.OWNER, Role.ADMIN, Role.EDITOR, Role.CONTRIBUTOR)
STATUSES = ("new", "ready", "in_progress", "in_review", "done", "wont_do")


@pytest.fixture
def team(db) -> BacklogTeam:
    return build_backlog_team(Role.OWNER)


def _client(team: BacklogTeam, role: Role = Role.OWNER) -> Client:
    client = Client()
    client.force_login(team.members[role])
    return client


def _board(team: BacklogTeam, **params: Any) -> str:
    url = reverse("backlog:board", args=[team.product.slug])
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{url}?{query}" if query else url


def _move_url(team: BacklogTeam, item: Item, query: str = "") -> str:
    url = reverse("backlog:board-move", args=[team.product.slug, item.pk])
    return f"{url}?{query}" if query else url


def _html(team: BacklogTeam, role: Role = Role.OWNER, **params: Any) -> str:
    response = _client(team, role).get(_board(team, **params))
    assert response.status_code == 200
    return response.content.decode()


def _column(html: str, status: str) -> str:
    """The markup of one column of the board (up to the next column)."""
    start = html.index(f'data-testid="column-{status}"')
    following = [
        html.find(f'data-testid="column-{other}"', start + 1)
        for other in STATUSES
        if other != status
    ]
    ends = [i for i in following if i > start]
    return html[start : min(ends) if ends else len(html)]


def _status(item: Item) -> str:
    return Item.objects.get(pk=item.pk).status


# --- The page -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_a_column_per_status_with_the_active_sprints_cards(team, role):
    html = _html(team, role)
    for status in STATUSES:
        assert f'data-testid="column-{status}"' in html
    assert "acme story" in _column(html, "ready")  # the active sprint's item, in its status
    assert "acme bug" not in html and "acme feature" not in html  # in no sprint
    assert "Items of acme sprint 1 (active)" in html
    assert 'data-testid="collapsed-wont_do"' in html  # Won't do is folded away


def test_without_an_active_sprint_the_board_shows_every_open_item(team):
    sprint_close(sprint=team.backlog.sprint, actor=team.owner)
    html = _html(team)
    assert "Every open item, and those finished in the last 14 days." in html
    for title in ("acme story", "acme bug", "acme feature"):
        assert title in _column(html, "new" if title != "acme story" else "ready")


def test_the_board_filters_by_sprint_assignee_and_label(team):
    contributor = team.members[Role.CONTRIBUTOR]
    item_update(item=team.backlog.bug, actor=team.owner, assignee=contributor)
    html = _html(team, sprint="all")
    assert all(t in html for t in ("acme story", "acme bug", "acme feature"))
    html = _html(team, sprint="all", assignee=contributor.pk)
    assert "acme bug" in html and "acme story" not in html and "acme feature" not in html
    html = _html(team, sprint="all", label=team.backlog.label.pk)
    assert "acme feature" in html and "acme bug" not in html
    html = _html(team, sprint=team.backlog.next_sprint.pk)
    assert 'data-testid="board-card"' not in html  # nothing planned in sprint 2 yet
    assert "Items of acme sprint 2 (planned)" in html


def test_unknown_filters_fall_back_to_the_default_board(team):
    html = _html(team, sprint="999999", assignee="x", label="-4")
    assert "acme story" in html and "Items of acme sprint 1" in html


def test_another_products_sprint_in_the_filter_shows_nothing_of_it(team):
    other = services.product_create(workspace=team.workspace, actor=team.owner, name="Other")
    theirs = make_backlog(other, team.owner, "other")
    html = _html(team, sprint=theirs.sprint.pk)
    assert "other story" not in html and "acme story" in html


def test_wip_limits_show_count_over_limit_and_say_when_exceeded(team):
    settings_update(
        product=team.product, actor=team.owner, wip_limits={"in_progress": 1, "ready": 3}
    )
    for title in ("acme api", "acme ui"):
        item_create(
            product=team.product,
            actor=team.owner,
            title=title,
            status="in_progress",
            sprint=team.backlog.sprint,
        )
    html = _html(team)
    in_progress, ready = _column(html, "in_progress"), _column(html, "ready")
    assert '<span class="badge rounded-pill text-bg-danger"' in in_progress
    assert "2 / 1</span>" in in_progress
    assert "Over its WIP limit of 1" in in_progress  # in words, not colour alone
    assert "border-danger" in in_progress
    assert "1 / 3</span>" in ready and "Over its WIP limit" not in ready


def test_wip_counts_the_whole_sprint_even_when_filtered_by_assignee(team):
    settings_update(product=team.product, actor=team.owner, wip_limits={"ready": 1})
    item_create(
        product=team.product,
        actor=team.owner,
        title="acme extra",
        status="ready",
        sprint=team.backlog.sprint,
        assignee=team.owner,
    )
    html = _html(team, assignee=team.owner.pk)
    ready = _column(html, "ready")
    assert "acme extra" in ready and "acme story" not in ready
    assert "2 / 1</span>" in ready and "Over its WIP limit" in ready


@pytest.mark.parametrize("role", EDITORS)
def test_the_delivery_team_gets_handles_and_the_move_menu_of_allowed_statuses(team, role):
    html = _html(team, role)
    assert "data-drag-handle" in html and "data-sortable-column" in html
    assert "backlog_board.js" in html and "Sortable.min.js" in html
    ready = _column(html, "ready")
    # From Ready the workflow allows New, In progress and Won't do, nothing else.
    for label in ("New", "In progress", "Won&#x27;t do"):
        assert f'aria-label="Move acme story to {label}"' in ready
    for label in ("Ready", "In review", "Done"):
        assert f'aria-label="Move acme story to {label}"' not in ready


def test_viewers_see_the_board_without_any_control(team):
    html = _html(team, Role.VIEWER)
    assert "acme story" in html
    assert "data-drag-handle" not in html and "data-sortable-column" not in html
    assert "data-move-menu" not in html and "Sortable.min.js" not in html


# --- Moves ----------------------------------------------------------------------------------------


def test_a_drop_into_another_column_changes_the_status_and_redraws_the_board(team):
    story = team.backlog.story
    response = _client(team).post(_move_url(team, story), {"status": "in_progress"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="board-body"')  # the fragment, for htmx
    assert "“acme story” moved from Ready to In progress." in html
    assert "acme story" in _column(html, "in_progress")
    assert _status(story) == Status.IN_PROGRESS
    assert response["Vary"] and "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    ("start", "forbidden"),
    [("new", "done"), ("new", "in_review"), ("ready", "done"), ("wont_do", "done")],
)
def test_a_move_the_workflow_forbids_is_refused_shown_and_changes_nothing(team, start, forbidden):
    item = item_create(
        product=team.product,
        actor=team.owner,
        title="acme refused",
        status=start,
        sprint=team.backlog.sprint,
    )
    before = backlog_snapshot(team.workspace)
    response = _client(team).post(_move_url(team, item), {"status": forbidden}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and 'role="alert"' in html
    assert "An item cannot go from" in html and "it may go to" in html
    assert "acme refused" in _column(html, start)  # the card is back where it was
    assert backlog_snapshot(team.workspace) == before


def test_a_refused_drop_with_a_place_moves_neither_status_nor_rank(team):
    bug = item_create(
        product=team.product,
        actor=team.owner,
        title="acme new",
        sprint=team.backlog.sprint,
    )
    before = backlog_snapshot(team.workspace)
    _client(team).post(
        _move_url(team, bug), {"status": "done", "before": team.backlog.story.pk}, **HTMX
    )
    assert backlog_snapshot(team.workspace) == before


def test_a_drop_within_a_column_reranks_the_card(team):
    sprint = team.backlog.sprint
    first, second = (
        item_create(product=team.product, actor=team.owner, title=t, sprint=sprint, status="ready")
        for t in ("acme first", "acme second")
    )
    ready = lambda: list(  # noqa: E731
        Item.objects.filter(sprint=sprint, status="ready")
        .order_by("rank")
        .values_list("title", flat=True)
    )
    assert ready() == ["acme story", "acme first", "acme second"]
    _client(team).post(_move_url(team, second), {"status": "ready", "before": first.pk}, **HTMX)
    assert ready() == ["acme story", "acme second", "acme first"]
    _client(team).post(
        _move_url(team, team.backlog.story), {"status": "ready", "after": first.pk}, **HTMX
    )
    assert ready() == ["acme second", "acme first", "acme story"]


def test_a_drop_into_another_column_at_a_place_sets_status_and_rank(team):
    sprint = team.backlog.sprint
    doing = item_create(
        product=team.product, actor=team.owner, title="acme doing", sprint=sprint, status="ready"
    )
    item_update(item=doing, actor=team.owner, status="in_progress")
    _client(team).post(
        _move_url(team, team.backlog.story), {"status": "in_progress", "before": doing.pk}, **HTMX
    )
    assert list(
        Item.objects.filter(sprint=sprint, status="in_progress")
        .order_by("rank")
        .values_list("title", flat=True)
    ) == ["acme story", "acme doing"]


def test_a_move_without_htmx_redirects_to_the_board_with_its_filters(team):
    response = _client(team).post(
        _move_url(team, team.backlog.story, "sprint=all&label=1"), {"status": "in_progress"}
    )
    assert response.status_code == 302
    assert response["Location"] == _board(team, sprint="all", label="1")
    assert _status(team.backlog.story) == Status.IN_PROGRESS


def test_the_redrawn_board_keeps_the_filters_of_the_page(team):
    url = _move_url(team, team.backlog.bug, "sprint=all")
    html = _client(team).post(url, {"status": "ready"}, **HTMX).content.decode()
    assert "Every open item" in html and "acme feature" in html
    assert 'data-move-url="' + url in html


@pytest.mark.parametrize(
    "data",
    [
        {"status": "someday"},
        {"status": "in_progress", "before": "abc"},
        {"status": "in_progress", "before": "99999999"},
    ],
)
def test_a_move_it_cannot_understand_changes_nothing_and_says_why(team, data):
    before = backlog_snapshot(team.workspace)
    response = _client(team).post(_move_url(team, team.backlog.story), data, **HTMX)
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert backlog_snapshot(team.workspace) == before


def test_a_card_of_another_product_is_no_neighbour(team):
    other = services.product_create(workspace=team.workspace, actor=team.owner, name="Other")
    theirs = item_create(product=other, actor=team.owner, title="other item")
    before = backlog_snapshot(team.workspace)
    response = _client(team).post(
        _move_url(team, team.backlog.story), {"status": "ready", "before": theirs.pk}, **HTMX
    )
    assert "no longer on this board" in response.content.decode()
    assert backlog_snapshot(team.workspace) == before


def test_a_card_of_another_product_cannot_be_moved_through_this_products_board(team):
    other = services.product_create(workspace=team.workspace, actor=team.owner, name="Other")
    theirs = item_create(product=other, actor=team.owner, title="other item")
    url = reverse("backlog:board-move", args=[team.product.slug, theirs.pk])
    assert _client(team).post(url, {"status": "ready"}).status_code == 404
    assert _status(theirs) == Status.NEW


def test_viewer_cannot_move_a_card(team):
    before = backlog_snapshot(team.workspace)
    response = _client(team, Role.VIEWER).post(
        _move_url(team, team.backlog.story), {"status": "in_progress"}, **HTMX
    )
    assert response.status_code == 403
    assert backlog_snapshot(team.workspace) == before


def test_a_move_is_a_post(team):
    assert _client(team).get(_move_url(team, team.backlog.story)).status_code == 405


# --- Queries --------------------------------------------------------------------------------------


def _fill(team: BacklogTeam, size: int) -> Any:
    """A product of ``team`` with a sample backlog and ``size`` more items, some in its active
    sprint, of every open status, some assigned and labelled."""
    product = services.product_create(workspace=team.workspace, actor=team.owner, name=f"S{size}")
    sample = make_backlog(product, team.owner, f"s{size}")
    label = label_create(product=product, actor=team.owner, name="extra", colour="#000000")
    for n in range(size):
        item_create(
            product=product,
            actor=team.owner,
            title=f"filler {n}",
            sprint=sample.sprint if n % 2 else None,
            status=STATUSES[n % 4],
            assignee=team.owner if n % 3 else None,
            estimate=[1, 2, 3, 5][n % 4],
            labels=[label, sample.label] if n % 5 == 0 else [],
        )
    settings_update(product=product, actor=team.owner, wip_limits={"in_progress": 2})
    return product


@pytest.mark.parametrize("params", [{}, {"sprint": "all"}, {"sprint": "all", "assignee": "me"}])
def test_the_board_runs_the_same_queries_for_five_or_a_hundred_items(team, params):
    counts = []
    client = _client(team)
    for size in (5, 100):
        product = _fill(team, size)
        query = {**params, "assignee": team.owner.pk} if "assignee" in params else params
        url = reverse("backlog:board", args=[product.slug])
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
        client.get(url)  # the session and its workspace settle on the first request
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="board-card"') >= size // 3
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
