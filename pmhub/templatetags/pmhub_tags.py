"""Template helpers: safe Markdown, form widgets with classes, and the navigation bar."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe

from pmhub.audit import action_phrase
from pmhub.rendering import render_markdown

register = template.Library()

# The product areas in the navigation bar, shown once their app provides the named page.
NAV_SECTIONS = [
    ("Roadmap", "roadmaps:index", "/roadmap"),
    ("Backlog", "backlog:index", "/backlog"),
    ("Stakeholders", "stakeholders:index", "/stakeholders"),
    ("Metrics", "metrics:index", "/metrics"),
]


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Render user Markdown; the HTML is sanitized with an allow-list, so it is safe."""
    return mark_safe(render_markdown(text))  # noqa: S308 - sanitized by nh3 in render_markdown


@register.simple_tag
def field_with_class(field: BoundField, css: str) -> str:
    classes = [css]
    if field.errors:
        classes.append("is-invalid")
    return field.as_widget(attrs={"class": " ".join(classes)})


@register.simple_tag
def nav_sections() -> list[dict[str, str]]:
    sections = []
    for label, url_name, prefix in NAV_SECTIONS:
        try:
            sections.append({"label": label, "url": reverse(url_name), "prefix": prefix})
        except NoReverseMatch:
            continue  # that app's pages have not arrived yet: hide the link, never break it
    return sections


@register.simple_tag(takes_context=True)
def active_nav(context: template.Context, prefix: str) -> str:
    request = context.get("request")
    if request is None or request.resolver_match is None:
        return ""
    name = request.resolver_match.url_name or ""
    return "active" if name.startswith(prefix) or request.path.startswith(prefix) else ""


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: object) -> str:
    """The current query string with ``changes`` applied (keeps filters while paging)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@register.filter
def activity_phrase(action: str) -> str:
    return action_phrase(action)
