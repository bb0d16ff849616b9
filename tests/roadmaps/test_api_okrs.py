"""The objectives and key results API: company and product objectives, key results with their
computed current value, progress and health, and refusals that name the field and write nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from metrics.models import Interval, Metric, MetricPoint
from roadmaps.models import KeyResult, Objective
from tests.factories import api_client, make_tenant
from tests.roadmaps.sample_roadmap import SampleRoadmap, build_roadmap, day, roadmap_snapshot


@pytest.fixture
def acme(db):
    tenant = make_tenant("Acme")
    tenant.extra["plan"] = build_roadmap(tenant.product, tenant.owner, "acme")
    tenant.extra["api"] = api_client(tenant.owner, tenant.workspace)
    return tenant


def _plan(tenant) -> SampleRoadmap:
    return tenant.extra["plan"]


def _url(name: str, *args: Any) -> str:
    return reverse(f"api:roadmaps:{name}", args=args)


# --- Objectives ---------------------------------------------------------------------------------


def test_a_company_objective_is_made_without_a_product(acme):
    response = acme.extra["api"].post(
        _url("objective-list"),
        {"title": "Be the default", "starts_on": day(0), "ends_on": day(90), "period": "2027"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["product"] is None
    assert Objective.objects.get(pk=response.json()["id"]).workspace == acme.workspace


def test_a_product_objective_is_aligned_under_the_company_one(acme):
    plan = _plan(acme)
    response = acme.extra["api"].post(
        _url("objective-list"),
        {
            "title": "Cut churn",
            "starts_on": day(0),
            "ends_on": day(90),
            "product": acme.product.pk,
            "parent": plan.company_objective.pk,
            "owner": acme.owner.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["product"], body["parent"]) == (acme.product.pk, plan.company_objective.pk)


def test_objectives_filter_by_product_company_and_period(acme):
    plan = _plan(acme)

    def ids(**query: Any) -> list[int]:
        response = acme.extra["api"].get(_url("objective-list"), query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert set(ids()) == {plan.objective.pk, plan.company_objective.pk}
    assert ids(product=acme.product.pk) == [plan.objective.pk]
    assert ids(company="true") == [plan.company_objective.pk]
    assert ids(company="false") == [plan.objective.pk]
    assert ids(period="Q4") == [plan.objective.pk]
    bad = acme.extra["api"].get(_url("objective-list"), {"company": "maybe"})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"company"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "starts_on": "2027-02-01", "ends_on": "2027-01-01"}, "ends_on"),
        ({"title": "x", "starts_on": "2027-01-01"}, "ends_on"),
        ({"title": "", "starts_on": "2027-01-01", "ends_on": "2027-02-01"}, "title"),
        ({"title": "x", "starts_on": "soon", "ends_on": "2027-02-01"}, "starts_on"),
        (
            {"title": "x", "starts_on": "2027-01-01", "ends_on": "2027-02-01", "health": "x"},
            "health",
        ),
        (
            {"title": "x", "starts_on": "2027-01-01", "ends_on": "2027-02-01", "product": 0},
            "product",
        ),
        ({"title": "x", "starts_on": "2027-01-01", "ends_on": "2027-02-01", "parent": 9}, "parent"),
    ],
    ids=str,
)
def test_a_bad_objective_is_a_400_naming_the_field_and_writes_nothing(acme, body, field):
    before = roadmap_snapshot(acme.workspace)
    response = acme.extra["api"].post(_url("objective-list"), body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()["fields"]) == {field}
    assert roadmap_snapshot(acme.workspace) == before


def test_an_objective_cannot_be_aligned_under_its_own_child(acme):
    plan = _plan(acme)
    before = roadmap_snapshot(acme.workspace)
    response = acme.extra["api"].patch(
        _url("objective-detail", plan.company_objective.pk),
        {"parent": plan.objective.pk},
        format="json",
    )
    assert response.status_code == 400 and set(response.json()["fields"]) == {"parent"}
    assert roadmap_snapshot(acme.workspace) == before


def test_changing_the_end_before_the_start_is_a_400_naming_ends_on(acme):
    plan = _plan(acme)
    before = roadmap_snapshot(acme.workspace)
    response = acme.extra["api"].patch(
        _url("objective-detail", plan.objective.pk), {"ends_on": day(-60)}, format="json"
    )
    assert response.status_code == 400 and set(response.json()["fields"]) == {"ends_on"}
    assert roadmap_snapshot(acme.workspace) == before


def test_deleting_an_objective_deletes_its_key_results(acme):
    plan = _plan(acme)
    response = acme.extra["api"].delete(_url("objective-detail", plan.objective.pk))
    assert response.status_code == 204
    assert not KeyResult.objects.filter(objective_id=plan.objective.pk).exists()


# --- Key results --------------------------------------------------------------------------------


def _dau_point(tenant, value: float) -> None:
    MetricPoint.objects.create(
        metric=Metric.objects.get(product=tenant.product, key="dau"),
        interval=Interval.DAY,
        bucket=timezone.now().date() - timedelta(days=1),
        value=value,
    )


def test_key_results_show_current_value_progress_and_health(acme):
    plan = _plan(acme)
    _dau_point(acme, 150)  # daily actives: 100 → 200, so half way
    response = acme.extra["api"].get(_url("key-result-list", plan.objective.pk))
    assert response.status_code == 200
    rows = {row["title"]: row for row in response.json()["results"]}
    live, manual = rows["acme daily actives"], rows["acme NPS"]
    # A third of the period has gone by: half way is on track.
    assert (live["metric"], live["current"], live["progress"], live["health"]) == (
        plan.metric_key_result.metric_id,
        150,
        0.5,
        "on_track",
    )
    assert (manual["current_value"], manual["current"], manual["progress"]) == (30, 30, 0.5)
    detail = acme.extra["api"].get(_url("key-result-detail", plan.metric_key_result.pk))
    assert detail.json() == live


def test_a_key_result_without_a_value_has_no_progress_nor_health(acme):
    response = acme.extra["api"].get(_url("key-result-detail", _plan(acme).metric_key_result.pk))
    assert response.status_code == 200
    assert (response.json()["current"], response.json()["progress"]) == (None, None)
    assert response.json()["health"] is None


def test_a_key_result_is_added_at_the_end_and_its_output_is_computed(acme):
    plan = _plan(acme)
    response = acme.extra["api"].post(
        _url("key-result-list", plan.objective.pk),
        {
            "title": "Churn",
            "direction": "decrease",
            "start_value": 5,
            "target_value": 2,
            "current_value": 2,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["position"], response.json()["progress"]) == (2, 1.0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "start_value": 1, "target_value": 1}, "target_value"),
        (
            {"title": "x", "direction": "decrease", "start_value": 1, "target_value": 2},
            "target_value",
        ),
        ({"title": "x", "start_value": "NaN", "target_value": 2}, "start_value"),
        ({"title": "x", "start_value": 1, "target_value": "Infinity"}, "target_value"),
        ({"title": "x", "start_value": 1e300, "target_value": 2}, "start_value"),
        ({"title": "x", "start_value": 1, "target_value": 2, "direction": "up"}, "direction"),
        ({"title": "x", "start_value": 1, "target_value": 2, "metric": 10**9}, "metric"),
        (
            {
                "title": "x",
                "start_value": 1,
                "target_value": 2,
                "current_value": 1,
                "metric": "DAU",
            },
            "metric",
        ),
        ({"title": "x", "start_value": 1, "target_value": 2, "progress": 1}, "progress"),
    ],
    ids=str,
)
def test_a_bad_key_result_is_a_400_naming_the_field_and_writes_nothing(acme, body, field):
    before = roadmap_snapshot(acme.workspace)
    response = acme.extra["api"].post(
        _url("key-result-list", _plan(acme).objective.pk), body, format="json"
    )
    assert response.status_code == 400, response.content
    assert set(response.json()["fields"]) == {field}
    assert roadmap_snapshot(acme.workspace) == before


def test_a_metric_bound_key_result_refuses_a_hand_entered_value(acme):
    plan = _plan(acme)
    before = roadmap_snapshot(acme.workspace)
    response = acme.extra["api"].patch(
        _url("key-result-detail", plan.metric_key_result.pk), {"current_value": 3}, format="json"
    )
    assert response.status_code == 400 and set(response.json()["fields"]) == {"current_value"}
    assert roadmap_snapshot(acme.workspace) == before


def test_a_key_result_may_read_a_metric_of_the_objectives_product(acme):
    plan = _plan(acme)
    mau = Metric.objects.get(product=acme.product, key="mau")
    response = acme.extra["api"].patch(
        _url("key-result-detail", plan.manual_key_result.pk),
        {"metric": mau.pk, "current_value": None},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["metric"] == mau.pk and response.json()["current"] is None
