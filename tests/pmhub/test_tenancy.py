"""Tenant isolation: a member of workspace A never reads, changes or learns of workspace B's rows.

``CASES`` holds, for every named route of the URL conf, how isolation is proven there: B's
object addressed by id or slug is a 404 for every method (and B is unchanged), a list or page
shows A's rows and never B's, a write without an id lands in A, or a one-line reason why the route
is not tenant-scoped. ``test_every_route_has_an_isolation_case`` compares ``CASES`` with the URL
conf, so a new endpoint or page fails until its case is written.

Every check runs for two people acting in A, both owners there (so a permission is never the
reason for a 404): one who is a member of A only, and one who is also an owner of B.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import signing
from django.urls import reverse
from rest_framework.test import APIClient

from pmhub import services
from pmhub.capabilities import Role
from pmhub.models import ApiToken, AuditEvent, Invitation, Membership, Product, Workspace
from pmhub.tenancy import SESSION_KEY
from pmhub.tokens import token_create
from tests.factories import (
    Tenant,
    api_client,
    make_invitation,
    make_member,
    pmhub_routes,
    workspace_snapshot,
)
from tests.tenancy_walk import (
    WORLD_PARAMS,
    Case,
    Foreign,
    Lands,
    Rows,
    Unscoped,
    World,
    assert_every_api_method_has_a_case,
    assert_every_route_has_a_case,
    assert_unscoped_routes_state_why,
    check_foreign,
    check_lands,
    check_rows,
    flat,
    session_client,
    two_tenants,
)

# --- Two tenants and someone acting in A ---------------------------------------------------------


@dataclass
class CoreWorld(World):
    a_membership: Membership
    b_membership: Membership
    a_invitation: Invitation
    b_invitation: Invitation
    a_token: ApiToken
    b_token: ApiToken

    def events(self, tenant: Tenant) -> list[int]:
        return list(
            AuditEvent.objects.filter(workspace=tenant.workspace).values_list("pk", flat=True)
        )


def build_world(*, actor_also_in_b: bool) -> CoreWorld:
    """A ("Alpha") and B ("Bravo"), each with a product, an editor, an invitation and a token."""
    a, b = two_tenants(actor_also_in_b=actor_also_in_b)
    actor = a.owner
    a_editor = make_member(a.workspace, Role.EDITOR, username="alpha-editor")
    b_editor = make_member(b.workspace, Role.EDITOR, username="bravo-editor")
    a_token, _ = token_create(user=actor, workspace=a.workspace, name="alpha-token")
    # A token of the actor themself in B when they are a member there: still never visible from A.
    b_token, _ = token_create(
        user=actor if actor_also_in_b else b.owner, workspace=b.workspace, name="bravo-token"
    )
    html = session_client(actor, a.workspace)
    return CoreWorld(
        a=a,
        b=b,
        actor=actor,
        a_membership=Membership.objects.get(user=a_editor),
        b_membership=Membership.objects.get(user=b_editor),
        a_invitation=make_invitation(a.workspace, a.owner, "invitee@alpha.example"),
        b_invitation=make_invitation(b.workspace, b.owner, "invitee@bravo.example"),
        a_token=a_token,
        b_token=b_token,
        api=api_client(actor, a.workspace),
        html=html,
    )


@pytest.fixture(params=WORLD_PARAMS)
def world(request, db) -> CoreWorld:
    return build_world(actor_also_in_b=request.param == "member_of_a_and_b")


# --- The cases ----------------------------------------------------------------------------------


def _product_named(name: str) -> Callable[[World], bool]:
    return lambda w: Product.objects.filter(name=name, workspace=w.a.workspace).exists()


def _invitation_to(email: str) -> Callable[[World], bool]:
    return lambda w: Invitation.objects.filter(email=email, workspace=w.a.workspace).exists()


def _token_named(name: str) -> Callable[[World], bool]:
    return lambda w: ApiToken.objects.filter(name=name, workspace=w.a.workspace).exists()


def _a_renamed(w: World) -> bool:
    return Workspace.objects.get(pk=w.a.workspace.pk).name == "Alpha Renamed"


def _member_ids(tenant: Tenant) -> list[int]:
    return list(Membership.objects.filter(workspace=tenant.workspace).values_list("pk", flat=True))


def _b_product_pk(w: World) -> dict[str, Any]:
    return {"pk": w.b.product.pk}


def _b_product_slug(w: World) -> dict[str, Any]:
    return {"slug": w.b.product.slug}


CASES: dict[str, tuple[Case, ...]] = {
    # --- Pages outside any workspace
    "home": (Unscoped("redirects to the login page or the product list; renders no rows"),),
    "signup": (Unscoped("creates an account and a workspace of its own"),),
    "login": (Unscoped("authentication; acts in no workspace"),),
    "logout": (Unscoped("ends the session; acts in no workspace"),),
    "workspace-create": (Unscoped("creates a new workspace owned by the user"),),
    "workspace-switch": (
        Unscoped("checks membership itself: test_switching_to_a_workspace_you_are_not_in_is_404"),
    ),
    "invitation-accept": (
        Unscoped("addressed by a signed key, not an id: test_invitation_link_* below"),
    ),
    "schema": (Unscoped("the OpenAPI document; public, holds no rows"),),
    "api-docs": (Unscoped("Swagger UI for the schema; public, holds no rows"),),
    "healthz": (Unscoped("liveness probe; touches no rows"),),
    "readyz": (Unscoped("readiness probe; reports components, no rows"),),
    "api:api-root": (Unscoped("lists the API's endpoint URLs, no rows"),),
    # --- Pages of the current workspace
    "workspace-settings": (
        Rows(own=lambda w: ['value="Alpha"'], foreign=lambda w: ['value="Bravo"']),
        Lands("post", lambda w: {"name": "Alpha Renamed"}, _a_renamed),
    ),
    "member-list": (
        Rows(
            own=lambda w: [w.a_membership.user.username, w.a_invitation.email],
            foreign=lambda w: [
                w.b_membership.user.username,
                w.b.owner.username,
                w.b_invitation.email,
            ],
        ),
    ),
    "member-invite": (
        Lands(
            "post",
            lambda w: {"email": "new@alpha.example", "role": "viewer"},
            _invitation_to("new@alpha.example"),
        ),
    ),
    "member-role": (
        Foreign(
            lambda w: {"pk": w.b_membership.pk},
            ("post",),
            lambda w: {f"m{w.b_membership.pk}-role": "viewer"},
        ),
    ),
    "member-remove": (Foreign(lambda w: {"pk": w.b_membership.pk}, ("post",)),),
    "invitation-revoke": (Foreign(lambda w: {"pk": w.b_invitation.pk}, ("post",)),),
    "activity": (
        Rows(
            own=lambda w: ["Alpha Product", w.a_invitation.email],
            foreign=lambda w: ["Bravo Product", w.b_invitation.email, "bravo-token"],
        ),
    ),
    "token-list": (
        Rows(own=lambda w: ["alpha-token"], foreign=lambda w: ["bravo-token"]),
        Lands("post", lambda w: {"name": "new-token"}, _token_named("new-token")),
    ),
    "token-revoke": (Foreign(lambda w: {"pk": w.b_token.pk}, ("post",)),),
    "product-list": (
        Rows(
            own=lambda w: ["Alpha Product", reverse("product-detail", args=[w.a.product.slug])],
            foreign=lambda w: ["Bravo Product", reverse("product-detail", args=[w.b.product.slug])],
        ),
    ),
    "product-create": (
        # The owner choices are the current workspace's members only.
        Rows(
            own=lambda w: [w.a_membership.user.username],
            foreign=lambda w: [w.b_membership.user.username, w.b.owner.username],
        ),
        Lands(
            "post",
            lambda w: {"name": "Made in A", "stage": "ideation"},
            _product_named("Made in A"),
        ),
    ),
    "product-detail": (Foreign(_b_product_slug, ("get",)),),
    "product-edit": (
        Foreign(_b_product_slug, ("get", "post"), lambda w: {"name": "Taken", "stage": "growth"}),
    ),
    "product-archive": (Foreign(_b_product_slug, ("post",), lambda w: {"archived": "1"}),),
    # --- API
    "api:workspace": (
        Rows(own=lambda w: [w.a.workspace.pk], foreign=lambda w: [w.b.workspace.pk]),
        Lands("patch", lambda w: {"name": "Alpha Renamed"}, _a_renamed),
    ),
    "api:product-list": (
        Rows(own=lambda w: [w.a.product.pk], foreign=lambda w: [w.b.product.pk]),
        Lands("post", lambda w: {"name": "Made in A"}, _product_named("Made in A")),
    ),
    "api:product-detail": (
        Foreign(_b_product_pk, ("get", "patch", "delete"), lambda w: {"name": "Taken"}),
    ),
    "api:product-archive": (Foreign(_b_product_pk, ("post",)),),
    "api:product-restore": (Foreign(_b_product_pk, ("post",)),),
    "api:member-list": (Rows(own=lambda w: _member_ids(w.a), foreign=lambda w: _member_ids(w.b)),),
    "api:member-detail": (
        Foreign(
            lambda w: {"pk": w.b_membership.pk},
            ("get", "patch", "delete"),
            lambda w: {"role": "viewer"},
        ),
    ),
    "api:invitation-list": (
        Rows(own=lambda w: [w.a_invitation.pk], foreign=lambda w: [w.b_invitation.pk]),
        Lands(
            "post",
            lambda w: {"email": "new@alpha.example", "role": "viewer"},
            _invitation_to("new@alpha.example"),
        ),
    ),
    "api:invitation-detail": (Foreign(lambda w: {"pk": w.b_invitation.pk}, ("get", "delete")),),
    "api:token-list": (
        Rows(own=lambda w: [w.a_token.pk], foreign=lambda w: [w.b_token.pk]),
        Lands("post", lambda w: {"name": "new-token"}, _token_named("new-token")),
    ),
    "api:token-detail": (Foreign(lambda w: {"pk": w.b_token.pk}, ("get", "delete")),),
    "api:activity-list": (Rows(own=lambda w: w.events(w.a), foreign=lambda w: w.events(w.b)),),
    "api:activity-detail": (Foreign(lambda w: {"pk": w.events(w.b)[0]}, ("get",)),),
}


# --- The registry covers the URL conf ------------------------------------------------------------

ROUTES = pmhub_routes()


def test_every_route_has_an_isolation_case():
    assert_every_route_has_a_case(ROUTES, CASES)


def test_every_api_method_of_a_scoped_route_has_a_case():
    assert_every_api_method_has_a_case(ROUTES, CASES)


def test_unscoped_routes_state_why():
    assert_unscoped_routes_state_why(CASES)


# --- Running the cases ---------------------------------------------------------------------------


def _b_snapshot(w: CoreWorld) -> dict:
    return workspace_snapshot(w.b.workspace)


@pytest.mark.parametrize(("name", "case"), flat(CASES, Foreign))
def test_another_workspaces_object_is_404_for_every_method(world, name, case):
    check_foreign(world, ROUTES, name, case, b_snapshot=_b_snapshot)


@pytest.mark.parametrize(("name", "case"), flat(CASES, Rows))
def test_lists_and_pages_show_own_rows_and_never_another_workspaces(world, name, case):
    check_rows(world, ROUTES, name, case)


@pytest.mark.parametrize(("name", "case"), flat(CASES, Lands))
def test_writes_without_an_id_land_in_the_current_workspace_only(world, name, case):
    check_lands(world, ROUTES, name, case, b_snapshot=_b_snapshot)


# --- Cases that need more than one request -------------------------------------------------------


def test_products_with_the_same_slug_in_two_workspaces_each_resolve_to_their_own(world):
    mine = services.product_create(
        workspace=world.a.workspace, actor=world.actor, name="Shared Name", description="of-alpha"
    )
    theirs = services.product_create(
        workspace=world.b.workspace, actor=world.b.owner, name="Shared Name", description="of-bravo"
    )
    assert mine.slug == theirs.slug

    page = world.html.get(reverse("product-detail", args=[mine.slug]))
    assert page.status_code == 200
    assert page.context["product"] == mine
    assert "of-alpha" in page.content.decode() and "of-bravo" not in page.content.decode()

    edit = world.html.get(reverse("product-edit", args=[mine.slug]))
    assert edit.context["form"].instance == mine
    data = {"name": "Shared Name", "description": "edited", "stage": "growth"}
    assert world.html.post(reverse("product-edit", args=[mine.slug]), data).status_code == 302
    world.html.post(reverse("product-archive", args=[mine.slug]), {"archived": "1"})

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.description, mine.stage, mine.is_archived) == ("edited", "growth", True)
    assert (theirs.description, theirs.stage, theirs.is_archived) == ("of-bravo", "ideation", False)


def test_list_filters_naming_another_workspaces_rows_find_nothing(world):
    by_product = world.api.get(reverse("api:activity-list"), {"product": world.b.product.pk})
    assert by_product.status_code == 200 and by_product.json()["results"] == []
    by_search = world.api.get(reverse("api:product-list"), {"search": "Bravo"})
    assert by_search.status_code == 200 and by_search.json()["results"] == []
    by_name = world.api.get(reverse("api:member-list"), {"search": "bravo-editor"})
    assert by_name.status_code == 200 and by_name.json()["results"] == []
    archived = world.html.get(reverse("product-list"), {"archived": "1"})
    assert "Bravo Product" not in archived.content.decode()


def test_a_product_owner_from_another_workspace_is_refused(world):
    outsider = world.b_membership.user
    before_a = workspace_snapshot(world.a.workspace)
    created = world.api.post(
        reverse("api:product-list"), {"name": "Owned by B", "owner": outsider.pk}, format="json"
    )
    assert created.status_code == 400 and "owner" in created.json()["fields"]
    changed = world.api.patch(
        reverse("api:product-detail", args=[world.a.product.pk]),
        {"owner": outsider.pk},
        format="json",
    )
    assert changed.status_code == 400 and "owner" in changed.json()["fields"]
    form = world.html.post(
        reverse("product-create"), {"name": "Owned by B", "stage": "ideation", "owner": outsider.pk}
    )
    assert form.status_code == 200 and "owner" in form.context["form"].errors
    assert workspace_snapshot(world.a.workspace) == before_a


def test_switching_to_a_workspace_you_are_not_in_is_404(db):
    w = build_world(actor_also_in_b=False)
    for value in (w.b.workspace.pk, "not-a-number", "9" * 30):
        response = w.html.post(reverse("workspace-switch"), {"workspace": value})
        assert response.status_code == 404
        assert w.html.session[SESSION_KEY] == w.a.workspace.pk
    page = w.html.get(reverse("product-list")).content.decode()
    assert "Alpha Product" in page and "Bravo Product" not in page


def test_switching_to_a_workspace_you_are_in_changes_what_pages_and_session_api_show(db):
    w = build_world(actor_also_in_b=True)
    session_api = APIClient()
    session_api.force_login(w.actor)
    session = session_api.session
    session[SESSION_KEY] = w.a.workspace.pk
    session.save()
    ids = {row["id"] for row in session_api.get(reverse("api:product-list")).json()["results"]}
    assert ids == {w.a.product.pk}

    switched = session_api.post(reverse("workspace-switch"), {"workspace": w.b.workspace.pk})
    assert switched.status_code == 302
    ids = {row["id"] for row in session_api.get(reverse("api:product-list")).json()["results"]}
    assert ids == {w.b.product.pk}
    # The token still acts in the workspace it was made for, whatever the session says.
    assert w.api.get(reverse("api:workspace")).json()["id"] == w.a.workspace.pk


def test_invitation_link_with_a_forged_or_closed_key_is_404(db):
    w = build_world(actor_also_in_b=False)
    pk = w.b_invitation.pk
    good = services.invitation_key(w.b_invitation)
    forged = [
        signing.Signer(salt="another-salt").sign_object({"id": pk}),
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        signing.Signer(key="not-our-secret-key", salt="pmhub.invitation").sign_object({"id": pk}),
        "not-a-key",
    ]
    for key in forged:
        assert w.html.get(reverse("invitation-accept", args=[key])).status_code == 404, key
    services.invitation_revoke(invitation=w.b_invitation, actor=w.b.owner)
    assert w.html.get(reverse("invitation-accept", args=[good])).status_code == 404


def test_invitation_link_of_another_address_does_not_admit_a_member_of_another_workspace(db):
    w = build_world(actor_also_in_b=False)
    url = reverse("invitation-accept", args=[services.invitation_key(w.b_invitation)])
    before = workspace_snapshot(w.b.workspace)
    response = w.html.post(url)
    assert response.status_code == 200
    assert response.context["error"]
    assert not Membership.objects.filter(user=w.actor, workspace=w.b.workspace).exists()
    assert workspace_snapshot(w.b.workspace) == before
