"""Backlog settings (framework, formula, scale, WIP limits) and the scores they produce.

A score is computed here and nowhere else (``backlog.scoring`` does the arithmetic): on every
item write, and for the whole product when its framework or formula changes.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from backlog.formula import Formula, FormulaError, parse
from backlog.models import BacklogSettings, CustomField, EstimationScale, FieldKind, Item, Status
from backlog.scoring import NUMERIC_INPUTS, Framework, ScoreError, compute
from pmhub.errors import ApplicationError
from pmhub.models import Product
from pmhub.writes import change_and_audit, reject_unknown

SETTINGS_FIELDS = ("framework", "formula", "scale", "wip_limits")

# Story points a scale allows; T-shirt sizes are stored as the points they map to.
TSHIRT_POINTS = {"XS": 1.0, "S": 2.0, "M": 3.0, "L": 5.0, "XL": 8.0, "XXL": 13.0}
SCALE_POINTS: dict[str, tuple[float, ...]] = {
    EstimationScale.FIBONACCI: (0, 0.5, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89),
    EstimationScale.LINEAR: tuple(float(n) for n in range(11)),
    EstimationScale.POWERS_OF_TWO: (0, 1, 2, 4, 8, 16, 32, 64),
    EstimationScale.TSHIRT: tuple(TSHIRT_POINTS.values()),
}


def settings_for(product: Product, *, lock: bool = False) -> BacklogSettings:
    """The product's backlog settings (made with the defaults the first time); ``lock`` holds
    its row until the transaction ends, which serializes the product's rank writes."""
    settings, _ = BacklogSettings.objects.get_or_create(product=product)
    if not lock:
        return settings
    return BacklogSettings.objects.select_for_update().get(product=product)


def formula_names(product: Product) -> frozenset[str]:
    """Names a product's custom formula may use: numeric inputs and number/checkbox fields."""
    keys = CustomField.objects.filter(
        product=product, kind__in=[FieldKind.NUMBER, FieldKind.CHECKBOX]
    ).values_list("key", flat=True)
    return frozenset(NUMERIC_INPUTS) | frozenset(keys)


@lru_cache(maxsize=256)
def _parsed(text: str, names: frozenset[str]) -> Formula:
    return parse(text, names)


def check_formula(product: Product, text: str) -> Formula:
    """Parse ``text`` for ``product``; a FormulaError becomes an error on ``formula`` that says
    where the problem is."""
    try:
        return _parsed(text, formula_names(product))
    except FormulaError as error:
        raise ApplicationError(str(error), field="formula") from None


def check_estimate(scale: str, estimate: Any) -> None:
    if estimate is None:
        return
    if not isinstance(estimate, (int, float)) or isinstance(estimate, bool):
        raise ApplicationError("An estimate is a number of story points.", field="estimate")
    allowed = SCALE_POINTS.get(scale, ())
    if float(estimate) not in allowed:
        shown = ", ".join(f"{p:g}" for p in allowed)
        raise ApplicationError(
            f"Estimate on the {EstimationScale(scale).label.split(' (')[0]} scale: {shown}.",
            field="estimate",
        )


def _check_settings(settings: BacklogSettings) -> None:
    if settings.framework not in Framework.values:
        raise ApplicationError(f"Choose one of {', '.join(Framework.values)}.", field="framework")
    if settings.scale not in EstimationScale.values:
        raise ApplicationError(f"Choose one of {', '.join(EstimationScale.values)}.", field="scale")
    if settings.framework == Framework.CUSTOM:
        check_formula(settings.product, settings.formula)
    limits = settings.wip_limits
    if not isinstance(limits, dict) or any(
        status not in Status.values or not isinstance(n, int) or isinstance(n, bool) or n < 1
        for status, n in limits.items()
    ):
        raise ApplicationError(
            "WIP limits map a status to a whole number of items, 1 or more.", field="wip_limits"
        )


@transaction.atomic
def settings_update(*, product: Product, actor: User, **fields: Any) -> BacklogSettings:
    """Change how ``product`` prioritizes and estimates; a new framework or formula rescores
    every item in a background task (``scores_stale`` until then). Records
    ``backlog_settings.updated``."""
    reject_unknown(fields, SETTINGS_FIELDS)
    settings = settings_for(product, lock=True)
    rescore = any(
        name in fields and fields[name] != getattr(settings, name)
        for name in ("framework", "formula")
    )
    change_and_audit(
        settings,
        actor,
        fields,
        check=_check_settings,
        action="backlog_settings.updated",
        workspace=product.workspace,
        product=product,
    )
    if rescore:
        from backlog.tasks import rescore_product  # tasks import services: import at call time

        BacklogSettings.objects.filter(pk=settings.pk).update(scores_stale=True)
        settings.scores_stale = True
        transaction.on_commit(lambda: rescore_product.delay(product.pk))
    return settings


def score_inputs(item: Item) -> dict[str, Any]:
    """The values a framework or formula reads from ``item`` (checkboxes count as 1/0)."""
    values: dict[str, Any] = {name: getattr(item, name, None) for name in NUMERIC_INPUTS}
    values["moscow"], values["kano"] = item.moscow or None, item.kano or None
    for key, value in (item.custom or {}).items():
        values.setdefault(key, value)
    return values


def item_rescore(item: Item, settings: BacklogSettings) -> None:
    """Set ``item.score`` and ``score_problem`` from its inputs (not saved)."""
    formula = None
    if settings.framework == Framework.CUSTOM and settings.formula:
        try:
            formula = _parsed(settings.formula, formula_names(settings.product))
        except FormulaError as error:
            item.score, item.score_problem = None, str(error)[:200]
            return
    try:
        item.score = compute(settings.framework, score_inputs(item), formula=formula)
        item.score_problem = ""
    except ScoreError as error:
        item.score, item.score_problem = None, error.message[:200]


@transaction.atomic
def scores_recompute(*, product: Product) -> int:
    """Score every item of ``product`` with its current framework; clear ``scores_stale``.

    Returns how many scores changed. Idempotent: a second run changes none.
    """
    settings = settings_for(product, lock=True)
    changed = []
    for item in Item.objects.filter(product=product).only(
        "pk", "score", "score_problem", "custom", "moscow", "kano", *NUMERIC_INPUTS
    ):
        before = (item.score, item.score_problem)
        item_rescore(item, settings)
        if (item.score, item.score_problem) != before:
            changed.append(item)
    Item.objects.bulk_update(changed, ["score", "score_problem"], batch_size=1000)
    BacklogSettings.objects.filter(pk=settings.pk).update(scores_stale=False)
    return len(changed)
