"""The objectives pages: the OKR tree (company objectives, the product objectives aligned under
them, key results with progress bars and health), the period filter, and the forms that create
and change objectives and key results (the services' refusals shown by field, nothing written)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from metrics.models import Metric
from pmhub.capabilities import Role
from roadmaps.models import KeyResult, Objective
from roadmaps.services.okrs import key_result_create, objective_create
from tests.roadmaps.pages import NON_PLANNERS, PLANNERS, build_acme, count_queries
from tests.roadmaps.sample_roadmap import roadmap_snapshot


@pytest.fixture
def acme(db):
    return build_acme()


def _titles(html: str) -> list[str]:
    """The objectives' titles in page order."""
    found = re.findall(
        r'<h2 class="h6 mb-1" id="objective-\d+">.*?</i>\s*(.*?)\s*</h2>', html, re.S
    )
    return found


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_tree_with_progress_and_health(acme, role):
    html = acme.client(role).get(reverse("roadmaps:objectives")).content.decode()
    assert _titles(html) == ["acme company objective", "acme activation objective"]
    # The product objective sits inside the company one's children list.
    company = html.index("acme company objective")
    assert html.index('<ol class="okr-children">', company) < html.index("acme activation")
    assert html.count('data-testid="key-result"') == 2
    # NPS by hand: 20 → 40, now 30: half way.
    nps = html[html.index("acme NPS") :]
    assert 'aria-valuenow="50"' in nps[:1500] and "width: 50%" in nps[:1500]
    assert "health-on_track" in html or "health-at_risk" in html or "health-off_track" in html
    assert ("Objectives" in html) and ("+ Key result" in html) == (role in PLANNERS)


def test_key_result_health_and_objective_health_are_coloured(acme):
    objective = acme.plan.objective
    Objective.objects.filter(pk=objective.pk).update(health="off_track")
    html = acme.client().get(reverse("roadmaps:objectives")).content.decode()
    assert 'class="okr-objective health-off_track"' in html
    assert "Off track" in html
    # A key result of a period that has ended, short of its target: off track.
    past = objective_create(
        workspace=acme.team.workspace,
        actor=acme.owner,
        title="Last year's objective",
        period="2025",
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
    )
    key_result_create(
        objective=past,
        actor=acme.owner,
        title="Half done",
        start_value=0,
        target_value=10,
        current_value=5,
    )
    html = acme.client().get(reverse("roadmaps:objectives")).content.decode()
    half = html[html.index("Half done") - 400 :]
    assert 'class="okr-kr health-off_track"' in half[:400]


def test_the_period_filter_keeps_one_period(acme):
    html = acme.client().get(reverse("roadmaps:objectives"), {"period": "Q4"}).content.decode()
    assert _titles(html) == ["acme activation objective"]
    assert '<option value="Q4" selected>Q4</option>' in html
    everything = acme.client().get(reverse("roadmaps:objectives"), {"period": "nope"})
    assert len(_titles(everything.content.decode())) == 2


def test_a_products_page_shows_its_objectives_under_the_company_ones(acme):
    objective_create(
        workspace=acme.team.workspace,
        actor=acme.owner,
        title="Unrelated company objective",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    url = reverse("roadmaps:product-objectives", args=[acme.product.slug])
    html = acme.client(Role.VIEWER).get(url).content.decode()
    assert _titles(html) == ["acme company objective", "acme activation objective"]
    assert "Unrelated company objective" not in html


@pytest.mark.parametrize("role", NON_PLANNERS)
def test_others_get_no_forms(acme, role):
    response = acme.client(role).get(reverse("roadmaps:objective-create"))
    assert response.status_code == 403


def test_creating_an_aligned_product_objective(acme):
    url = reverse("roadmaps:objective-create")
    form = acme.client().get(url, {"product": acme.product.slug, "parent": "abc"})
    assert form.status_code == 200
    response = acme.client(Role.EDITOR).post(
        url,
        {
            "title": "Retain teams",
            "product": acme.product.pk,
            "parent": acme.plan.company_objective.pk,
            "period": "Q1",
            "starts_on": "2027-01-01",
            "ends_on": "2027-03-31",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("roadmaps:product-objectives", args=[acme.product.slug])
    created = Objective.objects.get(title="Retain teams")
    assert created.product == acme.product and created.parent == acme.plan.company_objective


def test_another_workspaces_product_slug_is_a_404_on_the_form(acme, tenant_b):
    url = reverse("roadmaps:objective-create")
    assert acme.client().get(url, {"product": tenant_b.product.slug}).status_code == 404


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"starts_on": "2027-03-01", "ends_on": "2027-01-01"},
            "ends_on",
            "The period must end on or after its start.",
        ),
        ({"starts_on": ""}, "starts_on", "This field is required."),
        ({"parent": "999999999"}, "parent", "Select a valid choice."),
    ],
)
def test_a_refused_objective_names_its_field_and_writes_nothing(acme, data, field, message):
    before = roadmap_snapshot(acme.team.workspace)
    body = {"title": "Retain", "starts_on": "2027-01-01", "ends_on": "2027-03-31", **data}
    response = acme.client().post(reverse("roadmaps:objective-create"), body)
    assert response.status_code == 200
    assert f'data-field-error="{field}">{message}' in response.content.decode()
    assert roadmap_snapshot(acme.team.workspace) == before


def test_an_objective_cannot_be_aligned_under_its_own_child(acme):
    before = roadmap_snapshot(acme.team.workspace)
    company = acme.plan.company_objective
    url = reverse("roadmaps:objective-edit", args=[company.pk])
    response = acme.client().post(
        url,
        {
            "title": company.title,
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "parent": acme.plan.objective.pk,
        },
    )
    html = response.content.decode()
    assert 'data-field-error="parent">An objective cannot be aligned under itself' in html
    assert roadmap_snapshot(acme.team.workspace) == before


def test_editing_an_objective(acme):
    objective = acme.plan.objective
    url = reverse("roadmaps:objective-edit", args=[objective.pk])
    page = acme.client().get(url).content.decode()
    assert f'value="{objective.title}"' in page and 'name="product"' not in page
    response = acme.client().post(
        url,
        {
            "title": "Activation, sharpened",
            "parent": acme.plan.company_objective.pk,
            "starts_on": "2026-10-01",
            "ends_on": "2026-12-31",
        },
    )
    assert response.status_code == 302
    assert Objective.objects.get(pk=objective.pk).title == "Activation, sharpened"


def test_adding_and_editing_a_key_result(acme):
    objective = acme.plan.objective
    url = reverse("roadmaps:key-result-create", args=[objective.pk])
    page = acme.client().get(url).content.decode()
    assert "Daily active users (Acme Product)" in page  # the product's metrics to bind
    response = acme.client().post(
        url,
        {
            "title": "Churn",
            "direction": "decrease",
            "start_value": "8",
            "target_value": "4",
            "unit": "%",
            "current_value": "6",
        },
    )
    assert response.status_code == 302
    churn = KeyResult.objects.get(title="Churn")
    assert (churn.start_value, churn.target_value, churn.current_value) == (8, 4, 6)
    edit = reverse("roadmaps:key-result-edit", args=[churn.pk])
    assert 'value="Churn"' in acme.client().get(edit).content.decode()
    response = acme.client().post(
        edit,
        {"title": "Churn", "direction": "decrease", "start_value": "8", "target_value": "3"},
    )
    assert response.status_code == 302
    assert KeyResult.objects.get(pk=churn.pk).target_value == 3


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"start_value": "5", "target_value": "5"},
            "target_value",
            "The target must differ from the start",
        ),
        (
            {"direction": "decrease", "start_value": "1", "target_value": "5"},
            "target_value",
            "To decrease, the target must be below the start.",
        ),
        ({"start_value": "lots"}, "start_value", "Enter a number."),
        (
            {"metric": "__dau__", "current_value": "3"},
            "current_value",
            "A key result measured by a metric takes",
        ),
    ],
)
def test_a_refused_key_result_names_its_field_and_writes_nothing(acme, data, field, message):
    if data.get("metric") == "__dau__":
        data["metric"] = Metric.objects.get(product=acme.product, key="dau").pk
    before = roadmap_snapshot(acme.team.workspace)
    body = {"title": "Churn", "direction": "increase", "start_value": "1", "target_value": "5"}
    url = reverse("roadmaps:key-result-create", args=[acme.plan.objective.pk])
    response = acme.client().post(url, {**body, **data})
    assert response.status_code == 200
    assert f'data-field-error="{field}">{message}' in response.content.decode()
    assert roadmap_snapshot(acme.team.workspace) == before


def test_the_tree_runs_the_same_queries_for_more_objectives(acme):
    client = acme.client()
    url = reverse("roadmaps:objectives")
    client.get(url)
    small, _ = count_queries(lambda: client.get(url))
    for n in range(15):
        objective = objective_create(
            workspace=acme.team.workspace,
            actor=acme.owner,
            product=acme.product,
            parent=acme.plan.company_objective,
            title=f"More {n}",
            period="Q4",
            starts_on=date(2026, 10, 1),
            ends_on=date(2026, 12, 31),
        )
        for k in range(3):
            key_result_create(
                objective=objective,
                actor=acme.owner,
                title=f"KR {n}.{k}",
                start_value=0,
                target_value=10,
                current_value=k,
            )
    large, response = count_queries(lambda: client.get(url))
    assert response.content.decode().count('data-testid="key-result"') == 2 + 45
    assert small == large
