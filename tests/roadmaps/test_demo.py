"""The demo/benchmark roadmap obeys the rules the services check, and the demo command is
idempotent."""

from __future__ import annotations

from datetime import date
from io import StringIO

from django.core.management import call_command

from roadmaps.demo import roadmap_fill
from roadmaps.models import Initiative, Release
from roadmaps.services.initiatives import initiative_depend


def test_a_filled_roadmap_has_the_sizes_asked_and_no_cycle(tenant_a):
    filled = roadmap_fill(
        product=tenant_a.product,
        owner=tenant_a.owner,
        initiatives=60,
        releases=5,
        dependencies=200,
        start=date(2026, 1, 1),
    )
    assert (filled.initiatives, filled.releases, filled.dependencies) == (60, 5, 200)
    initiatives = Initiative.objects.filter(product=tenant_a.product)
    for horizon in ("now", "next", "later"):
        column = list(
            initiatives.filter(horizon=horizon).order_by("pk").values_list("rank", flat=True)
        )
        assert column == sorted(column) and len(set(column)) == len(column)
    assert all(i.starts_on <= i.ends_on for i in initiatives)
    assert (
        Initiative.depends_on.through.objects.filter(
            from_initiative__product=tenant_a.product
        ).count()
        == 200
    )
    # Dependencies only point to earlier initiatives, so the last one can depend on the first.
    first, last = initiatives.order_by("pk").first(), initiatives.order_by("pk").last()
    initiative_depend(initiative=last, actor=tenant_a.owner, depends_on=first)
    assert Release.objects.filter(product=tenant_a.product).count() == 5


def test_the_demo_command_fills_once(tenant_a):
    out = StringIO()
    product = f"{tenant_a.workspace.slug}/{tenant_a.product.slug}"
    call_command("seed_demo_roadmap", product=product, stdout=out)
    count = Initiative.objects.filter(product=tenant_a.product).count()
    call_command("seed_demo_roadmap", product=product, stdout=out)
    assert count == 24 == Initiative.objects.filter(product=tenant_a.product).count()
    assert "nothing to do" in out.getvalue()
