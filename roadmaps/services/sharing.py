"""Read-only share links of a product's roadmap: signed, revocable, optionally expiring."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.contrib.auth.models import User
from django.core import signing
from django.db import transaction
from django.utils import timezone

from pmhub.audit import audit_record
from pmhub.errors import ApplicationError
from pmhub.models import Product
from roadmaps.models import ShareLink

# The signature binds a token to this purpose: a value signed elsewhere in pmhub never opens it.
_SALT = "roadmaps.share-link"
LABEL_MAX = ShareLink._meta.get_field("label").max_length or 120


def share_link_token(link: ShareLink) -> str:
    """The URL token of ``link``: its id and nonce, signed with the project's secret key."""
    return signing.dumps([link.pk, link.nonce], salt=_SALT, compress=False)


@transaction.atomic
def share_link_create(
    *, product: Product, actor: User, label: str = "", expires_at: datetime | None = None
) -> tuple[ShareLink, str]:
    """Create a share link of ``product``'s roadmap; return it and its token (the URL part).

    Records ``share_link.created``.
    """
    label = " ".join(str(label).split())
    if len(label) > LABEL_MAX:
        raise ApplicationError(f"Keep the label under {LABEL_MAX} characters.", field="label")
    if expires_at is not None:
        if not isinstance(expires_at, datetime) or timezone.is_naive(expires_at):
            raise ApplicationError("Give the expiry as a date and time.", field="expires_at")
        if expires_at <= timezone.now():
            raise ApplicationError("The expiry must be in the future.", field="expires_at")
    link = ShareLink.objects.create(
        product=product,
        label=label,
        nonce=secrets.token_urlsafe(16),
        created_by=actor,
        expires_at=expires_at,
    )
    audit_record(
        workspace=product.workspace,
        actor=actor,
        action="share_link.created",
        target=link,
        product=product,
    )
    return link, share_link_token(link)


@transaction.atomic
def share_link_revoke(*, link: ShareLink, actor: User) -> ShareLink:
    """Revoke ``link`` for good (its URL becomes a 404); records ``share_link.revoked``."""
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit_record(
            workspace=link.product.workspace,
            actor=actor,
            action="share_link.revoked",
            target=link,
            product=link.product,
        )
    return link


def share_link_open(token: str) -> ShareLink | None:
    """The live share link a URL ``token`` names, with its product; None when the token is
    forged or tampered with, or the link is revoked, expired, or its product archived."""
    try:
        pk, nonce = signing.loads(token, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(pk, int) or not isinstance(nonce, str):
        return None
    link = (
        ShareLink.objects.select_related("product", "product__workspace")
        .filter(pk=pk, nonce=nonce, revoked_at__isnull=True, product__archived_at__isnull=True)
        .first()
    )
    if link is None or (link.expires_at is not None and link.expires_at <= timezone.now()):
        return None
    return link
