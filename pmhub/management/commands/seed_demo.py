"""``manage.py seed_demo``: the demo workspace of ``make run`` (development only, idempotent)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from pmhub import services
from pmhub.capabilities import Role
from pmhub.models import LifecycleStage, Membership, Product, Workspace

VISION = """Every product team **sees whether what it shipped worked**.

- One place from objective to metric
- Evidence from customers next to every decision
"""
STRATEGY = """1. Win product managers of B2B SaaS teams with 5–50 engineers.
2. Close the loop: key results measured by live metrics from the product's own events.
3. Self-hostable and open source, so data never leaves the customer.
"""


class Command(BaseCommand):
    help = "Create the demo workspace 'Acme', a product and the user demo/demo (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates a known password; it runs only with DEBUG on.")
        User = get_user_model()
        with transaction.atomic():
            user = User.objects.filter(username="demo").first()
            if user is None:
                user = User.objects.create_user("demo", "demo@example.com", "demo")
            workspace = Workspace.objects.filter(slug="acme").first()
            if workspace is None:
                workspace = services.workspace_create(name="Acme", owner=user)
            Membership.objects.get_or_create(
                user=user, workspace=workspace, defaults={"role": Role.OWNER}
            )
            if not Product.objects.filter(workspace=workspace).exists():
                services.product_create(
                    workspace=workspace,
                    actor=user,
                    name="Acme Analytics",
                    description="Self-serve analytics for growing SaaS teams.",
                    vision=VISION,
                    strategy=STRATEGY,
                    stage=LifecycleStage.GROWTH,
                )
        self.stdout.write("Demo ready: log in as demo / demo (workspace Acme).")
