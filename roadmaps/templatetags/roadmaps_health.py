"""The health panel of an initiative or objective, for the pages that show one:
``{% load roadmaps_health %}{% health_panel initiative %}``; and ``health_tone`` for badges."""

from __future__ import annotations

from typing import Any

from django import template

from roadmaps.models import Health, Initiative, Objective
from roadmaps.views.health import health_panel_context

register = template.Library()

TONES: dict[str, str] = {
    Health.ON_TRACK: "success",
    Health.AT_RISK: "warning",
    Health.OFF_TRACK: "danger",
}


@register.inclusion_tag("roadmaps/_health.html", takes_context=True)
def health_panel(context: template.Context, subject: Initiative | Objective) -> dict[str, Any]:
    """The subject's health, its latest updates and (for those who may) the update form."""
    request = context.get("request")
    panel = health_panel_context(subject, next_url=request.get_full_path() if request else "")
    return panel | {"can": context.get("can"), "csrf_token": context.get("csrf_token")}


@register.filter
def health_tone(health: str | None) -> str:
    """The Bootstrap colour of a health: success, warning, danger (secondary when unset)."""
    return TONES.get(health or "", "secondary")
