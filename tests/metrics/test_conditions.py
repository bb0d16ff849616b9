"""Metric filters on event properties and person traits: the same in SQL and in Python."""

from __future__ import annotations

import pytest

from metrics import conditions
from metrics.compute import recompute
from metrics.models import MetricPoint
from metrics.services.metric_definitions import metric_create
from pmhub.errors import ApplicationError

T = "2026-11-02T10:00:00Z"


@pytest.fixture
def shop(source):
    messages = [
        {"type": "identify", "userId": "ann", "traits": {"plan": "pro", "seats": 12}},
        {"type": "identify", "userId": "bob", "traits": {"plan": "free"}},
        {
            "type": "track",
            "event": "Order",
            "userId": "ann",
            "properties": {"revenue": 50, "coupon": "SPRING-10"},
        },
        {"type": "track", "event": "Order", "userId": "ann", "properties": {"revenue": 5}},
        {
            "type": "track",
            "event": "Order",
            "userId": "bob",
            "properties": {"revenue": 20, "coupon": None},
        },
        {"type": "track", "event": "Order", "userId": "cat", "properties": {"revenue": "20"}},
        {"type": "page", "name": "Home", "userId": "cat", "properties": {"path": "/Pricing"}},
    ]
    batch = [m | {"messageId": f"m{i}", "timestamp": T} for i, m in enumerate(messages)]
    assert source.post("/v1/batch", {"batch": batch}).status_code == 200
    return source


CASES = [
    ("big_orders", [{"on": "property", "key": "revenue", "op": "gt", "value": 10}], 2.0),
    ("small_orders", [{"on": "property", "key": "revenue", "op": "lt", "value": 10}], 1.0),
    ("exact_20", [{"on": "property", "key": "revenue", "op": "eq", "value": 20}], 1.0),
    ("not_20", [{"on": "property", "key": "revenue", "op": "neq", "value": 20}], 3.0),
    ("coupon_set", [{"on": "property", "key": "coupon", "op": "is_set"}], 1.0),
    ("spring", [{"on": "property", "key": "coupon", "op": "contains", "value": "spring"}], 1.0),
    ("pro_orders", [{"on": "trait", "key": "plan", "op": "eq", "value": "pro"}], 2.0),
    (
        "big_teams",
        [
            {"on": "trait", "key": "seats", "op": "gt", "value": 10},
            {"on": "property", "key": "revenue", "op": "gt", "value": 10},
        ],
        1.0,
    ),
]


@pytest.mark.parametrize("python", [False, True], ids=["sql", "python"])
def test_each_condition_selects_the_right_events(shop, python):
    for key, filters, _ in CASES:
        metric_create(
            product=shop.product,
            actor=shop.tenant.owner,
            key=key,
            name=key,
            kind="event_count",
            event="Order",
            filters=filters,
        )
    recompute(shop.product, None, python=python)
    values = dict(
        MetricPoint.objects.filter(
            metric__product=shop.product, interval="day", metric__key__in=[k for k, _, _ in CASES]
        ).values_list("metric__key", "value")
    )
    assert values == {key: wanted for key, _, wanted in CASES}


def test_a_page_filter_matches_text_ignoring_case(shop):
    metric_create(
        product=shop.product,
        actor=shop.tenant.owner,
        key="pricing",
        name="Pricing",
        kind="unique_users",
        filters=[{"on": "property", "key": "path", "op": "contains", "value": "PRIC"}],
    )
    recompute(shop.product, None)
    assert MetricPoint.objects.get(metric__key="pricing", interval="day").value == 1.0


@pytest.mark.parametrize(
    "filters",
    [
        "plan = pro",
        [{"on": "event", "key": "x", "op": "eq", "value": 1}],
        [{"key": "x", "op": "between", "value": 1}],
        [{"key": "x", "op": "gt", "value": "ten"}],
        [{"key": "x", "op": "contains", "value": 3}],
        [{"key": "", "op": "is_set"}],
        [{"key": "x", "op": "is_set", "extra": 1}],
        [{"key": f"k{i}", "op": "is_set"} for i in range(11)],
    ],
)
def test_malformed_filters_are_refused_naming_filters(filters):
    with pytest.raises(ApplicationError) as refused:
        conditions.validate(filters)
    assert refused.value.field == "filters"
