"""HTML forms of the backlog's item, settings, custom field and label pages. They validate shape;
the services enforce the rules (their refusals are shown on the field they name with
``service_error``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from backlog.models import (
    BacklogSettings,
    CustomField,
    EstimationScale,
    FieldKind,
    Item,
    ItemKind,
    Label,
    Sprint,
    SprintStatus,
    Status,
)
from backlog.scoring import (
    FRAMEWORK_INPUTS,
    INPUT_LABELS,
    RICE_IMPACTS,
    Framework,
    Kano,
    MoSCoW,
    describe,
)
from backlog.services.items import SCORE_INPUTS, TRANSITIONS
from backlog.services.scores import SCALE_POINTS, TSHIRT_POINTS
from pmhub.errors import ApplicationError
from pmhub.models import Product
from roadmaps.models import Initiative, Release

User = get_user_model()
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CUSTOM_PREFIX = "custom_"
WIP_PREFIX = "wip_"

# What each input's field says about its range (the services check it).
INPUT_HELP: dict[str, str] = {
    "reach": "People or events per period.",
    "impact": ", ".join(f"{n:g}" for n in RICE_IMPACTS) + ".",
    "confidence": "0 to 100 %.",
    "effort": "Person-months (or your unit); more than 0.",
    "job_size": "More than 0.",
    "ice_impact": "1 to 10.",
    "ice_confidence": "1 to 10.",
    "ice_ease": "1 to 10.",
    "value": "0 to 10.",
    "roi_months": "1 to 120.",
    "roi_cost": "More than 0.",
}


ACCEPTANCE_HELP = "One per line; start a line with [x] when it is met."


def parse_acceptance(text: str) -> list[dict[str, Any]]:
    """Acceptance criteria from lines of text: "[x] …" is met, "[ ] …" or plain text is not."""
    criteria = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        done = line[:3].lower() == "[x]"
        text_ = line[3:].strip() if done or line.startswith("[ ]") else line
        criteria.append({"text": text_, "done": done})
    return criteria


def acceptance_text(criteria: list[dict[str, Any]]) -> str:
    """The criteria as the lines ``parse_acceptance`` reads."""
    return "\n".join(("[x] " if c.get("done") else "") + c.get("text", "") for c in criteria)


def service_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Show a service's refusal on the field it names: ``custom.<key>`` is the custom field's
    input, ``wip_limits`` the form as a whole; anything unknown goes on the form."""
    field = error.field or ""
    if field.startswith("custom."):
        field = CUSTOM_PREFIX + field.removeprefix("custom.")
    form.add_error(field if field in form.fields else None, error.message)


def _members(product: Product) -> Any:
    return User.objects.filter(memberships__workspace=product.workspace_id).order_by("username")


def estimate_choices(scale: str) -> list[tuple[str, str]]:
    """The estimates a scale allows, as select choices (T-shirt sizes by name)."""
    if scale == EstimationScale.TSHIRT:
        return [("", "Not estimated")] + [
            (f"{p:g}", f"{s} ({p:g})") for s, p in TSHIRT_POINTS.items()
        ]
    return [("", "Not estimated")] + [(f"{p:g}", f"{p:g}") for p in SCALE_POINTS[scale]]


def custom_form_field(field: CustomField) -> forms.Field:
    """The form field of a custom field, by its kind."""
    common: dict[str, Any] = {"required": False, "label": field.name}
    if field.kind == FieldKind.NUMBER:
        return forms.FloatField(**common)
    if field.kind == FieldKind.SELECT:
        choices = [("", "—")] + [(o, o) for o in field.options]
        return forms.ChoiceField(choices=choices, **common)
    if field.kind == FieldKind.DATE:
        return forms.DateField(widget=DATE, **common)
    if field.kind == FieldKind.CHECKBOX:
        return forms.NullBooleanField(widget=forms.NullBooleanSelect, **common)
    return forms.CharField(max_length=500, **common)


def _score_field(name: str) -> forms.Field:
    label, help_text = INPUT_LABELS[name], INPUT_HELP.get(name, "")
    if name == "moscow":
        return forms.ChoiceField(choices=[("", "—"), *MoSCoW.choices], required=False, label=label)
    if name == "kano":
        return forms.ChoiceField(choices=[("", "—"), *Kano.choices], required=False, label=label)
    if name == "roi_months":
        return forms.IntegerField(required=False, label=label, help_text=help_text)
    return forms.FloatField(required=False, label=label, help_text=help_text)


def framework_groups(current: str) -> list[tuple[Framework, tuple[str, ...]]]:
    """Each framework with the inputs it reads, the product's own first; an input shared by two
    frameworks (effort) appears under the first of them only."""
    order = [Framework(current)] + [f for f in Framework if f != current]
    seen: set[str] = set()
    groups = []
    for framework in order:
        names = tuple(n for n in FRAMEWORK_INPUTS[framework] if n not in seen)
        seen.update(names)
        if names:
            groups.append((framework, names))
    return groups


class ItemForm(forms.Form):
    """Every field of an item: the basics, the custom fields by kind and the scoring inputs of
    every framework. Status offers the current one and where the workflow lets it go."""

    kind = forms.ChoiceField(choices=ItemKind.choices)
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 6}), help_text="Markdown."
    )
    acceptance = forms.CharField(
        required=False,
        label="Acceptance criteria",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=ACCEPTANCE_HELP,
    )
    status = forms.ChoiceField(choices=Status.choices)
    estimate = forms.TypedChoiceField(
        choices=(), required=False, coerce=float, empty_value=None, label="Estimate (points)"
    )
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    reporter = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    labels = forms.ModelMultipleChoiceField(
        queryset=Label.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    parent = forms.ModelChoiceField(queryset=Item.objects.none(), required=False)
    initiative = forms.ModelChoiceField(queryset=Initiative.objects.none(), required=False)
    release = forms.ModelChoiceField(queryset=Release.objects.none(), required=False)
    sprint = forms.ModelChoiceField(queryset=Sprint.objects.none(), required=False)

    BASIC = (
        "kind",
        "title",
        "description",
        "acceptance",
        "status",
        "estimate",
        "assignee",
        "reporter",
        "labels",
        "parent",
        "initiative",
        "release",
        "sprint",
    )

    def __init__(
        self,
        *args: Any,
        item: Item,
        settings: BacklogSettings,
        custom_fields: list[CustomField],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        product = item.product
        self.item, self.custom_fields = item, custom_fields
        allowed = {item.status} | set(TRANSITIONS[item.status])
        self.fields["status"].choices = [c for c in Status.choices if c[0] in allowed]  # type: ignore[attr-defined]
        self.fields["estimate"].choices = estimate_choices(settings.scale)  # type: ignore[attr-defined]
        for name in ("assignee", "reporter"):
            self.fields[name].queryset = _members(product)  # type: ignore[attr-defined]
        self.fields["labels"].queryset = Label.objects.filter(product=product)  # type: ignore[attr-defined]
        self.fields["parent"].queryset = (  # type: ignore[attr-defined]
            Item.objects.filter(product=product).exclude(pk=item.pk).order_by("rank")
        )
        self.fields["initiative"].queryset = Initiative.objects.filter(  # type: ignore[attr-defined]
            product=product
        ).order_by("title")
        self.fields["release"].queryset = Release.objects.filter(  # type: ignore[attr-defined]
            product=product
        ).order_by("target_date")
        self.fields["sprint"].queryset = Sprint.objects.filter(  # type: ignore[attr-defined]
            Q(product=product) & (~Q(status=SprintStatus.CLOSED) | Q(pk=item.sprint_id))
        ).order_by("starts_on")
        for field in custom_fields:
            self.fields[CUSTOM_PREFIX + field.key] = custom_form_field(field)
        self.groups = framework_groups(settings.framework)
        for _framework, names in self.groups:
            for name in names:
                self.fields[name] = _score_field(name)

    @classmethod
    def for_item(
        cls,
        item: Item,
        settings: BacklogSettings,
        custom_fields: list[CustomField],
        data: Any = None,
    ) -> ItemForm:
        initial: dict[str, Any] = {
            name: getattr(item, name)
            for name in ("kind", "title", "description", "status", *SCORE_INPUTS)
        }
        initial["acceptance"] = acceptance_text(item.acceptance)
        initial["estimate"] = "" if item.estimate is None else f"{item.estimate:g}"
        for name in ("assignee", "reporter", "parent", "initiative", "release", "sprint"):
            initial[name] = getattr(item, f"{name}_id")
        initial["labels"] = [label.pk for label in item.labels.all()]
        for field in custom_fields:
            initial[CUSTOM_PREFIX + field.key] = (item.custom or {}).get(field.key)
        return cls(data, initial=initial, item=item, settings=settings, custom_fields=custom_fields)

    def basic_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.BASIC]

    def custom_bound_fields(self) -> list[forms.BoundField]:
        return [self[CUSTOM_PREFIX + field.key] for field in self.custom_fields]

    def score_sections(self) -> list[dict[str, Any]]:
        """The scoring inputs per framework for the template, the product's framework first."""
        return [
            {
                "framework": framework,
                "describe": describe(framework),
                "fields": [self[name] for name in names],
            }
            for framework, names in self.groups
        ]

    def clean_acceptance(self) -> list[dict[str, Any]]:
        return parse_acceptance(self.cleaned_data["acceptance"])

    def service_fields(self) -> tuple[dict[str, Any], list[Label]]:
        """The cleaned data as item_update's keyword arguments, and the labels apart."""
        data = dict(self.cleaned_data)
        labels = list(data.pop("labels"))
        custom: dict[str, Any] = {}
        for field in self.custom_fields:
            value = data.pop(CUSTOM_PREFIX + field.key)
            if isinstance(value, date):
                value = value.isoformat()
            custom[field.key] = value
        data["custom"] = custom
        for name in ("moscow", "kano"):
            data[name] = data.get(name) or ""
        return data, labels


class AcceptanceForm(forms.Form):
    """The acceptance criteria edited on the item page: one per line, [x] marks a met one."""

    acceptance = forms.CharField(
        required=False,
        label="Acceptance criteria",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=ACCEPTANCE_HELP,
    )

    def clean_acceptance(self) -> list[dict[str, Any]]:
        return parse_acceptance(self.cleaned_data["acceptance"])


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)


class TickForm(forms.Form):
    done = forms.BooleanField(required=False)


class SettingsForm(forms.Form):
    """How the product prioritizes and estimates, and its board's WIP limits."""

    framework = forms.ChoiceField(choices=Framework.choices, widget=forms.RadioSelect)
    formula = forms.CharField(
        required=False,
        max_length=500,
        label="Custom formula",
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "class": "font-monospace"}),
        help_text=(
            "Arithmetic over the numeric inputs and your number or checkbox fields, e.g. "
            "<code>reach * impact / effort^0.5</code>; functions sqrt, log, abs, min, max."
        ),
    )
    scale = forms.ChoiceField(choices=EstimationScale.choices, label="Estimation scale")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for status in Status:
            self.fields[WIP_PREFIX + status.value] = forms.IntegerField(
                required=False, min_value=1, max_value=10_000, label=status.label
            )

    @classmethod
    def for_settings(cls, settings: BacklogSettings, data: Any = None) -> SettingsForm:
        initial: dict[str, Any] = {
            "framework": settings.framework,
            "formula": settings.formula,
            "scale": settings.scale,
        }
        for status, limit in (settings.wip_limits or {}).items():
            initial[WIP_PREFIX + status] = limit
        return cls(data, initial=initial)

    def framework_options(self) -> list[dict[str, Any]]:
        """Each framework's radio with its formula in words."""
        return [
            {"radio": radio, "describe": describe(radio.data["value"])}
            for radio in self["framework"]
        ]

    def wip_fields(self) -> list[forms.BoundField]:
        return [self[WIP_PREFIX + status.value] for status in Status]

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        limits = {
            status.value: data[WIP_PREFIX + status.value]
            for status in Status
            if data.get(WIP_PREFIX + status.value) is not None
        }
        return {
            "framework": data["framework"],
            "formula": data["formula"].strip(),
            "scale": data["scale"],
            "wip_limits": limits,
        }


def _options(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class CustomFieldForm(forms.Form):
    """A custom field: its key and kind are set once (values and formulas use them)."""

    name = forms.CharField(max_length=80)
    key = forms.CharField(
        max_length=40,
        help_text="Used in formulas and CSV: lower-case letters, digits and underscores.",
    )
    kind = forms.ChoiceField(choices=FieldKind.choices)
    options = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For a single select: one option per line.",
    )

    def __init__(self, *args: Any, field: CustomField | None = None, **kwargs: Any) -> None:
        if field is not None:
            kwargs.setdefault(
                "initial", {"name": field.name, "options": "\n".join(map(str, field.options))}
            )
        super().__init__(*args, **kwargs)
        self.custom_field = field
        if field is not None:
            del self.fields["key"], self.fields["kind"]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["options"] = _options(data["options"])
        return data


class LabelForm(forms.Form):
    name = forms.CharField(max_length=40)
    colour = forms.CharField(
        max_length=7, initial="#64748b", widget=forms.TextInput(attrs={"type": "color"})
    )
