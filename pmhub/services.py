"""Writes with rules in the core domain: workspaces, members, invitations and products.

Every function is keyword-only and atomic, checks its invariants (raising ``ApplicationError``
naming the field), and records the audit trail. Role checks belong to the caller's permission
layer; the rules here are those that hold whoever calls (e.g. the last owner stays).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User as UserType
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from pmhub import hooks
from pmhub.audit import audit_record, diff_fields
from pmhub.capabilities import ROLE_RANK, Role
from pmhub.errors import ApplicationError
from pmhub.models import ApiToken, Invitation, LifecycleStage, Membership, Product, Workspace

User = get_user_model()

INVITATION_LIFETIME = timedelta(days=14)
_INVITATION_SALT = "pmhub.invitation"


def _unique_slug(base: str, taken: Any, max_length: int) -> str:
    """``base`` slugified, with ``-2``, ``-3``… appended until ``taken(slug)`` is false."""
    root = (slugify(base) or "item")[: max_length - 4].strip("-") or "item"
    slug, n = root, 1
    while taken(slug):
        n += 1
        slug = f"{root}-{n}"
    return slug


def _role(value: str, field: str = "role") -> Role:
    if value not in Role.values:
        allowed = ", ".join(Role.values)
        raise ApplicationError(f"Unknown role {value!r}; choose one of {allowed}.", field=field)
    return Role(value)


# --- Workspaces and accounts ---------------------------------------------------------------------


@transaction.atomic
def workspace_create(*, name: str, owner: UserType) -> Workspace:
    """Create a workspace with ``owner`` as its owner; records ``workspace.created``."""
    name = name.strip()
    if not name:
        raise ApplicationError("Give the workspace a name.", field="name")
    slug = _unique_slug(name, lambda s: Workspace.objects.filter(slug=s).exists(), 60)
    workspace = Workspace.objects.create(name=name, slug=slug)
    Membership.objects.create(user=owner, workspace=workspace, role=Role.OWNER)
    audit_record(workspace=workspace, actor=owner, action="workspace.created", target=workspace)
    return workspace


@transaction.atomic
def workspace_update(*, workspace: Workspace, actor: UserType, name: str) -> Workspace:
    """Rename ``workspace``; records ``workspace.updated``."""
    name = name.strip()
    if not name:
        raise ApplicationError("Give the workspace a name.", field="name")
    changes = diff_fields(workspace, {"name": name})
    if changes:
        workspace.name = name
        workspace.save(update_fields=["name"])
        audit_record(
            workspace=workspace,
            actor=actor,
            action="workspace.updated",
            target=workspace,
            changes=changes,
        )
    return workspace


@transaction.atomic
def user_register(
    *, username: str, email: str, password: str, workspace_name: str = ""
) -> tuple[UserType, Workspace | None]:
    """Create a user and, when ``workspace_name`` is given, their first workspace."""
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError("That username is taken.", field="username")
    user = User.objects.create_user(username=username, email=email, password=password)
    workspace = workspace_create(name=workspace_name, owner=user) if workspace_name else None
    return user, workspace


# --- Members -------------------------------------------------------------------------------------


def _actor_role(actor: UserType, workspace: Workspace) -> Role | None:
    role = (
        Membership.objects.filter(user=actor, workspace=workspace)
        .values_list("role", flat=True)
        .first()
    )
    return Role(role) if role else None


def _check_can_grant(*, actor: UserType, workspace: Workspace, role: Role) -> None:
    actor_role = _actor_role(actor, workspace)
    if actor_role is None or ROLE_RANK[role] > ROLE_RANK[actor_role]:
        raise ApplicationError(
            f"You cannot grant the {role.label.lower()} role; it is above your own.",
            field="role",
            status_code=403,
            code="permission_denied",
        )


def _owner_count(workspace: Workspace) -> int:
    return Membership.objects.filter(workspace=workspace, role=Role.OWNER).count()


@transaction.atomic
def membership_change_role(*, membership: Membership, actor: UserType, role: str) -> Membership:
    """Give ``membership`` a new role; records ``member.role_changed``.

    Nobody changes their own role, grants a role above their own, touches a member above them,
    or demotes the last owner.
    """
    new_role = _role(role)
    # Lock the workspace's memberships so two concurrent demotions can't remove both owners.
    list(Membership.objects.select_for_update().filter(workspace=membership.workspace_id))
    membership.refresh_from_db()
    workspace = membership.workspace
    if membership.user_id == actor.pk:
        raise ApplicationError(
            "You cannot change your own role.",
            field="role",
            status_code=403,
            code="permission_denied",
        )
    _check_can_grant(actor=actor, workspace=workspace, role=Role(membership.role))
    _check_can_grant(actor=actor, workspace=workspace, role=new_role)
    if membership.role == Role.OWNER and new_role != Role.OWNER and _owner_count(workspace) == 1:
        raise ApplicationError("A workspace keeps at least one owner.", field="role")
    if membership.role != new_role:
        changes = {"role": [membership.role, new_role.value]}
        membership.role = new_role
        membership.save(update_fields=["role"])
        audit_record(
            workspace=workspace,
            actor=actor,
            action="member.role_changed",
            target=membership,
            changes=changes,
        )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: UserType) -> None:
    """Remove a member and revoke their tokens for this workspace; records ``member.removed``.

    Members may leave on their own; removing someone else needs a role at least as high as theirs.
    The last owner stays. The tokens are revoked, not merely unusable while the membership is
    gone, so that inviting the person back does not bring old credentials back to life.
    """
    list(Membership.objects.select_for_update().filter(workspace=membership.workspace_id))
    workspace = membership.workspace
    if membership.user_id != actor.pk:
        _check_can_grant(actor=actor, workspace=workspace, role=Role(membership.role))
    if membership.role == Role.OWNER and _owner_count(workspace) == 1:
        raise ApplicationError("A workspace keeps at least one owner.", field="role")
    audit_record(workspace=workspace, actor=actor, action="member.removed", target=membership)
    ApiToken.objects.filter(
        user_id=membership.user_id, workspace=workspace, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    membership.delete()


# --- Invitations ---------------------------------------------------------------------------------


def invitation_key(invitation: Invitation) -> str:
    """The secret part of an invitation link: the id, signed with SECRET_KEY."""
    return signing.Signer(salt=_INVITATION_SALT).sign_object({"id": invitation.pk})


def invitation_from_key(key: str) -> Invitation | None:
    """The open invitation behind ``key``, or None when tampered, revoked, used or expired."""
    try:
        data = signing.Signer(salt=_INVITATION_SALT).unsign_object(key)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    invitation = Invitation.objects.select_related("workspace").filter(pk=data["id"]).first()
    return invitation if invitation is not None and invitation.is_open else None


@transaction.atomic
def invitation_create(
    *, workspace: Workspace, actor: UserType, email: str, role: str
) -> Invitation:
    """Invite ``email`` with ``role``; the email goes out from a Celery task after commit.

    Records ``member.invited``. An open invitation to the same address is replaced.
    """
    from pmhub.tasks import invitation_send  # tasks import services; import late to avoid a cycle

    email = User.objects.normalize_email(email.strip()).lower()
    if not email:
        raise ApplicationError("Enter an email address.", field="email")
    new_role = _role(role)
    _check_can_grant(actor=actor, workspace=workspace, role=new_role)
    if Membership.objects.filter(workspace=workspace, user__email__iexact=email).exists():
        raise ApplicationError(f"{email} is already a member.", field="email")
    now = timezone.now()
    Invitation.objects.filter(
        workspace=workspace, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    invitation = Invitation.objects.create(
        workspace=workspace,
        email=email,
        role=new_role,
        invited_by=actor,
        expires_at=now + INVITATION_LIFETIME,
    )
    audit_record(
        workspace=workspace,
        actor=actor,
        action="member.invited",
        target=invitation,
        changes={"role": [None, new_role.value]},
    )
    transaction.on_commit(lambda: invitation_send.delay(invitation.pk))
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: UserType) -> Invitation:
    """Revoke an open invitation (idempotent); records ``member.invitation_revoked``."""
    if invitation.revoked_at is None and invitation.accepted_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            workspace=invitation.workspace,
            actor=actor,
            action="member.invitation_revoked",
            target=invitation,
        )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: UserType) -> Membership:
    """Join the invitation's workspace with its role; records ``member.joined``.

    The link works only for an account with the invited email, so a forwarded link is useless.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ApplicationError("This invitation is no longer valid.", code="invitation_closed")
    if (user.email or "").lower() != invitation.email:
        raise ApplicationError(
            f"This invitation is for {invitation.email}; sign in with that address.",
            field="email",
        )
    membership, created = Membership.objects.get_or_create(
        user=user, workspace=invitation.workspace, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if created:
        audit_record(
            workspace=invitation.workspace,
            actor=user,
            action="member.joined",
            target=membership,
            changes={"role": [None, membership.role]},
        )
    return membership


# --- Products ------------------------------------------------------------------------------------

PRODUCT_FIELDS = ("name", "description", "vision", "strategy", "stage", "owner")


def _check_product_fields(workspace: Workspace, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown field {sorted(unknown)[0]!r}.", field=sorted(unknown)[0])
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ApplicationError("Give the product a name.", field="name")
    if "stage" in fields and fields["stage"] not in LifecycleStage.values:
        raise ApplicationError(f"Unknown lifecycle stage {fields['stage']!r}.", field="stage")
    owner = fields.get("owner")
    if (
        owner is not None
        and not Membership.objects.filter(workspace=workspace, user=owner).exists()
    ):
        raise ApplicationError("The owner must be a member of this workspace.", field="owner")


@transaction.atomic
def product_create(*, workspace: Workspace, actor: UserType, **fields: Any) -> Product:
    """Create a product in ``workspace`` with a slug unique there; records ``product.created``."""
    _check_product_fields(workspace, fields)
    if "name" not in fields:
        raise ApplicationError("Give the product a name.", field="name")
    fields.setdefault("owner", actor)
    slug = _unique_slug(
        fields["name"],
        lambda s: Product.objects.filter(workspace=workspace, slug=s).exists(),
        80,
    )
    try:
        with transaction.atomic():
            product = Product.objects.create(workspace=workspace, slug=slug, **fields)
    except IntegrityError:
        # Two creates raced for the slug; the loser asks again (it can only lose once per name).
        slug = _unique_slug(
            f"{fields['name']}-{timezone.now():%H%M%S%f}",
            lambda s: Product.objects.filter(workspace=workspace, slug=s).exists(),
            80,
        )
        product = Product.objects.create(workspace=workspace, slug=slug, **fields)
    audit_record(
        workspace=workspace, actor=actor, action="product.created", target=product, product=product
    )
    hooks.product_created(product, actor)
    return product


@transaction.atomic
def product_update(*, product: Product, actor: UserType, **fields: Any) -> Product:
    """Change a product's fields; records ``product.updated`` with what changed."""
    _check_product_fields(product.workspace, fields)
    changes = diff_fields(product, fields)
    if changes:
        for name, value in fields.items():
            setattr(product, name, value)
        product.save(update_fields=[*fields, "updated_at"])
        audit_record(
            workspace=product.workspace,
            actor=actor,
            action="product.updated",
            target=product,
            product=product,
            changes=changes,
        )
    return product


@transaction.atomic
def product_set_archived(*, product: Product, actor: UserType, archived: bool) -> Product:
    """Archive or restore a product (idempotent); records ``product.archived``/``restored``."""
    if product.is_archived != archived:
        product.archived_at = timezone.now() if archived else None
        product.save(update_fields=["archived_at", "updated_at"])
        audit_record(
            workspace=product.workspace,
            actor=actor,
            action="product.archived" if archived else "product.restored",
            target=product,
            product=product,
        )
    return product


@transaction.atomic
def product_delete(*, product: Product, actor: UserType) -> None:
    """Delete a product and everything under it; records ``product.deleted``."""
    audit_record(workspace=product.workspace, actor=actor, action="product.deleted", target=product)
    hooks.product_deleted(product)
    product.delete()
