"""``manage.py seed_demo_events``: fill the demo product with a realistic event stream."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from metrics.demo import demo_messages
from metrics.ingest import parse_segment
from metrics.services.events import events_store
from metrics.services.recompute import metrics_recompute_all
from pmhub.models import Product

BATCH = 500


class Command(BaseCommand):
    help = (
        "Send a realistic event stream for a product through the ingestion path (default: the "
        "demo product acme/acme-analytics), then recompute its metrics."
    )

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=20_000)
        parser.add_argument("--days", type=int, default=90)
        parser.add_argument("--product", default="acme/acme-analytics", metavar="WORKSPACE/PRODUCT")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the product already has events.",
        )

    def handle(self, *args, events: int, days: int, product: str, if_empty: bool, **options):
        if events < 1 or days < 1:
            raise CommandError("--events and --days must be positive.")
        workspace_slug, _, product_slug = product.partition("/")
        target = Product.objects.filter(workspace__slug=workspace_slug, slug=product_slug).first()
        if target is None:
            raise CommandError(f"No product {product!r} (use workspace/product slugs).")
        from metrics.models import Event

        if if_empty and Event.objects.filter(product=target).exists():
            self.stdout.write(f"{product} already has events; nothing sent.")
            return
        batch: list[dict] = []
        sent = 0
        for message in demo_messages(events=events, days=days, end=timezone.now()):
            batch.append(message)
            if len(batch) == BATCH:
                sent += self._send(target, batch)
                self._progress(sent, events)
                batch = []
        if batch:
            sent += self._send(target, batch)
            self._progress(sent, events)
        self.stdout.write("Recomputing metrics…")
        metrics_recompute_all(product=target)
        self.stdout.write(f"Sent {sent} events to {product}; dashboards are up to date.")

    def _send(self, product: Product, batch: list[dict]) -> int:
        parsed = parse_segment({"batch": batch}, path_type="batch", received_at=timezone.now())
        return events_store(
            product=product, messages=parsed.messages, refusals=parsed.refusals
        ).accepted

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = min(width, round(width * done / total))
        self.stdout.write(
            f"\r[{'#' * filled}{'-' * (width - filled)}] {done}/{total} events", ending=""
        )
        if done >= total:
            self.stdout.write("")
