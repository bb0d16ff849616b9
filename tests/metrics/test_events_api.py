"""The event explorer's API: ``/api/v1/products/<id>/events/`` and ``.../rejections/``.

Events arrive through the ingestion HTTP path (the ``source`` fixture posts like an SDK).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from metrics.models import Event
from pmhub.capabilities import Role
from tests.factories import make_member

EVENT_FIELDS = {
    "id",
    "message_id",
    "type",
    "name",
    "user_id",
    "anonymous_id",
    "person_id",
    "timestamp",
    "received_at",
    "properties",
    "traits",
    "context",
}


def events_url(product) -> str:
    return reverse("api:metrics:event-list", args=[product.pk])


def rejections_url(product) -> str:
    return reverse("api:metrics:rejection-list", args=[product.pk])


def send(source, *messages: dict) -> None:
    response = source.post("/v1/batch", {"batch": list(messages)})
    assert response.status_code in (200, 400), response.content


def msg(message_id: str, **fields) -> dict:
    body = {
        "type": "track",
        "event": "Signed Up",
        "userId": "u1",
        "messageId": message_id,
        "timestamp": "2026-03-01T10:00:00Z",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture
def api(source, api_as):
    return api_as(source.tenant.owner, source.tenant.workspace)


@pytest.fixture
def mixed(source):
    """Six events of several types, persons and times, sent in three requests."""
    send(
        source,
        msg("m1", event="Signed Up", userId="ada", timestamp="2026-03-01T08:00:00Z"),
        msg("m2", event="Viewed Pricing", userId=None, anonymousId="anon-7"),
    )
    send(
        source,
        msg(
            "m3",
            type="identify",
            event=None,
            userId="ada",
            anonymousId="anon-7",
            traits={"plan": "pro"},
        ),
        msg(
            "m4",
            type="page",
            event=None,
            name="Home",
            userId="bob",
            timestamp="2026-03-02T12:00:00Z",
        ),
    )
    send(
        source,
        msg(
            "m5",
            event="Signed Up",
            userId="bob",
            properties={"plan": "team", "seats": 3},
            timestamp="2026-03-03T09:30:00Z",
        ),
        msg(
            "m6",
            event="Purchased",
            userId="cy",
            properties={"revenue": 49.5},
            timestamp="2026-03-04T00:00:00+02:00",
        ),
    )


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["message_id"] for row in response.json()["results"]]


def test_lists_events_newest_arrival_first_with_every_field(source, api, mixed):
    response = api.get(events_url(source.product))
    body = response.json()
    assert body["count"] == 6
    assert ids(response) == ["m6", "m5", "m4", "m3", "m2", "m1"]
    first = body["results"][0]
    assert set(first) == EVENT_FIELDS
    stored = Event.objects.get(message_id="m6")
    assert first["id"] == stored.pk and first["person_id"] == stored.person_id
    assert first["properties"] == {"revenue": 49.5}
    assert first["timestamp"] == "2026-03-03T22:00:00Z"
    assert first["type"] == "track" and first["name"] == "Purchased"
    identify = next(row for row in body["results"] if row["message_id"] == "m3")
    assert identify["traits"] == {"plan": "pro"}
    assert identify["anonymous_id"] == "anon-7" and identify["user_id"] == "ada"


def test_pages_keep_the_total_count(source, api, mixed):
    first = api.get(events_url(source.product), {"page_size": 4}).json()
    assert first["count"] == 6 and len(first["results"]) == 4 and first["next"]
    second = api.get(events_url(source.product), {"page_size": 4, "page": 2}).json()
    assert [row["message_id"] for row in second["results"]] == ["m2", "m1"]
    assert second["next"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"event": "Signed Up"}, ["m5", "m1"]),
        ({"event": "signed up"}, []),  # names match exactly
        ({"type": "identify"}, ["m3"]),
        ({"type": "page"}, ["m4"]),
        ({"user_id": "bob"}, ["m5", "m4"]),
        ({"anonymous_id": "anon-7"}, ["m3", "m2"]),
        ({"person": "anon-7"}, ["m3", "m2"]),
        ({"person": "ada"}, ["m3", "m1"]),
        ({"person": "nobody"}, []),
        ({"since": "2026-03-02T12:00:00Z"}, ["m6", "m5", "m4"]),
        ({"until": "2026-03-01T08:00:00Z"}, ["m1"]),
        ({"since": "2026-03-03T00:00:00+01:00", "until": "2026-03-03T23:00:00Z"}, ["m6", "m5"]),
        ({"event": "Signed Up", "person": "bob"}, ["m5"]),
        ({"event": "", "type": "", "person": ""}, ["m6", "m5", "m4", "m3", "m2", "m1"]),
    ],
)
def test_filters_by_name_type_person_and_time(source, api, mixed, params, expected):
    response = api.get(events_url(source.product), params)
    assert ids(response) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "click"}, "type"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-01"}, "until"),
        ({"since": "9999-12-31T23:59:59-23:00"}, "since"),
        ({"event": "x" * 201}, "event"),
        ({"person": "a\x00b"}, "person"),
        ({"page_size": "0"}, "page_size"),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(source, api, mixed, params, field):
    response = api.get(events_url(source.product), params)
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]


def test_a_page_past_the_end_is_a_404_in_the_error_format(source, api, mixed):
    response = api.get(events_url(source.product), {"page": 9})
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.parametrize("product_id", ["999999", "9" * 18])
def test_an_unknown_product_is_404(source, api, product_id):
    response = api.get(f"/api/v1/products/{product_id}/events/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api.get(f"/api/v1/products/{product_id}/rejections/").status_code == 404


@pytest.mark.parametrize("path", ["abc", "1.5", "9" * 30, "-1"])
def test_a_malformed_product_id_is_a_json_404(api, path):
    response = api.get(f"/api/v1/products/{path}/events/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_viewers_and_read_only_tokens_read_events(source, api_as, mixed):
    viewer = make_member(source.tenant.workspace, Role.VIEWER)
    assert ids(api_as(viewer, source.tenant.workspace).get(events_url(source.product)))
    read_only = api_as(source.tenant.owner, source.tenant.workspace, read_only=True)
    assert ids(read_only.get(events_url(source.product)))


def test_the_list_is_read_only(source, api, mixed):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(api, method)(events_url(source.product), {}, format="json")
        # The capability map names GET only, so other methods fail closed before routing.
        assert response.status_code in (403, 405), method
    assert Event.objects.count() == 6


def test_an_anonymous_request_is_401(source, client):
    assert client.get(events_url(source.product)).status_code == 401


# --- Rejections ----------------------------------------------------------------------------------


def test_rejections_list_why_messages_were_refused_newest_first(source, api):
    send(
        source,
        msg("good-1"),
        msg("no-person", userId=None),
        msg("bad-time", timestamp="not a date"),
    )
    send(source, msg("bad-type", type="explode"))
    response = api.get(rejections_url(source.product))
    body = response.json()
    assert response.status_code == 200 and body["count"] == 3
    rows = body["results"]
    assert set(rows[0]) == {"id", "code", "reason", "message_id", "excerpt", "received_at"}
    assert [row["message_id"] for row in rows] == ["bad-type", "bad-time", "no-person"]
    assert all(row["code"] and row["reason"] for row in rows)
    assert "not a date" in rows[1]["excerpt"]
    assert "good-1" not in {row["message_id"] for row in rows}

    code = rows[0]["code"]
    only = api.get(rejections_url(source.product), {"code": code}).json()["results"]
    assert only and {row["code"] for row in only} == {code}
    assert api.get(rejections_url(source.product), {"since": "soon"}).status_code == 400
