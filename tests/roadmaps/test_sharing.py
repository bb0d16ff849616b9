"""Share links: a signed token opens the product's roadmap until revoked or expired; a tampered
or forged one never does (roadmaps issue, acceptance 5, service level)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from pmhub.errors import ApplicationError
from pmhub.models import AuditEvent
from roadmaps.models import ShareLink
from roadmaps.services.sharing import share_link_create, share_link_open, share_link_revoke


def test_a_link_opens_its_product_until_revoked(tenant_a):
    link, token = share_link_create(product=tenant_a.product, actor=tenant_a.owner, label="Board")
    assert share_link_open(token) == link
    assert share_link_open(token).product == tenant_a.product
    share_link_revoke(link=link, actor=tenant_a.owner)
    assert share_link_open(token) is None
    actions = list(AuditEvent.objects.values_list("action", flat=True).order_by("pk"))
    assert actions[-2:] == ["share_link.created", "share_link.revoked"]


def test_a_tampered_or_forged_token_opens_nothing(tenant_a, tenant_b):
    link, token = share_link_create(product=tenant_a.product, actor=tenant_a.owner)
    other, _ = share_link_create(product=tenant_b.product, actor=tenant_b.owner)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert share_link_open(flipped) is None
    # Another link's id with this link's nonce, signed without the secret, is refused.
    forged = signing.dumps([other.pk, link.nonce], key="not-the-secret", salt="roadmaps.share-link")
    assert share_link_open(forged) is None
    # Correctly signed but with a stale nonce (as if the row were re-created) is refused too.
    stale = signing.dumps([link.pk, "stale"], salt="roadmaps.share-link")
    assert share_link_open(stale) is None
    assert share_link_open("") is None and share_link_open("garbage:token") is None


def test_an_expired_link_opens_nothing(tenant_a):
    soon = timezone.now() + timedelta(hours=1)
    link, token = share_link_create(product=tenant_a.product, actor=tenant_a.owner, expires_at=soon)
    assert share_link_open(token) == link
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert share_link_open(token) is None


def test_an_expiry_in_the_past_is_refused_naming_the_field(tenant_a):
    with pytest.raises(ApplicationError) as refused:
        share_link_create(
            product=tenant_a.product,
            actor=tenant_a.owner,
            expires_at=timezone.now() - timedelta(days=1),
        )
    assert refused.value.field == "expires_at"
    assert not ShareLink.objects.exists()


def test_archiving_the_product_closes_its_links(tenant_a):
    from pmhub import services

    _, token = share_link_create(product=tenant_a.product, actor=tenant_a.owner)
    services.product_set_archived(product=tenant_a.product, actor=tenant_a.owner, archived=True)
    assert share_link_open(token) is None
