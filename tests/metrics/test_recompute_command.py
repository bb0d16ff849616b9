from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from metrics.models import DirtyDay, MetricPoint


def test_recompute_metrics_rebuilds_series_with_progress(source):
    batch = [
        {
            "type": "track",
            "event": "Used",
            "userId": f"u{i}",
            "messageId": f"m{i}",
            "timestamp": f"2026-11-0{1 + i % 3}T10:00:00Z",
        }
        for i in range(9)
    ]
    source.post("/v1/batch", {"batch": batch})
    out = StringIO()
    call_command(
        "recompute_metrics",
        "--product",
        f"{source.product.workspace.slug}/{source.product.slug}",
        stdout=out,
    )
    assert "[##############################] 1/1" in out.getvalue()
    dau = dict(
        MetricPoint.objects.filter(
            metric__product=source.product, metric__key="dau", interval="day"
        ).values_list("bucket", "value")
    )
    assert sorted(dau.values()) == [3.0, 3.0, 3.0]
    assert not DirtyDay.objects.filter(product=source.product).exists()


def test_recompute_metrics_refuses_an_unknown_product(db):
    with pytest.raises(CommandError, match="No product"):
        call_command("recompute_metrics", "--product", "nope/nothing")
