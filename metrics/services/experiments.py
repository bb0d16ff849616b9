"""Experiments: their lifecycle, decision record and results from the events."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet, Value
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from metrics.models import (
    Event,
    Experiment,
    ExperimentStatus,
    PersonMerge,
)
from metrics.stats import (
    Comparison,
    SampleRatio,
    compare,
    sample_ratio_mismatch,
    sample_size,
)
from pmhub.audit import audit_record, diff_fields
from pmhub.errors import ApplicationError
from pmhub.models import Product

EXPERIMENT_FIELDS = (
    "key",
    "name",
    "hypothesis",
    "exposure_event",
    "variant_property",
    "control_variant",
    "conversion_event",
    "start",
    "end",
    "status",
    "minimum_detectable_effect",
)
# The lifecycle moves forward one step at a time; ``decided`` is reached by experiment_decide.
_NEXT_STATUS = {"draft": "running", "running": "stopped"}


def _check_experiment(product: Product, fields: dict, instance: Experiment | None = None) -> None:
    """Refuse an experiment that can't be run or analysed, naming the field."""
    from django.utils.text import slugify

    unknown = sorted(set(fields) - set(EXPERIMENT_FIELDS))
    if unknown:
        raise ApplicationError(f"Unknown field {unknown[0]!r}.", field=unknown[0])
    # A new experiment starts from the model's defaults (variant property, control, MDE).
    merged = {name: getattr(instance or Experiment(), name) for name in EXPERIMENT_FIELDS}
    merged.update(fields)
    if instance is not None and instance.status == ExperimentStatus.DECIDED:
        raise ApplicationError("A decided experiment can't be changed.", field="status")
    key = merged.get("key") or ""
    if not key or slugify(key) != key.lower() or len(key) > 60:
        raise ApplicationError("Use letters, digits, - and _ (at most 60).", field="key")
    clash = Experiment.objects.filter(product=product, key=key)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ApplicationError(f"This product already has an experiment {key!r}.", field="key")
    for name, problem in (
        ("name", "Give the experiment a name."),
        ("exposure_event", "Name the track event that records an exposure."),
        ("variant_property", "Name the exposure's property that holds the variant."),
        ("control_variant", "Name the control variant."),
        ("conversion_event", "Name the track event that records a conversion."),
    ):
        if not (merged.get(name) or "").strip():
            raise ApplicationError(problem, field=name)
    start, end = merged.get("start"), merged.get("end")
    if start is None:
        raise ApplicationError("Give the experiment a start.", field="start")
    if end is not None and end <= start:
        raise ApplicationError("The end must be after the start.", field="end")
    mde = merged.get("minimum_detectable_effect", 0.1)
    if not isinstance(mde, (int, float)) or not 0 < mde <= 10:
        raise ApplicationError(
            "The minimum detectable effect is a relative change above 0 (0.1 = 10 %).",
            field="minimum_detectable_effect",
        )
    if "status" in fields:
        old = instance.status if instance is not None else None
        new = fields["status"]
        allowed: set[str] = {"draft", "running"} if old is None else {old}
        if old in _NEXT_STATUS:
            allowed.add(_NEXT_STATUS[old])
        if new not in allowed:
            raise ApplicationError(
                f"An experiment can't go from {old or 'new'!r} to {new!r} "
                "(draft → running → stopped, then decide).",
                field="status",
            )


@transaction.atomic
def experiment_create(*, product: Product, actor: User, **fields) -> Experiment:
    """Define an A/B test of ``product``; records ``experiment.created``."""
    _check_experiment(product, fields)
    experiment = Experiment.objects.create(product=product, **fields)
    audit_record(
        workspace=product.workspace,
        actor=actor,
        action="experiment.created",
        target=experiment,
        product=product,
    )
    return experiment


@transaction.atomic
def experiment_update(*, experiment: Experiment, actor: User, **fields) -> Experiment:
    """Change an experiment or move its status forward; records ``experiment.updated``."""
    _check_experiment(experiment.product, fields, instance=experiment)
    changes = diff_fields(experiment, fields)
    if changes:
        for name, value in fields.items():
            setattr(experiment, name, value)
        experiment.save()
        audit_record(
            workspace=experiment.product.workspace,
            actor=actor,
            action="experiment.updated",
            target=experiment,
            product=experiment.product,
            changes=changes,
        )
    return experiment


@transaction.atomic
def experiment_decide(*, experiment: Experiment, actor: User, decision: str) -> Experiment:
    """Record the decision of a stopped experiment (it becomes ``decided``).

    Records ``experiment.decided``.
    """
    decision = decision.strip()
    if not decision:
        raise ApplicationError("Say what was decided.", field="decision")
    if experiment.status != ExperimentStatus.STOPPED:
        raise ApplicationError(
            f"Stop the experiment before deciding (it is {experiment.status}).", field="status"
        )
    experiment.status = ExperimentStatus.DECIDED
    experiment.decision = decision
    experiment.decided_by = actor
    experiment.decided_at = timezone.now()
    experiment.save(update_fields=["status", "decision", "decided_by", "decided_at"])
    audit_record(
        workspace=experiment.product.workspace,
        actor=actor,
        action="experiment.decided",
        target=experiment,
        product=experiment.product,
        changes={"status": [ExperimentStatus.STOPPED.value, ExperimentStatus.DECIDED.value]},
    )
    return experiment


@transaction.atomic
def experiment_delete(*, experiment: Experiment, actor: User) -> None:
    """Delete an experiment (its events stay); records ``experiment.deleted``."""
    audit_record(
        workspace=experiment.product.workspace,
        actor=actor,
        action="experiment.deleted",
        target=experiment,
        product=experiment.product,
    )
    experiment.delete()


@dataclass
class VariantResult:
    variant: str
    users: int
    conversions: int
    rate: float | None
    is_control: bool
    comparison: Comparison | None = None  # against the control; None for the control itself


@dataclass
class ExperimentResults:
    variants: list[VariantResult]
    srm: SampleRatio | None
    sample_size_per_variant: int | None  # at the control's observed rate and the experiment's MDE
    until: datetime  # the end, or now for an open experiment

    @property
    def headline(self) -> VariantResult | None:
        """The variant doing best against the control (highest rate), if any can be compared."""
        compared = [v for v in self.variants if v.comparison is not None]
        return max(compared, key=lambda v: v.rate or 0.0, default=None)

    @property
    def smallest_variant_users(self) -> int:
        return min(v.users for v in self.variants)

    @property
    def sample_progress(self) -> float | None:
        """Share of the needed sample reached by the smallest variant (0–1, capped at 1)."""
        if not self.sample_size_per_variant:
            return None
        return min(1.0, self.smallest_variant_users / self.sample_size_per_variant)


def experiment_results(*, experiment: Experiment) -> ExperimentResults:
    """Compute users, conversions, rates and their comparison with the control per variant.

    A (canonical) person is exposed to the variant of their first exposure event carrying the
    variant property in [start, end); they convert with a conversion event strictly after that
    first exposure and before the end. Three queries whatever the data: merges, exposures,
    conversions. Reads only.
    """
    return experiments_results(product=experiment.product, experiments=[experiment])[experiment.pk]


def experiments_results(
    *, product: Product, experiments: Sequence[Experiment]
) -> dict[int, ExperimentResults]:
    """``experiment_results`` of several experiments of ``product``, by experiment id.

    Three queries however many experiments (none for none): the exposures and the conversions of
    all of them are each read by one ``UNION ALL``, so a list of experiments costs the same as one.
    """
    if not experiments:
        return {}
    now = timezone.now()
    until = {e.pk: e.end or now for e in experiments}
    merges = dict(PersonMerge.objects.filter(product=product).values_list("merged_id", "into_id"))

    def window(experiment: Experiment, event: str) -> QuerySet[Event]:
        return Event.objects.filter(
            product=product,
            type="track",
            name=event,
            timestamp__gte=experiment.start,
            timestamp__lt=until[experiment.pk],
        )

    exposures = _union(
        window(e, e.exposure_event)
        .annotate(
            experiment=Value(e.pk), variant=KeyTextTransform(e.variant_property, "properties")
        )
        .filter(variant__isnull=False)
        .values_list("experiment", "person_id", "timestamp", "id", "variant")
        for e in experiments
    ).order_by("timestamp", "id")
    first: dict[int, dict[int, tuple[datetime, str]]] = {e.pk: {} for e in experiments}
    for experiment_id, person, stamp, _, variant in exposures.iterator(chunk_size=5000):
        first[experiment_id].setdefault(merges.get(person, person), (stamp, variant))
    converted: dict[int, set[int]] = {e.pk: set() for e in experiments}
    conversions = _union(
        window(e, e.conversion_event)
        .annotate(experiment=Value(e.pk))
        .values_list("experiment", "person_id", "timestamp")
        for e in experiments
    )
    for experiment_id, person, stamp in conversions.iterator(chunk_size=5000):
        canonical = merges.get(person, person)
        seen = first[experiment_id].get(canonical)
        if seen is not None and stamp > seen[0]:
            converted[experiment_id].add(canonical)
    return {e.pk: _tally(e, first[e.pk], converted[e.pk], until=until[e.pk]) for e in experiments}


def _union(querysets: Iterable[QuerySet]) -> QuerySet:
    head, *rest = querysets
    return head.union(*rest, all=True) if rest else head


def _tally(
    experiment: Experiment,
    first: dict[int, tuple[datetime, str]],
    converted: set[int],
    *,
    until: datetime,
) -> ExperimentResults:
    """Count users and conversions per variant and compare each variant with the control."""
    users: Counter[str] = Counter()
    wins: Counter[str] = Counter()
    for person, (_, variant) in first.items():
        users[variant] += 1
        wins[variant] += person in converted
    control = experiment.control_variant
    names = [control, *sorted(v for v in users if v != control)]
    n_c, x_c = users[control], wins[control]
    variants = [
        VariantResult(
            variant=name,
            users=users[name],
            conversions=wins[name],
            rate=wins[name] / users[name] if users[name] else None,
            is_control=name == control,
            comparison=None if name == control else compare(x_c, n_c, wins[name], users[name]),
        )
        for name in names
    ]
    return ExperimentResults(
        variants=variants,
        srm=sample_ratio_mismatch([users[name] for name in names]) if len(names) > 1 else None,
        sample_size_per_variant=(
            sample_size(x_c / n_c, experiment.minimum_detectable_effect) if n_c else None
        ),
        until=until,
    )
