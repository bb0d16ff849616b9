"""Composed reads of the core domain, shared by the HTML views and the API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

from pmhub.models import ApiToken, AuditEvent, Invitation, Membership, Product, Workspace
from pmhub.tenancy import get_scoped_or_404, scope

SUMMARY_USER_FIELDS = ("username",)  # what UserSummarySerializer shows besides the id


def with_related_columns(rows: QuerySet, **relations: Sequence[str]) -> QuerySet:
    """``rows`` joined to each of ``relations``, reading only the named columns (and the id)
    of the row it points to.

    A list of 50 rows shows a name or two of what each points to; loading every column (a
    user's password hash and timestamps, a sprint's notes) and parsing it costs a list page
    about a millisecond (bench/backlog.py).
    """
    unused = []
    for relation, columns in relations.items():
        model = rows.model._meta.get_field(relation).related_model
        unused += [
            f"{relation}__{field.name}"
            for field in model._meta.concrete_fields
            if not field.primary_key and field.name not in columns
        ]
    return rows.select_related(*relations).defer(*unused)


def with_user_summaries(rows: QuerySet, *relations: str) -> QuerySet:
    """``rows`` joined to the users that ``relations`` point to, as a user summary shows them."""
    return with_related_columns(rows, **dict.fromkeys(relations, SUMMARY_USER_FIELDS))


def product_list(*, workspace: Workspace, archived: bool | None = False) -> QuerySet[Product]:
    """Products of ``workspace`` with their owner; ``archived=None`` gives both kinds."""
    qs = scope(Product.objects.select_related("owner"), workspace)
    if archived is not None:
        qs = qs.filter(archived_at__isnull=not archived)
    return qs


def product_get(*, workspace: Workspace, with_owner: bool = False, **lookup: Any) -> Product:
    """One product of ``workspace`` by ``pk`` or ``slug``; 404 for any other workspace's.

    Its ``workspace`` is the caller's own object, not a join: every request reads a product,
    and the joins cost more than the rest of the query (bench/backlog.py). ``with_owner``
    joins the owner, for the pages that show it."""
    rows = Product.objects.select_related("owner") if with_owner else Product.objects.all()
    product = get_scoped_or_404(rows, workspace, **lookup)
    product.workspace = workspace
    return product


def member_list(*, workspace: Workspace) -> QuerySet[Membership]:
    return scope(Membership.objects.select_related("user"), workspace).order_by("user__username")


def invitation_list(*, workspace: Workspace, open_only: bool = True) -> QuerySet[Invitation]:
    qs = scope(Invitation.objects.select_related("invited_by"), workspace)
    if open_only:
        qs = qs.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    return qs


def token_list(*, workspace: Workspace, user) -> QuerySet[ApiToken]:
    """The user's own tokens in ``workspace`` (nobody sees another person's tokens)."""
    return scope(ApiToken.objects.filter(user=user), workspace)


def activity_feed(*, workspace: Workspace, product: Product | None = None) -> QuerySet[AuditEvent]:
    """The audit trail of ``workspace`` (or of one product), newest first, with actors."""
    qs = scope(AuditEvent.objects.select_related("actor", "product"), workspace)
    if product is not None:
        qs = qs.filter(product=product)
    return qs
