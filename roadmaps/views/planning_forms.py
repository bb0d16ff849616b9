"""HTML forms of the planning pages. They validate shape; the services enforce the rules (their
refusals are shown on the field they name with ``pmhub.forms.add_service_error``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from metrics.models import Metric
from pmhub.models import Product, Workspace
from pmhub.tenancy import scope
from roadmaps.models import (
    Direction,
    Horizon,
    Initiative,
    InitiativeStatus,
    Objective,
    Theme,
)

User = get_user_model()
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _members(workspace: Workspace) -> Any:
    return User.objects.filter(memberships__workspace=workspace).order_by("username")


class InitiativeForm(forms.Form):
    """An initiative's fields; the horizon only when creating (moves change it afterwards)."""

    title = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text="Markdown."
    )
    status = forms.ChoiceField(choices=InitiativeStatus.choices, initial=InitiativeStatus.PROPOSED)
    horizon = forms.ChoiceField(choices=Horizon.choices, initial=Horizon.NEXT)
    starts_on = forms.DateField(required=False, label="Starts", widget=DATE)
    ends_on = forms.DateField(required=False, label="Ends", widget=DATE)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    theme = forms.ModelChoiceField(queryset=Theme.objects.none(), required=False)
    confidence = forms.IntegerField(required=False, label="Confidence (%)")

    def __init__(self, *args: Any, product: Product, creating: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _members(product.workspace)  # type: ignore[attr-defined]
        self.fields["theme"].queryset = Theme.objects.filter(product=product)  # type: ignore[attr-defined]
        if not creating:
            del self.fields["horizon"]

    @classmethod
    def for_initiative(cls, initiative: Initiative, data: Any = None) -> InitiativeForm:
        initial = {
            name: getattr(initiative, name)
            for name in ("title", "description", "status", "starts_on", "ends_on", "confidence")
        }
        initial.update(owner=initiative.owner_id, theme=initiative.theme_id)
        return cls(data, initial=initial, product=initiative.product, creating=False)


class MoveForm(forms.Form):
    """Where a dropped (or keyboard-moved) card goes: a column, above ``before`` (blank: last)."""

    horizon = forms.ChoiceField(choices=Horizon.choices)
    before = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class DatesForm(forms.Form):
    """A timeline bar dragged or resized: its new first and last day."""

    starts_on = forms.DateField(label="Starts")
    ends_on = forms.DateField(label="Ends")


class DependencyForm(forms.Form):
    depends_on = forms.ModelChoiceField(
        queryset=Initiative.objects.none(), label="Depends on", empty_label="Choose an initiative"
    )

    def __init__(self, *args: Any, initiative: Initiative, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = scope(Initiative.objects.select_related("product"), initiative.product.workspace)
        self.fields["depends_on"].queryset = others.exclude(pk=initiative.pk).order_by(  # type: ignore[attr-defined]
            "product__name", "title"
        )
        self.fields["depends_on"].label_from_instance = lambda other: (  # type: ignore[attr-defined]
            other.title
            if other.product_id == initiative.product_id
            else f"{other.title} ({other.product.name})"
        )


class ServedObjectivesForm(forms.Form):
    objectives = forms.ModelMultipleChoiceField(
        queryset=Objective.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Objectives it serves",
    )

    def __init__(self, *args: Any, initiative: Initiative, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        served = Q(product_id=initiative.product_id) | Q(product__isnull=True)
        self.fields["objectives"].queryset = scope(  # type: ignore[attr-defined]
            Objective.objects.filter(served), initiative.product.workspace
        ).order_by("starts_on", "title")


class ObjectiveForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="Markdown."
    )
    product = forms.ModelChoiceField(
        queryset=Product.objects.none(),
        required=False,
        empty_label="The whole company",
        help_text="Leave blank for a company objective.",
    )
    parent = forms.ModelChoiceField(
        queryset=Objective.objects.none(),
        required=False,
        label="Aligned under",
        empty_label="Nothing (top level)",
    )
    period = forms.CharField(max_length=40, required=False, help_text="A label, e.g. “2026 Q4”.")
    starts_on = forms.DateField(label="Starts", widget=DATE)
    ends_on = forms.DateField(label="Ends", widget=DATE)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)

    def __init__(
        self, *args: Any, workspace: Workspace, objective: Objective | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _members(workspace)  # type: ignore[attr-defined]
        products = scope(Product.objects.all(), workspace).filter(archived_at__isnull=True)
        self.fields["product"].queryset = products.order_by("name")  # type: ignore[attr-defined]
        parents = scope(Objective.objects.select_related("product"), workspace)
        if objective is not None:
            parents = parents.exclude(pk=objective.pk)
            del self.fields["product"]  # an objective stays with its product
        self.fields["parent"].queryset = parents.order_by("starts_on", "title")  # type: ignore[attr-defined]
        self.fields["parent"].label_from_instance = lambda parent: (  # type: ignore[attr-defined]
            f"{parent.title} ({parent.product.name if parent.product else 'company'})"
        )

    @classmethod
    def for_objective(cls, objective: Objective, data: Any = None) -> ObjectiveForm:
        initial = {
            name: getattr(objective, name)
            for name in ("title", "description", "period", "starts_on", "ends_on")
        }
        initial.update(owner=objective.owner_id, parent=objective.parent_id)
        return cls(data, initial=initial, workspace=objective.workspace, objective=objective)


class KeyResultForm(forms.Form):
    title = forms.CharField(max_length=200)
    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.INCREASE)
    start_value = forms.FloatField(label="Start")
    target_value = forms.FloatField(label="Target")
    unit = forms.CharField(max_length=20, required=False, help_text="e.g. %, users, €")
    current_value = forms.FloatField(
        required=False, label="Current value", help_text="Entered by hand; blank with a metric."
    )
    metric = forms.ModelChoiceField(
        queryset=Metric.objects.none(),
        required=False,
        label="Measured by metric",
        empty_label="No metric (enter the value by hand)",
    )
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, objective: Objective, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _members(objective.workspace)  # type: ignore[attr-defined]
        metrics = scope(Metric.objects.select_related("product"), objective.workspace)
        if objective.product_id is not None:
            metrics = metrics.filter(product_id=objective.product_id)
        self.fields["metric"].queryset = metrics.order_by("product__name", "name")  # type: ignore[attr-defined]
        self.fields["metric"].label_from_instance = lambda metric: (  # type: ignore[attr-defined]
            f"{metric.name} ({metric.product.name})"
        )

    @classmethod
    def for_key_result(cls, key_result: Any, data: Any = None) -> KeyResultForm:
        initial = {
            name: getattr(key_result, name)
            for name in (
                "title",
                "direction",
                "start_value",
                "target_value",
                "unit",
                "current_value",
            )
        }
        initial.update(owner=key_result.owner_id, metric=key_result.metric_id)
        return cls(data, initial=initial, objective=key_result.objective)
