"""The event explorer page: the latest events, filters, expandable rows, rejections, live refresh.

htmx polls get only the ``events-table`` fragment (``Vary: HX-Request``); events arrive through
the ingestion HTTP path.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from metrics.pages import EXPLORER_ROWS
from pmhub.capabilities import Role
from tests.factories import make_member

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "events-table"}


def explorer(product) -> str:
    return reverse("metrics:product-events", args=[product.slug])


def msg(message_id: str, **fields) -> dict:
    body = {"type": "track", "event": "Signed Up", "userId": "u1", "messageId": message_id}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def send(source, *messages: dict) -> None:
    assert source.post("/v1/batch", {"batch": list(messages)}).status_code in (200, 400)


@pytest.fixture
def owner(source) -> Client:
    client = Client()
    client.force_login(source.tenant.owner)
    return client


def rows(html: str) -> list[str]:
    """The message ids of the event rows, top to bottom."""
    return re.findall(r"<code>(m-[\w-]+)</code>", html)


def test_page_shows_the_latest_events_newest_first_with_type_and_person(source, owner):
    send(source, msg("m-1", event="Signed Up", userId="ada"))
    send(
        source, msg("m-2", type="page", event=None, name="Pricing", userId=None, anonymousId="an-1")
    )
    send(source, msg("m-3", event="Purchased", userId="bob", properties={"revenue": 12}))
    response = owner.get(explorer(source.product))
    assert response.status_code == 200
    html = response.content.decode()
    assert rows(html) == ["m-3", "m-2", "m-1"]
    table = html.split('data-testid="event-table"')[1].split("</table>")[0]
    for text in (
        "Purchased",
        "Pricing",
        "Signed Up",
        "event-type-page",
        "an-1",
        "anonymous",
        "bob",
    ):
        assert text in table, text
    assert "No event matches" not in html and "No events yet" not in html


def test_each_row_expands_to_its_properties_as_escaped_json(source, owner):
    send(source, msg("m-x", properties={"plan": "pro", "note": "<script>alert(1)</script>"}))
    html = owner.get(explorer(source.product)).content.decode()
    assert 'data-toggle-row="#event-' in html and 'class="event-detail"' in html
    detail = html.split('data-testid="event-properties"')[1].split("</pre>")[0]
    assert "&quot;plan&quot;: &quot;pro&quot;" in detail
    assert "&lt;script&gt;" in detail and "<script>alert" not in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"event": "Purchased"}, ["m-3"]),
        ({"type": "page"}, ["m-2"]),
        ({"person": "an-1"}, ["m-2"]),
        ({"person": "ada"}, ["m-1"]),
        ({"event": "Signed Up", "type": "", "person": ""}, ["m-1"]),
    ],
)
def test_filters_narrow_the_table(source, owner, params, expected):
    send(
        source,
        msg("m-1", event="Signed Up", userId="ada"),
        msg("m-2", type="page", event=None, name="Pricing", userId=None, anonymousId="an-1"),
        msg("m-3", event="Purchased", userId="bob"),
    )
    html = owner.get(explorer(source.product), params).content.decode()
    assert rows(html) == expected
    # The filter form keeps what was asked.
    for name in ("event", "person"):
        if params.get(name):
            assert f'name="{name}" id="id_{name}" value="{params[name]}"' in " ".join(html.split())
    if params.get("type"):
        assert re.search(rf'<option value="{params["type"]}"\s+selected', html)


def test_a_filter_that_matches_nothing_says_so(source, owner):
    send(source, msg("m-1"))
    html = owner.get(explorer(source.product), {"event": "Nope"}).content.decode()
    assert rows(html) == [] and "No event matches these filters." in html


def test_a_bad_filter_is_a_message_on_the_page_never_an_error(source, owner):
    send(source, msg("m-1"))
    response = owner.get(explorer(source.product), {"type": "click", "since": "soon"})
    assert response.status_code == 200
    html = response.content.decode()
    assert rows(html) == []
    assert 'data-field-error="type"' in html and 'data-field-error="since"' in html


def test_an_empty_product_points_managers_to_event_sources(source, owner):
    html = owner.get(explorer(source.product)).content.decode()
    assert "No events yet" in html
    assert reverse("metrics:product-sources", args=[source.product.slug]) in html


# --- Live refresh (htmx) -------------------------------------------------------------------------


def test_the_table_polls_every_3_seconds_for_its_own_filters(source, owner):
    html = owner.get(explorer(source.product), {"event": "Signed Up"}).content.decode()
    section = html.split('id="events-table"')[1].split(">")[0]
    assert 'hx-trigger="every 3s"' in section and "data-live-refresh" in section
    assert f'hx-get="{explorer(source.product)}?event=Signed+Up"' in section
    assert "data-live-pause-on-focus" in html  # the filters pause it while focused


def test_an_htmx_poll_gets_only_the_table_fragment_with_new_events(source, owner):
    send(source, msg("m-1"))
    owner.get(explorer(source.product))
    send(source, msg("m-2", event="Logged In"))
    response = owner.get(explorer(source.product), **HTMX)
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="events-table"')
    assert "<html" not in html and "<form" not in html and 'id="rejections"' not in html
    assert rows(html) == ["m-2", "m-1"]

    full = owner.get(explorer(source.product))
    assert "HX-Request" in full["Vary"] and "<html" in full.content.decode()


def test_the_rejections_panel_shows_why_messages_were_refused_and_polls_alone(source, owner):
    send(source, msg("m-ok"), msg("m-bad", userId=None))
    html = owner.get(explorer(source.product)).content.decode()
    panel = html.split('data-testid="rejections"')[1]
    assert "Rejected messages" in panel and "m-bad" in panel
    assert "userId" in panel or "anonymousId" in panel  # the reason names what is missing

    fragment = owner.get(
        explorer(source.product), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="rejections"
    ).content.decode()
    assert fragment.lstrip().startswith('<section id="rejections"')
    assert "m-bad" in fragment and 'id="events-table"' not in fragment


def test_older_events_are_a_cursor_away_and_are_not_polled(source, owner):
    count = EXPLORER_ROWS + 5
    send(source, *[msg(f"m-{i:03d}") for i in range(count)])
    html = owner.get(explorer(source.product)).content.decode()
    latest = rows(html)
    assert len(latest) == EXPLORER_ROWS and latest[0] == f"m-{count - 1:03d}"
    older_link = re.search(r'href="([^"]*before=\d+)"', html)
    assert older_link is not None
    older = owner.get(older_link.group(1).replace("&amp;", "&")).content.decode()
    assert rows(older) == [f"m-{i:03d}" for i in range(4, -1, -1)]
    section = older.split('id="events-table"')[1].split(">")[0]
    assert "every 3s" not in section
    assert "Back to the latest" in older
    assert owner.get(explorer(source.product), {"before": "x" * 40}).status_code == 200


def test_viewers_read_the_explorer_without_any_write_controls(source):
    send(source, msg("m-1"))
    viewer = make_member(source.tenant.workspace, Role.VIEWER)
    client = Client()
    client.force_login(viewer)
    response = client.get(explorer(source.product))
    assert response.status_code == 200
    html = response.content.decode()
    assert rows(html) == ["m-1"]
    assert "/sources/" not in html and 'method="post"' not in html.split("<main")[1]
