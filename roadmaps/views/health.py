"""Health updates of initiatives and objectives: the POST views behind the health panel
(``templates/roadmaps/_health.html``) that pages include with
``{% load roadmaps_health %}{% health_panel initiative %}``, and an objective's updates page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from pmhub.capabilities import Action
from pmhub.errors import ApplicationError
from pmhub.forms import add_service_error
from pmhub.tenancy import WorkspaceHttpRequest, get_scoped_or_404, workspace_view
from roadmaps.models import Health, HealthUpdate, Initiative, Objective
from roadmaps.services.health import NOTE_MAX, health_update_post

HISTORY_SHOWN = 10  # the latest updates under the form; the audit trail keeps the rest


class HealthForm(forms.Form):
    health = forms.ChoiceField(choices=Health.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        label="Short update",
        widget=forms.TextInput(attrs={"placeholder": "What changed, what is in the way"}),
    )
    next = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)


def health_panel_context(
    subject: Initiative | Objective, *, form: HealthForm | None = None, next_url: str = ""
) -> dict[str, Any]:
    """What ``roadmaps/_health.html`` shows of ``subject``: its health, the latest updates (one
    query) and the form that posts a new one."""
    kind = "initiative" if isinstance(subject, Initiative) else "objective"
    updates = HealthUpdate.objects.filter(**{kind: subject}).select_related("author")
    return {
        "subject": subject,
        "kind": kind,
        "post_url": reverse(f"roadmaps:{kind}-health", args=[subject.pk]),
        "updates": list(updates[:HISTORY_SHOWN]),
        "health_form": form
        or HealthForm(initial={"health": subject.health or None, "next": next_url}),
    }


@workspace_view(Action.ROADMAP_VIEW)
def objective_updates(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    """An objective's health and its updates, with the form (the OKR tree links here; an
    initiative's page carries the panel itself)."""
    objective = get_scoped_or_404(
        Objective.objects.select_related("workspace", "product", "owner"), request.workspace, pk=pk
    )
    context = {"objective": objective, "product": objective.product}
    return render(request, "roadmaps/objective_health.html", context)


@require_POST
@workspace_view(Action.LAUNCH_UPDATE)
def initiative_health(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    """Post a health update on an initiative; htmx gets the redrawn panel."""
    initiative = get_scoped_or_404(
        Initiative.objects.select_related("product", "product__workspace"), request.workspace, pk=pk
    )
    return _post(request, initiative)


@require_POST
@workspace_view(Action.LAUNCH_UPDATE)
def objective_health(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    """Post a health update on an objective (of a product or of the company)."""
    objective = get_scoped_or_404(
        Objective.objects.select_related("workspace", "product"), request.workspace, pk=pk
    )
    return _post(request, objective)


def _post(request: WorkspaceHttpRequest, subject: Initiative | Objective) -> HttpResponse:
    form = HealthForm(request.POST)
    posted = False
    if form.is_valid():
        try:
            health_update_post(
                subject=subject,
                actor=request.user,
                health=form.cleaned_data["health"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            posted = True
    back = _next_url(request, subject, form.data.get("next", ""))
    if request.htmx:
        context = health_panel_context(subject, form=None if posted else form, next_url=back)
        context["posted"] = posted
        response = render(request, "roadmaps/_health.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    if posted:
        messages.success(request, f"Health of “{subject}” updated.")
    else:
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, f"The health update was not saved: {problems}")
    return redirect(back)


def _next_url(request: WorkspaceHttpRequest, subject: Initiative | Objective, wanted: str) -> str:
    """Back to the page the form was on (this site only), else the subject's product."""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    product = subject.product
    return reverse("product-detail", args=[product.slug]) if product else reverse("home")
