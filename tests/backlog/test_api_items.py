"""The items API: the list with every filter and sort of the backlog page (a fixed number of
queries however long the backlog), create, read, change through the workflow, delete, moves,
history, bulk changes and the score order; refusals name the field and write nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backlog.models import BacklogSettings, Item, ItemHistory, Status
from backlog.services.fields import custom_field_create, label_create
from backlog.services.items import item_create, item_update
from pmhub import services
from pmhub.capabilities import Role
from tests.backlog.sample_backlog import SampleBacklog, backlog_snapshot, make_backlog
from tests.factories import api_client, make_member, make_tenant


@pytest.fixture
def acme(db):
    tenant = make_tenant("Acme")
    tenant.extra["backlog"] = make_backlog(tenant.product, tenant.owner, "acme")
    tenant.extra["api"] = api_client(tenant.owner, tenant.workspace)
    return tenant


def _b(tenant) -> SampleBacklog:
    return tenant.extra["backlog"]


def _url(name: str, *args: Any) -> str:
    return reverse(f"api:backlog:{name}", args=args)


def _list(tenant, **query: Any):
    return tenant.extra["api"].get(_url("item-list", tenant.product.pk), query)


def _titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def _post(tenant, name: str, *args: Any, body: Any = None):
    return tenant.extra["api"].post(_url(name, *args), body or {}, format="json")


def _patch(tenant, pk: int, body: dict[str, Any]):
    return tenant.extra["api"].patch(_url("item-detail", pk), body, format="json")


def _refused(response, field: str) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["fields"], body
    return body


def _other_product(tenant):
    """A second product of Acme's workspace, with its own backlog."""
    other = services.product_create(workspace=tenant.workspace, actor=tenant.owner, name="Other")
    return other, make_backlog(other, tenant.owner, "other")


# --- The list -------------------------------------------------------------------------------------


def test_list_shows_the_backlog_in_rank_order_with_links_and_scores(acme):
    sample = _b(acme)
    body = _list(acme).json()
    assert body["count"] == 3
    feature, story, bug = body["results"]
    assert [feature["title"], story["title"], bug["title"]] == [
        "acme feature",
        "acme story",
        "acme bug",
    ]
    assert feature["children"] == [sample.story.pk] and story["parent"] == sample.feature.pk
    assert feature["labels"] == [{"id": sample.label.pk, "name": "acme-label", "colour": "#2563eb"}]
    assert feature["score"] == pytest.approx(800) and feature["score_problem"] == ""
    assert story["score"] is None and story["score_problem"]
    assert story["acceptance"] == [{"text": "acme can log in", "done": False}]
    assert story["custom"] == {"segment_size": 40}
    assert story["sprint"] == sample.sprint.pk and story["status"] == "ready"
    assert feature["initiative"] and feature["release"]
    assert feature["reporter"] == {"id": acme.owner.pk, "username": acme.owner.username}


def test_detail_shows_the_same_row_as_the_list(acme):
    story = _b(acme).story
    detail = acme.extra["api"].get(_url("item-detail", story.pk))
    assert detail.status_code == 200
    assert detail.json() == _list(acme, kind="story").json()["results"][0]


@pytest.fixture
def groomed(acme):
    """Acme's backlog with an assignee, a closed item, a described item and a second label."""
    sample = _b(acme)
    dev = make_member(acme.workspace, Role.CONTRIBUTOR, username="acme-dev")
    item_update(item=sample.bug, actor=acme.owner, assignee=dev)
    urgent = label_create(product=acme.product, actor=acme.owner, name="urgent")
    item_create(
        product=acme.product,
        actor=acme.owner,
        kind="tech_debt",
        title="acme invoices",
        description="Customers cannot export their invoices as PDF.",
        status="done",
        labels=[urgent],
    )
    acme.extra.update(dev=dev, urgent=urgent)
    return acme


ALL = ["acme feature", "acme story", "acme bug", "acme invoices"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ALL),
        ({"kind": "bug"}, ["acme bug"]),
        ({"kind": ["bug", "feature"]}, ["acme feature", "acme bug"]),
        ({"status": "ready"}, ["acme story"]),
        ({"status": ["new", "done"]}, ["acme feature", "acme bug", "acme invoices"]),
        ({"unassigned": "true"}, ["acme feature", "acme story", "acme invoices"]),
        ({"in_backlog": "true"}, ["acme feature", "acme bug", "acme invoices"]),
        ({"in_backlog": "false"}, ALL),
        # The backlog page's own values: a saved view's query reads the same here.
        ({"assignee": "none"}, ["acme feature", "acme story", "acme invoices"]),
        ({"sprint": "none"}, ["acme feature", "acme bug", "acme invoices"]),
        ({"status": "open"}, ["acme feature", "acme story", "acme bug"]),
        ({"status": ["open", "done"]}, ALL),
        ({"q": "invoice"}, ["acme invoices"]),  # stemmed: the description says "invoices"
        ({"q": "feature"}, ["acme feature"]),
        ({"q": "nothing-like-this"}, []),
        ({"custom.segment_size": "40"}, ["acme story"]),
        ({"custom.segment_size": "40.0"}, ["acme story"]),
        ({"custom.segment_size": "41"}, []),
        ({"kind": "story", "status": "new"}, []),
        ({"sort": "title"}, ["acme bug", "acme feature", "acme invoices", "acme story"]),
        ({"sort": "estimate"}, ["acme bug", "acme story", "acme feature", "acme invoices"]),
        ({"sort": "-estimate"}, ["acme feature", "acme story", "acme bug", "acme invoices"]),
    ],
    ids=str,
)
def test_list_filters_and_sorts_like_the_backlog_page(groomed, query, expected):
    assert _titles(_list(groomed, **query)) == expected


def test_list_filters_by_ids_of_links(groomed):
    sample = _b(groomed)
    feature = sample.feature
    cases = [
        ({"label": sample.label.pk}, ["acme feature"]),
        (
            {"label": [sample.label.pk, groomed.extra["urgent"].pk]},
            ["acme feature", "acme invoices"],
        ),
        ({"assignee": groomed.extra["dev"].pk}, ["acme bug"]),
        ({"assignee": groomed.extra["dev"].pk, "unassigned": "true"}, ALL),
        ({"initiative": feature.initiative_id}, ["acme feature"]),
        ({"release": feature.release_id}, ["acme feature"]),
        ({"sprint": sample.sprint.pk}, ["acme story"]),
        ({"sprint": sample.next_sprint.pk}, []),
        ({"parent": feature.pk}, ["acme story"]),
    ]
    for query, expected in cases:
        assert _titles(_list(groomed, **query)) == expected, query


def test_list_filters_by_creation_day(groomed):
    today = timezone.localdate()
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    assert _titles(_list(groomed, created_after=today, created_before=today)) == ALL
    assert _titles(_list(groomed, created_after=tomorrow)) == []
    assert _titles(_list(groomed, created_before=yesterday)) == []
    Item.objects.filter(title="acme bug").update(created_at=timezone.now() - timedelta(days=3))
    assert _titles(_list(groomed, created_before=yesterday)) == ["acme bug"]


def test_custom_filters_compare_checkboxes_and_texts_as_such(acme):
    custom_field_create(
        product=acme.product, actor=acme.owner, key="beta", name="Beta", kind="checkbox"
    )
    custom_field_create(
        product=acme.product, actor=acme.owner, key="team", name="Team", kind="text"
    )
    item_update(item=_b(acme).bug, actor=acme.owner, custom={"beta": True, "team": "core"})
    assert _titles(_list(acme, **{"custom.beta": "true"})) == ["acme bug"]
    assert _titles(_list(acme, **{"custom.beta": "false"})) == []
    assert _titles(_list(acme, **{"custom.team": "core"})) == ["acme bug"]
    assert _titles(_list(acme, **{"custom.team": "Core"})) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"kind": "epic"}, "kind"),
        ({"status": "someday"}, "status"),
        ({"label": "0"}, "label"),
        ({"assignee": "me"}, "assignee"),
        ({"assignee": ["none", "-3"]}, "assignee"),
        ({"sprint": "nothing"}, "sprint"),
        ({"sprint": "0"}, "sprint"),
        ({"sprint": "9" * 30}, "sprint"),
        ({"unassigned": "maybe"}, "unassigned"),
        ({"in_backlog": "yes please"}, "in_backlog"),
        ({"sort": "random"}, "sort"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"created_after": "2027-02-01", "created_before": "2027-01-01"}, "created_after"),
        ({"q": "x" * 201}, "q"),
        ({"custom.nope": "1"}, "custom.nope"),
        ({"custom.segment_size": "many"}, "custom.segment_size"),
        ({"custom.segment_size": "nan"}, "custom.segment_size"),
        ({"page_size": "-1"}, "page_size"),
    ],
    ids=str,
)
def test_a_bad_filter_is_a_400_naming_it(acme, query, field):
    body = _refused(_list(acme, **query), field)
    assert set(body["fields"]) == {field}


def _scored(tenant, title: str, reach: float) -> Item:
    return item_create(
        product=tenant.product,
        actor=tenant.owner,
        title=title,
        reach=reach,
        impact=1,
        confidence=100,
        effort=1,
    )


def test_sort_by_score_puts_the_highest_first_and_unscored_last(acme):
    _scored(acme, "acme small", 10)
    _scored(acme, "acme huge", 10_000)
    assert _titles(_list(acme, sort="score")) == [
        "acme huge",
        "acme feature",
        "acme small",
        "acme story",
        "acme bug",
    ]
    assert _titles(_list(acme, sort="-score")) == [
        "acme small",
        "acme feature",
        "acme huge",
        "acme story",
        "acme bug",
    ]


def _grow(tenant, count: int) -> None:
    """``count`` more items, each with a label, an assignee, a sprint, a parent, criteria."""
    sample = _b(tenant)
    for n in range(count):
        item_create(
            product=tenant.product,
            actor=tenant.owner,
            title=f"grown {n}",
            assignee=tenant.owner,
            sprint=sample.next_sprint,
            parent=sample.feature if n % 2 else None,
            estimate=2,
            acceptance=[{"text": "it works", "done": n % 3 == 0}],
            labels=[sample.label],
        )


def _count_queries(tenant, **query: Any) -> tuple[int, int]:
    _list(tenant, **query)  # warm up: the token's first use is recorded once
    with CaptureQueriesContext(connection) as queries:
        response = _list(tenant, **query)
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


@pytest.mark.parametrize(
    "query", [{}, {"sort": "score", "label": "LABEL"}, {"custom.segment_size": "40", "q": "acme"}]
)
def test_the_list_reads_the_same_queries_for_5_items_as_for_60(acme, query):
    query = {k: (_b(acme).label.pk if v == "LABEL" else v) for k, v in query.items()}
    _grow(acme, 2)  # 5 items
    few_queries, few_rows = _count_queries(acme, page_size=100, **query)
    _grow(acme, 55)  # 60 items
    many_queries, many_rows = _count_queries(acme, page_size=100, **query)
    assert many_queries == few_queries
    if "custom.segment_size" not in query:
        assert many_rows > few_rows


def test_the_list_is_paged_with_a_count(acme):
    _grow(acme, 7)
    body = _list(acme, page_size=4, page=2).json()
    assert body["count"] == 10 and len(body["results"]) == 4 and body["previous"]


# --- Create, read, change, delete -----------------------------------------------------------------


def test_create_adds_an_item_at_the_bottom_with_its_links_and_score(acme):
    sample = _b(acme)
    response = _post(
        acme,
        "item-list",
        acme.product.pk,
        body={
            "title": "Export to PDF",
            "kind": "feature",
            "description": "As a customer I want **PDF**.",
            "acceptance": [{"text": "A PDF downloads"}, {"text": "It has a logo", "done": True}],
            "labels": [sample.label.pk],
            "estimate": 5,
            "sprint": sample.next_sprint.pk,
            "parent": sample.feature.pk,
            "custom": {"segment_size": 12},
            "reach": 200,
            "impact": 2,
            "confidence": 50,
            "effort": 4,
            "moscow": "should",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    item = Item.objects.get(pk=body["id"])
    assert item.product == acme.product and item.reporter == acme.owner
    assert list(Item.objects.filter(product=acme.product).values_list("title", flat=True))[-1] == (
        "Export to PDF"
    )
    assert body["labels"][0]["id"] == sample.label.pk and body["parent"] == sample.feature.pk
    assert body["acceptance"] == [
        {"text": "A PDF downloads", "done": False},
        {"text": "It has a logo", "done": True},
    ]
    assert body["score"] == pytest.approx(50) and body["custom"] == {"segment_size": 12}
    assert body["status"] == "new" and body["estimate"] == 5
    assert ItemHistory.objects.filter(item=item, field="created").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x", "kind": "epic"}, "kind"),
        ({"title": "x", "rank": "0"}, "rank"),
        ({"title": "x", "score": 99}, "score"),
        ({"title": "x", "product": 1}, "product"),
        ({"title": "x", "id": 5}, "id"),
        ({"title": "x", "import_key": "jira:1"}, "import_key"),
        ({"title": "x", "estimate": 4}, "estimate"),  # not on the Fibonacci scale
        ({"title": "x", "estimate": -1}, "estimate"),
        ({"title": "x", "impact": 7}, "impact"),
        ({"title": "x", "confidence": 101}, "confidence"),
        ({"title": "x", "roi_months": 0}, "roi_months"),
        ({"title": "x", "moscow": "maybe"}, "moscow"),
        ({"title": "x", "reach": "lots"}, "reach"),
        ({"title": "x", "assignee": 2_000_000}, "assignee"),
        ({"title": "x", "custom": {"nope": 1}}, "custom"),
        ({"title": "x", "custom": {"segment_size": "big"}}, "custom.segment_size"),
        ({"title": "x", "custom": {"segment_size": [1]}}, "custom.segment_size"),
        ({"title": "x", "acceptance": [{"text": ""}]}, "acceptance.0.text"),
        ({"title": "x", "acceptance": [{"text": "ok", "owner": 1}]}, "acceptance.0.owner"),
        ({"title": "x", "status": "finished"}, "status"),
        ({"title": 5}, "title"),
    ],
    ids=str,
)
def test_create_refuses_bad_input_naming_the_field_and_writes_nothing(acme, body, field):
    before = backlog_snapshot(acme.workspace)
    _refused(_post(acme, "item-list", acme.product.pk, body=body), field)
    assert backlog_snapshot(acme.workspace) == before


def test_ids_of_another_product_or_workspace_are_400s_naming_the_field(acme):
    _other, theirs = _other_product(acme)
    bravo = make_tenant("Bravo")
    foreign = make_backlog(bravo.product, bravo.owner, "bravo")
    cases = [
        ({"sprint": theirs.next_sprint.pk}, "sprint"),
        ({"parent": theirs.feature.pk}, "parent"),
        ({"initiative": theirs.feature.initiative_id}, "initiative"),
        ({"release": theirs.feature.release_id}, "release"),
        ({"labels": [theirs.label.pk]}, "labels"),
        ({"sprint": foreign.next_sprint.pk}, "sprint"),
        ({"parent": foreign.feature.pk}, "parent"),
        ({"initiative": foreign.feature.initiative_id}, "initiative"),
        ({"release": foreign.feature.release_id}, "release"),
        ({"labels": [foreign.label.pk]}, "labels.0"),
        ({"assignee": bravo.owner.pk}, "assignee"),
    ]
    before = backlog_snapshot(acme.workspace)
    for extra, field in cases:
        response = _post(acme, "item-list", acme.product.pk, body={"title": "x", **extra})
        _refused(response, field)
        response = _patch(acme, _b(acme).bug.pk, extra)
        _refused(response, field)
    assert backlog_snapshot(acme.workspace) == before


def test_patch_changes_fields_and_replaces_labels(acme):
    sample = _b(acme)
    second = label_create(product=acme.product, actor=acme.owner, name="second")
    response = _patch(
        acme,
        sample.feature.pk,
        {"title": "Renamed", "labels": [second.pk], "status": "ready", "estimate": 13},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "Renamed" and body["status"] == "ready" and body["estimate"] == 13
    assert [label["id"] for label in body["labels"]] == [second.pk]
    fields = set(ItemHistory.objects.filter(item=sample.feature).values_list("field", flat=True))
    assert {"status", "estimate"} <= fields


def test_a_status_change_the_workflow_refuses_is_a_400_on_status(acme):
    feature = _b(acme).feature  # new: it may not go straight to done
    before = backlog_snapshot(acme.workspace)
    body = _refused(_patch(acme, feature.pk, {"status": "done", "title": "Changed"}), "status")
    assert "New" in body["message"] and "Done" in body["message"]
    assert backlog_snapshot(acme.workspace) == before
    for status in ("in_progress", "in_review", "done"):
        assert _patch(acme, feature.pk, {"status": status}).status_code == 200
    assert Item.objects.get(pk=feature.pk).status == Status.DONE


def test_patch_refuses_mass_assignment_and_writes_nothing(acme):
    before = backlog_snapshot(acme.workspace)
    for field, value in (("rank", "0"), ("score", 5), ("product", 1), ("id", 9), ("children", [])):
        _refused(_patch(acme, _b(acme).bug.pk, {field: value}), field)
    _refused(_patch(acme, _b(acme).feature.pk, {"parent": _b(acme).story.pk}), "parent")  # cycle
    assert backlog_snapshot(acme.workspace) == before


def test_delete_removes_the_item_and_its_children_stay(acme):
    sample = _b(acme)
    response = acme.extra["api"].delete(_url("item-detail", sample.feature.pk))
    assert response.status_code == 204
    assert not Item.objects.filter(pk=sample.feature.pk).exists()
    assert Item.objects.get(pk=sample.story.pk).parent is None


# --- Moves and history ----------------------------------------------------------------------------


def _order(tenant) -> list[str]:
    return list(Item.objects.filter(product=tenant.product).values_list("title", flat=True))


@pytest.mark.parametrize(
    ("mover", "where", "expected"),
    [
        ("bug", {"position": "top"}, ["bug", "feature", "story"]),
        ("feature", {"position": "bottom"}, ["story", "bug", "feature"]),
        ("bug", {"before": "story"}, ["feature", "bug", "story"]),
        ("feature", {"after": "story"}, ["story", "feature", "bug"]),
        ("bug", {"before": "feature"}, ["bug", "feature", "story"]),
        ("feature", {"after": "bug"}, ["story", "bug", "feature"]),
    ],
    ids=str,
)
def test_move_puts_the_item_where_asked_writing_only_its_rank(acme, mover, where, expected):
    sample = _b(acme)
    where = {k: getattr(sample, v).pk if k != "position" else v for k, v in where.items()}
    ranks = dict(Item.objects.values_list("pk", "rank"))
    moved = getattr(sample, mover)
    response = _post(acme, "item-move", moved.pk, body=where)
    assert response.status_code == 200, response.content
    assert response.json()["id"] == moved.pk
    assert _order(acme) == [f"acme {title}" for title in expected]
    after = dict(Item.objects.values_list("pk", "rank"))
    assert {pk for pk in ranks if ranks[pk] != after[pk]} == {moved.pk}


def test_a_move_that_cannot_be_done_is_a_400_naming_the_field(acme):
    sample = _b(acme)
    _other, theirs = _other_product(acme)
    bravo = make_tenant("Bravo")
    foreign = make_backlog(bravo.product, bravo.owner, "bravo")
    before = backlog_snapshot(acme.workspace)
    cases = [
        ({}, "before"),
        ({"position": "top", "before": sample.story.pk}, "before"),
        ({"position": "middle"}, "position"),
        ({"before": sample.bug.pk}, "before"),  # itself
        ({"before": theirs.feature.pk}, "before"),
        ({"after": foreign.feature.pk}, "after"),
        ({"after": "x"}, "after"),
        ({"rank": "a"}, "rank"),
    ]
    for body, field in cases:
        _refused(_post(acme, "item-move", sample.bug.pk, body=body), field)
    assert backlog_snapshot(acme.workspace) == before


def test_history_lists_creation_and_each_change_with_who(acme):
    story = _b(acme).story
    _patch(acme, story.pk, {"status": "in_progress"})
    response = acme.extra["api"].get(_url("item-history", story.pk))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["field"] for row in rows] == ["created", "estimate", "sprint", "status"]
    assert rows[-1]["old"] == "ready" and rows[-1]["new"] == "in_progress"
    assert rows[-1]["actor"]["id"] == acme.owner.pk and rows[-1]["item"] == story.pk


def test_history_reads_the_same_queries_for_more_rows(acme):
    story = _b(acme).story
    url = _url("item-history", story.pk)
    api = acme.extra["api"]
    api.get(url)
    with CaptureQueriesContext(connection) as few:
        count = api.get(url).json()["count"]
    for status in ("in_progress", "in_review", "done", "in_progress"):
        _patch(acme, story.pk, {"status": status})
    with CaptureQueriesContext(connection) as many:
        assert api.get(url).json()["count"] == count + 4
    assert len(many) == len(few)


# --- Bulk and score order -------------------------------------------------------------------------


def _bulk(tenant, body: dict[str, Any]):
    return _post(tenant, "item-bulk", tenant.product.pk, body=body)


def test_bulk_set_changes_every_named_item(acme):
    sample = _b(acme)
    dev = make_member(acme.workspace, Role.CONTRIBUTOR, username="acme-dev")
    extra = label_create(product=acme.product, actor=acme.owner, name="extra")
    ids = [sample.feature.pk, sample.bug.pk]
    response = _bulk(
        acme,
        {
            "items": ids,
            "action": "set",
            "status": "ready",
            "sprint": sample.next_sprint.pk,
            "assignee": dev.pk,
            "add_label": extra.pk,
        },
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"action": "set", "count": 2}
    for item in Item.objects.filter(pk__in=ids):
        assert (item.status, item.sprint_id, item.assignee_id) == (
            "ready",
            sample.next_sprint.pk,
            dev.pk,
        )
        assert extra in item.labels.all()
    response = _bulk(acme, {"items": ids, "action": "set", "sprint": None, "release": None})
    assert response.status_code == 200
    assert not Item.objects.filter(pk__in=ids, sprint__isnull=False).exists()
    assert not Item.objects.filter(pk__in=ids, release__isnull=False).exists()


def test_bulk_delete_deletes_every_named_item(acme):
    sample = _b(acme)
    ids = [sample.bug.pk, sample.story.pk]
    response = _bulk(acme, {"items": ids, "action": "delete"})
    assert response.status_code == 200, response.content
    assert response.json() == {"action": "delete", "count": 2}
    assert _order(acme) == ["acme feature"]


def test_bulk_with_an_item_of_another_product_or_workspace_is_a_400_and_changes_nothing(acme):
    sample = _b(acme)
    _other, theirs = _other_product(acme)
    bravo = make_tenant("Bravo")
    foreign = make_backlog(bravo.product, bravo.owner, "bravo")
    before = backlog_snapshot(acme.workspace)
    for stranger in (theirs.bug, foreign.bug):
        for action in ({"action": "delete"}, {"action": "set", "status": "ready"}):
            body = _refused(_bulk(acme, {"items": [sample.bug.pk, stranger.pk], **action}), "items")
            assert set(body["fields"]) == {"items"}
    assert backlog_snapshot(acme.workspace) == before


def test_a_bulk_status_the_workflow_refuses_for_one_item_changes_none(acme):
    sample = _b(acme)
    for status in ("in_progress", "done"):
        item_update(item=sample.bug, actor=acme.owner, status=status)
    before = backlog_snapshot(acme.workspace)
    # The feature (new) may become ready; the bug (done) may not: neither changes.
    body = _refused(
        _bulk(
            acme, {"items": [sample.feature.pk, sample.bug.pk], "action": "set", "status": "ready"}
        ),
        "status",
    )
    assert "acme bug" in body["message"]
    assert backlog_snapshot(acme.workspace) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "set", "status": "ready"}, "items"),
        ({"items": [], "action": "set", "status": "ready"}, "items"),
        ({"items": ["ITEM", "ITEM"], "action": "delete"}, "items"),
        ({"items": ["ITEM"], "action": "archive"}, "action"),
        ({"items": ["ITEM"], "action": "set"}, "action"),
        ({"items": ["ITEM"], "action": "delete", "status": "ready"}, "status"),
        ({"items": ["ITEM"], "action": "set", "title": "x"}, "title"),
        ({"items": ["ITEM"], "action": "set", "status": "gone"}, "status"),
        ({"items": ["ITEM"], "action": "set", "add_label": 2_000_000}, "add_label"),
        ({"items": ["ITEM"], "action": "set", "sprint": 2_000_000}, "sprint"),
    ],
    ids=str,
)
def test_bad_bulk_input_is_a_400_naming_the_field(acme, body, field):
    bug = _b(acme).bug.pk
    body = {k: [bug for _ in v] if k == "items" else v for k, v in body.items()}
    before = backlog_snapshot(acme.workspace)
    _refused(_bulk(acme, body), field)
    assert backlog_snapshot(acme.workspace) == before


def test_apply_score_order_makes_the_manual_order_the_score_order(acme):
    _scored(acme, "acme small", 10)
    _scored(acme, "acme huge", 10_000)
    response = _post(acme, "item-score-order", acme.product.pk)
    assert response.status_code == 200, response.content
    assert response.json() == {"ranked": 5}
    assert _titles(_list(acme)) == _titles(_list(acme, sort="score"))
    assert _order(acme)[:3] == ["acme huge", "acme feature", "acme small"]


def test_apply_score_order_takes_no_input(acme):
    before = backlog_snapshot(acme.workspace)
    assert _post(acme, "item-score-order", acme.product.pk, body={"x": 1}).status_code == 400
    assert backlog_snapshot(acme.workspace) == before


def test_apply_score_order_while_scores_are_recomputed_is_a_409_that_changes_nothing(acme):
    BacklogSettings.objects.filter(product=acme.product).update(scores_stale=True)
    before = backlog_snapshot(acme.workspace)
    response = _post(acme, "item-score-order", acme.product.pk)
    assert response.status_code == 409
    assert response.json()["code"] == "scores_stale"
    assert "being recomputed" in response.json()["message"]
    assert backlog_snapshot(acme.workspace) == before


@pytest.mark.parametrize("key", ["x__isnull", "x__in", "x__gt"])
def test_a_custom_key_that_reads_like_a_lookup_filters_as_a_key(acme, key):
    custom_field_create(product=acme.product, actor=acme.owner, key=key, name=key, kind="number")
    item_update(item=_b(acme).bug, actor=acme.owner, custom={key: 5})
    assert _titles(_list(acme, **{f"custom.{key}": "5"})) == ["acme bug"]
    assert _titles(_list(acme, **{f"custom.{key}": "6"})) == []
