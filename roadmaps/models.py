"""Strategy and plans of a product: objectives and key results (what it aims at in a period and
the numbers that say how far it got), initiatives on the roadmap, releases with their launch
checklists, health updates, snapshots of the roadmap, read-only share links and competitors.

Every model states how it reaches its workspace (``workspace_lookup``) for pmhub's scoping layer.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.urls import reverse

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
    # Set by its owner with a health update (the latest one's, kept here for every view).
    health = models.CharField(max_length=10, choices=Health.choices, blank=True)
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

    def tree_url(self) -> str:
        """The OKR tree this objective is shown on: its product's, or the company's."""
        if self.product is not None:
            return reverse("roadmaps:product-objectives", args=[self.product.slug])
        return reverse("roadmaps:objectives")

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
    health = models.CharField(max_length=10, choices=Health.choices, blank=True)
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


class HealthUpdate(models.Model):
    """An owner's word on how an initiative or an objective is going: a health and a short note.

    The latest update's health is copied onto its subject; the rows are the history.
    """

    workspace_lookup = "workspace"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, null=True, blank=True, related_name="health_updates"
    )
    objective = models.ForeignKey(
        Objective, on_delete=models.CASCADE, null=True, blank=True, related_name="health_updates"
    )
    health = models.CharField(max_length=10, choices=Health.choices)
    note = models.CharField(max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(  # exactly one subject
                condition=models.Q(initiative__isnull=True, objective__isnull=False)
                | models.Q(initiative__isnull=False, objective__isnull=True),
                name="health_update_one_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_health_display()}: {self.note}"


class ReleaseStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    SHIPPED = "shipped", "Shipped"
    CANCELLED = "cancelled", "Cancelled"


class Release(models.Model):
    """A release or milestone of a product: a target date, notes, the initiatives it carries and
    a launch checklist. ``shipped_on`` is set when it ships (the impact review starts there)."""

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="releases")
    name = models.CharField(max_length=120)
    target_date = models.DateField()
    status = models.CharField(
        max_length=12, choices=ReleaseStatus.choices, default=ReleaseStatus.PLANNED
    )
    notes = models.TextField(blank=True)  # Markdown release notes, sanitized when rendered
    is_milestone = models.BooleanField(default=False)
    shipped_on = models.DateField(null=True, blank=True)
    initiatives = models.ManyToManyField(Initiative, blank=True, related_name="releases")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["target_date", "name"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="release_name_unique")
        ]
        indexes = [models.Index(fields=["product", "target_date"], name="release_product_date")]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    """One task of a release's launch checklist (docs written, support briefed, …)."""

    workspace_lookup = "release__product__workspace"

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="checklist")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title

    def overdue(self, today: date) -> bool:
        return not self.done and self.due_on is not None and self.due_on < today


class Snapshot(models.Model):
    """The roadmap of a product as it was when saved: its initiatives with horizon, status, dates
    and order (``data``), for the diff page and stakeholder updates."""

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="snapshots")
    name = models.CharField(max_length=120, blank=True)
    taken_at = models.DateTimeField()
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    automatic = models.BooleanField(default=False)  # taken by the weekly beat task
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["-taken_at", "-pk"]
        indexes = [models.Index(fields=["product", "taken_at"], name="snapshot_product_time")]

    def __str__(self) -> str:
        return self.name or f"Snapshot of {self.taken_at:%Y-%m-%d %H:%M}"


class ShareLink(models.Model):
    """A read-only link to a product's roadmap for people without an account.

    The URL carries a signed token naming this row and its random ``nonce``; revoking, expiry or
    a tampered token make it a 404.
    """

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="share_links")
    label = models.CharField(max_length=120, blank=True)
    nonce = models.CharField(max_length=32)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.label or f"Share link {self.pk}"


class Competitor(models.Model):
    """A competitor of a product, a column of its feature comparison matrix."""

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="competitors")
    name = models.CharField(max_length=120)
    website = models.URLField(blank=True)
    notes = models.TextField(blank=True)  # Markdown, sanitized when rendered
    market_share = models.DecimalField(  # percent
        max_digits=5, decimal_places=2, null=True, blank=True
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="competitor_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Support(models.TextChoices):
    YES = "yes", "Yes"
    PARTIAL = "partial", "Partial"
    NO = "no", "No"
    UNKNOWN = "unknown", "Unknown"


class CompetitorFeature(models.Model):
    """A row of a product's comparison matrix: a capability, and whether the product has it."""

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="competitor_features"
    )
    name = models.CharField(max_length=120)
    ours = models.CharField(max_length=7, choices=Support.choices, default=Support.UNKNOWN)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="competitor_feature_unique")
        ]

    def __str__(self) -> str:
        return self.name


class FeatureSupport(models.Model):
    """A cell of the matrix: how far ``competitor`` has ``feature``; a missing cell is unknown."""

    workspace_lookup = "feature__product__workspace"

    feature = models.ForeignKey(CompetitorFeature, on_delete=models.CASCADE, related_name="cells")
    competitor = models.ForeignKey(Competitor, on_delete=models.CASCADE, related_name="cells")
    level = models.CharField(max_length=7, choices=Support.choices, default=Support.UNKNOWN)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["feature", "competitor"], name="feature_support_unique")
        ]

    def __str__(self) -> str:
        return self.level
