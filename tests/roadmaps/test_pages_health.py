"""Health updates from the browser: the panel an initiative or objective page includes
(``{% health_panel subject %}``) and the POST views behind it (launch.update)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pmhub.capabilities import Capabilities, Role
from pmhub.models import AuditEvent
from roadmaps.models import HealthUpdate, Initiative, Objective
from roadmaps.services.health import health_update_post
from roadmaps.services.initiatives import initiative_create
from roadmaps.services.okrs import objective_create
from tests.factories import make_member, make_tenant

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def acme(db):
    return make_tenant("Acme")


@pytest.fixture
def initiative(acme) -> Initiative:
    return initiative_create(product=acme.product, actor=acme.owner, title="Onboarding")


@pytest.fixture
def company_objective(acme) -> Objective:
    return objective_create(
        workspace=acme.workspace,
        actor=acme.owner,
        title="Grow",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 3, 31),
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _as(acme, role: str) -> Client:
    return _client(acme.owner if role == Role.OWNER else make_member(acme.workspace, role))


def _url(subject) -> str:
    kind = "initiative" if isinstance(subject, Initiative) else "objective"
    return reverse(f"roadmaps:{kind}-health", args=[subject.pk])


def _changes(acme) -> tuple:
    return (
        list(HealthUpdate.objects.filter(workspace=acme.workspace).values()),
        list(Initiative.objects.filter(product=acme.product).values("pk", "health")),
        AuditEvent.objects.filter(workspace=acme.workspace).count(),
    )


def test_a_contributor_posts_an_initiatives_health_and_gets_the_panel_back(acme, initiative):
    response = _as(acme, Role.CONTRIBUTOR).post(
        _url(initiative), {"health": "at_risk", "note": "Vendor  is late"}, **HTMX
    )
    assert response.status_code == 200 and "HX-Request" in response["Vary"]
    html = response.content.decode()
    assert f'id="health-initiative-{initiative.pk}"' in html and "<html" not in html
    assert "At risk" in html
    assert "Vendor is late" in html and "Update posted." in html
    initiative.refresh_from_db()
    assert initiative.health == "at_risk"


def test_a_company_objectives_health_is_posted_the_same_way(acme, company_objective):
    response = _client(acme.owner).post(
        _url(company_objective), {"health": "off_track", "note": "Missed"}, **HTMX
    )
    assert f'id="health-objective-{company_objective.pk}"' in response.content.decode()
    company_objective.refresh_from_db()
    assert company_objective.health == "off_track"


def test_without_htmx_it_redirects_back_to_the_page_it_came_from(acme, initiative):
    back = reverse("roadmaps:initiative", args=[initiative.pk])
    response = _client(acme.owner).post(
        _url(initiative), {"health": "on_track", "next": back}, follow=False
    )
    assert response.status_code == 302 and response.url == back


def test_a_next_on_another_site_is_ignored(acme, initiative):
    response = _client(acme.owner).post(
        _url(initiative), {"health": "on_track", "next": "https://evil.example/"}
    )
    assert response.url == reverse("product-detail", args=[acme.product.slug])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"health": "great"}, "health"),
        ({}, "health"),
        ({"health": "on_track", "note": "x" * 600}, "note"),
    ],
)
def test_a_bad_update_shows_the_field_error_and_writes_nothing(acme, initiative, body, field):
    before = _changes(acme)
    response = _client(acme.owner).post(_url(initiative), body, **HTMX)
    assert response.status_code == 200
    assert f'data-field-error="{field}"' in response.content.decode()
    assert _changes(acme) == before


def test_without_htmx_a_bad_update_says_why_after_the_redirect(acme, initiative):
    response = _client(acme.owner).post(_url(initiative), {"health": "great"}, follow=True)
    assert "The health update was not saved" in response.content.decode()


def test_a_viewer_cannot_post_health(acme, initiative, company_objective):
    client = _as(acme, Role.VIEWER)
    before = _changes(acme)
    assert client.post(_url(initiative), {"health": "on_track"}).status_code == 403
    assert client.post(_url(company_objective), {"health": "on_track"}).status_code == 403
    assert _changes(acme) == before


def test_another_workspaces_initiative_or_objective_is_a_404(acme):
    other = make_tenant("Other")
    theirs = initiative_create(product=other.product, actor=other.owner, title="Theirs")
    their_objective = objective_create(
        workspace=other.workspace,
        actor=other.owner,
        title="Theirs",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 3, 31),
    )
    client = _client(acme.owner)
    assert client.post(_url(theirs), {"health": "on_track"}).status_code == 404
    assert client.post(_url(their_objective), {"health": "on_track"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.health == ""


# --- The panel the planning pages include ---------------------------------------------------------

PANEL = Template("{% load roadmaps_health %}{% health_panel subject %}")


def _panel(acme, subject, role: str) -> str:
    request = RequestFactory().get("/roadmap/initiatives/1/")
    request.user = acme.owner
    context = Context({"request": request, "can": Capabilities(role), "csrf_token": "tok"})
    context["subject"] = subject
    return PANEL.render(context)


@pytest.mark.parametrize("role", list(Role))
def test_the_panel_shows_the_history_and_the_form_to_makers_only(acme, initiative, role):
    health_update_post(subject=initiative, actor=acme.owner, health="at_risk", note="Slipping")
    health_update_post(subject=initiative, actor=acme.owner, health="on_track", note="Back")
    html = _panel(acme, initiative, role)
    assert html.index("Back") < html.index("Slipping")  # newest first
    assert ('data-testid="health-form"' in html) == (role != Role.VIEWER)
    assert 'name="next" value="/roadmap/initiatives/1/"' in html or role == Role.VIEWER


def test_the_panel_reads_a_fixed_number_of_queries(acme, initiative):
    health_update_post(subject=initiative, actor=acme.owner, health="at_risk")
    with CaptureQueriesContext(connection) as few:
        _panel(acme, initiative, Role.OWNER)
    for n in range(15):
        author = make_member(acme.workspace, Role.CONTRIBUTOR)
        health_update_post(subject=initiative, actor=author, health="on_track", note=f"n{n}")
    with CaptureQueriesContext(connection) as many:
        html = _panel(acme, initiative, Role.OWNER)
    assert len(many.captured_queries) == len(few.captured_queries) == 1
    assert html.count('class="health-update ') == 10  # the latest ten


# --- On the initiative page -----------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_the_initiative_page_carries_the_health_panel_and_the_impact_review(acme, initiative, role):
    health_update_post(subject=initiative, actor=acme.owner, health="at_risk", note="Slipping")
    html = (
        _as(acme, role).get(reverse("roadmaps:initiative", args=[initiative.pk])).content.decode()
    )
    assert f'id="health-initiative-{initiative.pk}"' in html and "Slipping" in html
    assert ('data-testid="health-form"' in html) == (role != Role.VIEWER)
    assert 'data-testid="impact-review"' in html


# --- An objective's updates page ------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_an_objectives_updates_and_makers_post_there(
    acme, company_objective, role
):
    health_update_post(subject=company_objective, actor=acme.owner, health="at_risk", note="Q1")
    url = reverse("roadmaps:objective-updates", args=[company_objective.pk])
    client = _as(acme, role)
    html = client.get(url).content.decode()
    assert "Grow" in html and "Company objective" in html and "Q1" in html
    assert ('data-testid="health-form"' in html) == (role != Role.VIEWER)
    if role != Role.VIEWER:
        response = client.post(_url(company_objective), {"health": "on_track", "next": url})
        assert response.status_code == 302 and response.url == url


def test_the_okr_tree_links_each_objective_to_its_updates(acme, company_objective):
    html = _client(acme.owner).get(reverse("roadmaps:objectives")).content.decode()
    assert reverse("roadmaps:objective-updates", args=[company_objective.pk]) in html
