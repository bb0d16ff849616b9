"""Burndown and velocity are exact on a constructed sprint: items done, dropped, added
mid-sprint, re-estimated, re-opened and taken out, each on a known day."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone

from backlog.burndown import sprint_burndown, velocity, velocity_average
from backlog.models import Item, ItemHistory, Sprint, Status
from backlog.services.items import item_create, item_update
from backlog.services.sprints import sprint_close, sprint_create, sprint_start
from pmhub.errors import ApplicationError
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db


def _when(day: int, hour: int) -> datetime:
    return timezone.make_aware(datetime(2026, 11, day, hour))


def _at(when: datetime, change, *args, **kwargs):
    """Run ``change`` and date the history rows it wrote ``when``."""
    last = ItemHistory.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    result = change(*args, **kwargs)
    ItemHistory.objects.filter(pk__gt=last).update(at=when)
    return result


def _walk(item: Item, actor, when: datetime, *statuses: str) -> None:
    for status in statuses:
        _at(when, item_update, item=item, actor=actor, status=status)


@pytest.fixture
def sprint_history():
    """Mon 2 – Fri 6 November 2026, started Monday 09:00:

    - A (5) done Tuesday; B (3) done Wednesday, re-opened Thursday, done Friday;
    - C (2) added Tuesday, re-estimated to 3 Wednesday; D (8) taken out Thursday;
    - E (1) dropped (won't do) Monday.
    """
    acme = make_tenant("Acme")
    actor, product = acme.owner, acme.product
    sprint = sprint_create(
        product=product,
        actor=actor,
        name="S1",
        starts_on=date(2026, 11, 2),
        ends_on=date(2026, 11, 6),
        capacity=20,
    )
    setup = _when(1, 12)
    items = {
        name: _at(
            setup,
            item_create,
            product=product,
            actor=actor,
            title=name,
            estimate=points,
            sprint=sprint if name != "C" else None,
            status=Status.READY,
        )
        for name, points in (("A", 5), ("B", 3), ("C", 2), ("D", 8), ("E", 1))
    }
    sprint_start(sprint=sprint, actor=actor)
    Sprint.objects.filter(pk=sprint.pk).update(started_at=_when(2, 9))
    _walk(items["E"], actor, _when(2, 11), Status.WONT_DO)
    _walk(items["A"], actor, _when(3, 14), Status.IN_PROGRESS, Status.DONE)
    _at(_when(3, 10), item_update, item=items["C"], actor=actor, sprint=sprint)
    _walk(items["B"], actor, _when(4, 15), Status.IN_PROGRESS, Status.DONE)
    _at(_when(4, 16), item_update, item=items["C"], actor=actor, estimate=3)
    _walk(items["B"], actor, _when(5, 10), Status.IN_PROGRESS)
    _at(_when(5, 11), item_update, item=items["D"], actor=actor, sprint=None)
    _walk(items["B"], actor, _when(6, 16), Status.DONE)
    sprint.refresh_from_db()
    return acme, sprint, items


def test_the_burndown_is_exact_day_by_day(sprint_history):
    _, sprint, _ = sprint_history
    burndown = sprint_burndown(sprint, today=date(2026, 11, 6))
    assert burndown.days == [date(2026, 11, d) for d in range(2, 7)]
    assert burndown.committed == 17  # A 5 + B 3 + D 8 + E 1 at the start
    #   Mon: E dropped → 16; Tue: A done, C (2) added → 13; Wed: B done, C now 3 → 11;
    #   Thu: B re-opened, D out → 6; Fri: B done → 3.
    assert burndown.remaining == [16, 13, 11, 6, 3]
    assert burndown.ideal == [17, 12.75, 8.5, 4.25, 0]
    assert burndown.scope_added == 2


def test_days_still_to_come_have_no_value(sprint_history):
    _, sprint, _ = sprint_history
    assert sprint_burndown(sprint, today=date(2026, 11, 4)).remaining == [16, 13, 11, None, None]


def test_velocity_is_what_each_closed_sprint_committed_and_completed(sprint_history):
    acme, sprint, items = sprint_history
    following = sprint_create(
        product=acme.product,
        actor=acme.owner,
        name="S2",
        starts_on=date(2026, 11, 9),
        ends_on=date(2026, 11, 13),
    )
    sprint_close(sprint=sprint, actor=acme.owner, move_to=following)
    items["C"].refresh_from_db()
    assert items["C"].sprint == following  # unfinished work moved on
    items["A"].refresh_from_db()
    assert items["A"].sprint == sprint  # done work stays in its sprint
    (point,) = velocity(acme.product)
    assert (point.sprint, point.committed, point.completed) == (sprint, 17, 8)  # A 5 + B 3
    assert velocity_average([point]) == 8
    assert velocity(make_tenant("Bravo").product) == []


def test_burndown_and_velocity_read_in_fixed_queries(sprint_history, django_assert_num_queries):
    acme, sprint, _ = sprint_history
    with django_assert_num_queries(1):
        sprint_burndown(sprint, today=date(2026, 11, 6))
    with django_assert_num_queries(1):
        velocity(acme.product)


def test_a_closed_sprints_items_stay_in_it_whatever_page_or_api_asks(sprint_history):
    """Done work of a closed sprint is its velocity and burndown: no path moves it out."""
    acme, sprint, items = sprint_history
    sprint_close(sprint=sprint, actor=acme.owner)
    items["A"].refresh_from_db()
    history = ItemHistory.objects.count()
    with pytest.raises(ApplicationError) as refused:
        item_update(item=items["A"], actor=acme.owner, sprint=None)
    assert refused.value.field == "sprint"
    items["A"].refresh_from_db()
    assert items["A"].sprint == sprint and ItemHistory.objects.count() == history
    assert sprint_burndown(sprint, today=date(2026, 11, 6)).remaining == [16, 13, 11, 6, 3]
