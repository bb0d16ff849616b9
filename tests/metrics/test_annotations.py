"""Annotations: dated notes on a product's charts, from people (API, dashboard form) and from other
apps (the service, without a request), drawn by every chart and listed under the dashboard's."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics.models import Annotation
from metrics.services.annotations import annotation_create, annotation_delete
from metrics.services.recompute import metrics_recompute_all
from pmhub.capabilities import Role
from pmhub.errors import ApplicationError
from pmhub.models import AuditEvent
from tests.factories import api_client, make_member
from tests.metrics.test_dashboard_pages import ACTIVITY, HTMX, dashboard, send_activity


@pytest.fixture
def computed(source):
    send_activity(source, ACTIVITY)
    metrics_recompute_all(product=source.product)
    return source


def _list_url(product) -> str:
    return reverse("api:metrics:annotation-list", args=[product.pk])


# --- The service -------------------------------------------------------------------------------


def test_another_app_writes_an_annotation_without_a_request(tenant_a):
    note = annotation_create(
        product=tenant_a.product,
        actor=None,
        day=date(2024, 3, 11),
        text="  v2.3   shipped ",
        url="https://example.com/releases/2.3",
        source="roadmaps",
    )
    note.refresh_from_db()
    assert (note.text, note.source, note.created_by) == ("v2.3 shipped", "roadmaps", None)
    event = AuditEvent.objects.get(action="annotation.created", target_id=str(note.pk))
    assert event.actor is None and event.product == tenant_a.product


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"text": "   "}, "text"),
        ({"text": "x" * 201}, "text"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "ftp://example.com/x"}, "url"),
        ({"source": "Road maps"}, "source"),
        ({"source": ""}, "source"),
        ({"day": date(1999, 12, 31)}, "day"),
    ],
)
def test_the_service_refuses_bad_fields_naming_them_and_writes_nothing(tenant_a, fields, field):
    good = {"day": date(2024, 3, 11), "text": "Pricing change", "url": "", "source": "manual"}
    with pytest.raises(ApplicationError) as refused:
        annotation_create(product=tenant_a.product, actor=tenant_a.owner, **{**good, **fields})
    assert refused.value.field == field
    assert not Annotation.objects.exists()
    assert not AuditEvent.objects.filter(action="annotation.created").exists()


def test_deleting_is_audited(tenant_a):
    note = annotation_create(
        product=tenant_a.product, actor=tenant_a.owner, day=date(2024, 3, 4), text="Launch"
    )
    annotation_delete(annotation=note, actor=tenant_a.owner)
    assert not Annotation.objects.exists()
    assert AuditEvent.objects.filter(action="annotation.deleted", actor=tenant_a.owner).exists()


# --- The API ----------------------------------------------------------------------------------


def test_api_creates_lists_by_range_and_deletes(tenant_a):
    api = api_client(tenant_a.owner, tenant_a.workspace)
    url = _list_url(tenant_a.product)
    for day, text in (("2024-03-04", "Launch"), ("2024-03-11", "Pricing change")):
        created = api.post(url, {"day": day, "text": text}, format="json")
        assert created.status_code == 201, created.content
    body = created.json()
    assert body["source"] == "manual" and body["created_by"]["id"] == tenant_a.owner.pk
    assert [a["text"] for a in api.get(url).json()["results"]] == ["Launch", "Pricing change"]
    narrowed = api.get(url, {"from": "2024-03-05", "to": "2024-03-31"}).json()["results"]
    assert [a["text"] for a in narrowed] == ["Pricing change"]
    gone = api.delete(
        reverse("api:metrics:annotation-detail", args=[tenant_a.product.pk, body["id"]])
    )
    assert gone.status_code == 204
    assert list(Annotation.objects.values_list("text", flat=True)) == ["Launch"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "No day"}, "day"),
        ({"day": "11 March", "text": "x"}, "day"),
        ({"day": "2024-03-11"}, "text"),
        ({"day": "2024-03-11", "text": ""}, "text"),
        ({"day": "2024-03-11", "text": 5}, "text"),
        ({"day": "2024-03-11", "text": "x", "url": "not a url"}, "url"),
        ({"day": "2024-03-11", "text": "x", "source": "roadmaps"}, "source"),
        ({"day": "2024-03-11", "text": "x", "created_by": 1}, "created_by"),
    ],
)
def test_api_bad_input_is_a_400_naming_the_field_and_writes_nothing(tenant_a, body, field):
    api = api_client(tenant_a.owner, tenant_a.workspace)
    response = api.post(_list_url(tenant_a.product), body, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {field}
    assert not Annotation.objects.exists()


@pytest.mark.parametrize(
    ("params", "field"), [({"from": "2024-03-10", "to": "2024-03-01"}, "from"), ({"to": "x"}, "to")]
)
def test_api_bad_range_is_a_400_naming_the_parameter(tenant_a, params, field):
    api = api_client(tenant_a.owner, tenant_a.workspace)
    response = api.get(_list_url(tenant_a.product), params)
    assert response.status_code == 400 and set(response.json()["fields"]) == {field}


def test_api_list_reads_a_fixed_number_of_queries(tenant_a):
    api = api_client(tenant_a.owner, tenant_a.workspace)
    url = _list_url(tenant_a.product)

    def count(n: int) -> int:
        for i in range(n):
            annotation_create(
                product=tenant_a.product, actor=tenant_a.owner, day=date(2024, 1, 1 + i), text="x"
            )
        api.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert api.get(url).status_code == 200
        return len(queries)

    assert count(2) == count(20)


def test_the_series_carries_the_annotations_of_its_buckets(computed):
    product = computed.product
    for day, text in (("2024-03-03", "Before"), ("2024-03-05", "Launch"), ("2024-03-31", "Late")):
        annotation_create(
            product=product, actor=None, day=date.fromisoformat(day), text=text, source="roadmaps"
        )
    api = api_client(computed.tenant.owner, computed.tenant.workspace)
    url = reverse("api:metrics:metric-series", args=[product.pk, "dau"])
    daily = api.get(url, {"from": "2024-03-04", "to": "2024-03-18"}).json()
    assert daily["annotations"] == [
        {"day": "2024-03-05", "text": "Launch", "url": "", "source": "roadmaps"}
    ]
    # A month bucket covers the whole month, so the note of 31 March is within it.
    monthly = api.get(url, {"from": "2024-03-01", "to": "2024-03-01", "interval": "month"}).json()
    assert [a["text"] for a in monthly["annotations"]] == ["Before", "Launch", "Late"]


# --- The dashboard -----------------------------------------------------------------------------


@pytest.fixture
def owner(computed) -> Client:
    client = Client()
    client.force_login(computed.tenant.owner)
    return client


def _chart_data(html: str) -> dict:
    start = html.index('<script id="dashboard-data" type="application/json">')
    raw = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    return json.loads(raw)


def test_the_dashboard_lists_and_places_the_annotations_of_its_range(computed, owner):
    product = computed.product
    annotation_create(product=product, actor=None, day=date(2024, 3, 11), text="Pricing change")
    annotation_create(product=product, actor=None, day=date(2024, 1, 1), text="Out of range")
    html = owner.get(dashboard(product, **{"from": "2024-03-04", "to": "2024-03-18"})).content
    html = html.decode()
    assert "Pricing change" in html and "Out of range" not in html
    charts = _chart_data(html)
    assert charts["annotations"] == [
        # 11 March is the 8th day of the range; its week is the second cohort shown.
        {"day": "2024-03-11", "text": "Pricing change", "at": 7, "week_at": 1}
    ]


def test_the_add_form_swaps_the_body_with_the_new_annotation_in_the_same_range(computed, owner):
    product = computed.product
    query = "from=2024-03-04&to=2024-03-18&interval=week"
    response = owner.post(
        reverse("metrics:annotation-add", args=[product.slug]),
        {"day": "2024-03-11", "text": "v2.3 shipped", "url": "", "query": query},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="dashboard-body"')
    assert 'data-interval="week"' in html and "v2.3 shipped" in html
    assert _chart_data(html)["annotations"][0]["at"] == 1  # the week of 11 March
    note = Annotation.objects.get()
    assert note.created_by == computed.tenant.owner and note.source == "manual"


def test_without_htmx_the_add_form_redirects_back_to_the_range(computed, owner):
    product = computed.product
    response = owner.post(
        reverse("metrics:annotation-add", args=[product.slug]),
        {"day": "2024-03-11", "text": "Launch", "query": "days=30&evil=1"},
    )
    assert response.status_code == 302
    assert response.url == dashboard(product, days=30)


def test_bad_form_input_shows_the_error_on_its_field_and_writes_nothing(computed, owner):
    response = owner.post(
        reverse("metrics:annotation-add", args=[computed.product.slug]),
        {"day": "2024-03-11", "text": "", "url": "javascript:alert(1)"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-field-error="text"' in html and 'data-field-error="url"' in html
    assert not Annotation.objects.exists()


def test_delete_button_removes_the_annotation(computed, owner):
    note = annotation_create(
        product=computed.product, actor=None, day=date(2024, 3, 11), text="Oops"
    )
    response = owner.post(
        reverse("metrics:annotation-remove", args=[computed.product.slug, note.pk]),
        {"query": "from=2024-03-04&to=2024-03-18"},
        **HTMX,
    )
    assert response.status_code == 200 and "Oops" not in response.content.decode()
    assert not Annotation.objects.exists()


def test_viewers_see_annotations_but_no_form(computed):
    annotation_create(product=computed.product, actor=None, day=date(2024, 3, 11), text="Seen")
    viewer = make_member(computed.tenant.workspace, Role.VIEWER)
    client = Client()
    client.force_login(viewer)
    html = client.get(dashboard(computed.product)).content.decode()
    assert "Seen" in html
    assert reverse("metrics:annotation-add", args=[computed.product.slug]) not in html
    assert "Delete the annotation" not in html
