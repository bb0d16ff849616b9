"""``manage.py seed_demo_roadmap``: give the demo product a roadmap (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pmhub.models import Product
from roadmaps.demo import roadmap_fill
from roadmaps.services.snapshots import snapshot_take


class Command(BaseCommand):
    help = "Fill a product (default: the demo product acme/acme-analytics) with a roadmap."

    def add_arguments(self, parser):
        parser.add_argument("--product", default="acme/acme-analytics", metavar="WORKSPACE/PRODUCT")
        parser.add_argument("--initiatives", type=int, default=24)
        parser.add_argument("--releases", type=int, default=4)
        parser.add_argument("--dependencies", type=int, default=10)

    def handle(
        self, *args, product: str, initiatives: int, releases: int, dependencies: int, **options
    ):
        if min(initiatives, releases, dependencies) < 0:
            raise CommandError("Sizes must not be negative.")
        workspace_slug, _, product_slug = product.partition("/")
        target = (
            Product.objects.select_related("owner", "workspace")
            .filter(workspace__slug=workspace_slug, slug=product_slug)
            .first()
        )
        if target is None:
            raise CommandError(f"No product {product!r} (use workspace/product slugs).")
        if target.initiatives.exists():
            self.stdout.write("The product already has a roadmap; nothing to do.")
            return
        filled = roadmap_fill(
            product=target,
            owner=target.owner,
            initiatives=initiatives,
            releases=releases,
            dependencies=dependencies,
            start=timezone.localdate().replace(day=1),
        )
        snapshot_take(product=target, actor=None, name="Demo start")
        self.stdout.write(
            f"Roadmap ready: {filled.initiatives} initiatives, {filled.releases} releases, "
            f"{filled.dependencies} dependencies."
        )
