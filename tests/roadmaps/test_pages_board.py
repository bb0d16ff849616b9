"""The Now/Next/Later board page: cards in three columns for every role, drag handles, move
buttons and the create form for planners only; moves write through ``initiative_move`` and the
order holds; a refused create shows the service's error by its field and writes nothing; the
page's query count does not grow with the number of initiatives."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from pmhub import services
from pmhub.capabilities import Role
from roadmaps.demo import roadmap_fill
from roadmaps.models import Initiative
from tests.roadmaps.pages import HTMX, NON_PLANNERS, PLANNERS, build_acme, count_queries
from tests.roadmaps.sample_roadmap import roadmap_snapshot


@pytest.fixture
def acme(db):
    return build_acme()


def _board(acme) -> str:
    return reverse("roadmaps:board", args=[acme.product.slug])


def _column(product, horizon: str) -> list[str]:
    return list(
        Initiative.objects.filter(product=product, horizon=horizon)
        .order_by("rank")
        .values_list("title", flat=True)
    )


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_three_columns_with_their_cards(acme, role):
    html = acme.client(role).get(_board(acme)).content.decode()
    for horizon in ("now", "next", "later"):
        assert f'data-testid="column-{horizon}"' in html
    assert html.count('data-testid="initiative-card"') == 3
    assert "acme onboarding revamp" in html and "acme billing v2" in html
    assert "--theme: #1f77b4" in html  # the theme's colour on the card
    assert "In progress" in html and "At risk" in html  # status and health
    assert "1 dependency" in html  # billing v2 waits for onboarding


@pytest.mark.parametrize("role", PLANNERS)
def test_planners_get_drag_handles_move_buttons_and_the_create_form(acme, role):
    html = acme.client(role).get(_board(acme)).content.decode()
    assert "data-drag-handle" in html and "data-sortable-column" in html
    assert 'aria-label="Move acme billing v2 to now"' in html
    assert 'data-testid="initiative-form"' in html
    assert "roadmap_board.js" in html


@pytest.mark.parametrize("role", NON_PLANNERS)
def test_others_see_the_board_without_drag_handles_or_forms(acme, role):
    html = acme.client(role).get(_board(acme)).content.decode()
    assert "data-drag-handle" not in html and "data-sortable-column" not in html
    assert "data-move=" not in html and 'data-testid="initiative-form"' not in html
    assert "Sortable.min.js" not in html


def test_viewer_cannot_move_an_initiative(acme):
    before = roadmap_snapshot(acme.team.workspace)
    url = reverse("roadmaps:initiative-move", args=[acme.plan.next.pk])
    response = acme.client(Role.VIEWER).post(url, {"horizon": "now"}, **HTMX)
    assert response.status_code == 403
    assert roadmap_snapshot(acme.team.workspace) == before


def test_a_drop_moves_the_card_into_another_column_above_a_card(acme):
    url = reverse("roadmaps:initiative-move", args=[acme.plan.next.pk])
    response = acme.client().post(url, {"horizon": "now", "before": acme.plan.now.pk}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="board-body"')  # the fragment, for htmx
    assert _column(acme.product, "now") == ["acme billing v2", "acme onboarding revamp"]
    assert _column(acme.product, "next") == []
    # Then to the bottom of its new column (blank ``before``), as the "down" button does.
    acme.client().post(url, {"horizon": "now", "before": ""})
    assert _column(acme.product, "now") == ["acme onboarding revamp", "acme billing v2"]


def test_a_move_without_htmx_redirects_to_the_board(acme):
    url = reverse("roadmaps:initiative-move", args=[acme.plan.later.pk])
    response = acme.client().post(url, {"horizon": "next"})
    assert response.status_code == 302 and response["Location"] == _board(acme)
    assert _column(acme.product, "next") == ["acme billing v2", "acme mobile app"]


@pytest.mark.parametrize(
    "data",
    [
        {"horizon": "someday"},
        {"horizon": "now", "before": "abc"},
        {"horizon": "now", "before": "99999999"},
    ],
)
def test_a_move_it_cannot_make_changes_nothing_and_says_why(acme, data):
    before = roadmap_snapshot(acme.team.workspace)
    url = reverse("roadmaps:initiative-move", args=[acme.plan.later.pk])
    response = acme.client().post(url, data, **HTMX)
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert roadmap_snapshot(acme.team.workspace) == before


def test_before_must_be_a_card_of_the_target_column(acme):
    before = roadmap_snapshot(acme.team.workspace)
    url = reverse("roadmaps:initiative-move", args=[acme.plan.later.pk])
    response = acme.client().post(url, {"horizon": "now", "before": acme.plan.next.pk}, **HTMX)
    assert "Drop it next to an initiative of that column." in response.content.decode()
    assert roadmap_snapshot(acme.team.workspace) == before


def test_creating_an_initiative_puts_it_at_the_bottom_of_its_column(acme):
    url = reverse("roadmaps:initiative-create", args=[acme.product.slug])
    response = acme.client(Role.EDITOR).post(
        url,
        {
            "title": "Referral programme",
            "status": "planned",
            "horizon": "now",
            "starts_on": "2026-12-01",
            "ends_on": "2027-01-31",
            "theme": acme.plan.theme.pk,
            "confidence": "70",
        },
    )
    assert response.status_code == 302 and response["Location"] == _board(acme)
    assert _column(acme.product, "now") == ["acme onboarding revamp", "Referral programme"]
    created = Initiative.objects.get(title="Referral programme")
    assert (created.starts_on, created.ends_on) == (date(2026, 12, 1), date(2027, 1, 31))
    assert created.theme == acme.plan.theme and created.confidence == 70


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"starts_on": "2027-02-01", "ends_on": "2027-01-01"},
            "ends_on",
            "The initiative must end on or after its start.",
        ),
        ({"confidence": "140"}, "confidence", "Confidence is a percentage, 0 to 100."),
        ({"title": "   "}, "title", "This field is required."),
        ({"starts_on": "soon"}, "starts_on", "Enter a valid date."),
    ],
)
def test_a_refused_initiative_shows_the_error_by_its_field_and_writes_nothing(
    acme, data, field, message
):
    before = roadmap_snapshot(acme.team.workspace)
    url = reverse("roadmaps:initiative-create", args=[acme.product.slug])
    body = {"title": "Referral programme", "status": "planned", "horizon": "now", **data}
    response = acme.client().post(url, body)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-field-error="{field}">{message}</div>' in html
    assert 'class="collapse show" id="initiative-form"' in html  # the form stays open
    assert roadmap_snapshot(acme.team.workspace) == before


def test_contributor_cannot_create_an_initiative(acme):
    before = roadmap_snapshot(acme.team.workspace)
    url = reverse("roadmaps:initiative-create", args=[acme.product.slug])
    response = acme.client(Role.CONTRIBUTOR).post(url, {"title": "X", "horizon": "now"})
    assert response.status_code == 403
    assert roadmap_snapshot(acme.team.workspace) == before


def test_the_board_runs_the_same_queries_for_ten_or_five_hundred_initiatives(acme):
    counts = []
    for size, (initiatives, releases, dependencies) in enumerate(((10, 2, 20), (500, 50, 2000))):
        product = services.product_create(
            workspace=acme.team.workspace, actor=acme.owner, name=f"Size {size}"
        )
        roadmap_fill(
            product=product,
            owner=acme.owner,
            initiatives=initiatives,
            releases=releases,
            dependencies=dependencies,
            start=date(2026, 10, 1),
        )
        client = acme.client()
        url = reverse("roadmaps:board", args=[product.slug])
        client.get(url)  # the session and its workspace settle on the first request
        queries, response = count_queries(lambda c=client, u=url: c.get(u))
        assert response.content.decode().count('data-testid="initiative-card"') == initiatives
        counts.append(queries)
    assert counts[0] == counts[1], counts
