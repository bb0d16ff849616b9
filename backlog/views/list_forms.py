"""HTML forms of the backlog list: the filter bar, quick add, the inline edit of a row, the bulk
bar, moves and saved views. They validate shape; the services enforce the rules (their refusals
are shown on the field they name with ``pmhub.forms.add_service_error``).

Every choice offered (labels, members, initiatives, releases, sprints) comes from one
``ListOptions`` read per request, so the page's query count does not depend on the forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.models import User

from backlog.models import (
    CLOSED_STATUSES,
    BacklogSettings,
    EstimationScale,
    Item,
    ItemKind,
    Label,
    Sprint,
    SprintStatus,
    Status,
)
from backlog.scoring import CATEGORICAL_INPUTS, FRAMEWORK_INPUTS, INPUT_LABELS, Framework
from backlog.selectors import ItemFilters, list_menus
from backlog.services.scores import SCALE_POINTS, TSHIRT_POINTS
from pmhub.models import Product
from pmhub.widgets import CheckboxInput, HiddenInput, Select, TextInput
from roadmaps.models import Initiative, Release

NONE = "none"  # the query-string value of "unassigned" / "not in a sprint" / "no release"
OPEN = "open"  # every status but done and won't do

# The list's sorts (keys of backlog.selectors.SORTS) as the sort menu offers them.
SORT_CHOICES = (
    ("rank", "Rank (manual)"),
    ("score", "Score, highest first"),
    ("-score", "Score, lowest first"),
    ("estimate", "Estimate, smallest first"),
    ("-estimate", "Estimate, largest first"),
    ("-created", "Newest first"),
    ("created", "Oldest first"),
    ("updated", "Recently updated"),
    ("title", "Title"),
)


@dataclass
class ListOptions:
    """What the page's menus offer: the product's labels, initiatives, releases and sprints,
    and the workspace's members, all read by one statement (``backlog.selectors.list_menus``)."""

    labels: list[Label]
    members: list[User]
    initiatives: list[Initiative]
    releases: list[Release]
    sprints: list[Sprint]

    @classmethod
    def load(cls, product: Product) -> ListOptions:
        menus = list_menus(product)
        return cls(
            labels=menus["label"],
            members=menus["member"],
            initiatives=menus["initiative"],
            releases=menus["release"],
            sprints=menus["sprint"],
        )

    def open_sprints(self) -> list[Sprint]:
        return [sprint for sprint in self.sprints if sprint.status != SprintStatus.CLOSED]


def _pk_choices(rows: list[Any], attr: str = "name") -> list[tuple[str, str]]:
    return [(str(row.pk), str(getattr(row, attr))) for row in rows]


def _select(label: str, choices: list[tuple[str, str]], empty: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", empty), *choices],
        widget=Select(attrs={"class": "form-select form-select-sm"}),
    )


class FilterForm(forms.Form):
    """The filter bar; every field is one query-string parameter. A value that is not one of
    the choices (a deleted label, a typo) is an error on its field and that filter is off."""

    def __init__(self, data: Any, *, options: ListOptions) -> None:
        super().__init__(data, auto_id="filter_%s")
        self.fields["q"] = forms.CharField(
            label="Search",
            required=False,
            max_length=200,
            widget=TextInput(
                attrs={
                    "type": "search",
                    "class": "form-control form-control-sm",
                    "placeholder": "Search titles and descriptions",
                }
            ),
        )
        self.fields["kind"] = _select("Type", list(ItemKind.choices), "Any type")
        self.fields["status"] = _select(
            "Status", [(OPEN, "Open (not done)"), *Status.choices], "Any status"
        )
        self.fields["label"] = _select("Label", _pk_choices(options.labels), "Any label")
        self.fields["assignee"] = _select(
            "Assignee",
            [(NONE, "Unassigned"), *_pk_choices(options.members, "username")],
            "Anyone",
        )
        self.fields["initiative"] = _select(
            "Initiative", _pk_choices(options.initiatives, "title"), "Any initiative"
        )
        self.fields["release"] = _select("Release", _pk_choices(options.releases), "Any release")
        self.fields["sprint"] = _select(
            "Sprint", [(NONE, "Not in a sprint"), *_pk_choices(options.sprints)], "Any sprint"
        )
        self.fields["sort"] = forms.ChoiceField(
            label="Sort",
            required=False,
            choices=SORT_CHOICES,
            widget=Select(attrs={"class": "form-select form-select-sm"}),
        )

    def filters(self) -> tuple[ItemFilters, str]:
        """The valid part of the bar as ``ItemFilters`` and the sort (``rank`` by default)."""
        self.is_valid()
        data = self.cleaned_data
        filters = ItemFilters(q=data.get("q") or "")
        if data.get("kind"):
            filters.kind = [data["kind"]]
        status = data.get("status")
        if status == OPEN:
            filters.status = [s for s in Status.values if s not in CLOSED_STATUSES]
        elif status:
            filters.status = [status]
        if data.get("label"):
            filters.label = [int(data["label"])]
        assignee = data.get("assignee")
        if assignee == NONE:
            filters.unassigned = True
        elif assignee:
            filters.assignee = [int(assignee)]
        for name in ("initiative", "release"):
            if data.get(name):
                setattr(filters, name, int(data[name]))
        sprint = data.get("sprint")
        if sprint == NONE:
            filters.in_backlog = True
        elif sprint:
            filters.sprint = int(sprint)
        return filters, data.get("sort") or "rank"

    @property
    def active(self) -> bool:
        """Whether any filter (not the sort) narrows the list."""
        return any(self.cleaned_data.get(name) for name in self.fields if name != "sort")


class QuickAddForm(forms.Form):
    """The one-line form at the top of the list: a title and a type."""

    title = forms.CharField(
        max_length=200,
        widget=TextInput(
            attrs={
                "placeholder": "Add an item: type a title and press Enter",
                "autocomplete": "off",
            }
        ),
    )
    kind = forms.ChoiceField(
        label="Type", choices=ItemKind.choices, initial=ItemKind.STORY, widget=Select()
    )

    def __init__(self, data: Any = None) -> None:
        super().__init__(data, auto_id="quick_%s")


def estimate_choices(scale: str) -> list[tuple[str, str]]:
    """The estimates a product's scale allows, as the menu shows them (T-shirt sizes by name)."""
    names = {points: size for size, points in TSHIRT_POINTS.items()}
    return [
        (f"{points:g}", names[points] if scale == EstimationScale.TSHIRT else f"{points:g}")
        for points in SCALE_POINTS.get(scale, ())
    ]


def _estimate(value: str) -> float:
    return float(value)


class InlineForm(forms.Form):
    """A row in edit mode: title, status, estimate and the current framework's score inputs.

    The status menu offers the item's status and the next ones its workflow allows, but any
    status is accepted here so that the service, not the form, says why a transition is refused.
    """

    title = forms.CharField(max_length=200)
    status = forms.ChoiceField(choices=Status.choices)

    def __init__(
        self,
        data: Any = None,
        *,
        item: Item,
        settings: BacklogSettings,
        next_statuses: list[str],
    ) -> None:
        self.inputs = FRAMEWORK_INPUTS[Framework(settings.framework)]
        initial: dict[str, Any] = {"title": item.title, "status": item.status}
        initial["estimate"] = "" if item.estimate is None else f"{item.estimate:g}"
        for name in self.inputs:
            initial[name] = getattr(item, name)
        super().__init__(data, initial=initial, prefix=f"item-{item.pk}")
        offered = [item.status, *next_statuses]
        self.fields["status"].widget.choices = [(s, Status(s).label) for s in offered]
        self.fields["estimate"] = forms.TypedChoiceField(
            required=False,
            choices=[("", "–"), *estimate_choices(settings.scale)],
            coerce=_estimate,
            empty_value=None,
        )
        for name in self.inputs:
            label = INPUT_LABELS[name]
            if name in CATEGORICAL_INPUTS:
                self.fields[name] = forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=[("", "–"), *CATEGORICAL_INPUTS[name].choices],
                )
            elif name == "roi_months":
                self.fields[name] = forms.IntegerField(label=label, required=False)
            else:
                self.fields[name] = forms.FloatField(
                    label=label, required=False, widget=forms.NumberInput(attrs={"step": "any"})
                )

    def score_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.inputs]


class MoveForm(forms.Form):
    """Where a dropped row goes: above ``before``, below ``after``, or ``top`` / ``bottom``."""

    before = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    after = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    position = forms.ChoiceField(
        required=False, choices=[("", ""), ("top", "Top"), ("bottom", "Bottom")]
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [name for name in ("before", "after", "position") if data.get(name)]
        if len(given) != 1:
            raise forms.ValidationError("Say where: before an item, after one, top or bottom.")
        return data


BULK_ACTIONS = (
    ("status", "Set status"),
    ("label", "Add label"),
    ("sprint", "Set sprint"),
    ("release", "Set release"),
    ("assignee", "Set assignee"),
    ("delete", "Delete"),
)
MAX_BULK = 500


class IdsField(forms.Field):
    """Repeated ids (``items=3&items=8``); the view reads them from the product only."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": "Select one or more items first."}

    def to_python(self, value: Any) -> list[int]:
        try:
            ids = [int(v) for v in value or []]
        except (TypeError, ValueError):
            raise forms.ValidationError("Items are given by their ids.") from None
        if any(not 0 < pk < 2**63 for pk in ids):
            raise forms.ValidationError("Items are given by their ids.")
        return list(dict.fromkeys(ids))


class BulkForm(forms.Form):
    """The bulk bar: the checked items, what to do, and the value for that action."""

    items = IdsField()
    action = forms.ChoiceField(choices=BULK_ACTIONS)

    def __init__(self, data: Any = None, *, options: ListOptions) -> None:
        super().__init__(data, auto_id="bulk_%s")
        self.fields["status"] = _select("Status", list(Status.choices), "Status…")
        self.fields["label"] = _select("Label", _pk_choices(options.labels), "Label…")
        self.fields["sprint"] = _select(
            "Sprint", [(NONE, "No sprint"), *_pk_choices(options.open_sprints())], "Sprint…"
        )
        self.fields["release"] = _select(
            "Release", [(NONE, "No release"), *_pk_choices(options.releases)], "Release…"
        )
        self.fields["assignee"] = _select(
            "Assignee",
            [(NONE, "Unassigned"), *_pk_choices(options.members, "username")],
            "Assignee…",
        )
        self.options = options

    def clean_items(self) -> list[int]:
        items = self.cleaned_data["items"]
        if len(items) > MAX_BULK:
            raise forms.ValidationError(f"Select at most {MAX_BULK} items at once.")
        return items

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action and action != "delete" and not data.get(action):
            self.add_error(action, f"Choose the {action} to set.")
        return data

    def value(self) -> Any:
        """The action's value as the service takes it: a model, None for "none", a status."""
        action = self.cleaned_data["action"]
        raw = self.cleaned_data.get(action)
        if action == "status" or raw == NONE:
            return None if raw == NONE else raw
        choices: dict[str, Any] = {
            "label": self.options.labels,
            "sprint": self.options.sprints,
            "release": self.options.releases,
            "assignee": self.options.members,
        }
        rows = choices[action]
        return next(row for row in rows if str(row.pk) == raw)


class SavedViewForm(forms.Form):
    name = forms.CharField(max_length=80, widget=TextInput)
    query = forms.CharField(max_length=1000, required=False, widget=HiddenInput)
    shared = forms.BooleanField(required=False, label="Share with the team", widget=CheckboxInput)

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, auto_id="view_%s", **kwargs)
