"""The backlog rolls up into the roadmap: each initiative shows its items' progress (done points
÷ points, and item counts) on the board, the timeline and its page; each release lists what it
carries and how much is done. Won't-do items count in neither total."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backlog.models import Status
from backlog.services.items import item_create, item_update
from roadmaps.progress import Progress, initiatives_progress, release_contents, releases_progress
from roadmaps.services.initiatives import initiative_create
from roadmaps.services.releases import release_create
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    acme = make_tenant("Acme")
    today = timezone.localdate()
    initiative = initiative_create(
        product=acme.product,
        actor=acme.owner,
        title="Single sign-on",
        horizon="now",
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=20),
    )
    idle = initiative_create(product=acme.product, actor=acme.owner, title="Idle bet")
    release = release_create(
        product=acme.product, actor=acme.owner, name="2.0", target_date=today + timedelta(days=5)
    )

    def add(title, points, status, **links):
        item = item_create(
            product=acme.product, actor=acme.owner, title=title, estimate=points, **links
        )
        for step in {
            Status.DONE: (Status.READY, Status.IN_PROGRESS, Status.DONE),
            Status.IN_PROGRESS: (Status.READY, Status.IN_PROGRESS),
            Status.WONT_DO: (Status.WONT_DO,),
            Status.NEW: (),
        }[status]:
            item_update(item=item, actor=acme.owner, status=step)
        return item

    add("SAML login", 5, Status.DONE, initiative=initiative, release=release)
    add("Okta app", 3, Status.IN_PROGRESS, initiative=initiative, release=release)
    add("Azure AD", 2, Status.NEW, initiative=initiative)
    add("LDAP", 8, Status.WONT_DO, initiative=initiative, release=release)
    return acme, initiative, idle, release


def _page(acme, name, *args) -> str:
    client = Client()
    client.force_login(acme.owner)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def test_progress_counts_done_points_and_items_without_dropped_work(plan):
    _, initiative, idle, release = plan
    assert initiatives_progress([initiative.pk, idle.pk]) == {
        initiative.pk: Progress(done_items=1, total_items=3, done_points=5, total_points=10)
    }
    assert initiatives_progress([initiative.pk])[initiative.pk].percent == 50
    assert releases_progress([release.pk])[release.pk] == Progress(1, 2, 5, 8)
    contents = release_contents(release.pk)
    assert [(w.title, w.status, w.done, w.points) for w in contents] == [
        ("SAML login", "Done", True, 5),
        ("Okta app", "In progress", False, 3),
        ("LDAP", "Won't do", False, 8),
    ]


def test_the_board_timeline_and_initiative_page_show_it(plan):
    acme, initiative, _, _ = plan
    board = _page(acme, "roadmaps:board", acme.product.slug)
    assert "50% done · 1/3 items" in board
    timeline = _page(acme, "roadmaps:timeline", acme.product.slug)
    assert 'data-testid="timeline-progress"' in timeline and "50% done" in timeline
    page = _page(acme, "roadmaps:initiative", initiative.pk)
    assert "1 of 3 items" in page and "5 / 10 points" in page


def test_the_release_page_lists_what_it_carries(plan):
    acme, _, _, release = plan
    page = _page(acme, "roadmaps:release-detail", acme.product.slug, release.pk)
    for title in ("SAML login", "Okta app", "LDAP"):
        assert title in page
    assert "Azure AD" not in page
    assert "1 of 2 items" in page and "5 / 8 points" in page
    assert "1 of 2 items" in _page(acme, "roadmaps:release-list", acme.product.slug)


def test_an_initiative_without_items_says_so(plan):
    acme, _, idle, _ = plan
    assert "No backlog items yet." in _page(acme, "roadmaps:initiative", idle.pk)


def test_the_board_reads_progress_in_one_query_however_many_items(plan):
    acme, initiative, _, _ = plan
    client = Client()
    client.force_login(acme.owner)
    url = reverse("roadmaps:board", args=[acme.product.slug])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for n in range(20):
        item_create(
            product=acme.product,
            actor=acme.owner,
            title=f"more {n}",
            estimate=1,
            initiative=initiative,
        )
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert len(after) == len(before)
    assert "17% done · 1/23 items" in response.content.decode()  # 5 of 30 points
