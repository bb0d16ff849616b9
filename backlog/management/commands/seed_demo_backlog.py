"""``manage.py seed_demo_backlog``: give the demo product a backlog (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from backlog.demo import backlog_fill
from pmhub.models import Product


class Command(BaseCommand):
    help = "Fill a product (default: the demo product acme/acme-analytics) with a backlog."

    def add_arguments(self, parser):
        parser.add_argument("--product", default="acme/acme-analytics", metavar="WORKSPACE/PRODUCT")
        parser.add_argument("--items", type=int, default=120)

    def handle(self, *args, product: str, items: int, **options):
        if items < 0:
            raise CommandError("--items must not be negative.")
        workspace_slug, _, product_slug = product.partition("/")
        target = (
            Product.objects.select_related("owner", "workspace")
            .filter(workspace__slug=workspace_slug, slug=product_slug)
            .first()
        )
        if target is None:
            raise CommandError(f"No product {product!r} (use workspace/product slugs).")
        if target.items.exists():
            self.stdout.write("The product already has a backlog; nothing to do.")
            return
        filled = backlog_fill(
            product=target, owner=target.owner, items=items, today=timezone.localdate()
        )
        self.stdout.write(f"Backlog ready: {filled.items} items, {filled.sprints} sprints.")
