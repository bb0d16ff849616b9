"""Tenant isolation of the roadmaps app: a member of workspace A never reads, changes or learns
of B's objectives, initiatives, releases, snapshots, share links or competitors (the machinery is
tests/tenancy_walk.py).

``CASES`` holds, for every named route of ``app_routes("roadmaps")``, how isolation is proven
there: B's object addressed by id or slug (or under A's parent) is a 404 for every method and B
is unchanged; a list or page shows A's rows and never B's; a create lands in A; or a one-line
reason why the route is not tenant-scoped. Both tenants hold the same roadmap
(``tests/roadmaps/sample_roadmap.py``), titled "alpha …" and "bravo …". Append new routes' cases
to ``CASES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from roadmaps.models import Initiative, Objective
from tests.factories import api_client, app_routes
from tests.roadmaps.sample_roadmap import SampleRoadmap, build_roadmap, roadmap_snapshot
from tests.tenancy_walk import (
    WORLD_PARAMS,
    Cases,
    Foreign,
    Lands,
    Rows,
    Unscoped,
    World,
    assert_every_api_method_has_a_case,
    assert_every_route_has_a_case,
    assert_unscoped_routes_state_why,
    check_foreign,
    check_lands,
    check_rows,
    flat,
    session_client,
    two_tenants,
)

ROUTES = app_routes("roadmaps")

# --- Two tenants with a roadmap each -------------------------------------------------------------


@dataclass
class RoadmapWorld(World):
    a_plan: SampleRoadmap
    b_plan: SampleRoadmap


def build_world(*, actor_also_in_b: bool) -> RoadmapWorld:
    a, b = two_tenants(actor_also_in_b=actor_also_in_b)
    return RoadmapWorld(
        a=a,
        b=b,
        actor=a.owner,
        a_plan=build_roadmap(a.product, a.owner, "alpha"),
        b_plan=build_roadmap(b.product, b.owner, "bravo"),
        api=api_client(a.owner, a.workspace),
        html=session_client(a.owner, a.workspace),
    )


@pytest.fixture(params=WORLD_PARAMS)
def world(request, db) -> RoadmapWorld:
    return build_world(actor_also_in_b=request.param == "member_of_a_and_b")


def _b_snapshot(w: RoadmapWorld) -> dict[str, Any]:
    return roadmap_snapshot(w.b.workspace)


# What a 404 must never show of B.
HIDDEN = ("Bravo Product", "bravo ")

# --- The cases ----------------------------------------------------------------------------------

W = RoadmapWorld


def _a_product(w: W) -> dict[str, Any]:
    return {"product_pk": w.a.product.pk}


def _b_product(w: W) -> dict[str, Any]:
    return {"product_pk": w.b.product.pk}


def _a_slug(w: W) -> dict[str, Any]:
    return {"slug": w.a.product.slug}


def _b_slug(w: W) -> dict[str, Any]:
    return {"slug": w.b.product.slug}


def _b(get) -> Any:
    """kwargs naming B's object ``get(b_plan)`` by pk."""
    return lambda w: {"pk": get(w.b_plan).pk}


def _a(get) -> Any:
    return lambda w: {"pk": get(w.a_plan).pk}


def _alpha(*titles: str) -> Any:
    return lambda w: [f"alpha {title}" for title in titles]


def _bravo(*titles: str) -> Any:
    return lambda w: [f"bravo {title}" for title in titles]


_PRODUCT_PAGE = (  # a product's pages: B's slug is a 404, A's shows A's roadmap only
    Foreign(_b_slug, ("get",)),
    Rows(_alpha("onboarding revamp", "billing v2"), _bravo("onboarding revamp"), _a_slug),
)
_POST = ("post",)
_GET_POST = ("get", "post")

CASES: Cases = {
    # Planning pages (roadmaps/views/board, timeline, objectives, initiatives, export).
    "roadmaps:index": (
        Rows(_alpha("onboarding revamp", "billing v2"), _bravo("onboarding revamp", "billing")),
    ),
    "roadmaps:objectives": (
        Rows(
            _alpha("company objective", "activation objective", "NPS"),
            _bravo("company objective", "activation objective", "NPS"),
        ),
    ),
    "roadmaps:product-objectives": (
        Foreign(_b_slug, ("get",)),
        Rows(_alpha("activation objective", "NPS"), _bravo("activation objective"), _a_slug),
    ),
    "roadmaps:board": _PRODUCT_PAGE,
    "roadmaps:timeline": _PRODUCT_PAGE,
    "roadmaps:export-csv": _PRODUCT_PAGE,
    "roadmaps:print": _PRODUCT_PAGE,
    "roadmaps:objective-create": (
        Rows(_alpha("company objective"), _bravo("company objective")),  # parents offered
        Lands(
            "post",
            lambda w: {"title": "landed", "starts_on": "2027-01-01", "ends_on": "2027-03-31"},
            lambda w: Objective.objects.filter(workspace=w.a.workspace, title="landed").exists(),
        ),
    ),
    "roadmaps:objective-edit": (
        Foreign(_b(lambda p: p.company_objective), _GET_POST),
        Rows(_alpha("company objective"), _bravo("company objective"), _a(lambda p: p.objective)),
    ),
    "roadmaps:key-result-create": (
        Foreign(_b(lambda p: p.objective), _GET_POST),
        Rows(lambda w: ["Alpha Product"], lambda w: ["Bravo Product"], _a(lambda p: p.objective)),
    ),
    "roadmaps:key-result-edit": (Foreign(_b(lambda p: p.manual_key_result), _GET_POST),),
    "roadmaps:initiative-create": (
        Foreign(_b_slug, _POST, lambda w: {"title": "landed", "horizon": "now"}),
        Lands(
            "post",
            lambda w: {"title": "landed", "status": "planned", "horizon": "now"},
            lambda w: Initiative.objects.filter(product=w.a.product, title="landed").exists(),
            _a_slug,
        ),
    ),
    "roadmaps:initiative": (
        Foreign(_b(lambda p: p.now), ("get",)),
        # The dependency picker offers A's initiatives only.
        Rows(_alpha("billing v2", "mobile app"), _bravo("billing v2"), _a(lambda p: p.now)),
    ),
    "roadmaps:initiative-edit": (Foreign(_b(lambda p: p.later), _GET_POST),),
    "roadmaps:initiative-move": (
        Foreign(_b(lambda p: p.later), _POST, lambda w: {"horizon": "now"}),
    ),
    "roadmaps:initiative-dates": (
        Foreign(
            _b(lambda p: p.next),
            _POST,
            lambda w: {"starts_on": "2027-01-01", "ends_on": "2027-02-01"},
        ),
    ),
    "roadmaps:dependency-add": (
        Foreign(_b(lambda p: p.later), _POST, lambda w: {"depends_on": w.b_plan.now.pk}),
    ),
    "roadmaps:dependency-remove": (
        Foreign(lambda w: {"pk": w.b_plan.next.pk, "other": w.b_plan.now.pk}, _POST),
        Foreign(lambda w: {"pk": w.a_plan.next.pk, "other": w.b_plan.now.pk}, _POST),
    ),
    "roadmaps:initiative-objectives": (
        Foreign(_b(lambda p: p.later), _POST, lambda w: {"objectives": [w.b_plan.objective.pk]}),
    ),
}


# --- API: the same proof for every endpoint under /api/v1/ (ids in bodies: tests below) ---------


def _ids(rows) -> Any:
    """Markers of an API list: the ids ``rows(plan)`` of A's (or B's) roadmap."""
    return lambda plan: [row.pk for row in rows(plan)]


def _own(rows) -> Any:
    return lambda w: _ids(rows)(w.a_plan)


def _theirs(rows) -> Any:
    return lambda w: _ids(rows)(w.b_plan)


def _in(kwarg: str, get) -> Any:
    """``{kwarg: <id of get(plan)>}`` for A's plan (``_in_b``: B's)."""
    return lambda w: {kwarg: get(w.a_plan).pk}


def _in_b(kwarg: str, get) -> Any:
    return lambda w: {kwarg: get(w.b_plan).pk}


_RW = ("get", "patch", "delete")
_QUARTER = {"starts_on": "2027-01-01", "ends_on": "2027-03-31"}

API_ISOLATION: Cases = {
    "api:roadmaps:objective-list": (
        Rows(
            _own(lambda p: [p.objective, p.company_objective]),
            _theirs(lambda p: [p.objective, p.company_objective]),
        ),
        Lands(
            "post",
            lambda w: {"title": "landed", **_QUARTER},
            lambda w: Objective.objects.filter(workspace=w.a.workspace, title="landed").exists(),
        ),
    ),
    "api:roadmaps:objective-detail": (
        Foreign(_in_b("pk", lambda p: p.objective), _RW, lambda w: {"title": "taken"}),
    ),
    "api:roadmaps:key-result-list": (
        Foreign(
            _in_b("objective_pk", lambda p: p.objective),
            ("get", "post"),
            lambda w: {"title": "planted", "start_value": 0, "target_value": 1},
        ),
        Rows(
            _own(lambda p: [p.metric_key_result, p.manual_key_result]),
            _theirs(lambda p: [p.metric_key_result, p.manual_key_result]),
            _in("objective_pk", lambda p: p.objective),
        ),
        Lands(
            "post",
            lambda w: {"title": "landed", "start_value": 0, "target_value": 1},
            lambda w: w.a_plan.objective.key_results.filter(title="landed").exists(),
            _in("objective_pk", lambda p: p.objective),
        ),
    ),
    "api:roadmaps:key-result-detail": (
        Foreign(_in_b("pk", lambda p: p.manual_key_result), _RW, lambda w: {"current_value": 1}),
    ),
    "api:roadmaps:theme-list": (
        Foreign(_b_product, ("get", "post"), lambda w: {"name": "planted"}),
        Rows(_own(lambda p: [p.theme]), _theirs(lambda p: [p.theme]), _a_product),
        Lands(
            "post",
            lambda w: {"name": "landed"},
            lambda w: w.a.product.themes.filter(name="landed").exists(),
            _a_product,
        ),
    ),
    "api:roadmaps:theme-detail": (
        Foreign(_in_b("pk", lambda p: p.theme), _RW, lambda w: {"name": "x"}),
    ),
    "api:roadmaps:initiative-list": (
        Foreign(_b_product, ("get", "post"), lambda w: {"title": "planted"}),
        Rows(
            _own(lambda p: [p.now, p.next, p.later]),
            _theirs(lambda p: [p.now, p.next, p.later]),
            _a_product,
        ),
        Lands(
            "post",
            lambda w: {"title": "landed", "horizon": "now"},
            lambda w: w.a.product.initiatives.filter(title="landed").exists(),
            _a_product,
        ),
    ),
    "api:roadmaps:initiative-detail": (
        Foreign(_in_b("pk", lambda p: p.now), _RW, lambda w: {"title": "taken"}),
    ),
    "api:roadmaps:initiative-move": (
        Foreign(_in_b("pk", lambda p: p.later), ("post",), lambda w: {"horizon": "now"}),
    ),
    "api:roadmaps:dependency-list": (
        Foreign(
            _in_b("pk", lambda p: p.later), ("post",), lambda w: {"depends_on": w.b_plan.now.pk}
        ),
    ),
    "api:roadmaps:dependency-detail": (
        Foreign(lambda w: {"pk": w.b_plan.next.pk, "depends_on_pk": w.b_plan.now.pk}, ("delete",)),
        # A's initiative naming B's: the dependency must be between rows of the workspace.
        Foreign(lambda w: {"pk": w.a_plan.next.pk, "depends_on_pk": w.b_plan.now.pk}, ("delete",)),
    ),
    "api:roadmaps:initiative-health": (
        Foreign(_in_b("pk", lambda p: p.now), ("get", "post"), lambda w: {"health": "on_track"}),
        Rows(
            _own(lambda p: [p.health_update]),
            _theirs(lambda p: [p.health_update]),
            _in("pk", lambda p: p.now),
        ),
    ),
    "api:roadmaps:objective-health": (
        Foreign(
            _in_b("pk", lambda p: p.objective), ("get", "post"), lambda w: {"health": "at_risk"}
        ),
        Lands(
            "post",
            lambda w: {"health": "at_risk", "note": "landed"},
            lambda w: w.a_plan.objective.health_updates.filter(note="landed").exists(),
            _in("pk", lambda p: p.objective),
        ),
    ),
    "api:roadmaps:release-list": (
        Foreign(_b_product, ("get", "post"), lambda w: {"name": "x", "target_date": "2027-01-01"}),
        Rows(_own(lambda p: [p.release]), _theirs(lambda p: [p.release]), _a_product),
        Lands(
            "post",
            lambda w: {"name": "landed", "target_date": "2027-01-01"},
            lambda w: w.a.product.releases.filter(name="landed").exists(),
            _a_product,
        ),
    ),
    "api:roadmaps:release-detail": (
        Foreign(_in_b("pk", lambda p: p.release), _RW, lambda w: {"notes": "taken"}),
    ),
    "api:roadmaps:release-ship": (Foreign(_in_b("pk", lambda p: p.release), ("post",)),),
    "api:roadmaps:checklist-list": (
        Foreign(
            _in_b("release_pk", lambda p: p.release), ("get", "post"), lambda w: {"title": "x"}
        ),
        Rows(
            _own(lambda p: [p.open_item, p.done_item]),
            _theirs(lambda p: [p.open_item, p.done_item]),
            _in("release_pk", lambda p: p.release),
        ),
        Lands(
            "post",
            lambda w: {"title": "landed"},
            lambda w: w.a_plan.release.checklist.filter(title="landed").exists(),
            _in("release_pk", lambda p: p.release),
        ),
    ),
    "api:roadmaps:checklist-item-detail": (
        Foreign(_in_b("pk", lambda p: p.open_item), _RW, lambda w: {"title": "taken"}),
    ),
    "api:roadmaps:checklist-item-done": (
        Foreign(_in_b("pk", lambda p: p.open_item), ("post",), lambda w: {"done": True}),
    ),
    "api:roadmaps:snapshot-list": (
        Foreign(_b_product, ("get", "post"), lambda w: {"name": "planted"}),
        Rows(
            _own(lambda p: [p.first_snapshot, p.second_snapshot]),
            _theirs(lambda p: [p.first_snapshot, p.second_snapshot]),
            _a_product,
        ),
        Lands(
            "post",
            lambda w: {"name": "landed"},
            lambda w: w.a.product.snapshots.filter(name="landed").exists(),
            _a_product,
        ),
    ),
    "api:roadmaps:snapshot-detail": (
        Foreign(_in_b("pk", lambda p: p.first_snapshot), ("get", "delete")),
    ),
    # B's product is a 404; B's snapshot ids under A's product: test_a_diff_of_*_is_a_400 below.
    "api:roadmaps:snapshot-diff": (Foreign(_b_product, ("get",)),),
    "api:roadmaps:share-link-list": (
        Foreign(_b_product, ("get", "post"), lambda w: {"label": "planted"}),
        Rows(_own(lambda p: [p.share_link]), _theirs(lambda p: [p.share_link]), _a_product),
        Lands(
            "post",
            lambda w: {"label": "landed"},
            lambda w: w.a.product.share_links.filter(label="landed").exists(),
            _a_product,
        ),
    ),
    "api:roadmaps:share-link-detail": (
        Foreign(_in_b("pk", lambda p: p.share_link), ("get", "delete")),
    ),
    "api:roadmaps:competitor-list": (
        Foreign(_b_product, ("get", "post"), lambda w: {"name": "planted"}),
        Rows(_own(lambda p: [p.competitor]), _theirs(lambda p: [p.competitor]), _a_product),
        Lands(
            "post",
            lambda w: {"name": "landed"},
            lambda w: w.a.product.competitors.filter(name="landed").exists(),
            _a_product,
        ),
    ),
    "api:roadmaps:competitor-detail": (
        Foreign(_in_b("pk", lambda p: p.competitor), _RW, lambda w: {"notes": "taken"}),
    ),
    "api:roadmaps:feature-list": (
        Foreign(_b_product, ("get", "post"), lambda w: {"name": "planted"}),
        Rows(
            _own(lambda p: [p.feature, p.other_feature]),
            _theirs(lambda p: [p.feature, p.other_feature]),
            _a_product,
        ),
        Lands(
            "post",
            lambda w: {"name": "landed"},
            lambda w: w.a.product.competitor_features.filter(name="landed").exists(),
            _a_product,
        ),
    ),
    "api:roadmaps:feature-detail": (
        Foreign(_in_b("pk", lambda p: p.feature), _RW, lambda w: {"ours": "yes"}),
    ),
    "api:roadmaps:matrix": (Foreign(_b_product, ("get",)),),
    "api:roadmaps:matrix-cell": (
        Foreign(
            lambda w: {"feature_pk": w.b_plan.feature.pk, "competitor_pk": w.b_plan.competitor.pk},
            ("put",),
            lambda w: {"level": "yes"},
        ),
        # A's feature with B's competitor, and B's feature with A's: both a 404.
        Foreign(
            lambda w: {"feature_pk": w.a_plan.feature.pk, "competitor_pk": w.b_plan.competitor.pk},
            ("put",),
            lambda w: {"level": "yes"},
        ),
        Foreign(
            lambda w: {"feature_pk": w.b_plan.feature.pk, "competitor_pk": w.a_plan.competitor.pk},
            ("put",),
            lambda w: {"level": "yes"},
        ),
    ),
}
CASES.update(API_ISOLATION)

# --- Delivery pages (roadmaps/views/releases, health, snapshots, sharing, competitors) ---------


def _in(slug_of, row_of, **more) -> Any:
    """kwargs of a product's row: ``slug_of(w)``'s product slug, ``row_of(w)``'s pk, ``more``."""
    return lambda w: {
        "slug": slug_of(w).product.slug,
        "pk": row_of(w).pk,
        **{key: get(w) for key, get in more.items()},
    }


def _a_tenant(w: W) -> Any:
    return w.a


def _b_tenant(w: W) -> Any:
    return w.b


def _b_row(get) -> Any:
    return lambda w: get(w.b_plan)


def _a_row(get) -> Any:
    return lambda w: get(w.a_plan)


def _pk_of(get) -> Any:
    return lambda w: get(w).pk


_B_RELEASE = _in(_b_tenant, _b_row(lambda p: p.release))
_B_RELEASE_IN_A = _in(_a_tenant, _b_row(lambda p: p.release))
_RELEASE_BODY = {"name": "landed", "target_date": "2027-01-01", "status": "planned"}
SHARE_PAGE_REASON = (
    "public, no login: the signed token alone picks the share link and its product; revoked, "
    "expired, tampered, forged and mismatched tokens are 404s and no other product or owner "
    "shows (tests/roadmaps/test_pages_sharing.py)"
)

DELIVERY_ISOLATION: Cases = {
    "roadmaps:release-list": (
        Foreign(_b_slug, ("get",)),
        Rows(_alpha("1.0"), _bravo("1.0"), _a_slug),
    ),
    "roadmaps:release-create": (
        Foreign(_b_slug, _GET_POST, lambda w: _RELEASE_BODY),
        Rows(_alpha("onboarding revamp"), _bravo("onboarding revamp"), _a_slug),  # initiatives
        Lands(
            "post",
            lambda w: _RELEASE_BODY,
            lambda w: w.a.product.releases.filter(name="landed").exists(),
            _a_slug,
        ),
    ),
    "roadmaps:release-detail": (
        Foreign(_B_RELEASE, ("get",)),
        Foreign(_B_RELEASE_IN_A, ("get",)),
        Rows(
            _alpha("docs written", "onboarding revamp"),
            _bravo("docs written", "onboarding revamp"),
            _in(_a_tenant, _a_row(lambda p: p.release)),
        ),
    ),
    "roadmaps:release-edit": (
        Foreign(_B_RELEASE, _GET_POST, lambda w: _RELEASE_BODY),
        Foreign(_B_RELEASE_IN_A, _GET_POST, lambda w: _RELEASE_BODY),
    ),
    "roadmaps:release-ship": (Foreign(_B_RELEASE, _POST), Foreign(_B_RELEASE_IN_A, _POST)),
    "roadmaps:release-delete": (Foreign(_B_RELEASE, _POST), Foreign(_B_RELEASE_IN_A, _POST)),
    "roadmaps:checklist-add": (
        Foreign(_B_RELEASE, _POST, lambda w: {"title": "planted"}),
        Foreign(_B_RELEASE_IN_A, _POST, lambda w: {"title": "planted"}),
    ),
    **{
        name: (
            Foreign(
                _in(
                    _b_tenant,
                    _b_row(lambda p: p.release),
                    item_pk=_pk_of(_b_row(lambda p: p.open_item)),
                ),
                _POST,
                lambda w: {"done": "1"},
            ),
            # B's item under A's release: the item must belong to the release in the URL.
            Foreign(
                _in(
                    _a_tenant,
                    _a_row(lambda p: p.release),
                    item_pk=_pk_of(_b_row(lambda p: p.open_item)),
                ),
                _POST,
                lambda w: {"done": "1"},
            ),
        )
        for name in ("roadmaps:checklist-done", "roadmaps:checklist-remove")
    },
    "roadmaps:initiative-health": (
        Foreign(_b(lambda p: p.now), _POST, lambda w: {"health": "off_track"}),
    ),
    "roadmaps:objective-health": (
        Foreign(_b(lambda p: p.objective), _POST, lambda w: {"health": "off_track"}),
        Foreign(_b(lambda p: p.company_objective), _POST, lambda w: {"health": "off_track"}),
    ),
    "roadmaps:objective-updates": (
        Foreign(_b(lambda p: p.objective), ("get",)),
        Foreign(_b(lambda p: p.company_objective), ("get",)),
        Rows(
            _alpha("activation objective"),
            _bravo("activation objective"),
            _a(lambda p: p.objective),
        ),
    ),
    "roadmaps:snapshot-list": (
        Foreign(_b_slug, ("get",)),
        Rows(_alpha("before", "after"), _bravo("before", "after"), _a_slug),
    ),
    "roadmaps:snapshot-create": (
        Foreign(_b_slug, _POST, lambda w: {"name": "planted"}),
        Lands(
            "post",
            lambda w: {"name": "landed"},
            lambda w: w.a.product.snapshots.filter(name="landed").exists(),
            _a_slug,
        ),
    ),
    # The pick of snapshots to compare offers A's only; B's snapshot id in ``from`` is refused
    # (tests/roadmaps/test_pages_snapshots.py::test_another_products_snapshot_cannot_be_compared).
    "roadmaps:snapshot-diff": (
        Foreign(_b_slug, ("get",)),
        Rows(_alpha("before", "after"), _bravo("before", "after"), _a_slug),
    ),
    "roadmaps:snapshot-delete": (
        Foreign(_in(_b_tenant, _b_row(lambda p: p.first_snapshot)), _POST),
        Foreign(_in(_a_tenant, _b_row(lambda p: p.first_snapshot)), _POST),
    ),
    "roadmaps:share-links": (
        Foreign(_b_slug, _GET_POST, lambda w: {"label": "planted"}),
        Rows(_alpha("board link"), _bravo("board link"), _a_slug),
        Lands(
            "post",
            lambda w: {"label": "landed"},
            lambda w: w.a.product.share_links.filter(label="landed").exists(),
            _a_slug,
        ),
    ),
    "roadmaps:share-link-revoke": (
        Foreign(_in(_b_tenant, _b_row(lambda p: p.share_link)), _POST),
        Foreign(_in(_a_tenant, _b_row(lambda p: p.share_link)), _POST),
    ),
    "roadmaps-public:share": (Unscoped(SHARE_PAGE_REASON),),
    "roadmaps:competitor-list": (
        Foreign(_b_slug, ("get",)),
        Rows(_alpha("rival", "SSO", "dark mode"), _bravo("rival", "SSO"), _a_slug),
    ),
    "roadmaps:competitor-create": (
        Foreign(_b_slug, _POST, lambda w: {"name": "planted"}),
        Lands(
            "post",
            lambda w: {"name": "landed"},
            lambda w: w.a.product.competitors.filter(name="landed").exists(),
            _a_slug,
        ),
    ),
    "roadmaps:competitor-edit": (
        Foreign(_in(_b_tenant, _b_row(lambda p: p.competitor)), _GET_POST, lambda w: {"name": "x"}),
        Foreign(_in(_a_tenant, _b_row(lambda p: p.competitor)), _GET_POST, lambda w: {"name": "x"}),
    ),
    "roadmaps:competitor-delete": (
        Foreign(_in(_b_tenant, _b_row(lambda p: p.competitor)), _POST),
        Foreign(_in(_a_tenant, _b_row(lambda p: p.competitor)), _POST),
    ),
    "roadmaps:feature-create": (
        Foreign(_b_slug, _POST, lambda w: {"name": "planted", "ours": "yes"}),
        Lands(
            "post",
            lambda w: {"name": "landed", "ours": "yes"},
            lambda w: w.a.product.competitor_features.filter(name="landed").exists(),
            _a_slug,
        ),
    ),
    "roadmaps:feature-delete": (
        Foreign(_in(_b_tenant, _b_row(lambda p: p.feature)), _POST),
        Foreign(_in(_a_tenant, _b_row(lambda p: p.feature)), _POST),
    ),
    "roadmaps:matrix-cell": (
        Foreign(
            _in(
                _b_tenant,
                _b_row(lambda p: p.feature),
                column=_pk_of(_b_row(lambda p: p.competitor)),
            ),
            _GET_POST,
            lambda w: {"level": "no"},
        ),
        Foreign(_in(_b_tenant, _b_row(lambda p: p.feature), column=lambda w: "us"), _GET_POST),
        # B's competitor as a column of A's feature, and B's feature under A's product.
        Foreign(
            _in(
                _a_tenant,
                _a_row(lambda p: p.feature),
                column=_pk_of(_b_row(lambda p: p.competitor)),
            ),
            _GET_POST,
            lambda w: {"level": "no"},
        ),
        Foreign(_in(_a_tenant, _b_row(lambda p: p.feature), column=lambda w: "us"), _GET_POST),
    ),
}
CASES.update(DELIVERY_ISOLATION)

# --- The registry covers the URL conf ------------------------------------------------------------


def test_every_roadmaps_route_has_an_isolation_case():
    assert_every_route_has_a_case(ROUTES, CASES)


def test_every_api_method_of_a_scoped_route_has_a_case():
    assert_every_api_method_has_a_case(ROUTES, CASES)


def test_unscoped_routes_state_why():
    assert_unscoped_routes_state_why(CASES)


# --- Running the cases ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "case"), flat(CASES, Foreign))
def test_another_workspaces_object_is_404_for_every_method(world, name, case):
    check_foreign(world, ROUTES, name, case, b_snapshot=_b_snapshot, hidden=HIDDEN)


@pytest.mark.parametrize(("name", "case"), flat(CASES, Rows))
def test_lists_and_pages_show_own_rows_and_never_another_workspaces(world, name, case):
    check_rows(world, ROUTES, name, case)


@pytest.mark.parametrize(("name", "case"), flat(CASES, Lands))
def test_writes_without_an_id_land_in_the_current_workspace_only(world, name, case):
    check_lands(world, ROUTES, name, case, b_snapshot=_b_snapshot)


def test_the_sample_roadmaps_are_whole_and_apart(world):
    """Both tenants hold every kind of row, and nothing of one is reachable from the other."""
    for tenant, plan in ((world.a, world.a_plan), (world.b, world.b_plan)):
        snap = roadmap_snapshot(tenant.workspace)
        for kind in (
            "objectives",
            "key_results",
            "themes",
            "initiatives",
            "depends_on",
            "serves",
            "health_updates",
            "releases",
            "carries",
            "checklist",
            "snapshots",
            "share_links",
            "competitors",
            "features",
            "cells",
        ):
            assert snap[kind], f"{tenant.workspace.name} has no {kind}"
        assert plan.next.depends_on.get() == plan.now


# --- API: ids of another workspace in bodies and queries -----------------------------------------


def _api_url(name: str, **kwargs: Any) -> str:
    return reverse(f"api:roadmaps:{name}", kwargs=kwargs)


def _b_metric(w: RoadmapWorld) -> int:
    return w.b_plan.metric_key_result.metric_id


# (route, kwargs of A's row, body naming B's row, the field the 400 must name)
FOREIGN_IDS_IN_BODIES = [
    pytest.param(
        "objective-list",
        {},
        lambda w: {"title": "x", **_QUARTER, "product": w.b.product.pk},
        "product",
        id="objective-product",
    ),
    pytest.param(
        "objective-list",
        {},
        lambda w: {"title": "x", **_QUARTER, "parent": w.b_plan.company_objective.pk},
        "parent",
        id="objective-parent",
    ),
    pytest.param(
        "objective-detail",
        {"pk": "objective"},
        lambda w: {"owner": w.b.owner.pk},
        "owner",
        id="objective-owner",
    ),
    pytest.param(
        "key-result-list",
        {"objective_pk": "objective"},
        lambda w: {"title": "x", "start_value": 0, "target_value": 1, "metric": _b_metric(w)},
        "metric",
        id="key-result-metric",
    ),
    pytest.param(
        "initiative-list",
        {"product_pk": None},
        lambda w: {"title": "x", "theme": w.b_plan.theme.pk},
        "theme",
        id="initiative-theme",
    ),
    pytest.param(
        "initiative-detail",
        {"pk": "later"},
        lambda w: {"objectives": [w.a_plan.objective.pk, w.b_plan.objective.pk]},
        "objectives.1",
        id="initiative-objectives",
    ),
    pytest.param(
        "initiative-move",
        {"pk": "later"},
        lambda w: {"horizon": "now", "before": w.b_plan.now.pk},
        "before",
        id="move-before",
    ),
    pytest.param(
        "dependency-list",
        {"pk": "later"},
        lambda w: {"depends_on": w.b_plan.now.pk},
        "depends_on",
        id="depends-on",
    ),
    pytest.param(
        "release-list",
        {"product_pk": None},
        lambda w: {"name": "x", "target_date": "2027-01-01", "initiatives": [w.b_plan.now.pk]},
        "initiatives.0",
        id="release-initiatives",
    ),
    pytest.param(
        "checklist-list",
        {"release_pk": "release"},
        lambda w: {"title": "x", "owner": w.b.owner.pk},
        "owner",
        id="checklist-owner",
    ),
]


def _a_kwargs(w: RoadmapWorld, kwargs: dict[str, Any]) -> dict[str, Any]:
    """A's product (for None) or A's row named by the value."""
    return {
        key: w.a.product.pk if value is None else getattr(w.a_plan, value).pk
        for key, value in kwargs.items()
    }


@pytest.mark.parametrize(("name", "kwargs", "body", "field"), FOREIGN_IDS_IN_BODIES)
def test_a_body_naming_another_workspaces_row_is_a_400_naming_the_field(
    world, name, kwargs, body, field
):
    before = roadmap_snapshot(world.a.workspace), roadmap_snapshot(world.b.workspace)
    url = _api_url(name, **_a_kwargs(world, kwargs))
    method = "patch" if name.endswith("-detail") else "post"
    response = getattr(world.api, method)(url, body(world), format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()["fields"]) == {field}
    assert "bravo" not in response.content.decode()
    assert (roadmap_snapshot(world.a.workspace), roadmap_snapshot(world.b.workspace)) == before


def test_a_diff_naming_another_workspaces_snapshot_is_a_400_naming_it(world):
    url = _api_url("snapshot-diff", product_pk=world.a.product.pk)
    theirs = world.b_plan.second_snapshot.pk
    for query, field in (({"older": theirs}, "older"), ({"newer": theirs}, "newer")):
        response = world.api.get(url, query)
        assert response.status_code == 400 and set(response.json()["fields"]) == {field}
    mine = world.api.get(url, {"older": world.a_plan.first_snapshot.pk})
    assert mine.status_code == 200
    assert [change["id"] for change in mine.json()["added"]] == [world.a_plan.later.pk]


def test_filters_naming_another_workspaces_rows_find_nothing(world):
    url = _api_url("initiative-list", product_pk=world.a.product.pk)
    for query in ({"objective": world.b_plan.objective.pk}, {"theme": world.b_plan.theme.pk}):
        response = world.api.get(url, query)
        assert response.status_code == 200 and response.json()["results"] == [], query
    objectives = world.api.get(_api_url("objective-list"), {"product": world.b.product.pk})
    assert objectives.status_code == 200 and objectives.json()["results"] == []
