"""An item's page: its fields, the status buttons of the workflow, the acceptance criteria ticked
in place (htmx), every framework's inputs and score, and the history of the item; its edit form
and its deletion."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from backlog.forms import (
    AcceptanceForm,
    ItemForm,
    StatusForm,
    TickForm,
    acceptance_text,
    service_error,
)
from backlog.formula import FormulaError, parse
from backlog.models import (
    BacklogSettings,
    CustomField,
    FieldKind,
    HistoryField,
    Item,
    ItemHistory,
    Sprint,
    Status,
)
from backlog.scoring import (
    FRAMEWORK_INPUTS,
    INPUT_LABELS,
    Framework,
    ScoreError,
    compute,
    describe,
)
from backlog.services.items import TRANSITIONS, item_delete, item_update
from backlog.services.scores import formula_names, score_inputs, settings_for
from pmhub.capabilities import Action, role_can
from pmhub.errors import ApplicationError
from pmhub.models import AuditEvent, Product
from pmhub.tenancy import WorkspaceHttpRequest, get_scoped_or_404, workspace_view

# Changes the item's history already tells (status, sprint, estimate); the audit trail adds the
# other fields' changes.
_IN_HISTORY = {"status", "sprint", "estimate"}


def item_get(request: WorkspaceHttpRequest, slug: str, pk: int) -> Item:
    """An item of the product in the URL, of the request's workspace; else a 404."""
    return get_scoped_or_404(
        Item.objects.select_related(
            "product__workspace",
            "assignee",
            "reporter",
            "parent",
            "initiative",
            "release",
            "sprint",
        ),
        request.workspace,
        product__slug=slug,
        pk=pk,
    )


def backlog_url(product: Product) -> str:
    """Where the product's backlog lives: its list (the quadrant until the list page exists)."""
    try:
        return reverse("backlog:list", args=[product.slug])
    except NoReverseMatch:
        return reverse("backlog:quadrant", args=[product.slug])


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def score_breakdown(item: Item, settings: BacklogSettings) -> list[dict[str, Any]]:
    """Every framework with the item's inputs and the score it would give, or why it gives none;
    the product's framework first."""
    inputs = score_inputs(item)
    formula = None
    formula_problem = ""
    if settings.formula:
        try:
            formula = parse(settings.formula, formula_names(item.product))
        except FormulaError as error:
            formula_problem = str(error)
    order = [Framework(settings.framework)] + [f for f in Framework if f != settings.framework]
    rows = []
    for framework in order:
        names = FRAMEWORK_INPUTS[framework]
        if framework == Framework.CUSTOM:
            names = tuple(sorted(formula.names)) if formula else ()
        score, problem = None, ""
        if framework == Framework.CUSTOM and formula_problem:
            problem = formula_problem
        else:
            try:
                score = compute(framework, inputs, formula=formula)
            except ScoreError as error:
                problem = error.message
        rows.append(
            {
                "framework": framework,
                "describe": settings.formula
                if framework == Framework.CUSTOM and settings.formula
                else describe(framework),
                "inputs": [
                    {
                        "label": INPUT_LABELS.get(name, name),
                        "value": "—" if inputs.get(name) in (None, "") else _number(inputs[name]),
                    }
                    for name in names
                ],
                "score": score,
                "problem": problem,
                "current": framework == settings.framework,
            }
        )
    return rows


def _sprint_name(sprints: dict[str, str], value: str) -> str:
    return sprints.get(value, "a deleted sprint")


def _history_phrase(row: ItemHistory, sprints: dict[str, str]) -> str:
    if row.field == HistoryField.CREATED:
        return (
            f"created it as {Status(row.new).label}" if row.new in Status.values else "created it"
        )
    if row.field == HistoryField.STATUS:
        old = Status(row.old).label if row.old in Status.values else row.old
        new = Status(row.new).label if row.new in Status.values else row.new
        return f"moved from {old} to {new}"
    if row.field == HistoryField.SPRINT:
        if not row.old:
            return f"added to {_sprint_name(sprints, row.new)}"
        if not row.new:
            return f"removed from {_sprint_name(sprints, row.old)}"
        return f"moved from {_sprint_name(sprints, row.old)} to {_sprint_name(sprints, row.new)}"
    if not row.old:
        return f"estimated {row.new}"
    if not row.new:
        return f"cleared the estimate ({row.old})"
    return f"estimate {row.old} → {row.new}"


def _audit_phrase(event: AuditEvent) -> str | None:
    changes = {k: v for k, v in (event.changes or {}).items() if k not in _IN_HISTORY}
    if event.action == "item.updated" and changes:
        return "changed " + ", ".join(
            f"{name.replace('_', ' ')} {_shown(old)} → {_shown(new)}"
            for name, (old, new) in sorted(changes.items())
        )
    return None


def _shown(value: Any) -> str:
    # The audit trail keeps values as text; an empty relation reads "None" there.
    return "—" if value in (None, "", "None") else str(value)


def item_activity(item: Item) -> list[dict[str, Any]]:
    """The item's history (status, sprint, estimate, creation) and the audit trail's other
    changes of it, newest first, each with who and when (three queries)."""
    sprints = {
        str(pk): name
        for pk, name in Sprint.objects.filter(product=item.product_id).values_list("pk", "name")
    }
    entries = [
        {"at": row.at, "actor": row.actor, "text": _history_phrase(row, sprints), "pk": row.pk}
        for row in ItemHistory.objects.filter(item=item).select_related("actor")
    ]
    events = AuditEvent.objects.filter(
        product=item.product_id, target_type="item", target_id=str(item.pk)
    ).select_related("actor")
    for event in events:
        text = _audit_phrase(event)
        if text:
            entries.append({"at": event.created_at, "actor": event.actor, "text": text, "pk": 0})
    entries.sort(key=lambda entry: (entry["at"], entry["pk"]), reverse=True)
    return entries


def _custom_values(item: Item, fields: list[CustomField]) -> list[dict[str, Any]]:
    values = item.custom or {}
    shown = []
    for field in fields:
        value = values.get(field.key)
        if field.kind == FieldKind.CHECKBOX and value is not None:
            value = "Yes" if value else "No"
        elif isinstance(value, float):
            value = _number(value)
        shown.append({"name": field.name, "value": value})
    return shown


def _render(request: WorkspaceHttpRequest, template: str, context: dict) -> HttpResponse:
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _detail(request: WorkspaceHttpRequest, item: Item, **extra: Any) -> HttpResponse:
    settings = settings_for(item.product)
    fields = list(CustomField.objects.filter(product=item.product))
    editor = role_can(request.membership.role, Action.BACKLOG_EDIT)
    context: dict[str, Any] = {
        "item": item,
        "product": item.product,
        "settings": settings,
        "editor": editor,
        "transitions": [s for s in Status if s in TRANSITIONS[item.status]],
        "labels": list(item.labels.order_by("name")),
        "children": list(item.children.select_related("assignee").order_by("rank")),
        "custom_values": _custom_values(item, fields),
        "scores": score_breakdown(item, settings),
        "activity": item_activity(item),
        "acceptance_form": extra.pop("acceptance_form", None)
        or AcceptanceForm(initial={"acceptance": acceptance_text(item.acceptance)}),
        **extra,
    }
    return _render(request, "backlog/item.html", context)


@workspace_view(Action.BACKLOG_VIEW)
def item_detail(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    return _detail(request, item_get(request, slug, pk))


@workspace_view(Action.BACKLOG_EDIT)
def item_edit(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change every field of an item; a refusal shows on the field the service names."""
    item = item_get(request, slug, pk)
    settings = settings_for(item.product)
    fields = list(CustomField.objects.filter(product=item.product))
    form = ItemForm.for_item(item, settings, fields, request.POST or None)
    if request.method == "POST" and form.is_valid():
        changes, labels = form.service_fields()
        try:
            item_update(item=item, actor=request.user, labels=labels, **changes)
        except ApplicationError as error:
            service_error(form, error)
        else:
            messages.success(request, f"“{item.title}” was saved.")
            return redirect("backlog:item", slug=slug, pk=item.pk)
    return render(
        request,
        "backlog/item_form.html",
        {"form": form, "item": item, "product": item.product, "settings": settings},
    )


@require_POST
@workspace_view(Action.BACKLOG_EDIT)
def item_delete_view(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Delete an item (the button asks first); its children stay, without a parent."""
    item = item_get(request, slug, pk)
    product = item.product
    item_delete(item=item, actor=request.user)
    messages.success(request, f"“{item.title}” was deleted.")
    return redirect(backlog_url(product))


@require_POST
@workspace_view(Action.BACKLOG_EDIT)
def item_status(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Move an item along the workflow; a move it refuses is shown on the page."""
    item = item_get(request, slug, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _detail(request, item, status_error="Choose a status.")
    try:
        item_update(item=item, actor=request.user, status=form.cleaned_data["status"])
    except ApplicationError as error:
        return _detail(request, item_get(request, slug, pk), status_error=error.message)
    messages.success(request, f"“{item.title}” is now {item.get_status_display()}.")
    return redirect("backlog:item", slug=slug, pk=item.pk)


@require_POST
@workspace_view(Action.BACKLOG_EDIT)
def acceptance_tick(request: WorkspaceHttpRequest, slug: str, pk: int, index: int) -> HttpResponse:
    """Tick or untick one acceptance criterion; htmx gets the checklist back."""
    item = item_get(request, slug, pk)
    if index >= len(item.acceptance):
        raise Http404("No such acceptance criterion.")
    form = TickForm(request.POST)
    form.is_valid()  # a checkbox: absent means unticked
    criteria = [dict(c) for c in item.acceptance]
    criteria[index]["done"] = form.cleaned_data.get("done", False)
    item_update(item=item, actor=request.user, acceptance=criteria)
    if not request.htmx:
        return redirect("backlog:item", slug=slug, pk=item.pk)
    context = {"item": item, "product": item.product, "editor": True}
    return _render(request, "backlog/item.html#acceptance-list", context)


@require_POST
@workspace_view(Action.BACKLOG_EDIT)
def acceptance_edit(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Rewrite the acceptance criteria (one per line, "[x]" for a met one)."""
    item = item_get(request, slug, pk)
    form = AcceptanceForm(request.POST)
    if form.is_valid():
        try:
            item_update(item=item, actor=request.user, acceptance=form.cleaned_data["acceptance"])
        except ApplicationError as error:
            service_error(form, error)
        else:
            return redirect("backlog:item", slug=slug, pk=item.pk)
    return _detail(request, item_get(request, slug, pk), acceptance_form=form)
