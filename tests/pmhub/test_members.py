"""The members page's inline role change (htmx fragment) and its plain-form fallback."""

from pmhub.capabilities import Role
from pmhub.models import Membership
from tests.factories import make_member

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_htmx_role_change_answers_with_the_row_alone(client, tenant_a):
    editor = make_member(tenant_a.workspace, Role.EDITOR)
    membership = Membership.objects.get(user=editor)
    client.force_login(tenant_a.owner)
    response = client.post(
        f"/workspace/members/{membership.pk}/role/", {f"m{membership.pk}-role": "viewer"}, **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="member-{membership.pk}"')
    assert "Saved" in body and "<html" not in body
    assert "HX-Request" in response["Vary"]
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER


def test_htmx_role_change_refused_by_a_rule_shows_the_reason_in_the_row(client, tenant_a):
    admin = make_member(tenant_a.workspace, Role.ADMIN)
    owner_membership = Membership.objects.get(user=tenant_a.owner)
    client.force_login(admin)
    response = client.post(
        f"/workspace/members/{owner_membership.pk}/role/",
        {f"m{owner_membership.pk}-role": "viewer"},
        **HTMX,
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER


def test_plain_form_role_change_redirects_with_a_message(client, tenant_a):
    editor = make_member(tenant_a.workspace, Role.EDITOR)
    membership = Membership.objects.get(user=editor)
    client.force_login(tenant_a.owner)
    response = client.post(
        f"/workspace/members/{membership.pk}/role/",
        {f"m{membership.pk}-role": "contributor"},
        follow=True,
    )
    assert f"{editor.username} is now Contributor." in response.content.decode()
