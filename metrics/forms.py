"""HTML forms of the metrics app. They validate shape; services enforce the rules."""

from __future__ import annotations

from datetime import date

from django import forms

from metrics.models import Interval


class WriteKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="Where the events come from, e.g. “web app” or “backend”.",
    )


class AnnotationForm(forms.Form):
    """A note on the dashboard's charts; ``query`` carries the range the form was sent from."""

    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(max_length=200, label="Note", help_text="e.g. “v2.3 shipped”")
    url = forms.URLField(max_length=500, required=False, label="Link", assume_scheme="https")
    query = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)


# The dashboard reads at most this many days at once (like the series API), from sane years only.
DASHBOARD_MAX_DAYS = 1100
_EARLIEST, _LATEST = date(2000, 1, 1), date(2199, 12, 31)
QUICK_RANGES = (30, 90, 180)


class DashboardRangeForm(forms.Form):
    """The KPI dashboard's query: ``from``/``to`` dates, or the last ``days`` days, and an interval.

    ``days`` (a quick range, ending on the product's last day with data) wins over ``from``/``to``.
    """

    interval = forms.ChoiceField(choices=Interval.choices, required=False)
    to = forms.DateField(required=False)
    days = forms.IntegerField(required=False, min_value=1, max_value=DASHBOARD_MAX_DAYS)

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        for name in ("from", "to"):
            day = data.get(name)
            if day is not None and not _EARLIEST <= day <= _LATEST:
                self.add_error(name, f"Pick a date between {_EARLIEST} and {_LATEST}.")
        if data.get("days"):
            data["from"] = data["to"] = None
            return data
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("from", "The start date must not be after the end date.")
        elif start and end and (end - start).days >= DASHBOARD_MAX_DAYS:
            self.add_error("from", f"A dashboard spans at most {DASHBOARD_MAX_DAYS} days.")
        return data


# ``from`` is a Python keyword, so the field is declared by name (the URL uses ``from``).
DashboardRangeForm.base_fields["from"] = forms.DateField(required=False)
