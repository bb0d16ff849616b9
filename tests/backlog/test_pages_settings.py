"""A product's backlog settings page: everyone reads it, configurers change it; the formula is
checked live (the position of a problem with a caret under it, or the scores of the top items);
a new framework rescoring in the background shows a notice that polls until it is done, and
every input survives a switch of framework; custom fields and labels are added, changed and
deleted, bad input names its field and writes nothing, and the page reads fixed queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backlog.models import BacklogSettings, CustomField, Item, Label
from backlog.services.fields import custom_field_create, label_create
from backlog.services.items import item_update
from backlog.services.scores import scores_recompute, settings_for
from pmhub.capabilities import Role
from tests.backlog.sample_backlog import backlog_snapshot
from tests.backlog.world import BacklogTeam, build_backlog_team

HTMX = {"HTTP_HX_REQUEST": "true"}
CONFIGURERS = (Role.OWNER, Role.ADMIN, Role.EDITOR)
OTHERS = (Role.CONTRIBUTOR, Role.VIEWER)


@pytest.fixture
def team(db) -> BacklogTeam:
    return build_backlog_team(Role.OWNER)


def _client(team: BacklogTeam, role: Role = Role.OWNER) -> Client:
    client = Client()
    client.force_login(team.members[role])
    return client


def _url(team: BacklogTeam, name: str, *args: Any) -> str:
    return reverse(name, args=[team.product.slug, *args])


def _settings_body(**changes: Any) -> dict[str, Any]:
    body = {"framework": "rice", "formula": "", "scale": "fibonacci"}
    body.update(changes)
    return body


def _save(team: BacklogTeam, role: Role = Role.OWNER, **changes: Any):
    return _client(team, role).post(_url(team, "backlog:settings-save"), _settings_body(**changes))


# --- Reading --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_settings(team, role):
    response = _client(team, role).get(_url(team, "backlog:settings"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Reach × Impact × Confidence ÷ Effort" in html  # each framework says its formula
    assert "(Business value + Time criticality + Risk reduction) ÷ Job size" in html
    assert "acme segment" in html and "segment_size" in html and "acme-label" in html
    configurer = role in CONFIGURERS
    assert ("Save settings" in html) == configurer
    assert ('data-testid="read-only-note"' in html) == (not configurer)
    assert ("<fieldset disabled>" in html) == (not configurer)
    assert ("Add a field" in html) == configurer and ("Add a label" in html) == configurer


def test_the_page_reads_a_fixed_number_of_queries(team):
    def count() -> int:
        client = _client(team)
        client.get(_url(team, "backlog:settings"))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(team, "backlog:settings")).status_code == 200
        return len(queries)

    few = count()
    for n in range(8):
        custom_field_create(
            product=team.product, actor=team.owner, key=f"k{n}", name=f"K{n}", kind="number"
        )
        label_create(product=team.product, actor=team.owner, name=f"label {n}")
    assert count() == few


# --- Saving ---------------------------------------------------------------------------------------


def test_saving_the_settings(team):
    response = _save(team, framework="wsjf", scale="linear", wip_in_progress="3", wip_ready="10")
    assert response.status_code == 302
    settings = BacklogSettings.objects.get(product=team.product)
    assert (settings.framework, settings.scale) == ("wsjf", "linear")
    assert settings.wip_limits == {"in_progress": 3, "ready": 10}
    assert settings.scores_stale  # a new framework: every item is scored again in the background
    page = _client(team).get(_url(team, "backlog:settings")).content.decode()
    assert 'value="3"' in page and 'value="linear" selected' in page


def test_the_recompute_notice_polls_until_the_scores_are_fresh(team):
    _save(team, framework="ice")
    page = _client(team, Role.VIEWER).get(_url(team, "backlog:settings")).content.decode()
    assert "Scores are being recomputed…" in page
    poll = _url(team, "backlog:settings") + "?part=rescore"
    assert f'hx-get="{poll}"' in page and 'hx-trigger="every 2s"' in page
    stale = _client(team, Role.VIEWER).get(poll, **HTMX).content.decode()
    assert stale.lstrip().startswith('<div id="rescore-notice"')
    assert "Scores are being recomputed…" in stale and "hx-get" in stale
    scores_recompute(product=team.product)  # what the Celery task does
    fresh = _client(team, Role.VIEWER).get(poll, **HTMX).content.decode()
    assert "Every item has been scored again." in fresh and "hx-get" not in fresh


def test_switching_frameworks_keeps_every_input(team):
    feature = team.backlog.feature  # RICE: 1000 × 2 × 80 % ÷ 2 = 800
    item_update(
        item=feature,
        actor=team.owner,
        business_value=8,
        time_criticality=5,
        risk_reduction=3,
        job_size=4,
        moscow="must",
    )
    inputs = ("reach", "impact", "confidence", "effort", "business_value", "job_size", "moscow")
    before = Item.objects.filter(pk=feature.pk).values(*inputs).get()

    assert _save(team, framework="wsjf").status_code == 302
    scores_recompute(product=team.product)
    feature.refresh_from_db()
    assert feature.score == 4  # (8 + 5 + 3) ÷ 4
    bug = Item.objects.get(pk=team.backlog.bug.pk)
    assert bug.score is None and bug.score_problem == "Business value is missing for WSJF."

    assert _save(team, framework="rice").status_code == 302
    scores_recompute(product=team.product)
    feature.refresh_from_db()
    assert feature.score == 800
    assert Item.objects.filter(pk=feature.pk).values(*inputs).get() == before
    page = _client(team).get(reverse("backlog:item", args=[team.product.slug, feature.pk]))
    assert 'Score <strong class="fs-5">800</strong>' in page.content.decode()


def test_a_custom_formula_is_saved_and_scores(team):
    response = _save(team, framework="custom", formula="reach / effort + segment_size")
    assert response.status_code == 302
    scores_recompute(product=team.product)
    assert Item.objects.get(pk=team.backlog.feature.pk).score is None  # no segment size
    assert settings_for(team.product).formula == "reach / effort + segment_size"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"framework": "custom", "formula": "__import__('os')"},
            "formula",
            "Unknown name &#x27;__import__&#x27; at position 0",
        ),
        ({"framework": "custom", "formula": "reach *"}, "formula", "Unexpected end of formula"),
        ({"framework": "bogus"}, "framework", "Select a valid choice."),
        ({"scale": "hours"}, "scale", "Select a valid choice."),
        ({"wip_in_progress": "0"}, "wip_in_progress", "greater than or equal to 1."),
        ({"wip_done": "many"}, "wip_done", "Enter a whole number."),
    ],
)
def test_bad_settings_name_their_field_and_write_nothing(team, changes, field, message):
    before = backlog_snapshot(team.workspace)
    response = _save(team, **changes)
    assert response.status_code == 200
    html = response.content.decode()
    error = html[html.index(f'data-field-error="{field}"') :][:200]
    assert message in error
    assert backlog_snapshot(team.workspace) == before


# --- The live formula check -----------------------------------------------------------------------


def _check(team: BacklogTeam, formula: str) -> str:
    response = _client(team).get(_url(team, "backlog:formula-check"), {"formula": formula}, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def test_the_formula_check_points_at_the_problem(team):
    html = _check(team, "__import__('os')")
    assert 'data-testid="formula-error"' in html
    assert "Unknown name &#x27;__import__&#x27; at position 0:" in html
    assert "<code>__import__(&#x27;os&#x27;)\n^</code>" in html
    html = _check(team, "reach +\n  $x")  # the caret sits under the character, on its line
    assert "Unexpected character &#x27;$&#x27; at position 10:" in html
    assert "<code>  $x\n  ^</code>" in html


def test_the_formula_check_previews_the_top_items(team):
    html = _check(team, "reach * impact / effort")
    assert 'data-testid="formula-preview"' in html
    assert "acme feature:" in html and "<strong>1000</strong>" in html
    assert "acme story:" in html and "no score" in html  # it has no reach
    assert html.count("<li>") == 3
    assert _check(team, "").strip() == ""


# --- Custom fields --------------------------------------------------------------------------------


def test_adding_editing_and_deleting_a_custom_field(team):
    client = _client(team, Role.EDITOR)
    body = {"name": "Tier", "key": "tier", "kind": "select", "options": "Gold\nSilver\n"}
    assert client.post(_url(team, "backlog:custom-field-create"), body).status_code == 302
    field = CustomField.objects.get(product=team.product, key="tier")
    assert field.options == ["Gold", "Silver"] and field.kind == "select"

    edit = _url(team, "backlog:custom-field-edit", field.pk)
    page = client.get(edit).content.decode()
    assert 'value="Tier"' in page and "Gold\nSilver" in page and 'name="key"' not in page
    body = {"name": "Customer tier", "options": "Gold\nSilver\nBronze"}
    assert client.post(edit, body).status_code == 302
    field.refresh_from_db()
    assert field.name == "Customer tier" and field.options == ["Gold", "Silver", "Bronze"]

    story = team.backlog.story
    delete = _url(team, "backlog:custom-field-delete", team.backlog.field.pk)
    assert client.post(delete).status_code == 302
    assert not CustomField.objects.filter(pk=team.backlog.field.pk).exists()
    story.refresh_from_db()
    assert "segment_size" not in story.custom


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": "X", "key": "Bad Key", "kind": "text"}, "key", "A key starts with a letter"),
        ({"name": "X", "key": "segment_size", "kind": "text"}, "key", "already has a field"),
        ({"name": "X", "key": "reach", "kind": "number"}, "key", "names a built-in field"),
        ({"name": "X", "key": "tier", "kind": "select"}, "options", "A single select needs"),
        ({"name": "X", "key": "tier", "kind": "colour"}, "kind", "Select a valid choice."),
        ({"name": "", "key": "tier", "kind": "text"}, "name", "This field is required."),
    ],
)
def test_a_bad_custom_field_names_its_field_and_writes_nothing(team, body, field, message):
    before = backlog_snapshot(team.workspace)
    response = _client(team).post(_url(team, "backlog:custom-field-create"), body)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html[html.index(f'data-field-error="{field}"') :][:200]
    assert "<details open>" in html  # the add form stays open with its errors
    assert backlog_snapshot(team.workspace) == before


def test_a_bad_custom_field_edit_writes_nothing(team):
    before = backlog_snapshot(team.workspace)
    url = _url(team, "backlog:custom-field-edit", team.backlog.field.pk)
    response = _client(team).post(url, {"name": ""})
    assert 'data-field-error="name">This field is required.' in response.content.decode()
    assert backlog_snapshot(team.workspace) == before


# --- Labels ---------------------------------------------------------------------------------------


def test_adding_editing_and_deleting_a_label(team):
    client = _client(team, Role.ADMIN)
    body = {"name": "Growth", "colour": "#16a34a"}
    assert client.post(_url(team, "backlog:label-create"), body).status_code == 302
    label = Label.objects.get(product=team.product, name="Growth")
    assert label.colour == "#16a34a"
    edit = _url(team, "backlog:label-edit", label.pk)
    assert 'value="Growth"' in client.get(edit).content.decode()
    assert client.post(edit, {"name": "Growth loop", "colour": "#dc2626"}).status_code == 302
    label.refresh_from_db()
    assert (label.name, label.colour) == ("Growth loop", "#dc2626")
    assert client.post(_url(team, "backlog:label-delete", label.pk)).status_code == 302
    assert not Label.objects.filter(pk=label.pk).exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": "Growth", "colour": "green"}, "colour", "A colour is #rrggbb."),
        ({"name": "ACME-LABEL", "colour": "#000000"}, "name", "already has a label"),
        ({"name": "", "colour": "#000000"}, "name", "This field is required."),
    ],
)
def test_a_bad_label_names_its_field_and_writes_nothing(team, body, field, message):
    before = backlog_snapshot(team.workspace)
    response = _client(team).post(_url(team, "backlog:label-create"), body)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html[html.index(f'data-field-error="{field}"') :][:200]
    assert backlog_snapshot(team.workspace) == before


def test_a_bad_label_edit_writes_nothing(team):
    before = backlog_snapshot(team.workspace)
    url = _url(team, "backlog:label-edit", team.backlog.label.pk)
    response = _client(team).post(url, {"name": "x", "colour": "#12"})
    assert 'data-field-error="colour">A colour is #rrggbb.' in response.content.decode()
    assert backlog_snapshot(team.workspace) == before


# --- Permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", OTHERS)
def test_contributors_and_viewers_are_refused_every_change(team, role):
    client = _client(team, role)
    before = backlog_snapshot(team.workspace)
    field, label = team.backlog.field.pk, team.backlog.label.pk
    for name, args, body in (
        ("backlog:settings-save", (), _settings_body(framework="ice")),
        ("backlog:custom-field-create", (), {"name": "X", "key": "x", "kind": "text"}),
        ("backlog:custom-field-edit", (field,), {"name": "X"}),
        ("backlog:custom-field-delete", (field,), {}),
        ("backlog:label-create", (), {"name": "x", "colour": "#000000"}),
        ("backlog:label-edit", (label,), {"name": "x", "colour": "#000000"}),
        ("backlog:label-delete", (label,), {}),
    ):
        assert client.post(_url(team, name, *args), body).status_code == 403, name
    assert client.get(_url(team, "backlog:formula-check"), {"formula": "reach"}).status_code == 403
    assert backlog_snapshot(team.workspace) == before
