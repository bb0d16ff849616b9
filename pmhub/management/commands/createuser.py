"""``manage.py createuser``: create a user (and a workspace or a membership) for scripted setups."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from pmhub import services
from pmhub.capabilities import Role
from pmhub.models import Membership, Workspace


class Command(BaseCommand):
    help = "Create a user; with --workspace, create that workspace (as owner) or join it."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--workspace", help="Workspace name: created if new, joined if not.")
        parser.add_argument(
            "--role",
            choices=Role.values,
            help="Role in an existing workspace (default: viewer; owner if new).",
        )

    def handle(self, *args, username, email, password, workspace=None, role=None, **options):
        User = get_user_model()
        username = username.strip()
        if not username:
            raise CommandError("--username must not be empty.")
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"--email {email!r} is not a valid email address.") from None
        try:
            validate_password(password, User(username=username, email=email))
        except ValidationError as exc:
            raise CommandError("--password: " + " ".join(exc.messages)) from None
        if role and not workspace:
            raise CommandError("--role needs --workspace.")
        with transaction.atomic():
            user = User.objects.create_user(username=username, email=email, password=password)
            if workspace:
                existing = Workspace.objects.filter(name=workspace.strip()).first()
                if existing is None:
                    ws = services.workspace_create(name=workspace, owner=user)
                    if role and role != Role.OWNER:
                        raise CommandError(
                            f"Workspace {workspace!r} is new: its first member must be its owner."
                        )
                    self.stdout.write(
                        f"Created user {username} and workspace {ws.name} ({ws.slug})."
                    )
                    return
                Membership.objects.create(user=user, workspace=existing, role=role or Role.VIEWER)
                self.stdout.write(
                    f"Created user {username}, {role or Role.VIEWER} of {existing.name}."
                )
                return
        self.stdout.write(f"Created user {username}.")
