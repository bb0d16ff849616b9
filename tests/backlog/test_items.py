"""Backlog items through their services: the status workflow, the history every burndown and
activity feed reads, validation that names the field and writes nothing, and scores."""

from __future__ import annotations

from datetime import date

import pytest

from backlog.models import HistoryField, Item, ItemHistory, Status
from backlog.services.fields import custom_field_create, label_create
from backlog.services.items import (
    TRANSITIONS,
    item_create,
    item_update,
    items_bulk_update,
)
from backlog.services.scores import scores_recompute, settings_update
from backlog.services.sprints import sprint_create
from pmhub.errors import ApplicationError
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return make_tenant("Acme")


def _item(t, **fields):
    return item_create(
        product=t.product, actor=t.owner, title=fields.pop("title", "Item"), **fields
    )


FORBIDDEN = [
    (old, new)
    for old in Status.values
    for new in Status.values
    if old != new and new not in TRANSITIONS[old]
]


@pytest.mark.parametrize(("old", "new"), FORBIDDEN, ids=lambda v: str(v))
def test_a_transition_the_workflow_forbids_is_refused_naming_status(acme, old, new):
    item = _item(acme, status=old)
    with pytest.raises(ApplicationError) as refused:
        item_update(item=item, actor=acme.owner, status=new)
    assert refused.value.field == "status"
    assert Status(old).label in refused.value.message and Status(new).label in refused.value.message
    item.refresh_from_db()
    assert item.status == old
    assert not ItemHistory.objects.filter(item=item, field=HistoryField.STATUS).exists()


def test_new_to_done_is_forbidden_and_the_walk_through_the_workflow_is_allowed(acme):
    assert (Status.NEW, Status.DONE) in FORBIDDEN
    item = _item(acme)
    for status in (Status.READY, Status.IN_PROGRESS, Status.IN_REVIEW, Status.DONE):
        item_update(item=item, actor=acme.owner, status=status)
    item.refresh_from_db()
    assert item.status == Status.DONE and item.done_at is not None
    item_update(item=item, actor=acme.owner, status=Status.IN_PROGRESS)  # re-opened
    item.refresh_from_db()
    assert item.done_at is None


def test_every_status_sprint_and_estimate_change_is_recorded_with_who(acme):
    sprint = sprint_create(
        product=acme.product,
        actor=acme.owner,
        name="S1",
        starts_on=date(2026, 11, 2),
        ends_on=date(2026, 11, 13),
    )
    item = _item(acme, estimate=3)
    item_update(item=item, actor=acme.owner, status=Status.READY, sprint=sprint, estimate=5)
    item_update(item=item, actor=acme.owner, title="Renamed")  # not tracked
    rows = list(ItemHistory.objects.filter(item=item).values_list("field", "old", "new"))
    assert rows == [
        ("created", "", "new"),
        ("estimate", "", "3"),
        ("status", "new", "ready"),
        ("estimate", "3", "5"),
        ("sprint", "", str(sprint.pk)),
    ]
    assert set(ItemHistory.objects.filter(item=item).values_list("actor", flat=True)) == {
        acme.owner.pk
    }


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"kind": "epic"}, "kind"),
        ({"estimate": 4}, "estimate"),  # not on the Fibonacci scale
        ({"effort": 0}, "effort"),
        ({"impact": 7}, "impact"),
        ({"confidence": 120}, "confidence"),
        ({"acceptance": [{"text": ""}]}, "acceptance"),
        ({"acceptance": "do it"}, "acceptance"),
        ({"custom": {"nope": 1}}, "custom"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(acme, fields, field):
    item = _item(acme, title="Keep me", estimate=3)
    before = Item.objects.values().get(pk=item.pk)
    history = ItemHistory.objects.count()
    with pytest.raises(ApplicationError) as refused:
        item_update(item=item, actor=acme.owner, **fields)
    assert refused.value.field == field
    assert Item.objects.values().get(pk=item.pk) == before
    assert ItemHistory.objects.count() == history
    with pytest.raises(ApplicationError):
        item_create(product=acme.product, actor=acme.owner, **{"title": "New", **fields})
    assert Item.objects.count() == 1


def test_rows_of_another_product_are_refused(acme):
    other = make_tenant("Bravo")
    foreign_label = label_create(product=other.product, actor=other.owner, name="x")
    foreign_item = _item(other)
    item = _item(acme)
    with pytest.raises(ApplicationError) as refused:
        item_update(item=item, actor=acme.owner, parent=foreign_item)
    assert refused.value.field == "parent"
    with pytest.raises(ApplicationError) as refused:
        item_update(item=item, actor=acme.owner, labels=[foreign_label])
    assert refused.value.field == "labels"
    with pytest.raises(ApplicationError) as refused:
        item_update(item=item, actor=acme.owner, assignee=other.owner)
    assert refused.value.field == "assignee"


def test_parents_nest_three_deep_without_cycles(acme):
    feature = _item(acme, kind="feature")
    story = _item(acme, parent=feature)
    task = _item(acme, kind="chore", parent=story)
    with pytest.raises(ApplicationError) as refused:
        _item(acme, parent=task)
    assert refused.value.field == "parent"
    with pytest.raises(ApplicationError) as refused:
        item_update(item=feature, actor=acme.owner, parent=feature)
    assert refused.value.field == "parent"


def test_the_score_is_stored_and_recomputed_when_an_input_changes(acme):
    item = _item(acme, reach=500, impact=2, confidence=50, effort=5)
    assert item.score == pytest.approx(500 * 2 * 0.5 / 5)  # 100
    item_update(item=item, actor=acme.owner, effort=2)
    item.refresh_from_db()
    assert item.score == pytest.approx(250)
    item_update(item=item, actor=acme.owner, reach=None)
    item.refresh_from_db()
    assert item.score is None and "Reach" in item.score_problem


def test_switching_frameworks_keeps_every_input_and_rescoring_follows(acme):
    item = _item(
        acme,
        reach=500,
        impact=2,
        confidence=50,
        effort=5,
        business_value=8,
        time_criticality=5,
        risk_reduction=3,
        job_size=8,
    )
    settings_update(product=acme.product, actor=acme.owner, framework="wsjf")
    scores_recompute(product=acme.product)
    item.refresh_from_db()
    assert item.score == pytest.approx((8 + 5 + 3) / 8)
    settings_update(product=acme.product, actor=acme.owner, framework="rice")
    assert scores_recompute(product=acme.product) == 1
    assert scores_recompute(product=acme.product) == 0  # idempotent
    item.refresh_from_db()
    assert item.score == pytest.approx(100) and item.reach == 500 and item.job_size == 8


def test_a_custom_formula_reads_custom_fields_and_a_bad_one_names_the_position(acme):
    custom_field_create(
        product=acme.product, actor=acme.owner, key="arr", name="ARR", kind="number"
    )
    item = _item(acme, value=6, effort=2, custom={"arr": 30000})
    settings_update(
        product=acme.product,
        actor=acme.owner,
        framework="custom",
        formula="value * sqrt(arr) / effort",
    )
    scores_recompute(product=acme.product)
    item.refresh_from_db()
    assert item.score == pytest.approx(6 * 30000**0.5 / 2)
    with pytest.raises(ApplicationError) as refused:
        settings_update(product=acme.product, actor=acme.owner, formula="value * __import__('os')")
    assert refused.value.field == "formula" and "position 8" in refused.value.message


def test_a_bulk_action_is_all_or_nothing(acme):
    ready = [_item(acme, title=f"r{n}", status=Status.READY) for n in range(2)]
    new = _item(acme, title="n")
    with pytest.raises(ApplicationError) as refused:
        items_bulk_update(
            product=acme.product, actor=acme.owner, items=[*ready, new], status=Status.IN_REVIEW
        )
    assert "“r0”" in refused.value.message or "“n”" in refused.value.message
    assert set(Item.objects.values_list("status", flat=True)) == {Status.READY, Status.NEW}
