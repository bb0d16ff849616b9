"""Fixtures of the metrics tests: a product with a write key, and a client posting events."""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import dataclass

import pytest
from django.test import Client

from metrics.services.recompute import metrics_recompute_all
from metrics.services.write_keys import write_key_create


@dataclass
class Source:
    """A product that sends events, and how to post them like an SDK does."""

    tenant: object
    product: object
    key: str
    client: Client

    def post(self, path: str, body, *, key: str | None = None, gzipped: bool = False, **extra):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {}
        if key != "":
            token = base64.b64encode(f"{key or self.key}:".encode()).decode()
            headers["HTTP_AUTHORIZATION"] = f"Basic {token}"
        if gzipped:
            raw = gzip.compress(raw)
            headers["HTTP_CONTENT_ENCODING"] = "gzip"
        return self.client.post(path, raw, content_type="application/json", **headers, **extra)


@pytest.fixture
def source(tenant_a) -> Source:
    _, raw = write_key_create(product=tenant_a.product, actor=tenant_a.owner, name="web")
    return Source(tenant=tenant_a, product=tenant_a.product, key=raw, client=Client())


def order(n: int, user: str, day: int, revenue: float) -> dict:
    """An "Order Completed" track message on ``day`` of November 2026, at noon UTC."""
    return {
        "type": "track",
        "event": "Order Completed",
        "userId": user,
        "messageId": f"order-{n}",
        "timestamp": f"2026-11-{day:02d}T12:00:00Z",
        "properties": {"revenue": revenue},
    }


@pytest.fixture
def orders(source) -> Source:
    """15 orders of 10 from three people over 1–5 November 2026 (30 a day), recomputed."""
    batch = [order(i, f"u{i % 3}", 1 + i % 5, 10) for i in range(15)]
    assert source.post("/v1/batch", {"batch": batch}).status_code == 200
    metrics_recompute_all(product=source.product)
    return source
