"""``manage.py permissions_table``: the capability table as Markdown (docs/permissions.md)."""

from django.core.management.base import BaseCommand

from pmhub.capabilities import permissions_markdown


class Command(BaseCommand):
    help = "Print the role → capability table (docs/permissions.md embeds it)."

    def handle(self, *args, **options):
        self.stdout.write(permissions_markdown(), ending="")
