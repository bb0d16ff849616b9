"""HTML pages of a product's competitors and its feature comparison matrix (features as rows,
"us" and each competitor as columns), whose cells are edited in place with htmx."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from pmhub.capabilities import Action
from pmhub.errors import ApplicationError
from pmhub.forms import add_service_error
from pmhub.models import Product
from pmhub.selectors import product_get
from pmhub.tenancy import WorkspaceHttpRequest, get_scoped_or_404, workspace_view
from roadmaps.models import Competitor, CompetitorFeature, FeatureSupport, Support
from roadmaps.services.competitors import (
    competitor_create,
    competitor_delete,
    competitor_update,
    feature_create,
    feature_delete,
    feature_support_set,
    feature_update,
)

US = "us"  # the matrix column of the product itself
PAGE = "roadmaps/competitors.html"


class CompetitorForm(forms.Form):
    name = forms.CharField(max_length=120)
    website = forms.URLField(required=False, max_length=200, assume_scheme="https")
    market_share = forms.DecimalField(
        required=False, label="Market share (%)", max_digits=5, decimal_places=2
    )
    notes = forms.CharField(
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown: positioning, pricing, strengths and weaknesses.",
    )


class FeatureForm(forms.Form):
    name = forms.CharField(max_length=120, label="Feature")
    ours = forms.ChoiceField(choices=Support.choices, initial=Support.UNKNOWN, label="We have it")


class CellForm(forms.Form):
    level = forms.ChoiceField(choices=Support.choices)


def _matrix(product: Product) -> dict[str, Any]:
    """Features, competitors and every cell (three queries), as rows of the matrix."""
    features = list(CompetitorFeature.objects.filter(product=product))
    for feature in features:
        feature.product = product  # the cells name the product's column
    competitors = list(Competitor.objects.filter(product=product))
    cells = {
        (feature_id, competitor_id): level
        for feature_id, competitor_id, level in FeatureSupport.objects.filter(
            feature__product=product
        ).values_list("feature_id", "competitor_id", "level")
    }
    rows = [
        {
            "feature": feature,
            "cells": [_cell(feature, US, feature.ours)]
            + [
                _cell(feature, c, cells.get((feature.pk, c.pk), Support.UNKNOWN))
                for c in competitors
            ],
        }
        for feature in features
    ]
    return {"competitors": competitors, "rows": rows}


def _cell(feature: CompetitorFeature, column: Competitor | str, level: str) -> dict[str, Any]:
    name = "us" if column == US else str(column.pk)  # type: ignore[union-attr]
    return {
        "feature": feature,
        "column": name,
        "column_label": feature.product.name if column == US else str(column),
        "level": level,
        "label": Support(level).label,
    }


def _page(
    request: WorkspaceHttpRequest,
    product: Product,
    *,
    competitor_form: CompetitorForm | None = None,
    feature_form: FeatureForm | None = None,
) -> HttpResponse:
    context = {
        "product": product,
        "levels": Support.choices,
        "competitor_form": competitor_form or CompetitorForm(),
        "feature_form": feature_form or FeatureForm(),
        **_matrix(product),
    }
    return render(request, PAGE, context)


@workspace_view(Action.ROADMAP_VIEW)
def competitor_list(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """A product's competitors and the feature comparison matrix."""
    return _page(request, product_get(workspace=request.workspace, slug=slug))


@require_POST
@workspace_view(Action.ROADMAP_PLAN)
def competitor_create_view(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """Add a competitor (a column of the matrix)."""
    product = product_get(workspace=request.workspace, slug=slug)
    form = CompetitorForm(request.POST)
    if form.is_valid():
        try:
            competitor = competitor_create(product=product, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Competitor “{competitor.name}” added.")
            return redirect("roadmaps:competitor-list", slug=product.slug)
    return _page(request, product, competitor_form=form)


def _competitor(request: WorkspaceHttpRequest, slug: str, pk: int) -> Competitor:
    product = product_get(workspace=request.workspace, slug=slug)
    return get_scoped_or_404(
        Competitor.objects.select_related("product", "product__workspace"),
        request.workspace,
        product=product,
        pk=pk,
    )


@workspace_view(Action.ROADMAP_PLAN)
def competitor_edit(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change a competitor's name, website, market share and notes."""
    competitor = _competitor(request, slug, pk)
    initial = {f: getattr(competitor, f) for f in ("name", "website", "market_share", "notes")}
    form = CompetitorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            competitor_update(competitor=competitor, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Competitor “{competitor.name}” saved.")
            return redirect("roadmaps:competitor-list", slug=slug)
    context = {"product": competitor.product, "competitor": competitor, "form": form}
    return render(request, "roadmaps/competitor_form.html", context)


@require_POST
@workspace_view(Action.ROADMAP_PLAN)
def competitor_delete_view(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Remove a competitor and its column of the matrix."""
    competitor = _competitor(request, slug, pk)
    competitor_delete(competitor=competitor, actor=request.user)
    messages.success(request, f"Competitor “{competitor.name}” removed.")
    return redirect("roadmaps:competitor-list", slug=slug)


@require_POST
@workspace_view(Action.ROADMAP_PLAN)
def feature_create_view(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """Add a feature (a row of the matrix)."""
    product = product_get(workspace=request.workspace, slug=slug)
    form = FeatureForm(request.POST)
    if form.is_valid():
        try:
            feature = feature_create(product=product, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Feature “{feature.name}” added to the matrix.")
            return redirect("roadmaps:competitor-list", slug=product.slug)
    return _page(request, product, feature_form=form)


def _feature(request: WorkspaceHttpRequest, slug: str, pk: int) -> CompetitorFeature:
    product = product_get(workspace=request.workspace, slug=slug)
    return get_scoped_or_404(
        CompetitorFeature.objects.select_related("product", "product__workspace"),
        request.workspace,
        product=product,
        pk=pk,
    )


@require_POST
@workspace_view(Action.ROADMAP_PLAN)
def feature_delete_view(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Remove a feature and its row of the matrix."""
    feature = _feature(request, slug, pk)
    feature_delete(feature=feature, actor=request.user)
    messages.success(request, f"Feature “{feature.name}” removed from the matrix.")
    return redirect("roadmaps:competitor-list", slug=slug)


@workspace_view(Action.ROADMAP_PLAN)
def matrix_cell(request: WorkspaceHttpRequest, slug: str, pk: int, column: str) -> HttpResponse:
    """One cell of the matrix (feature ``pk`` × ``column``: a competitor's id or "us").

    GET: the cell's editor (a select; htmx swaps it into the cell). POST: set the level through
    the services; htmx gets the cell back as text, a browser without JavaScript the page.
    """
    feature = _feature(request, slug, pk)
    competitor = None
    if column != US:
        if not (column.isascii() and column.isdigit() and len(column) <= 18):
            raise Http404("No such column.")
        competitor = get_scoped_or_404(
            Competitor.objects.all(), request.workspace, product=feature.product, pk=int(column)
        )
        competitor.product = feature.product
    if competitor is None:
        level = feature.ours
    else:
        cell = FeatureSupport.objects.filter(feature=feature, competitor=competitor).first()
        level = cell.level if cell else Support.UNKNOWN
    form = CellForm(request.POST or None, initial={"level": level})
    editing = request.method != "POST"
    if request.method == "POST":
        if form.is_valid():
            level = form.cleaned_data["level"]
            try:
                if competitor is None:
                    feature_update(feature=feature, actor=request.user, ours=level)
                else:
                    feature_support_set(
                        feature=feature, competitor=competitor, actor=request.user, level=level
                    )
            except ApplicationError as error:
                add_service_error(form, error)
        editing = bool(form.errors)
        if not editing and not request.htmx:
            return redirect("roadmaps:competitor-list", slug=slug)
    context = {
        "product": feature.product,
        "cell": _cell(feature, competitor or US, level),
        "cell_form": form,
        "levels": Support.choices,
        "editing": editing,
    }
    template = "roadmaps/matrix_cell.html#cell" if request.htmx else "roadmaps/matrix_cell.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
