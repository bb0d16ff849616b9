"""HTML pages of releases: a product's releases by target date, a release with its notes and launch
checklist (ticked in place with htmx), the release form, and shipping."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from pmhub.capabilities import Action
from pmhub.errors import ApplicationError
from pmhub.forms import add_service_error
from pmhub.models import Product
from pmhub.selectors import product_get
from pmhub.tenancy import WorkspaceHttpRequest, get_scoped_or_404, workspace_view
from roadmaps.models import ChecklistItem, Initiative, Release, ReleaseStatus
from roadmaps.progress import release_contents, releases_progress
from roadmaps.services.releases import (
    checklist_item_create,
    checklist_item_delete,
    checklist_item_set_done,
    release_create,
    release_delete,
    release_metrics_products,
    release_ship,
    release_update,
)

User = get_user_model()
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
OPEN = (ReleaseStatus.PLANNED, ReleaseStatus.IN_PROGRESS)
RELEASE_FORM_FIELDS = ("name", "target_date", "status", "is_milestone", "notes")


# --- Forms: shape only; the release services enforce the rules -----------------------------------


class ReleaseForm(forms.Form):
    name = forms.CharField(max_length=120)
    target_date = forms.DateField(widget=DATE_INPUT)
    status = forms.ChoiceField(choices=ReleaseStatus.choices, initial=ReleaseStatus.PLANNED)
    is_milestone = forms.BooleanField(
        required=False, label="Milestone", help_text="A date to hit rather than a version to ship."
    )
    notes = forms.CharField(
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        label="Release notes",
        help_text="Markdown.",
    )
    initiatives = forms.ModelMultipleChoiceField(
        queryset=Initiative.objects.none(),
        required=False,
        label="Initiatives it carries",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args: Any, product: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["initiatives"].queryset = Initiative.objects.filter(  # type: ignore[attr-defined]
            product=product
        ).order_by("title")

    def release_fields(self) -> dict[str, Any]:
        """The cleaned fields the release services take (the initiatives are set apart)."""
        return {name: self.cleaned_data[name] for name in RELEASE_FORM_FIELDS}


class ChecklistItemForm(forms.Form):
    title = forms.CharField(max_length=200)
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Nobody yet"
    )
    due_on = forms.DateField(required=False, label="Due", widget=DATE_INPUT)

    def __init__(self, *args: Any, product: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            memberships__workspace=product.workspace_id
        ).order_by("username")


# --- Reads ----------------------------------------------------------------------------------------


def _releases(product: Product) -> QuerySet[Release]:
    """The product's releases by target date, each with checklist counts (one query)."""
    today = timezone.localdate()
    releases = Release.objects.filter(product=product).order_by("target_date", "name")
    return releases.annotate(
        items=Count("checklist"),
        items_done=Count("checklist", filter=Q(checklist__done=True)),
        items_overdue=Count(
            "checklist", filter=Q(checklist__done=False, checklist__due_on__lt=today)
        ),
    )


def _release(request: WorkspaceHttpRequest, slug: str, pk: int) -> Release:
    """A release of the product in the URL (of the request's workspace), else a 404."""
    product = product_get(workspace=request.workspace, slug=slug)
    return get_scoped_or_404(
        Release.objects.select_related("product", "product__workspace"),
        request.workspace,
        product=product,
        pk=pk,
    )


def _item(request: WorkspaceHttpRequest, release: Release, item_pk: int) -> ChecklistItem:
    item = get_scoped_or_404(
        ChecklistItem.objects.select_related("owner"),
        request.workspace,
        release=release,
        pk=item_pk,
    )
    item.release = release  # already loaded with its product and workspace
    return item


def _render(request: WorkspaceHttpRequest, template: str, context: dict) -> HttpResponse:
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- Pages ----------------------------------------------------------------------------------------


@workspace_view(Action.ROADMAP_VIEW)
def release_list(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """A product's releases and milestones by target date, with their checklist progress."""
    product = product_get(workspace=request.workspace, slug=slug)
    releases = list(_releases(product))
    progress = releases_progress(release.pk for release in releases)
    for release in releases:
        release.progress = progress.get(release.pk)  # type: ignore[attr-defined]
    context = {
        "product": product,
        "releases": releases,
        "today": timezone.localdate(),
        "open_statuses": OPEN,
    }
    return render(request, "roadmaps/releases.html", context)


@workspace_view(Action.ROADMAP_VIEW)
def release_detail(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """A release: notes, the initiatives it carries and its launch checklist."""
    release = _release(request, slug, pk)
    return _release_page(request, release, ChecklistItemForm(product=release.product))


def _release_page(
    request: WorkspaceHttpRequest, release: Release, item_form: ChecklistItemForm
) -> HttpResponse:
    items = list(release.checklist.select_related("owner"))
    context = {
        "product": release.product,
        "release": release,
        "initiatives": release.initiatives.select_related("theme").order_by("title"),
        "items": items,
        "done": sum(item.done for item in items),
        "items_total": len(items),
        "today": timezone.localdate(),
        "item_form": item_form,
        "is_open": release.status in OPEN,
        "progress": releases_progress([release.pk]).get(release.pk),
        "work_items": release_contents(release.pk),
    }
    return _render(request, "roadmaps/release.html", context)


@workspace_view(Action.ROADMAP_PLAN)
def release_create_view(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """Plan a new release of the product."""
    return _release_form(request, product_get(workspace=request.workspace, slug=slug))


@workspace_view(Action.ROADMAP_PLAN)
def release_edit(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change a release: name, date, status, milestone flag, notes, initiatives."""
    release = _release(request, slug, pk)
    return _release_form(request, release.product, release)


def _release_form(
    request: WorkspaceHttpRequest, product: Product, release: Release | None = None
) -> HttpResponse:
    initial = None
    if release is not None:
        initial = {name: getattr(release, name) for name in RELEASE_FORM_FIELDS}
        initial["initiatives"] = list(release.initiatives.all())
    form = ReleaseForm(request.POST or None, initial=initial, product=product)
    if request.method == "POST" and form.is_valid():
        was_shipped = release is not None and release.status == ReleaseStatus.SHIPPED
        try:
            carried = list(form.cleaned_data["initiatives"])
            if release is None:
                saved = release_create(
                    product=product,
                    actor=request.user,
                    initiatives=carried,
                    **form.release_fields(),
                )
            else:
                saved = release_update(
                    release=release,
                    actor=request.user,
                    initiatives=carried,
                    **form.release_fields(),
                )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            if saved.status == ReleaseStatus.SHIPPED and not was_shipped:
                _say_shipped(request, saved)
            else:
                messages.success(request, f"Release “{saved.name}” saved.")
            return redirect("roadmaps:release-detail", slug=product.slug, pk=saved.pk)
    context = {"product": product, "release": release, "form": form}
    return render(request, "roadmaps/release_form.html", context)


def _say_shipped(request: WorkspaceHttpRequest, release: Release) -> None:
    charts = ", ".join(p.name for p in release_metrics_products(release))
    messages.success(
        request,
        f"“{release.name}” shipped on {release.shipped_on:%-d %b %Y}. The metrics charts of "
        f"{charts} now carry a “Shipped {release.name}” annotation on that day.",
    )


@require_POST
@workspace_view(Action.ROADMAP_PLAN)
def release_ship_view(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Ship a release today: its status, and a note on the metrics charts it concerns."""
    release = _release(request, slug, pk)
    try:
        release_ship(release=release, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        _say_shipped(request, release)
    return redirect("roadmaps:release-detail", slug=slug, pk=release.pk)


@require_POST
@workspace_view(Action.ROADMAP_PLAN)
def release_delete_view(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Delete a release and its checklist (annotations it wrote on the charts stay)."""
    release = _release(request, slug, pk)
    release_delete(release=release, actor=request.user)
    messages.success(request, f"Release “{release.name}” deleted.")
    return redirect("roadmaps:release-list", slug=slug)


# --- The launch checklist -------------------------------------------------------------------------


@require_POST
@workspace_view(Action.ROADMAP_PLAN)
def checklist_item_add(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Add an item (title, owner, due date) at the end of the release's checklist."""
    release = _release(request, slug, pk)
    form = ChecklistItemForm(request.POST, product=release.product)
    if form.is_valid():
        try:
            checklist_item_create(release=release, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"“{form.cleaned_data['title']}” added to the checklist.")
            return redirect("roadmaps:release-detail", slug=slug, pk=release.pk)
    return _release_page(request, release, form)


@require_POST
@workspace_view(Action.LAUNCH_UPDATE)
def checklist_item_done(
    request: WorkspaceHttpRequest, slug: str, pk: int, item_pk: int
) -> HttpResponse:
    """Tick or untick an item (``done`` = "1" or "0"); htmx gets the row and the counter back."""
    release = _release(request, slug, pk)
    item = _item(request, release, item_pk)
    checklist_item_set_done(item=item, actor=request.user, done=request.POST.get("done") == "1")
    if not request.htmx:
        return redirect("roadmaps:release-detail", slug=slug, pk=release.pk)
    counts = release.checklist.aggregate(total=Count("pk"), done=Count("pk", filter=Q(done=True)))
    context = {
        "product": release.product,
        "release": release,
        "item": item,
        "today": timezone.localdate(),
        "done": counts["done"],
        "items_total": counts["total"],
        "oob": True,
    }
    return _render(request, "roadmaps/release.html#checklist-row", context)


@require_POST
@workspace_view(Action.ROADMAP_PLAN)
def checklist_item_remove(
    request: WorkspaceHttpRequest, slug: str, pk: int, item_pk: int
) -> HttpResponse:
    """Remove an item from the release's checklist."""
    release = _release(request, slug, pk)
    item = _item(request, release, item_pk)
    checklist_item_delete(item=item, actor=request.user)
    messages.success(request, f"“{item.title}” removed from the checklist.")
    return redirect("roadmaps:release-detail", slug=slug, pk=release.pk)
