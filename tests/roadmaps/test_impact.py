"""The impact review: before/after windows of equal length around the ship day, with a
two-proportion test for rate metrics whose counts are known; and the progress seam."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from metrics.models import Interval, Metric, MetricPoint
from metrics.stats import z_test
from roadmaps.impact import impact_review
from roadmaps.progress import (
    Progress,
    initiatives_progress,
    register_progress_source,
    unregister_progress_source,
)
from roadmaps.services.initiatives import initiative_create, initiative_set_objectives
from roadmaps.services.okrs import key_result_create, objective_create
from roadmaps.services.releases import release_create, release_set_initiatives, release_ship

SHIP = date(2026, 3, 10)


def _points(metric: Metric, values: dict[date, float], detail=None) -> None:
    MetricPoint.objects.bulk_create(
        MetricPoint(metric=metric, interval=Interval.DAY, bucket=day, value=value, detail=detail)
        for day, value in values.items()
    )


def _days(first: date, count: int) -> list[date]:
    return [first + timedelta(n) for n in range(count)]


@pytest.fixture
def setup(tenant_a):
    owner, product = tenant_a.owner, tenant_a.product
    views = Metric.objects.create(product=product, key="views", name="Views", kind="event_count")
    orders = Metric.objects.create(product=product, key="orders", name="Orders", kind="event_count")
    rate = Metric.objects.create(
        product=product,
        key="conv",
        name="Conversion",
        kind="ratio",
        numerator=orders,
        denominator=views,
    )
    mau = Metric.objects.get(product=product, key="mau")
    objective = objective_create(
        workspace=tenant_a.workspace,
        actor=owner,
        product=product,
        title="Convert more",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 6, 30),
    )
    key_result_create(
        objective=objective,
        actor=owner,
        title="Conversion 10%",
        start_value=0.05,
        target_value=0.1,
        metric=rate,
    )
    key_result_create(
        objective=objective,
        actor=owner,
        title="MAU 2k",
        start_value=1000,
        target_value=2000,
        metric=mau,
    )
    initiative = initiative_create(product=product, actor=owner, title="One-page checkout")
    initiative_set_objectives(initiative=initiative, actor=owner, objectives=[objective])
    release = release_create(product=product, actor=owner, name="v3", target_date=SHIP)
    release_set_initiatives(release=release, actor=owner, initiatives=[initiative])
    release_ship(release=release, actor=owner, shipped_on=SHIP)
    before, after = _days(SHIP - timedelta(7), 7), _days(SHIP, 7)
    _points(views, {d: 1000 for d in before + after})
    _points(orders, {**{d: 50 for d in before}, **{d: 70 for d in after}})
    _points(rate, {**{d: 0.05 for d in before}, **{d: 0.07 for d in after}})
    _points(mau, {**{d: 1500 for d in before}, **{d: 1530 for d in after}})
    # Outside the windows, ignored.
    _points(rate, {SHIP - timedelta(30): 0.9, SHIP + timedelta(30): 0.9})
    return initiative


def test_equal_windows_around_the_ship_day_and_a_rate_test(setup):
    impacts = impact_review(setup, days=7, today=SHIP + timedelta(20))
    by_metric = {i.metric.key: i for i in impacts}
    assert set(by_metric) == {"conv", "mau"}
    conv = by_metric["conv"]
    assert (conv.before.first, conv.before.last) == (SHIP - timedelta(7), SHIP - timedelta(1))
    assert (conv.after.first, conv.after.last) == (SHIP, SHIP + timedelta(6))
    assert conv.before.mean == pytest.approx(0.05) and conv.after.mean == pytest.approx(0.07)
    assert conv.change == pytest.approx(0.02) and conv.relative == pytest.approx(0.4)
    assert (conv.before.successes, conv.before.trials) == (350, 7000)
    assert (conv.after.successes, conv.after.trials) == (490, 7000)
    expected = z_test(350, 7000, 490, 7000)
    assert conv.test.z == pytest.approx(expected.z) and conv.test.p_value < 0.001
    assert conv.significant and conv.key_results == ["Conversion 10%"]
    mau = by_metric["mau"]
    assert mau.test is None and mau.change == pytest.approx(30)  # no counts: no rate test


def test_windows_shrink_to_the_days_counted_since_shipping(setup):
    (conv,) = [
        i
        for i in impact_review(setup, days=28, today=SHIP + timedelta(3))
        if i.metric.key == "conv"
    ]
    assert (conv.after.first, conv.after.last) == (SHIP, SHIP + timedelta(2))
    assert (conv.before.first, conv.before.last) == (SHIP - timedelta(3), SHIP - timedelta(1))
    assert conv.before.days == conv.after.days == conv.after.length == 3
    assert impact_review(setup, today=SHIP) == []  # shipped today: nothing counted yet


def test_a_funnel_is_tested_on_its_step_counts(setup, tenant_a):
    funnel = Metric.objects.create(
        product=tenant_a.product,
        key="checkout",
        name="Checkout",
        kind="funnel",
        steps=["Cart", "Paid"],
    )
    objective = setup.objectives.get()
    key_result_create(
        objective=objective,
        actor=tenant_a.owner,
        title="Funnel",
        start_value=0.1,
        target_value=0.2,
        metric=funnel,
    )
    _points(
        funnel,
        {d: 0.1 for d in _days(SHIP - timedelta(2), 2)},
        {"steps": ["Cart", "Paid"], "persons": [100, 10]},
    )
    _points(
        funnel, {d: 0.2 for d in _days(SHIP, 2)}, {"steps": ["Cart", "Paid"], "persons": [100, 20]}
    )
    (result,) = [
        i for i in impact_review(setup, days=2, today=SHIP + timedelta(5)) if i.metric == funnel
    ]
    assert (result.before.successes, result.before.trials) == (20, 200)
    assert (result.after.successes, result.after.trials) == (40, 200)
    assert math.isclose(result.test.p_value, z_test(20, 200, 40, 200).p_value)


def test_an_unshipped_initiative_has_no_review(tenant_a):
    initiative = initiative_create(product=tenant_a.product, actor=tenant_a.owner, title="Later")
    assert impact_review(initiative) == []


def test_progress_comes_from_registered_sources_only(tenant_a):
    initiative = initiative_create(product=tenant_a.product, actor=tenant_a.owner, title="Search")
    assert initiatives_progress([initiative.pk]) == {}  # no backlog yet: no number at all

    def items(ids):
        return {
            pk: Progress(done_items=1, total_items=4, done_points=3, total_points=12) for pk in ids
        }

    register_progress_source(items)
    try:
        progress = initiatives_progress([initiative.pk])[initiative.pk]
        assert progress.share == 0.25
        assert Progress(0, 2, 0, 0).share == 0 and Progress(0, 0, 0, 0).share is None
    finally:
        unregister_progress_source(items)
