"""The value vs effort page: open items with both a value and an effort land in the quadrant
``backlog.scoring.quadrant`` gives them (value 5 and the median effort of the items shown divide
it), drawn from a json_script and listed underneath; items missing either are "not placed";
closed items are left out; the page reads the same number of queries at 3 and 40 items."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backlog.services.items import item_create, item_update
from pmhub.capabilities import Role
from tests.backlog.world import BacklogTeam, build_backlog_team


@pytest.fixture
def team(db) -> BacklogTeam:
    return build_backlog_team(Role.OWNER)


def _client(team: BacklogTeam, role: Role = Role.OWNER) -> Client:
    client = Client()
    client.force_login(team.members[role])
    return client


def _page(team: BacklogTeam, role: Role = Role.OWNER) -> str:
    response = _client(team, role).get(reverse("backlog:quadrant", args=[team.product.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _chart(html: str) -> dict:
    match = re.search(r'<script id="quadrant-data" type="application/json">(.*?)</script>', html)
    assert match, "no chart data"
    return json.loads(match.group(1))


def _section(html: str, key: str) -> str:
    start = html.index(f'data-testid="quadrant-{key}"')
    return html[start : html.index("</section>", start)]


def _add(team: BacklogTeam, title: str, value: float | None, effort: float | None, **more):
    return item_create(
        product=team.product, actor=team.owner, title=title, value=value, effort=effort, **more
    )


def test_items_land_in_their_quadrant(team):
    # Efforts 1, 2, 3, 8, 13: the median is 3 (an effort of 3 counts as low).
    _add(team, "onboarding tips", 8, 1)
    _add(team, "billing rewrite", 9, 13)
    _add(team, "dark mode", 3, 2)
    _add(team, "legacy export", 2, 8)
    _add(team, "borderline", 5, 3)  # value 5 is high, effort 3 is low: a quick win
    html = _page(team)
    quick = _section(html, "quick_win")
    assert "onboarding tips" in quick and "borderline" in quick
    assert "billing rewrite" in _section(html, "big_bet")
    assert "dark mode" in _section(html, "fill_in")
    assert "legacy export" in _section(html, "money_pit")
    assert "median effort of the items shown (3)" in html

    chart = _chart(html)
    assert (chart["value_mid"], chart["effort_mid"]) == (5, 3)
    by_key = {q["key"]: q for q in chart["quadrants"]}
    assert [p["title"] for p in by_key["quick_win"]["points"]] == ["onboarding tips", "borderline"]
    point = by_key["money_pit"]["points"][0]
    assert (point["x"], point["y"], point["title"]) == (8, 2, "legacy export")
    assert point["url"].startswith(f"/products/{team.product.slug}/backlog/items/")


def test_items_without_value_or_effort_are_not_placed(team):
    _add(team, "only value", 7, None)
    _add(team, "placed", 7, 2)
    html = _page(team)
    unplaced = _section(html, "unplaced")
    # The sample's feature has an effort but no value; its story and bug have neither.
    assert "only value" in unplaced and "no effort" in unplaced
    assert "acme feature" in unplaced and "no value" in unplaced
    assert "acme bug" in unplaced and "no value or effort" in unplaced
    assert "placed" in _section(html, "quick_win")
    assert "Not placed (4)" in html


def test_closed_items_are_left_out(team):
    item = _add(team, "shipped thing", 9, 1, status="in_progress")
    item_update(item=item, actor=team.owner, status="done")
    html = _page(team)
    assert "shipped thing" not in html
    assert "Give items a value and an effort" in html
    assert 'id="quadrant-data"' not in html


def test_the_lists_link_every_item_and_the_scatter_is_labelled(team):
    item = _add(team, "linked", 6, 2)
    html = _page(team, Role.VIEWER)
    assert reverse("backlog:item", args=[team.product.slug, item.pk]) in html
    assert 'role="img"' in html and 'aria-label="Scatter of value against effort' in html
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in html


def test_the_page_reads_a_fixed_number_of_queries(team):
    def count() -> int:
        client = _client(team)
        url = reverse("backlog:quadrant", args=[team.product.slug])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for n in range(3):
        _add(team, f"few {n}", n + 2, n + 1)
    few = count()
    for n in range(37):
        _add(team, f"many {n}", n % 11, (n % 8) + 1 if n % 5 else None)
    assert count() == few
