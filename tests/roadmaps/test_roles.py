"""The role matrix of the roadmaps app: every API route and method and every guarded page, tried
by every role (the machinery is tests/role_matrix.py).

``API_CASES`` and ``PAGE_CASES`` hold one valid request per route, method and guarded page of
``app_routes("roadmaps")``; the tests below check they match the URL conf and the capability each
view declares, so a new endpoint or page fails until its case is written. Each request runs
against Acme's product with a whole roadmap (``tests/roadmaps/sample_roadmap.py``): a role the
table allows gets a 2xx (or the page's redirect) and the change happens; any other role gets a 403
and no row of the workspace changes. Append new cases to the lists; keep one case per line group.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import pytest
from django.db.models import Model

from pmhub.capabilities import Action, Role
from roadmaps import models as roadmap_models
from roadmaps.models import (
    ChecklistItem,
    Competitor,
    CompetitorFeature,
    FeatureSupport,
    Initiative,
    KeyResult,
    Objective,
    Release,
    ShareLink,
    Snapshot,
    Theme,
)
from tests.factories import app_routes
from tests.roadmaps.sample_roadmap import SampleRoadmap, build_roadmap, day, roadmap_snapshot
from tests.role_matrix import (
    Request,
    Team,
    assert_api_cases_match_routes,
    assert_page_cases_match_routes,
    build_team,
    check_read_only_token_reads,
    check_read_only_token_refused,
    check_request,
    matrix,
    page_statuses,
)

ROUTES = app_routes("roadmaps")
ROADMAP_ACTIONS = {
    Action.ROADMAP_VIEW,
    Action.ROADMAP_PLAN,
    Action.ROADMAP_SHARE,
    Action.LAUNCH_UPDATE,
}


# --- Acme with a roadmap --------------------------------------------------------------------------


@dataclass
class RoadmapTeam(Team):
    """``build_team``'s Acme, and ``plan``: the roadmap of ``product`` (made by its owner)."""

    plan: SampleRoadmap | None = None

    @property
    def roadmap(self) -> SampleRoadmap:
        assert self.plan is not None
        return self.plan


def build_roadmap_team(role: Role) -> RoadmapTeam:
    team = build_team(role)
    plan = build_roadmap(team.product, team.owner, "acme")
    return RoadmapTeam(**{f.name: getattr(team, f.name) for f in fields(Team)}, plan=plan)


# --- Requests -------------------------------------------------------------------------------------

T = RoadmapTeam


def _product_pk(t: T) -> dict[str, Any]:
    return {"product_pk": t.product.pk}


def _slug(t: T) -> dict[str, Any]:
    return {"slug": t.product.slug}


def _row_pk(attribute: str) -> Callable[[T], dict[str, Any]]:
    """``{"pk": <id of the roadmap's row named attribute>}``."""
    return lambda t: {"pk": getattr(t.roadmap, attribute).pk}


def _gone(model: type[Model], attribute: str) -> Callable[[T], bool]:
    return lambda t: not model.objects.filter(pk=getattr(t.roadmap, attribute).pk).exists()


def _fresh(t: T, attribute: str) -> Any:
    row = getattr(t.roadmap, attribute)
    return type(row).objects.get(pk=row.pk)


def _quarter(**fields: Any) -> dict[str, Any]:
    return {"starts_on": day(-10), "ends_on": day(80), **fields}


API_CASES: list[Request] = [
    # --- Objectives and key results
    Request("api:roadmaps:objective-list", "get", Action.ROADMAP_VIEW),
    Request(
        "api:roadmaps:objective-list",
        "post",
        Action.ROADMAP_PLAN,
        body=lambda t: _quarter(title="Retain teams", product=t.product.pk),
        done=lambda t: Objective.objects.filter(product=t.product, title="Retain teams").exists(),
    ),
    Request(
        "api:roadmaps:objective-detail", "get", Action.ROADMAP_VIEW, kwargs=_row_pk("objective")
    ),
    Request(
        "api:roadmaps:objective-detail",
        "patch",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("objective"),
        body=lambda t: {"title": "Activate faster"},
        done=lambda t: _fresh(t, "objective").title == "Activate faster",
    ),
    Request(
        "api:roadmaps:objective-detail",
        "delete",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("objective"),
        done=_gone(Objective, "objective"),
    ),
    Request(
        "api:roadmaps:key-result-list",
        "get",
        Action.ROADMAP_VIEW,
        kwargs=lambda t: {"objective_pk": t.roadmap.objective.pk},
    ),
    Request(
        "api:roadmaps:key-result-list",
        "post",
        Action.ROADMAP_PLAN,
        kwargs=lambda t: {"objective_pk": t.roadmap.objective.pk},
        body=lambda t: {"title": "Activation rate", "start_value": 0.2, "target_value": 0.4},
        done=lambda t: KeyResult.objects.filter(title="Activation rate").exists(),
    ),
    Request(
        "api:roadmaps:key-result-detail",
        "get",
        Action.ROADMAP_VIEW,
        kwargs=_row_pk("metric_key_result"),
    ),
    Request(
        "api:roadmaps:key-result-detail",
        "patch",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("manual_key_result"),
        body=lambda t: {"current_value": 35},
        done=lambda t: _fresh(t, "manual_key_result").current_value == 35,
    ),
    Request(
        "api:roadmaps:key-result-detail",
        "delete",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("manual_key_result"),
        done=_gone(KeyResult, "manual_key_result"),
    ),
    # --- Themes
    Request("api:roadmaps:theme-list", "get", Action.ROADMAP_VIEW, kwargs=_product_pk),
    Request(
        "api:roadmaps:theme-list",
        "post",
        Action.ROADMAP_PLAN,
        kwargs=_product_pk,
        body=lambda t: {"name": "Retention", "colour": "#aa0000"},
        done=lambda t: Theme.objects.filter(product=t.product, name="Retention").exists(),
    ),
    Request("api:roadmaps:theme-detail", "get", Action.ROADMAP_VIEW, kwargs=_row_pk("theme")),
    Request(
        "api:roadmaps:theme-detail",
        "patch",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("theme"),
        body=lambda t: {"colour": "#00aa00"},
        done=lambda t: _fresh(t, "theme").colour == "#00aa00",
    ),
    Request(
        "api:roadmaps:theme-detail",
        "delete",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("theme"),
        done=_gone(Theme, "theme"),
    ),
    # --- Initiatives
    Request("api:roadmaps:initiative-list", "get", Action.ROADMAP_VIEW, kwargs=_product_pk),
    Request(
        "api:roadmaps:initiative-list",
        "post",
        Action.ROADMAP_PLAN,
        kwargs=_product_pk,
        body=lambda t: {
            "title": "Team plans",
            "horizon": "next",
            "objectives": [t.roadmap.objective.pk],
        },
        done=lambda t: Initiative.objects.filter(
            product=t.product, title="Team plans", horizon="next", objectives=t.roadmap.objective
        ).exists(),
    ),
    Request("api:roadmaps:initiative-detail", "get", Action.ROADMAP_VIEW, kwargs=_row_pk("now")),
    Request(
        "api:roadmaps:initiative-detail",
        "patch",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("now"),
        body=lambda t: {"status": "done", "confidence": 90},
        done=lambda t: _fresh(t, "now").status == "done",
    ),
    Request(
        "api:roadmaps:initiative-detail",
        "delete",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("later"),
        done=_gone(Initiative, "later"),
    ),
    Request(
        "api:roadmaps:initiative-move",
        "post",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("later"),
        body=lambda t: {"horizon": "now", "before": t.roadmap.now.pk},
        done=lambda t: (
            _fresh(t, "later").horizon == "now" and _fresh(t, "later").rank < t.roadmap.now.rank
        ),
    ),
    Request(
        "api:roadmaps:dependency-list",
        "post",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("later"),
        body=lambda t: {"depends_on": t.roadmap.next.pk},
        done=lambda t: _fresh(t, "later").depends_on.filter(pk=t.roadmap.next.pk).exists(),
    ),
    Request(
        "api:roadmaps:dependency-detail",
        "delete",
        Action.ROADMAP_PLAN,
        kwargs=lambda t: {"pk": t.roadmap.next.pk, "depends_on_pk": t.roadmap.now.pk},
        done=lambda t: not _fresh(t, "next").depends_on.exists(),
    ),
    # --- Health updates
    Request("api:roadmaps:initiative-health", "get", Action.ROADMAP_VIEW, kwargs=_row_pk("now")),
    Request(
        "api:roadmaps:initiative-health",
        "post",
        Action.LAUNCH_UPDATE,
        kwargs=_row_pk("now"),
        body=lambda t: {"health": "on_track", "note": "Vendor delivered"},
        done=lambda t: _fresh(t, "now").health == "on_track",
    ),
    Request(
        "api:roadmaps:objective-health", "get", Action.ROADMAP_VIEW, kwargs=_row_pk("objective")
    ),
    Request(
        "api:roadmaps:objective-health",
        "post",
        Action.LAUNCH_UPDATE,
        kwargs=_row_pk("objective"),
        body=lambda t: {"health": "off_track"},
        done=lambda t: _fresh(t, "objective").health == "off_track",
    ),
    # --- Releases and launch checklists
    Request("api:roadmaps:release-list", "get", Action.ROADMAP_VIEW, kwargs=_product_pk),
    Request(
        "api:roadmaps:release-list",
        "post",
        Action.ROADMAP_PLAN,
        kwargs=_product_pk,
        body=lambda t: {"name": "2.0", "target_date": day(60), "initiatives": [t.roadmap.next.pk]},
        done=lambda t: Release.objects.filter(
            product=t.product, name="2.0", initiatives=t.roadmap.next
        ).exists(),
    ),
    Request("api:roadmaps:release-detail", "get", Action.ROADMAP_VIEW, kwargs=_row_pk("release")),
    Request(
        "api:roadmaps:release-detail",
        "patch",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("release"),
        body=lambda t: {"notes": "Ready", "is_milestone": True},
        done=lambda t: _fresh(t, "release").is_milestone,
    ),
    Request(
        "api:roadmaps:release-detail",
        "delete",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("release"),
        done=_gone(Release, "release"),
    ),
    Request(
        "api:roadmaps:release-ship",
        "post",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("release"),
        done=lambda t: _fresh(t, "release").status == "shipped",
    ),
    Request(
        "api:roadmaps:checklist-list",
        "get",
        Action.ROADMAP_VIEW,
        kwargs=lambda t: {"release_pk": t.roadmap.release.pk},
    ),
    Request(
        "api:roadmaps:checklist-list",
        "post",
        Action.ROADMAP_PLAN,
        kwargs=lambda t: {"release_pk": t.roadmap.release.pk},
        body=lambda t: {"title": "Blog post", "due_on": day(20)},
        done=lambda t: t.roadmap.release.checklist.filter(title="Blog post").exists(),
    ),
    Request(
        "api:roadmaps:checklist-item-detail",
        "get",
        Action.ROADMAP_VIEW,
        kwargs=_row_pk("open_item"),
    ),
    Request(
        "api:roadmaps:checklist-item-detail",
        "patch",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("open_item"),
        body=lambda t: {"title": "Docs reviewed"},
        done=lambda t: _fresh(t, "open_item").title == "Docs reviewed",
    ),
    Request(
        "api:roadmaps:checklist-item-detail",
        "delete",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("open_item"),
        done=_gone(ChecklistItem, "open_item"),
    ),
    Request(
        "api:roadmaps:checklist-item-done",
        "post",
        Action.LAUNCH_UPDATE,
        kwargs=_row_pk("open_item"),
        body=lambda t: {"done": True},
        done=lambda t: _fresh(t, "open_item").done,
    ),
    # --- Snapshots
    Request("api:roadmaps:snapshot-list", "get", Action.ROADMAP_VIEW, kwargs=_product_pk),
    Request(
        "api:roadmaps:snapshot-list",
        "post",
        Action.ROADMAP_PLAN,
        kwargs=_product_pk,
        body=lambda t: {"name": "Quarterly review"},
        done=lambda t: Snapshot.objects.filter(product=t.product, name="Quarterly review").exists(),
    ),
    Request(
        "api:roadmaps:snapshot-detail",
        "get",
        Action.ROADMAP_VIEW,
        kwargs=_row_pk("first_snapshot"),
    ),
    Request(
        "api:roadmaps:snapshot-detail",
        "delete",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("first_snapshot"),
        done=_gone(Snapshot, "first_snapshot"),
    ),
    # Without ids: from the latest snapshot to the roadmap now.
    Request("api:roadmaps:snapshot-diff", "get", Action.ROADMAP_VIEW, kwargs=_product_pk),
    # --- Share links
    Request("api:roadmaps:share-link-list", "get", Action.ROADMAP_SHARE, kwargs=_product_pk),
    Request(
        "api:roadmaps:share-link-list",
        "post",
        Action.ROADMAP_SHARE,
        kwargs=_product_pk,
        body=lambda t: {"label": "Sales team"},
        done=lambda t: ShareLink.objects.filter(product=t.product, label="Sales team").exists(),
    ),
    Request(
        "api:roadmaps:share-link-detail",
        "get",
        Action.ROADMAP_SHARE,
        kwargs=_row_pk("share_link"),
    ),
    Request(
        "api:roadmaps:share-link-detail",
        "delete",
        Action.ROADMAP_SHARE,
        kwargs=_row_pk("share_link"),
        done=lambda t: _fresh(t, "share_link").revoked_at is not None,
    ),
    # --- Competitors and the feature matrix
    Request("api:roadmaps:competitor-list", "get", Action.ROADMAP_VIEW, kwargs=_product_pk),
    Request(
        "api:roadmaps:competitor-list",
        "post",
        Action.ROADMAP_PLAN,
        kwargs=_product_pk,
        body=lambda t: {"name": "Newcomer", "market_share": "12.5"},
        done=lambda t: Competitor.objects.filter(product=t.product, name="Newcomer").exists(),
    ),
    Request(
        "api:roadmaps:competitor-detail",
        "get",
        Action.ROADMAP_VIEW,
        kwargs=_row_pk("competitor"),
    ),
    Request(
        "api:roadmaps:competitor-detail",
        "patch",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("competitor"),
        body=lambda t: {"notes": "Cheaper"},
        done=lambda t: _fresh(t, "competitor").notes == "Cheaper",
    ),
    Request(
        "api:roadmaps:competitor-detail",
        "delete",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("competitor"),
        done=_gone(Competitor, "competitor"),
    ),
    Request("api:roadmaps:feature-list", "get", Action.ROADMAP_VIEW, kwargs=_product_pk),
    Request(
        "api:roadmaps:feature-list",
        "post",
        Action.ROADMAP_PLAN,
        kwargs=_product_pk,
        body=lambda t: {"name": "Audit log", "ours": "yes"},
        done=lambda t: CompetitorFeature.objects.filter(
            product=t.product, name="Audit log"
        ).exists(),
    ),
    Request("api:roadmaps:feature-detail", "get", Action.ROADMAP_VIEW, kwargs=_row_pk("feature")),
    Request(
        "api:roadmaps:feature-detail",
        "patch",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("feature"),
        body=lambda t: {"ours": "partial"},
        done=lambda t: _fresh(t, "feature").ours == "partial",
    ),
    Request(
        "api:roadmaps:feature-detail",
        "delete",
        Action.ROADMAP_PLAN,
        kwargs=_row_pk("other_feature"),
        done=_gone(CompetitorFeature, "other_feature"),
    ),
    Request("api:roadmaps:matrix", "get", Action.ROADMAP_VIEW, kwargs=_product_pk),
    Request(
        "api:roadmaps:matrix-cell",
        "put",
        Action.ROADMAP_PLAN,
        kwargs=lambda t: {
            "feature_pk": t.roadmap.other_feature.pk,
            "competitor_pk": t.roadmap.competitor.pk,
        },
        body=lambda t: {"level": "yes"},
        done=lambda t: FeatureSupport.objects.filter(
            feature=t.roadmap.other_feature, competitor=t.roadmap.competitor, level="yes"
        ).exists(),
    ),
]


def _pk(get) -> Any:
    return lambda t: {"pk": get(t.roadmap).pk}


_PLANNED_DATES = {"starts_on": "2027-03-01", "ends_on": "2027-03-31"}
_OBJECTIVE_BODY = {"title": "matrix objective", "starts_on": "2027-01-01", "ends_on": "2027-03-31"}
_KR_BODY = {"title": "matrix kr", "direction": "increase", "start_value": 1, "target_value": 5}

PAGE_CASES: list[Request] = [
    # Planning pages (roadmaps/views/board, timeline, objectives, initiatives, export).
    Request("roadmaps:index", "get", Action.ROADMAP_VIEW),
    Request("roadmaps:objectives", "get", Action.ROADMAP_VIEW),
    Request("roadmaps:product-objectives", "get", Action.ROADMAP_VIEW, _slug),
    Request("roadmaps:board", "get", Action.ROADMAP_VIEW, _slug),
    Request("roadmaps:timeline", "get", Action.ROADMAP_VIEW, _slug),
    Request("roadmaps:export-csv", "get", Action.ROADMAP_VIEW, _slug),
    Request("roadmaps:print", "get", Action.ROADMAP_VIEW, _slug),
    Request("roadmaps:initiative", "get", Action.ROADMAP_VIEW, _pk(lambda r: r.now)),
    Request("roadmaps:objective-create", "get", Action.ROADMAP_PLAN),
    Request(
        "roadmaps:objective-create",
        "post",
        Action.ROADMAP_PLAN,
        body=lambda t: _OBJECTIVE_BODY,
        done=lambda t: Objective.objects.filter(
            workspace=t.workspace, title="matrix objective"
        ).exists(),
    ),
    Request("roadmaps:objective-edit", "get", Action.ROADMAP_PLAN, _pk(lambda r: r.objective)),
    Request(
        "roadmaps:objective-edit",
        "post",
        Action.ROADMAP_PLAN,
        _pk(lambda r: r.company_objective),
        body=lambda t: _OBJECTIVE_BODY,
        done=lambda t: (
            Objective.objects.get(pk=t.roadmap.company_objective.pk).title == "matrix objective"
        ),
    ),
    Request("roadmaps:key-result-create", "get", Action.ROADMAP_PLAN, _pk(lambda r: r.objective)),
    Request(
        "roadmaps:key-result-create",
        "post",
        Action.ROADMAP_PLAN,
        _pk(lambda r: r.objective),
        body=lambda t: _KR_BODY,
        done=lambda t: KeyResult.objects.filter(title="matrix kr").exists(),
    ),
    Request(
        "roadmaps:key-result-edit",
        "post",
        Action.ROADMAP_PLAN,
        _pk(lambda r: r.manual_key_result),
        body=lambda t: _KR_BODY,
        done=lambda t: (
            KeyResult.objects.get(pk=t.roadmap.manual_key_result.pk).title == "matrix kr"
        ),
    ),
    Request(
        "roadmaps:initiative-create",
        "post",
        Action.ROADMAP_PLAN,
        _slug,
        body=lambda t: {"title": "matrix initiative", "status": "planned", "horizon": "now"},
        done=lambda t: Initiative.objects.filter(
            product=t.product, title="matrix initiative", horizon="now"
        ).exists(),
    ),
    Request("roadmaps:initiative-edit", "get", Action.ROADMAP_PLAN, _pk(lambda r: r.now)),
    Request(
        "roadmaps:initiative-edit",
        "post",
        Action.ROADMAP_PLAN,
        _pk(lambda r: r.later),
        body=lambda t: {"title": "acme mobile app v2", "status": "planned"},
        done=lambda t: Initiative.objects.get(pk=t.roadmap.later.pk).title == "acme mobile app v2",
    ),
    Request(
        "roadmaps:initiative-move",
        "post",
        Action.ROADMAP_PLAN,
        _pk(lambda r: r.later),
        body=lambda t: {"horizon": "now", "before": t.roadmap.now.pk},
        done=lambda t: Initiative.objects.get(pk=t.roadmap.later.pk).horizon == "now",
    ),
    Request(
        "roadmaps:initiative-dates",
        "post",
        Action.ROADMAP_PLAN,
        _pk(lambda r: r.next),
        body=lambda t: _PLANNED_DATES,
        done=lambda t: str(Initiative.objects.get(pk=t.roadmap.next.pk).ends_on) == "2027-03-31",
    ),
    Request(
        "roadmaps:dependency-add",
        "post",
        Action.ROADMAP_PLAN,
        _pk(lambda r: r.later),
        body=lambda t: {"depends_on": t.roadmap.now.pk},
        done=lambda t: Initiative.objects.get(pk=t.roadmap.later.pk).depends_on.exists(),
    ),
    Request(
        "roadmaps:dependency-remove",
        "post",
        Action.ROADMAP_PLAN,
        lambda t: {"pk": t.roadmap.next.pk, "other": t.roadmap.now.pk},
        done=lambda t: not Initiative.objects.get(pk=t.roadmap.next.pk).depends_on.exists(),
    ),
    Request(
        "roadmaps:initiative-objectives",
        "post",
        Action.ROADMAP_PLAN,
        _pk(lambda r: r.later),
        body=lambda t: {"objectives": [t.roadmap.objective.pk]},
        done=lambda t: Initiative.objects.get(pk=t.roadmap.later.pk).objectives.exists(),
    ),
]

# Delivery pages (roadmaps/views/releases, health, snapshots, sharing, competitors).


def _d_release(t: T) -> dict[str, Any]:
    return {"slug": t.product.slug, "pk": t.roadmap.release.pk}


def _d_item(get) -> Any:
    return lambda t: {**_d_release(t), "item_pk": get(t.roadmap).pk}


def _d_in_product(get) -> Any:
    """kwargs of a product's row ``get(plan)``: the product's slug and the row's pk."""
    return lambda t: {"slug": t.product.slug, "pk": get(t.roadmap).pk}


def _d_cell(t: T) -> dict[str, Any]:
    plan = t.roadmap
    return {"slug": t.product.slug, "pk": plan.feature.pk, "column": plan.competitor.pk}


_D_RELEASE = {"name": "matrix release", "target_date": "2027-01-01", "status": "planned"}

PAGE_CASES += [
    Request("roadmaps:release-list", "get", Action.ROADMAP_VIEW, _slug),
    Request("roadmaps:release-create", "get", Action.ROADMAP_PLAN, _slug),
    Request(
        "roadmaps:release-create",
        "post",
        Action.ROADMAP_PLAN,
        _slug,
        body=lambda t: _D_RELEASE,
        done=lambda t: roadmap_models.Release.objects.filter(
            product=t.product, name="matrix release"
        ).exists(),
    ),
    Request("roadmaps:release-detail", "get", Action.ROADMAP_VIEW, _d_release),
    Request("roadmaps:release-edit", "get", Action.ROADMAP_PLAN, _d_release),
    Request(
        "roadmaps:release-edit",
        "post",
        Action.ROADMAP_PLAN,
        _d_release,
        body=lambda t: _D_RELEASE,
        done=lambda t: (
            roadmap_models.Release.objects.get(pk=t.roadmap.release.pk).name == "matrix release"
        ),
    ),
    Request(
        "roadmaps:release-ship",
        "post",
        Action.ROADMAP_PLAN,
        _d_release,
        done=lambda t: (
            roadmap_models.Release.objects.get(pk=t.roadmap.release.pk).status == "shipped"
        ),
    ),
    Request(
        "roadmaps:release-delete",
        "post",
        Action.ROADMAP_PLAN,
        _d_release,
        done=lambda t: not roadmap_models.Release.objects.filter(pk=t.roadmap.release.pk).exists(),
    ),
    Request(
        "roadmaps:checklist-add",
        "post",
        Action.ROADMAP_PLAN,
        _d_release,
        body=lambda t: {"title": "matrix item"},
        done=lambda t: t.roadmap.release.checklist.filter(title="matrix item").exists(),
    ),
    Request(
        "roadmaps:checklist-done",
        "post",
        Action.LAUNCH_UPDATE,
        _d_item(lambda p: p.open_item),
        body=lambda t: {"done": "1"},
        done=lambda t: roadmap_models.ChecklistItem.objects.get(pk=t.roadmap.open_item.pk).done,
    ),
    Request(
        "roadmaps:checklist-remove",
        "post",
        Action.ROADMAP_PLAN,
        _d_item(lambda p: p.done_item),
        done=lambda t: (
            not roadmap_models.ChecklistItem.objects.filter(pk=t.roadmap.done_item.pk).exists()
        ),
    ),
    Request(
        "roadmaps:initiative-health",
        "post",
        Action.LAUNCH_UPDATE,
        lambda t: {"pk": t.roadmap.now.pk},
        body=lambda t: {"health": "off_track", "note": "matrix"},
        done=lambda t: (
            roadmap_models.Initiative.objects.get(pk=t.roadmap.now.pk).health == "off_track"
        ),
    ),
    Request(
        "roadmaps:objective-health",
        "post",
        Action.LAUNCH_UPDATE,
        lambda t: {"pk": t.roadmap.company_objective.pk},
        body=lambda t: {"health": "at_risk"},
        done=lambda t: (
            roadmap_models.Objective.objects.get(pk=t.roadmap.company_objective.pk).health
            == "at_risk"
        ),
    ),
    Request(
        "roadmaps:objective-updates",
        "get",
        Action.ROADMAP_VIEW,
        lambda t: {"pk": t.roadmap.company_objective.pk},
    ),
    Request("roadmaps:snapshot-list", "get", Action.ROADMAP_VIEW, _slug),
    Request(
        "roadmaps:snapshot-create",
        "post",
        Action.ROADMAP_PLAN,
        _slug,
        body=lambda t: {"name": "matrix snapshot"},
        done=lambda t: roadmap_models.Snapshot.objects.filter(name="matrix snapshot").exists(),
    ),
    Request("roadmaps:snapshot-diff", "get", Action.ROADMAP_VIEW, _slug),
    Request(
        "roadmaps:snapshot-delete",
        "post",
        Action.ROADMAP_PLAN,
        _d_in_product(lambda p: p.first_snapshot),
        done=lambda t: (
            not roadmap_models.Snapshot.objects.filter(pk=t.roadmap.first_snapshot.pk).exists()
        ),
    ),
    Request("roadmaps:share-links", "get", Action.ROADMAP_SHARE, _slug),
    Request(
        "roadmaps:share-links",
        "post",
        Action.ROADMAP_SHARE,
        _slug,
        body=lambda t: {"label": "matrix link"},
        done=lambda t: roadmap_models.ShareLink.objects.filter(label="matrix link").exists(),
    ),
    Request(
        "roadmaps:share-link-revoke",
        "post",
        Action.ROADMAP_SHARE,
        _d_in_product(lambda p: p.share_link),
        done=lambda t: (
            roadmap_models.ShareLink.objects.get(pk=t.roadmap.share_link.pk).revoked_at is not None
        ),
    ),
    Request("roadmaps:competitor-list", "get", Action.ROADMAP_VIEW, _slug),
    Request(
        "roadmaps:competitor-create",
        "post",
        Action.ROADMAP_PLAN,
        _slug,
        body=lambda t: {"name": "matrix rival"},
        done=lambda t: roadmap_models.Competitor.objects.filter(name="matrix rival").exists(),
    ),
    Request(
        "roadmaps:competitor-edit",
        "get",
        Action.ROADMAP_PLAN,
        _d_in_product(lambda p: p.competitor),
    ),
    Request(
        "roadmaps:competitor-edit",
        "post",
        Action.ROADMAP_PLAN,
        _d_in_product(lambda p: p.competitor),
        body=lambda t: {"name": "matrix rival"},
        done=lambda t: (
            roadmap_models.Competitor.objects.get(pk=t.roadmap.competitor.pk).name == "matrix rival"
        ),
    ),
    Request(
        "roadmaps:competitor-delete",
        "post",
        Action.ROADMAP_PLAN,
        _d_in_product(lambda p: p.competitor),
        done=lambda t: (
            not roadmap_models.Competitor.objects.filter(pk=t.roadmap.competitor.pk).exists()
        ),
    ),
    Request(
        "roadmaps:feature-create",
        "post",
        Action.ROADMAP_PLAN,
        _slug,
        body=lambda t: {"name": "matrix feature", "ours": "yes"},
        done=lambda t: roadmap_models.CompetitorFeature.objects.filter(
            name="matrix feature"
        ).exists(),
    ),
    Request(
        "roadmaps:feature-delete",
        "post",
        Action.ROADMAP_PLAN,
        _d_in_product(lambda p: p.other_feature),
        done=lambda t: (
            not roadmap_models.CompetitorFeature.objects.filter(
                pk=t.roadmap.other_feature.pk
            ).exists()
        ),
    ),
    Request("roadmaps:matrix-cell", "get", Action.ROADMAP_PLAN, _d_cell),
    Request(
        "roadmaps:matrix-cell",
        "post",
        Action.ROADMAP_PLAN,
        _d_cell,
        body=lambda t: {"level": "no"},
        done=lambda t: (
            roadmap_models.FeatureSupport.objects.get(
                feature=t.roadmap.feature, competitor=t.roadmap.competitor
            ).level
            == "no"
        ),
    ),
]

# Pages whose allowed POST answers with the page itself (a secret shown once), not a redirect.
PAGES_SHOWING_A_SECRET: tuple[str, ...] = ("roadmaps:share-links",)


# --- The cases cover the capability table and the URL conf ---------------------------------------


def test_every_roadmaps_action_has_a_request():
    tried = {case.action for case in [*API_CASES, *PAGE_CASES]}
    assert tried >= ROADMAP_ACTIONS, f"Actions without a case: {ROADMAP_ACTIONS - tried}"


def test_every_api_route_and_method_has_a_case_with_its_declared_action():
    assert_api_cases_match_routes(ROUTES, API_CASES)


def test_every_guarded_page_has_a_case_with_its_declared_action():
    assert_page_cases_match_routes(ROUTES, PAGE_CASES)


# --- The matrix -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "role"), matrix(API_CASES))
def test_api_request_is_allowed_exactly_for_the_roles_of_its_capability(db, case, role):
    team = build_roadmap_team(role)
    check_request(
        team, case, team.api(), allowed_statuses={200, 201, 204}, snapshot=roadmap_snapshot
    )


@pytest.mark.parametrize(("case", "role"), matrix(PAGE_CASES))
def test_page_request_is_allowed_exactly_for_the_roles_of_its_capability(db, case, role):
    team = build_roadmap_team(role)
    ok = page_statuses(case, shows_secret=PAGES_SHOWING_A_SECRET)
    check_request(team, case, team.page(), allowed_statuses=ok, snapshot=roadmap_snapshot)


@pytest.mark.parametrize("case", [c for c in API_CASES if c.method != "get"], ids=str)
def test_read_only_token_is_refused_every_write(db, case):
    check_read_only_token_refused(build_roadmap_team(Role.OWNER), case, snapshot=roadmap_snapshot)


def test_read_only_token_still_reads(db):
    check_read_only_token_reads(build_roadmap_team(Role.OWNER), API_CASES)
