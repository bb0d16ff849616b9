"""Objectives and key results: progress and health at their boundaries, key results read from a
metric, and refusals that name the field and write nothing (roadmaps issue, acceptance 2 and 4)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from metrics.models import Metric, MetricPoint
from pmhub.errors import ApplicationError
from pmhub.models import AuditEvent
from roadmaps.models import Health, KeyResult, Objective, health_of
from roadmaps.selectors import key_result_state, key_results_with_values
from roadmaps.services.okrs import (
    key_result_create,
    key_result_update,
    objective_create,
    objective_update,
)

Q1 = {"starts_on": date(2026, 1, 1), "ends_on": date(2026, 3, 31), "period": "2026 Q1"}


@pytest.fixture
def objective(tenant_a):
    return objective_create(
        workspace=tenant_a.workspace,
        actor=tenant_a.owner,
        product=tenant_a.product,
        title="Activation that sticks",
        owner=tenant_a.owner,
        **Q1,
    )


def _key_result(objective, actor, **fields):
    values = {"title": "Week-1 retention", "start_value": 20.0, "target_value": 40.0} | fields
    return key_result_create(objective=objective, actor=actor, **values)


@pytest.mark.parametrize(
    ("start", "target", "current", "progress"),
    [
        (20, 40, 30, 0.5),
        (20, 40, 20, 0.0),
        (20, 40, 40, 1.0),
        (20, 40, 55, 1.0),  # beyond the target: done, not 175 %
        (20, 40, 10, 0.0),  # below the start: nothing yet, not negative
        (10, 5, 7, 0.6),  # decrease: from 10 down to 5
        (10, 5, 4, 1.0),
        (10, 5, 12, 0.0),
        (20, 40, None, None),
    ],
)
def test_progress_runs_from_start_to_target_clamped(
    objective, tenant_a, start, target, current, progress
):
    direction = "increase" if target > start else "decrease"
    key_result = _key_result(
        objective,
        tenant_a.owner,
        start_value=start,
        target_value=target,
        direction=direction,
        current_value=current,
    )
    assert key_result.progress(key_result.current_value) == pytest.approx(progress)


@pytest.mark.parametrize(
    ("today", "progress", "health"),
    [
        (date(2025, 12, 1), 0.0, Health.ON_TRACK),  # before the period nothing is expected
        (date(2026, 1, 1), 0.0, Health.ON_TRACK),
        (date(2026, 2, 15), 0.45, Health.ON_TRACK),  # about half-way through, half-way there
        (date(2026, 2, 15), 0.30, Health.AT_RISK),
        (date(2026, 2, 15), 0.10, Health.OFF_TRACK),
        (date(2026, 3, 31), 1.0, Health.ON_TRACK),
        (date(2026, 6, 1), 0.95, Health.ON_TRACK),  # after the period the whole target counts
        (date(2026, 6, 1), 0.75, Health.AT_RISK),
        (date(2026, 6, 1), 0.50, Health.OFF_TRACK),
    ],
)
def test_health_compares_progress_with_the_elapsed_period(objective, today, progress, health):
    assert health_of(progress, objective.elapsed(today)) == health


def test_state_of_a_hand_entered_key_result(objective, tenant_a):
    key_result = _key_result(objective, tenant_a.owner, current_value=25.0)
    state = key_result_state(key_result, today=date(2026, 2, 15))
    assert (state.current, state.progress, state.health) == (25.0, 0.25, Health.AT_RISK)


def _point(metric: Metric, day: date, value: float) -> None:
    MetricPoint.objects.create(
        metric=metric, interval="day", bucket=day, value=value, computed_at=timezone.now()
    )


def test_a_key_result_bound_to_a_metric_shows_its_latest_value(objective, tenant_a):
    dau = Metric.objects.get(product=tenant_a.product, key="dau")
    mau = Metric.objects.get(product=tenant_a.product, key="mau")
    _point(dau, date(2026, 2, 1), 120.0)
    _point(dau, date(2026, 2, 3), 150.0)  # the latest
    _point(dau, date(2026, 2, 2), 400.0)
    _key_result(
        objective, tenant_a.owner, title="DAU", start_value=100, target_value=200, metric=dau
    )
    _key_result(objective, tenant_a.owner, title="MAU", start_value=1, target_value=2, metric=mau)
    _key_result(objective, tenant_a.owner, title="By hand", current_value=30.0)
    with CaptureQueriesContext(connection) as queries:
        states = {
            kr.title: key_result_state(kr, today=date(2026, 2, 15))
            for kr in key_results_with_values([objective])
        }
    assert len(queries) == 1  # however many key results and metrics
    assert (states["DAU"].current, states["DAU"].progress) == (150.0, 0.5)
    assert states["MAU"].current is None and states["MAU"].health is None  # no point yet
    assert states["By hand"].current == 30.0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"start_value": 40.0, "target_value": 40.0}, "target_value"),  # start = target
        ({"direction": "decrease"}, "target_value"),  # 20 → 40 is not a decrease
        ({"direction": "sideways"}, "direction"),
        ({"title": "  "}, "title"),
        ({"start_value": "lots"}, "start_value"),
    ],
)
def test_a_bad_key_result_is_refused_naming_the_field(objective, tenant_a, fields, field):
    with pytest.raises(ApplicationError) as refused:
        _key_result(objective, tenant_a.owner, **fields)
    assert refused.value.field == field
    assert not KeyResult.objects.exists()


def test_a_metric_of_another_workspace_or_a_hand_value_beside_a_metric_is_refused(
    objective, tenant_a, tenant_b
):
    theirs = Metric.objects.get(product=tenant_b.product, key="dau")
    with pytest.raises(ApplicationError) as refused:
        _key_result(objective, tenant_a.owner, metric=theirs)
    assert refused.value.field == "metric"
    ours = Metric.objects.get(product=tenant_a.product, key="dau")
    with pytest.raises(ApplicationError) as refused:
        _key_result(objective, tenant_a.owner, metric=ours, current_value=3.0)
    assert refused.value.field == "current_value"
    assert not KeyResult.objects.exists()


def test_an_update_that_breaks_a_rule_changes_nothing(objective, tenant_a):
    key_result = _key_result(objective, tenant_a.owner)
    with pytest.raises(ApplicationError) as refused:
        key_result_update(key_result=key_result, actor=tenant_a.owner, target_value=20.0)
    assert refused.value.field == "target_value"
    key_result.refresh_from_db()
    assert key_result.target_value == 40.0
    key_result_update(key_result=key_result, actor=tenant_a.owner, current_value=33.0)
    event = AuditEvent.objects.filter(action="key_result.updated").get()
    assert event.changes == {"current_value": [None, 33.0]}


def test_a_period_ending_before_it_starts_is_refused(tenant_a):
    with pytest.raises(ApplicationError) as refused:
        objective_create(
            workspace=tenant_a.workspace,
            actor=tenant_a.owner,
            title="Backwards",
            starts_on=date(2026, 3, 1),
            ends_on=date(2026, 2, 1),
        )
    assert refused.value.field == "ends_on"
    assert not Objective.objects.exists()


def test_objectives_align_under_a_parent_but_never_under_themselves(objective, tenant_a, tenant_b):
    company = objective_create(
        workspace=tenant_a.workspace, actor=tenant_a.owner, title="Grow", **Q1
    )
    objective_update(objective=objective, actor=tenant_a.owner, parent=company)
    with pytest.raises(ApplicationError) as refused:
        objective_update(objective=company, actor=tenant_a.owner, parent=objective)
    assert refused.value.field == "parent"
    foreign = objective_create(workspace=tenant_b.workspace, actor=tenant_b.owner, title="X", **Q1)
    with pytest.raises(ApplicationError) as refused:
        objective_update(objective=objective, actor=tenant_a.owner, parent=foreign)
    assert refused.value.field == "parent"
    company.refresh_from_db()
    objective.refresh_from_db()
    assert company.parent is None and objective.parent == company
