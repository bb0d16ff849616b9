"""The operator CLI: ``manage.py createuser`` and ``manage.py issue_token``.

Most cases call the commands in-process; a few run ``manage.py`` for real to prove what a shell
script sees: the exit status, stderr's message, and that ``issue_token`` prints only the token.
"""

from __future__ import annotations

import os
import re
import subprocess
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from pmhub.capabilities import Role
from pmhub.models import ApiToken, Membership, Workspace
from pmhub.tokens import hash_token
from tests import factories
from tests.factories import make_member, make_tenant

User = get_user_model()
ROOT = Path(__file__).resolve().parents[2]
STRONG = "correct-Horse-battery-9"
TOKEN_LINE = re.compile(r"pmh_[A-Za-z0-9_-]{32}\n")


def createuser(*args: str) -> str:
    out = StringIO()
    call_command("createuser", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def issue_token(*args: str) -> str:
    out = StringIO()
    call_command("issue_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


# --- createuser -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_createuser_creates_a_user_who_can_log_in():
    output = createuser("--username", "ada", "--email", "ada@example.com", "--password", STRONG)
    user = User.objects.get(username="ada")
    assert user.email == "ada@example.com"
    assert user.check_password(STRONG)
    assert not user.memberships.exists()
    assert "ada" in output


@pytest.mark.django_db
def test_createuser_with_a_new_workspace_makes_the_user_its_owner():
    createuser(
        "--username",
        "ada",
        "--email",
        "ada@example.com",
        "--password",
        STRONG,
        "--workspace",
        "Analytical Engines",
    )
    workspace = Workspace.objects.get(name="Analytical Engines")
    membership = Membership.objects.get(workspace=workspace)
    assert membership.user.username == "ada"
    assert membership.role == Role.OWNER


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "role"),
    [
        pytest.param([], Role.VIEWER, id="default viewer"),
        pytest.param(["--role", "editor"], Role.EDITOR, id="editor"),
    ],
)
def test_createuser_joins_an_existing_workspace_with_the_given_role(args, role):
    tenant = make_tenant("Existing")
    createuser(
        "--username",
        "bob",
        "--email",
        "bob@example.com",
        "--password",
        STRONG,
        "--workspace",
        tenant.workspace.name,
        *args,
    )
    membership = Membership.objects.get(user__username="bob")
    assert membership.workspace == tenant.workspace
    assert membership.role == role


REFUSED_CREATEUSER = [
    pytest.param(["--username", "  "], "--username", id="blank username"),
    pytest.param(["--username", "TAKEN"], "already exists", id="taken username, other case"),
    pytest.param(["--email", "not-an-email"], "--email", id="invalid email"),
    pytest.param(["--email", ""], "--email", id="empty email"),
    pytest.param(["--password", "123"], "--password", id="weak password"),
    pytest.param(["--password", "newuser1"], "--password", id="password like the username"),
    pytest.param(["--role", "editor"], "--role needs --workspace", id="role without workspace"),
    pytest.param(["--role", "superuser", "--workspace", "W"], "invalid choice", id="unknown role"),
    pytest.param(
        ["--workspace", "Brand New", "--role", "viewer"], "must be its owner", id="new ws not owner"
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "message"), REFUSED_CREATEUSER)
def test_createuser_refuses_bad_input_with_a_clear_message_and_creates_nothing(overrides, message):
    User.objects.create_user(username="taken", email="taken@example.com", password=STRONG)
    options = {"--username": "newuser", "--email": "new@example.com", "--password": STRONG}
    extra: list[str] = []
    for flag, value in zip(overrides[::2], overrides[1::2], strict=True):
        if flag in options:
            options[flag] = value
        else:
            extra += [flag, value]
    args = [item for pair in options.items() for item in pair] + extra
    users, workspaces, memberships = (
        User.objects.count(),
        Workspace.objects.count(),
        Membership.objects.count(),
    )

    with pytest.raises(CommandError, match=re.escape(message)):
        createuser(*args)

    assert (User.objects.count(), Workspace.objects.count(), Membership.objects.count()) == (
        users,
        workspaces,
        memberships,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["--username", "--email", "--password"])
def test_createuser_requires_username_email_and_password(missing):
    options = {"--username": "newuser", "--email": "new@example.com", "--password": STRONG}
    del options[missing]
    with pytest.raises(CommandError, match=re.escape(missing.lstrip("-"))):
        createuser(*[item for pair in options.items() for item in pair])
    assert not User.objects.filter(username="newuser").exists()


# --- issue_token ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_issue_token_prints_only_the_token_and_stores_its_hash(tenant_a):
    output = issue_token(tenant_a.owner.username)
    assert TOKEN_LINE.fullmatch(output), output
    raw = output.strip()
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    assert token.user == tenant_a.owner
    assert token.workspace == tenant_a.workspace
    assert token.name == "CLI token"
    assert not token.read_only
    assert not ApiToken.objects.filter(key_hash=raw).exists()


@pytest.mark.django_db
def test_issued_token_works_against_the_api(tenant_a):
    raw = issue_token(tenant_a.owner.username).strip()
    response = bearer(raw).get("/api/v1/workspace/")
    assert response.status_code == 200
    assert response.json()["id"] == tenant_a.workspace.pk


@pytest.mark.django_db
def test_issue_token_read_only_with_a_name(tenant_a):
    raw = issue_token(tenant_a.owner.username, "--read-only", "--name", "Dashboards").strip()
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    assert token.read_only
    assert token.name == "Dashboards"
    client = bearer(raw)
    assert client.get("/api/v1/products/").status_code == 200
    assert client.post("/api/v1/products/", {"name": "X"}, format="json").status_code == 403


@pytest.mark.django_db
def test_issue_token_picks_the_workspace_by_slug(tenant_a, tenant_b):
    Membership.objects.create(user=tenant_a.owner, workspace=tenant_b.workspace, role=Role.EDITOR)
    raw = issue_token(tenant_a.owner.username, "--workspace", tenant_b.workspace.slug).strip()
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    assert token.workspace == tenant_b.workspace
    assert bearer(raw).get("/api/v1/workspace/").json()["role"] == Role.EDITOR


@pytest.mark.django_db
def test_issue_token_for_someone_in_several_workspaces_needs_a_slug(tenant_a, tenant_b):
    Membership.objects.create(user=tenant_a.owner, workspace=tenant_b.workspace, role=Role.VIEWER)
    before = ApiToken.objects.count()
    with pytest.raises(CommandError, match="--workspace") as refused:
        issue_token(tenant_a.owner.username)
    assert tenant_a.workspace.slug in str(refused.value)
    assert tenant_b.workspace.slug in str(refused.value)
    assert ApiToken.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        pytest.param(lambda t, o: ["nobody"], "No user named 'nobody'", id="unknown user"),
        pytest.param(
            lambda t, o: [t.owner.username, "--workspace", o.workspace.slug],
            "is not a member of workspace",
            id="not a member of that workspace",
        ),
        pytest.param(
            lambda t, o: [t.owner.username, "--workspace", "no-such-slug"],
            "is not a member of workspace 'no-such-slug'",
            id="unknown workspace",
        ),
        pytest.param(lambda t, o: ["loner"], "not a member of any workspace", id="no workspace"),
        pytest.param(lambda t, o: [t.owner.username, "--name", "   "], "name", id="blank name"),
    ],
)
def test_issue_token_refuses_bad_input_with_a_clear_message_and_issues_nothing(
    tenant_a, tenant_b, make_args, message
):
    User.objects.create_user(username="loner", email="loner@example.com", password=STRONG)
    before = ApiToken.objects.count()
    with pytest.raises(CommandError, match=re.escape(message)):
        issue_token(*make_args(tenant_a, tenant_b))
    assert ApiToken.objects.count() == before


@pytest.mark.django_db
def test_issue_token_works_for_a_viewer_too(tenant_a):
    viewer = make_member(tenant_a.workspace, Role.VIEWER)
    raw = issue_token(viewer.username).strip()
    assert bearer(raw).get("/api/v1/products/").status_code == 200


# --- The real manage.py, as a shell script runs it ------------------------------------------------


def run_manage(*args: str) -> subprocess.CompletedProcess:
    """Run manage.py against the test database (data must be committed: transactional_db)."""
    from django.conf import settings

    parts = urlsplit(os.environ["DATABASE_URL"])
    database_url = urlunsplit(parts._replace(path="/" + settings.DATABASES["default"]["NAME"]))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pmhub.settings.test",
        "DATABASE_URL": database_url,
    }
    return factories.run_manage(*args, env=env)


@pytest.mark.django_db(transaction=True)
def test_operator_creates_a_user_and_a_token_from_the_shell():
    created = run_manage(
        "createuser",
        "--username",
        "ops",
        "--email",
        "ops@example.com",
        "--password",
        STRONG,
        "--workspace",
        "Ops Team",
    )
    assert created.returncode == 0, created.stderr
    assert Membership.objects.get(user__username="ops").role == Role.OWNER

    issued = run_manage("issue_token", "ops", "--name", "deploy script")
    assert issued.returncode == 0, issued.stderr
    assert TOKEN_LINE.fullmatch(issued.stdout), issued.stdout
    assert issued.stderr == ""
    response = bearer(issued.stdout.strip()).get("/api/v1/workspace/")
    assert response.status_code == 200
    assert response.json()["name"] == "Ops Team"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("args", "message", "status"),
    [
        pytest.param(
            ["createuser", "--username", "x", "--email", "bad", "--password", STRONG],
            "--email 'bad' is not a valid email address.",
            1,
            id="createuser bad email",
        ),
        pytest.param(
            [
                "createuser",
                "--username",
                "x",
                "--email",
                "x@example.com",
                "--password",
                STRONG,
                "--workspace",
                "W",
                "--role",
                "superuser",
            ],
            "invalid choice: 'superuser'",
            2,
            id="createuser unknown role",
        ),
        pytest.param(["issue_token", "nobody"], "No user named 'nobody'.", 1, id="unknown user"),
    ],
)
def test_refused_command_exits_non_zero_with_the_reason_on_stderr(args, message, status):
    result = run_manage(*args)
    assert result.returncode == status
    assert message in result.stderr
    assert result.stdout == ""
    assert not User.objects.exists()
    assert not ApiToken.objects.exists()
