"""HTML forms of the metrics app. They validate shape; services enforce the rules."""

from __future__ import annotations

from django import forms


class WriteKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="Where the events come from, e.g. “web app” or “backend”.",
    )
