"""An initiative's page: its description, status, horizon, dates, the objectives it serves, its
dependencies (added and removed here; a cycle shows the service's refusal), releases and health;
and its edit form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from pmhub.capabilities import Action, role_can
from pmhub.errors import ApplicationError
from pmhub.forms import add_service_error
from pmhub.tenancy import WorkspaceHttpRequest, workspace_view
from roadmaps import selectors
from roadmaps.models import Initiative
from roadmaps.progress import initiatives_progress
from roadmaps.services.initiatives import (
    initiative_depend,
    initiative_set_objectives,
    initiative_undepend,
    initiative_update,
)
from roadmaps.views.planning_forms import DependencyForm, InitiativeForm, ServedObjectivesForm


@workspace_view(Action.ROADMAP_VIEW)
def initiative_detail(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.initiative_get(workspace=request.workspace, pk=pk))


def _detail(request: WorkspaceHttpRequest, initiative: Initiative, **forms: Any) -> HttpResponse:
    planner = role_can(request.membership.role, Action.ROADMAP_PLAN)
    served = list(initiative.objectives.select_related("product").order_by("starts_on"))
    context: dict[str, Any] = {
        "initiative": initiative,
        "product": initiative.product,
        "planner": planner,
        "depends_on": initiative.depends_on.select_related("product").order_by("title"),
        "blocks": initiative.blocks.select_related("product").order_by("title"),
        "objectives": served,
        "releases": initiative.releases.order_by("target_date"),
        "progress": initiatives_progress([initiative.pk]).get(initiative.pk),
    }
    if planner:
        context["dependency_form"] = forms.get("dependency_form") or DependencyForm(
            initiative=initiative
        )
        context["objectives_form"] = forms.get("objectives_form") or ServedObjectivesForm(
            initiative=initiative,
            initial={"objectives": [objective.pk for objective in served]},
        )
    return render(request, "roadmaps/initiative.html", context)


@workspace_view(Action.ROADMAP_PLAN)
def initiative_edit(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    """Change an initiative's fields (its column and order change on the board)."""
    initiative = selectors.initiative_get(workspace=request.workspace, pk=pk)
    form = InitiativeForm.for_initiative(initiative, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            initiative_update(initiative=initiative, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"“{initiative.title}” was saved.")
            return redirect("roadmaps:initiative", pk=initiative.pk)
    return render(
        request,
        "roadmaps/initiative_form.html",
        {"form": form, "initiative": initiative, "product": initiative.product},
    )


@require_POST
@workspace_view(Action.ROADMAP_PLAN)
def dependency_add(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    """Record that the initiative waits for another; a cycle is refused by its field."""
    initiative = selectors.initiative_get(workspace=request.workspace, pk=pk)
    form = DependencyForm(request.POST, initiative=initiative)
    if form.is_valid():
        try:
            initiative_depend(
                initiative=initiative,
                actor=request.user,
                depends_on=form.cleaned_data["depends_on"],
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            return redirect("roadmaps:initiative", pk=initiative.pk)
    return _detail(request, initiative, dependency_form=form)


@require_POST
@workspace_view(Action.ROADMAP_PLAN)
def dependency_remove(request: WorkspaceHttpRequest, pk: int, other: int) -> HttpResponse:
    initiative = selectors.initiative_get(workspace=request.workspace, pk=pk)
    awaited = selectors.initiative_get(workspace=request.workspace, pk=other)
    initiative_undepend(initiative=initiative, actor=request.user, depends_on=awaited)
    return redirect("roadmaps:initiative", pk=initiative.pk)


@require_POST
@workspace_view(Action.ROADMAP_PLAN)
def objectives_set(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    """Choose the objectives the initiative serves (its product's or the company's)."""
    initiative = selectors.initiative_get(workspace=request.workspace, pk=pk)
    form = ServedObjectivesForm(request.POST, initiative=initiative)
    if form.is_valid():
        try:
            initiative_set_objectives(
                initiative=initiative,
                actor=request.user,
                objectives=list(form.cleaned_data["objectives"]),
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            return redirect("roadmaps:initiative", pk=initiative.pk)
    return _detail(request, initiative, objectives_form=form)
