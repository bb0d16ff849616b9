"""Template helpers of the event explorer, the KPI dashboards and the experiments."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

if TYPE_CHECKING:
    from metrics.services.experiments import VariantResult

register = template.Library()


@register.filter
def pretty_json(value: Any) -> str:
    """Indented JSON for reading (the template escapes it like any other text)."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


@register.filter
def join_keys(value: Any, limit: int = 4) -> str:
    """``{"plan": …, "company": …}`` → ``"plan, company"`` (the first few keys, then "…")."""
    if not isinstance(value, dict):
        return ""
    keys = [str(key) for key in value]
    return ", ".join(keys[:limit]) + (", …" if len(keys) > limit else "")


# --- KPI dashboards ------------------------------------------------------------------------------


def bucket_label(day: date, interval: str, *, short: bool = False) -> str:
    """``2025-03-03`` → "3 Mar 2025", "Week of 3 Mar 2025" or "March 2025" (short: "3 Mar")."""
    if interval == "month":
        return f"{day:%b %Y}" if short else f"{day:%B %Y}"
    label = f"{day.day} {day:%b}" if short else f"{day.day} {day:%b %Y}"
    return f"Week of {label}" if interval == "week" and not short else label


@register.filter(name="bucket_label")
def bucket_label_filter(day: date | None, interval: str) -> str:
    return bucket_label(day, interval) if day else ""


@register.filter
def kpi_value(value: float | None, value_format: str) -> str:
    """A KPI as people read it: shares in %, money and ratios to 2 decimals, counts with commas."""
    if not isinstance(value, int | float):  # None (no value), or "" for a missing bucket
        return "—"
    if value_format == "percent":
        return f"{value * 100:.1f}%"
    if value_format == "decimal":
        return f"{value:,.2f}"
    return f"{value:,.0f}"


@register.filter
def kpi_change(change: float | None, value_format: str) -> str:
    """A change without its sign (the arrow says it): "12.5%", or "1.2 pp" for shares."""
    if not isinstance(change, int | float):
        return ""
    if value_format == "percent":
        return f"{abs(change) * 100:.1f} pp"
    return f"{abs(change) * 100:.1f}%"


@register.simple_tag
def sparkline(points: list[tuple[date, float | None]], width: int = 120, height: int = 32) -> dict:
    """SVG paths of a small line chart (and the area under it) in a ``width``×``height`` box.

    Missing values break the line. Fewer than two values: no paths.
    """
    values = [value for _, value in points]
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return {}
    low, high = min(known), max(known)
    spread = (high - low) or 1.0
    step = width / (len(values) - 1)
    pad = 2

    def y(value: float) -> float:
        return pad + (height - 2 * pad) * (1 - (value - low) / spread)

    segments: list[list[tuple[float, float]]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append((index * step, y(value)))
    line = " ".join(
        "M" + " L".join(f"{x:.1f},{yy:.1f}" for x, yy in segment) for segment in segments if segment
    )
    area = " ".join(
        f"M{segment[0][0]:.1f},{height} "
        + " ".join(f"L{x:.1f},{yy:.1f}" for x, yy in segment)
        + f" L{segment[-1][0]:.1f},{height} Z"
        for segment in segments
        if len(segment) > 1
    )
    last_x, last_y = next(s for s in reversed(segments) if s)[-1]
    return {
        "line": line,
        "area": area,
        "end_x": f"{last_x:.1f}",
        "end_y": f"{last_y:.1f}",
        "width": width,
        "height": height,
    }


@register.filter
def bucket_short(day: date | None, interval: str) -> str:
    """A bucket in few words, as an axis or a "vs …" reads it: "3 Mar", "Mar 2025"."""
    return bucket_label(day, interval, short=True) if day else ""


@register.filter
def ago(moment: datetime | None) -> str:
    """When something happened, as "just now" or "5 minutes ago"."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"


# --- Experiments ---------------------------------------------------------------------------------


@register.filter
def signed_percent(value: float | None, points: bool = False) -> str:
    """A change as "+12.3%" (or "+2.1 pp" with ``points``); "—" when there is none."""
    if not isinstance(value, int | float):
        return "—"
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return f"{sign}{abs(value) * 100:.1f}{' pp' if points else '%'}"


@register.filter
def p_value(value: float | None) -> str:
    """A p-value as people quote it: "0.031", "< 0.001"; "—" when it can't be computed."""
    if not isinstance(value, int | float):
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


@dataclass(frozen=True)
class Verdict:
    tone: str  # a Bootstrap colour: success, danger, secondary
    label: str
    text: str


@register.filter
def verdict(variant: VariantResult | None) -> Verdict:
    """What a variant's result means against the control, in words a PM can act on."""
    comparison = variant.comparison if variant is not None else None
    if variant is None or variant.is_control:
        return Verdict("secondary", "Control", "The baseline every other variant is compared with.")
    if comparison is None or comparison.p_value is None:
        return Verdict(
            "secondary",
            "Not enough data",
            "Too few users or conversions yet to compare it with the control.",
        )
    if comparison.significant:
        better = comparison.difference > 0
        return Verdict(
            "success" if better else "danger",
            "Better than control" if better else "Worse than control",
            f"{variant.variant} converts {'better' if better else 'worse'} than the control, and "
            f"the difference is statistically significant (p = {p_value(comparison.p_value)}): "
            "were the variants alike, a gap this large would show up less than 5 % of the time.",
        )
    return Verdict(
        "secondary",
        "No clear difference",
        f"The difference could be chance (p = {p_value(comparison.p_value)}, not below 0.05). "
        "Keep the experiment running until every variant reaches the sample size, or treat the "
        "variants as equal.",
    )
