"""Tenant isolation of the metrics app: a member of workspace A never reads or changes B's rows.

``CASES`` holds, for every named route whose view lives in ``metrics``, how isolation is proven
there (as tests/pmhub/test_tenancy.py does for the core): B's product or write key addressed by
id or slug is a 404 for every method and B is unchanged; a list or page shows A's rows and never
B's; a write without an id lands in A. The ingestion endpoints are not session- or token-scoped:
the write key alone decides the product, and ``test_a_write_key_of_product_a_never_writes_*``
proves a key of A can never write into B. ``test_every_metrics_route_has_an_isolation_case``
compares ``CASES`` with the URL conf, so a new metrics endpoint or page fails until its case is
written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from metrics.models import (
    Annotation,
    Dashboard,
    DashboardTile,
    Event,
    Experiment,
    Identity,
    Metric,
    Person,
    Rejection,
    WriteKey,
)
from metrics.services.annotations import annotation_create
from metrics.services.dashboards import dashboard_create, dashboard_tile_add
from metrics.services.experiments import experiment_create
from metrics.services.write_keys import write_key_create
from pmhub import services
from tests.factories import Tenant, api_client, app_routes, workspace_snapshot
from tests.metrics.conftest import Source
from tests.tenancy_walk import (
    WORLD_PARAMS,
    Case,
    Foreign,
    Kwargs,
    Lands,
    Rows,
    Unscoped,
    World,
    assert_every_api_method_has_a_case,
    assert_every_route_has_a_case,
    check_foreign,
    check_lands,
    check_rows,
    flat,
    session_client,
    two_tenants,
)

ROUTES = app_routes("metrics")

# --- Two tenants that both send events -----------------------------------------------------------


@dataclass
class MetricsWorld(World):
    a_key: WriteKey
    b_key: WriteKey
    a_source: Source
    b_source: Source


def _sent(source: Source, prefix: str) -> None:
    """Two accepted events and one refused message, through the ingestion HTTP path."""
    batch = [
        {
            "type": "track",
            "event": f"{prefix}-signed-up",
            "userId": "shared-user",
            "messageId": f"{prefix}-1",
            "properties": {"who": f"{prefix}-props"},
        },
        {
            "type": "identify",
            "userId": "shared-user",
            "messageId": "same-id-in-both",
            "traits": {"plan": prefix},
        },
        {"type": "track", "event": "no person", "messageId": f"{prefix}-bad"},
    ]
    response = source.post("/v1/batch", {"batch": batch})
    assert response.status_code == 200, response.content


def build_world(*, actor_also_in_b: bool) -> MetricsWorld:
    a, b = two_tenants(actor_also_in_b=actor_also_in_b)
    actor = a.owner
    a_key, a_raw = write_key_create(product=a.product, actor=a.owner, name="alpha-key")
    b_key, b_raw = write_key_create(product=b.product, actor=b.owner, name="bravo-key")
    a_source = Source(tenant=a, product=a.product, key=a_raw, client=Client())
    b_source = Source(tenant=b, product=b.product, key=b_raw, client=Client())
    _sent(a_source, "alpha")
    _sent(b_source, "bravo")
    for tenant in (a, b):
        experiment_create(
            product=tenant.product,
            actor=tenant.owner,
            key="checkout",
            name="Checkout test",
            exposure_event="Checkout Viewed",
            conversion_event="Order Completed",
            start=tenant.product.created_at,
        )
        annotation_create(
            product=tenant.product,
            actor=tenant.owner,
            day=tenant.product.created_at.date(),
            text=f"{tenant.workspace.name.lower()}-note",
        )
        Metric.objects.filter(product=tenant.product, key="dau").update(target=1)  # a KPI
        board = dashboard_create(
            workspace=tenant.workspace,
            actor=tenant.owner,
            name=f"{tenant.workspace.name.lower()}-board",
            product=tenant.product,
        )
        dashboard_tile_add(
            dashboard=board,
            actor=tenant.owner,
            metric=Metric.objects.get(product=tenant.product, key="dau"),
        )
    html = session_client(actor, a.workspace)
    return MetricsWorld(
        a=a,
        b=b,
        actor=actor,
        a_key=a_key,
        b_key=b_key,
        a_source=a_source,
        b_source=b_source,
        api=api_client(actor, a.workspace),
        html=html,
    )


@pytest.fixture(params=WORLD_PARAMS)
def world(request, db) -> MetricsWorld:
    return build_world(actor_also_in_b=request.param == "member_of_a_and_b")


def metrics_snapshot(tenant: Tenant) -> dict:
    """Everything of ``tenant`` a metrics request could change (and what the core could)."""
    product = tenant.product
    return {
        "core": workspace_snapshot(tenant.workspace),
        "write_keys": list(
            WriteKey.objects.filter(product=product)
            .order_by("pk")
            .values("pk", "name", "prefix", "key_hash", "revoked_at")
        ),
        "events": list(
            Event.objects.filter(product=product)
            .order_by("pk")
            .values("pk", "message_id", "name", "person", "properties", "traits")
        ),
        "rejections": Rejection.objects.filter(product=product).count(),
        "persons": list(
            Person.objects.filter(product=product).order_by("pk").values("pk", "traits")
        ),
        "identities": list(
            Identity.objects.filter(product=product)
            .order_by("pk")
            .values("kind", "value", "person")
        ),
        "experiments": list(Experiment.objects.filter(product=product).order_by("pk").values()),
        "annotations": list(Annotation.objects.filter(product=product).order_by("pk").values()),
        "dashboards": list(
            Dashboard.objects.filter(workspace=tenant.workspace).order_by("pk").values()
        ),
        "tiles": list(
            DashboardTile.objects.filter(dashboard__workspace=tenant.workspace)
            .order_by("pk")
            .values()
        ),
    }


def _ids(model, tenant: Tenant) -> list[int]:
    return list(model.objects.filter(product=tenant.product).values_list("pk", flat=True))


# --- The cases ----------------------------------------------------------------------------------


def _b_slug(w: World) -> dict[str, Any]:
    return {"slug": w.b.product.slug}


def _a_slug(w: World) -> dict[str, Any]:
    return {"slug": w.a.product.slug}


def _b_product(w: World) -> dict[str, Any]:
    return {"product_pk": w.b.product.pk}


def _a_product(w: World) -> dict[str, Any]:
    return {"product_pk": w.a.product.pk}


def _a_key_named(name: str) -> Callable[[World], bool]:
    return lambda w: WriteKey.objects.filter(product=w.a.product, name=name).exists()


def _kpi_ids(tenant: Tenant) -> list[int]:
    return list(
        Metric.objects.filter(product=tenant.product, target__isnull=False).values_list(
            "pk", flat=True
        )
    )


def _board(tenant: Tenant) -> Dashboard:
    return Dashboard.objects.get(workspace=tenant.workspace)


def _b_tile_in(owner: Callable[[World], Tenant]) -> Kwargs:
    """B's tile addressed under ``owner``'s dashboard."""
    return lambda w: {
        "dashboard_pk": _board(owner(w)).pk,
        "tile_pk": _board(w.b).tiles.get().pk,
    }


def _b_page_tile_in(owner: Callable[[World], Tenant]) -> Kwargs:
    """B's tile addressed under ``owner``'s dashboard, as the pages name them."""
    return lambda w: {"pk": _board(owner(w)).pk, "tile_pk": _board(w.b).tiles.get().pk}


def _b_note(w: World) -> int:
    return Annotation.objects.get(product=w.b.product).pk


def _experiment_body(key: str) -> dict[str, Any]:
    return {
        "key": key,
        "name": "A test",
        "exposure_event": "Checkout Viewed",
        "conversion_event": "Order Completed",
        "start": "2025-01-01T00:00:00Z",
    }


def _experiment_form(key: str) -> dict[str, Any]:
    """The experiment page form's fields (it takes the start as the browser's picker sends it)."""
    return _experiment_body(key) | {
        "start": "2025-01-01T00:00",
        "variant_property": "variant",
        "control_variant": "control",
        "minimum_detectable_effect": "10",
        "status": "draft",
    }


def _b_checkout(w: World) -> dict[str, Any]:
    return {**_b_slug(w), "key": "checkout"}


WRITE_KEY_AUTHENTICATED = Unscoped(
    "not session/token-scoped: write-key authenticated; the key alone picks the product "
    "(test_a_write_key_of_product_a_never_writes_into_product_b)"
)

CASES: dict[str, tuple[Case, ...]] = {
    # --- Pages of a product
    "metrics:product-events": (
        Foreign(_b_slug, ("get",)),
        Rows(
            kwargs=_a_slug,
            own=lambda w: ["alpha-signed-up", "alpha-bad"],
            foreign=lambda w: ["bravo-signed-up", "bravo-bad", "bravo-props"],
        ),
    ),
    "metrics:product-sources": (
        Foreign(_b_slug, ("get", "post"), lambda w: {"name": "planted"}),
        Rows(
            kwargs=_a_slug,
            own=lambda w: ["alpha-key", w.a_key.prefix],
            foreign=lambda w: ["bravo-key", w.b_key.prefix],
        ),
        Lands("post", lambda w: {"name": "new-key"}, _a_key_named("new-key"), kwargs=_a_slug),
    ),
    "metrics:write-key-revoke": (
        Foreign(lambda w: {"slug": w.b.product.slug, "pk": w.b_key.pk}, ("post",)),
        # B's key under A's product: still a 404, the key must belong to the product in the URL.
        Foreign(lambda w: {"slug": w.a.product.slug, "pk": w.b_key.pk}, ("post",)),
    ),
    "metrics:index": (
        # The executive overview lists the current workspace's products only.
        Rows(own=lambda w: ["Alpha Product"], foreign=lambda w: ["Bravo Product"]),
    ),
    "metrics:product-dashboard": (
        Foreign(_b_slug, ("get",)),
        Rows(kwargs=_a_slug, own=lambda w: ["Alpha Product"], foreign=lambda w: ["Bravo Product"]),
    ),
    # --- Dashboards people arrange
    "metrics:dashboard-index": (
        Rows(own=lambda w: ["alpha-board"], foreign=lambda w: ["bravo-board"]),
    ),
    "metrics:product-dashboards": (
        Foreign(_b_slug, ("get",)),
        Rows(kwargs=_a_slug, own=lambda w: ["alpha-board"], foreign=lambda w: ["bravo-board"]),
    ),
    "metrics:dashboard-create": (
        Lands(
            "post",
            lambda w: {"name": "new-board", "product": w.a.product.pk},
            lambda w: Dashboard.objects.filter(workspace=w.a.workspace, name="new-board").exists(),
        ),
    ),
    "metrics:custom-dashboard": (Foreign(lambda w: {"pk": _board(w.b).pk}, ("get",)),),
    "metrics:custom-dashboard-delete": (Foreign(lambda w: {"pk": _board(w.b).pk}, ("post",)),),
    "metrics:custom-tile-add": (
        Foreign(
            lambda w: {"pk": _board(w.b).pk},
            ("post",),
            lambda w: {"metric": Metric.objects.get(product=w.b.product, key="mau").pk},
        ),
    ),
    **{
        name: (
            Foreign(_b_page_tile_in(lambda w: w.b), ("post",), body),
            Foreign(_b_page_tile_in(lambda w: w.a), ("post",), body),
        )
        for name, body in (
            ("metrics:custom-tile-change", lambda w: {"width": "2"}),
            ("metrics:custom-tile-move", lambda w: {"position": "0"}),
            ("metrics:custom-tile-remove", lambda w: {}),
        )
    },
    # Nothing of B's is enqueued: the product is looked up in A before anything is sent.
    "metrics:product-recompute": (Foreign(_b_slug, ("post",)),),
    "metrics:annotation-add": (
        Foreign(_b_slug, ("post",), lambda w: {"day": "2025-01-01", "text": "planted"}),
        Lands(
            "post",
            lambda w: {"day": "2025-01-01", "text": "new-note"},
            lambda w: Annotation.objects.filter(product=w.a.product, text="new-note").exists(),
            kwargs=_a_slug,
        ),
    ),
    "metrics:annotation-remove": (
        Foreign(lambda w: {"slug": w.b.product.slug, "pk": _b_note(w)}, ("post",)),
        # B's note under A's product: the note must belong to the product in the URL.
        Foreign(lambda w: {"slug": w.a.product.slug, "pk": _b_note(w)}, ("post",)),
    ),
    # Experiment pages: both tenants have a "checkout" experiment, so only the product's
    # workspace decides which one a URL reaches.
    "metrics:product-experiments": (
        Foreign(_b_slug, ("get",)),
        Rows(kwargs=_a_slug, own=lambda w: ["Alpha Product"], foreign=lambda w: ["Bravo Product"]),
    ),
    "metrics:experiment-create": (
        Foreign(_b_slug, ("get", "post"), lambda w: _experiment_form("planted")),
        Lands(
            "post",
            lambda w: _experiment_form("new-test"),
            lambda w: Experiment.objects.filter(product=w.a.product, key="new-test").exists(),
            kwargs=_a_slug,
        ),
    ),
    "metrics:experiment-detail": (
        Foreign(_b_checkout, ("get",)),
        Rows(
            kwargs=lambda w: {**_a_slug(w), "key": "checkout"},
            own=lambda w: ["Alpha Product"],
            foreign=lambda w: ["Bravo Product"],
        ),
    ),
    "metrics:experiment-edit": (
        Foreign(_b_checkout, ("get", "post"), lambda w: _experiment_form("checkout")),
    ),
    "metrics:experiment-status": (
        Foreign(_b_checkout, ("post",), lambda w: {"status": "running"}),
    ),
    "metrics:experiment-decide": (Foreign(_b_checkout, ("post",), lambda w: {"decision": "Ship"}),),
    "metrics:experiment-delete": (Foreign(_b_checkout, ("post",)),),
    # --- API
    "api:metrics:write-key-list": (
        Rows(own=lambda w: [w.a_key.pk], foreign=lambda w: [w.b_key.pk]),
        Lands(
            "post",
            lambda w: {"product": w.a.product.pk, "name": "new-key"},
            _a_key_named("new-key"),
        ),
    ),
    "api:metrics:write-key-detail": (Foreign(lambda w: {"pk": w.b_key.pk}, ("get", "delete")),),
    "api:metrics:event-list": (
        Foreign(_b_product, ("get",)),
        Rows(
            kwargs=_a_product,
            own=lambda w: _ids(Event, w.a),
            foreign=lambda w: _ids(Event, w.b),
        ),
    ),
    "api:metrics:rejection-list": (
        Foreign(_b_product, ("get",)),
        Rows(
            kwargs=_a_product,
            own=lambda w: _ids(Rejection, w.a),
            foreign=lambda w: _ids(Rejection, w.b),
        ),
    ),
    "api:metrics:metric-list": (
        Foreign(
            _b_product,
            ("get", "post"),
            body=lambda w: {"key": "x", "name": "X", "kind": "event_count"},
        ),
        Rows(
            kwargs=_a_product,
            own=lambda w: _ids(Metric, w.a),
            foreign=lambda w: _ids(Metric, w.b),
        ),
    ),
    "api:metrics:metric-detail": (
        Foreign(
            lambda w: {**_b_product(w), "key": "dau"},
            ("get", "patch", "delete"),
            body=lambda w: {"name": "Renamed"},
        ),
    ),
    "api:metrics:metric-series": (Foreign(lambda w: {**_b_product(w), "key": "dau"}, ("get",)),),
    "api:metrics:product-kpi-list": (
        Foreign(_b_product, ("get",)),
        Rows(kwargs=_a_product, own=lambda w: _kpi_ids(w.a), foreign=lambda w: _kpi_ids(w.b)),
    ),
    "api:metrics:kpi-list": (Rows(own=lambda w: _kpi_ids(w.a), foreign=lambda w: _kpi_ids(w.b)),),
    "api:metrics:dashboard-list": (
        Rows(own=lambda w: [_board(w.a).pk], foreign=lambda w: [_board(w.b).pk]),
        Lands(
            "post",
            lambda w: {"name": "new-board", "product": w.a.product.pk},
            lambda w: Dashboard.objects.filter(workspace=w.a.workspace, name="new-board").exists(),
        ),
    ),
    "api:metrics:dashboard-detail": (
        Foreign(
            lambda w: {"pk": _board(w.b).pk},
            ("get", "patch", "delete"),
            body=lambda w: {"name": "Renamed"},
        ),
    ),
    "api:metrics:dashboard-tile-list": (
        Foreign(
            lambda w: {"dashboard_pk": _board(w.b).pk},
            ("get", "post"),
            body=lambda w: {"metric": Metric.objects.get(product=w.b.product, key="mau").pk},
        ),
        Lands(
            "post",
            lambda w: {"metric": Metric.objects.get(product=w.a.product, key="mau").pk},
            lambda w: _board(w.a).tiles.filter(metric__key="mau").exists(),
            kwargs=lambda w: {"dashboard_pk": _board(w.a).pk},
        ),
    ),
    "api:metrics:dashboard-tile-detail": (
        Foreign(_b_tile_in(lambda w: w.b), ("get", "patch", "delete"), lambda w: {"width": 2}),
        # B's tile under A's dashboard: the tile must belong to the dashboard in the URL.
        Foreign(_b_tile_in(lambda w: w.a), ("get", "patch", "delete"), lambda w: {"width": 2}),
    ),
    "api:metrics:dashboard-tile-move": (
        Foreign(_b_tile_in(lambda w: w.b), ("post",), lambda w: {"position": 0}),
        Foreign(_b_tile_in(lambda w: w.a), ("post",), lambda w: {"position": 0}),
    ),
    "api:metrics:annotation-list": (
        Foreign(_b_product, ("get", "post"), body=lambda w: {"day": "2025-01-01", "text": "x"}),
        Rows(
            kwargs=_a_product,
            own=lambda w: _ids(Annotation, w.a),
            foreign=lambda w: _ids(Annotation, w.b),
        ),
        Lands(
            "post",
            lambda w: {"day": "2025-01-01", "text": "new-note"},
            lambda w: Annotation.objects.filter(product=w.a.product, text="new-note").exists(),
            kwargs=_a_product,
        ),
    ),
    "api:metrics:annotation-detail": (
        Foreign(lambda w: {**_b_product(w), "pk": _b_note(w)}, ("delete",)),
        Foreign(lambda w: {**_a_product(w), "pk": _b_note(w)}, ("delete",)),
    ),
    "api:metrics:experiment-list": (
        Foreign(_b_product, ("get", "post"), body=lambda w: _experiment_body("planted")),
        Rows(
            kwargs=_a_product,
            own=lambda w: _ids(Experiment, w.a),
            foreign=lambda w: _ids(Experiment, w.b),
        ),
        Lands(
            "post",
            lambda w: _experiment_body("new-test"),
            lambda w: Experiment.objects.filter(product=w.a.product, key="new-test").exists(),
            kwargs=_a_product,
        ),
    ),
    "api:metrics:experiment-detail": (
        Foreign(
            lambda w: {**_b_product(w), "key": "checkout"},
            ("get", "patch", "delete"),
            body=lambda w: {"name": "Renamed"},
        ),
    ),
    "api:metrics:experiment-decision": (
        Foreign(
            lambda w: {**_b_product(w), "key": "checkout"},
            ("post",),
            body=lambda w: {"decision": "Ship it"},
        ),
    ),
    # --- Ingestion (Segment's and PostHog's APIs at the server root)
    **{
        f"ingest-{kind}": (WRITE_KEY_AUTHENTICATED,)
        for kind in ("batch", "track", "identify", "page", "screen", "group", "alias", "posthog")
    },
}


# --- The registry covers the URL conf ------------------------------------------------------------


def test_every_metrics_route_has_an_isolation_case():
    assert_every_route_has_a_case(ROUTES, CASES)


def test_every_api_method_of_a_scoped_route_has_a_case():
    assert_every_api_method_has_a_case(ROUTES, CASES)


def test_only_the_ingestion_endpoints_are_unscoped():
    unscoped = {
        name for name, cases in CASES.items() if any(isinstance(c, Unscoped) for c in cases)
    }
    assert unscoped == {name for name in ROUTES if name.startswith("ingest-")}


# --- Running the cases ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "case"), flat(CASES, Foreign))
def test_another_workspaces_object_is_404_for_every_method(world, name, case):
    check_foreign(
        world,
        ROUTES,
        name,
        case,
        b_snapshot=lambda w: metrics_snapshot(w.b),
        hidden=("Bravo Product", "bravo-"),
    )


@pytest.mark.parametrize(("name", "case"), flat(CASES, Rows))
def test_lists_and_pages_show_own_rows_and_never_another_workspaces(world, name, case):
    check_rows(world, ROUTES, name, case)


@pytest.mark.parametrize(("name", "case"), flat(CASES, Lands))
def test_writes_without_an_id_land_in_the_current_workspace_only(world, name, case):
    check_lands(world, ROUTES, name, case, b_snapshot=lambda w: metrics_snapshot(w.b))


# --- Cases that need more than one request -------------------------------------------------------


def test_the_write_key_list_filtered_by_another_workspaces_product_finds_nothing(world):
    response = world.api.get(reverse("api:metrics:write-key-list"), {"product": world.b.product.pk})
    assert response.status_code == 200 and response.json()["results"] == []


def test_a_write_key_for_another_workspaces_product_is_a_400_naming_product(world):
    before = metrics_snapshot(world.b)
    response = world.api.post(
        reverse("api:metrics:write-key-list"),
        {"product": world.b.product.pk, "name": "planted"},
        format="json",
    )
    assert response.status_code == 400 and set(response.json()["fields"]) == {"product"}
    assert metrics_snapshot(world.b) == before


def test_a_tile_of_another_workspaces_metric_is_a_400_naming_metric(world):
    before = metrics_snapshot(world.b), list(_board(world.a).tiles.values())
    response = world.api.post(
        reverse("api:metrics:dashboard-tile-list", args=[_board(world.a).pk]),
        {"metric": Metric.objects.get(product=world.b.product, key="mau").pk},
        format="json",
    )
    assert response.status_code == 400 and set(response.json()["fields"]) == {"metric"}
    assert (metrics_snapshot(world.b), list(_board(world.a).tiles.values())) == before


def test_a_dashboard_page_form_naming_another_workspaces_product_or_metric_writes_nothing(world):
    before = metrics_snapshot(world.b), metrics_snapshot(world.a)
    made = world.html.post(
        reverse("metrics:dashboard-create"), {"name": "planted", "product": world.b.product.pk}
    )
    assert made.status_code == 200 and 'data-field-error="product"' in made.content.decode()
    added = world.html.post(
        reverse("metrics:custom-tile-add", args=[_board(world.a).pk]),
        {"metric": Metric.objects.get(product=world.b.product, key="mau").pk, "kind": "line"},
    )
    assert added.status_code == 200 and 'data-field-error="metric"' in added.content.decode()
    assert (metrics_snapshot(world.b), metrics_snapshot(world.a)) == before


def test_products_with_the_same_slug_in_two_workspaces_each_show_their_own_events(world):
    mine = services.product_create(workspace=world.a.workspace, actor=world.actor, name="Shared")
    theirs = services.product_create(
        workspace=world.b.workspace, actor=world.b.owner, name="Shared"
    )
    assert mine.slug == theirs.slug
    _, mine_raw = write_key_create(product=mine, actor=world.actor, name="mine-key")
    _, theirs_raw = write_key_create(product=theirs, actor=world.b.owner, name="theirs-key")
    event = {"type": "track", "userId": "u", "messageId": "x"}
    Source(world.a, mine, mine_raw, Client()).post("/v1/track", {**event, "event": "mine-event"})
    Source(world.b, theirs, theirs_raw, Client()).post(
        "/v1/track", {**event, "event": "their-event"}
    )

    page = world.html.get(reverse("metrics:product-events", args=[mine.slug])).content.decode()
    assert "mine-event" in page and "their-event" not in page
    keys = world.html.get(reverse("metrics:product-sources", args=[mine.slug])).content.decode()
    assert "mine-key" in keys and "theirs-key" not in keys


# --- Ingestion: the write key decides the product ------------------------------------------------

SEGMENT_BODIES = {
    "/v1/track": {"userId": "planted", "event": "Planted"},
    "/v1/identify": {"userId": "shared-user", "traits": {"plan": "planted"}},
    "/v1/page": {"userId": "planted", "name": "Planted"},
    "/v1/screen": {"userId": "planted", "name": "Planted"},
    "/v1/group": {"userId": "planted", "groupId": "g1"},
    "/v1/alias": {"userId": "shared-user", "previousId": "planted"},
}
# Fields a client might hope to steer the product with: all ignored.
SMUGGLED = {"product": "B_PRODUCT", "productId": "B_PRODUCT", "projectId": "B_PRODUCT"}


def _ingestion_requests(w: World) -> list[tuple[str, dict, bool]]:
    """(path, body, key in the header?) for every ingestion route, all carrying A's key only."""
    smuggled = {k: w.b.product.pk for k in SMUGGLED}
    requests = []
    for n, (path, fields) in enumerate(SEGMENT_BODIES.items()):
        # B's write key in the body loses to A's key in the Authorization header.
        body = {**fields, **smuggled, "messageId": "same-id-in-both", "writeKey": w.b_source.key}
        requests.append((path, body, True))
        requests.append(
            (
                path,
                {**fields, "messageId": f"body-key-{n}", "writeKey": w.a_source.key, **smuggled},
                False,
            )
        )
    in_batch = {**SEGMENT_BODIES["/v1/track"], **smuggled, "type": "track", "messageId": "b-1"}
    requests.append(("/v1/batch", {"batch": [in_batch], "writeKey": w.b_source.key}, True))
    posthog = {"event": "Planted", "distinct_id": "shared-user", "properties": {"$set": {"p": 1}}}
    for path in ("/capture/", "/e/", "/i/v0/e/", "/batch/"):
        body = {**posthog, "uuid": f"ph-{path.strip('/')}", "api_key": w.a_source.key, **smuggled}
        if path == "/batch/":
            body = {"api_key": w.a_source.key, "batch": [body]}
        requests.append((path, body, False))
    return requests


def test_a_write_key_of_product_a_never_writes_into_product_b(world):
    before_b = metrics_snapshot(world.b)
    a_events = Event.objects.filter(product=world.a.product).count()
    for path, body, in_header in _ingestion_requests(world):
        response = world.a_source.post(path, body, key=None if in_header else "")
        assert response.status_code == 200, (path, response.content)
    assert metrics_snapshot(world.b) == before_b
    # B's person with the same userId kept B's traits; A got every event (one dedupes in A).
    assert Person.objects.filter(product=world.b.product, traits={"plan": "bravo"}).exists()
    assert Event.objects.filter(product=world.a.product).count() > a_events
    assert not Event.objects.filter(product=world.b.product, name="Planted").exists()


def test_bs_own_write_key_writes_into_b_only(world):
    """The converse of the above: B's key writes into B, and A is unchanged."""
    before_a = metrics_snapshot(world.a)
    response = world.b_source.post(
        "/v1/track", {"userId": "u", "event": "B only", "messageId": "b"}
    )
    assert response.status_code == 200
    assert Event.objects.filter(product=world.b.product, name="B only").exists()
    assert metrics_snapshot(world.a) == before_a
