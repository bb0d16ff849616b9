"""An initiative's page and edit form: sanitized Markdown, the objectives it serves, its
dependencies (added and removed; a cycle shows the service's refusal by its field), releases and
health; the edit form shows refusals by field and writes nothing; the CSV export and the
printable page of a product's roadmap."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from pmhub.capabilities import Role
from roadmaps.models import Initiative
from roadmaps.services.initiatives import initiative_create, initiative_update
from tests.roadmaps.pages import NON_PLANNERS, PLANNERS, build_acme, count_queries
from tests.roadmaps.sample_roadmap import roadmap_snapshot


@pytest.fixture
def acme(db):
    return build_acme()


def _page(acme, initiative, role=Role.OWNER) -> str:
    url = reverse("roadmaps:initiative", args=[initiative.pk])
    response = acme.client(role).get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_initiative(acme, role):
    now = acme.plan.now
    initiative_update(
        initiative=now,
        actor=acme.owner,
        description="**Bold** plan <script>alert(1)</script> [x](javascript:alert(2))",
    )
    html = _page(acme, now, role)
    assert "<strong>Bold</strong> plan" in html
    assert "<script>alert(1)</script>" not in html and "javascript:" not in html
    assert "acme activation objective" in html and "acme company objective" in html
    assert "acme 1.0" in html  # the release carrying it
    assert "In progress" in html and "Now" in html and "At risk" in html
    assert "acme billing v2" in html  # it blocks billing v2
    assert "HEALTH UPDATES AND IMPACT REVIEW" not in html  # the reserved block is a comment
    forms = ('data-testid="dependency-form"', "Choose objectives", " Edit</a>")
    for marker in forms:
        assert (marker in html) == (role in PLANNERS), marker


@pytest.mark.parametrize("role", NON_PLANNERS)
def test_others_cannot_edit_or_link(acme, role):
    before = roadmap_snapshot(acme.team.workspace)
    later = acme.plan.later
    client = acme.client(role)
    for name, body in (
        ("roadmaps:initiative-edit", {"title": "x", "status": "planned"}),
        ("roadmaps:dependency-add", {"depends_on": acme.plan.now.pk}),
        ("roadmaps:initiative-objectives", {"objectives": [acme.plan.objective.pk]}),
    ):
        assert client.post(reverse(name, args=[later.pk]), body).status_code == 403
    remove = reverse("roadmaps:dependency-remove", args=[acme.plan.next.pk, acme.plan.now.pk])
    assert client.post(remove).status_code == 403
    assert roadmap_snapshot(acme.team.workspace) == before


def test_adding_and_removing_a_dependency(acme):
    later, now = acme.plan.later, acme.plan.now
    url = reverse("roadmaps:dependency-add", args=[later.pk])
    response = acme.client().post(url, {"depends_on": now.pk})
    assert response.status_code == 302
    assert list(later.depends_on.all()) == [now]
    html = _page(acme, later)
    assert 'aria-label="Remove the dependency on acme onboarding revamp"' in html
    remove = reverse("roadmaps:dependency-remove", args=[later.pk, now.pk])
    assert acme.client().post(remove).status_code == 302
    assert not later.depends_on.exists()


def test_a_dependency_cycle_shows_the_services_error_and_writes_nothing(acme):
    before = roadmap_snapshot(acme.team.workspace)
    # billing v2 already waits for the onboarding revamp: the other way round closes a loop.
    url = reverse("roadmaps:dependency-add", args=[acme.plan.now.pk])
    response = acme.client().post(url, {"depends_on": acme.plan.next.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field-error="depends_on">“acme billing v2” already depends on' in html
    assert "the dependency would be a cycle." in html
    assert roadmap_snapshot(acme.team.workspace) == before


def test_another_workspaces_initiative_cannot_become_a_dependency(acme, tenant_b):
    theirs = initiative_create(product=tenant_b.product, actor=tenant_b.owner, title="Theirs")
    before = roadmap_snapshot(acme.team.workspace)
    url = reverse("roadmaps:dependency-add", args=[acme.plan.later.pk])
    response = acme.client().post(url, {"depends_on": theirs.pk})
    assert 'data-field-error="depends_on">Select a valid choice.' in response.content.decode()
    assert "Theirs" not in response.content.decode()
    assert roadmap_snapshot(acme.team.workspace) == before


def test_choosing_the_objectives_it_serves(acme):
    later = acme.plan.later
    url = reverse("roadmaps:initiative-objectives", args=[later.pk])
    body = {"objectives": [acme.plan.objective.pk, acme.plan.company_objective.pk]}
    assert acme.client().post(url, body).status_code == 302
    assert set(later.objectives.all()) == {acme.plan.objective, acme.plan.company_objective}
    assert acme.client().post(url, {}).status_code == 302  # none any more
    assert not later.objectives.exists()


def test_editing_an_initiative(acme):
    later = acme.plan.later
    url = reverse("roadmaps:initiative-edit", args=[later.pk])
    page = acme.client(Role.ADMIN).get(url).content.decode()
    assert 'value="acme mobile app"' in page and 'name="horizon"' not in page
    response = acme.client(Role.ADMIN).post(
        url,
        {
            "title": "Mobile app",
            "description": "iOS first",
            "status": "planned",
            "starts_on": "2027-04-01",
            "ends_on": "2027-06-30",
            "owner": acme.team.members[Role.EDITOR].pk,
            "theme": acme.plan.theme.pk,
            "confidence": "40",
        },
    )
    assert response.status_code == 302
    later = Initiative.objects.get(pk=later.pk)
    assert (later.title, later.status, later.confidence) == ("Mobile app", "planned", 40)
    assert (later.starts_on, later.ends_on) == (date(2027, 4, 1), date(2027, 6, 30))
    assert later.owner == acme.team.members[Role.EDITOR] and later.horizon == "later"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"starts_on": "2027-06-30", "ends_on": "2027-04-01"},
            "ends_on",
            "The initiative must end on or after its start.",
        ),
        ({"confidence": "-5"}, "confidence", "Confidence is a percentage, 0 to 100."),
        ({"status": "dreaming"}, "status", "Select a valid choice."),
        ({"owner": "999999"}, "owner", "Select a valid choice."),
    ],
)
def test_a_refused_edit_names_its_field_and_writes_nothing(acme, data, field, message):
    before = roadmap_snapshot(acme.team.workspace)
    url = reverse("roadmaps:initiative-edit", args=[acme.plan.later.pk])
    response = acme.client().post(url, {"title": "Mobile app", "status": "planned", **data})
    assert response.status_code == 200
    assert f'data-field-error="{field}">{message}' in response.content.decode()
    assert roadmap_snapshot(acme.team.workspace) == before


def test_the_page_runs_the_same_queries_with_more_links(acme):
    client = acme.client()
    now = acme.plan.now
    url = reverse("roadmaps:initiative", args=[now.pk])
    client.get(url)
    small, _ = count_queries(lambda: client.get(url))
    for n in range(10):
        other = initiative_create(product=acme.product, actor=acme.owner, title=f"Other {n}")
        other.depends_on.add(now)
        now.depends_on.add(
            initiative_create(product=acme.product, actor=acme.owner, title=f"Before {n}")
        )
    large, response = count_queries(lambda: client.get(url))
    assert response.content.decode().count('data-testid="dependency"') == 10
    assert small == large


# --- Export -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OWNER])
def test_the_csv_lists_the_roadmap_now_next_later(acme, role):
    initiative_create(
        product=acme.product, actor=acme.owner, title="=HYPERLINK(evil)", horizon="now"
    )
    initiative_update(initiative=acme.plan.now, actor=acme.owner, owner=acme.owner, confidence=80)
    response = acme.client(role).get(reverse("roadmaps:export-csv", args=[acme.product.slug]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="acme-product-roadmap-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "title",
        "horizon",
        "status",
        "starts_on",
        "ends_on",
        "theme",
        "objectives",
        "owner",
        "confidence",
        "health",
    ]
    titles = [row[0] for row in rows[1:]]
    assert titles == [
        "acme onboarding revamp",
        "'=HYPERLINK(evil)",  # a spreadsheet shows it as text, never runs it
        "acme billing v2",
        "acme mobile app",
    ]
    now = acme.plan.now
    assert rows[1][1:7] == [
        "Now",
        "In progress",
        now.starts_on.isoformat(),
        now.ends_on.isoformat(),
        "acme growth",
        "acme activation objective; acme company objective",
    ]
    assert rows[1][7:] == [acme.owner.username, "80", "At risk"]


def test_the_printable_page_lists_each_horizon_without_controls(acme):
    html = acme.client(Role.VIEWER).get(reverse("roadmaps:print", args=[acme.product.slug]))
    html = html.content.decode()
    for horizon in ("now", "next", "later"):
        assert f'data-testid="print-{horizon}"' in html
    assert html.index("acme onboarding revamp") < html.index("acme billing v2")
    assert html.index("acme billing v2") < html.index("acme mobile app")
    assert "roadmap.css" in html and "data-print" in html  # the print stylesheet, a Print button
    assert "data-drag-handle" not in html and "data-move=" not in html
