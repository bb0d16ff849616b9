"""Reads of the backlog that are more than a one-line queryset, shared by pages and the API."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import F, Model, Q, QuerySet

from backlog.models import Item, Label, Sprint, SprintStatus
from pmhub.expressions import SQLJSONList
from pmhub.models import Membership, Product
from roadmaps.models import Initiative, Release

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


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class LabelList(SQLJSONList):
    """An item's labels by name, each ``{"id", "name", "colour"}``: ``LabelList("pk")``."""

    fields = {"id": "l.id", "name": "l.name", "colour": "l.colour"}
    rows = (
        f"FROM {_table(Item.labels.through)} il JOIN {_table(Label)} l ON l.id = il.label_id "
        "WHERE il.item_id = %(expressions)s ORDER BY l.name, l.id"
    )


class ChildIds(SQLJSONList):
    """The ids of the items under an item, in backlog order: ``ChildIds("pk")``."""

    value = "c.id"
    rows = f"FROM {_table(Item)} c WHERE c.parent_id = %(expressions)s ORDER BY c.rank"


@functools.cache
def _menus() -> tuple[dict[str, tuple[type[Model], tuple[str, ...]]], str]:
    """The backlog list's menus — each one's model and the fields its rows carry (id, name,
    extra) — and the one statement that reads them all, built once a process."""
    user = get_user_model()
    menus: dict[str, tuple[type[Model], tuple[str, ...]]] = {
        "label": (Label, ("id", "name", "colour")),
        "member": (user, ("id", "username")),
        "initiative": (Initiative, ("id", "title")),
        "release": (Release, ("id", "name", "status")),
        "sprint": (Sprint, ("id", "name", "status")),
    }
    # Each row is (menu, position, id, name, extra): a position numbers the rows of a menu in
    # the order it shows them. The sprints' order is product_sprints' (a test compares them).
    sql = f"""
        SELECT 'label', row_number() OVER (ORDER BY name, id), id, name, colour
          FROM {_table(Label)} WHERE product_id = %(product)s
        UNION ALL
        SELECT 'member', row_number() OVER (ORDER BY u.username, u.id), u.id, u.username, NULL
          FROM {_table(user)} u JOIN {_table(Membership)} m ON m.user_id = u.id
         WHERE m.workspace_id = %(workspace)s
        UNION ALL
        SELECT 'initiative', row_number() OVER (ORDER BY title, id), id, title, NULL
          FROM {_table(Initiative)} WHERE product_id = %(product)s
        UNION ALL
        SELECT 'release', row_number() OVER (ORDER BY target_date, id), id, name, status
          FROM {_table(Release)} WHERE product_id = %(product)s
        UNION ALL
        SELECT 'sprint', row_number() OVER (ORDER BY closed_at DESC NULLS FIRST, starts_on, id),
               id, name, status
          FROM {_table(Sprint)} WHERE product_id = %(product)s
        ORDER BY 1, 2
    """  # noqa: S608 - table names from the models, values as parameters
    return menus, sql


def _loaded(model: type[Model], values: dict[str, Any]) -> Any:
    """An instance of ``model`` as ``.only(*values)`` loads it: the other fields deferred (read
    on access), never a silent default."""
    fields = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, fields, [values[name] for name in fields])


def list_menus(product: Product) -> dict[str, list[Any]]:
    """What the backlog list's menus offer, by menu (``label``, ``member``, ``initiative``,
    ``release``, ``sprint``): the product's rows and the workspace's members, in the order each
    menu shows them, with only what a menu shows and a bulk action checks (a sprint's status).

    One statement: five ORM queries cost the page ~4.5 ms of CPU building and compiling them,
    where PostgreSQL's work is a tenth of a millisecond (bench/backlog.py).
    """
    models, sql = _menus()
    with connection.cursor() as cursor:
        cursor.execute(sql, {"product": product.pk, "workspace": product.workspace_id})
        rows = cursor.fetchall()
    menus: dict[str, list[Any]] = {menu: [] for menu in models}
    for menu, _position, pk, name, extra in rows:
        model, fields = models[menu]
        values = dict(zip(fields, (pk, name, extra), strict=False))
        if menu != "member":
            values["product_id"] = product.pk
        menus[menu].append(_loaded(model, values))
    return menus


def with_labels(items: QuerySet[Item]) -> QuerySet[Item]:
    """``items``, each with ``label_list``: its labels by name (``id``, ``name``, ``colour``),
    read in the list's own query."""
    return items.annotate(label_list=LabelList("pk"))


def with_links(items: QuerySet[Item]) -> QuerySet[Item]:
    """``items`` with their labels (``with_labels``) and ``child_ids``, the ids of the items
    under each in backlog order, all in the list's own query."""
    return with_labels(items).annotate(child_ids=ChildIds("pk"))


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
