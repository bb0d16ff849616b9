"""Write keys: created, listed and revoked through the API, the "Event sources" page and the CLI.

A new key is shown once and works at once for ingestion; a revoked key is refused (401).
"""

from __future__ import annotations

import os
import re
from io import StringIO
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from metrics.models import Event, WriteKey
from metrics.services.write_keys import write_key_create
from pmhub import services
from pmhub.capabilities import Role
from pmhub.models import AuditEvent
from tests import factories

KEY_LINE = re.compile(r"wk_[A-Za-z0-9_-]{32}\n")
LIST = reverse("api:metrics:write-key-list")


def detail(key: WriteKey) -> str:
    return reverse("api:metrics:write-key-detail", args=[key.pk])


def sources(product) -> str:
    return reverse("metrics:product-sources", args=[product.slug])


def track(message_id: str) -> dict:
    return {"type": "track", "event": "Signed Up", "userId": "u1", "messageId": message_id}


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- API -----------------------------------------------------------------------------------------


def test_api_creates_a_key_shown_once_that_ingestion_accepts_at_once(source, api_as):
    api = api_as(source.tenant.owner, source.tenant.workspace)
    created = api.post(LIST, {"product": source.product.pk, "name": "backend"}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    raw = body["key"]
    assert KEY_LINE.fullmatch(raw + "\n")
    assert body["product"] == source.product.pk
    assert body["name"] == "backend" and body["active"] is True
    assert raw.startswith(body["prefix"])
    key = WriteKey.objects.get(pk=body["id"])
    assert raw not in (key.key_hash, key.prefix)  # only a hash is stored

    shown_again = api.get(detail(key)).json()
    assert "key" not in shown_again and raw not in str(api.get(LIST).json())

    assert source.post("/v1/track", track("m-new"), key=raw).status_code == 200
    assert Event.objects.get(message_id="m-new").product == source.product
    assert AuditEvent.objects.filter(action="write_key.created", target_id=str(key.pk)).exists()


def test_api_lists_keys_newest_first_and_filters_by_product(source, api_as):
    tenant = source.tenant
    other = services.product_create(workspace=tenant.workspace, actor=tenant.owner, name="Other")
    other_key, _ = write_key_create(product=other, actor=tenant.owner, name="other")
    api = api_as(tenant.owner, tenant.workspace)

    everything = api.get(LIST).json()
    assert everything["count"] == 2
    assert everything["results"][0]["id"] == other_key.pk  # newest first
    only = api.get(LIST, {"product": other.pk}).json()["results"]
    assert [row["id"] for row in only] == [other_key.pk]
    for bad in ("abc", "0", "1.5", "9" * 30):
        response = api.get(LIST, {"product": bad})
        assert response.status_code == 400 and "product" in response.json()["fields"], bad


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x"}, "product"),
        ({"product": "abc", "name": "x"}, "product"),
        ({"product": 10**30, "name": "x"}, "product"),
        ({"product": 999_999, "name": "x"}, "product"),
        ({"product": "PRODUCT", "name": "   "}, "name"),
        ({"product": "PRODUCT", "name": 12}, "name"),
        ({"product": "PRODUCT", "name": "x" * 101}, "name"),
        ({"product": "PRODUCT"}, "name"),
        ({"product": "PRODUCT", "name": "x", "key_hash": "abc"}, "key_hash"),
        ({"product": "PRODUCT", "name": "x", "prefix": "wk_mine"}, "prefix"),
    ],
)
def test_api_create_refuses_bad_input_naming_the_field(source, api_as, body, field):
    api = api_as(source.tenant.owner, source.tenant.workspace)
    body = {k: source.product.pk if v == "PRODUCT" else v for k, v in body.items()}
    before = WriteKey.objects.count()
    response = api.post(LIST, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert WriteKey.objects.count() == before


def test_api_create_refuses_another_workspaces_product_as_a_400_naming_product(
    source, tenant_b, api_as
):
    api = api_as(source.tenant.owner, source.tenant.workspace)
    response = api.post(LIST, {"product": tenant_b.product.pk, "name": "sneaky"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"product": ["No product of this workspace has this id."]}
    assert not WriteKey.objects.filter(product=tenant_b.product).exists()


def test_api_create_refuses_an_archived_product(source, api_as):
    tenant = source.tenant
    services.product_set_archived(product=source.product, actor=tenant.owner, archived=True)
    api = api_as(tenant.owner, tenant.workspace)
    response = api.post(LIST, {"product": source.product.pk, "name": "x"}, format="json")
    assert response.status_code == 400 and "archived" in response.json()["fields"]["product"][0]


def test_api_delete_revokes_the_key_and_ingestion_refuses_it(source, api_as):
    api = api_as(source.tenant.owner, source.tenant.workspace)
    key = WriteKey.objects.get(product=source.product)
    assert api.delete(detail(key)).status_code == 204
    assert api.delete(detail(key)).status_code == 204  # idempotent
    shown = api.get(detail(key)).json()
    assert shown["active"] is False and shown["revoked_at"]
    response = source.post("/v1/track", track("after-revoke"))
    assert response.status_code == 401
    assert not Event.objects.filter(message_id="after-revoke").exists()
    assert AuditEvent.objects.filter(action="write_key.revoked").count() == 1


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CONTRIBUTOR])
def test_people_who_may_not_manage_keys_get_403_and_change_nothing(source, api_as, role):
    user = factories.make_member(source.tenant.workspace, role)
    api = api_as(user, source.tenant.workspace)
    key = WriteKey.objects.get(product=source.product)
    assert api.get(LIST).status_code == 403
    assert api.get(detail(key)).status_code == 403
    assert (
        api.post(LIST, {"product": source.product.pk, "name": "x"}, format="json").status_code
        == 403
    )
    assert api.delete(detail(key)).status_code == 403
    assert list(WriteKey.objects.values_list("pk", "revoked_at")) == [(key.pk, None)]


# --- The "Event sources" page --------------------------------------------------------------------


def test_page_lists_keys_with_prefix_name_and_last_use(source):
    key = WriteKey.objects.get(product=source.product)
    source.post("/v1/track", track("m1"))  # records the key's last use
    page = page_client(source.tenant.owner).get(sources(source.product))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"{key.prefix}…" in html and "web" in html
    assert reverse("metrics:write-key-revoke", args=[source.product.slug, key.pk]) in html
    assert "never" not in html.split('data-testid="write-key-table"')[1].split("</table>")[0]
    assert source.key not in html  # the raw key is never shown again


def test_page_creates_a_key_shows_it_once_with_snippets_for_this_server(source):
    client = page_client(source.tenant.owner)
    response = client.post(sources(source.product), {"name": "mobile"})
    assert response.status_code == 200
    raw = response.context["new_key"]
    html = response.content.decode()
    assert 'data-testid="new-write-key"' in html and f'value="{raw}"' in html
    snippets = html.split('data-testid="snippets"')[1]
    assert f'analytics.write_key = "{raw}"' in snippets
    assert 'analytics.host = "http://testserver"' in snippets
    assert f'Posthog("{raw}", host="http://testserver")' in snippets
    assert 'apiHost: "testserver/v1", protocol: "http"' in snippets
    assert source.post("/v1/track", track("from-mobile"), key=raw).status_code == 200

    again = client.get(sources(source.product)).content.decode()
    assert raw not in again and "mobile" in again and "YOUR_WRITE_KEY" in again


def test_page_refuses_a_blank_name_with_a_form_error(source):
    response = page_client(source.tenant.owner).post(sources(source.product), {"name": "  "})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert WriteKey.objects.filter(product=source.product).count() == 1


def test_page_refuses_a_key_for_an_archived_product(source):
    services.product_set_archived(product=source.product, actor=source.tenant.owner, archived=True)
    response = page_client(source.tenant.owner).post(sources(source.product), {"name": "late"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not WriteKey.objects.filter(name="late").exists()


def test_page_revokes_a_key(source):
    key = WriteKey.objects.get(product=source.product)
    client = page_client(source.tenant.owner)
    response = client.post(reverse("metrics:write-key-revoke", args=[source.product.slug, key.pk]))
    assert response.status_code == 302 and response["Location"] == sources(source.product)
    key.refresh_from_db()
    assert key.revoked_at is not None
    html = client.get(sources(source.product)).content.decode()
    assert "revoked" in html
    assert reverse("metrics:write-key-revoke", args=[source.product.slug, key.pk]) not in html


def test_the_product_activity_feed_tells_who_created_and_revoked_a_key(source):
    key = WriteKey.objects.get(product=source.product)
    client = page_client(source.tenant.owner)
    client.post(reverse("metrics:write-key-revoke", args=[source.product.slug, key.pk]))
    feed = client.get(reverse("product-detail", args=[source.product.slug])).content.decode()
    assert "created the write key" in feed and "revoked the write key" in feed
    assert f"web ({key.prefix}…)" in feed and source.key not in feed


def test_revoking_through_another_products_url_is_404(source):
    tenant = source.tenant
    other = services.product_create(workspace=tenant.workspace, actor=tenant.owner, name="Other")
    key = WriteKey.objects.get(product=source.product)
    url = reverse("metrics:write-key-revoke", args=[other.slug, key.pk])
    assert page_client(tenant.owner).post(url).status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


@pytest.mark.parametrize(
    ("role", "manages"),
    [(Role.VIEWER, False), (Role.CONTRIBUTOR, False), (Role.EDITOR, True), (Role.ADMIN, True)],
)
def test_product_and_explorer_pages_offer_event_sources_only_to_those_who_may(
    source, role, manages
):
    user = factories.make_member(source.tenant.workspace, role)
    client = page_client(user)
    product_page = client.get(reverse("product-detail", args=[source.product.slug]))
    explorer = client.get(reverse("metrics:product-events", args=[source.product.slug]))
    sources_url = sources(source.product)
    assert reverse("metrics:product-events", args=[source.product.slug]) in (
        product_page.content.decode()
    )
    assert (sources_url in product_page.content.decode()) is manages
    assert (sources_url in explorer.content.decode()) is manages
    assert client.get(sources_url).status_code == (200 if manages else 403)


# --- manage.py issue_write_key -------------------------------------------------------------------


def issue(*args: str) -> str:
    out = StringIO()
    call_command("issue_write_key", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_command_prints_only_a_working_key(source):
    tenant = source.tenant
    printed = issue(tenant.workspace.slug, source.product.slug, "--name", "warehouse export")
    assert KEY_LINE.fullmatch(printed), printed
    key = WriteKey.objects.get(name="warehouse export")
    assert key.product == source.product and key.created_by is None
    assert source.post("/v1/track", track("from-cli"), key=printed.strip()).status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere", "PRODUCT"], "No workspace with the slug 'nowhere'."),
        (["WORKSPACE", "nothing"], "No product with the slug 'nothing' in workspace"),
        (["WORKSPACE", "B_PRODUCT"], "No product with the slug"),
        (["WORKSPACE", "PRODUCT", "--name", "  "], "Give the write key a name."),
    ],
)
def test_command_refuses_unknown_workspace_or_product_clearly(source, tenant_b, args, message):
    names = {
        "WORKSPACE": source.tenant.workspace.slug,
        "PRODUCT": source.product.slug,
        "B_PRODUCT": tenant_b.product.slug,
    }
    if tenant_b.product.slug == source.product.slug:  # make "B's product" a slug A lacks
        tenant_b.product.slug = "bravo-only"
        tenant_b.product.save(update_fields=["slug"])
        names["B_PRODUCT"] = "bravo-only"
    before = WriteKey.objects.count()
    with pytest.raises(CommandError, match=re.escape(message)):
        issue(*[names.get(arg, arg) for arg in args])
    assert WriteKey.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_operator_issues_a_write_key_from_the_shell():
    from django.conf import settings

    tenant = factories.make_tenant("Shell")
    parts = urlsplit(os.environ["DATABASE_URL"])
    database_url = urlunsplit(parts._replace(path="/" + settings.DATABASES["default"]["NAME"]))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pmhub.settings.test",
        "DATABASE_URL": database_url,
    }
    ok = factories.run_manage(
        "issue_write_key", tenant.workspace.slug, tenant.product.slug, env=env
    )
    assert ok.returncode == 0, ok.stderr
    assert KEY_LINE.fullmatch(ok.stdout) and ok.stderr == ""
    assert WriteKey.objects.filter(product=tenant.product).count() == 1
    refused = factories.run_manage("issue_write_key", tenant.workspace.slug, "nope", env=env)
    assert refused.returncode == 1 and refused.stdout == ""
    assert "No product with the slug 'nope'" in refused.stderr
