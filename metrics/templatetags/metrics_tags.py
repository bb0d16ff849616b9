"""Template helpers of the event explorer."""

from __future__ import annotations

import json
from typing import Any

from django import template

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
