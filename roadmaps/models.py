"""Objectives and key results: what a product (or the whole company) aims at in a period, and
the numbers that say how far it got. Initiatives, releases and snapshots join them later.

Every model states how it reaches its workspace (``workspace_lookup``) for pmhub's scoping layer.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models

from pmhub.models import Product, Workspace


class Direction(models.TextChoices):
    INCREASE = "increase", "Increase"
    DECREASE = "decrease", "Decrease"


class Health(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"


# How far behind the period's elapsed share a key result may be and still count as on track (or
# at risk): progress is compared with where a straight line from start to target would be today.
ON_TRACK_SLACK = 0.1
AT_RISK_SLACK = 0.3


def health_of(progress: float | None, elapsed: float) -> str | None:
    """On track, at risk or off track: ``progress`` (0…1) against the ``elapsed`` share of the
    period. Nothing is expected before the period starts; after it ends the whole target is."""
    if progress is None:
        return None
    if progress >= elapsed - ON_TRACK_SLACK or progress >= 1:
        return Health.ON_TRACK
    if progress >= elapsed - AT_RISK_SLACK:
        return Health.AT_RISK
    return Health.OFF_TRACK


class Objective(models.Model):
    """An objective of a product, or of the company when ``product`` is blank, for a period.

    ``parent`` aligns it under a higher objective of the same workspace (company → product).
    """

    workspace_lookup = "workspace"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="objectives")
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, null=True, blank=True, related_name="objectives"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)  # Markdown, sanitized when rendered
    period = models.CharField(max_length=40, blank=True)  # a label: "2026 Q4", "H1"
    starts_on = models.DateField()
    ends_on = models.DateField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="objective_period_in_order",
            )
        ]
        indexes = [models.Index(fields=["workspace", "product", "starts_on"])]

    def __str__(self) -> str:
        return self.title

    def elapsed(self, today: date) -> float:
        """The share of the period gone by on ``today``: 0 before it starts, 1 once it ended."""
        if today <= self.starts_on:
            return 0.0
        if today >= self.ends_on:
            return 1.0
        return (today - self.starts_on).days / (self.ends_on - self.starts_on).days


class KeyResult(models.Model):
    """A number of an objective, from ``start_value`` to ``target_value``.

    Its current value is entered by hand (``current_value``) or read live from ``metric``'s
    latest point; ``direction`` says whether the target is above or below the start.
    """

    workspace_lookup = "objective__workspace"

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    title = models.CharField(max_length=200)
    unit = models.CharField(max_length=20, blank=True)
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.INCREASE
    )
    start_value = models.FloatField()
    target_value = models.FloatField()
    current_value = models.FloatField(null=True, blank=True)
    metric = models.ForeignKey(
        "metrics.Metric",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="key_results",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(start_value=models.F("target_value")),
                name="key_result_start_is_not_target",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def progress(self, current: float | None) -> float | None:
        """(current − start) ÷ (target − start), clamped to 0…1; None without a current value.

        The same formula serves both directions: with a decreasing target both differences are
        negative.
        """
        if current is None:
            return None
        share = (current - self.start_value) / (self.target_value - self.start_value)
        return min(1.0, max(0.0, share))


class Horizon(models.TextChoices):
    NOW = "now", "Now"
    NEXT = "next", "Next"
    LATER = "later", "Later"


class InitiativeStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Theme(models.Model):
    """A product's theme, with the colour its initiatives are drawn in."""

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=80)
    colour = models.CharField(max_length=7, default="#6c757d")  # "#rrggbb"

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["product", "name"], name="theme_unique")]

    def __str__(self) -> str:
        return self.name


class Initiative(models.Model):
    """An epic or theme of work on a product's roadmap, in a horizon column at a ``rank``.

    ``rank`` is a fractional key (``pmhub.ranking``): moving an initiative rewrites only its own.
    """

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="initiatives")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)  # Markdown, sanitized when rendered
    status = models.CharField(
        max_length=12, choices=InitiativeStatus.choices, default=InitiativeStatus.PROPOSED
    )
    horizon = models.CharField(max_length=5, choices=Horizon.choices, default=Horizon.LATER)
    rank = models.CharField(max_length=64)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    theme = models.ForeignKey(
        Theme, on_delete=models.SET_NULL, null=True, blank=True, related_name="initiatives"
    )
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)  # percent
    objectives = models.ManyToManyField(Objective, blank=True, related_name="initiatives")
    depends_on = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="blocks"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["horizon", "rank"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="initiative_dates_in_order",
            )
        ]
        indexes = [models.Index(fields=["product", "horizon", "rank"], name="initiative_column")]

    def __str__(self) -> str:
        return self.title
