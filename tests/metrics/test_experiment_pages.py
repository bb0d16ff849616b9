"""The experiment pages: list, results, create and edit forms, start/stop, the decision (htmx).

Events go in through the ingestion HTTP path like an SDK sends them (the ``source`` fixture and
the helpers of test_experiments.py); the expected figures are the statistics of
``metrics.stats`` on the counts worked out by hand below.

    variant     users   conversions   rate
    control     40      10            25 %
    treatment   40      20            50 %    lift +100 %, difference +25 pp, p = 0.021
"""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics.models import Experiment
from metrics.services.experiments import experiment_decide, experiment_update
from metrics.stats import compare, sample_size
from pmhub.capabilities import Role
from pmhub.models import AuditEvent
from tests.metrics.test_experiments import END, START, _converted, _experiment, _exposed, _send

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "decision"}


def _split(source, prefix: str, sizes: dict[str, tuple[int, int]], day: int = 2) -> None:
    """Expose ``users`` people per variant on 2 March (or ``day``); the first ``conversions`` of
    them convert three days later."""
    batch = []
    for variant, (users, conversions) in sizes.items():
        for i in range(users):
            person = f"{prefix}-{variant}-{i}"
            batch.append(_exposed(person, variant, day=day))
            if i < conversions:
                batch.append(_converted(person, day=day + 3))
    _send(source, batch)


@pytest.fixture
def owner(source) -> Client:
    client = Client()
    client.force_login(source.tenant.owner)
    return client


@pytest.fixture
def running(source) -> Experiment:
    _split(source, "p", {"control": (40, 10), "treatment": (40, 20)})
    return _experiment(source)


def _url(name: str, experiment: Experiment) -> str:
    return reverse(name, args=[experiment.product.slug, experiment.key])


def _row(page: str, variant: str) -> str:
    match = re.search(
        rf'<tr data-testid="variant-row" data-variant="{variant}">(.*?)</tr>', page, re.S
    )
    assert match, f"no row for {variant}"
    return " ".join(match.group(1).split())


COLUMNS = ("users", "conversions", "rate", "lift", "ci", "p")


def _cells(row: str) -> list[str]:
    """The text of a variant row's figures (``COLUMNS``), tags removed and spaces collapsed."""
    texts = []
    for column in COLUMNS:
        match = re.search(rf'data-testid="variant-{column}">(.*?)</td>', row, re.S)
        assert match, column
        texts.append(" ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()))
    return texts


# --- The experiment page -------------------------------------------------------------------------


def test_experiment_page_shows_results_per_variant_computed_from_the_events(owner, running):
    page = owner.get(_url("metrics:experiment-detail", running)).content.decode()

    control, treatment = _row(page, "control"), _row(page, "treatment")
    assert _cells(control) == ["40", "10", "25.0%", "—", "—", "—"]
    assert _cells(treatment) == [
        "40",
        "20",
        "50.0%",
        "+100.0%",
        "+25.0 pp +4.5 pp to +45.5 pp",  # the difference, then its 95 % interval
        "0.021",
    ]
    assert "Better than control" in treatment
    assert "statistically significant" in page and "less than 5 % of the time" in page
    assert "Only 0.8% of the sample size needed so far" in " ".join(page.split())


def test_lift_chart_data_is_the_difference_and_its_95_percent_interval(owner, running):
    response = owner.get(_url("metrics:experiment-detail", running))
    found = re.search(
        r'<script id="experiment-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    expected = compare(10, 40, 20, 40)
    assert json.loads(found.group(1)) == {
        "control": "control",
        "labels": ["treatment"],
        "difference": [pytest.approx(100 * expected.difference)],
        "low": [pytest.approx(100 * expected.ci_low)],
        "high": [pytest.approx(100 * expected.ci_high)],
        "significant": [True],
    }
    assert "pmhub/experiment.js" in response.content.decode()


def test_sample_size_and_progress_towards_it_are_shown(owner, running):
    page = owner.get(_url("metrics:experiment-detail", running)).content.decode()
    needed = sample_size(0.25, 0.1)
    assert needed == 4862
    sample = " ".join(page[page.index('data-testid="sample-size"') :].split())
    assert "4,862 users" in sample
    assert 'aria-valuenow="1"' in sample  # 40 of 4,862 users: 0.8 %, rounded
    assert "0.8% of the way" in sample and "the smallest variant has 40 users" in sample


def test_an_undecided_difference_is_worded_as_possibly_chance(owner, source):
    _split(source, "q", {"control": (40, 10), "treatment": (40, 12)})
    page = owner.get(_url("metrics:experiment-detail", _experiment(source))).content.decode()
    assert "No clear difference" in _row(page, "treatment")
    assert "could be chance (p = 0.617" in page
    assert 'data-testid="srm-warning"' not in page


def test_a_sample_ratio_mismatch_is_a_warning_on_the_page(owner, source):
    _split(source, "s", {"control": (60, 6), "new": (20, 2)})
    page = owner.get(_url("metrics:experiment-detail", _experiment(source))).content.decode()
    assert 'data-testid="srm-warning"' in page
    assert "Sample ratio mismatch" in page and "χ² = 20.0" in page


def test_an_experiment_without_exposures_explains_what_it_counts(owner, source):
    experiment = _experiment(source, status="draft")
    page = owner.get(_url("metrics:experiment-detail", experiment)).content.decode()
    assert "No result yet" in page and "Checkout Viewed" in page
    assert 'id="experiment-data"' not in page  # no chart without a comparison
    assert "Start" in page and "Edit" in page


def test_an_unknown_experiment_key_is_a_404(owner, source):
    url = reverse("metrics:experiment-detail", args=[source.product.slug, "nope"])
    assert owner.get(url).status_code == 404


# --- The list ------------------------------------------------------------------------------------


def _list(client: Client, product) -> str:
    response = client.get(reverse("metrics:product-experiments", args=[product.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _headline(page: str, key: str) -> str:
    match = re.search(rf'data-key="{key}">(.*?)</tr>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_list_shows_status_dates_variants_and_headline_result(owner, source, running):
    _split(source, "n", {"control": (10, 1), "b": (10, 1)}, day=12)  # after the checkout test
    draft = _experiment(
        source, key="pricing", name="Pricing page", status="draft", start=END, end=None
    )
    _stop_and_decide(running, "Ship treatment")

    page = _list(owner, source.product)
    assert page.index("Pricing page") < page.index("One-page checkout")  # newest first
    checkout = _headline(page, "checkout")
    assert "Decided" in checkout and "Ship treatment" in checkout
    assert "1 Mar 2025 – 10 Mar 2025" in checkout
    assert "control (control) · 40" in checkout and "treatment · 40" in checkout
    assert "Better than control" in checkout and "treatment +100.0% · p 0.021" in checkout
    pricing = _headline(page, draft.key)
    assert "Draft" in pricing and "10 Mar 2025 – open" in pricing
    # The pricing test reads the same exposure event in its own window (from 10 March, open).
    assert "control (control) · 10" in pricing and "b · 10" in pricing
    assert "No clear difference" in pricing


def test_list_reads_experiments_and_their_results_in_a_fixed_number_of_queries(owner, source):
    _split(source, "f", {"control": (5, 1), "b": (5, 2)})
    _experiment(source, key="first")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            _list(owner, source.product)
        return len(queries)

    count()  # the first request of a session also writes it
    one = count()
    for n in range(4):
        _experiment(source, key=f"more-{n}", conversion_event=f"Event {n}")
    assert count() == one


def test_results_of_many_experiments_equal_each_one_alone(source):
    from metrics.services.experiments import experiment_results, experiments_results

    _split(source, "e", {"control": (7, 3), "b": (9, 5), "c": (4, 0)})
    experiments = [
        _experiment(source, key="a"),
        _experiment(source, key="late", start=START.replace(day=3)),
        _experiment(source, key="other", exposure_event="Order Completed", variant_property="x"),
    ]
    together = experiments_results(product=source.product, experiments=experiments)
    for experiment in experiments:
        alone = experiment_results(experiment=experiment)
        assert together[experiment.pk].variants == alone.variants
    assert [v.users for v in together[experiments[1].pk].variants] == [0]


def test_empty_list_invites_planners_to_define_one(owner, source, make_member):
    assert "Define the first experiment" in _list(owner, source.product)
    viewer = Client()
    viewer.force_login(make_member(source.tenant.workspace, Role.VIEWER))
    page = _list(viewer, source.product)
    assert "No experiments yet" in page and "Define the first experiment" not in page


# --- Create and edit -----------------------------------------------------------------------------

FORM = {
    "key": "signup-cta",
    "name": "Sign-up button copy",
    "hypothesis": "“Start free” converts better than “Sign up”.",
    "exposure_event": "Signup Viewed",
    "variant_property": "variant",
    "control_variant": "control",
    "conversion_event": "Signed Up",
    "start": "2025-03-01T09:30",
    "end": "",
    "minimum_detectable_effect": "5",
    "status": "running",
}


def test_create_form_defines_an_experiment_through_the_service(owner, source):
    response = owner.post(reverse("metrics:experiment-create", args=[source.product.slug]), FORM)
    experiment = Experiment.objects.get(product=source.product, key="signup-cta")
    assert response.status_code == 302 and response.url == _url(
        "metrics:experiment-detail", experiment
    )
    assert (experiment.status, experiment.end) == ("running", None)
    assert experiment.minimum_detectable_effect == pytest.approx(0.05)
    assert experiment.start.isoformat() == "2025-03-01T09:30:00+00:00"
    assert AuditEvent.objects.filter(action="experiment.created").count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end": "2025-02-01T00:00"}, "end"),  # the service's rule: the end after the start
        ({"key": "checkout"}, "key"),  # the service's rule: one key per product
        ({"key": "not a slug"}, "key"),
        ({"start": "yesterday"}, "start"),
        ({"exposure_event": ""}, "exposure_event"),
        ({"minimum_detectable_effect": "0"}, "minimum_detectable_effect"),
        ({"status": "decided"}, "status"),
    ],
)
def test_create_form_errors_name_the_field_and_create_nothing(owner, running, change, field):
    before = Experiment.objects.count()
    url = reverse("metrics:experiment-create", args=[running.product.slug])
    response = owner.post(url, FORM | change)
    assert response.status_code == 200
    page = response.content.decode()
    assert set(re.findall(r'data-field-error="([a-z_]+)"', page)) == {field}
    assert Experiment.objects.count() == before


def test_edit_form_shows_the_definition_and_saves_changes(owner, running):
    url = _url("metrics:experiment-edit", running)
    page = owner.get(url).content.decode()
    assert 'value="2025-03-01T00:00"' in page and 'value="10.0"' in page
    assert 'name="status"' not in page  # status moves with the Start and Stop buttons
    form = FORM | {"key": "checkout", "name": "Checkout v2", "minimum_detectable_effect": "20"}
    response = owner.post(url, {k: v for k, v in form.items() if k != "status"})
    assert response.status_code == 302
    running.refresh_from_db()
    assert (running.name, running.minimum_detectable_effect, running.status) == (
        "Checkout v2",
        0.2,
        "running",
    )


def _stop_and_decide(experiment: Experiment, decision: str = "Ship the treatment") -> None:
    experiment_update(experiment=experiment, actor=_owner(experiment), status="stopped")
    experiment_decide(experiment=experiment, actor=_owner(experiment), decision=decision)


def test_a_decided_experiment_cannot_be_edited(owner, running):
    _stop_and_decide(running)
    page = owner.get(_url("metrics:experiment-detail", running)).content.decode()
    assert _url("metrics:experiment-edit", running) not in page
    response = owner.post(_url("metrics:experiment-edit", running), FORM | {"key": "checkout"})
    assert response.status_code == 200
    assert "A decided experiment can&#x27;t be changed." in response.content.decode()
    running.refresh_from_db()
    assert running.name == "One-page checkout"


# --- Status and decision -------------------------------------------------------------------------


def test_start_and_stop_move_the_status_one_step(owner, source):
    experiment = _experiment(source, status="draft")
    url = _url("metrics:experiment-status", experiment)
    assert owner.post(url, {"status": "running"}).status_code == 302
    experiment.refresh_from_db()
    assert experiment.status == "running"
    page = owner.get(_url("metrics:experiment-detail", experiment)).content.decode()
    assert 'value="stopped"' in page and "Stop the experiment to record" in page

    # Skipping a step (or going back) is refused with the service's reason; nothing changes.
    response = owner.post(url, {"status": "draft"}, follow=True)
    assert "draft → running → stopped" in response.content.decode()
    experiment.refresh_from_db()
    assert experiment.status == "running"


def test_recording_a_decision_with_htmx_returns_the_decision_and_the_new_status(owner, running):
    experiment_update(experiment=running, actor=_owner(running), status="stopped")
    page = owner.get(_url("metrics:experiment-detail", running)).content.decode()
    assert 'hx-post="' + _url("metrics:experiment-decide", running) in page

    response = owner.post(
        _url("metrics:experiment-decide", running), {"decision": "Ship the treatment."}, **HTMX
    )
    assert response.status_code == 200 and response["Vary"].count("HX-Request") == 1
    fragment = response.content.decode()
    assert fragment.lstrip().startswith(
        '<section class="card h-100"\n                 id="decision"'
    )
    assert "Ship the treatment." in fragment and "by " + _owner(running).username in fragment
    assert 'hx-swap-oob="true">Decided</span>' in fragment  # the status badge
    assert 'id="experiment-actions"' in fragment and "Edit" not in fragment
    running.refresh_from_db()
    assert (running.status, running.decided_by) == ("decided", _owner(running))


@pytest.mark.parametrize(
    ("stopped", "decision", "error"),
    [
        (True, "   ", 'data-field-error="decision"'),
        (False, "Ship it", "Stop the experiment before deciding"),
    ],
)
def test_a_refused_decision_says_why_and_changes_nothing(owner, running, stopped, decision, error):
    if stopped:
        experiment_update(experiment=running, actor=_owner(running), status="stopped")
    url = _url("metrics:experiment-decide", running)
    for headers in (HTMX, {}):
        response = owner.post(url, {"decision": decision}, **headers)
        assert response.status_code == 200 and error in response.content.decode()
    running.refresh_from_db()
    assert running.status == ("stopped" if stopped else "running") and not running.decision


def test_a_decision_without_htmx_redirects_to_the_page(owner, running):
    experiment_update(experiment=running, actor=_owner(running), status="stopped")
    response = owner.post(_url("metrics:experiment-decide", running), {"decision": "Roll back"})
    assert response.status_code == 302
    page = owner.get(response.url).content.decode()
    assert "Decision recorded." in page and "Roll back" in page


def test_delete_removes_the_experiment_and_returns_to_the_list(owner, running):
    response = owner.post(_url("metrics:experiment-delete", running))
    assert response.status_code == 302
    assert response.url == reverse("metrics:product-experiments", args=[running.product.slug])
    assert not Experiment.objects.filter(pk=running.pk).exists()


def test_a_viewer_sees_results_but_no_controls(source, running, make_member):
    experiment_update(experiment=running, actor=_owner(running), status="stopped")
    viewer = Client()
    viewer.force_login(make_member(source.tenant.workspace, Role.VIEWER))
    page = viewer.get(_url("metrics:experiment-detail", running)).content.decode()
    assert "50.0%" in page and "waiting for a decision" in page
    for control in ("edit", "status", "decide"):
        assert _url(f"metrics:experiment-{control}", running) not in page
    assert reverse("metrics:experiment-create", args=[source.product.slug]) not in _list(
        viewer, source.product
    )


def _owner(experiment: Experiment):
    return experiment.product.workspace.memberships.get(role=Role.OWNER).user
