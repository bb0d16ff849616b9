"""The tenant domain: workspaces, memberships, products, invitations, API tokens, the audit trail.

Every model states how it reaches its workspace (``workspace_lookup``); the scoping layer in
``pmhub.tenancy`` filters by it, so a row of another workspace can never be read by a request.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from pmhub.capabilities import Role

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Invitation",
    "LifecycleStage",
    "Membership",
    "Product",
    "Role",
    "Workspace",
]


class Workspace(models.Model):
    """The tenant: a company or a product group. Every row belongs to exactly one."""

    workspace_lookup = "pk"

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    workspace_lookup = "workspace"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "workspace"], name="membership_unique_user"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)


class LifecycleStage(models.TextChoices):
    IDEATION = "ideation", "Ideation"
    INTRODUCTION = "introduction", "Introduction"
    GROWTH = "growth", "Growth"
    MATURITY = "maturity", "Maturity"
    DECLINE = "decline", "Decline"
    RETIRED = "retired", "Retired"


class ProductQuerySet(models.QuerySet["Product"]):
    def active(self) -> ProductQuerySet:
        return self.filter(archived_at__isnull=True)


class Product(models.Model):
    workspace_lookup = "workspace"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80)
    description = models.CharField(max_length=500, blank=True)
    vision = models.TextField(blank=True, help_text="Markdown")
    strategy = models.TextField(blank=True, help_text="Markdown")
    stage = models.CharField(
        max_length=20, choices=LifecycleStage.choices, default=LifecycleStage.IDEATION
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_products",
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "slug"], name="product_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Invitation(models.Model):
    """An invitation by email; the link carries a signed id, so nothing secret is stored."""

    workspace_lookup = "workspace"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class ApiToken(models.Model):
    """A personal API token acting as its user in one workspace. Only a hash is stored."""

    workspace_lookup = "workspace"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="Shown to recognise the token")
    key_hash = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class AuditEvent(models.Model):
    """Who did what to which object, and when. Written only through ``pmhub.audit.audit_record``."""

    workspace_lookup = "workspace"

    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events"
    )
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="audit_workspace_recent"),
            models.Index(fields=["product", "-created_at"], name="audit_product_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.target_repr}"


class IdempotentRequest(models.Model):
    """The first answer to an API ``POST`` sent with an ``Idempotency-Key``, kept for a day so a
    retry with the same key gets it again instead of writing twice (``pmhub.idempotency``).

    Scoped to the API token by its hash (``ApiToken.key_hash``): two tokens never share keys.
    """

    token_hash = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body")
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=2000, blank=True)
    body = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token_hash", "key"], name="idempotent_request_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.status_code}"
