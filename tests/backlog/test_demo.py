"""The demo backlog obeys the services' rules: ranks in order, scores as computed, history that
replays to every item's status and sprint, and a burndown for the active sprint."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from backlog.burndown import sprint_burndown, velocity
from backlog.demo import backlog_fill
from backlog.models import HistoryField, Item, ItemHistory, Sprint, SprintStatus
from backlog.services.scores import scores_recompute
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db


def test_the_demo_backlog_is_consistent_with_its_history():
    acme = make_tenant("Acme")
    today = date(2026, 11, 19)  # a Thursday
    filled = backlog_fill(product=acme.product, owner=acme.owner, items=300, today=today)
    assert filled.items == Item.objects.filter(product=acme.product).count() == 300
    ranks = list(Item.objects.filter(product=acme.product).values_list("rank", flat=True))
    assert len(set(ranks)) == 300
    assert scores_recompute(product=acme.product) == 0  # stored scores are the computed ones
    for item in Item.objects.filter(product=acme.product):
        rows = list(ItemHistory.objects.filter(item=item).order_by("at", "pk"))
        status = [r.new for r in rows if r.field in (HistoryField.CREATED, HistoryField.STATUS)]
        sprint = [r.new for r in rows if r.field == HistoryField.SPRINT]
        assert status[-1] == item.status
        assert (sprint[-1] if sprint else "") == (str(item.sprint_id) if item.sprint_id else "")
    active = Sprint.objects.get(product=acme.product, status=SprintStatus.ACTIVE)
    burndown = sprint_burndown(active, today=today)
    assert burndown.remaining[0] is not None and burndown.remaining[-1] is None
    assert burndown.committed == active.committed_points
    assert [p.sprint.name for p in velocity(acme.product)] == [f"Sprint {n}" for n in range(1, 5)]


def test_seed_demo_backlog_fills_once():
    acme = make_tenant("Acme")
    product = f"{acme.workspace.slug}/{acme.product.slug}"
    out = StringIO()
    call_command("seed_demo_backlog", product=product, items=40, stdout=out)
    call_command("seed_demo_backlog", product=product, items=40, stdout=out)
    assert Item.objects.filter(product=acme.product).count() == 40
    assert "nothing to do" in out.getvalue()
