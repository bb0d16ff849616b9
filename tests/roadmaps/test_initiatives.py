"""Initiatives: ordering in Now/Next/Later columns by one-row moves, dependencies without cycles,
dates in order (roadmaps issue, acceptance 4 and 6)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pmhub.errors import ApplicationError
from pmhub.models import AuditEvent
from pmhub.ranking import rebalanced
from roadmaps.models import Initiative
from roadmaps.services.initiatives import (
    initiative_create,
    initiative_depend,
    initiative_move,
    initiative_update,
)


def _column(product, horizon: str) -> list[str]:
    return list(
        Initiative.objects.filter(product=product, horizon=horizon)
        .order_by("rank")
        .values_list("title", flat=True)
    )


def _add(tenant, title: str, horizon: str = "next", **fields) -> Initiative:
    return initiative_create(
        product=tenant.product, actor=tenant.owner, title=title, horizon=horizon, **fields
    )


def test_new_initiatives_join_the_bottom_of_their_column(tenant_a):
    for title in ("Onboarding", "Billing", "Search"):
        _add(tenant_a, title)
    assert _column(tenant_a.product, "next") == ["Onboarding", "Billing", "Search"]


def test_moving_one_of_a_thousand_writes_one_row_and_the_order_persists(tenant_a):
    Initiative.objects.bulk_create(
        Initiative(product=tenant_a.product, title=f"I{n:04}", horizon="next", rank=rank)
        for n, rank in enumerate(rebalanced(1000))
    )
    column = _column(tenant_a.product, "next")
    moving = Initiative.objects.get(product=tenant_a.product, title=column[899])
    target = Initiative.objects.get(product=tenant_a.product, title=column[1])
    with CaptureQueriesContext(connection) as queries:
        initiative_move(initiative=moving, actor=tenant_a.owner, horizon="next", before=target)
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    expected = column[:1] + [column[899]] + [t for t in column[1:] if t != column[899]]
    assert _column(tenant_a.product, "next") == expected


def test_moving_across_columns_and_to_the_bottom(tenant_a):
    first, second = _add(tenant_a, "Billing"), _add(tenant_a, "Search")
    now = _add(tenant_a, "Reliability", horizon="now")
    initiative_move(initiative=second, actor=tenant_a.owner, horizon="now", before=now)
    initiative_move(initiative=first, actor=tenant_a.owner, horizon="now")
    assert _column(tenant_a.product, "now") == ["Search", "Reliability", "Billing"]
    assert _column(tenant_a.product, "next") == []


def test_a_neighbour_of_another_column_or_product_is_refused(tenant_a, tenant_b):
    mine, other = _add(tenant_a, "Billing"), _add(tenant_a, "Search", horizon="later")
    theirs = _add(tenant_b, "Theirs")
    for before in (other, theirs):
        with pytest.raises(ApplicationError) as refused:
            initiative_move(initiative=mine, actor=tenant_a.owner, horizon="next", before=before)
        assert refused.value.field == "before"
    assert Initiative.objects.get(pk=mine.pk).rank == mine.rank


def test_a_dependency_cycle_is_refused_naming_the_field(tenant_a):
    a, b, c = _add(tenant_a, "A"), _add(tenant_a, "B"), _add(tenant_a, "C")
    initiative_depend(initiative=a, actor=tenant_a.owner, depends_on=b)
    initiative_depend(initiative=b, actor=tenant_a.owner, depends_on=c)
    for initiative, depends_on in ((c, a), (a, a)):  # a loop through others, and onto itself
        with pytest.raises(ApplicationError) as refused:
            initiative_depend(initiative=initiative, actor=tenant_a.owner, depends_on=depends_on)
        assert refused.value.field == "depends_on"
    assert list(c.depends_on.all()) == [] and list(a.depends_on.all()) == [b]


def test_dates_ending_before_they_start_are_refused_naming_the_field(tenant_a):
    with pytest.raises(ApplicationError) as refused:
        _add(tenant_a, "Backwards", starts_on=date(2026, 5, 1), ends_on=date(2026, 4, 1))
    assert refused.value.field == "ends_on"
    assert not Initiative.objects.exists()


def test_an_update_is_checked_and_audited_and_leaves_the_horizon_to_moves(tenant_a):
    initiative = _add(tenant_a, "Billing", starts_on=date(2026, 4, 1))
    with pytest.raises(ApplicationError) as refused:
        initiative_update(initiative=initiative, actor=tenant_a.owner, ends_on=date(2026, 3, 1))
    assert refused.value.field == "ends_on"
    assert Initiative.objects.get(pk=initiative.pk).ends_on is None
    initiative_update(initiative=initiative, actor=tenant_a.owner, status="planned")
    event = AuditEvent.objects.filter(action="initiative.updated").get()
    assert event.changes == {"status": ["proposed", "planned"]}
    with pytest.raises(TypeError):  # a column change is a move: it needs a place in the column
        initiative_update(initiative=initiative, actor=tenant_a.owner, horizon="now")
