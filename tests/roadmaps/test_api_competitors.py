"""The competitors API: competitors and features of the matrix, and its cells."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pmhub import services
from roadmaps.services.competitors import competitor_create, feature_create
from tests.factories import api_client, make_tenant
from tests.roadmaps.sample_roadmap import SampleRoadmap, build_roadmap, roadmap_snapshot


@pytest.fixture
def acme(db):
    tenant = make_tenant("Acme")
    tenant.extra["plan"] = build_roadmap(tenant.product, tenant.owner, "acme")
    tenant.extra["api"] = api_client(tenant.owner, tenant.workspace)
    return tenant


def _plan(tenant) -> SampleRoadmap:
    return tenant.extra["plan"]


def _url(name: str, *args: Any) -> str:
    return reverse(f"api:roadmaps:{name}", args=args)


def test_the_matrix_shows_columns_rows_and_known_cells(acme):
    plan = _plan(acme)
    matrix = acme.extra["api"].get(_url("matrix", acme.product.pk)).json()
    assert [c["name"] for c in matrix["competitors"]] == ["acme rival"]
    assert [(f["name"], f["ours"]) for f in matrix["features"]] == [
        ("acme SSO", "yes"),
        ("acme dark mode", "no"),
    ]
    assert matrix["cells"] == [
        {"feature": plan.feature.pk, "competitor": plan.competitor.pk, "level": "partial"}
    ]
    assert matrix["competitors"][0]["market_share"] is None


def test_setting_a_cell_writes_it_in_place(acme):
    plan = _plan(acme)
    url = _url("matrix-cell", plan.feature.pk, plan.competitor.pk)
    response = acme.extra["api"].put(url, {"level": "yes"}, format="json")
    assert response.status_code == 200 and response.json()["level"] == "yes"
    cells = acme.extra["api"].get(_url("matrix", acme.product.pk)).json()["cells"]
    assert [cell["level"] for cell in cells] == ["yes"]
    bad = acme.extra["api"].put(url, {"level": "mostly"}, format="json")
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"level"}


def test_a_cell_of_a_competitor_of_another_product_is_a_404(acme):
    other = services.product_create(workspace=acme.workspace, actor=acme.owner, name="Other")
    theirs = competitor_create(product=other, actor=acme.owner, name="Theirs")
    before = roadmap_snapshot(acme.workspace)
    url = _url("matrix-cell", _plan(acme).feature.pk, theirs.pk)
    assert acme.extra["api"].put(url, {"level": "yes"}, format="json").status_code == 404
    assert roadmap_snapshot(acme.workspace) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "acme rival"}, "name"),
        ({"name": "x", "website": "ftp://rival.example"}, "website"),
        ({"name": "x", "market_share": "101"}, "market_share"),
        ({"name": "x", "market_share": "lots"}, "market_share"),
        ({"website": "https://x.example"}, "name"),
    ],
    ids=str,
)
def test_a_bad_competitor_is_a_400_naming_the_field_and_writes_nothing(acme, body, field):
    before = roadmap_snapshot(acme.workspace)
    response = acme.extra["api"].post(_url("competitor-list", acme.product.pk), body, format="json")
    assert response.status_code == 400 and set(response.json()["fields"]) == {field}
    assert roadmap_snapshot(acme.workspace) == before


def test_a_feature_name_is_unique_in_its_matrix(acme):
    before = roadmap_snapshot(acme.workspace)
    response = acme.extra["api"].post(
        _url("feature-list", acme.product.pk), {"name": "ACME sso"}, format="json"
    )
    assert response.status_code == 400 and set(response.json()["fields"]) == {"name"}
    assert roadmap_snapshot(acme.workspace) == before


def test_competitors_and_features_change_and_go(acme):
    plan = _plan(acme)
    api = acme.extra["api"]
    changed = api.patch(
        _url("competitor-detail", plan.competitor.pk), {"market_share": "12.345"}, format="json"
    )
    assert changed.status_code == 400  # two decimals at most
    changed = api.patch(
        _url("competitor-detail", plan.competitor.pk), {"market_share": 12.5}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["market_share"] == 12.5
    assert api.delete(_url("feature-detail", plan.feature.pk)).status_code == 204
    assert api.get(_url("matrix", acme.product.pk)).json()["cells"] == []


def test_the_matrix_reads_a_fixed_number_of_queries(acme):
    def count() -> int:
        api = acme.extra["api"]
        api.get(_url("matrix", acme.product.pk))
        with CaptureQueriesContext(connection) as queries:
            assert api.get(_url("matrix", acme.product.pk)).status_code == 200
        return len(queries)

    few = count()
    for n in range(10):
        competitor_create(product=acme.product, actor=acme.owner, name=f"c{n}")
        feature_create(product=acme.product, actor=acme.owner, name=f"f{n}")
    assert count() == few
