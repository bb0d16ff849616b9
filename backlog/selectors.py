"""Reads of the backlog that are more than a one-line queryset, shared by pages and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import F, OuterRef, Q, QuerySet
from django.db.models.functions import JSONObject

from backlog.models import Item, Sprint, SprintStatus
from pmhub.expressions import JSONList
from pmhub.models import Product

SORTS: dict[str, list[Any]] = {
    "rank": ["rank"],
    "score": [F("score").desc(nulls_last=True), "rank"],
    "-score": [F("score").asc(nulls_last=True), "rank"],
    "estimate": [F("estimate").asc(nulls_last=True), "rank"],
    "-estimate": [F("estimate").desc(nulls_last=True), "rank"],
    "created": ["created_at", "pk"],
    "-created": ["-created_at", "-pk"],
    "updated": ["-updated_at", "-pk"],
    "title": ["title", "pk"],
}


@dataclass
class ItemFilters:
    """What the backlog list and the API filter by; empty means "any"."""

    kind: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    label: list[int] = field(default_factory=list)
    assignee: list[int] = field(default_factory=list)
    unassigned: bool = False
    initiative: int | None = None
    release: int | None = None
    sprint: int | None = None
    in_backlog: bool = False  # in no sprint
    parent: int | None = None
    q: str = ""
    custom: dict[str, str] = field(default_factory=dict)
    created_after: date | None = None
    created_before: date | None = None


def search(items: QuerySet[Item], text: str) -> QuerySet[Item]:
    """Items whose title or description matches ``text``: PostgreSQL full-text search (English
    stemming, served by the ``item_search`` index), LIKE on SQLite."""
    text = text.strip()
    if not text:
        return items
    if connection.vendor != "postgresql":
        return items.filter(Q(title__icontains=text) | Q(description__icontains=text))
    vector = SearchVector("title", "description", config="english")
    query = SearchQuery(text, config="english", search_type="websearch")
    return items.annotate(search=vector).filter(search=query)


def items_filtered(product: Product, filters: ItemFilters, sort: str = "rank") -> QuerySet[Item]:
    """The product's items that pass ``filters``, in ``sort`` order (see ``SORTS``)."""
    items = Item.objects.filter(product=product)
    if filters.kind:
        items = items.filter(kind__in=filters.kind)
    if filters.status:
        items = items.filter(status__in=filters.status)
    if filters.label:
        items = items.filter(labels__in=filters.label).distinct()
    if filters.assignee or filters.unassigned:
        who = Q(assignee__in=filters.assignee) if filters.assignee else Q()
        items = items.filter(who | Q(assignee__isnull=True) if filters.unassigned else who)
    for name in ("initiative", "release", "sprint", "parent"):
        if getattr(filters, name) is not None:
            items = items.filter(**{name: getattr(filters, name)})
    if filters.in_backlog:
        items = items.filter(sprint__isnull=True)
    for key, value in filters.custom.items():
        # Containment, not ``custom__<key>``: a key may hold "__" ("x__isnull"), which a lookup
        # path would read as a lookup (a 500 or a wrong match).
        items = items.filter(custom__contains={key: value})
    if filters.created_after:
        items = items.filter(created_at__date__gte=filters.created_after)
    if filters.created_before:
        items = items.filter(created_at__date__lte=filters.created_before)
    items = search(items, filters.q)
    order: list[Any] = SORTS.get(sort, SORTS["rank"])
    return items.order_by(*order)


def with_labels(items: QuerySet[Item]) -> QuerySet[Item]:
    """``items``, each with ``label_list``: its labels by name (``id``, ``name``, ``colour``),
    read in the list's own query."""
    links = Item.labels.through.objects.filter(item=OuterRef("pk")).order_by("label__name", "label")
    label = JSONObject(id="label_id", name="label__name", colour="label__colour")
    return items.annotate(label_list=JSONList(links.values(json=label)))


def with_links(items: QuerySet[Item]) -> QuerySet[Item]:
    """``items`` with their labels (``with_labels``) and ``child_ids``, the ids of the items
    under each in backlog order, all in the list's own query."""
    children = Item.objects.filter(parent=OuterRef("pk")).order_by("rank").values("pk")
    return with_labels(items).annotate(child_ids=JSONList(children))


def with_list_relations(items: QuerySet[Item]) -> QuerySet[Item]:
    """What an exported row shows (assignee, sprint, release, initiative, labels), in the
    list's own query: it streams chunk by chunk with ``iterator()``."""
    return with_labels(items).select_related("assignee", "sprint", "release", "initiative")


def product_sprints(product: Product) -> QuerySet[Sprint]:
    """The product's sprints, the open ones first (active, then planned by date), then closed."""
    return Sprint.objects.filter(product=product).order_by(
        F("closed_at").desc(nulls_first=True), "starts_on", "pk"
    )


def open_sprints(product: Product) -> QuerySet[Sprint]:
    return Sprint.objects.filter(product=product).exclude(status=SprintStatus.CLOSED)
