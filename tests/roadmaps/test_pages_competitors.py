"""The competitors page: competitors (name, website, market share, notes) and the feature
comparison matrix, whose cells are edited in place (htmx GET the select, POST the level)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pmhub.capabilities import Role
from pmhub.models import AuditEvent
from roadmaps.models import Competitor, CompetitorFeature, FeatureSupport
from roadmaps.services.competitors import competitor_create, feature_create, feature_support_set
from tests.factories import make_member, make_tenant

HTMX = {"HTTP_HX_REQUEST": "true"}
PLANNERS = (Role.OWNER, Role.ADMIN, Role.EDITOR)


@pytest.fixture
def acme(db):
    return make_tenant("Acme")


@pytest.fixture
def matrix(acme):
    rival = competitor_create(
        product=acme.product,
        actor=acme.owner,
        name="Rival",
        website="https://rival.example",
        market_share="31.5",
        notes="Strong in **enterprise** <script>alert(1)</script>",
    )
    sso = feature_create(product=acme.product, actor=acme.owner, name="SSO", ours="yes")
    feature_create(product=acme.product, actor=acme.owner, name="Dark mode", ours="no")
    feature_support_set(feature=sso, competitor=rival, actor=acme.owner, level="partial")
    return rival, sso


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _as(acme, role: str) -> Client:
    return _client(acme.owner if role == Role.OWNER else make_member(acme.workspace, role))


def _page(acme) -> str:
    return reverse("roadmaps:competitor-list", args=[acme.product.slug])


def _cell(acme, feature, column) -> str:
    return reverse("roadmaps:matrix-cell", args=[acme.product.slug, feature.pk, column])


def _changes(acme) -> tuple:
    return (
        list(Competitor.objects.filter(product=acme.product).values()),
        list(CompetitorFeature.objects.filter(product=acme.product).values()),
        list(FeatureSupport.objects.filter(feature__product=acme.product).values()),
        AuditEvent.objects.filter(workspace=acme.workspace).count(),
    )


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_competitors_and_the_matrix(acme, matrix, role):
    rival, sso = matrix
    response = _as(acme, role).get(_page(acme))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rival" in html and "https://rival.example" in html and "31.50 %" in html
    assert "<strong>enterprise</strong>" in html and "<script>alert(1)" not in html
    assert html.count('data-testid="matrix-row"') == 2
    assert 'data-level="partial"' in html and 'data-level="yes"' in html
    planner = role in PLANNERS
    assert (_cell(acme, sso, rival.pk) in html) == planner
    assert ('data-testid="competitor-form"' in html) == planner
    assert ('data-testid="feature-form"' in html) == planner


def test_the_page_reads_a_fixed_number_of_queries(acme, matrix):
    client = _client(acme.owner)
    client.get(_page(acme))
    with CaptureQueriesContext(connection) as few:
        client.get(_page(acme))
    competitors = [
        competitor_create(product=acme.product, actor=acme.owner, name=f"C{n}") for n in range(5)
    ]
    for n in range(8):
        feature = feature_create(product=acme.product, actor=acme.owner, name=f"F{n}")
        for competitor in competitors[::2]:
            feature_support_set(
                feature=feature, competitor=competitor, actor=acme.owner, level="yes"
            )
    with CaptureQueriesContext(connection) as many:
        client.get(_page(acme))
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Competitors ----------------------------------------------------------------------------------


def test_a_planner_adds_a_competitor(acme):
    response = _client(acme.owner).post(
        reverse("roadmaps:competitor-create", args=[acme.product.slug]),
        {"name": "Newco", "website": "https://newco.example", "market_share": "12.25"},
    )
    assert response.status_code == 302
    newco = Competitor.objects.get(product=acme.product)
    assert (newco.name, str(newco.market_share)) == ("Newco", "12.25")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "Rival"}, "name"),  # taken
        ({"name": "X", "website": "ftp://x.example"}, "website"),
        ({"name": "X", "market_share": "150"}, "market_share"),
        ({"name": "X", "market_share": "lots"}, "market_share"),
    ],
)
def test_a_bad_competitor_shows_the_field_error_and_writes_nothing(acme, matrix, body, field):
    before = _changes(acme)
    response = _client(acme.owner).post(
        reverse("roadmaps:competitor-create", args=[acme.product.slug]), body
    )
    assert response.status_code == 200
    assert f'data-field-error="{field}"' in response.content.decode()
    assert _changes(acme) == before


def test_a_planner_edits_a_competitor(acme, matrix):
    rival, _ = matrix
    url = reverse("roadmaps:competitor-edit", args=[acme.product.slug, rival.pk])
    client = _client(acme.owner)
    assert "rival.example" in client.get(url).content.decode()
    response = client.post(url, {"name": "Rival Inc", "market_share": "40"})
    assert response.status_code == 302
    rival.refresh_from_db()
    assert (rival.name, rival.website, str(rival.market_share)) == ("Rival Inc", "", "40.00")


def test_removing_a_competitor_removes_its_column(acme, matrix):
    rival, _ = matrix
    url = reverse("roadmaps:competitor-delete", args=[acme.product.slug, rival.pk])
    assert _client(acme.owner).post(url).status_code == 302
    assert not Competitor.objects.filter(pk=rival.pk).exists()
    assert not FeatureSupport.objects.filter(competitor_id=rival.pk).exists()


# --- Features -------------------------------------------------------------------------------------


def test_a_planner_adds_and_removes_a_feature(acme, matrix):
    client = _client(acme.owner)
    url = reverse("roadmaps:feature-create", args=[acme.product.slug])
    assert client.post(url, {"name": "API", "ours": "partial"}).status_code == 302
    api = CompetitorFeature.objects.get(product=acme.product, name="API")
    assert api.ours == "partial"
    url = reverse("roadmaps:feature-delete", args=[acme.product.slug, api.pk])
    assert client.post(url).status_code == 302
    assert not CompetitorFeature.objects.filter(pk=api.pk).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": "", "ours": "yes"}, "name"), ({"name": "sso", "ours": "yes"}, "name")],
)
def test_a_bad_feature_shows_the_field_error_and_writes_nothing(acme, matrix, body, field):
    before = _changes(acme)
    response = _client(acme.owner).post(
        reverse("roadmaps:feature-create", args=[acme.product.slug]), body
    )
    assert f'data-field-error="{field}"' in response.content.decode()
    assert _changes(acme) == before


# --- Cells, in place ------------------------------------------------------------------------------


def test_clicking_a_cell_gets_its_select_and_choosing_saves_it(acme, matrix):
    rival, sso = matrix
    client = _client(acme.owner)
    response = client.get(_cell(acme, sso, rival.pk), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<select" in html and "<html" not in html
    assert '<option value="partial" selected>' in html
    assert "HX-Request" in response["Vary"]
    response = client.post(_cell(acme, sso, rival.pk), {"level": "yes"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<select" not in html and 'data-level="yes"' in html
    assert FeatureSupport.objects.get(feature=sso, competitor=rival).level == "yes"


def test_our_own_column_sets_the_features_ours(acme, matrix):
    _, sso = matrix
    response = _client(acme.owner).post(_cell(acme, sso, "us"), {"level": "partial"}, **HTMX)
    assert 'data-level="partial"' in response.content.decode()
    sso.refresh_from_db()
    assert sso.ours == "partial"


def test_a_missing_cell_is_unknown_and_is_created_when_set(acme, matrix):
    rival, _ = matrix
    dark = CompetitorFeature.objects.get(product=acme.product, name="Dark mode")
    client = _client(acme.owner)
    assert (
        '<option value="unknown" selected>'
        in client.get(_cell(acme, dark, rival.pk), **HTMX).content.decode()
    )
    client.post(_cell(acme, dark, rival.pk), {"level": "no"}, **HTMX)
    assert FeatureSupport.objects.get(feature=dark, competitor=rival).level == "no"


def test_without_htmx_the_cell_is_a_small_page_and_saving_redirects(acme, matrix):
    rival, sso = matrix
    client = _client(acme.owner)
    response = client.get(_cell(acme, sso, rival.pk))
    assert response.status_code == 200 and "<html" in response.content.decode()
    response = client.post(_cell(acme, sso, rival.pk), {"level": "no"})
    assert response.status_code == 302 and response.url == _page(acme)


def test_a_bad_level_shows_the_error_in_the_cell_and_writes_nothing(acme, matrix):
    rival, sso = matrix
    before = _changes(acme)
    response = _client(acme.owner).post(_cell(acme, sso, rival.pk), {"level": "maybe"}, **HTMX)
    assert response.status_code == 200
    assert 'data-field-error="level"' in response.content.decode()
    assert _changes(acme) == before


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.VIEWER])
def test_only_planners_edit_the_matrix(acme, matrix, role):
    rival, sso = matrix
    client = _as(acme, role)
    before = _changes(acme)
    assert client.get(_cell(acme, sso, rival.pk), **HTMX).status_code == 403
    assert client.post(_cell(acme, sso, rival.pk), {"level": "no"}, **HTMX).status_code == 403
    assert client.post(_cell(acme, sso, "us"), {"level": "no"}).status_code == 403
    assert _changes(acme) == before


@pytest.mark.parametrize("column", ["ours", "12abc", "99999999"])
def test_an_unknown_column_is_a_404(acme, matrix, column):
    _, sso = matrix
    assert _client(acme.owner).post(_cell(acme, sso, column), {"level": "no"}).status_code == 404


def test_another_products_competitor_or_feature_is_a_404(acme, matrix):
    rival, sso = matrix
    other = make_tenant("Other")
    their_rival = competitor_create(product=other.product, actor=other.owner, name="Theirs")
    their_feature = feature_create(product=other.product, actor=other.owner, name="Theirs")
    client = _client(acme.owner)
    before = _changes(acme), _changes(other)
    assert client.post(_cell(acme, sso, their_rival.pk), {"level": "no"}).status_code == 404
    url = reverse("roadmaps:matrix-cell", args=[acme.product.slug, their_feature.pk, rival.pk])
    assert client.post(url, {"level": "no"}).status_code == 404
    assert (_changes(acme), _changes(other)) == before
