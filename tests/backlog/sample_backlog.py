"""A product's backlog made through the backlog services: labels, a custom field, items of each
kind (one under another, one in a sprint, one tied to an initiative and a release), sprints,
a saved view and a finished import — for the role matrix, the isolation walker and page tests.

Every title carries ``tag``, so a page test can tell one tenant's rows from another's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from backlog.models import (
    BacklogSettings,
    CustomField,
    ImportJob,
    Item,
    ItemHistory,
    Label,
    SavedView,
    Sprint,
)
from backlog.services.fields import custom_field_create, label_create, saved_view_create
from backlog.services.items import item_create
from backlog.services.sprints import sprint_create, sprint_start
from pmhub.models import Product, Workspace
from roadmaps.services.initiatives import initiative_create
from roadmaps.services.releases import release_create
from tests.factories import workspace_snapshot


@dataclass
class SampleBacklog:
    product: Product
    label: Label
    field: CustomField
    feature: Item
    story: Item
    bug: Item
    sprint: Sprint
    next_sprint: Sprint
    view: SavedView
    job: ImportJob


def make_backlog(product: Product, actor, tag: str) -> SampleBacklog:
    """Fill ``product``'s backlog (``actor`` must be able to plan)."""
    today = timezone.localdate()
    label = label_create(product=product, actor=actor, name=f"{tag}-label", colour="#2563eb")
    field = custom_field_create(
        product=product, actor=actor, key="segment_size", name=f"{tag} segment", kind="number"
    )
    initiative = initiative_create(product=product, actor=actor, title=f"{tag} initiative")
    release = release_create(
        product=product, actor=actor, name=f"{tag} 1.0", target_date=today + timedelta(days=30)
    )
    sprint = sprint_create(
        product=product,
        actor=actor,
        name=f"{tag} sprint 1",
        starts_on=today - timedelta(days=3),
        ends_on=today + timedelta(days=10),
        capacity=20,
    )
    next_sprint = sprint_create(
        product=product,
        actor=actor,
        name=f"{tag} sprint 2",
        starts_on=today + timedelta(days=11),
        ends_on=today + timedelta(days=24),
    )
    feature = item_create(
        product=product,
        actor=actor,
        kind="feature",
        title=f"{tag} feature",
        initiative=initiative,
        release=release,
        estimate=8,
        reach=1000,
        impact=2,
        confidence=80,
        effort=2,
        labels=[label],
    )
    story = item_create(
        product=product,
        actor=actor,
        kind="story",
        title=f"{tag} story",
        parent=feature,
        sprint=sprint,
        estimate=3,
        status="ready",
        acceptance=[{"text": f"{tag} can log in", "done": False}],
        custom={"segment_size": 40},
    )
    bug = item_create(product=product, actor=actor, kind="bug", title=f"{tag} bug", estimate=1)
    sprint_start(sprint=sprint, actor=actor)
    view = saved_view_create(
        product=product, actor=actor, name=f"{tag} bugs", query="kind=bug", shared=True
    )
    job = ImportJob.objects.create(
        product=product,
        actor=actor,
        format="pmhub",
        filename=f"{tag}.csv",
        content="title\n",
        status="done",
        finished_at=timezone.now(),
    )
    return SampleBacklog(
        product=product,
        label=label,
        field=field,
        feature=feature,
        story=story,
        bug=bug,
        sprint=sprint,
        next_sprint=next_sprint,
        view=view,
        job=job,
    )


def _rows(queryset) -> list[dict[str, Any]]:
    return list(queryset.order_by("pk").values())


def backlog_snapshot(workspace: Workspace) -> dict[str, Any]:
    """Everything of ``workspace`` a backlog request could change (and what the core could)."""
    products = Product.objects.filter(workspace=workspace)
    items = Item.objects.filter(product__in=products)
    return {
        "core": workspace_snapshot(workspace),
        "settings": _rows(BacklogSettings.objects.filter(product__in=products)),
        "labels": _rows(Label.objects.filter(product__in=products)),
        "fields": _rows(CustomField.objects.filter(product__in=products)),
        "items": _rows(items),
        "item_labels": sorted(
            Item.labels.through.objects.filter(item__in=items).values_list("item_id", "label_id")
        ),
        "history": _rows(ItemHistory.objects.filter(item__in=items)),
        "sprints": _rows(Sprint.objects.filter(product__in=products)),
        "views": _rows(SavedView.objects.filter(product__in=products)),
        "imports": _rows(ImportJob.objects.filter(product__in=products)),
    }
