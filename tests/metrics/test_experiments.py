"""Experiments: results computed from events sent like an SDK, validation, and the API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics import stats as experiment_stats
from metrics.models import Experiment
from metrics.services.experiments import (
    experiment_create,
    experiment_decide,
    experiment_results,
    experiment_update,
)
from pmhub.errors import ApplicationError
from pmhub.models import AuditEvent
from tests.factories import api_client

START = datetime(2025, 3, 1, tzinfo=UTC)
END = datetime(2025, 3, 10, tzinfo=UTC)
_ids = iter(range(10**6))


def _track(event: str, day: int, *, user: str = "", anonymous: str = "", **properties) -> dict:
    message = {
        "type": "track",
        "event": event,
        "messageId": f"m-{next(_ids)}",
        "timestamp": f"2025-03-{day:02d}T12:00:00Z",
        "properties": properties,
    }
    if user:
        message["userId"] = user
    if anonymous:
        message["anonymousId"] = anonymous
    return message


def _exposed(user: str, variant: str | None, day: int = 2, **who) -> dict:
    props = {} if variant is None else {"variant": variant}
    return _track("Checkout Viewed", day, user=user, **who, **props)


def _converted(user: str, day: int = 5, **who) -> dict:
    return _track("Order Completed", day, user=user, **who)


def _send(source, batch: list[dict]) -> None:
    response = source.post("/v1/batch", {"batch": batch})
    assert response.status_code == 200, response.content
    assert "rejected" not in response.json() or not response.json()["rejected"]


def _experiment(source, **fields) -> Experiment:
    defaults = {
        "key": "checkout",
        "name": "One-page checkout",
        "exposure_event": "Checkout Viewed",
        "conversion_event": "Order Completed",
        "start": START,
        "end": END,
        "status": "running",
    }
    return experiment_create(
        product=source.product, actor=source.tenant.owner, **(defaults | fields)
    )


def _by_variant(results) -> dict[str, tuple[int, int]]:
    return {v.variant: (v.users, v.conversions) for v in results.variants}


def test_results_count_each_person_once_in_their_first_variant(source):
    _send(
        source,
        [
            # Control: u1 and u2 convert after exposure; u3 only before it, u4 only after the end.
            *[_exposed(f"u{i}", "control") for i in range(1, 5)],
            _converted("u1"),
            _converted("u2", day=9),
            _track("Order Completed", 1, user="u3"),
            _converted("u4", day=11),
            # Treatment: t2 later also sees control (still treatment); t3 converts twice.
            *[_exposed(f"t{i}", "treatment") for i in range(1, 4)],
            _exposed("t2", "control", day=3),
            _converted("t1"),
            _converted("t3"),
            _converted("t3", day=6),
            # An anonymous visitor who signs in: one person, exposed anonymously, converting
            # under their user id.
            _exposed("", "treatment", anonymous="anon-9"),
            {
                "type": "identify",
                "userId": "t9",
                "anonymousId": "anon-9",
                "messageId": "identify-t9",
                "timestamp": "2025-03-04T00:00:00Z",
            },
            _converted("t9"),
            # Not counted: exposed before the start, or an exposure without the variant property.
            _track("Checkout Viewed", 1, user="early", variant="control")
            | {"timestamp": "2025-02-28T23:59:59Z"},
            _exposed("novariant", None),
        ],
    )
    experiment = _experiment(source)
    results = experiment_results(experiment=experiment)

    assert _by_variant(results) == {"control": (4, 2), "treatment": (4, 3)}
    control, treatment = results.variants
    assert control.is_control and control.rate == 0.5 and control.comparison is None
    assert treatment.rate == 0.75
    assert treatment.comparison == experiment_stats.compare(2, 4, 3, 4)
    assert treatment.comparison.lift == pytest.approx(0.5)
    assert results.srm is not None and not results.srm.mismatch
    assert results.sample_size_per_variant == experiment_stats.sample_size(0.5, 0.1)


def test_results_read_events_in_a_fixed_number_of_queries(source):
    _send(source, [_exposed(f"u{i}", ["control", "b", "c"][i % 3]) for i in range(60)])
    experiment = _experiment(source)
    with CaptureQueriesContext(connection) as queries:
        results = experiment_results(experiment=experiment)
    assert len(queries) == 3
    assert [v.variant for v in results.variants] == ["control", "b", "c"]


def test_a_skewed_split_is_flagged_as_sample_ratio_mismatch(source):
    batch = [_exposed(f"c{i}", "control") for i in range(60)]
    batch += [_exposed(f"v{i}", "new") for i in range(20)]
    _send(source, batch)
    results = experiment_results(experiment=_experiment(source))
    assert results.srm.mismatch
    assert results.srm.chi_square == pytest.approx(20.0)
    assert results.srm.p_value < 0.001


def test_an_experiment_without_exposures_has_empty_results(source):
    results = experiment_results(experiment=_experiment(source))
    assert _by_variant(results) == {"control": (0, 0)}
    assert results.srm is None and results.sample_size_per_variant is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"end": START}, "end"),
        ({"exposure_event": " "}, "exposure_event"),
        ({"conversion_event": ""}, "conversion_event"),
        ({"key": "not a slug"}, "key"),
        ({"name": ""}, "name"),
        ({"minimum_detectable_effect": 0}, "minimum_detectable_effect"),
        ({"status": "stopped"}, "status"),
        ({"status": "decided"}, "status"),
    ],
)
def test_invalid_experiment_is_refused_naming_the_field(source, fields, field):
    with pytest.raises(ApplicationError) as refused:
        _experiment(source, **fields)
    assert refused.value.field == field
    assert not Experiment.objects.exists()


def test_status_moves_forward_one_step_and_a_decision_needs_a_stop(source):
    experiment = _experiment(source, status="draft")
    owner = source.tenant.owner
    with pytest.raises(ApplicationError) as refused:
        experiment_update(experiment=experiment, actor=owner, status="stopped")
    assert refused.value.field == "status"
    experiment_update(experiment=experiment, actor=owner, status="running")
    with pytest.raises(ApplicationError) as refused:
        experiment_decide(experiment=experiment, actor=owner, decision="Ship")
    assert refused.value.field == "status"
    experiment_update(experiment=experiment, actor=owner, status="stopped")
    with pytest.raises(ApplicationError) as refused:
        experiment_decide(experiment=experiment, actor=owner, decision="  ")
    assert refused.value.field == "decision"
    experiment_decide(experiment=experiment, actor=owner, decision="Ship it")
    experiment.refresh_from_db()
    assert (experiment.status, experiment.decided_by) == ("decided", owner)
    with pytest.raises(ApplicationError) as refused:
        experiment_update(experiment=experiment, actor=owner, name="Renamed")
    assert refused.value.field == "status"
    actions = AuditEvent.objects.filter(action__startswith="experiment.").values_list(
        "action", flat=True
    )
    assert sorted(actions) == [
        "experiment.created",
        "experiment.decided",
        "experiment.updated",
        "experiment.updated",
    ]


def test_a_key_is_unique_per_product(source):
    _experiment(source)
    with pytest.raises(ApplicationError) as refused:
        _experiment(source, name="Again")
    assert refused.value.field == "key"


# --- API ------------------------------------------------------------------------------------------


def _urls(product, key="checkout"):
    args = {"product_pk": product.pk}
    return (
        reverse("api:metrics:experiment-list", kwargs=args),
        reverse("api:metrics:experiment-detail", kwargs=args | {"key": key}),
        reverse("api:metrics:experiment-decision", kwargs=args | {"key": key}),
    )


def test_api_creates_reads_results_moves_decides_and_deletes(source):
    api = api_client(source.tenant.owner, source.tenant.workspace)
    listing, detail, decision = _urls(source.product)
    _send(
        source,
        [_exposed("a", "control"), _exposed("b", "blue"), _converted("b"), _converted("a", 1)],
    )
    created = api.post(
        listing,
        {
            "key": "checkout",
            "name": "One-page checkout",
            "hypothesis": "Fewer steps, more orders.",
            "exposure_event": "Checkout Viewed",
            "conversion_event": "Order Completed",
            "start": "2025-03-01T00:00:00Z",
            "end": "2025-03-10T00:00:00Z",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "draft"
    assert [row["key"] for row in api.get(listing).json()["results"]] == ["checkout"]

    body = api.get(detail).json()
    assert body["variant_property"] == "variant" and body["control_variant"] == "control"
    rows = {row["variant"]: row for row in body["results"]["variants"]}
    assert (rows["control"]["users"], rows["control"]["conversions"]) == (1, 0)
    assert (rows["blue"]["users"], rows["blue"]["conversions"]) == (1, 1)
    assert rows["blue"]["lift"] is None  # the control never converted
    assert rows["control"]["p_value"] is None
    assert body["results"]["sample_ratio"]["mismatch"] is False

    assert api.post(decision, {"decision": "Ship"}, format="json").status_code == 400
    for step in ("running", "stopped"):
        moved = api.patch(detail, {"status": step}, format="json")
        assert moved.status_code == 200 and moved.json()["status"] == step
    decided = api.post(decision, {"decision": "Ship blue."}, format="json")
    assert decided.status_code == 200
    assert decided.json()["status"] == "decided"
    assert decided.json()["decided_by"]["username"] == source.tenant.owner.username
    assert api.delete(detail).status_code == 204
    assert api.get(detail).status_code == 404


def test_api_errors_name_the_field_and_change_nothing(source):
    api = api_client(source.tenant.owner, source.tenant.workspace)
    listing, detail, _ = _urls(source.product)
    base = {
        "key": "checkout",
        "name": "Checkout",
        "exposure_event": "Checkout Viewed",
        "conversion_event": "Order Completed",
        "start": "2025-03-10T00:00:00Z",
    }
    for extra, field in (
        ({"end": "2025-03-01T00:00:00Z"}, "end"),
        ({"start": "yesterday"}, "start"),
        ({"exposure_event": 5}, "exposure_event"),
        ({"status": "launched"}, "status"),
        ({"product": 1}, "product"),
        ({"minimum_detectable_effect": -1}, "minimum_detectable_effect"),
    ):
        response = api.post(listing, base | extra, format="json")
        assert response.status_code == 400, (extra, response.content)
        assert field in response.json()["fields"], (extra, response.json())
    assert not Experiment.objects.exists()
    assert api.post(listing, base, format="json").status_code == 201
    response = api.patch(detail, {"end": "2025-03-01T00:00:00Z"}, format="json")
    assert response.status_code == 400 and "end" in response.json()["fields"]
    assert Experiment.objects.get().end is None
