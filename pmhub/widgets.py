"""Form widgets drawn often enough that Django's per-option templates show in the page time.

Django renders a ``<select>`` through one template and then one more template per option: about
a millisecond for a dozen options. The backlog list draws a dozen such menus on every page and
every htmx redraw, so ``Select`` writes the same HTML in Python; so do the inputs
(``TextInput``, ``HiddenInput``, ``CheckboxInput``), two templates and ~0.2 ms each.
tests/pmhub/test_fast_paths.py compares each with Django's own rendering.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.widgets import Input
from django.utils.html import conditional_escape as escape
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict[str, Any]) -> str:
    """``attrs`` as Django's ``attrs.html`` writes them: ``True`` bare, ``False`` left out."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _option(value: Any, label: Any, selected: bool) -> str:
    mark = " selected" if selected else ""
    return f'<option value="{escape(value)}"{mark}>{escape(label)}</option>'


class Select(forms.Select):
    """``django.forms.Select`` writing the HTML of its templates without them: the same
    attributes, the same selected option (the first match unless multiple), optgroups."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final["multiple"] = True
        values = set(self.format_value(value))
        parts = [f'<select name="{escape(name)}"{_attrs(final)}>']
        found = False
        for option_value, option_label in self.choices:
            group = isinstance(option_label, (list, tuple))
            options = option_label if group else [(option_value, option_label)]
            if group:
                parts.append(f'<optgroup label="{escape(option_value)}">')
            for sub_value, sub_label in options:
                sub_value = "" if sub_value is None else sub_value
                selected = (not found or self.allow_multiple_selected) and str(sub_value) in values
                found = found or selected
                parts.append(_option(sub_value, sub_label, selected))
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every name, value and label is escaped)


class _PythonInput(Input):
    """An ``<input>`` as Django's ``input.html`` writes it, without the template."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else f' value="{escape(str(widget["value"]))}"'
        kind, named = escape(widget["type"]), escape(widget["name"])
        html = f'<input type="{kind}" name="{named}"{shown}{_attrs(widget["attrs"])}>'
        return mark_safe(html)  # noqa: S308 (every name, value and attribute is escaped)


class TextInput(_PythonInput, forms.TextInput):
    pass


class HiddenInput(_PythonInput, forms.HiddenInput):
    pass


class CheckboxInput(_PythonInput, forms.CheckboxInput):
    pass
