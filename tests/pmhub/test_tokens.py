"""Personal API tokens: stored as a hash, shown once, refused when revoked or expired, and their
``last_used_at`` kept up to date."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from pmhub.capabilities import Role
from pmhub.models import ApiToken, AuditEvent
from pmhub.tokens import LAST_USED_RESOLUTION, TOKEN_PREFIX, token_create, token_revoke
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def assert_unauthorized(response) -> None:
    assert response.status_code == 401
    body = response.json()
    assert set(body) >= {"code", "message"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def database_holds(text: str) -> bool:
    """Whether any text column of the token and audit tables contains ``text``."""
    tables = [ApiToken._meta.db_table, AuditEvent._meta.db_table]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from models
            for row in cursor.fetchall():
                if any(text in str(value) for value in row if value is not None):
                    return True
    return False


# --- Stored hashed, shown once --------------------------------------------------------------------


def test_token_created_through_the_api_is_stored_only_as_its_hash(tenant_a, api_as):
    response = api_as(tenant_a.owner, tenant_a.workspace).post(
        "/api/v1/tokens/", {"name": "Jira sync"}, format="json"
    )
    assert response.status_code == 201
    raw = response.json()["token"]
    assert raw.startswith(TOKEN_PREFIX)

    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(token.prefix) and len(token.prefix) < len(raw)
    assert not database_holds(raw)


def test_token_is_shown_once_and_never_again(tenant_a, api_as):
    client = api_as(tenant_a.owner, tenant_a.workspace)
    created = client.post("/api/v1/tokens/", {"name": "CI"}, format="json").json()
    raw = created["token"]

    detail = client.get(f"/api/v1/tokens/{created['id']}/").json()
    listing = client.get("/api/v1/tokens/").json()
    assert "token" not in detail
    assert all("token" not in row for row in listing["results"])
    assert raw not in str(detail) and raw not in str(listing)
    assert detail["prefix"] == raw[: len(detail["prefix"])]


def test_token_created_on_the_settings_page_is_shown_once_and_stored_hashed(client, tenant_a):
    client.force_login(tenant_a.owner)
    response = client.post("/settings/tokens/", {"name": "Laptop"})
    assert response.status_code == 200
    raw = response.context["new_token"]
    assert raw.startswith(TOKEN_PREFIX)
    assert raw in response.content.decode()
    assert ApiToken.objects.filter(key_hash=hashlib.sha256(raw.encode()).hexdigest()).exists()
    assert not database_holds(raw)

    again = client.get("/settings/tokens/")
    assert raw not in again.content.decode()


def test_audit_trail_records_token_creation_and_revocation_without_the_secret(tenant_a):
    token, raw = token_create(user=tenant_a.owner, workspace=tenant_a.workspace, name="Audit me")
    token_revoke(token=token, actor=tenant_a.owner)
    actions = set(
        AuditEvent.objects.filter(target_type="apitoken", target_id=str(token.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions == {"token.created", "token.revoked"}
    assert not database_holds(raw)


def test_a_valid_token_authenticates_as_its_user_in_its_workspace(tenant_a):
    _, raw = token_create(user=tenant_a.owner, workspace=tenant_a.workspace, name="ok")
    response = bearer(raw).get("/api/v1/workspace/")
    assert response.status_code == 200
    assert response.json()["id"] == tenant_a.workspace.pk
    assert response.json()["role"] == Role.OWNER


# --- Refused tokens -------------------------------------------------------------------------------


def test_revoked_token_gets_401(tenant_a, api_as):
    _, raw = token_create(user=tenant_a.owner, workspace=tenant_a.workspace, name="soon gone")
    client = bearer(raw)
    assert client.get("/api/v1/products/").status_code == 200

    token = ApiToken.objects.get(key_hash=hashlib.sha256(raw.encode()).hexdigest())
    revoked = api_as(tenant_a.owner, tenant_a.workspace).delete(f"/api/v1/tokens/{token.pk}/")
    assert revoked.status_code == 204

    assert_unauthorized(client.get("/api/v1/products/"))
    assert_unauthorized(client.post("/api/v1/products/", {"name": "Nope"}, format="json"))


def test_a_token_can_revoke_itself_and_is_refused_afterwards(tenant_a):
    token, raw = token_create(user=tenant_a.owner, workspace=tenant_a.workspace, name="self")
    client = bearer(raw)
    assert client.delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    assert_unauthorized(client.get("/api/v1/workspace/"))


def test_expired_token_gets_401(tenant_a):
    token, raw = token_create(
        user=tenant_a.owner,
        workspace=tenant_a.workspace,
        name="short-lived",
        expires_at=timezone.now() + timedelta(days=1),
    )
    assert bearer(raw).get("/api/v1/workspace/").status_code == 200

    # The day passes.
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_unauthorized(bearer(raw).get("/api/v1/workspace/"))


def test_token_with_expiry_in_the_past_is_refused_at_creation(tenant_a, api_as):
    client = api_as(tenant_a.owner, tenant_a.workspace)
    before = ApiToken.objects.count()
    response = client.post(
        "/api/v1/tokens/",
        {"name": "late", "expires_at": "2000-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 400
    assert "expires_at" in response.json()["fields"]
    assert ApiToken.objects.count() == before


@pytest.mark.parametrize(
    "header",
    [
        "Bearer pmh_not-a-real-token-0000000000000000",
        "Bearer not-even-our-prefix",
        "Bearer",
        "Bearer two parts",
        "Bearer pmh_\u00e9\u00e9",
    ],
)
def test_unknown_or_malformed_bearer_token_gets_401(tenant_a, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_unauthorized(client.get("/api/v1/workspace/"))


def test_request_without_credentials_gets_401(db):
    assert_unauthorized(APIClient().get("/api/v1/products/"))


def test_token_of_a_deactivated_user_gets_401(tenant_a):
    _, raw = token_create(user=tenant_a.owner, workspace=tenant_a.workspace, name="x")
    tenant_a.owner.is_active = False
    tenant_a.owner.save(update_fields=["is_active"])
    assert_unauthorized(bearer(raw).get("/api/v1/workspace/"))


def test_hash_of_a_token_is_not_a_token(tenant_a):
    token, _ = token_create(user=tenant_a.owner, workspace=tenant_a.workspace, name="x")
    assert_unauthorized(bearer(token.key_hash).get("/api/v1/workspace/"))
    assert_unauthorized(bearer(TOKEN_PREFIX + token.key_hash).get("/api/v1/workspace/"))


def test_read_only_token_reads_but_gets_403_on_writes(tenant_a):
    _, raw = token_create(
        user=tenant_a.owner, workspace=tenant_a.workspace, name="ro", read_only=True
    )
    client = bearer(raw)
    before = ApiToken.objects.count()
    assert client.get("/api/v1/products/").status_code == 200
    response = client.post("/api/v1/tokens/", {"name": "escalate"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert ApiToken.objects.count() == before


# --- last_used_at ---------------------------------------------------------------------------------


def test_last_used_at_is_set_by_the_first_request(tenant_a):
    token, raw = token_create(user=tenant_a.owner, workspace=tenant_a.workspace, name="x")
    assert token.last_used_at is None
    before = timezone.now()
    assert bearer(raw).get("/api/v1/workspace/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert before <= token.last_used_at <= timezone.now()


def test_last_used_at_moves_forward_when_the_token_is_used_again_later(tenant_a):
    token, raw = token_create(user=tenant_a.owner, workspace=tenant_a.workspace, name="x")
    long_ago = timezone.now() - LAST_USED_RESOLUTION - timedelta(minutes=5)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=long_ago)

    assert bearer(raw).get("/api/v1/products/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > long_ago


def test_last_used_at_is_written_at_most_once_per_resolution_window(tenant_a):
    token, raw = token_create(user=tenant_a.owner, workspace=tenant_a.workspace, name="x")
    client = bearer(raw)
    client.get("/api/v1/workspace/")
    token.refresh_from_db()
    first = token.last_used_at

    client.get("/api/v1/workspace/")
    token.refresh_from_db()
    assert token.last_used_at == first


def test_refused_token_does_not_update_last_used_at(tenant_a):
    token, raw = token_create(user=tenant_a.owner, workspace=tenant_a.workspace, name="x")
    token_revoke(token=token, actor=tenant_a.owner)
    bearer(raw).get("/api/v1/workspace/")
    token.refresh_from_db()
    assert token.last_used_at is None


def test_last_used_at_is_shown_in_the_token_list(tenant_a):
    _, raw = token_create(user=tenant_a.owner, workspace=tenant_a.workspace, name="x")
    rows = bearer(raw).get("/api/v1/tokens/").json()["results"]
    assert [row["last_used_at"] for row in rows] != [None]


# --- Scope ----------------------------------------------------------------------------------------


def test_nobody_lists_or_revokes_another_members_tokens(tenant_a, api_as):
    editor = make_member(tenant_a.workspace, Role.EDITOR)
    owners_token, owners_raw = token_create(
        user=tenant_a.owner, workspace=tenant_a.workspace, name="owner's"
    )
    client = api_as(editor, tenant_a.workspace)

    listed = {row["id"] for row in client.get("/api/v1/tokens/").json()["results"]}
    assert owners_token.pk not in listed
    assert client.delete(f"/api/v1/tokens/{owners_token.pk}/").status_code == 404
    owners_token.refresh_from_db()
    assert owners_token.revoked_at is None
    assert bearer(owners_raw).get("/api/v1/workspace/").status_code == 200


def test_token_acts_only_in_its_own_workspace(tenant_a, tenant_b):
    # The same person in two workspaces: a token of one never reads the other.
    from pmhub.models import Membership

    Membership.objects.create(user=tenant_a.owner, workspace=tenant_b.workspace, role=Role.OWNER)
    _, raw = token_create(user=tenant_a.owner, workspace=tenant_a.workspace, name="a only")
    client = bearer(raw)
    assert client.get("/api/v1/workspace/").json()["id"] == tenant_a.workspace.pk
    assert client.get(f"/api/v1/products/{tenant_b.product.pk}/").status_code == 404
