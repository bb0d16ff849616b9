"""The backlog of a product: work items with their prioritization inputs and score, their order
(a fractional rank), the history of every status, sprint and estimate change, sprints, custom
fields, labels, saved views and CSV imports.

Every model states how it reaches its workspace (``workspace_lookup``) for pmhub's scoping layer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from backlog.scoring import Framework, Kano, MoSCoW
from pmhub.models import Product
from roadmaps.models import Initiative, Release


class ItemKind(models.TextChoices):
    FEATURE = "feature", "Feature"
    STORY = "story", "User story"
    BUG = "bug", "Bug"
    TECH_DEBT = "tech_debt", "Tech debt"
    SPIKE = "spike", "Spike"
    CHORE = "chore", "Chore"


class Status(models.TextChoices):
    NEW = "new", "New"
    READY = "ready", "Ready"
    IN_PROGRESS = "in_progress", "In progress"
    IN_REVIEW = "in_review", "In review"
    DONE = "done", "Done"
    WONT_DO = "wont_do", "Won't do"


# Statuses whose items count as finished: nothing remains to burn down.
CLOSED_STATUSES = frozenset({Status.DONE, Status.WONT_DO})


class EstimationScale(models.TextChoices):
    FIBONACCI = "fibonacci", "Fibonacci (1, 2, 3, 5, 8, 13, 21)"
    LINEAR = "linear", "Linear (1 to 10)"
    POWERS_OF_TWO = "powers_of_two", "Powers of two (1, 2, 4, 8, 16, 32)"
    TSHIRT = "tshirt", "T-shirt sizes (XS to XXL)"


class BacklogSettings(models.Model):
    """How a product prioritizes and estimates, and its board's WIP limits.

    Its row is also the lock that serializes rank writes of the product's backlog (see
    ``backlog.services.ranking``), so two people's moves never compute the same key.
    """

    workspace_lookup = "product__workspace"

    product = models.OneToOneField(
        Product, on_delete=models.CASCADE, related_name="backlog_settings"
    )
    framework = models.CharField(max_length=16, choices=Framework.choices, default=Framework.RICE)
    formula = models.CharField(max_length=500, blank=True)  # for the custom framework
    scale = models.CharField(
        max_length=16, choices=EstimationScale.choices, default=EstimationScale.FIBONACCI
    )
    # {status: limit}; a column with more items than its limit is shown as exceeded.
    wip_limits = models.JSONField(default=dict, blank=True)
    # Set when the framework or formula changes, cleared once every item is scored again.
    scores_stale = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Backlog settings of {self.product}"


class Label(models.Model):
    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=40)
    colour = models.CharField(max_length=7, default="#64748b")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="label_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class FieldKind(models.TextChoices):
    NUMBER = "number", "Number"
    TEXT = "text", "Text"
    SELECT = "select", "Single select"
    DATE = "date", "Date"
    CHECKBOX = "checkbox", "Checkbox"


class CustomField(models.Model):
    """A product's own item field; values live in ``Item.custom`` under ``key``. Numbers and
    checkboxes may be used in the custom scoring formula."""

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="custom_fields")
    key = models.SlugField(max_length=40)  # a formula name: letters, digits, underscores
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=10, choices=FieldKind.choices)
    options = models.JSONField(default=list, blank=True)  # the choices of a single select
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["product", "key"], name="custom_field_key_unique")
        ]

    def __str__(self) -> str:
        return self.name


class SprintStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class Sprint(models.Model):
    """A time box of a product's delivery team with a goal and a capacity in story points.

    ``committed_points`` is recorded when it starts and ``completed_points`` when it closes
    (the velocity chart reads them); the burndown is replayed from the items' history.
    """

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="sprints")
    name = models.CharField(max_length=120)
    goal = models.CharField(max_length=500, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    capacity = models.FloatField(null=True, blank=True)
    status = models.CharField(
        max_length=8, choices=SprintStatus.choices, default=SprintStatus.PLANNED
    )
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    committed_points = models.FloatField(null=True, blank=True)
    completed_points = models.FloatField(null=True, blank=True)
    # Review and retrospective, written by the team (Markdown, sanitized when rendered).
    review = models.TextField(blank=True)
    went_well = models.TextField(blank=True)
    to_improve = models.TextField(blank=True)
    actions = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="sprint_name_unique"),
            models.UniqueConstraint(
                fields=["product"],
                condition=models.Q(status="active"),
                name="one_active_sprint",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="sprint_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """A unit of work in a product's backlog: a feature, story, bug, tech debt, spike or chore.

    ``rank`` is a fractional key (``pmhub.ranking``) over the whole backlog: a move writes only the
    moved item's key. ``score`` is the product's framework applied to the inputs, stored for
    sorting (``score_problem`` says why it is missing); inputs of every framework are kept, so
    switching frameworks loses nothing.
    """

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=10, choices=ItemKind.choices, default=ItemKind.STORY)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)  # Markdown, sanitized when rendered
    # [{"text": "...", "done": false}, ...]: the acceptance criteria as a checklist.
    acceptance = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    labels = models.ManyToManyField(Label, blank=True, related_name="items")
    estimate = models.FloatField(null=True, blank=True)  # story points
    initiative = models.ForeignKey(
        Initiative, on_delete=models.SET_NULL, null=True, blank=True, related_name="backlog_items"
    )
    release = models.ForeignKey(
        Release, on_delete=models.SET_NULL, null=True, blank=True, related_name="backlog_items"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    sprint = models.ForeignKey(
        Sprint, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    rank = models.CharField(max_length=64)

    # Prioritization inputs (backlog.scoring names them and checks their ranges).
    reach = models.FloatField(null=True, blank=True)
    impact = models.FloatField(null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    effort = models.FloatField(null=True, blank=True)
    business_value = models.FloatField(null=True, blank=True)
    time_criticality = models.FloatField(null=True, blank=True)
    risk_reduction = models.FloatField(null=True, blank=True)
    job_size = models.FloatField(null=True, blank=True)
    ice_impact = models.FloatField(null=True, blank=True)
    ice_confidence = models.FloatField(null=True, blank=True)
    ice_ease = models.FloatField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)
    moscow = models.CharField(max_length=6, choices=MoSCoW.choices, blank=True)
    kano = models.CharField(max_length=12, choices=Kano.choices, blank=True)
    roi_value = models.FloatField(null=True, blank=True)
    roi_months = models.PositiveSmallIntegerField(null=True, blank=True)
    roi_cost = models.FloatField(null=True, blank=True)
    custom = models.JSONField(default=dict, blank=True)

    score = models.FloatField(null=True, blank=True)
    score_problem = models.CharField(max_length=200, blank=True)

    # Where an imported item came from ("jira:PROJ-12", or a digest of its row): a second
    # import of the same file finds it and adds nothing.
    import_key = models.CharField(max_length=120, null=True, blank=True)  # noqa: DJ001 (unique when set)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    done_at = models.DateTimeField(null=True, blank=True)

    # The rows of a list come annotated with ``label_list`` and ``child_ids`` by
    # backlog.selectors.with_labels and with_links.

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "import_key"], name="item_import_key_unique"
            ),
        ]
        # PostgreSQL also gets item_score_order (product, score DESC NULLS LAST, rank) and the
        # full-text item_search, made in migration 0001 (SQLite has neither form).
        indexes = [
            models.Index(fields=["product", "rank"], name="item_backlog_order"),
            models.Index(fields=["product", "status", "rank"], name="item_status_order"),
            # Counts a filtered list's rows (its pager) from the index alone.
            models.Index(fields=["product", "status", "kind"], name="item_status_kind"),
            models.Index(fields=["sprint", "rank"], name="item_sprint_order"),
        ]

    def __str__(self) -> str:
        return self.title


class HistoryField(models.TextChoices):
    CREATED = "created", "Created"
    STATUS = "status", "Status"
    SPRINT = "sprint", "Sprint"
    ESTIMATE = "estimate", "Estimate"


class ItemHistory(models.Model):
    """One change of an item's status, sprint or estimate (or its creation), with when and who.

    Burndown, cycle time and the item's activity are replayed from these rows; ``old`` and
    ``new`` hold the value as text (a status, a sprint id, a number) or blank for none.
    """

    workspace_lookup = "item__product__workspace"

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="history")
    field = models.CharField(max_length=10, choices=HistoryField.choices)
    old = models.CharField(max_length=40, blank=True)
    new = models.CharField(max_length=40, blank=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["item", "at"], name="item_history_order")]

    def __str__(self) -> str:
        return f"{self.field}: {self.old} → {self.new}"


class SavedView(models.Model):
    """A named set of backlog filters and sort (the list page's query string), for one person or
    shared with the product's team."""

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="saved_views")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000, blank=True)
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "owner", "name"], name="saved_view_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ImportFormat(models.TextChoices):
    PMHUB = "pmhub", "pmhub CSV"
    JIRA = "jira", "Jira issue export"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    """A CSV file being imported into a product's backlog by a Celery task, with its progress and
    the rows it rejected (``[{"line": n, "reason": "..."}]``)."""

    workspace_lookup = "product__workspace"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="imports")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    format = models.CharField(max_length=8, choices=ImportFormat.choices)
    filename = models.CharField(max_length=200, blank=True)
    content = models.TextField()
    mapping = models.JSONField(default=dict, blank=True)  # {pmhub field: CSV column}
    status = models.CharField(
        max_length=8, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_items = models.PositiveIntegerField(default=0)
    skipped_rows = models.PositiveIntegerField(default=0)  # already imported
    rejected = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.filename or f"Import {self.pk}"
