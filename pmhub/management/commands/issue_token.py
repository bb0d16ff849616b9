"""``manage.py issue_token``: print a new personal API token (only the token) for scripts."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from pmhub.errors import ApplicationError
from pmhub.models import Membership
from pmhub.tokens import token_create


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it (it cannot be shown again)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--workspace", help="Workspace slug (needed when in several).")
        parser.add_argument("--name", default="CLI token")
        parser.add_argument("--read-only", action="store_true")

    def handle(self, *args, username, workspace=None, name, read_only, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        memberships = Membership.objects.select_related("workspace").filter(user=user)
        if workspace:
            memberships = memberships.filter(workspace__slug=workspace)
        found = list(memberships[:2])
        if not found:
            where = f"workspace {workspace!r}" if workspace else "any workspace"
            raise CommandError(f"{username} is not a member of {where}.")
        if len(found) > 1:
            slugs = ", ".join(m.workspace.slug for m in memberships)
            raise CommandError(f"{username} is in several workspaces; pass --workspace ({slugs}).")
        try:
            _, raw = token_create(
                user=user, workspace=found[0].workspace, name=name, read_only=read_only
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(raw)
