"""A product's whole roadmap, made through the roadmaps services, for the role matrix and the
isolation walker (and any test that wants a realistic plan).

Every title carries ``tag`` ("acme", "alpha", "bravo"…), so a page test can tell one tenant's
rows from another's by text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from metrics.models import Annotation, Metric
from pmhub.models import Product, Workspace
from roadmaps.models import (
    ChecklistItem,
    Competitor,
    CompetitorFeature,
    FeatureSupport,
    HealthUpdate,
    Initiative,
    KeyResult,
    Objective,
    Release,
    ShareLink,
    Snapshot,
    Theme,
)
from roadmaps.services.competitors import competitor_create, feature_create, feature_support_set
from roadmaps.services.health import health_update_post
from roadmaps.services.initiatives import (
    initiative_create,
    initiative_depend,
    initiative_set_objectives,
)
from roadmaps.services.okrs import key_result_create, objective_create
from roadmaps.services.releases import (
    checklist_item_create,
    checklist_item_set_done,
    release_create,
    release_set_initiatives,
)
from roadmaps.services.sharing import share_link_create
from roadmaps.services.snapshots import snapshot_take
from roadmaps.services.themes import theme_create
from tests.factories import workspace_snapshot


@dataclass
class SampleRoadmap:
    """The rows ``build_roadmap`` made (as they were then: re-read them after a request)."""

    company_objective: Objective  # of the company (no product)
    objective: Objective  # of the product, aligned under the company's
    metric_key_result: KeyResult  # measured by the product's "dau" metric
    manual_key_result: KeyResult  # entered by hand
    theme: Theme
    now: Initiative  # serves ``objective``, in ``theme``, dated, in ``release``
    next: Initiative  # depends on ``now``
    later: Initiative  # undated, free of everything (safe to delete)
    release: Release  # planned, carries ``now``
    open_item: ChecklistItem
    done_item: ChecklistItem
    health_update: HealthUpdate  # on ``now``
    first_snapshot: Snapshot  # before ``later`` was added
    second_snapshot: Snapshot  # after
    share_link: ShareLink
    share_token: str
    competitor: Competitor
    feature: CompetitorFeature  # with a cell for ``competitor``
    other_feature: CompetitorFeature  # without a cell


def build_roadmap(product: Product, actor: Any, tag: str) -> SampleRoadmap:
    """Objectives, key results (one bound to a metric), a theme, initiatives in the three
    horizons with a dependency, a release with a checklist, a health update, two snapshots, a
    share link and a competitor matrix, all of ``product``, made by ``actor`` (a planner)."""
    ws = product.workspace
    today = timezone.now().date()
    quarter = {"starts_on": today - timedelta(days=30), "ends_on": today + timedelta(days=60)}
    company = objective_create(
        workspace=ws, actor=actor, title=f"{tag} company objective", period="2026", **quarter
    )
    objective = objective_create(
        workspace=ws,
        actor=actor,
        product=product,
        title=f"{tag} activation objective",
        period="Q4",
        parent=company,
        **quarter,
    )
    metric_kr = key_result_create(
        objective=objective,
        actor=actor,
        title=f"{tag} daily actives",
        start_value=100,
        target_value=200,
        metric=Metric.objects.get(product=product, key="dau"),
    )
    manual_kr = key_result_create(
        objective=objective,
        actor=actor,
        title=f"{tag} NPS",
        start_value=20,
        target_value=40,
        current_value=30,
    )
    theme = theme_create(product=product, actor=actor, name=f"{tag} growth", colour="#1f77b4")
    now = initiative_create(
        product=product,
        actor=actor,
        title=f"{tag} onboarding revamp",
        horizon="now",
        status="in_progress",
        theme=theme,
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=20),
    )
    initiative_set_objectives(initiative=now, actor=actor, objectives=[objective, company])
    nxt = initiative_create(
        product=product,
        actor=actor,
        title=f"{tag} billing v2",
        horizon="next",
        status="planned",
        starts_on=today + timedelta(days=30),
        ends_on=today + timedelta(days=90),
    )
    initiative_depend(initiative=nxt, actor=actor, depends_on=now)
    release = release_create(
        product=product, actor=actor, name=f"{tag} 1.0", target_date=today + timedelta(days=21)
    )
    release_set_initiatives(release=release, actor=actor, initiatives=[now])
    open_item = checklist_item_create(release=release, actor=actor, title=f"{tag} docs written")
    done_item = checklist_item_create(release=release, actor=actor, title=f"{tag} support briefed")
    checklist_item_set_done(item=done_item, actor=actor, done=True)
    health = health_update_post(
        subject=now, actor=actor, health="at_risk", note=f"{tag} vendor is late"
    )
    first = snapshot_take(product=product, actor=actor, name=f"{tag} before")
    later = initiative_create(
        product=product, actor=actor, title=f"{tag} mobile app", horizon="later"
    )
    second = snapshot_take(product=product, actor=actor, name=f"{tag} after")
    link, token = share_link_create(product=product, actor=actor, label=f"{tag} board link")
    competitor = competitor_create(
        product=product, actor=actor, name=f"{tag} rival", website="https://rival.example"
    )
    feature = feature_create(product=product, actor=actor, name=f"{tag} SSO", ours="yes")
    other = feature_create(product=product, actor=actor, name=f"{tag} dark mode", ours="no")
    feature_support_set(feature=feature, competitor=competitor, actor=actor, level="partial")
    return SampleRoadmap(
        company_objective=company,
        objective=objective,
        metric_key_result=metric_kr,
        manual_key_result=manual_kr,
        theme=theme,
        now=now,
        next=nxt,
        later=later,
        release=release,
        open_item=open_item,
        done_item=done_item,
        health_update=health,
        first_snapshot=first,
        second_snapshot=second,
        share_link=link,
        share_token=token,
        competitor=competitor,
        feature=feature,
        other_feature=other,
    )


def _rows(queryset) -> list[dict[str, Any]]:
    return list(queryset.order_by("pk").values())


def roadmap_snapshot(workspace: Workspace) -> dict[str, Any]:
    """Everything of ``workspace`` a roadmaps request could change (and what the core could)."""
    products = Product.objects.filter(workspace=workspace)
    initiatives = Initiative.objects.filter(product__workspace=workspace)
    return {
        "core": workspace_snapshot(workspace),
        "objectives": _rows(Objective.objects.filter(workspace=workspace)),
        "key_results": _rows(KeyResult.objects.filter(objective__workspace=workspace)),
        "themes": _rows(Theme.objects.filter(product__in=products)),
        "initiatives": _rows(initiatives),
        "depends_on": sorted(
            Initiative.depends_on.through.objects.filter(
                from_initiative__in=initiatives
            ).values_list("from_initiative_id", "to_initiative_id")
        ),
        "serves": sorted(
            Initiative.objectives.through.objects.filter(initiative__in=initiatives).values_list(
                "initiative_id", "objective_id"
            )
        ),
        "health_updates": _rows(HealthUpdate.objects.filter(workspace=workspace)),
        "releases": _rows(Release.objects.filter(product__in=products)),
        "carries": sorted(
            Release.initiatives.through.objects.filter(release__product__in=products).values_list(
                "release_id", "initiative_id"
            )
        ),
        "checklist": _rows(ChecklistItem.objects.filter(release__product__in=products)),
        "snapshots": _rows(Snapshot.objects.filter(product__in=products)),
        "share_links": _rows(ShareLink.objects.filter(product__in=products)),
        "competitors": _rows(Competitor.objects.filter(product__in=products)),
        "features": _rows(CompetitorFeature.objects.filter(product__in=products)),
        "cells": _rows(FeatureSupport.objects.filter(feature__product__in=products)),
        "annotations": _rows(Annotation.objects.filter(product__in=products)),
    }


def day(offset: int) -> str:
    """An ISO date ``offset`` days from today, for request bodies."""
    return (date.today() + timedelta(days=offset)).isoformat()
