"""Funnels: ordered steps, each strictly after the one before, within the conversion window."""

from __future__ import annotations

import pytest

from metrics.compute import recompute
from metrics.models import MetricPoint
from metrics.services.metric_definitions import metric_create
from pmhub.errors import ApplicationError


def _track(user: str, event: str, when: str, n: int) -> dict:
    return {
        "type": "track",
        "event": event,
        "userId": user,
        "messageId": f"f{n}",
        "timestamp": f"2026-11-{when}Z",
    }


def _funnel(product, owner, key: str, steps=("Signed Up", "Paid"), hours: int = 24, **fields):
    """Define funnel ``key`` on ``product``: ``steps`` within ``hours``."""
    return metric_create(
        product=product,
        actor=owner,
        key=key,
        name=fields.pop("name", key),
        kind="funnel",
        steps=list(steps),
        conversion_window_hours=hours,
        **fields,
    )


def test_funnel_counts_ordered_steps_inside_the_window(source):
    journeys = [
        ("ann", ["Signed Up", "Activated", "Paid"], ["02T10:00", "02T11:00", "03T09:00"]),
        ("bob", ["Signed Up", "Paid", "Activated"], ["02T10:00", "02T11:00", "02T12:00"]),
        ("cat", ["Signed Up", "Activated", "Paid"], ["02T10:00", "02T11:00", "05T10:01"]),
        ("dan", ["Activated", "Signed Up"], ["02T09:00", "02T10:00"]),
    ]
    batch, n = [], 0
    for user, events, times in journeys:
        for event, when in zip(events, times, strict=True):
            n += 1
            batch.append(_track(user, event, when, n))
    assert source.post("/v1/batch", {"batch": batch}).status_code == 200
    _funnel(
        source.product, source.tenant.owner, "activation", ["Signed Up", "Activated", "Paid"], 72
    )
    recompute(source.product, None)
    point = MetricPoint.objects.get(metric__key="activation", interval="day", bucket="2026-11-02")
    # ann completes; bob pays before activating (then activates: 2 steps); cat pays 72h01 late;
    # dan signs up after activating (1 step).
    assert point.detail == {"steps": ["Signed Up", "Activated", "Paid"], "persons": [4, 3, 1]}
    assert point.value == 0.25


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"steps": ["Only one"], "conversion_window_hours": 24}, "steps"),
        ({"steps": ["A", ""], "conversion_window_hours": 24}, "steps"),
        ({"steps": ["A", "B"]}, "conversion_window_hours"),
        ({"steps": ["A", "B"], "conversion_window_hours": 9999}, "conversion_window_hours"),
    ],
)
def test_a_funnel_without_usable_steps_or_window_is_refused(source, fields, field):
    with pytest.raises(ApplicationError) as refused:
        metric_create(
            product=source.product,
            actor=source.tenant.owner,
            key="f",
            name="F",
            kind="funnel",
            **fields,
        )
    assert refused.value.field == field


def test_the_series_api_returns_the_step_counts_beside_the_conversion(source):
    from tests.factories import api_client

    batch = [_track("ann", "Signed Up", "02T10:00", 1), _track("ann", "Paid", "02T11:00", 2)]
    source.post("/v1/batch", {"batch": batch})
    _funnel(source.product, source.tenant.owner, "pay")
    recompute(source.product, None)
    api = api_client(source.tenant.owner, source.tenant.workspace)
    body = api.get(f"/api/v1/products/{source.product.pk}/metrics/pay/series/").json()
    assert body["points"] == [
        {
            "bucket": "2026-11-02",
            "value": 1.0,
            "detail": {"steps": ["Signed Up", "Paid"], "persons": [1, 1]},
        }
    ]


def _points(product) -> dict:
    return {
        (key, interval, str(bucket)): (value, detail)
        for key, interval, bucket, value, detail in MetricPoint.objects.filter(
            metric__product=product, metric__kind="funnel"
        ).values_list("metric__key", "interval", "bucket", "value", "detail")
    }


def test_new_events_update_a_funnel_by_difference_exactly_as_a_full_recompute(source):
    """A run that only adds events (no merge, no changed definition) updates each bucket's
    stored counts by the journeys of the persons with a new step event; the points must equal
    a full recompute's: new starts, funnels the new events complete, late events days back,
    events of people with no step before, and a filtered funnel."""
    import random

    from metrics.models import DirtyDay
    from metrics.services.recompute import metrics_recompute_all, metrics_recompute_dirty

    steps = ["Signed Up", "Activated", "Paid"]
    for key, filters in (
        ("plain", []),
        ("web", [{"on": "property", "key": "app", "op": "eq", "value": "web"}]),
    ):
        _funnel(source.product, source.tenant.owner, key, steps, 30, filters=filters)
    rng = random.Random(2026)
    n = 0

    def batch(days: range, count: int) -> list[dict]:
        nonlocal n
        out = []
        for _ in range(count):
            n += 1
            out.append(
                _track(
                    f"u{rng.randrange(40)}",
                    rng.choice([*steps, "Browsed"]),
                    f"{rng.choice(days):02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}",
                    n,
                )
                | {"properties": {"app": rng.choice(["web", "ios"])}}
            )
        return out

    assert source.post("/v1/batch", {"batch": batch(range(2, 20), 600)}).status_code == 200
    metrics_recompute_all(product=source.product)
    before = _points(source.product)
    # New events: mostly on the last days, some late ones a week back, and new people; then
    # only on the last days, where most persons entered the week and month long before.
    for new in (
        batch(range(18, 22), 250) + batch(range(10, 13), 40),
        batch(range(21, 23), 120),
    ):
        assert source.post("/v1/batch", {"batch": new}).status_code == 200
        assert not DirtyDay.objects.filter(product=source.product, rebuild=True).exists()
        metrics_recompute_dirty(product=source.product)
        incremental = _points(source.product)
        assert incremental != before  # the new events moved some buckets
        metrics_recompute_all(product=source.product)
        assert incremental == _points(source.product)
        before = incremental


def test_deleting_a_funnel_or_its_product_deletes_its_entries(source):
    """The days each person entered a funnel go with the metric, and with the product."""
    from metrics.models import FunnelDay
    from metrics.services.metric_definitions import metric_delete
    from pmhub.services import product_delete

    for key in ("a", "b"):
        _funnel(source.product, source.tenant.owner, key)
    batch = [_track(f"u{n}", "Signed Up", f"0{n + 1}T10:00", n) for n in range(3)]
    assert source.post("/v1/batch", {"batch": batch}).status_code == 200
    recompute(source.product)
    # Read without a join: rows left behind by a deleted metric must show.
    entries = FunnelDay.objects.order_by("metric_id", "day")
    a, b = source.product.metrics.get(key="a"), source.product.metrics.get(key="b")
    assert [(e.metric_id, e.day.day) for e in entries] == [
        (a.pk, 1),
        (a.pk, 2),
        (a.pk, 3),
        (b.pk, 1),
        (b.pk, 2),
        (b.pk, 3),
    ]
    metric_delete(metric=a, actor=source.tenant.owner)
    assert [e.metric_id for e in entries.all()] == [b.pk] * 3
    product_delete(product=source.product, actor=source.tenant.owner)
    assert not FunnelDay.objects.exists()


def test_the_funnel_entries_migration_marks_every_day_of_products_with_a_funnel(tenant_a, tenant_b):
    """Migration 0015 starts the entries empty, so it has every computed day of a product with a
    funnel rebuilt (which writes them); other products are left alone."""
    import importlib
    from datetime import date

    from django.db import connection

    from metrics.models import DirtyDay, Rollup

    migration = importlib.import_module("metrics.migrations.0015_funnel_day")
    _funnel(tenant_a.product, tenant_a.owner, "checkout")
    for product in (tenant_a.product, tenant_b.product):
        for day, person, source in ((1, 1, "any"), (2, 1, "any"), (2, 2, "any"), (3, 1, "paid")):
            Rollup.objects.create(
                product=product, source=source, day=date(2026, 11, day), person_id=person, events=1
            )
    # A day already waiting to have its events added must be rebuilt instead.
    DirtyDay.objects.create(product=tenant_a.product, day=date(2026, 11, 2), rebuild=False)
    with connection.schema_editor() as editor:
        migration.rebuild_funnel_days(None, editor)
    marks = DirtyDay.objects.order_by("product_id", "day").values_list(
        "product_id", "day", "rebuild"
    )
    assert list(marks) == [
        (tenant_a.product.pk, date(2026, 11, 1), True),
        (tenant_a.product.pk, date(2026, 11, 2), True),
    ]
