"""The standard KPI set every product starts with (editable afterwards)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from metrics.models import Metric, MetricKind
from metrics.series_cache import series_changed
from pmhub.hooks import on_product_created
from pmhub.models import Product

# key, name, kind, extra fields; ratios name their parts by key (created before them).
STANDARD_METRICS: list[tuple[str, str, str, dict]] = [
    ("dau", "Daily active users", MetricKind.ACTIVE_USERS, {"window_days": 1}),
    ("wau", "Weekly active users", MetricKind.ACTIVE_USERS, {"window_days": 7}),
    ("mau", "Monthly active users", MetricKind.ACTIVE_USERS, {"window_days": 30}),
    ("new_users", "New users", MetricKind.NEW_USERS, {}),
    ("stickiness", "Stickiness (DAU/MAU)", MetricKind.STICKINESS, {"unit": "ratio"}),
    (
        "retention_w1",
        "Week-1 retention",
        MetricKind.RETENTION,
        {"retention_weeks": 1, "unit": "ratio"},
    ),
    ("revenue", "Revenue", MetricKind.SUM, {"value_property": "revenue"}),
    ("users", "Active users in the bucket", MetricKind.UNIQUE_USERS, {}),
    (
        "arpu",
        "Average revenue per active user",
        MetricKind.RATIO,
        {"numerator": "revenue", "denominator": "users"},
    ),
]


@on_product_created
@transaction.atomic
def metrics_create_standard(product: Product, actor: User | None = None) -> list[Metric]:
    """Give ``product`` the standard KPI set; keys it already has are left as they are."""
    existing = {m.key: m for m in Metric.objects.filter(product=product)}
    for key, name, kind, extra in STANDARD_METRICS:
        if key in existing:
            continue
        fields = dict(extra)
        for part in ("numerator", "denominator"):
            if part in fields:
                fields[part] = existing[fields[part]]
        existing[key] = Metric.objects.create(
            product=product, key=key, name=name, kind=kind, **fields
        )
    # A new product starts afresh even where the cache still holds a deleted one's answers.
    series_changed(product.pk)
    return list(existing.values())
