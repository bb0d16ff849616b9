"""A product's backlog settings: the prioritization framework and custom formula (checked live),
the estimation scale and WIP limits; its custom fields and labels. Everyone may read the page;
configurers change it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from backlog.forms import CustomFieldForm, LabelForm, SettingsForm, service_error
from backlog.formula import FormulaError, parse
from backlog.models import CLOSED_STATUSES, CustomField, Item, Label
from backlog.services.fields import (
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    label_create,
    label_delete,
    label_update,
)
from backlog.services.scores import formula_names, score_inputs, settings_for, settings_update
from pmhub.capabilities import Action, role_can
from pmhub.errors import ApplicationError
from pmhub.models import Product
from pmhub.selectors import product_get
from pmhub.tenancy import WorkspaceHttpRequest, get_scoped_or_404, workspace_view

PREVIEW_ITEMS = 3


def _render(request: WorkspaceHttpRequest, template: str, context: dict) -> HttpResponse:
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _page(request: WorkspaceHttpRequest, product: Product, **forms: Any) -> HttpResponse:
    settings = settings_for(product)
    configurer = role_can(request.membership.role, Action.BACKLOG_CONFIGURE)
    form = forms.get("form") or SettingsForm.for_settings(settings)
    if not configurer:
        for field in form.fields.values():
            field.disabled = True
    context = {
        "product": product,
        "settings": settings,
        "configurer": configurer,
        "form": form,
        "fields": CustomField.objects.filter(product=product),
        "labels": Label.objects.filter(product=product),
        "field_form": forms.get("field_form") or CustomFieldForm(),
        "label_form": forms.get("label_form") or LabelForm(),
    }
    return _render(request, "backlog/settings.html", context)


@workspace_view(Action.BACKLOG_VIEW)
def settings_page(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """The settings; htmx polls ``?part=rescore`` for the recompute notice until it is done."""
    product = product_get(workspace=request.workspace, slug=slug)
    if request.htmx and request.GET.get("part") == "rescore":
        context = {"product": product, "settings": settings_for(product), "polled": True}
        return _render(request, "backlog/settings.html#rescore-notice", context)
    return _page(request, product)


@require_POST
@workspace_view(Action.BACKLOG_CONFIGURE)
def settings_save(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """Save framework, formula, scale and WIP limits; a new framework or formula rescores every
    item in the background."""
    product = product_get(workspace=request.workspace, slug=slug)
    form = SettingsForm(request.POST)
    if form.is_valid():
        try:
            settings = settings_update(product=product, actor=request.user, **form.service_fields())
        except ApplicationError as error:
            service_error(form, error)
        else:
            if settings.scores_stale:
                messages.info(request, "Settings saved; every item is being scored again.")
            else:
                messages.success(request, "Settings saved.")
            return redirect("backlog:settings", slug=slug)
    return _page(request, product, form=form)


def _preview(product: Product, formula: Any) -> list[dict[str, Any]]:
    """The formula's score of the first items of the backlog (or why it cannot score them)."""
    items = Item.objects.filter(product=product).exclude(status__in=CLOSED_STATUSES)
    rows = []
    for item in items.order_by("rank")[:PREVIEW_ITEMS]:
        try:
            rows.append({"item": item, "score": formula.evaluate(score_inputs(item))})
        except FormulaError as error:
            rows.append({"item": item, "problem": error.message})
    return rows


@require_GET
@workspace_view(Action.BACKLOG_CONFIGURE)
def formula_check(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """Check a custom formula as it is typed: the problem with a caret under its position, or
    the scores it gives the top items."""
    product = product_get(workspace=request.workspace, slug=slug)
    text = request.GET.get("formula", "")
    context: dict[str, Any] = {"product": product, "text": text}
    if text.strip():
        try:
            formula = parse(text, formula_names(product))
        except FormulaError as error:
            # The line holding the problem, and the caret's column on it.
            start = text.rfind("\n", 0, error.position) + 1
            end = text.find("\n", error.position)
            context.update(
                error=error.message,
                position=error.position,
                line=text[start : end if end >= 0 else len(text)],
                caret=" " * (error.position - start) + "^",
            )
        else:
            context["preview"] = _preview(product, formula)
    return _render(request, "backlog/_settings_formula_check.html", context)


# --- Custom fields --------------------------------------------------------------------------------


def _field(request: WorkspaceHttpRequest, product: Product, pk: int) -> CustomField:
    return get_scoped_or_404(CustomField.objects.all(), request.workspace, product=product, pk=pk)


@require_POST
@workspace_view(Action.BACKLOG_CONFIGURE)
def custom_field_create_view(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    product = product_get(workspace=request.workspace, slug=slug)
    form = CustomFieldForm(request.POST)
    if form.is_valid():
        try:
            field = custom_field_create(
                product=product, actor=request.user, **form.service_fields()
            )
        except ApplicationError as error:
            service_error(form, error)
        else:
            messages.success(request, f"The field “{field.name}” was added.")
            return redirect("backlog:settings", slug=slug)
    return _page(request, product, field_form=form)


@workspace_view(Action.BACKLOG_CONFIGURE)
def custom_field_edit(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Rename a custom field or change its options (its key and kind stay)."""
    product = product_get(workspace=request.workspace, slug=slug)
    field = _field(request, product, pk)
    form = CustomFieldForm(request.POST or None, field=field)
    if request.method == "POST" and form.is_valid():
        try:
            custom_field_update(field=field, actor=request.user, **form.service_fields())
        except ApplicationError as error:
            service_error(form, error)
        else:
            messages.success(request, f"The field “{field.name}” was saved.")
            return redirect("backlog:settings", slug=slug)
    context = {"product": product, "form": form, "field": field, "what": "field"}
    return render(request, "backlog/settings_edit.html", context)


@require_POST
@workspace_view(Action.BACKLOG_CONFIGURE)
def custom_field_delete_view(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    product = product_get(workspace=request.workspace, slug=slug)
    field = _field(request, product, pk)
    custom_field_delete(field=field, actor=request.user)
    messages.success(request, f"The field “{field.name}” and its values were deleted.")
    return redirect("backlog:settings", slug=slug)


# --- Labels ---------------------------------------------------------------------------------------


def _label(request: WorkspaceHttpRequest, product: Product, pk: int) -> Label:
    return get_scoped_or_404(Label.objects.all(), request.workspace, product=product, pk=pk)


@require_POST
@workspace_view(Action.BACKLOG_CONFIGURE)
def label_create_view(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    product = product_get(workspace=request.workspace, slug=slug)
    form = LabelForm(request.POST)
    if form.is_valid():
        try:
            label = label_create(product=product, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            service_error(form, error)
        else:
            messages.success(request, f"The label “{label.name}” was added.")
            return redirect("backlog:settings", slug=slug)
    return _page(request, product, label_form=form)


@workspace_view(Action.BACKLOG_CONFIGURE)
def label_edit(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    product = product_get(workspace=request.workspace, slug=slug)
    label = _label(request, product, pk)
    initial = {"name": label.name, "colour": label.colour}
    form = LabelForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            label_update(label=label, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            service_error(form, error)
        else:
            messages.success(request, f"The label “{label.name}” was saved.")
            return redirect("backlog:settings", slug=slug)
    context = {"product": product, "form": form, "label": label, "what": "label"}
    return render(request, "backlog/settings_edit.html", context)


@require_POST
@workspace_view(Action.BACKLOG_CONFIGURE)
def label_delete_view(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    product = product_get(workspace=request.workspace, slug=slug)
    label = _label(request, product, pk)
    label_delete(label=label, actor=request.user)
    messages.success(request, f"The label “{label.name}” was deleted.")
    return redirect("backlog:settings", slug=slug)
