"""Idempotency-Key on API POSTs (RELIABILITY.md, write APIs): a retry replays the first answer
and writes nothing, a different request with the key is a 422, keys belong to one token, a
request that was refused keeps no answer, and two requests racing with one key write once."""

from __future__ import annotations

import threading
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from backlog.models import Item
from pmhub.idempotency import idempotency_keys_expire
from pmhub.models import IdempotentRequest
from tests.celery_worker import worker_database_url
from tests.factories import api_client, make_tenant


def _items_url(tenant) -> str:
    return reverse("api:backlog:item-list", args=[tenant.product.pk])


def _post(client, tenant, body: dict, key: str | None = "order-7"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(_items_url(tenant), body, format="json", **headers)


@pytest.fixture
def acme(db):
    return make_tenant("Acme")


def test_a_retry_with_the_same_key_replays_the_first_answer_and_writes_nothing(acme):
    client = api_client(acme.owner, acme.workspace)
    first = _post(client, acme, {"title": "Export to CSV"})
    again = _post(client, acme, {"title": "Export to CSV"})
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Item.objects.filter(product=acme.product).count() == 1


def test_the_key_with_a_different_request_is_a_422_naming_the_header(acme):
    client = api_client(acme.owner, acme.workspace)
    assert _post(client, acme, {"title": "Export to CSV"}).status_code == 201
    response = _post(client, acme, {"title": "Export to PDF"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert list(response.json()["fields"]) == ["Idempotency-Key"]
    assert list(Item.objects.values_list("title", flat=True)) == ["Export to CSV"]


def test_keys_belong_to_one_token(acme):
    mine, theirs = api_client(acme.owner, acme.workspace), api_client(acme.owner, acme.workspace)
    assert _post(mine, acme, {"title": "Export to CSV"}).status_code == 201
    other = _post(theirs, acme, {"title": "Export to CSV"})
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert Item.objects.filter(product=acme.product).count() == 2


def test_a_refused_request_keeps_no_answer(acme):
    client = api_client(acme.owner, acme.workspace)
    refused = _post(client, acme, {"title": ""})
    assert refused.status_code == 400
    assert not IdempotentRequest.objects.exists()
    # The key is still free: the corrected request runs.
    assert _post(client, acme, {"title": "Export to CSV"}).status_code == 201
    viewer = api_client(acme.owner, acme.workspace, read_only=True)
    assert _post(viewer, acme, {"title": "Read only"}, key="k2").status_code == 403
    assert IdempotentRequest.objects.count() == 1
    assert Item.objects.filter(product=acme.product).count() == 1


@pytest.mark.parametrize("header", ["Bearer", "Bearer two words", "Bearer pmh_unknown"])
def test_a_request_with_a_bad_bearer_header_is_a_401_and_keeps_nothing(acme, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = _post(client, acme, {"title": "Export to CSV"})
    assert response.status_code == 401
    assert not Item.objects.exists() and not IdempotentRequest.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_a_bad_key_is_a_400_naming_the_header_and_writes_nothing(acme, key):
    response = _post(api_client(acme.owner, acme.workspace), acme, {"title": "A"}, key=key)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["Idempotency-Key"]
    assert not Item.objects.exists() and not IdempotentRequest.objects.exists()


def test_without_a_key_every_post_runs(acme):
    client = api_client(acme.owner, acme.workspace)
    for _ in range(2):
        assert _post(client, acme, {"title": "Export to CSV"}, key=None).status_code == 201
    assert Item.objects.filter(product=acme.product).count() == 2
    assert not IdempotentRequest.objects.exists()


def test_answers_are_forgotten_after_a_day(acme):
    client = api_client(acme.owner, acme.workspace)
    _post(client, acme, {"title": "Old"}, key="old")
    _post(client, acme, {"title": "New"}, key="new")
    IdempotentRequest.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert idempotency_keys_expire() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]


def test_two_requests_racing_with_one_key_write_once(transactional_db):
    acme = make_tenant("Acme")
    client = api_client(acme.owner, acme.workspace)
    answers: list = []

    def send() -> None:
        try:
            answers.append(_post(client, acme, {"title": "Export to CSV"}))
        finally:
            connection.close()

    # Hold the items table: the first request claims the key and stops at its insert, the
    # second stops on the key's unique index behind it.
    blocker = psycopg.connect(worker_database_url(), autocommit=False)
    try:
        blocker.execute("LOCK TABLE backlog_item IN ACCESS EXCLUSIVE MODE")
        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        with psycopg.connect(worker_database_url(), autocommit=True) as probe:
            for _ in range(200):
                (waiting,) = probe.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                ).fetchone()
                if waiting == 2:
                    break
                threading.Event().wait(0.05)
        assert waiting == 2, "both requests should be waiting"
    finally:
        blocker.rollback()
        blocker.close()
    for thread in threads:
        thread.join(timeout=30)
    assert [answer.status_code for answer in answers] == [201, 201]
    assert answers[0].content == answers[1].content
    assert sorted("Idempotent-Replayed" in answer for answer in answers) == [False, True]
    assert Item.objects.filter(product=acme.product).count() == 1
