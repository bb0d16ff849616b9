from pathlib import Path

from django.core.management import call_command

from pmhub.capabilities import CAPABILITIES, DESCRIPTIONS, Action, Capabilities, Role, role_can

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def test_docs_permissions_table_is_the_code_table(capsys):
    call_command("permissions_table")
    table = capsys.readouterr().out
    doc = DOC.read_text()
    embedded = doc.split("<!-- capability-table:start -->\n")[1].split(
        "<!-- capability-table:end -->"
    )[0]
    assert embedded == table


def test_every_action_has_a_rule_and_a_description():
    assert set(CAPABILITIES) == set(Action)
    assert set(DESCRIPTIONS) == set(Action)


def test_owner_can_do_everything_and_viewer_only_reads():
    assert all(role_can(Role.OWNER, action) for action in Action)
    viewer_actions = {a for a in Action if role_can(Role.VIEWER, a)}
    assert viewer_actions and all(a.value.endswith(".view") for a in viewer_actions)


def test_unknown_role_or_no_membership_can_do_nothing():
    assert not any(role_can(None, action) for action in Action)
    assert not any(role_can("superuser", action) for action in Action)


def test_template_capabilities_read_the_table():
    can = Capabilities(Role.EDITOR)
    assert can["PRODUCT_CHANGE"] is True
    assert can["MEMBER_INVITE"] is False
