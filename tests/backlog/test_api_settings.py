"""Labels, custom fields and backlog settings through the API: CRUD, and refusals that name the
field and write nothing (a bad custom formula says where it goes wrong)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from backlog.models import BacklogSettings, CustomField, Item, Label
from backlog.tasks import rescore_product
from pmhub.capabilities import Role
from tests.backlog.sample_backlog import SampleBacklog, backlog_snapshot, make_backlog
from tests.factories import api_client, make_member, make_tenant


@pytest.fixture
def acme(db):
    tenant = make_tenant("Acme")
    tenant.extra["backlog"] = make_backlog(tenant.product, tenant.owner, "acme")
    tenant.extra["api"] = api_client(tenant.owner, tenant.workspace)
    return tenant


def _b(tenant) -> SampleBacklog:
    return tenant.extra["backlog"]


def _url(name: str, *args: Any) -> str:
    return reverse(f"api:backlog:{name}", args=args)


def _send(tenant, method: str, name: str, *args: Any, body: Any = None):
    client = tenant.extra["api"]
    if method == "get":
        return client.get(_url(name, *args))
    return getattr(client, method)(_url(name, *args), body or {}, format="json")


def _refused(response, field: str) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["fields"], body
    return body


# --- Labels ---------------------------------------------------------------------------------------


def test_labels_are_listed_created_changed_and_deleted(acme):
    sample = _b(acme)
    listed = _send(acme, "get", "label-list", acme.product.pk).json()
    assert [row["name"] for row in listed["results"]] == ["acme-label"]
    created = _send(acme, "post", "label-list", acme.product.pk, body={"name": "ux"})
    assert created.status_code == 201, created.content
    assert created.json()["colour"] == "#64748b" and created.json()["product"] == acme.product.pk
    pk = created.json()["id"]
    changed = _send(acme, "patch", "label-detail", pk, body={"colour": "#ff0000", "name": "UX"})
    assert changed.json()["name"] == "UX" and changed.json()["colour"] == "#ff0000"
    assert _send(acme, "get", "label-detail", pk).json() == changed.json()
    assert _send(acme, "delete", "label-detail", sample.label.pk).status_code == 204
    assert not Label.objects.filter(pk=sample.label.pk).exists()
    assert not Item.objects.get(pk=sample.feature.pk).labels.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "ACME-LABEL"}, "name"),  # taken, whatever the case
        ({"name": "x", "colour": "red"}, "colour"),
        ({"name": "x", "product": 1}, "product"),
        ({"name": "x" * 41}, "name"),
    ],
    ids=str,
)
def test_a_bad_label_is_a_400_naming_the_field(acme, body, field):
    before = backlog_snapshot(acme.workspace)
    _refused(_send(acme, "post", "label-list", acme.product.pk, body=body), field)
    assert backlog_snapshot(acme.workspace) == before


# --- Custom fields --------------------------------------------------------------------------------


def test_custom_fields_are_listed_created_changed_and_deleted_with_their_values(acme):
    sample = _b(acme)
    created = _send(
        acme,
        "post",
        "custom-field-list",
        acme.product.pk,
        body={"key": "tier", "name": "Tier", "kind": "select", "options": ["smb", "ent"]},
    )
    assert created.status_code == 201, created.content
    assert created.json()["options"] == ["smb", "ent"]
    listed = _send(acme, "get", "custom-field-list", acme.product.pk).json()["results"]
    assert [row["key"] for row in listed] == ["segment_size", "tier"]
    pk = created.json()["id"]
    changed = _send(
        acme, "patch", "custom-field-detail", pk, body={"options": ["smb", "mid", "ent"]}
    )
    assert changed.status_code == 200 and changed.json()["options"] == ["smb", "mid", "ent"]
    response = _send(acme, "delete", "custom-field-detail", sample.field.pk)
    assert response.status_code == 204
    assert Item.objects.get(pk=sample.story.pk).custom == {}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"key": "tier", "name": "Tier"}, "kind"),
        ({"key": "Tier!", "name": "Tier", "kind": "text"}, "key"),
        ({"key": "reach", "name": "Reach", "kind": "number"}, "key"),  # a built-in input
        ({"key": "segment_size", "name": "Again", "kind": "number"}, "key"),
        ({"key": "tier", "name": "Tier", "kind": "select"}, "options"),
        ({"key": "tier", "name": "Tier", "kind": "select", "options": ["a", "a"]}, "options"),
        ({"key": "tier", "name": "Tier", "kind": "colour"}, "kind"),
        ({"key": "tier", "name": "", "kind": "text"}, "name"),
    ],
    ids=str,
)
def test_a_bad_custom_field_is_a_400_naming_the_field(acme, body, field):
    before = backlog_snapshot(acme.workspace)
    _refused(_send(acme, "post", "custom-field-list", acme.product.pk, body=body), field)
    assert backlog_snapshot(acme.workspace) == before


def test_a_custom_fields_key_and_kind_cannot_change(acme):
    pk = _b(acme).field.pk
    before = backlog_snapshot(acme.workspace)
    _refused(_send(acme, "patch", "custom-field-detail", pk, body={"key": "other"}), "key")
    _refused(_send(acme, "patch", "custom-field-detail", pk, body={"kind": "text"}), "kind")
    assert backlog_snapshot(acme.workspace) == before
    assert CustomField.objects.get(pk=pk).key == "segment_size"


def test_a_contributor_may_add_labels_but_not_custom_fields(acme):
    dev = make_member(acme.workspace, Role.CONTRIBUTOR, username="acme-dev")
    api = api_client(dev, acme.workspace)
    url = _url("custom-field-list", acme.product.pk)
    assert (
        api.post(url, {"key": "x", "name": "X", "kind": "text"}, format="json").status_code == 403
    )
    label = api.post(_url("label-list", acme.product.pk), {"name": "dev"}, format="json")
    assert label.status_code == 201


# --- Settings -------------------------------------------------------------------------------------


def test_settings_are_read_and_changed(acme):
    response = _send(acme, "get", "backlog-settings", acme.product.pk)
    assert response.status_code == 200
    assert response.json() == {
        "product": acme.product.pk,
        "framework": "rice",
        "formula": "",
        "scale": "fibonacci",
        "wip_limits": {},
        "scores_stale": False,
    }
    response = _send(
        acme,
        "patch",
        "backlog-settings",
        acme.product.pk,
        body={"scale": "linear", "wip_limits": {"in_progress": 4, "in_review": 2}},
    )
    assert response.status_code == 200, response.content
    assert response.json()["wip_limits"] == {"in_progress": 4, "in_review": 2}
    assert BacklogSettings.objects.get(product=acme.product).scale == "linear"


def test_a_new_framework_marks_scores_stale_until_the_task_rescores_every_item(acme):
    response = _send(
        acme,
        "patch",
        "backlog-settings",
        acme.product.pk,
        body={"framework": "custom", "formula": "reach * confidence / 100 + 1"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["scores_stale"] is True
    rescore_product(acme.product.pk)  # what the queued task runs
    settings = _send(acme, "get", "backlog-settings", acme.product.pk).json()
    assert settings["framework"] == "custom" and settings["scores_stale"] is False
    assert Item.objects.get(pk=_b(acme).feature.pk).score == pytest.approx(801)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"framework": "custom", "formula": "reach * (impact"}, "formula"),
        ({"framework": "custom", "formula": "reach * unknown_name"}, "formula"),
        ({"framework": "custom", "formula": "reach +"}, "formula"),
        ({"framework": "gut feeling"}, "framework"),
        ({"scale": "metres"}, "scale"),
        ({"wip_limits": {"someday": 3}}, "wip_limits"),
        ({"wip_limits": {"in_progress": 0}}, "wip_limits.in_progress"),
        ({"wip_limits": ["in_progress"]}, "wip_limits"),
        ({"scores_stale": True}, "scores_stale"),
        ({"product": 1}, "product"),
        ({"formula": "x" * 501}, "formula"),
    ],
    ids=str,
)
def test_bad_settings_are_a_400_naming_the_field(acme, body, field):
    before = backlog_snapshot(acme.workspace)
    _refused(_send(acme, "patch", "backlog-settings", acme.product.pk, body=body), field)
    assert backlog_snapshot(acme.workspace) == before


def test_a_bad_formula_says_where_it_goes_wrong(acme):
    body = _refused(
        _send(
            acme,
            "patch",
            "backlog-settings",
            acme.product.pk,
            body={"framework": "custom", "formula": "reach * * effort"},
        ),
        "formula",
    )
    assert "position 8" in body["fields"]["formula"][0], body


def test_settings_of_another_workspace_are_a_404(acme):
    bravo = make_tenant("Bravo")
    assert _send(acme, "get", "backlog-settings", bravo.product.pk).status_code == 404
