"""Analytics data of a product: write keys, the events it sends, the people behind them.

The events table is written only by ``metrics.ingest_store`` (one multi-row statement per batch)
and is de-duplicated per product by ``message_id`` forever (a unique constraint). A person is
resolved at ingestion and stored on the event as an integer; when identify/alias later shows two
persons are one, a ``PersonMerge`` row points the newer at the older, so history is never
rewritten and every computation counts the canonical person.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from pmhub.models import Product


class WriteKey(models.Model):
    """The credential an analytics SDK sends events with; it can only write events."""

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="write_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Person(models.Model):
    """Someone who used the product; identities (user ids, anonymous ids) point here."""

    workspace_lookup = "product__workspace"

    # No database constraint, as on Event: ingestion creates persons by the hundred per batch.
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    traits = models.JSONField(default=dict, blank=True)
    traits_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"person {self.pk}"


class Identity(models.Model):
    """One id a client used for a person: ``kind`` is ``user`` or ``anonymous``."""

    workspace_lookup = "product__workspace"

    # The unique key below leads with the product, so no index of its own (it only slowed the
    # inserts, and drew the planner to read all of a product's identities); no database
    # constraint, as on Event.
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    kind = models.CharField(max_length=10)
    value = models.CharField(max_length=255)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identities")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "kind", "value"], name="identity_unique_per_product"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class PersonMerge(models.Model):
    """``merged`` turned out to be ``into`` (always an older person); chains are kept flat."""

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    merged = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="merged_into")
    into = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.into_id}"


class EventType(models.TextChoices):
    TRACK = "track"
    IDENTIFY = "identify"
    PAGE = "page"
    SCREEN = "screen"
    GROUP = "group"
    ALIAS = "alias"


class Event(models.Model):
    """One accepted message. ``timestamp`` is corrected for the client's clock (see ingest)."""

    workspace_lookup = "product__workspace"

    id = models.BigAutoField(primary_key=True)
    # The composite indexes below start with the product: a product-only index would only slow
    # every insert. No database constraint either: it checked the product row once per inserted
    # event at commit (a sixth of a batch's database time). Django's delete of a product removes
    # its events, and product ids are never reused.
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    message_id = models.CharField(max_length=100)
    type = models.CharField(max_length=10, choices=EventType.choices)
    name = models.CharField(max_length=200, blank=True)
    person = models.ForeignKey(
        Person,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # events are never read by person (merges read rollups): keep writes fast
        related_name="+",
    )
    user_id = models.CharField(max_length=255, blank=True)
    anonymous_id = models.CharField(max_length=255, blank=True)
    timestamp = models.DateTimeField()
    original_timestamp = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    properties = models.JSONField(default=dict, blank=True)
    traits = models.JSONField(default=dict, blank=True)
    context = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "message_id"], name="event_unique_message_per_product"
            )
        ]
        indexes = [
            models.Index(fields=["product", "timestamp"], name="event_product_time"),
            # The explorer lists by arrival: ids grow with arrival, so no received_at index.
            models.Index(fields=["product", "-id"], name="event_product_arrival"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.name}".strip()


class Rejection(models.Model):
    """A message that was refused, kept for a while so whoever instruments a product sees why."""

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    message_id = models.CharField(max_length=100, blank=True)
    code = models.CharField(max_length=40)
    reason = models.CharField(max_length=300)
    excerpt = models.TextField(blank=True, help_text="The start of the message as sent")

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"


class DirtyDay(models.Model):
    """A (product, day) whose metrics must be recomputed: written with the events it covers.

    Kept in PostgreSQL, not only as a Celery message, so a lost trigger (Redis down) is found
    by the periodic sweep.
    """

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    marked_at = models.DateTimeField(default=timezone.now)
    # Rebuild the day's rollups from its events (a merge, a changed metric, the ORM path), rather
    # than add the new events of PendingEvents to them.
    rebuild = models.BooleanField(default=True, db_default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "day"], name="dirty_day_unique")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.day}"


# --- Metric definitions and computed series -------------------------------------------------------


class MetricKind(models.TextChoices):
    EVENT_COUNT = "event_count", "Event count"
    UNIQUE_USERS = "unique_users", "Unique users per bucket"
    ACTIVE_USERS = "active_users", "Active users over a rolling window"
    STICKINESS = "stickiness", "Stickiness (DAU / MAU)"
    NEW_USERS = "new_users", "New users"
    RETENTION = "retention", "Weekly retention"
    SUM = "sum", "Sum of a property"
    AVERAGE = "average", "Average of a property"
    RATIO = "ratio", "Ratio of two metrics"
    PERCENTILE = "percentile", "Percentile of a property"
    NPS = "nps", "Net Promoter Score"
    CHURN = "churn", "Churn"
    FUNNEL = "funnel", "Funnel conversion"


class Interval(models.TextChoices):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class TargetDirection(models.TextChoices):
    INCREASE = "increase", "Higher is better"
    DECREASE = "decrease", "Lower is better"


class KpiStatus(models.TextChoices):
    GOOD = "good", "On target"
    WARNING = "warning", "At risk"
    BAD = "bad", "Off target"


class Metric(models.Model):
    """A metric of a product; ``metrics.compute`` turns events into its series.

    ``event`` narrows the events it reads (blank: any event); ``value_property`` is the numeric
    property summed or averaged; ``window_days`` the rolling window of active users;
    ``numerator``/``denominator`` the metrics a ratio divides (bucket by bucket).
    """

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="metrics")
    key = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=20, choices=MetricKind.choices)
    event = models.CharField(max_length=200, blank=True)
    value_property = models.CharField(max_length=200, blank=True)
    window_days = models.PositiveSmallIntegerField(null=True, blank=True)
    retention_weeks = models.PositiveSmallIntegerField(default=1)
    filters = models.JSONField(
        default=list, blank=True, help_text="Conditions on event properties and person traits"
    )
    steps = models.JSONField(default=list, blank=True, help_text="Funnel: event names, in order")
    conversion_window_hours = models.PositiveIntegerField(
        null=True, blank=True, help_text="Funnel: time from the first step to the last"
    )
    percentile = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1–99, for percentile metrics (e.g. 95 for p95)"
    )
    numerator = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    denominator = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    unit = models.CharField(max_length=20, blank=True)
    # As a KPI: where it should be, and when to worry. Thresholds are values of the metric.
    target = models.FloatField(null=True, blank=True)
    target_direction = models.CharField(
        max_length=10, choices=TargetDirection.choices, default=TargetDirection.INCREASE
    )
    warning_threshold = models.FloatField(null=True, blank=True)
    bad_threshold = models.FloatField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set when the owner was told it went off target; cleared when it recovers (one per crossing).
    alerted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["product", "key"], name="metric_unique_key")]

    def __str__(self) -> str:
        return self.name

    def status_of(self, value: float | None) -> str | None:
        """Where ``value`` stands against the thresholds (or, without them, the target).

        Higher is better: below ``bad_threshold`` is bad, below ``warning_threshold`` at risk;
        lower is better mirrors it. With only a target, missing it is at risk.
        """
        if value is None:
            return None
        worse = (
            (lambda a, b: a < b) if self.target_direction == "increase" else (lambda a, b: a > b)
        )
        if self.bad_threshold is not None and worse(value, self.bad_threshold):
            return KpiStatus.BAD
        if self.warning_threshold is not None and worse(value, self.warning_threshold):
            return KpiStatus.WARNING
        if self.bad_threshold is None and self.warning_threshold is None:
            if self.target is None:
                return None
            return KpiStatus.WARNING if worse(value, self.target) else KpiStatus.GOOD
        return KpiStatus.GOOD


class PendingEvents(models.Model):
    """The ids of the events one ingested batch stored, until a recompute adds them to the rollups.

    Written in the batch's transaction on PostgreSQL's path, so a recompute adds exactly the
    events committed before it, each once, whatever their day: its cost follows the new events.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    event_ids = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{len(self.event_ids)} events of product {self.product_id}"


class Rollup(models.Model):
    """Per person per day: how many of a selection's events, and the sum of its value property.

    ``source`` names the selection (event name + value property), shared by every metric that
    reads the same events. Rebuilt day by day from the events; metrics read only rollups.
    """

    # The natural key is the primary key: a surrogate id and a second unique index cost a
    # recompute as much as the rows themselves. Rows are derived and rebuilt by recompute, so
    # the product is not checked by a (deferred, commit-time) foreign-key constraint either.
    # Keyed person first: a recompute finds a person's neighbouring active days by index.
    pk = models.CompositePrimaryKey("product", "source", "person_id", "day")
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    source = models.CharField(max_length=64)
    day = models.DateField()
    person_id = models.BigIntegerField()
    events = models.IntegerField()
    value_sum = models.FloatField(null=True)
    value_count = models.IntegerField(default=0)

    class Meta:
        # Days are read whole (a recompute's dirty days, a window): a duplicate-heavy index whose
        # inserts land on a few pages, unlike a by-person one.
        indexes = [models.Index(fields=["product", "source", "day"], name="rollup_day")]

    def __str__(self) -> str:
        return f"{self.source} {self.day} {self.person_id}"


# ``ActivityDay.gap`` of a person with no later active day (longer than any window).
NO_NEXT_DAY = 366


class ActivityDay(models.Model):
    """How many persons of a rollup selection were active on a day, grouped by the days until
    their next active day (``NO_NEXT_DAY`` when none within a year) and by whether the day was
    their first active day of its ISO week and of its month.

    Enough to count distinct persons over any window or bucket without reading person rows: a
    person counts in the windows ending from their active day up to their next one, and once in
    a week's or month's unique users. A recompute maintains it by the difference a change of
    rollups makes (compute.py), so its cost follows the persons whose days changed.
    """

    pk = models.CompositePrimaryKey(
        "product", "source", "day", "gap", "first_in_week", "first_in_month"
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    source = models.CharField(max_length=64)
    day = models.DateField()
    gap = models.SmallIntegerField()
    first_in_week = models.BooleanField()
    first_in_month = models.BooleanField()
    persons = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.source} {self.day} +{self.gap}: {self.persons}"


class DayTotal(models.Model):
    """Per rollup selection and day: events and the value property's sum and count."""

    pk = models.CompositePrimaryKey("product", "source", "day")
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    source = models.CharField(max_length=64)
    day = models.DateField()
    events = models.BigIntegerField()
    value_sum = models.FloatField()
    value_count = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.source} {self.day}: {self.events}"


class CohortWeek(models.Model):
    """How many persons first seen in the ISO week ``cohort`` had any event in the ISO week
    ``week`` (the retention cohort table; ``week == cohort`` is the cohort's size).

    Maintained by every recompute from the person-days it changes, so the dashboard's heatmap
    reads a few hundred rows however long the history.
    """

    pk = models.CompositePrimaryKey("product", "cohort", "week")
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    cohort = models.DateField()
    week = models.DateField()
    persons = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.cohort} in {self.week}: {self.persons}"


class FunnelDay(models.Model):
    """A day on which a person entered a funnel metric: had an event of its first step (passing
    its filters).

    A person's funnel in a bucket starts at their first entry there, so a run that only adds
    events skips the persons who entered a bucket more than the conversion window before the
    earliest new event (metrics/funnels.py) without reading that bucket's older events.
    """

    # Derived rows, rewritten by recompute: keyed by their natural key, no constraint check.
    pk = models.CompositePrimaryKey("metric", "person_id", "day")
    metric = models.ForeignKey(
        Metric, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    person_id = models.BigIntegerField()
    day = models.DateField()

    def __str__(self) -> str:
        return f"{self.metric_id} {self.person_id} {self.day}"


class FirstSeen(models.Model):
    """A (canonical) person's first and last days with an event.

    New users and cohorts read the first day; the span tells a recompute or a merge which days of
    the rollups can hold the person, so neither reads a person's whole history by person.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    person_id = models.BigIntegerField()
    day = models.DateField()
    last_day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "person_id"], name="first_seen_unique")
        ]
        indexes = [
            models.Index(fields=["product", "day"], name="first_seen_day"),
            models.Index(fields=["product", "last_day"], name="first_seen_last_day"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.day}"


class MetricPoint(models.Model):
    """One computed value of a metric: dashboards and the series API read only these."""

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="points")
    interval = models.CharField(max_length=5, choices=Interval.choices)
    bucket = models.DateField()
    value = models.FloatField(null=True)
    # Breakdowns beside the value, e.g. a funnel's persons per step.
    detail = models.JSONField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "interval", "bucket"], name="metric_point_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.interval} {self.bucket} = {self.value}"


# --- Experiments ----------------------------------------------------------------------------------


class ExperimentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    RUNNING = "running", "Running"
    STOPPED = "stopped", "Stopped"
    DECIDED = "decided", "Decided"


class Experiment(models.Model):
    """An A/B test: who saw which variant (``exposure_event``'s ``variant_property``) and who
    then converted (``conversion_event``), between ``start`` and ``end`` (open while blank).

    ``metrics.services.experiments.experiment_results`` computes its results from the events.
    """

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="experiments")
    key = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    hypothesis = models.TextField(blank=True)
    exposure_event = models.CharField(max_length=200, help_text="Track event of an exposure")
    variant_property = models.CharField(max_length=200, default="variant")
    control_variant = models.CharField(max_length=200, default="control")
    conversion_event = models.CharField(max_length=200, help_text="Track event of a conversion")
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ExperimentStatus.choices, default=ExperimentStatus.DRAFT
    )
    minimum_detectable_effect = models.FloatField(
        default=0.1, help_text="Relative change of the control's rate to detect (0.1 = 10 %)"
    )
    decision = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "key"], name="experiment_unique_key")
        ]

    def __str__(self) -> str:
        return self.name


# --- Annotations ----------------------------------------------------------------------------------


class Annotation(models.Model):
    """A dated note on a product's charts ("v2.3 shipped", "pricing change").

    Written by people (``source`` ``manual``) and by other apps through
    ``metrics.services.annotations.annotation_create`` (``source`` names the app, e.g.
    ``roadmaps`` when a release ships). Every chart of the product draws it on ``day``.
    """

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="annotations")
    day = models.DateField()
    text = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True)
    source = models.CharField(max_length=30, default="manual")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day", "id"]
        indexes = [models.Index(fields=["product", "day"], name="annotation_product_day")]

    def __str__(self) -> str:
        return f"{self.day}: {self.text}"


# --- User-arranged dashboards ---------------------------------------------------------------------


class ChartKind(models.TextChoices):
    LINE = "line", "Line"
    BAR = "bar", "Bars"
    AREA = "area", "Area"
    NUMBER = "number", "Number (KPI tile)"
    HEATMAP = "heatmap", "Cohort heatmap"
    FUNNEL = "funnel", "Funnel bars"


class Dashboard(models.Model):
    """A dashboard people arrange: a product's (``product`` set) or the workspace's executive one
    (``product`` null: tiles of any of its products)."""

    workspace_lookup = "workspace"

    workspace = models.ForeignKey(
        "pmhub.Workspace", on_delete=models.CASCADE, related_name="dashboards"
    )
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.CASCADE, related_name="dashboards"
    )
    name = models.CharField(max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class DashboardTile(models.Model):
    """One chart of a dashboard: a metric drawn as ``kind``, ``width`` columns of three wide.

    ``position`` orders the tiles (0, 1, 2… as ``metrics.services.dashboards`` keeps them).
    """

    workspace_lookup = "dashboard__workspace"

    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="tiles")
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ChartKind.choices, default=ChartKind.LINE)
    interval = models.CharField(max_length=5, choices=Interval.choices, default=Interval.DAY)
    width = models.PositiveSmallIntegerField(default=1)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(width__gte=1, width__lte=3), name="dashboard_tile_width"
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric} ({self.get_kind_display()})"
