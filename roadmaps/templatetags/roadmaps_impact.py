"""The impact review of an initiative, for its page: ``{% load roadmaps_impact %}{% impact_panel
initiative %}`` (the metrics of the key results it serves, before and after each release that
carried it shipped)."""

from __future__ import annotations

from typing import Any

from django import template

from roadmaps.impact import impact_review
from roadmaps.models import Initiative

register = template.Library()


@register.inclusion_tag("roadmaps/_impact.html")
def impact_panel(initiative: Initiative) -> dict[str, Any]:
    """Render ``roadmaps/_impact.html`` with ``impact_review(initiative)`` (three queries)."""
    return {"impacts": impact_review(initiative)}
