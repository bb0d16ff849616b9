"""Invitations: invite, email, accept with the invited address; every other link is refused.

Also: removing a member ends their API tokens for that workspace.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.utils import timezone
from rest_framework.test import APIClient

from pmhub import services
from pmhub.capabilities import Role
from pmhub.errors import ApplicationError
from pmhub.models import AuditEvent, Invitation, Membership
from pmhub.tasks import invitation_send
from pmhub.tokens import token_create
from tests.factories import api_client, make_member, make_user

pytestmark = pytest.mark.django_db


def invite(tenant, email="newbie@example.com", role=Role.EDITOR, actor=None) -> Invitation:
    return services.invitation_create(
        workspace=tenant.workspace, actor=actor or tenant.owner, email=email, role=role
    )


def accept_url(invitation: Invitation) -> str:
    return f"/invitations/{services.invitation_key(invitation)}/"


def user_with_email(email: str):
    user = make_user()
    user.email = email
    user.save(update_fields=["email"])
    return user


def is_member(user, tenant) -> bool:
    return Membership.objects.filter(user=user, workspace=tenant.workspace).exists()


# --- The happy path -------------------------------------------------------------------------------


def test_invitee_with_the_matching_email_joins_with_the_invited_role(tenant_a):
    invitation = invite(tenant_a, role=Role.CONTRIBUTOR)
    newbie = user_with_email("newbie@example.com")

    found = services.invitation_from_key(services.invitation_key(invitation))
    assert found == invitation
    membership = services.invitation_accept(invitation=found, user=newbie)

    assert membership.workspace == tenant_a.workspace
    assert membership.role == Role.CONTRIBUTOR
    invitation.refresh_from_db()
    assert invitation.accepted_by == newbie and invitation.accepted_at is not None
    assert AuditEvent.objects.filter(
        workspace=tenant_a.workspace, action="member.joined", actor=newbie
    ).exists()
    assert AuditEvent.objects.filter(
        workspace=tenant_a.workspace, action="member.invited", actor=tenant_a.owner
    ).exists()


def test_email_match_ignores_case(tenant_a):
    invitation = invite(tenant_a, email="New.Person@Example.COM")
    assert invitation.email == "new.person@example.com"
    person = user_with_email("NEW.person@example.com")
    services.invitation_accept(invitation=invitation, user=person)
    assert is_member(person, tenant_a)


def test_invited_person_follows_the_emailed_link_and_joins(client, tenant_a):
    api = api_client(tenant_a.owner, tenant_a.workspace)
    created = api.post(
        "/api/v1/invitations/", {"email": "newbie@example.com", "role": "viewer"}, format="json"
    )
    assert created.status_code == 201

    # The email goes out from a Celery task after commit; run it here as the worker would.
    assert invitation_send(created.json()["id"]) is True
    assert invitation_send(created.json()["id"]) is False  # idempotent: one email
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["newbie@example.com"]
    link = re.search(r"https?://\S+(/invitations/\S+/)", mail.outbox[0].body).group(1)
    assert link == created.json()["accept_url"]

    newbie = user_with_email("newbie@example.com")
    client.force_login(newbie)
    page = client.get(link)
    assert page.status_code == 200
    assert tenant_a.workspace.name in page.content.decode()

    joined = client.post(link)
    assert joined.status_code == 302
    assert Membership.objects.get(user=newbie, workspace=tenant_a.workspace).role == Role.VIEWER
    # And the new member's session now acts in that workspace.
    assert client.get("/api/v1/workspace/").json()["id"] == tenant_a.workspace.pk


def test_signing_up_through_an_invitation_joins_the_workspace(client, tenant_a):
    invitation = invite(tenant_a, email="fresh@example.com", role=Role.EDITOR)
    key = services.invitation_key(invitation)
    form = client.get(f"/accounts/signup/?invitation={key}")
    assert "workspace_name" not in form.context["form"].fields
    assert form.context["form"]["email"].initial == "fresh@example.com"

    password = "a-Long-pass-phrase-42"
    signed_up = client.post(
        f"/accounts/signup/?invitation={key}",
        {
            "username": "fresh",
            "email": "fresh@example.com",
            "password1": password,
            "password2": password,
        },
    )
    assert signed_up.status_code == 302
    assert signed_up["Location"] == f"/invitations/{key}/"
    assert client.post(signed_up["Location"]).status_code == 302
    assert Membership.objects.get(user__username="fresh").role == Role.EDITOR


# --- Refused links --------------------------------------------------------------------------------


def test_wrong_email_is_refused_and_the_invitation_stays_open(tenant_a):
    invitation = invite(tenant_a)
    intruder = user_with_email("intruder@example.com")
    with pytest.raises(ApplicationError) as refused:
        services.invitation_accept(invitation=invitation, user=intruder)
    assert refused.value.field == "email"
    assert "newbie@example.com" in refused.value.message
    assert not is_member(intruder, tenant_a)
    invitation.refresh_from_db()
    assert invitation.is_open


def test_forwarded_link_shows_the_error_and_joins_nobody(client, tenant_a):
    invitation = invite(tenant_a)
    intruder = user_with_email("intruder@example.com")
    client.force_login(intruder)
    response = client.post(accept_url(invitation))
    assert response.status_code == 200
    assert "newbie@example.com" in response.context["error"]
    assert not is_member(intruder, tenant_a)


def close_by_revoking(invitation, tenant):
    services.invitation_revoke(invitation=invitation, actor=tenant.owner)


def close_by_expiry(invitation, tenant):
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


def close_by_accepting(invitation, tenant):
    services.invitation_accept(invitation=invitation, user=user_with_email(invitation.email))


def close_by_reinviting(invitation, tenant):
    invite(tenant, email=invitation.email, role=Role.VIEWER)  # the newer one replaces it


@pytest.mark.parametrize(
    "close",
    [
        pytest.param(close_by_revoking, id="revoked"),
        pytest.param(close_by_expiry, id="expired"),
        pytest.param(close_by_accepting, id="already used"),
        pytest.param(close_by_reinviting, id="replaced"),
    ],
)
def test_closed_invitation_link_is_refused(client, tenant_a, close):
    invitation = invite(tenant_a)
    url = accept_url(invitation)
    close(invitation, tenant_a)
    someone = user_with_email("newbie@example.com")
    memberships = Membership.objects.count()

    assert services.invitation_from_key(services.invitation_key(invitation)) is None
    with pytest.raises(ApplicationError):
        services.invitation_accept(invitation=invitation, user=someone)

    client.force_login(someone)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Membership.objects.count() == memberships


def tampered_keys(invitation: Invitation, other: Invitation) -> list[str]:
    key = services.invitation_key(invitation)
    payload, signature = key.rsplit(":", 1)
    other_payload = services.invitation_key(other).rsplit(":", 1)[0]
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    return [
        f"{payload}:{flipped}",  # signature altered
        f"{other_payload}:{signature}",  # payload of another invitation, this one's signature
        payload,  # no signature
        signing.Signer(key="not-our-secret", salt="pmhub.invitation").sign_object(
            {"id": invitation.pk}
        ),  # signed with another key
        signing.Signer(salt="another.purpose").sign_object({"id": invitation.pk}),  # other salt
        signing.Signer(salt="pmhub.invitation").sign_object({"id": str(invitation.pk)}),
        signing.Signer(salt="pmhub.invitation").sign_object([invitation.pk]),
        "garbage",
        "",
    ]


def test_tampered_links_are_refused(client, tenant_a, tenant_b):
    invitation = invite(tenant_a, email="victim@example.com", role=Role.OWNER)
    other = invite(tenant_b, email="victim@example.com", role=Role.VIEWER)
    client.force_login(user_with_email("victim@example.com"))
    memberships = Membership.objects.count()
    for key in tampered_keys(invitation, other):
        assert services.invitation_from_key(key) is None, key
        if key:
            assert client.get(f"/invitations/{key}/").status_code == 404, key
            assert client.post(f"/invitations/{key}/").status_code == 404, key
    assert Membership.objects.count() == memberships


def test_anonymous_visitor_sees_the_invitation_but_cannot_accept_it(client, tenant_a):
    invitation = invite(tenant_a)
    memberships = Membership.objects.count()
    response = client.post(accept_url(invitation))
    assert response.status_code == 200
    assert Membership.objects.count() == memberships
    invitation.refresh_from_db()
    assert invitation.is_open


# --- Who may invite whom --------------------------------------------------------------------------


def test_nobody_invites_above_their_own_role(tenant_a):
    admin = make_member(tenant_a.workspace, Role.ADMIN)
    with pytest.raises(ApplicationError) as refused:
        invite(tenant_a, role=Role.OWNER, actor=admin)
    assert refused.value.field == "role"
    assert refused.value.status_code == 403
    assert not Invitation.objects.filter(email="newbie@example.com").exists()


def test_existing_member_is_not_invited_again(tenant_a):
    editor = make_member(tenant_a.workspace, Role.EDITOR)
    with pytest.raises(ApplicationError) as refused:
        invite(tenant_a, email=editor.email.upper())
    assert refused.value.field == "email"


def test_invitation_with_an_unknown_role_is_refused(tenant_a):
    with pytest.raises(ApplicationError) as refused:
        invite(tenant_a, role="superuser")
    assert refused.value.field == "role"
    assert not Invitation.objects.exists()


def test_invitation_links_are_seen_only_by_those_who_may_invite(tenant_a):
    invite(tenant_a)
    editor = make_member(tenant_a.workspace, Role.EDITOR)
    assert api_client(editor, tenant_a.workspace).get("/api/v1/invitations/").status_code == 403
    rows = api_client(tenant_a.owner, tenant_a.workspace).get("/api/v1/invitations/").json()
    assert [row["email"] for row in rows["results"]] == ["newbie@example.com"]


def test_revoking_through_the_api_closes_the_link(client, tenant_a):
    invitation = invite(tenant_a)
    api = api_client(tenant_a.owner, tenant_a.workspace)
    assert api.delete(f"/api/v1/invitations/{invitation.pk}/").status_code == 204
    client.force_login(user_with_email("newbie@example.com"))
    assert client.get(accept_url(invitation)).status_code == 404


# --- Removed members' tokens ----------------------------------------------------------------------


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_token_of_a_removed_member_stops_working(tenant_a):
    editor = make_member(tenant_a.workspace, Role.EDITOR)
    _, raw = token_create(user=editor, workspace=tenant_a.workspace, name="editor's")
    assert bearer(raw).get("/api/v1/products/").status_code == 200

    owner_api = api_client(tenant_a.owner, tenant_a.workspace)
    membership = Membership.objects.get(user=editor, workspace=tenant_a.workspace)
    assert owner_api.delete(f"/api/v1/members/{membership.pk}/").status_code == 204

    response = bearer(raw).get("/api/v1/products/")
    assert response.status_code == 401
    assert bearer(raw).post("/api/v1/products/", {"name": "X"}, format="json").status_code == 401


def test_token_of_a_member_who_left_stops_working_but_other_workspaces_tokens_do_not(
    tenant_a, tenant_b
):
    person = make_member(tenant_a.workspace, Role.EDITOR)
    Membership.objects.create(user=person, workspace=tenant_b.workspace, role=Role.EDITOR)
    _, raw_a = token_create(user=person, workspace=tenant_a.workspace, name="a")
    _, raw_b = token_create(user=person, workspace=tenant_b.workspace, name="b")

    services.membership_remove(
        membership=Membership.objects.get(user=person, workspace=tenant_a.workspace), actor=person
    )

    assert bearer(raw_a).get("/api/v1/workspace/").status_code == 401
    assert bearer(raw_b).get("/api/v1/workspace/").json()["id"] == tenant_b.workspace.pk


def test_removing_a_member_revokes_their_tokens_so_rejoining_does_not_revive_them(tenant_a):
    editor = make_member(tenant_a.workspace, Role.EDITOR)
    old, old_raw = token_create(user=editor, workspace=tenant_a.workspace, name="old")
    services.membership_remove(
        membership=Membership.objects.get(user=editor, workspace=tenant_a.workspace),
        actor=tenant_a.owner,
    )
    old.refresh_from_db()
    assert old.revoked_at is not None

    invitation = invite(tenant_a, email=editor.email, role=Role.VIEWER)
    services.invitation_accept(invitation=invitation, user=editor)
    assert is_member(editor, tenant_a)
    assert bearer(old_raw).get("/api/v1/workspace/").status_code == 401
