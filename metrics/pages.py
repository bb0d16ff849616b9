"""HTML pages of the metrics app: the event explorer, event sources (write keys), KPI dashboards."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from metrics import selectors
from metrics.filters import EventFilter
from metrics.forms import (
    QUICK_RANGES,
    AnnotationForm,
    DashboardRangeForm,
    DecisionForm,
    ExperimentForm,
    WriteKeyForm,
)
from metrics.models import Annotation, Experiment, Interval
from metrics.services.annotations import annotation_create, annotation_delete
from metrics.services.experiments import (
    ExperimentResults,
    experiment_create,
    experiment_decide,
    experiment_delete,
    experiment_results,
    experiment_update,
    experiments_results,
)
from metrics.services.write_keys import write_key_create, write_key_revoke
from metrics.tasks import request_full_recompute
from metrics.templatetags.metrics_tags import bucket_label
from pmhub.capabilities import Action
from pmhub.errors import ApplicationError
from pmhub.forms import add_service_error
from pmhub.models import Product
from pmhub.selectors import product_get
from pmhub.tenancy import WorkspaceHttpRequest, workspace_view

EXPLORER_ROWS = 50  # events per screen; older ones are a "before" cursor away
REJECTIONS_SHOWN = 20
PLACEHOLDER_KEY = "YOUR_WRITE_KEY"


def _cursor(raw: str | None) -> int | None:
    """The ``?before=<event id>`` of an older screen (digits only; anything else is ignored)."""
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


@workspace_view(Action.EVENT_VIEW)
def product_events(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """The event explorer; htmx polls get the ``events-table`` (or ``rejections``) fragment."""
    product = product_get(workspace=request.workspace, slug=slug)
    if request.htmx.target == "rejections":
        rejections = selectors.rejection_list(product=product)[:REJECTIONS_SHOWN]
        context = {"product": product, "rejections": rejections}
        return _render(request, "metrics/events.html#rejections-panel", context)
    filters = EventFilter(request.GET, queryset=selectors.event_list(product=product))
    before = _cursor(request.GET.get("before"))
    rows = []
    if filters.is_valid():
        events = filters.qs if before is None else filters.qs.filter(id__lt=before)
        rows = list(events[: EXPLORER_ROWS + 1])
    context = {
        "product": product,
        "filters": filters,
        "events": rows[:EXPLORER_ROWS],
        "older": rows[EXPLORER_ROWS - 1].pk if len(rows) > EXPLORER_ROWS else None,
        "live": before is None,
    }
    if request.htmx:
        return _render(request, "metrics/events.html#events-table", context)
    context["rejections"] = selectors.rejection_list(product=product)[:REJECTIONS_SHOWN]
    return _render(request, "metrics/events.html", context)


def _render(request: WorkspaceHttpRequest, template: str, context: dict) -> HttpResponse:
    """Render the page or one of its fragments: one URL, so caches must key on HX-Request."""
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@workspace_view(Action.WRITE_KEY_MANAGE)
def product_sources(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """A product's write keys, a form for a new one (shown once), and SDK set-up snippets."""
    product = product_get(workspace=request.workspace, slug=slug)
    form = WriteKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and product.is_archived:
        form.add_error(None, "This product is archived; restore it before adding a write key.")
    elif request.method == "POST" and form.is_valid():
        try:
            _, new_key = write_key_create(
                product=product, actor=request.user, name=form.cleaned_data["name"]
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            form = WriteKeyForm()
    root = request.build_absolute_uri("/").rstrip("/")
    context = {
        "product": product,
        "form": form,
        "keys": selectors.write_key_list(workspace=request.workspace, product=product),
        "new_key": new_key,
        "snippet_key": new_key or PLACEHOLDER_KEY,
        "server_root": root,
        "server_scheme": urlsplit(root).scheme,
        "server_host": urlsplit(root).netloc,
    }
    return render(request, "metrics/sources.html", context)


@require_POST
@workspace_view(Action.WRITE_KEY_MANAGE)
def write_key_revoke_view(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    product = product_get(workspace=request.workspace, slug=slug)
    key = selectors.write_key_get(workspace=request.workspace, product=product, pk=pk)
    write_key_revoke(key=key, actor=request.user)
    messages.success(request, f"Write key “{key.name}” was revoked; its events are now refused.")
    return redirect("metrics:product-sources", slug=product.slug)


# --- KPI dashboards ------------------------------------------------------------------------------

DASHBOARD_SPAN_DAYS = 90  # the default range, ending on the product's last day with data
# Lines of the charts: which KPIs each draws (the template names the charts, JS draws them).
CHART_KEYS = ("dau", "wau", "mau", "new_users", "revenue", "arpu")


@workspace_view(Action.METRIC_VIEW)
def product_dashboard(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """A product's KPI tiles and charts; htmx range/interval changes get ``dashboard-body``."""
    product = product_get(workspace=request.workspace, slug=slug)
    context = _dashboard_context(product, request.GET)
    if request.htmx:
        return _render(request, "metrics/dashboard.html#dashboard-body", context)
    return _render(request, "metrics/dashboard.html", context)


def _dashboard_context(
    product: Product, params: QueryDict, annotation_form: AnnotationForm | None = None
) -> dict[str, Any]:
    """What the dashboard page (or its body) shows for the range and interval in ``params``."""
    form = DashboardRangeForm(params)
    query = form.cleaned_data if form.is_valid() else {}  # bad params: an error and the defaults
    board = selectors.kpi_board(
        product=product,
        interval=query.get("interval") or Interval.DAY,
        start=query.get("from"),
        end=query.get("to"),
        span_days=query.get("days") or DASHBOARD_SPAN_DAYS,
    )
    annotations = list(selectors.annotation_list(product=product, start=board.start, end=board.end))
    funnels = selectors.funnel_bars(product=product, start=board.start, end=board.end)
    kept = _dashboard_query(params)
    return {
        "product": product,
        "board": board,
        "form": form,
        # No range asked for: the default is a quick range too (its button shows as pressed).
        "days": query.get("days")
        or (None if query.get("from") or query.get("to") else DASHBOARD_SPAN_DAYS),
        "quick_ranges": QUICK_RANGES,
        "intervals": Interval.choices,
        "charts": _chart_data(board, annotations) | {"funnels": _funnel_data(funnels)},
        "annotations": annotations,
        "retention_table": selectors.retention_table(
            product=product,
            start=board.start,
            end=board.end,
            last_day=board.last_day,
            today=board.today,
        ),
        "funnels": funnels,
        "annotation_form": annotation_form
        or AnnotationForm(initial={"day": board.end, "query": kept.urlencode()}),
        "dashboard_query": kept.urlencode(),
    }


def _funnel_data(funnels: list[selectors.FunnelBars]) -> list[dict[str, Any]]:
    """Each funnel's bars, for ``json_script``: step names and the persons reaching them."""
    return [{"name": f.metric.name, "steps": f.steps, "persons": f.persons} for f in funnels]


def _dashboard_query(params: QueryDict) -> QueryDict:
    """Only the dashboard's own parameters of ``params`` (range and interval), each capped."""
    kept = QueryDict(mutable=True)
    for name in ("from", "to", "days", "interval"):
        if params.get(name):
            kept[name] = str(params[name])[:20]
    return kept


def _dashboard_url(product: Product, query: QueryDict) -> str:
    url = reverse("metrics:product-dashboard", args=[product.slug])
    return f"{url}?{query.urlencode()}" if query else url


def _chart_data(board: selectors.KpiBoard, annotations: list[Annotation]) -> dict[str, Any]:
    """What the charts draw, for ``json_script``: labels and values aligned bucket by bucket.

    Each annotation says at which label it is drawn: ``at`` on the charts by ``interval``,
    ``week_at`` on the weekly retention chart (null when its bucket is not shown).
    """
    buckets = sorted({b for key in CHART_KEYS for b, _ in board.series.get(key, [])})
    series = {}
    for key in CHART_KEYS:
        if key in board.series:
            values = dict(board.series[key])
            series[key] = [values.get(bucket) for bucket in buckets]
    cohorts = board.series.get("retention_w1", [])
    retention = board.metrics.get("retention_w1")
    at = {bucket: index for index, bucket in enumerate(buckets)}
    week_at = {bucket: index for index, (bucket, _) in enumerate(cohorts)}
    return {
        "annotations": [
            {
                "day": note.day.isoformat(),
                "text": note.text,
                "at": at.get(selectors.bucket_start(note.day, board.interval)),
                "week_at": week_at.get(selectors.bucket_start(note.day, Interval.WEEK)),
            }
            for note in annotations
        ],
        "interval": board.interval,
        "labels": [bucket_label(b, board.interval, short=True) for b in buckets],
        "titles": [bucket_label(b, board.interval) for b in buckets],
        "series": series,
        "names": {key: metric.name for key, metric in board.metrics.items()},
        "formats": {key: selectors.value_format(m) for key, m in board.metrics.items()},
        "retention": {
            "labels": [bucket_label(b, Interval.WEEK, short=True) for b, _ in cohorts],
            "titles": [bucket_label(b, Interval.WEEK) for b, _ in cohorts],
            "values": [value for _, value in cohorts],
            "complete": [
                retention is not None
                and board.last_day is not None
                and selectors.bucket_over(
                    b, Interval.WEEK, retention, today=board.today, last_day=board.last_day
                )
                for b, _ in cohorts
            ],
        },
    }


@require_POST
@workspace_view(Action.WRITE_KEY_MANAGE)
def product_recompute(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """Enqueue a full recompute of a product's metrics (those who manage its event sources)."""
    product = product_get(workspace=request.workspace, slug=slug)
    request_full_recompute(product.pk)
    messages.success(
        request, "Recompute started: the dashboard shows the new values once it has finished."
    )
    # Back to the range the button was pressed on: only the dashboard's own parameters.
    return redirect(
        _dashboard_url(product, _dashboard_query(QueryDict(request.POST.get("query", ""))))
    )


@require_POST
@workspace_view(Action.METRIC_MANAGE)
def annotation_add(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """Note a day on the product's charts; htmx gets the redrawn ``dashboard-body``."""
    product = product_get(workspace=request.workspace, slug=slug)
    form = AnnotationForm(request.POST)
    if form.is_valid():
        try:
            annotation_create(
                product=product,
                actor=request.user,
                day=form.cleaned_data["day"],
                text=form.cleaned_data["text"],
                url=form.cleaned_data["url"],
            )
        except ApplicationError as error:
            add_service_error(form, error)
    return _annotations_changed(request, product, form, "Annotation added.")


@require_POST
@workspace_view(Action.METRIC_MANAGE)
def annotation_remove(request: WorkspaceHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Delete an annotation of the product; htmx gets the redrawn ``dashboard-body``."""
    product = product_get(workspace=request.workspace, slug=slug)
    annotation_delete(
        annotation=selectors.annotation_get(product=product, pk=pk), actor=request.user
    )
    return _annotations_changed(request, product, None, "Annotation deleted.")


def _annotations_changed(
    request: WorkspaceHttpRequest, product: Product, form: AnnotationForm | None, done: str
) -> HttpResponse:
    """Back to the range the request came from: the body (htmx), else the page or a redirect."""
    query = _dashboard_query(QueryDict(request.POST.get("query", "")))
    failed = form is not None and bool(form.errors)
    if not request.htmx and not failed:
        messages.success(request, done)
        return redirect(_dashboard_url(product, query))
    context = _dashboard_context(product, query, form if failed else None)
    if request.htmx:
        return _render(request, "metrics/dashboard.html#dashboard-body", context)
    return _render(request, "metrics/dashboard.html", context)


# The overview's spans: the last 30 days, 12 weeks or 12 months (any other ``interval``: days).
OVERVIEW_SPANS: dict[str, tuple[int, str]] = {
    Interval.DAY: (30, "the latest full day against the one before, over the last 30 days"),
    Interval.WEEK: (84, "the latest full week against the one before, over the last 12 weeks"),
    Interval.MONTH: (365, "the latest full month against the one before, over the last year"),
}


@workspace_view(Action.METRIC_VIEW)
def metrics_index(request: WorkspaceHttpRequest) -> HttpResponse:
    """The executive overview: headline KPIs of every active product, each linking to its board."""
    interval = request.GET.get("interval")
    if interval not in OVERVIEW_SPANS:
        interval = Interval.DAY
    span_days, explained = OVERVIEW_SPANS[interval]
    boards = selectors.kpi_overview(
        workspace=request.workspace, interval=interval, span_days=span_days
    )
    context = {
        "boards": boards,
        "interval": interval,
        "intervals": Interval.choices,
        "explained": explained,
    }
    return render(request, "metrics/overview.html", context)


# --- Experiments ---------------------------------------------------------------------------------

EXPERIMENTS_PER_PAGE = 25


def _experiment(request: WorkspaceHttpRequest, slug: str, key: str) -> Experiment:
    product = product_get(workspace=request.workspace, slug=slug)
    return selectors.experiment_get(product=product, key=key)


@workspace_view(Action.METRIC_VIEW)
def product_experiments(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """A product's A/B tests, newest first, each with its status and headline result."""
    product = product_get(workspace=request.workspace, slug=slug)
    page = Paginator(selectors.experiment_list(product=product), EXPERIMENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    results = experiments_results(product=product, experiments=list(page))
    rows = [(experiment, results[experiment.pk]) for experiment in page]
    context = {"product": product, "page": page, "rows": rows}
    return render(request, "metrics/experiments.html", context)


@workspace_view(Action.METRIC_VIEW)
def experiment_detail(request: WorkspaceHttpRequest, slug: str, key: str) -> HttpResponse:
    """One experiment: results per variant, lift chart, sample size, SRM check, decision."""
    return _experiment_page(request, _experiment(request, slug, key), DecisionForm())


def _experiment_page(
    request: WorkspaceHttpRequest, experiment: Experiment, decision_form: DecisionForm
) -> HttpResponse:
    results = experiment_results(experiment=experiment)
    context = {
        "product": experiment.product,
        "experiment": experiment,
        "results": results,
        "decision_form": decision_form,
        "chart": _lift_chart(results),
    }
    return render(request, "metrics/experiment.html", context)


def _lift_chart(results: ExperimentResults) -> dict[str, Any]:
    """What the lift chart draws, for ``json_script``: each variant's difference from the
    control in percentage points with its 95 % interval."""
    compared = [v for v in results.variants if v.comparison is not None]
    return {
        "control": next(v.variant for v in results.variants if v.is_control),
        "labels": [v.variant for v in compared],
        "difference": [100 * v.comparison.difference for v in compared if v.comparison],
        "low": [100 * v.comparison.ci_low for v in compared if v.comparison],
        "high": [100 * v.comparison.ci_high for v in compared if v.comparison],
        "significant": [v.comparison.significant for v in compared if v.comparison],
    }


@workspace_view(Action.METRIC_MANAGE)
def experiment_create_view(request: WorkspaceHttpRequest, slug: str) -> HttpResponse:
    """Define a new A/B test of the product."""
    return _experiment_form(request, product_get(workspace=request.workspace, slug=slug))


@workspace_view(Action.METRIC_MANAGE)
def experiment_edit(request: WorkspaceHttpRequest, slug: str, key: str) -> HttpResponse:
    """Change an experiment's definition (not once it is decided)."""
    experiment = _experiment(request, slug, key)
    return _experiment_form(request, experiment.product, experiment)


def _experiment_form(
    request: WorkspaceHttpRequest, product: Product, experiment: Experiment | None = None
) -> HttpResponse:
    form = ExperimentForm(request.POST or None, experiment=experiment)
    if request.method == "POST" and form.is_valid():
        try:
            if experiment is None:
                experiment = experiment_create(
                    product=product, actor=request.user, **form.service_fields()
                )
            else:
                experiment_update(
                    experiment=experiment, actor=request.user, **form.service_fields()
                )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Experiment “{experiment.name}” saved.")
            return redirect("metrics:experiment-detail", slug=product.slug, key=experiment.key)
    context = {"product": product, "experiment": experiment, "form": form}
    return render(request, "metrics/experiment_form.html", context)


@require_POST
@workspace_view(Action.METRIC_MANAGE)
def experiment_status(request: WorkspaceHttpRequest, slug: str, key: str) -> HttpResponse:
    """Start or stop an experiment (draft → running → stopped)."""
    experiment = _experiment(request, slug, key)
    try:
        experiment_update(
            experiment=experiment, actor=request.user, status=request.POST.get("status", "")[:20]
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"The experiment is {experiment.get_status_display().lower()}.")
    return redirect("metrics:experiment-detail", slug=slug, key=experiment.key)


@require_POST
@workspace_view(Action.METRIC_MANAGE)
def experiment_decide_view(request: WorkspaceHttpRequest, slug: str, key: str) -> HttpResponse:
    """Record a stopped experiment's decision; htmx gets the ``decision`` fragment back."""
    experiment = _experiment(request, slug, key)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            experiment_decide(
                experiment=experiment, actor=request.user, decision=form.cleaned_data["decision"]
            )
        except ApplicationError as error:
            add_service_error(form, error)
    if request.htmx:
        context = {
            "product": experiment.product,
            "experiment": experiment,
            "decision_form": form,
            "oob": True,  # the status badge and the actions change with a decision too
        }
        return _render(request, "metrics/experiment.html#decision", context)
    if form.errors:
        return _experiment_page(request, experiment, form)
    messages.success(request, "Decision recorded.")
    return redirect("metrics:experiment-detail", slug=slug, key=experiment.key)


@require_POST
@workspace_view(Action.METRIC_MANAGE)
def experiment_delete_view(request: WorkspaceHttpRequest, slug: str, key: str) -> HttpResponse:
    """Delete an experiment (the events it read stay)."""
    experiment = _experiment(request, slug, key)
    experiment_delete(experiment=experiment, actor=request.user)
    messages.success(request, f"Experiment “{experiment.name}” deleted.")
    return redirect("metrics:product-experiments", slug=slug)
