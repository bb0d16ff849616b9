"""Releases, launch checklists, shipping (which notes the release on the charts of the key results'
metrics) and health updates."""

from __future__ import annotations

from datetime import date

import pytest

from metrics.models import Annotation, Metric
from pmhub import services
from pmhub.errors import ApplicationError
from pmhub.models import AuditEvent
from roadmaps.models import ChecklistItem, HealthUpdate, Initiative, Release
from roadmaps.services.health import health_update_post
from roadmaps.services.initiatives import initiative_create, initiative_set_objectives
from roadmaps.services.okrs import key_result_create, objective_create
from roadmaps.services.releases import (
    checklist_item_create,
    checklist_item_set_done,
    release_create,
    release_set_initiatives,
    release_ship,
    release_update,
)
from tests.factories import make_user

Q1 = {"starts_on": date(2026, 1, 1), "ends_on": date(2026, 3, 31)}


@pytest.fixture
def release(tenant_a):
    return release_create(
        product=tenant_a.product, actor=tenant_a.owner, name="v2.3", target_date=date(2026, 2, 1)
    )


def _served_initiative(tenant, *, metric_product=None):
    """An initiative serving a company objective whose key result is measured by a metric."""
    owner = tenant.owner
    objective = objective_create(workspace=tenant.workspace, actor=owner, title="Grow", **Q1)
    metric = Metric.objects.get(product=metric_product or tenant.product, key="mau")
    key_result_create(
        objective=objective,
        actor=owner,
        title="MAU",
        start_value=100,
        target_value=200,
        metric=metric,
    )
    initiative = initiative_create(product=tenant.product, actor=owner, title="Onboarding")
    initiative_set_objectives(initiative=initiative, actor=owner, objectives=[objective])
    return initiative


def test_shipping_notes_the_release_on_the_charts_of_the_key_results_metrics(tenant_a, release):
    other = services.product_create(workspace=tenant_a.workspace, actor=tenant_a.owner, name="App")
    initiative = _served_initiative(tenant_a, metric_product=other)
    release_set_initiatives(release=release, actor=tenant_a.owner, initiatives=[initiative])
    release_ship(release=release, actor=tenant_a.owner, shipped_on=date(2026, 2, 3))
    notes = Annotation.objects.filter(source="roadmaps").order_by("product_id")
    # The metric's product (where the key result's chart is) and the release's own product.
    assert [(n.product, n.day, n.text) for n in notes] == [
        (tenant_a.product, date(2026, 2, 3), "Shipped v2.3"),
        (other, date(2026, 2, 3), "Shipped v2.3"),
    ]
    release.refresh_from_db()
    assert (release.status, release.shipped_on) == ("shipped", date(2026, 2, 3))
    # Shipping again changes nothing.
    release_ship(release=release, actor=tenant_a.owner)
    assert Annotation.objects.filter(source="roadmaps").count() == 2
    assert AuditEvent.objects.filter(action="release.shipped").count() == 1


def test_setting_the_status_to_shipped_ships_it(tenant_a, release):
    release_update(release=release, actor=tenant_a.owner, status="shipped")
    release.refresh_from_db()
    assert release.status == "shipped" and release.shipped_on is not None
    assert Annotation.objects.filter(product=tenant_a.product, source="roadmaps").count() == 1


def test_a_cancelled_release_does_not_ship(tenant_a, release):
    release_update(release=release, actor=tenant_a.owner, status="cancelled")
    with pytest.raises(ApplicationError) as refused:
        release_ship(release=release, actor=tenant_a.owner)
    assert refused.value.field == "status"
    assert not Annotation.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": " "}, "name"),
        ({"name": "V2.3"}, "name"),  # same name, other case
        ({"status": "someday"}, "status"),
        ({"target_date": "soon"}, "target_date"),
    ],
)
def test_bad_release_input_names_the_field_and_writes_nothing(tenant_a, release, fields, field):
    before = Release.objects.values_list("name", "status", "target_date").get()
    with pytest.raises(ApplicationError) as refused:
        if fields.get("name") == "V2.3":
            release_create(
                product=tenant_a.product,
                actor=tenant_a.owner,
                target_date=date(2026, 3, 1),
                **fields,
            )
        else:
            release_update(release=release, actor=tenant_a.owner, **fields)
    assert refused.value.field == field
    assert Release.objects.values_list("name", "status", "target_date").get() == before


def test_a_release_carries_initiatives_of_its_own_product_only(tenant_a, tenant_b, release):
    foreign = initiative_create(product=tenant_b.product, actor=tenant_b.owner, title="Theirs")
    with pytest.raises(ApplicationError) as refused:
        release_set_initiatives(release=release, actor=tenant_a.owner, initiatives=[foreign])
    assert refused.value.field == "initiatives"
    assert not release.initiatives.exists()


def test_checklist_items_are_ticked_and_overdue_is_judged_against_today(tenant_a, release):
    owner = tenant_a.owner
    docs = checklist_item_create(
        release=release, actor=owner, title="Docs", due_on=date(2026, 1, 10)
    )
    brief = checklist_item_create(release=release, actor=owner, title="Brief support")
    assert [i.position for i in (docs, brief)] == [0, 1]
    assert docs.overdue(date(2026, 1, 11)) and not docs.overdue(date(2026, 1, 10))
    assert not brief.overdue(date(2030, 1, 1))  # no due date, never overdue
    checklist_item_set_done(item=docs, actor=owner, done=True)
    docs.refresh_from_db()
    assert docs.done and docs.done_at is not None and not docs.overdue(date(2026, 1, 11))
    checklist_item_set_done(item=docs, actor=owner, done=False)
    assert ChecklistItem.objects.get(pk=docs.pk).done_at is None
    with pytest.raises(ApplicationError) as refused:
        checklist_item_create(
            release=release, actor=owner, title="Outsider", owner=make_user("stranger")
        )
    assert refused.value.field == "owner"
    assert release.checklist.count() == 2


def test_health_updates_keep_their_history_and_set_the_current_health(tenant_a):
    initiative = initiative_create(product=tenant_a.product, actor=tenant_a.owner, title="Search")
    health_update_post(
        subject=initiative, actor=tenant_a.owner, health="at_risk", note="Vendor late"
    )
    health_update_post(subject=initiative, actor=tenant_a.owner, health="on_track", note="Back")
    assert Initiative.objects.get(pk=initiative.pk).health == "on_track"
    history = list(initiative.health_updates.values_list("health", "note"))
    assert history == [("on_track", "Back"), ("at_risk", "Vendor late")]
    objective = objective_create(
        workspace=tenant_a.workspace, actor=tenant_a.owner, title="Win", **Q1
    )
    health_update_post(subject=objective, actor=tenant_a.owner, health="off_track")
    objective.refresh_from_db()
    assert objective.health == "off_track"
    with pytest.raises(ApplicationError) as refused:
        health_update_post(subject=objective, actor=tenant_a.owner, health="fine")
    assert refused.value.field == "health"
    with pytest.raises(ApplicationError) as refused:
        health_update_post(
            subject=objective, actor=tenant_a.owner, health="at_risk", note="x" * 501
        )
    assert refused.value.field == "note"
    assert HealthUpdate.objects.count() == 3


def test_a_release_created_as_shipped_notes_the_charts_of_what_it_carries(tenant_a):
    other = services.product_create(workspace=tenant_a.workspace, actor=tenant_a.owner, name="App")
    initiative = _served_initiative(tenant_a, metric_product=other)
    release_create(
        product=tenant_a.product,
        actor=tenant_a.owner,
        name="v3",
        target_date=date(2026, 2, 1),
        status="shipped",
        initiatives=[initiative],
    )
    noted = set(Annotation.objects.filter(source="roadmaps").values_list("product", flat=True))
    assert noted == {tenant_a.product.pk, other.pk}


def test_refused_initiatives_leave_no_release_behind(tenant_a, tenant_b):
    foreign = initiative_create(product=tenant_b.product, actor=tenant_b.owner, title="Theirs")
    with pytest.raises(ApplicationError) as refused:
        release_create(
            product=tenant_a.product,
            actor=tenant_a.owner,
            name="v4",
            target_date=date(2026, 2, 1),
            initiatives=[foreign],
        )
    assert refused.value.field == "initiatives"
    assert not Release.objects.exists()
