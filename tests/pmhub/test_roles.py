"""The role matrix: every action of the capability table, tried by every role, in the API and pages.

``API_CASES`` and ``PAGE_CASES`` hold a valid request for every API route and method and every
guarded page; tests check they match the URL conf and the capability each view declares, so a new
action, endpoint or page fails until its case is written. A role the table allows gets a 2xx (or
the page's redirect) and the change happens; any other role gets a 403 and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from metrics.models import Annotation, Dashboard, DashboardTile, Experiment, Metric, WriteKey
from pmhub.capabilities import CAPABILITIES, Action, Role
from pmhub.models import ApiToken, AuditEvent, Invitation, Membership, Product, Workspace
from tests.backlog import test_roles as backlog_roles
from tests.factories import (
    api_client,
    app_routes,
    make_member,
    make_tenant,
    pmhub_routes,
    workspace_snapshot,
)
from tests.roadmaps import test_roles as roadmaps_roles
from tests.role_matrix import (
    Request,
    Team,
    assert_api_cases_match_routes,
    assert_page_cases_match_routes,
    build_team,
    check_read_only_token_reads,
    check_read_only_token_refused,
    check_request,
    matrix,
    page_statuses,
)

# The metrics app's API and pages read the same capability table, so the matrix covers them too.
ROUTES = {**pmhub_routes(), **app_routes("metrics")}


def _target(t: Team) -> dict[str, Any]:
    return {"pk": t.target.pk}


def _product(t: Team) -> dict[str, Any]:
    return {"pk": t.product.pk}


def _slug(t: Team) -> dict[str, Any]:
    return {"slug": t.product.slug}


def _renamed(t: Team) -> bool:
    return Workspace.objects.get(pk=t.workspace.pk).name == "Renamed"


def _target_is_viewer(t: Team) -> bool:
    return Membership.objects.get(pk=t.target.pk).role == Role.VIEWER


def _target_gone(t: Team) -> bool:
    return not Membership.objects.filter(pk=t.target.pk).exists()


def _invited(t: Team) -> bool:
    return Invitation.objects.filter(workspace=t.workspace, email="new@acme.example").exists()


def _invitation_revoked(t: Team) -> bool:
    return Invitation.objects.get(pk=t.invitation.pk).revoked_at is not None


def _product_exists(name: str) -> Callable[[Team], bool]:
    return lambda t: Product.objects.filter(workspace=t.workspace, name=name).exists()


def _product_archived(t: Team) -> bool:
    return Product.objects.get(pk=t.product.pk).is_archived


def _token_made(t: Team) -> bool:
    return ApiToken.objects.filter(user=t.actor, workspace=t.workspace, name="new").exists()


def _spare_revoked(t: Team) -> bool:
    return ApiToken.objects.get(pk=t.spare_token.pk).revoked_at is not None


def _product_pk(t: Team) -> dict[str, Any]:
    return {"product_pk": t.product.pk}


def _board(t: Team) -> dict[str, Any]:
    return {"pk": Dashboard.objects.get(workspace=t.workspace, name="Growth").pk}


def _tile(t: Team, key: str = "mau") -> dict[str, Any]:
    tile = DashboardTile.objects.get(dashboard__workspace=t.workspace, metric__key=key)
    return {"dashboard_pk": tile.dashboard_id, "tile_pk": tile.pk}


def _page_tile(t: Team) -> dict[str, Any]:
    tile = _tile(t)
    return {"pk": tile["dashboard_pk"], "tile_pk": tile["tile_pk"]}


def _tile_order(t: Team) -> list[str]:
    return list(
        DashboardTile.objects.filter(dashboard__workspace=t.workspace)
        .order_by("position")
        .values_list("metric__key", flat=True)
    )


def _launch_note(t: Team) -> int:
    return Annotation.objects.get(product=t.product, text="Launch").pk


def _write_key_made(t: Team) -> bool:
    return WriteKey.objects.filter(product=t.product, name="new").exists()


def _write_key_revoked(t: Team) -> bool:
    return WriteKey.objects.get(pk=t.write_key.pk).revoked_at is not None


def _checkout(t: Team) -> dict[str, Any]:
    return {"slug": t.product.slug, "key": "checkout"}


def _experiment_form(**fields: str) -> dict[str, Any]:
    """A valid experiment page form."""
    return {
        "exposure_event": "Checkout Viewed",
        "variant_property": "variant",
        "control_variant": "control",
        "conversion_event": "Order Completed",
        "start": "2025-01-01T00:00",
        "minimum_detectable_effect": "10",
        "status": "draft",
        **fields,
    }


API_CASES = [
    Request("api:api-root", "get", Action.WORKSPACE_VIEW),
    Request("api:workspace", "get", Action.WORKSPACE_VIEW),
    Request(
        "api:workspace",
        "patch",
        Action.WORKSPACE_CHANGE,
        body=lambda t: {"name": "Renamed"},
        done=_renamed,
    ),
    Request("api:member-list", "get", Action.MEMBER_VIEW),
    Request("api:member-detail", "get", Action.MEMBER_VIEW, kwargs=_target),
    Request(
        "api:member-detail",
        "patch",
        Action.MEMBER_CHANGE_ROLE,
        kwargs=_target,
        body=lambda t: {"role": "viewer"},
        done=_target_is_viewer,
    ),
    Request("api:member-detail", "delete", Action.MEMBER_REMOVE, kwargs=_target, done=_target_gone),
    Request("api:invitation-list", "get", Action.MEMBER_INVITE),
    Request(
        "api:invitation-list",
        "post",
        Action.MEMBER_INVITE,
        body=lambda t: {"email": "new@acme.example", "role": "viewer"},
        done=_invited,
    ),
    Request(
        "api:invitation-detail",
        "get",
        Action.MEMBER_INVITE,
        kwargs=lambda t: {"pk": t.invitation.pk},
    ),
    Request(
        "api:invitation-detail",
        "delete",
        Action.MEMBER_INVITE,
        kwargs=lambda t: {"pk": t.invitation.pk},
        done=_invitation_revoked,
    ),
    Request("api:product-list", "get", Action.PRODUCT_VIEW),
    Request(
        "api:product-list",
        "post",
        Action.PRODUCT_CREATE,
        body=lambda t: {"name": "New product"},
        done=_product_exists("New product"),
    ),
    Request("api:product-detail", "get", Action.PRODUCT_VIEW, kwargs=_product),
    Request(
        "api:product-detail",
        "patch",
        Action.PRODUCT_CHANGE,
        kwargs=_product,
        body=lambda t: {"name": "Renamed product"},
        done=_product_exists("Renamed product"),
    ),
    Request(
        "api:product-detail",
        "delete",
        Action.PRODUCT_DELETE,
        kwargs=_product,
        done=lambda t: not Product.objects.filter(pk=t.product.pk).exists(),
    ),
    Request(
        "api:product-archive",
        "post",
        Action.PRODUCT_ARCHIVE,
        kwargs=_product,
        done=_product_archived,
    ),
    Request(
        "api:product-restore",
        "post",
        Action.PRODUCT_ARCHIVE,
        kwargs=lambda t: {"pk": t.archived_product.pk},
        done=lambda t: not Product.objects.get(pk=t.archived_product.pk).is_archived,
    ),
    Request("api:token-list", "get", Action.TOKEN_MANAGE),
    Request(
        "api:token-list",
        "post",
        Action.TOKEN_MANAGE,
        body=lambda t: {"name": "new"},
        done=_token_made,
    ),
    Request(
        "api:token-detail", "get", Action.TOKEN_MANAGE, kwargs=lambda t: {"pk": t.spare_token.pk}
    ),
    Request(
        "api:token-detail",
        "delete",
        Action.TOKEN_MANAGE,
        kwargs=lambda t: {"pk": t.spare_token.pk},
        done=_spare_revoked,
    ),
    Request("api:activity-list", "get", Action.ACTIVITY_VIEW),
    Request(
        "api:activity-detail",
        "get",
        Action.ACTIVITY_VIEW,
        kwargs=lambda t: {"pk": AuditEvent.objects.filter(workspace=t.workspace).first().pk},
    ),
    Request("api:metrics:write-key-list", "get", Action.WRITE_KEY_MANAGE),
    Request(
        "api:metrics:write-key-list",
        "post",
        Action.WRITE_KEY_MANAGE,
        body=lambda t: {"product": t.product.pk, "name": "new"},
        done=_write_key_made,
    ),
    Request(
        "api:metrics:write-key-detail",
        "get",
        Action.WRITE_KEY_MANAGE,
        kwargs=lambda t: {"pk": t.write_key.pk},
    ),
    Request(
        "api:metrics:write-key-detail",
        "delete",
        Action.WRITE_KEY_MANAGE,
        kwargs=lambda t: {"pk": t.write_key.pk},
        done=_write_key_revoked,
    ),
    Request("api:metrics:event-list", "get", Action.EVENT_VIEW, kwargs=_product_pk),
    Request("api:metrics:rejection-list", "get", Action.EVENT_VIEW, kwargs=_product_pk),
    Request("api:metrics:metric-list", "get", Action.METRIC_VIEW, kwargs=_product_pk),
    Request(
        "api:metrics:metric-list",
        "post",
        Action.METRIC_MANAGE,
        kwargs=_product_pk,
        body=lambda t: {
            "key": "signups",
            "name": "Sign-ups",
            "kind": "event_count",
            "event": "Signed Up",
        },
        done=lambda t: Metric.objects.filter(product=t.product, key="signups").exists(),
    ),
    Request(
        "api:metrics:metric-detail",
        "get",
        Action.METRIC_VIEW,
        kwargs=lambda t: {**_product_pk(t), "key": "dau"},
    ),
    Request(
        "api:metrics:metric-detail",
        "patch",
        Action.METRIC_MANAGE,
        kwargs=lambda t: {**_product_pk(t), "key": "dau"},
        body=lambda t: {"name": "Daily actives"},
        done=lambda t: Metric.objects.get(product=t.product, key="dau").name == "Daily actives",
    ),
    Request(
        "api:metrics:metric-detail",
        "delete",
        Action.METRIC_MANAGE,
        kwargs=lambda t: {**_product_pk(t), "key": "new_users"},
        done=lambda t: not Metric.objects.filter(product=t.product, key="new_users").exists(),
    ),
    Request(
        "api:metrics:metric-series",
        "get",
        Action.METRIC_VIEW,
        kwargs=lambda t: {**_product_pk(t), "key": "dau"},
    ),
    Request("api:metrics:kpi-list", "get", Action.METRIC_VIEW),
    Request("api:metrics:dashboard-list", "get", Action.METRIC_VIEW),
    Request(
        "api:metrics:dashboard-list",
        "post",
        Action.METRIC_MANAGE,
        body=lambda t: {"name": "Exec"},
        done=lambda t: Dashboard.objects.filter(workspace=t.workspace, name="Exec").exists(),
    ),
    Request("api:metrics:dashboard-detail", "get", Action.METRIC_VIEW, kwargs=_board),
    Request(
        "api:metrics:dashboard-detail",
        "patch",
        Action.METRIC_MANAGE,
        kwargs=_board,
        body=lambda t: {"name": "Growth KPIs"},
        done=lambda t: Dashboard.objects.filter(name="Growth KPIs").exists(),
    ),
    Request(
        "api:metrics:dashboard-detail",
        "delete",
        Action.METRIC_MANAGE,
        kwargs=_board,
        done=lambda t: not Dashboard.objects.filter(workspace=t.workspace).exists(),
    ),
    Request(
        "api:metrics:dashboard-tile-list",
        "get",
        Action.METRIC_VIEW,
        kwargs=lambda t: {"dashboard_pk": _board(t)["pk"]},
    ),
    Request(
        "api:metrics:dashboard-tile-list",
        "post",
        Action.METRIC_MANAGE,
        kwargs=lambda t: {"dashboard_pk": _board(t)["pk"]},
        body=lambda t: {"metric": Metric.objects.get(product=t.product, key="revenue").pk},
        done=lambda t: _tile_order(t) == ["dau", "mau", "revenue"],
    ),
    Request("api:metrics:dashboard-tile-detail", "get", Action.METRIC_VIEW, kwargs=_tile),
    Request(
        "api:metrics:dashboard-tile-detail",
        "patch",
        Action.METRIC_MANAGE,
        kwargs=_tile,
        body=lambda t: {"width": 3},
        done=lambda t: DashboardTile.objects.get(metric__key="mau").width == 3,
    ),
    Request(
        "api:metrics:dashboard-tile-detail",
        "delete",
        Action.METRIC_MANAGE,
        kwargs=_tile,
        done=lambda t: _tile_order(t) == ["dau"],
    ),
    Request(
        "api:metrics:dashboard-tile-move",
        "post",
        Action.METRIC_MANAGE,
        kwargs=_tile,
        body=lambda t: {"position": 0},
        done=lambda t: _tile_order(t) == ["mau", "dau"],
    ),
    Request("api:metrics:product-kpi-list", "get", Action.METRIC_VIEW, kwargs=_product_pk),
    Request("api:metrics:annotation-list", "get", Action.METRIC_VIEW, kwargs=_product_pk),
    Request(
        "api:metrics:annotation-list",
        "post",
        Action.METRIC_MANAGE,
        kwargs=_product_pk,
        body=lambda t: {"day": "2025-01-01", "text": "Pricing change"},
        done=lambda t: Annotation.objects.filter(product=t.product, text="Pricing change").exists(),
    ),
    Request(
        "api:metrics:annotation-detail",
        "delete",
        Action.METRIC_MANAGE,
        kwargs=lambda t: {**_product_pk(t), "pk": _launch_note(t)},
        done=lambda t: not Annotation.objects.filter(product=t.product, text="Launch").exists(),
    ),
    Request("api:metrics:experiment-list", "get", Action.METRIC_VIEW, kwargs=_product_pk),
    Request(
        "api:metrics:experiment-list",
        "post",
        Action.METRIC_MANAGE,
        kwargs=_product_pk,
        body=lambda t: {
            "key": "pricing",
            "name": "Pricing page",
            "exposure_event": "Pricing Viewed",
            "conversion_event": "Subscribed",
            "start": "2025-01-01T00:00:00Z",
        },
        done=lambda t: Experiment.objects.filter(product=t.product, key="pricing").exists(),
    ),
    Request(
        "api:metrics:experiment-detail",
        "get",
        Action.METRIC_VIEW,
        kwargs=lambda t: {**_product_pk(t), "key": "checkout"},
    ),
    Request(
        "api:metrics:experiment-detail",
        "patch",
        Action.METRIC_MANAGE,
        kwargs=lambda t: {**_product_pk(t), "key": "checkout"},
        body=lambda t: {"name": "Checkout v2"},
        done=lambda t: (
            Experiment.objects.get(product=t.product, key="checkout").name == "Checkout v2"
        ),
    ),
    Request(
        "api:metrics:experiment-detail",
        "delete",
        Action.METRIC_MANAGE,
        kwargs=lambda t: {**_product_pk(t), "key": "checkout"},
        done=lambda t: not Experiment.objects.filter(product=t.product, key="checkout").exists(),
    ),
    Request(
        "api:metrics:experiment-decision",
        "post",
        Action.METRIC_MANAGE,
        kwargs=lambda t: {**_product_pk(t), "key": "checkout"},
        body=lambda t: {"decision": "Ship the new checkout."},
        done=lambda t: (
            Experiment.objects.get(product=t.product, key="checkout").status == "decided"
        ),
    ),
]

PAGE_CASES = [
    Request("workspace-settings", "get", Action.WORKSPACE_CHANGE),
    Request(
        "workspace-settings",
        "post",
        Action.WORKSPACE_CHANGE,
        body=lambda t: {"name": "Renamed"},
        done=_renamed,
    ),
    Request("member-list", "get", Action.MEMBER_VIEW),
    Request(
        "member-invite",
        "post",
        Action.MEMBER_INVITE,
        body=lambda t: {"email": "new@acme.example", "role": "viewer"},
        done=_invited,
    ),
    Request(
        "member-role",
        "post",
        Action.MEMBER_CHANGE_ROLE,
        kwargs=_target,
        body=lambda t: {f"m{t.target.pk}-role": "viewer"},
        done=_target_is_viewer,
    ),
    Request("member-remove", "post", Action.MEMBER_REMOVE, kwargs=_target, done=_target_gone),
    Request(
        "invitation-revoke",
        "post",
        Action.MEMBER_INVITE,
        kwargs=lambda t: {"pk": t.invitation.pk},
        done=_invitation_revoked,
    ),
    Request("activity", "get", Action.ACTIVITY_VIEW),
    Request("token-list", "get", Action.TOKEN_MANAGE),
    Request(
        "token-list", "post", Action.TOKEN_MANAGE, body=lambda t: {"name": "new"}, done=_token_made
    ),
    Request(
        "token-revoke",
        "post",
        Action.TOKEN_MANAGE,
        kwargs=lambda t: {"pk": t.spare_token.pk},
        done=_spare_revoked,
    ),
    Request("product-list", "get", Action.PRODUCT_VIEW),
    Request("product-create", "get", Action.PRODUCT_CREATE),
    Request(
        "product-create",
        "post",
        Action.PRODUCT_CREATE,
        body=lambda t: {"name": "New product", "stage": "ideation"},
        done=_product_exists("New product"),
    ),
    Request("product-detail", "get", Action.PRODUCT_VIEW, kwargs=_slug),
    Request("product-edit", "get", Action.PRODUCT_CHANGE, kwargs=_slug),
    Request(
        "product-edit",
        "post",
        Action.PRODUCT_CHANGE,
        kwargs=_slug,
        body=lambda t: {"name": "Renamed product", "stage": "growth"},
        done=_product_exists("Renamed product"),
    ),
    Request(
        "product-archive",
        "post",
        Action.PRODUCT_ARCHIVE,
        kwargs=_slug,
        body=lambda t: {"archived": "1"},
        done=_product_archived,
    ),
    Request("metrics:product-events", "get", Action.EVENT_VIEW, kwargs=_slug),
    Request("metrics:product-sources", "get", Action.WRITE_KEY_MANAGE, kwargs=_slug),
    Request(
        "metrics:product-sources",
        "post",
        Action.WRITE_KEY_MANAGE,
        kwargs=_slug,
        body=lambda t: {"name": "new"},
        done=_write_key_made,
    ),
    Request(
        "metrics:write-key-revoke",
        "post",
        Action.WRITE_KEY_MANAGE,
        kwargs=lambda t: {"slug": t.product.slug, "pk": t.write_key.pk},
        done=_write_key_revoked,
    ),
    Request("metrics:index", "get", Action.METRIC_VIEW),
    Request("metrics:product-dashboard", "get", Action.METRIC_VIEW, kwargs=_slug),
    # Enqueues a Celery task after commit (tests/metrics/test_dashboard_pages.py checks it was
    # sent); the workspace itself is unchanged, which is what the matrix can observe here.
    Request("metrics:product-recompute", "post", Action.WRITE_KEY_MANAGE, kwargs=_slug),
    Request("metrics:dashboard-index", "get", Action.METRIC_VIEW),
    Request("metrics:product-dashboards", "get", Action.METRIC_VIEW, kwargs=_slug),
    Request("metrics:custom-dashboard", "get", Action.METRIC_VIEW, kwargs=_board),
    Request(
        "metrics:dashboard-create",
        "post",
        Action.METRIC_MANAGE,
        body=lambda t: {"name": "Exec", "product": ""},
        done=lambda t: Dashboard.objects.filter(workspace=t.workspace, name="Exec").exists(),
    ),
    Request(
        "metrics:custom-dashboard-delete",
        "post",
        Action.METRIC_MANAGE,
        kwargs=_board,
        done=lambda t: not Dashboard.objects.filter(workspace=t.workspace).exists(),
    ),
    Request(
        "metrics:custom-tile-add",
        "post",
        Action.METRIC_MANAGE,
        kwargs=_board,
        body=lambda t: {
            "metric": Metric.objects.get(product=t.product, key="revenue").pk,
            "kind": "bar",
            "interval": "week",
            "width": "2",
        },
        done=lambda t: _tile_order(t) == ["dau", "mau", "revenue"],
    ),
    Request(
        "metrics:custom-tile-change",
        "post",
        Action.METRIC_MANAGE,
        kwargs=_page_tile,
        body=lambda t: {"width": "3"},
        done=lambda t: DashboardTile.objects.get(metric__key="mau").width == 3,
    ),
    Request(
        "metrics:custom-tile-move",
        "post",
        Action.METRIC_MANAGE,
        kwargs=_page_tile,
        body=lambda t: {"position": "0"},
        done=lambda t: _tile_order(t) == ["mau", "dau"],
    ),
    Request(
        "metrics:custom-tile-remove",
        "post",
        Action.METRIC_MANAGE,
        kwargs=_page_tile,
        done=lambda t: _tile_order(t) == ["dau"],
    ),
    Request(
        "metrics:annotation-add",
        "post",
        Action.METRIC_MANAGE,
        kwargs=_slug,
        body=lambda t: {"day": "2025-01-01", "text": "Pricing change"},
        done=lambda t: Annotation.objects.filter(product=t.product, text="Pricing change").exists(),
    ),
    Request(
        "metrics:annotation-remove",
        "post",
        Action.METRIC_MANAGE,
        kwargs=lambda t: {"slug": t.product.slug, "pk": _launch_note(t)},
        done=lambda t: not Annotation.objects.filter(product=t.product, text="Launch").exists(),
    ),
    Request("metrics:product-experiments", "get", Action.METRIC_VIEW, kwargs=_slug),
    Request("metrics:experiment-create", "get", Action.METRIC_MANAGE, kwargs=_slug),
    Request(
        "metrics:experiment-create",
        "post",
        Action.METRIC_MANAGE,
        kwargs=_slug,
        body=lambda t: _experiment_form(key="pricing", name="Pricing page"),
        done=lambda t: Experiment.objects.filter(product=t.product, key="pricing").exists(),
    ),
    Request("metrics:experiment-detail", "get", Action.METRIC_VIEW, kwargs=_checkout),
    Request("metrics:experiment-edit", "get", Action.METRIC_MANAGE, kwargs=_checkout),
    Request(
        "metrics:experiment-edit",
        "post",
        Action.METRIC_MANAGE,
        kwargs=_checkout,
        body=lambda t: _experiment_form(key="checkout", name="Checkout v2"),
        done=lambda t: (
            Experiment.objects.get(product=t.product, key="checkout").name == "Checkout v2"
        ),
    ),
    Request(
        "metrics:experiment-status",
        "post",
        Action.METRIC_MANAGE,
        kwargs=lambda t: {"slug": t.product.slug, "key": "onboarding"},
        body=lambda t: {"status": "running"},
        done=lambda t: (
            Experiment.objects.get(product=t.product, key="onboarding").status == "running"
        ),
    ),
    Request(
        "metrics:experiment-decide",
        "post",
        Action.METRIC_MANAGE,
        kwargs=_checkout,
        body=lambda t: {"decision": "Ship the new checkout."},
        done=lambda t: (
            Experiment.objects.get(product=t.product, key="checkout").status == "decided"
        ),
    ),
    Request(
        "metrics:experiment-delete",
        "post",
        Action.METRIC_MANAGE,
        kwargs=_checkout,
        done=lambda t: not Experiment.objects.filter(product=t.product, key="checkout").exists(),
    ),
]


# --- The cases cover the capability table and the URL conf ---------------------------------------


def test_every_action_is_in_the_capability_table():
    assert set(Action) == set(CAPABILITIES)


def test_every_action_has_a_request_in_the_matrix():
    """Across the apps' matrices (each app's actions are tried in its own tests/<app>/)."""
    cases = [
        *API_CASES,
        *PAGE_CASES,
        *roadmaps_roles.API_CASES,
        *roadmaps_roles.PAGE_CASES,
        *backlog_roles.API_CASES,
        *backlog_roles.PAGE_CASES,
    ]
    tried = {case.action for case in cases}
    assert set(CAPABILITIES) <= tried, f"Actions without a case: {set(CAPABILITIES) - tried}"


def test_every_api_route_and_method_has_a_case_with_its_declared_action():
    assert_api_cases_match_routes(ROUTES, API_CASES)


def test_every_guarded_page_has_a_case_with_its_declared_action():
    assert_page_cases_match_routes(ROUTES, PAGE_CASES)


# --- The matrix -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "role"), matrix(API_CASES))
def test_api_request_is_allowed_exactly_for_the_roles_of_its_capability(db, case, role):
    team = build_team(role)
    check_request(team, case, team.api(), allowed_statuses={200, 201, 204})


@pytest.mark.parametrize(("case", "role"), matrix(PAGE_CASES))
def test_page_request_is_allowed_exactly_for_the_roles_of_its_capability(db, case, role):
    team = build_team(role)
    # Pages that show a new secret once answer the POST with the page itself, not a redirect.
    ok = page_statuses(case, shows_secret=("token-list", "metrics:product-sources"))
    check_request(team, case, team.page(), allowed_statuses=ok)


@pytest.mark.parametrize("case", [c for c in API_CASES if c.method != "get"], ids=str)
def test_read_only_token_is_refused_every_write(db, case):
    check_read_only_token_refused(build_team(Role.OWNER), case)


def test_read_only_token_still_reads(db):
    check_read_only_token_reads(build_team(Role.OWNER), API_CASES)


# --- What the pages offer ------------------------------------------------------------------------


def _text(client: Client, name: str, **kwargs: Any) -> str:
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(("role", "offered"), [(Role.VIEWER, False), (Role.EDITOR, True)])
def test_product_pages_offer_edit_archive_and_create_only_to_those_who_may(db, role, offered):
    team = build_team(role)
    client = team.page()
    detail = _text(client, "product-detail", slug=team.product.slug)
    listing = _text(client, "product-list")
    controls = {
        "edit link": reverse("product-edit", args=[team.product.slug]) in detail,
        "archive button": reverse("product-archive", args=[team.product.slug]) in detail,
        "new product link": reverse("product-create") in listing,
        "new product label": "New product" in listing,
    }
    assert controls == dict.fromkeys(controls, offered)


@pytest.mark.parametrize(
    ("role", "offered"),
    [(Role.VIEWER, False), (Role.CONTRIBUTOR, False), (Role.EDITOR, False), (Role.ADMIN, True)],
)
def test_members_page_offers_role_changes_removal_and_invites_only_to_managers(db, role, offered):
    team = build_team(role)
    page = _text(team.page(), "member-list")
    controls = {
        "role select": "<select" in page,
        "role form": reverse("member-role", args=[team.target.pk]) in page,
        "remove button": reverse("member-remove", args=[team.target.pk]) in page,
        "invite form": reverse("member-invite") in page,
        "revoke invitation": reverse("invitation-revoke", args=[team.invitation.pk]) in page,
    }
    assert controls == dict.fromkeys(controls, offered)


def test_viewer_gets_403_from_every_page_that_writes(db):
    team = build_team(Role.VIEWER)
    client = team.page()
    before = workspace_snapshot(team.workspace)
    for case in PAGE_CASES:
        if case.method == "post":
            assert case.send(client, team).status_code == 403, str(case)
    assert workspace_snapshot(team.workspace) == before


def test_contributor_cannot_invite_change_roles_or_remove_members(db):
    team = build_team(Role.CONTRIBUTOR)
    managing = {Action.MEMBER_INVITE, Action.MEMBER_CHANGE_ROLE, Action.MEMBER_REMOVE}
    api, page = team.api(), team.page()
    before = workspace_snapshot(team.workspace)
    for case in API_CASES:
        if case.action in managing:
            assert case.send(api, team).status_code == 403, str(case)
    for case in PAGE_CASES:
        if case.action in managing:
            assert case.send(page, team).status_code == 403, str(case)
    assert workspace_snapshot(team.workspace) == before


# --- Rules that hold whatever the role -----------------------------------------------------------


class _AnyMessage:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and bool(other)


ANY_MESSAGE = _AnyMessage()


def _member_url(membership: Membership) -> str:
    return reverse("api:member-detail", args=[membership.pk])


def _membership(team: Team, role: Role) -> Membership:
    return Membership.objects.get(workspace=team.workspace, user=team.members[role])


@pytest.mark.parametrize("role", list(Role))
def test_nobody_can_change_their_own_role(db, role):
    team = build_team(role)
    mine = _membership(team, role)
    api = team.api()
    before = workspace_snapshot(team.workspace)
    for wanted in Role:
        if wanted != role:
            response = api.patch(_member_url(mine), {"role": wanted}, format="json")
            assert response.status_code == 403, wanted
    page = team.page().post(reverse("member-role", args=[mine.pk]), {f"m{mine.pk}-role": "viewer"})
    assert page.status_code in (302, 403)
    assert workspace_snapshot(team.workspace) == before


def test_admin_cannot_grant_owner_nor_demote_or_remove_an_owner(db):
    team = build_team(Role.ADMIN)
    api = team.api()
    owner = _membership(team, Role.OWNER)
    before = workspace_snapshot(team.workspace)
    promote = api.patch(_member_url(team.target), {"role": "owner"}, format="json")
    assert promote.status_code == 403 and promote.json()["fields"] == {"role": [ANY_MESSAGE]}
    assert api.patch(_member_url(owner), {"role": "admin"}, format="json").status_code == 403
    assert api.delete(_member_url(owner)).status_code == 403
    invite = api.post(
        reverse("api:invitation-list"),
        {"email": "boss@acme.example", "role": "owner"},
        format="json",
    )
    assert invite.status_code == 403
    page = team.page()
    page.post(reverse("member-role", args=[team.target.pk]), {f"m{team.target.pk}-role": "owner"})
    page.post(reverse("member-remove", args=[owner.pk]))
    assert workspace_snapshot(team.workspace) == before


def test_the_last_owner_can_neither_leave_nor_be_demoted(db):
    team = build_team(Role.OWNER)
    api = team.api()
    mine = _membership(team, Role.OWNER)
    before = workspace_snapshot(team.workspace)
    leave = api.delete(_member_url(mine))
    assert leave.status_code == 400 and "role" in leave.json()["fields"]
    assert api.patch(_member_url(mine), {"role": "admin"}, format="json").status_code == 403
    team.page().post(reverse("member-remove", args=[mine.pk]))
    assert workspace_snapshot(team.workspace) == before
    assert Membership.objects.filter(workspace=team.workspace, role=Role.OWNER).count() == 1


def test_an_owner_may_leave_or_be_demoted_while_another_owner_stays(db):
    team = build_team(Role.OWNER)
    second = make_member(team.workspace, Role.OWNER, username="acme-second-owner")
    second_membership = Membership.objects.get(user=second)
    api = team.api()
    demote = api.patch(_member_url(second_membership), {"role": "admin"}, format="json")
    assert demote.status_code == 200
    # Now the actor is the last owner: the demoted one cannot demote them back.
    back = api_client(second, team.workspace).patch(
        _member_url(_membership(team, Role.OWNER)), {"role": "admin"}, format="json"
    )
    assert back.status_code == 403
    api.patch(_member_url(second_membership), {"role": "owner"}, format="json")
    assert api.delete(_member_url(_membership(team, Role.OWNER))).status_code == 204
    assert list(
        Membership.objects.filter(workspace=team.workspace, role=Role.OWNER).values_list(
            "user", flat=True
        )
    ) == [second.pk]


def test_member_body_with_workspace_or_id_is_400_and_changes_nothing(db):
    team = build_team(Role.ADMIN)
    other = make_tenant("Elsewhere").workspace
    api = team.api()
    before = workspace_snapshot(team.workspace)
    for extra in ({"workspace": other.pk}, {"id": team.target.pk + 1000}, {"user": team.actor.pk}):
        response = api.patch(_member_url(team.target), {"role": "viewer", **extra}, format="json")
        assert response.status_code == 400, extra
        assert set(response.json()["fields"]) == set(extra)
    assert workspace_snapshot(team.workspace) == before


def test_product_body_with_workspace_or_id_is_400_and_changes_nothing(db):
    team = build_team(Role.EDITOR)
    other = make_tenant("Elsewhere").workspace
    api = team.api()
    before = workspace_snapshot(team.workspace)
    before_other = workspace_snapshot(other)
    created = api.post(
        reverse("api:product-list"), {"name": "Smuggled", "workspace": other.pk}, format="json"
    )
    assert created.status_code == 400 and set(created.json()["fields"]) == {"workspace"}
    changed = api.patch(
        reverse("api:product-detail", args=[team.product.pk]),
        {"name": "Smuggled", "id": 1, "slug": "smuggled"},
        format="json",
    )
    assert changed.status_code == 400 and set(changed.json()["fields"]) == {"id", "slug"}
    assert workspace_snapshot(team.workspace) == before
    assert workspace_snapshot(other) == before_other
