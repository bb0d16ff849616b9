"""Prioritization frameworks: the inputs each one reads, their ranges, and the score.

Every score in pmhub is computed here and nowhere else, so the list, the detail page, the API and
exports agree. Pure Python: no database, no models; callers pass the item's input values by name
(the item's columns carry exactly these names).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models

from backlog.formula import Formula, FormulaError


class Framework(models.TextChoices):
    RICE = "rice", "RICE"
    WSJF = "wsjf", "WSJF"
    ICE = "ice", "ICE"
    VALUE_EFFORT = "value_effort", "Value vs effort"
    MOSCOW = "moscow", "MoSCoW"
    KANO = "kano", "Kano"
    ROI = "roi", "ROI"
    CUSTOM = "custom", "Custom formula"


class MoSCoW(models.TextChoices):
    MUST = "must", "Must"
    SHOULD = "should", "Should"
    COULD = "could", "Could"
    WONT = "wont", "Won't"


class Kano(models.TextChoices):
    MUST_BE = "must_be", "Must-be"
    PERFORMANCE = "performance", "Performance"
    ATTRACTIVE = "attractive", "Attractive"
    INDIFFERENT = "indifferent", "Indifferent"
    REVERSE = "reverse", "Reverse"


class Quadrant(models.TextChoices):
    QUICK_WIN = "quick_win", "Quick wins"
    BIG_BET = "big_bet", "Big bets"
    FILL_IN = "fill_in", "Fill-ins"
    MONEY_PIT = "money_pit", "Money pits"


FRAMEWORK_INPUTS: dict[Framework, tuple[str, ...]] = {
    Framework.RICE: ("reach", "impact", "confidence", "effort"),
    Framework.WSJF: ("business_value", "time_criticality", "risk_reduction", "job_size"),
    Framework.ICE: ("ice_impact", "ice_confidence", "ice_ease"),
    Framework.VALUE_EFFORT: ("value", "effort"),
    Framework.MOSCOW: ("moscow",),
    Framework.KANO: ("kano",),
    Framework.ROI: ("roi_value", "roi_months", "roi_cost"),
    Framework.CUSTOM: (),
}

# Sort keys for the categorical frameworks: higher comes first.
MOSCOW_RANK: dict[str, int] = {
    MoSCoW.MUST: 4,
    MoSCoW.SHOULD: 3,
    MoSCoW.COULD: 2,
    MoSCoW.WONT: 1,
}
KANO_RANK: dict[str, int] = {
    Kano.MUST_BE: 5,
    Kano.PERFORMANCE: 4,
    Kano.ATTRACTIVE: 3,
    Kano.INDIFFERENT: 2,
    Kano.REVERSE: 1,
}

RICE_IMPACTS = (0.25, 0.5, 1, 2, 3)

INPUT_LABELS: dict[str, str] = {
    "reach": "Reach",
    "impact": "Impact",
    "confidence": "Confidence",
    "effort": "Effort",
    "business_value": "Business value",
    "time_criticality": "Time criticality",
    "risk_reduction": "Risk reduction",
    "job_size": "Job size",
    "ice_impact": "ICE impact",
    "ice_confidence": "ICE confidence",
    "ice_ease": "Ease",
    "value": "Value",
    "moscow": "MoSCoW",
    "kano": "Kano category",
    "roi_value": "Value per month",
    "roi_months": "Months",
    "roi_cost": "Cost",
    "estimate": "Estimate",
}


@dataclass(frozen=True)
class _Range:
    """The allowed values of a numeric input; ``message`` says them in words."""

    low: float
    high: float | None = None
    low_open: bool = False  # the low bound itself is refused (effort 0 would divide by zero)
    whole: bool = False

    def allows(self, number: float) -> bool:
        if self.whole and not number.is_integer():
            return False
        if number < self.low or (self.low_open and number == self.low):
            return False
        return self.high is None or number <= self.high

    def message(self, label: str) -> str:
        whole = "a whole number " if self.whole else ""
        if self.high is not None:
            return f"{label} must be {whole}between {self.low:g} and {self.high:g}."
        if self.low_open:
            return f"{label} must be {whole}more than {self.low:g}."
        return f"{label} must be {whole}{self.low:g} or more."


_RANGES: dict[str, _Range] = {
    "reach": _Range(0),
    "impact": _Range(0.25, 3),  # and one of RICE_IMPACTS, checked apart
    "confidence": _Range(0, 100),
    "effort": _Range(0, low_open=True),
    "business_value": _Range(0),
    "time_criticality": _Range(0),
    "risk_reduction": _Range(0),
    "job_size": _Range(0, low_open=True),
    "ice_impact": _Range(1, 10),
    "ice_confidence": _Range(1, 10),
    "ice_ease": _Range(1, 10),
    "value": _Range(0, 10),
    "roi_value": _Range(0),
    "roi_months": _Range(1, 120, whole=True),
    "roi_cost": _Range(0, low_open=True),
    "estimate": _Range(0),
}

# Everything a custom formula may read besides the product's custom field keys.
NUMERIC_INPUTS: tuple[str, ...] = tuple(_RANGES)
CATEGORICAL_INPUTS: dict[str, type[models.TextChoices]] = {"moscow": MoSCoW, "kano": Kano}
ALL_INPUTS: tuple[str, ...] = NUMERIC_INPUTS + tuple(CATEGORICAL_INPUTS)


class ScoreError(Exception):
    """A score cannot be computed, or an input is out of range; ``field`` names the input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _number(name: str, value: Any) -> float:
    """The input as a float, refusing booleans, text and non-finite numbers."""
    # bool is an int subclass; True as a reach is a bug in the caller, not 1 person.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ScoreError(name, f"{INPUT_LABELS[name]} must be a number.")
    try:
        number = float(value)
    except (OverflowError, ValueError):  # a huge int; Decimal("sNaN")
        number = math.nan
    if not math.isfinite(number):
        raise ScoreError(name, f"{INPUT_LABELS[name]} must be a finite number.")
    return number


def check_input(name: str, value: Any) -> None:
    """Refuse a value out of range or of the wrong kind for input ``name`` with a ScoreError.

    None is allowed: a missing input makes a score missing, it is not a wrong input. ``name`` must
    be one of ALL_INPUTS; any other name is a programming error (ValueError).
    """
    if name not in INPUT_LABELS:
        raise ValueError(f"{name!r} is not a scoring input")
    if value is None:
        return
    label = INPUT_LABELS[name]
    if name in CATEGORICAL_INPUTS:
        choices = CATEGORICAL_INPUTS[name]
        if not isinstance(value, str) or value not in choices.values:
            allowed = ", ".join(str(choice.label) for choice in choices)
            raise ScoreError(name, f"{label} must be one of {allowed}.")
        return
    number = _number(name, value)
    if name == "impact" and number not in RICE_IMPACTS:
        allowed = ", ".join(f"{impact:g}" for impact in RICE_IMPACTS)
        raise ScoreError(name, f"Impact must be one of {allowed}.")
    rule = _RANGES[name]
    if not rule.allows(number):
        raise ScoreError(name, rule.message(label))


def _inputs(framework: Framework, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The framework's inputs in order, refusing the first one missing or out of range."""
    found: dict[str, Any] = {}
    for name in FRAMEWORK_INPUTS[framework]:
        value = inputs.get(name)
        if value is None:
            raise ScoreError(name, f"{INPUT_LABELS[name]} is missing for {framework.label}.")
        check_input(name, value)
        found[name] = value if name in CATEGORICAL_INPUTS else float(value)
    return found


def roi(
    *,
    value_per_month: float | Decimal | None,
    months: float | Decimal | None,
    cost: float | Decimal | None,
) -> tuple[float, float]:
    """Return (net, ratio): net = value per month × months − cost; ratio = net ÷ cost.

    Raises ScoreError naming the input that is missing or out of range (a cost of 0 included).
    """
    given = {"roi_value": value_per_month, "roi_months": months, "roi_cost": cost}
    values = _inputs(Framework.ROI, given)
    net = values["roi_value"] * values["roi_months"] - values["roi_cost"]
    ratio = net / values["roi_cost"]
    if not (math.isfinite(net) and math.isfinite(ratio)):
        raise ScoreError("roi_value", "The ROI is too large to compute.")
    return net, ratio


def compute(
    framework: Framework | str,
    inputs: Mapping[str, Any],
    *,
    formula: Formula | None = None,
) -> float:
    """Return the item's score under ``framework``; higher ranks first.

    ``inputs`` maps input names (and, for a custom formula, custom field keys) to values. Raises
    ScoreError naming the first missing or invalid input, or ``formula`` for a custom formula that
    is not set or cannot be evaluated. An unknown framework is a ValueError.
    """
    framework = Framework(framework)
    if framework == Framework.CUSTOM:
        if formula is None:
            raise ScoreError("formula", "No custom formula is set for this product.")
        try:
            return formula.evaluate(inputs)
        except FormulaError as exc:
            raise ScoreError("formula", str(exc)) from exc

    values = _inputs(framework, inputs)
    if framework == Framework.MOSCOW:
        return float(MOSCOW_RANK[values["moscow"]])
    if framework == Framework.KANO:
        return float(KANO_RANK[values["kano"]])
    if framework == Framework.ROI:
        _net, score = roi(
            value_per_month=values["roi_value"],
            months=values["roi_months"],
            cost=values["roi_cost"],
        )
    elif framework == Framework.RICE:
        score = values["reach"] * values["impact"] * (values["confidence"] / 100) / values["effort"]
    elif framework == Framework.WSJF:
        cost_of_delay = (
            values["business_value"] + values["time_criticality"] + values["risk_reduction"]
        )
        score = cost_of_delay / values["job_size"]
    elif framework == Framework.ICE:
        score = values["ice_impact"] * values["ice_confidence"] * values["ice_ease"]
    else:  # VALUE_EFFORT
        score = values["value"] / values["effort"]
    # Unbounded inputs (reach, value per month) can overflow a product or a tiny divisor.
    if not math.isfinite(score):
        first = FRAMEWORK_INPUTS[framework][0]
        raise ScoreError(first, f"The {framework.label} score is too large to compute.")
    return score


def quadrant(
    value: float | Decimal | None,
    effort: float | Decimal | None,
    *,
    value_mid: float = 5,
    effort_mid: float,
) -> Quadrant | None:
    """Place an item on the value vs effort matrix; None when either is unknown.

    A value equal to ``value_mid`` counts as high value; an effort equal to ``effort_mid`` counts
    as low effort, so a borderline item leans towards the more attractive quadrant.
    """
    if value is None or effort is None:
        return None
    high_value = value >= value_mid
    low_effort = effort <= effort_mid
    if high_value:
        return Quadrant.QUICK_WIN if low_effort else Quadrant.BIG_BET
    return Quadrant.FILL_IN if low_effort else Quadrant.MONEY_PIT


_DESCRIPTIONS: dict[Framework, str] = {
    Framework.RICE: "Reach × Impact × Confidence ÷ Effort",
    Framework.WSJF: "(Business value + Time criticality + Risk reduction) ÷ Job size",
    Framework.ICE: "Impact × Confidence × Ease",
    Framework.VALUE_EFFORT: "Value ÷ Effort",
    Framework.MOSCOW: "Must > Should > Could > Won't",
    Framework.KANO: "Must-be > Performance > Attractive > Indifferent > Reverse",
    Framework.ROI: "(Value per month × Months − Cost) ÷ Cost",
    Framework.CUSTOM: "The product's own formula",
}


def describe(framework: Framework | str) -> str:
    """Return the framework's formula in one line, for the UI."""
    return _DESCRIPTIONS[Framework(framework)]
