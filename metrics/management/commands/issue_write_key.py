"""``manage.py issue_write_key``: print a new write key (only the key) for scripts."""

from django.core.management.base import BaseCommand, CommandError

from metrics.services.write_keys import write_key_create
from pmhub.errors import ApplicationError
from pmhub.models import Product, Workspace
from pmhub.tenancy import scope


class Command(BaseCommand):
    help = "Create a write key for a product and print it (it cannot be shown again)."

    def add_arguments(self, parser):
        parser.add_argument("workspace", help="Workspace slug.")
        parser.add_argument("product", help="Product slug within that workspace.")
        parser.add_argument("--name", default="CLI write key", help="Where the events come from.")

    def handle(self, *args, workspace, product, name, **options):
        found_workspace = Workspace.objects.filter(slug=workspace).first()
        if found_workspace is None:
            raise CommandError(f"No workspace with the slug {workspace!r}.")
        found = (
            scope(Product.objects.select_related("workspace"), found_workspace)
            .filter(slug=product)
            .first()
        )
        if found is None:
            raise CommandError(f"No product with the slug {product!r} in workspace {workspace!r}.")
        if found.is_archived:
            raise CommandError(f"{found.name} is archived; restore it first.")
        try:
            _, raw = write_key_create(product=found, actor=None, name=name)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(raw)
