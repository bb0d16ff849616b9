"""The product dashboard's retention heatmap (cohorts × weeks after, from first-seen days and
rollups) and its funnels drawn as bars per step (from the funnel points' step counts).

The activity is the dashboard tests' (tests/metrics/test_dashboard_pages.py): cohorts by first
seen week are 4 March {u1 u2 u3 u4}, 11 March {u5}, 18 March {u6}; the data ends on 18 March.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from metrics import selectors
from metrics.services.metric_definitions import metric_create
from metrics.services.recompute import metrics_recompute_all
from tests.metrics.test_annotations import _chart_data
from tests.metrics.test_dashboard_pages import ACTIVITY, HTMX, dashboard, send_activity


@pytest.fixture
def computed(source):
    send_activity(source, ACTIVITY)
    metrics_recompute_all(product=source.product)
    return source


def _table(product, start="2024-01-01", end="2024-03-18", **extra) -> selectors.RetentionTable:
    return selectors.retention_table(
        product=product,
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
        last_day=date(2024, 3, 18),
        today=date(2026, 1, 1),
        **extra,
    )


def test_the_cohort_table_has_each_weeks_share_once_the_week_is_over(computed):
    table = _table(computed.product, weeks=4)
    rows = [(r.cohort.isoformat(), r.size, r.shares) for r in table.rows]
    # Week 1 of 4 March's cohort (11–17 March): u1, u2, u3 came back. Weeks reaching past the
    # data's last day are not over; the empty weeks before the first cohort are left out.
    assert rows == [
        ("2024-03-18", 1, [None, None, None, None]),
        ("2024-03-11", 1, [1.0, None, None, None]),
        ("2024-03-04", 4, [1.0, 0.75, None, None]),
    ]


def test_the_cohort_table_is_capped_and_follows_the_range(computed):
    assert [r.cohort for r in _table(computed.product, cohorts=2).rows] == [
        date(2024, 3, 18),
        date(2024, 3, 11),
    ]
    narrowed = _table(computed.product, start="2024-03-04", end="2024-03-12")
    assert [r.cohort for r in narrowed.rows] == [date(2024, 3, 11), date(2024, 3, 4)]
    assert len(narrowed.rows[0].shares) == selectors.RETENTION_WEEKS


def test_the_cohort_table_reads_one_query_whatever_the_data(computed):
    with CaptureQueriesContext(connection) as queries:
        _table(computed.product)
    assert len(queries) == 1  # the cohort table the recompute keeps


def test_the_dashboard_shows_the_heatmap(computed):
    client = Client()
    client.force_login(computed.tenant.owner)
    html = client.get(dashboard(computed.product)).content.decode()
    assert 'data-testid="retention-heatmap"' in html
    assert 'data-cohort="2024-03-04"' in html and 'data-share="0.7500"' in html
    assert "--share: 0.750" in html


def _funnel(source) -> None:
    events = [
        ("ann", "Signed Up", "2024-03-04T10:00"),
        ("ann", "Paid", "2024-03-04T11:00"),
        ("bob", "Signed Up", "2024-03-04T10:00"),
        ("cat", "Signed Up", "2024-03-05T10:00"),
        ("cat", "Paid", "2024-03-05T12:00"),
        ("dan", "Signed Up", "2024-03-18T10:00"),
    ]
    batch = [
        {"type": "track", "event": e, "userId": u, "messageId": f"f{i}", "timestamp": f"{t}Z"}
        for i, (u, e, t) in enumerate(events)
    ]
    assert source.post("/v1/batch", {"batch": batch}).status_code == 200
    metric_create(
        product=source.product,
        actor=source.tenant.owner,
        key="conversion",
        name="Sign-up to paid",
        kind="funnel",
        steps=["Signed Up", "Paid"],
        conversion_window_hours=24,
    )
    metrics_recompute_all(product=source.product)


def test_funnels_sum_their_days_step_counts_over_the_range(source):
    _funnel(source)
    [funnel] = selectors.funnel_bars(
        product=source.product, start=date(2024, 3, 4), end=date(2024, 3, 5)
    )
    assert (funnel.metric.key, funnel.steps, funnel.persons) == (
        "conversion",
        ["Signed Up", "Paid"],
        [3, 2],
    )
    assert funnel.conversion == pytest.approx(2 / 3)


def test_the_dashboard_draws_each_funnel_as_bars(source):
    _funnel(source)
    client = Client()
    client.force_login(source.tenant.owner)
    html = client.get(dashboard(source.product), **HTMX).content.decode()
    assert 'data-chart="funnel"' in html and "Sign-up to paid" in html
    assert _chart_data(html)["funnels"] == [
        {"name": "Sign-up to paid", "steps": ["Signed Up", "Paid"], "persons": [4, 2]}
    ]
