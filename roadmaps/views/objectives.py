"""The objectives pages: the OKR tree (company objectives, the product objectives aligned under
them, their key results with progress and health), filtered by period, and the forms that create
and change objectives and key results (the services' refusals shown by their field)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from pmhub.capabilities import Action
from pmhub.errors import ApplicationError
from pmhub.forms import add_service_error
from pmhub.models import Product
from pmhub.selectors import product_get
from pmhub.tenancy import WorkspaceHttpRequest, workspace_view
from roadmaps import selectors
from roadmaps.services.okrs import (
    key_result_create,
    key_result_update,
    objective_create,
    objective_update,
)
from roadmaps.views.planning_forms import KeyResultForm, ObjectiveForm


@workspace_view(Action.ROADMAP_VIEW)
def objectives(request: WorkspaceHttpRequest) -> HttpResponse:
    """The workspace's OKR tree; ``?period=`` keeps one period's objectives."""
    return _tree(request, product=None)


@workspace_view(Action.ROADMAP_VIEW)
def product_objectives(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """A product's objectives, under the company objectives they align with."""
    return _tree(request, product=product_get(workspace=request.workspace, slug=slug))


def _tree(request: WorkspaceHttpRequest, product: Product | None) -> HttpResponse:
    periods = selectors.objective_periods(workspace=request.workspace)
    period = request.GET.get("period", "")
    period = period if period in periods else ""
    context = {
        "product": product,
        "periods": periods,
        "period": period,
        "tree": selectors.objective_tree(
            workspace=request.workspace, product=product, period=period
        ),
    }
    return render(request, "roadmaps/objectives.html", context)


def _form_page(request: WorkspaceHttpRequest, context: dict[str, Any]) -> HttpResponse:
    return render(request, "roadmaps/okr_form.html", context)


@workspace_view(Action.ROADMAP_PLAN)
def objective_create_view(request: WorkspaceHttpRequest) -> HttpResponse:
    """A new objective, of a product (``?product=<slug>``) or of the company."""
    initial: dict[str, Any] = {}
    if request.GET.get("product"):
        initial["product"] = product_get(workspace=request.workspace, slug=request.GET["product"])
    if request.GET.get("parent", "").isdigit():  # "+ Aligned objective" under this one
        initial["parent"] = int(request.GET["parent"])
    form = ObjectiveForm(request.POST or None, initial=initial, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            objective = objective_create(
                workspace=request.workspace,
                actor=request.user,
                product=data.pop("product"),
                **data,
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Objective “{objective.title}” was created.")
            return redirect(objective.tree_url())
    return _form_page(request, {"form": form, "title": "New objective"})


@workspace_view(Action.ROADMAP_PLAN)
def objective_edit_view(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    objective = selectors.objective_get(workspace=request.workspace, pk=pk)
    form = ObjectiveForm.for_objective(objective, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            objective_update(objective=objective, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Objective “{objective.title}” was saved.")
            return redirect(objective.tree_url())
    return _form_page(
        request, {"form": form, "title": f"Edit “{objective.title}”", "objective": objective}
    )


@workspace_view(Action.ROADMAP_PLAN)
def key_result_create_view(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    """A new key result of the objective ``pk``."""
    objective = selectors.objective_get(workspace=request.workspace, pk=pk)
    form = KeyResultForm(request.POST or None, objective=objective)
    if request.method == "POST" and form.is_valid():
        try:
            key_result_create(objective=objective, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Key result added to “{objective.title}”.")
            return redirect(objective.tree_url())
    return _form_page(
        request,
        {"form": form, "title": f"New key result of “{objective.title}”", "objective": objective},
    )


@workspace_view(Action.ROADMAP_PLAN)
def key_result_edit_view(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    key_result = selectors.key_result_get(workspace=request.workspace, pk=pk)
    objective = key_result.objective
    form = KeyResultForm.for_key_result(key_result, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key_result_update(key_result=key_result, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Key result “{key_result.title}” was saved.")
            return redirect(objective.tree_url())
    return _form_page(
        request,
        {"form": form, "title": f"Edit “{key_result.title}”", "objective": objective},
    )
