"""HTML pages of the core domain: thin views that bind a form, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from pmhub import selectors, services
from pmhub.capabilities import Action
from pmhub.errors import ApplicationError
from pmhub.forms import (
    InviteForm,
    ProductForm,
    RoleForm,
    SignupForm,
    TokenForm,
    WorkspaceForm,
    add_service_error,
    members_with_forms,
    role_form_for,
)
from pmhub.models import Invitation, Membership
from pmhub.tenancy import (
    WorkspaceHttpRequest,
    get_scoped_or_404,
    switch_workspace,
    workspace_view,
)
from pmhub.tokens import token_create, token_revoke

PAGE_SIZE = 48  # cards per page: divisible by the 1-, 2- and 3-column grid

# --- Accounts and workspaces ---------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    return redirect("product-list")


def signup(request: HttpRequest) -> HttpResponse:
    invitation = services.invitation_from_key(request.GET.get("invitation", ""))
    invited_email = invitation.email if invitation else None
    form = SignupForm(request.POST or None, invited_email=invited_email)
    if request.method == "POST" and form.is_valid():
        try:
            user, _ = services.user_register(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                workspace_name=form.cleaned_data.get("workspace_name", ""),
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if invitation is not None:
                return redirect("invitation-accept", key=request.GET["invitation"])
            return redirect("product-list")
    return render(request, "registration/signup.html", {"form": form, "invitation": invitation})


@login_required
def workspace_create(request: HttpRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.workspace_create(
                name=form.cleaned_data["name"],
                owner=request.user,  # type: ignore[arg-type]  # login_required
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            switch_workspace(request, workspace.pk)
            return redirect("product-list")
    return render(request, "pmhub/workspace_create.html", {"form": form})


@require_POST
@login_required
def workspace_switch(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("workspace", "")
    membership = switch_workspace(request, int(raw) if raw.isdigit() and len(raw) < 18 else 0)
    messages.info(request, f"Switched to {membership.workspace.name}.")
    return redirect("product-list")


@workspace_view(Action.WORKSPACE_CHANGE)
def workspace_settings(request: WorkspaceHttpRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None, instance=request.workspace)
    if request.method == "POST" and form.is_valid():
        # Validating the ModelForm copied the input onto the instance; the service must diff
        # against what is stored, or it sees no change and saves nothing.
        request.workspace.refresh_from_db()
        try:
            services.workspace_update(
                workspace=request.workspace, actor=request.user, name=form.cleaned_data["name"]
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Workspace renamed.")
            return redirect("workspace-settings")
    return render(request, "pmhub/workspace_settings.html", {"form": form})


# --- Members -------------------------------------------------------------------------------------


def _members_page(request: WorkspaceHttpRequest, invite_form: InviteForm) -> HttpResponse:
    role = request.membership.role
    context = {
        "members": members_with_forms(selectors.member_list(workspace=request.workspace), role),
        "invitations": selectors.invitation_list(workspace=request.workspace),
        "invite_form": invite_form,
    }
    return render(request, "pmhub/members.html", context)


@workspace_view(Action.MEMBER_VIEW)
def member_list(request: WorkspaceHttpRequest) -> HttpResponse:
    return _members_page(request, InviteForm(actor_role=request.membership.role))


@require_POST
@workspace_view(Action.MEMBER_INVITE)
def member_invite(request: WorkspaceHttpRequest) -> HttpResponse:
    form = InviteForm(request.POST, actor_role=request.membership.role)
    if form.is_valid():
        try:
            services.invitation_create(
                workspace=request.workspace, actor=request.user, **form.cleaned_data
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("member-list")
    return _members_page(request, form)


@require_POST
@workspace_view(Action.MEMBER_CHANGE_ROLE)
def member_change_role(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    membership = get_scoped_or_404(
        Membership.objects.select_related("user"), request.workspace, pk=pk
    )
    form = RoleForm(request.POST, prefix=f"m{pk}")
    error = "Choose one of the listed roles." if not form.is_valid() else None
    if error is None:
        try:
            services.membership_change_role(
                membership=membership, actor=request.user, role=form.cleaned_data["role"]
            )
        except ApplicationError as refused:
            error = refused.message
    if request.htmx:
        # The row alone, re-rendered in place (the select shows the stored role either way).
        membership.refresh_from_db()
        context = {
            "membership": membership,
            "role_form": role_form_for(membership, request.membership.role),
            "row_error": error,
            "row_saved": error is None,
        }
        response = render(request, "pmhub/members.html#member-row", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{membership.user} is now {membership.get_role_display()}.")
    return redirect("member-list")


@require_POST
@workspace_view(Action.MEMBER_REMOVE)
def member_remove(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    membership = get_scoped_or_404(
        Membership.objects.select_related("user"), request.workspace, pk=pk
    )
    try:
        services.membership_remove(membership=membership, actor=request.user)
        messages.success(request, f"{membership.user} was removed.")
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("member-list")


@require_POST
@workspace_view(Action.MEMBER_INVITE)
def invitation_revoke(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    invitation = get_scoped_or_404(Invitation.objects.all(), request.workspace, pk=pk)
    services.invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(request, f"The invitation of {invitation.email} was revoked.")
    return redirect("member-list")


def invitation_accept(request: HttpRequest, key: str) -> HttpResponse:
    invitation = services.invitation_from_key(key)
    if invitation is None:
        return render(request, "pmhub/invitation_invalid.html", status=404)
    error = None
    if request.method == "POST" and request.user.is_authenticated:
        try:
            membership = services.invitation_accept(invitation=invitation, user=request.user)
        except ApplicationError as exc:
            error = exc.message
        else:
            switch_workspace(request, membership.workspace_id)
            messages.success(request, f"Welcome to {invitation.workspace.name}.")
            return redirect("product-list")
    context = {"invitation": invitation, "key": key, "error": error}
    return render(request, "pmhub/invitation_accept.html", context)


# --- Products ------------------------------------------------------------------------------------


@workspace_view(Action.PRODUCT_VIEW)
def product_list(request: WorkspaceHttpRequest) -> HttpResponse:
    archived = request.GET.get("archived") == "1"
    products = selectors.product_list(workspace=request.workspace, archived=archived)
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "products": page.object_list, "showing_archived": archived}
    return render(request, "pmhub/product_list.html", context)


@workspace_view(Action.PRODUCT_CREATE)
def product_create(request: WorkspaceHttpRequest) -> HttpResponse:
    form = ProductForm(
        request.POST or None, workspace=request.workspace, initial={"owner": request.user}
    )
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(
                workspace=request.workspace, actor=request.user, **form.cleaned_data
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{product.name} was created.")
            return redirect("product-detail", slug=product.slug)
    return render(request, "pmhub/product_form.html", {"form": form})


@workspace_view(Action.PRODUCT_VIEW)
def product_detail(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    product = selectors.product_get(workspace=request.workspace, slug=slug, with_owner=True)
    activity = selectors.activity_feed(workspace=request.workspace, product=product)[:30]
    return render(request, "pmhub/product_detail.html", {"product": product, "activity": activity})


@workspace_view(Action.PRODUCT_CHANGE)
def product_edit(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    product = selectors.product_get(workspace=request.workspace, slug=slug)
    form = ProductForm(request.POST or None, instance=product, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        product.refresh_from_db()  # as in workspace_settings: undo the form's copy of the input
        try:
            services.product_update(product=product, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("product-detail", slug=product.slug)
    return render(request, "pmhub/product_form.html", {"form": form, "product": product})


@require_POST
@workspace_view(Action.PRODUCT_ARCHIVE)
def product_archive(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    product = selectors.product_get(workspace=request.workspace, slug=slug)
    archived = request.POST.get("archived", "1") == "1"
    services.product_set_archived(product=product, actor=request.user, archived=archived)
    messages.success(request, f"{product.name} was {'archived' if archived else 'restored'}.")
    return redirect("product-detail", slug=product.slug)


# --- Tokens and activity -------------------------------------------------------------------------


@workspace_view(Action.TOKEN_MANAGE)
def token_list(request: WorkspaceHttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _, new_token = token_create(
                user=request.user, workspace=request.workspace, **form.cleaned_data
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            form = TokenForm()
    tokens = selectors.token_list(workspace=request.workspace, user=request.user)
    return render(
        request, "pmhub/tokens.html", {"form": form, "tokens": tokens, "new_token": new_token}
    )


@require_POST
@workspace_view(Action.TOKEN_MANAGE)
def token_revoke_view(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    token = get_scoped_or_404(
        selectors.token_list(workspace=request.workspace, user=request.user),
        request.workspace,
        pk=pk,
    )
    token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token “{token.name}” was revoked.")
    return redirect("token-list")


@workspace_view(Action.ACTIVITY_VIEW)
def activity(request: WorkspaceHttpRequest) -> HttpResponse:
    events = selectors.activity_feed(workspace=request.workspace)[:100]
    return render(request, "pmhub/activity.html", {"activity": events})
