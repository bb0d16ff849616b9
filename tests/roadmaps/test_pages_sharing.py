"""Share links: the page where planners create (URL shown once) and revoke them, and the public
page a link opens without login: the product's roadmap as a read-only board and timeline, with
no edit control, no navigation into the app and nothing beyond that roadmap; a revoked, expired,
tampered, forged or mismatched token is a 404."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pmhub import services
from pmhub.capabilities import Role
from pmhub.models import AuditEvent
from roadmaps.models import ShareLink
from roadmaps.services.initiatives import initiative_create
from roadmaps.services.releases import release_create
from roadmaps.services.sharing import share_link_create, share_link_revoke
from roadmaps.services.themes import theme_create
from tests.factories import make_member, make_tenant

PLANNERS = (Role.OWNER, Role.ADMIN, Role.EDITOR)


@pytest.fixture
def acme(db):
    tenant = make_tenant("Acme")
    theme = theme_create(
        product=tenant.product, actor=tenant.owner, name="Growth", colour="#1f77b4"
    )
    for title, horizon, extra in (
        ("Onboarding revamp", "now", {"starts_on": date(2026, 1, 5), "ends_on": date(2026, 2, 20)}),
        ("Billing v2", "next", {"starts_on": date(2026, 3, 1), "ends_on": date(2026, 5, 31)}),
        ("Mobile app", "later", {}),
        ("Dropped idea", "later", {"status": "cancelled"}),
    ):
        initiative_create(
            product=tenant.product,
            actor=tenant.owner,
            title=title,
            horizon=horizon,
            theme=theme,
            owner=tenant.owner,
            description="Internal: talk to legal first",
            **extra,
        )
    release_create(
        product=tenant.product, actor=tenant.owner, name="Spring 1.0", target_date=date(2026, 2, 1)
    )
    return tenant


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _as(acme, role: str) -> Client:
    return _client(acme.owner if role == Role.OWNER else make_member(acme.workspace, role))


def _manage(acme) -> str:
    return reverse("roadmaps:share-links", args=[acme.product.slug])


def _public(token: str) -> str:
    return reverse("roadmaps-public:share", args=[token])


def _link(acme, **fields) -> tuple[ShareLink, str]:
    return share_link_create(product=acme.product, actor=acme.owner, **fields)


def _changes(acme) -> tuple:
    return (
        list(ShareLink.objects.filter(product=acme.product).values()),
        AuditEvent.objects.filter(workspace=acme.workspace).count(),
    )


# --- Managing links -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_only_planners_manage_share_links(acme, role):
    _link(acme, label="Sales team")
    response = _as(acme, role).get(_manage(acme))
    if role in PLANNERS:
        assert response.status_code == 200 and "Sales team" in response.content.decode()
    else:
        assert response.status_code == 403


def test_a_new_link_shows_its_full_url_once(acme):
    client = _client(acme.owner)
    expiry = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(_manage(acme), {"label": "Board", "expires_at": expiry})
    assert response.status_code == 200
    html = response.content.decode()
    url = re.search(r'value="(http://testserver/share/[^"]+/)"', html).group(1)
    link = ShareLink.objects.get(product=acme.product)
    assert link.label == "Board" and link.expires_at is not None
    assert Client().get(url.removeprefix("http://testserver")).status_code == 200
    assert url not in client.get(_manage(acme)).content.decode()  # not shown again


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"label": "x", "expires_at": "2001-01-01T00:00"}, "expires_at"),
        ({"label": "x", "expires_at": "not a time"}, "expires_at"),
        ({"label": "x" * 500}, "label"),
    ],
)
def test_a_bad_link_shows_the_field_error_and_writes_nothing(acme, body, field):
    before = _changes(acme)
    response = _client(acme.owner).post(_manage(acme), body)
    assert response.status_code == 200
    assert f'data-field-error="{field}"' in response.content.decode()
    assert _changes(acme) == before


def test_revoking_a_link_makes_its_url_a_404(acme):
    link, token = _link(acme)
    assert Client().get(_public(token)).status_code == 200
    url = reverse("roadmaps:share-link-revoke", args=[acme.product.slug, link.pk])
    assert _client(acme.owner).post(url).status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert Client().get(_public(token)).status_code == 404
    assert "revoked" in _client(acme.owner).get(_manage(acme)).content.decode()


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.VIEWER])
def test_non_planners_cannot_create_or_revoke(acme, role):
    link, _ = _link(acme)
    client = _as(acme, role)
    before = _changes(acme)
    assert client.post(_manage(acme), {"label": "x"}).status_code == 403
    url = reverse("roadmaps:share-link-revoke", args=[acme.product.slug, link.pk])
    assert client.post(url).status_code == 403
    assert _changes(acme) == before


def test_the_management_list_reads_a_fixed_number_of_queries(acme):
    client = _client(acme.owner)
    _link(acme)
    client.get(_manage(acme))
    with CaptureQueriesContext(connection) as few:
        client.get(_manage(acme))
    for n in range(10):
        link, _ = _link(acme, label=f"l{n}")
        if n % 2:
            share_link_revoke(link=link, actor=acme.owner)
    with CaptureQueriesContext(connection) as many:
        client.get(_manage(acme))
    assert len(many.captured_queries) == len(few.captured_queries)


# --- The public page ------------------------------------------------------------------------------


def test_an_anonymous_visitor_sees_the_roadmap_read_only(acme):
    _, token = _link(acme)
    response = Client().get(_public(token))
    assert response.status_code == 200
    html = response.content.decode()
    for title in ("Onboarding revamp", "Billing v2", "Mobile app", "Spring 1.0", "Growth"):
        assert title in html
    assert html.count('data-testid="shared-initiative"') == 3  # the cancelled one is left out
    assert html.count('data-testid="shared-bar"') == 2  # the dated ones
    assert 'data-testid="shared-release"' in html
    # No edit control and no way into the app.
    assert "<form" not in html and "<button" not in html and "<input" not in html
    assert "data-drag-handle" not in html and "hx-" not in html and "<script" not in html
    assert re.findall(r'href="([^"]+)"', html) == [
        "/static/pmhub/favicon.svg",
        "/static/vendor/bootstrap/bootstrap.min.css",
        "/static/pmhub/app.css",
        "/static/pmhub/delivery.css",
    ]
    # Nothing beyond the roadmap: no owners, descriptions or the cancelled initiative.
    assert acme.owner.username not in html and "@example.com" not in html
    assert "Internal: talk to legal" not in html and "Dropped idea" not in html


def test_the_public_page_asks_not_to_be_indexed_cached_or_referred(acme):
    _, token = _link(acme)
    response = Client().get(_public(token))
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies  # no session, no CSRF cookie


def test_a_signed_in_member_sees_the_same_page_without_the_apps_navigation(acme):
    _, token = _link(acme)
    html = _client(acme.owner).get(_public(token)).content.decode()
    assert "Log out" not in html and "navbar" not in html


def test_another_products_roadmap_never_shows(acme):
    other = make_tenant("Other")
    initiative_create(product=other.product, actor=other.owner, title="Their secret plan")
    second = services.product_create(workspace=acme.workspace, actor=acme.owner, name="Second")
    initiative_create(product=second, actor=acme.owner, title="Our other product's plan")
    _, token = _link(acme)
    html = Client().get(_public(token)).content.decode()
    assert "Their secret plan" not in html and "Our other product" not in html
    assert "Acme Product" in html


@pytest.mark.parametrize(
    "how", ["revoked", "expired", "tampered", "forged", "mismatched", "other_salt", "huge", "junk"]
)
def test_a_dead_or_bad_token_is_a_404(acme, how):
    link, token = _link(acme)
    other_link, _ = _link(acme, label="other")
    if how == "revoked":
        share_link_revoke(link=link, actor=acme.owner)
    elif how == "expired":
        ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(1))
    elif how == "tampered":
        token = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    elif how == "forged":
        token = signing.dumps([link.pk, link.nonce], salt="roadmaps.share-link", key="x" * 50)
    elif how == "mismatched":  # a real link's id with another link's nonce, properly signed
        token = signing.dumps([link.pk, other_link.nonce], salt="roadmaps.share-link")
    elif how == "other_salt":
        token = signing.dumps([link.pk, link.nonce])
    elif how == "huge":
        token = "a" * 5000
    else:
        token = "not-a-token"
    response = Client().get(_public(token))
    assert response.status_code == 404
    assert "Onboarding revamp" not in response.content.decode()


def test_an_archived_products_link_is_a_404(acme):
    _, token = _link(acme)
    services.product_set_archived(product=acme.product, actor=acme.owner, archived=True)
    assert Client().get(_public(token)).status_code == 404


def test_the_public_page_reads_a_fixed_number_of_queries(acme):
    _, token = _link(acme)
    client = Client()
    with CaptureQueriesContext(connection) as few:
        client.get(_public(token))
    for n in range(20):
        initiative_create(
            product=acme.product,
            actor=acme.owner,
            title=f"Extra {n}",
            starts_on=date(2026, 1, 1) + timedelta(days=n),
            ends_on=date(2026, 6, 1),
        )
        release_create(
            product=acme.product,
            actor=acme.owner,
            name=f"R{n}",
            target_date=date(2026, 1, 1) + timedelta(days=7 * n),
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(_public(token)).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries) == 3
