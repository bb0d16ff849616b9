"""The Now/Next/Later board of a product: initiatives as cards in three columns, moved by drag
and drop (SortableJS, static/pmhub/roadmap_board.js) or by the move buttons, and created from a
form on the page. Every move answers the redrawn ``board-body`` (htmx) or redirects back."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from pmhub.capabilities import Action, role_can
from pmhub.errors import ApplicationError
from pmhub.forms import add_service_error
from pmhub.models import Product
from pmhub.selectors import product_get
from pmhub.tenancy import WorkspaceHttpRequest, workspace_view
from roadmaps import selectors
from roadmaps.models import Initiative
from roadmaps.services.initiatives import initiative_create, initiative_move
from roadmaps.views.planning_forms import InitiativeForm, MoveForm

BODY = "roadmaps/board.html#board-body"


@workspace_view(Action.ROADMAP_VIEW)
def board(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """A product's initiatives in Now, Next and Later; planners arrange and add them."""
    return _board(request, product_get(workspace=request.workspace, slug=slug))


def _board(
    request: WorkspaceHttpRequest, product: Product, form: InitiativeForm | None = None
) -> HttpResponse:
    planner = role_can(request.membership.role, Action.ROADMAP_PLAN)
    context = {
        "product": product,
        "columns": selectors.board_columns(product=product),
        "planner": planner,
        "form": form or (InitiativeForm(product=product) if planner else None),
        "form_open": form is not None,
    }
    response = render(request, BODY if request.htmx else "roadmaps/board.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@workspace_view(Action.ROADMAP_PLAN)
def initiative_create_view(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """Add an initiative at the bottom of its column; errors show by their field."""
    product = product_get(workspace=request.workspace, slug=slug)
    form = InitiativeForm(request.POST, product=product)
    if form.is_valid():
        try:
            initiative = initiative_create(product=product, actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, f"“{initiative.title}” was added to {initiative.get_horizon_display()}."
            )
            return redirect("roadmaps:board", slug=product.slug)
    return _board(request, product, form)


@require_POST
@workspace_view(Action.ROADMAP_PLAN)
def initiative_move_view(request: WorkspaceHttpRequest, pk: int) -> HttpResponse:
    """Put an initiative in ``horizon`` above the card ``before`` (blank: at the bottom).

    A move that cannot be made redraws the board as saved, saying why.
    """
    initiative = selectors.initiative_get(workspace=request.workspace, pk=pk)
    form = MoveForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError("The move was not understood; the board is shown as saved.")
        initiative_move(
            initiative=initiative,
            actor=request.user,
            horizon=form.cleaned_data["horizon"],
            before=_card(initiative, form.cleaned_data["before"]),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    if request.htmx:
        return _board(request, initiative.product)
    return redirect("roadmaps:board", slug=initiative.product.slug)


def _card(initiative: Initiative, pk: int | None) -> Initiative | None:
    """The card of ``initiative``'s board with id ``pk`` (None: none, the bottom)."""
    if pk is None:
        return None
    card = Initiative.objects.filter(product=initiative.product_id, pk=pk).first()
    if card is None:
        raise ApplicationError("That card is no longer on this board; the board is shown afresh.")
    return card
