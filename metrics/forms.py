"""HTML forms of the metrics app. They validate shape; services enforce the rules."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from metrics.models import ChartKind, Experiment, Interval, Metric
from pmhub.models import Product


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


# The browser's date-and-time picker sends and shows "2025-03-01T09:30".
DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ExperimentForm(forms.Form):
    """An experiment's definition; the minimum detectable effect is typed in percent.

    ``status`` (draft or running) is offered only when creating: later it moves with the Start
    and Stop buttons.
    """

    key = forms.SlugField(
        max_length=60, help_text="Its id in the URL and the API, e.g. “checkout”."
    )
    name = forms.CharField(max_length=120)
    hypothesis = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you expect to happen, and why.",
    )
    exposure_event = forms.CharField(
        max_length=200, help_text="The track event your product sends when someone sees a variant."
    )
    variant_property = forms.CharField(
        max_length=200, initial="variant", help_text="The exposure's property naming the variant."
    )
    control_variant = forms.CharField(max_length=200, initial="control")
    conversion_event = forms.CharField(
        max_length=200, help_text="The track event that counts as a conversion."
    )
    start = forms.DateTimeField(label="Start (UTC)", widget=DATETIME_LOCAL)
    end = forms.DateTimeField(
        label="End (UTC)",
        required=False,
        widget=DATETIME_LOCAL,
        help_text="Blank while it runs: results count up to now.",
    )
    minimum_detectable_effect = forms.FloatField(
        label="Minimum detectable effect (%)",
        initial=10,
        min_value=0.01,
        max_value=1000,
        help_text="The smallest relative change of the conversion rate worth detecting: 10 means "
        "10 % (e.g. 5.0 % → 5.5 %). It sets the sample size needed.",
    )
    status = forms.ChoiceField(
        choices=[("draft", "Draft: not started yet"), ("running", "Running: started")],
        initial="draft",
    )

    def __init__(self, *args, experiment: Experiment | None = None, **kwargs) -> None:
        if experiment is not None:
            kwargs.setdefault(
                "initial",
                {name: getattr(experiment, name) for name in self.base_fields}
                | {"minimum_detectable_effect": experiment.minimum_detectable_effect * 100},
            )
        super().__init__(*args, **kwargs)
        if experiment is not None:
            del self.fields["status"]

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as the experiment services take it (the effect as a fraction)."""
        data = dict(self.cleaned_data)
        data["minimum_detectable_effect"] = data["minimum_detectable_effect"] / 100
        return data


class DecisionForm(forms.Form):
    decision = forms.CharField(
        label="What was decided",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Ship, iterate or roll back, and why.",
    )


class DashboardForm(forms.Form):
    """A new dashboard: of a product of the workspace, or (blank) of the workspace itself."""

    name = forms.CharField(max_length=120)
    product = forms.ModelChoiceField(
        queryset=Product.objects.none(),
        required=False,
        empty_label="The whole workspace",
        help_text="Whose metrics its tiles show.",
    )

    def __init__(self, *args: Any, products: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products  # type: ignore[attr-defined]


class TileForm(forms.Form):
    """A tile to add: one of the dashboard's metrics, drawn as ``kind``."""

    metric = forms.ModelChoiceField(queryset=Metric.objects.none())
    kind = forms.ChoiceField(choices=ChartKind.choices, initial=ChartKind.LINE, label="Chart")
    interval = forms.ChoiceField(choices=Interval.choices, initial=Interval.DAY)
    width = forms.TypedChoiceField(
        choices=[(1, "1 column"), (2, "2 columns"), (3, "3 columns")], coerce=int, initial=1
    )

    def __init__(self, *args: Any, metrics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metric"].queryset = metrics  # type: ignore[attr-defined]


class TileChangeForm(forms.Form):
    """A tile's new width (or kind, or interval); what is left out stays."""

    kind = forms.ChoiceField(choices=ChartKind.choices, required=False)
    interval = forms.ChoiceField(choices=Interval.choices, required=False)
    width = forms.TypedChoiceField(
        choices=[(1, "1"), (2, "2"), (3, "3")], coerce=int, required=False, empty_value=None
    )


class TileMoveForm(forms.Form):
    position = forms.IntegerField(min_value=0, max_value=10_000)
