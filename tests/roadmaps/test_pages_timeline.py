"""The timeline and portfolio pages: bars placed in percent of a month/quarter/year window,
grouped by theme or objective, releases as markers, dependencies as arrows; planners move a bar
to new dates (``initiative_update``), a refusal names the field and writes nothing; the pages
run a fixed number of queries whatever the size of the plan (roadmaps issue, acceptance 7)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from pmhub import services
from pmhub.capabilities import Role
from roadmaps.demo import roadmap_fill
from roadmaps.models import Initiative, Release
from roadmaps.services.initiatives import initiative_create, initiative_depend
from roadmaps.services.themes import theme_create
from roadmaps.timeline import timeline_layout, timeline_window
from tests.roadmaps.pages import HTMX, NON_PLANNERS, PLANNERS, build_acme, count_queries
from tests.roadmaps.sample_roadmap import roadmap_snapshot


@pytest.fixture
def acme(db):
    return build_acme()


def _timeline(acme, **query) -> str:
    url = reverse("roadmaps:timeline", args=[acme.product.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


GROUP = re.compile(r'<div class="timeline-group-label">.*?</span>\s*(.*?)\s*</div>', re.S)


def _groups(html: str) -> list[str]:
    return GROUP.findall(html)


# --- The window and the layout ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("zoom", "start", "first", "end", "labels"),
    [
        ("month", date(2026, 11, 1), date(2026, 11, 1), date(2027, 5, 1), ["Nov 2026", "Apr 2027"]),
        ("quarter", date(2026, 11, 2), date(2026, 10, 1), date(2028, 4, 1), ["Q4 2026", "Q1 2028"]),
        ("year", date(2026, 11, 2), date(2026, 1, 1), date(2029, 1, 1), ["2026", "2028"]),
    ],
)
def test_a_window_starts_at_its_period_and_spans_its_columns(zoom, start, first, end, labels):
    window = timeline_window(zoom=zoom, start=start)
    assert (window.start, window.end) == (first, end)
    assert [window.columns[0].label, window.columns[-1].label] == labels
    assert window.columns[0].left == 0
    assert sum(column.width for column in window.columns) == pytest.approx(100)


def test_by_default_the_window_starts_a_period_before_today():
    assert timeline_window(zoom="month", today=date(2026, 1, 15)).start == date(2025, 12, 1)
    assert timeline_window(zoom="quarter", today=date(2026, 5, 15)).start == date(2026, 1, 1)
    assert timeline_window(zoom="year", today=date(2026, 5, 15)).start == date(2026, 1, 1)
    assert timeline_window(zoom="nonsense", today=date(2026, 5, 15)).zoom == "month"


def test_bars_are_placed_by_their_days_and_clipped_at_the_window(db, tenant_a):
    product, owner = tenant_a.product, tenant_a.owner
    window = timeline_window(zoom="month", start=date(2027, 1, 1))  # Jan-Jun 2027: 181 days
    inside = initiative_create(
        product=product,
        actor=owner,
        title="Inside",
        starts_on=date(2027, 2, 1),
        ends_on=date(2027, 2, 28),
    )
    across = initiative_create(
        product=product,
        actor=owner,
        title="Across",
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 1, 31),
    )
    initiative_create(product=product, actor=owner, title="Undated")
    initiative_depend(initiative=inside, actor=owner, depends_on=across)
    layout = timeline_layout(products=[product], window=window, today=date(2027, 1, 11))
    bars = {bar.initiative.title: bar for bar in layout.bars}
    assert bars["Inside"].left == pytest.approx(31 * 100 / 181)
    assert bars["Inside"].width == pytest.approx(28 * 100 / 181)
    assert bars["Across"].left == 0 and bars["Across"].clipped_start
    assert bars["Across"].width == pytest.approx(31 * 100 / 181)
    assert not bars["Undated"].visible
    [link] = layout.links
    assert (link.x1, link.x2) == (bars["Across"].right, bars["Inside"].left)
    assert (link.y1, link.y2) == (bars["Across"].middle, bars["Inside"].middle)
    assert not link.late  # it starts the day after the other ends
    assert layout.today == pytest.approx(10 * 100 / 181)


# --- The page -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_timeline_with_bars_releases_and_dependencies(acme, role):
    html = acme.client(role).get(_timeline(acme)).content.decode()
    assert html.count('data-testid="timeline-bar"') == 2  # the undated one has a row, no bar
    assert "No dates yet" in html
    assert 'data-testid="timeline-release"' in html and "acme 1.0" in html
    assert html.count("<line ") == 1  # billing v2 waits for the onboarding revamp
    assert "acme growth" in html and "No theme" in html  # grouped by theme
    assert "--theme: #1f77b4" in html


@pytest.mark.parametrize("role", PLANNERS)
def test_planners_can_drag_bars(acme, role):
    html = acme.client(role).get(_timeline(acme)).content.decode()
    assert "data-timeline-editable" in html and "roadmap_timeline.js" in html
    assert html.count("data-dates-url=") == 2 and html.count("data-resize") == 2
    assert 'tabindex="0"' in html


@pytest.mark.parametrize("role", NON_PLANNERS)
def test_others_see_bars_they_cannot_drag(acme, role):
    html = acme.client(role).get(_timeline(acme)).content.decode()
    assert "data-timeline-editable" not in html and "roadmap_timeline.js" not in html
    assert "data-dates-url=" not in html and "data-resize" not in html


def test_grouping_by_objective_and_zooming(acme):
    html = acme.client().get(_timeline(acme, group="objective", zoom="quarter")).content.decode()
    groups = _groups(html)
    assert groups == ["acme activation objective", "No objective"]
    assert 'aria-current="true"' in html and ">Quarters</a>" in html
    year = acme.client().get(_timeline(acme, zoom="year")).content.decode()
    assert year.count('class="timeline-column-label"') == 3


@pytest.mark.parametrize("start", ["2026-13", "abc", "99999-01", "1-1-1"])
def test_a_nonsense_start_shows_the_default_window(acme, start):
    assert acme.client().get(_timeline(acme, start=start)).status_code == 200


def test_htmx_gets_the_timeline_body_alone(acme):
    response = acme.client().get(_timeline(acme), **HTMX)
    assert response.content.decode().lstrip().startswith('<div id="timeline-body"')
    assert "HX-Request" in response["Vary"]


def test_a_dragged_bar_saves_its_new_dates(acme):
    url = reverse("roadmaps:initiative-dates", args=[acme.plan.next.pk])
    response = acme.client(Role.EDITOR).post(
        url,
        {"starts_on": "2027-02-01", "ends_on": "2027-03-15"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {"starts_on": "2027-02-01", "ends_on": "2027-03-15"}
    moved = Initiative.objects.get(pk=acme.plan.next.pk)
    assert (moved.starts_on, moved.ends_on) == (date(2027, 2, 1), date(2027, 3, 15))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"starts_on": "2027-03-01", "ends_on": "2027-02-01"}, "ends_on"),
        ({"starts_on": "2027-03-01"}, "ends_on"),
        ({"starts_on": "yesterday", "ends_on": "2027-02-01"}, "starts_on"),
    ],
)
def test_refused_dates_name_the_field_and_write_nothing(acme, data, field):
    before = roadmap_snapshot(acme.team.workspace)
    url = reverse("roadmaps:initiative-dates", args=[acme.plan.next.pk])
    response = acme.client().post(url, data, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["fields"]
    assert roadmap_snapshot(acme.team.workspace) == before
    # Without a script: back to the timeline with the message.
    plain = acme.client().post(url, data, follow=True)
    assert body["message"] in plain.content.decode()


def test_contributor_cannot_move_a_bar(acme):
    before = roadmap_snapshot(acme.team.workspace)
    url = reverse("roadmaps:initiative-dates", args=[acme.plan.next.pk])
    response = acme.client(Role.CONTRIBUTOR).post(
        url, {"starts_on": "2027-02-01", "ends_on": "2027-03-15"}
    )
    assert response.status_code == 403
    assert roadmap_snapshot(acme.team.workspace) == before


def test_the_portfolio_shows_every_active_product_as_a_group(acme):
    other = services.product_create(workspace=acme.team.workspace, actor=acme.owner, name="Zeta")
    theme = theme_create(product=other, actor=acme.owner, name="Core", colour="#ff7f0e")
    initiative_create(
        product=other,
        actor=acme.owner,
        title="Zeta launch",
        theme=theme,
        starts_on=acme.plan.now.starts_on,
        ends_on=acme.plan.now.ends_on,
    )
    html = acme.client(Role.VIEWER).get(reverse("roadmaps:index")).content.decode()
    groups = _groups(html)
    assert groups == [acme.product.name, "Zeta"]  # the archived product is left out
    assert "Zeta launch" in html and "--theme: #ff7f0e" in html
    assert html.count('data-testid="timeline-bar"') == 3


# --- Queries do not grow with the plan ----------------------------------------------------------


def _sized_product(acme, name: str, initiatives: int, releases: int, dependencies: int):
    product = services.product_create(workspace=acme.team.workspace, actor=acme.owner, name=name)
    roadmap_fill(
        product=product,
        owner=acme.owner,
        initiatives=initiatives,
        releases=releases,
        dependencies=dependencies,
        start=date.today(),
    )
    return product


@pytest.mark.parametrize("query", [{}, {"zoom": "quarter", "group": "objective"}])
def test_the_timeline_runs_the_same_queries_at_10_and_500_initiatives(acme, query):
    counts = []
    for name, size in (("Small", (10, 2, 20)), ("Large", (500, 50, 2000))):
        product = _sized_product(acme, name, *size)
        client = acme.client()
        url = reverse("roadmaps:timeline", args=[product.slug])
        client.get(url)  # the session settles on the first request
        queries, response = count_queries(lambda c=client, u=url: c.get(u, query))
        html = response.content.decode()
        assert html.count('data-testid="timeline-row"') == size[0]
        assert Release.objects.filter(product=product).count() == size[1]
        counts.append(queries)
    assert counts[0] == counts[1], counts
    if not query:  # the default window shows lines for the dependencies both of whose bars show
        assert "<line " in html


def test_the_portfolio_runs_the_same_queries_with_a_large_product_added(acme):
    client = acme.client()
    url = reverse("roadmaps:index")
    _sized_product(acme, "Small", 10, 2, 20)
    client.get(url)
    small, _ = count_queries(lambda: client.get(url))
    _sized_product(acme, "Large", 500, 50, 2000)
    large, _ = count_queries(lambda: client.get(url))
    assert small == large
