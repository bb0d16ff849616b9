"""The release pages: the list by target date with checklist progress, the release page with its
notes and launch checklist (ticked in place with htmx), the release form and shipping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from metrics.models import Annotation
from pmhub.capabilities import Role
from pmhub.models import AuditEvent
from roadmaps.models import ChecklistItem, Release, ReleaseStatus
from roadmaps.services.initiatives import initiative_create
from roadmaps.services.releases import checklist_item_create, release_create
from tests.factories import make_member, make_tenant

HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = timezone.localdate()


@pytest.fixture
def acme(db):
    return make_tenant("Acme")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _as(acme, role: str) -> Client:
    user = acme.owner if role == Role.OWNER else make_member(acme.workspace, role)
    return _client(user)


def _release(acme, name: str = "1.0", days: int = 14, **fields) -> Release:
    return release_create(
        product=acme.product,
        actor=acme.owner,
        name=name,
        target_date=TODAY + timedelta(days=days),
        **fields,
    )


def _item(release: Release, actor, title: str, **fields) -> ChecklistItem:
    return checklist_item_create(release=release, actor=actor, title=title, **fields)


def _url(name: str, release: Release, *extra) -> str:
    return reverse(f"roadmaps:{name}", args=[release.product.slug, release.pk, *extra])


def _writes(acme) -> tuple:
    return (
        list(Release.objects.filter(product=acme.product).values()),
        list(ChecklistItem.objects.filter(release__product=acme.product).values()),
        AuditEvent.objects.filter(workspace=acme.workspace).count(),
    )


# --- The list -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_releases_with_their_checklist_progress(acme, role):
    release = _release(acme, "Spring launch", is_milestone=True)
    done = _item(release, acme.owner, "Docs written")
    _item(release, acme.owner, "Support briefed")
    _item(release, acme.owner, "Pricing page")
    from roadmaps.services.releases import checklist_item_set_done

    checklist_item_set_done(item=done, actor=acme.owner, done=True)
    response = _as(acme, role).get(reverse("roadmaps:release-list", args=[acme.product.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Spring launch" in html and "1/3 done" in html and "Milestone" in html
    planner = role in (Role.OWNER, Role.ADMIN, Role.EDITOR)
    assert (reverse("roadmaps:release-create", args=[acme.product.slug]) in html) == planner


def test_the_list_is_ordered_by_target_date_and_flags_overdue_items_and_late_releases(acme):
    later = _release(acme, "Later", days=40)
    late = _release(acme, "Late", days=-3)
    _item(later, acme.owner, "Overdue task", due_on=TODAY - timedelta(days=1))
    _item(later, acme.owner, "Due tomorrow", due_on=TODAY + timedelta(days=1))
    html = (
        _client(acme.owner)
        .get(reverse("roadmaps:release-list", args=[acme.product.slug]))
        .content.decode()
    )
    assert html.index(">Late<") < html.index(">Later<")
    assert "1 overdue item" in html
    assert html.count('data-testid="release-late"') == 1  # "Late" is past its date and open
    assert late.name in html


def test_the_list_reads_a_fixed_number_of_queries_whatever_the_number_of_releases(acme):
    client = _client(acme.owner)
    url = reverse("roadmaps:release-list", args=[acme.product.slug])
    _item(_release(acme, "R0"), acme.owner, "task")
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(1, 12):
        release = _release(acme, f"R{n}", days=n)
        for i in range(3):
            _item(release, acme.owner, f"task {i}", due_on=TODAY - timedelta(days=i))
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


# --- The release page -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_a_release_and_only_makers_get_the_checkboxes(acme, role):
    release = _release(acme, "2.0", notes="**Bold** news")
    item = _item(release, acme.owner, "Docs written")
    response = _as(acme, role).get(_url("release-detail", release))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>Bold</strong>" in html and "Docs written" in html
    makers = role != Role.VIEWER
    planner = role in (Role.OWNER, Role.ADMIN, Role.EDITOR)
    assert (_url("checklist-done", release, item.pk) in html) == makers
    assert ('data-testid="checklist-form"' in html) == planner
    assert (_url("release-ship", release) in html) == planner
    assert (_url("release-edit", release) in html) == planner


def test_release_notes_are_sanitized(acme):
    release = _release(acme, notes="Hi <script>alert(1)</script> [x](javascript:alert(2))")
    html = _client(acme.owner).get(_url("release-detail", release)).content.decode()
    assert "<script>alert(1)" not in html and "javascript:alert" not in html


def test_overdue_items_are_highlighted_on_the_release_page(acme):
    release = _release(acme)
    _item(release, acme.owner, "Late task", due_on=TODAY - timedelta(days=2))
    _item(release, acme.owner, "Fine task", due_on=TODAY + timedelta(days=2))
    html = _client(acme.owner).get(_url("release-detail", release)).content.decode()
    assert html.count("is-overdue") == 1 and "(overdue)" in html


def test_the_release_page_reads_a_fixed_number_of_queries(acme):
    release = _release(acme)
    member = make_member(acme.workspace, Role.CONTRIBUTOR)
    client = _client(acme.owner)
    _item(release, acme.owner, "first", owner=member)
    client.get(_url("release-detail", release))
    with CaptureQueriesContext(connection) as few:
        client.get(_url("release-detail", release))
    for i in range(10):
        _item(release, acme.owner, f"task {i}", owner=member, due_on=TODAY)
        initiative_create(product=acme.product, actor=acme.owner, title=f"I{i}")
    with CaptureQueriesContext(connection) as many:
        client.get(_url("release-detail", release))
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Ticking the checklist in place ---------------------------------------------------------------


def test_a_contributor_ticks_an_item_in_place_and_the_counter_follows(acme):
    release = _release(acme)
    item = _item(release, acme.owner, "Docs written")
    _item(release, acme.owner, "Support briefed")
    contributor = _as(acme, Role.CONTRIBUTOR)
    response = contributor.post(_url("checklist-done", release, item.pk), {"done": "1"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="checklist-item-{item.pk}"' in html and "is-done" in html
    assert 'hx-swap-oob="true"' in html and "1/2 done" in html
    assert "HX-Request" in response["Vary"]
    item.refresh_from_db()
    assert item.done and item.done_at is not None
    response = contributor.post(_url("checklist-done", release, item.pk), {"done": "0"}, **HTMX)
    item.refresh_from_db()
    assert not item.done and "0/2 done" in response.content.decode()


def test_without_htmx_ticking_redirects_back_to_the_release(acme):
    release = _release(acme)
    item = _item(release, acme.owner, "Docs written")
    response = _client(acme.owner).post(_url("checklist-done", release, item.pk), {"done": "1"})
    assert response.status_code == 302 and response.url == _url("release-detail", release)


def test_a_viewer_cannot_tick_an_item(acme):
    release = _release(acme)
    item = _item(release, acme.owner, "Docs written")
    before = _writes(acme)
    response = _as(acme, Role.VIEWER).post(_url("checklist-done", release, item.pk), {"done": "1"})
    assert response.status_code == 403 and _writes(acme) == before


def test_an_item_of_another_release_is_a_404(acme):
    one, other = _release(acme, "one"), _release(acme, "other")
    item = _item(other, acme.owner, "Docs written")
    response = _client(acme.owner).post(_url("checklist-done", one, item.pk), {"done": "1"})
    assert response.status_code == 404


# --- Adding and removing items --------------------------------------------------------------------


def test_a_planner_adds_an_item_with_owner_and_due_date(acme):
    release = _release(acme)
    member = make_member(acme.workspace, Role.CONTRIBUTOR)
    due = (TODAY + timedelta(days=3)).isoformat()
    response = _client(acme.owner).post(
        _url("checklist-add", release), {"title": "Blog post", "owner": member.pk, "due_on": due}
    )
    assert response.status_code == 302
    item = release.checklist.get()
    assert (item.title, item.owner, item.due_on.isoformat()) == ("Blog post", member, due)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x", "due_on": "not a date"}, "due_on"),
        ({"title": "x", "owner": "999999"}, "owner"),
    ],
)
def test_a_bad_item_shows_the_field_error_and_writes_nothing(acme, body, field):
    release = _release(acme)
    before = _writes(acme)
    response = _client(acme.owner).post(_url("checklist-add", release), body)
    assert response.status_code == 200
    assert f'data-field-error="{field}"' in response.content.decode()
    assert _writes(acme) == before


def test_an_owner_from_another_workspace_is_refused(acme):
    release = _release(acme)
    stranger = make_tenant("Other").owner
    before = _writes(acme)
    response = _client(acme.owner).post(
        _url("checklist-add", release), {"title": "x", "owner": stranger.pk}
    )
    assert 'data-field-error="owner"' in response.content.decode()
    assert _writes(acme) == before


def test_a_planner_removes_an_item(acme):
    release = _release(acme)
    item = _item(release, acme.owner, "Docs written")
    response = _client(acme.owner).post(_url("checklist-remove", release, item.pk))
    assert response.status_code == 302 and not release.checklist.exists()


# --- The release form -----------------------------------------------------------------------------


def test_a_planner_creates_a_release_carrying_initiatives(acme):
    initiative = initiative_create(product=acme.product, actor=acme.owner, title="Onboarding")
    response = _client(acme.owner).post(
        reverse("roadmaps:release-create", args=[acme.product.slug]),
        {
            "name": "3.0",
            "target_date": (TODAY + timedelta(days=30)).isoformat(),
            "status": "planned",
            "is_milestone": "on",
            "notes": "# Notes",
            "initiatives": [initiative.pk],
        },
    )
    release = Release.objects.get(product=acme.product, name="3.0")
    assert response.status_code == 302 and response.url == _url("release-detail", release)
    assert release.is_milestone and list(release.initiatives.all()) == [initiative]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "target_date": "2030-01-01", "status": "planned"}, "name"),
        ({"name": "x", "target_date": "", "status": "planned"}, "target_date"),
        ({"name": "x", "target_date": "2030-13-45", "status": "planned"}, "target_date"),
        ({"name": "x", "target_date": "2030-01-01", "status": "gone"}, "status"),
        ({"name": "1.0", "target_date": "2030-01-01", "status": "planned"}, "name"),  # taken
    ],
)
def test_a_bad_release_shows_the_field_error_and_writes_nothing(acme, body, field):
    _release(acme, "1.0")
    before = _writes(acme)
    response = _client(acme.owner).post(
        reverse("roadmaps:release-create", args=[acme.product.slug]), body
    )
    assert response.status_code == 200
    assert f'data-field-error="{field}"' in response.content.decode()
    assert _writes(acme) == before


def test_an_initiative_of_another_product_is_refused_and_nothing_is_saved(acme):
    other = make_tenant("Other")
    foreign = initiative_create(product=other.product, actor=other.owner, title="Theirs")
    release = _release(acme, "1.0")
    before = _writes(acme)
    response = _client(acme.owner).post(
        _url("release-edit", release),
        {
            "name": "Renamed",
            "target_date": "2030-01-01",
            "status": "planned",
            "initiatives": [foreign.pk],
        },
    )
    assert 'data-field-error="initiatives"' in response.content.decode()
    assert _writes(acme) == before


def test_editing_shows_the_current_values_and_saves_changes(acme):
    release = _release(acme, "1.0", notes="old notes")
    client = _client(acme.owner)
    assert "old notes" in client.get(_url("release-edit", release)).content.decode()
    response = client.post(
        _url("release-edit", release),
        {"name": "1.0 final", "target_date": "2030-02-01", "status": "in_progress", "notes": "new"},
    )
    assert response.status_code == 302
    release.refresh_from_db()
    assert (release.name, release.status, release.notes) == ("1.0 final", "in_progress", "new")


# --- Shipping -------------------------------------------------------------------------------------


def test_shipping_marks_the_release_and_says_the_charts_were_annotated(acme):
    release = _release(acme, "Big bang")
    response = _client(acme.owner).post(_url("release-ship", release), follow=True)
    release.refresh_from_db()
    assert release.status == ReleaseStatus.SHIPPED and release.shipped_on == TODAY
    assert Annotation.objects.filter(product=acme.product, text="Shipped Big bang").exists()
    html = response.content.decode()
    assert "shipped on" in html and "now carry a “Shipped Big bang” annotation" in html
    assert "Acme Product" in html
    assert _url("release-ship", release) not in html  # no second Ship button


def test_setting_the_status_to_shipped_in_the_form_ships_it_too(acme):
    release = _release(acme, "Form ship")
    response = _client(acme.owner).post(
        _url("release-edit", release),
        {"name": "Form ship", "target_date": "2030-01-01", "status": "shipped"},
        follow=True,
    )
    assert "annotation" in response.content.decode()
    assert Annotation.objects.filter(product=acme.product, text="Shipped Form ship").exists()


def test_a_cancelled_release_cannot_ship_and_the_page_says_why(acme):
    release = _release(acme, status="cancelled")
    before = _writes(acme)
    response = _client(acme.owner).post(_url("release-ship", release), follow=True)
    assert "cannot ship" in response.content.decode()
    assert _writes(acme) == before


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.VIEWER])
def test_only_planners_ship_or_delete(acme, role):
    release = _release(acme)
    client = _as(acme, role)
    before = _writes(acme)
    assert client.post(_url("release-ship", release)).status_code == 403
    assert client.post(_url("release-delete", release)).status_code == 403
    assert _writes(acme) == before


def test_a_planner_deletes_a_release(acme):
    release = _release(acme)
    response = _client(acme.owner).post(_url("release-delete", release))
    assert response.status_code == 302 and not Release.objects.filter(pk=release.pk).exists()


def test_another_workspaces_release_is_a_404(acme):
    other = make_tenant("Other")
    theirs = release_create(
        product=other.product, actor=other.owner, name="Secret", target_date=TODAY
    )
    client = _client(acme.owner)
    assert client.get(_url("release-detail", theirs)).status_code == 404
    # Their release under our product's slug: the release must belong to the product in the URL.
    url = reverse("roadmaps:release-detail", args=[acme.product.slug, theirs.pk])
    assert client.get(url).status_code == 404
