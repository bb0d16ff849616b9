"""``manage.py recompute_metrics``: rebuild metric series from the events, with a progress bar."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from metrics.services.recompute import metrics_recompute_all
from pmhub.models import Product


class Command(BaseCommand):
    help = "Recompute every metric of every product (or of --product) from its events."

    def add_arguments(self, parser):
        parser.add_argument(
            "--product",
            action="append",
            default=[],
            metavar="WORKSPACE/PRODUCT",
            help="Slugs of a product to recompute (repeatable); default: all products.",
        )

    def handle(self, *args, product: list[str], **options):
        products = list(Product.objects.select_related("workspace").order_by("pk"))
        if product:
            wanted = set(product)
            products = [p for p in products if f"{p.workspace.slug}/{p.slug}" in wanted]
            missing = wanted - {f"{p.workspace.slug}/{p.slug}" for p in products}
            if missing:
                raise CommandError(f"No product {sorted(missing)[0]!r} (use workspace/product).")
        started = time.monotonic()
        for done, item in enumerate(products, start=1):
            days = metrics_recompute_all(product=item)
            self._progress(done, len(products), f"{item.workspace.slug}/{item.slug}: {days} days")
        self.stdout.write(
            f"Recomputed {len(products)} products in {time.monotonic() - started:.1f} s."
        )

    def _progress(self, done: int, total: int, label: str) -> None:
        width = 30
        filled = round(width * done / total) if total else width
        bar = "#" * filled + "-" * (width - filled)
        self.stdout.write(f"[{bar}] {done}/{total} {label}")
