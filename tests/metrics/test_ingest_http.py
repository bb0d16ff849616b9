"""Segment's HTTP Tracking API as SDKs use it: answers, limits, dedupe, identities."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from metrics.models import DirtyDay, Event, Identity, Person, PersonMerge, Rejection

T0 = "2026-11-01T10:00:00Z"


def track(n: int, **extra) -> dict:
    return {
        "type": "track",
        "event": "Signed Up",
        "userId": f"u{n}",
        "messageId": f"m{n}",
        "timestamp": T0,
        **extra,
    }


def test_batch_answers_success_only_after_storing_every_event(source):
    response = source.post("/v1/batch", {"batch": [track(i) for i in range(5)]})
    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert Event.objects.filter(product=source.product).count() == 5


@pytest.mark.parametrize("kind", ["track", "identify", "page", "screen", "group"])
def test_single_message_paths_take_the_type_from_the_path(source, kind):
    body = {"userId": "u1", "messageId": f"one-{kind}", "event": "Clicked", "name": "Home"}
    response = source.post(f"/v1/{kind}", body)
    assert response.status_code == 200, response.content
    assert Event.objects.get(message_id=f"one-{kind}").type == kind


def test_a_batch_sent_twice_is_stored_once(source):
    batch = {"batch": [track(i) for i in range(20)]}
    assert source.post("/v1/batch", batch).status_code == 200
    assert source.post("/v1/batch", batch).status_code == 200
    assert Event.objects.filter(product=source.product).count() == 20


def test_the_same_message_id_in_two_products_is_two_events(source, tenant_b):
    from metrics.services.write_keys import write_key_create

    _, other_key = write_key_create(product=tenant_b.product, actor=tenant_b.owner, name="b")
    source.post("/v1/batch", {"batch": [track(1)]})
    source.post("/v1/batch", {"batch": [track(1)]}, key=other_key)
    assert Event.objects.filter(message_id="m1").count() == 2


def test_deleting_a_product_deletes_its_events_persons_and_identities(source, tenant_b):
    """The database no longer enforces these rows' product (ingestion writes them without the
    per-row check): the product's deletion removes them, and only them."""
    from metrics.services.write_keys import write_key_create
    from pmhub.services import product_delete

    _, other_key = write_key_create(product=tenant_b.product, actor=tenant_b.owner, name="b")
    identify = {"type": "identify", "userId": "u1", "anonymousId": "a1", "messageId": "i1"}
    for key in (source.key, other_key):
        assert source.post("/v1/batch", {"batch": [track(1), identify]}, key=key).status_code == 200
    product_delete(product=source.product, actor=source.tenant.owner)
    for model in (Event, Person, Identity):
        assert set(model.objects.values_list("product_id", flat=True)) == {tenant_b.product.pk}
    assert Identity.objects.count() == 2 and Event.objects.count() == 2


def test_write_key_in_the_body_works_and_an_unknown_key_is_401(source):
    body = {"batch": [track(1)], "writeKey": source.key}
    assert source.post("/v1/batch", body, key="").status_code == 200
    response = source.post("/v1/batch", {"batch": [track(2)]}, key="wk_nope")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_write_key"
    assert not Event.objects.filter(message_id="m2").exists()


def test_gzip_bodies_are_accepted(source):
    response = source.post("/v1/batch", {"batch": [track(i) for i in range(3)]}, gzipped=True)
    assert response.status_code == 200
    assert Event.objects.count() == 3


def test_a_malformed_message_does_not_sink_the_batch(source):
    batch = [
        track(1),
        {"type": "track", "event": "X", "messageId": "no-person"},
        track(2, timestamp="not a date"),
        track(3),
    ]
    response = source.post("/v1/batch", {"batch": batch})
    body = response.json()
    assert response.status_code == 200
    assert body["accepted"] == 2
    assert [(r["index"], r["code"]) for r in body["rejected"]] == [
        (1, "missing_identity"),
        (2, "invalid_timestamp"),
    ]
    assert set(Event.objects.values_list("message_id", flat=True)) == {"m1", "m3"}
    assert set(Rejection.objects.values_list("code", flat=True)) == {
        "missing_identity",
        "invalid_timestamp",
    }


def test_sent_at_corrects_the_client_clock(source):
    # The client's clock is one hour fast: it says it sent at 11:00 an event of 10:58.
    body = {"batch": [track(1, timestamp="2026-11-01T10:58:00Z")], "sentAt": "2026-11-01T11:00:00Z"}
    source.post("/v1/batch", body)
    event = Event.objects.get()
    assert event.received_at - event.timestamp == timedelta(minutes=2)
    assert event.original_timestamp == datetime(2026, 11, 1, 10, 58, tzinfo=UTC)


def test_identify_then_track_counts_one_person_and_keeps_traits(source):
    batch = [
        {
            "type": "track",
            "event": "Viewed",
            "anonymousId": "anon-1",
            "messageId": "a",
            "timestamp": T0,
        },
        {
            "type": "identify",
            "userId": "ada",
            "anonymousId": "anon-1",
            "messageId": "b",
            "traits": {"plan": "free"},
            "timestamp": T0,
        },
        {
            "type": "identify",
            "userId": "ada",
            "messageId": "c",
            "context": {"traits": {"plan": "pro", "email": "a@x.io"}},
            "timestamp": "2026-11-02T10:00:00Z",
        },
        {"type": "track", "event": "Bought", "userId": "ada", "messageId": "d", "timestamp": T0},
    ]
    assert source.post("/v1/batch", {"batch": batch}).status_code == 200
    persons = set(Event.objects.values_list("person_id", flat=True))
    assert len(persons) == 1
    person = Person.objects.get(pk=persons.pop())
    assert person.traits == {"plan": "pro", "email": "a@x.io"}


def test_alias_across_batches_merges_into_the_older_person(source):
    source.post("/v1/batch", {"batch": [track(1, userId="old-id")]})
    source.post("/v1/batch", {"batch": [track(2, userId="new-id")]})
    old = Identity.objects.get(value="old-id").person_id
    new = Identity.objects.get(value="new-id").person_id
    alias = {"userId": "new-id", "previousId": "old-id", "messageId": "al", "timestamp": T0}
    assert source.post("/v1/alias", alias).status_code == 200
    assert PersonMerge.objects.get(merged_id=max(old, new)).into_id == min(old, new)
    assert Identity.objects.get(value="new-id").person_id == min(old, new)


def test_events_mark_their_days_for_recompute_including_late_ones(source):
    source.post("/v1/batch", {"batch": [track(1), track(2, timestamp="2026-10-20T23:59:59Z")]})
    days = set(DirtyDay.objects.values_list("day", flat=True))
    assert {d.isoformat() for d in days} == {"2026-11-01", "2026-10-20"}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "invalid_json"),
        (b"[1, 2]", "invalid_body"),
        (b'{"batch": {"a": 1}}', "invalid_batch"),
        (b'{"batch": [NaN]}', "invalid_json"),
    ],
)
def test_unusable_bodies_are_a_400_with_code_and_message(source, body, code):
    response = source.post("/v1/batch", body)
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["message"]
    assert Event.objects.count() == 0


def test_bad_gzip_is_a_400(source):
    response = source.client.post(
        "/v1/batch",
        b"not gzip at all",
        content_type="application/json",
        HTTP_CONTENT_ENCODING="gzip",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_gzip"


def test_oversize_request_and_message(source):
    big = {"batch": [track(i, properties={"pad": "x" * 30_000}) for i in range(20)]}
    assert source.post("/v1/batch", big).status_code == 413
    one_big = {"batch": [track(1, properties={"pad": "x" * 40_000}), track(2)]}
    response = source.post("/v1/batch", one_big)
    assert response.status_code == 200
    assert response.json()["rejected"][0]["code"] == "message_too_large"
    assert list(Event.objects.values_list("message_id", flat=True)) == ["m2"]


def test_no_trailing_slash_redirect_and_no_csrf(source):
    source.client.enforce_csrf_checks = True
    assert source.post("/v1/batch", {"batch": [track(1)]}).status_code == 200


def test_rate_limit_answers_429_with_retry_after(source, settings):
    settings.INGEST_RATE_LIMIT_PER_SECOND = 1
    statuses = [source.post("/v1/batch", {"batch": [track(i)]}).status_code for i in range(3)]
    assert 429 in statuses
    limited = source.post("/v1/batch", {"batch": [track(9)]})
    if limited.status_code == 429:
        assert int(limited["Retry-After"]) >= 1


def test_posthog_batch_with_identify_links_the_anonymous_id(source):
    body = {
        "api_key": source.key,
        "batch": [
            {
                "event": "$pageview",
                "distinct_id": "anon-9",
                "uuid": "p1",
                "timestamp": T0,
                "properties": {"$current_url": "https://x.io/"},
            },
            {
                "event": "$identify",
                "distinct_id": "bob",
                "uuid": "p2",
                "timestamp": T0,
                "properties": {"$anon_distinct_id": "anon-9", "$set": {"plan": "team"}},
            },
            {
                "event": "Paid",
                "distinct_id": "bob",
                "uuid": "p3",
                "timestamp": T0,
                "properties": {"revenue": 30},
            },
        ],
    }
    response = source.post("/batch/", body, key="")
    assert response.status_code == 200, response.content
    assert Event.objects.filter(product=source.product).count() == 3
    assert len(set(Event.objects.values_list("person_id", flat=True))) == 1
    assert json.loads(json.dumps(Event.objects.get(message_id="p3").properties)) == {"revenue": 30}
