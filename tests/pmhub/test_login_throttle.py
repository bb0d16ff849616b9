"""Login brute force is throttled per account and per client, and X-Forwarded-For can't dodge it."""

import pytest

from pmhub.models import AuditEvent
from tests.factories import make_user

LIMIT = 3


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def _login(client, username, password, ip="10.0.0.1", **headers):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        **headers,
    )


def test_an_account_locks_after_repeated_failures_even_from_new_addresses(client, db):
    make_user("pm", password="right-Pass-1")
    statuses = [_login(client, "pm", "wrong", ip=f"10.0.1.{i}").status_code for i in range(LIMIT)]
    assert statuses == [200] * (LIMIT - 1) + [429]  # the failure that reaches the limit locks
    response = _login(client, "pm", "right-Pass-1", ip="10.0.9.9")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_client_locks_after_failing_on_many_accounts(client, db):
    make_user("victim", password="right-Pass-1")
    for i in range(LIMIT):
        _login(client, f"guess{i}", "wrong", ip="10.0.2.2")
    assert _login(client, "victim", "right-Pass-1", ip="10.0.2.2").status_code == 429
    # Another client is unaffected and logs in.
    assert _login(client, "victim", "right-Pass-1", ip="10.0.3.3").status_code == 302


def test_forged_x_forwarded_for_does_not_escape_the_client_lock(client, db):
    make_user("victim", password="right-Pass-1")
    for i in range(LIMIT):
        _login(client, f"guess{i}", "wrong", ip="10.0.4.4", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}")
    response = _login(
        client, "victim", "right-Pass-1", ip="10.0.4.4", HTTP_X_FORWARDED_FOR="9.9.9.9"
    )
    assert response.status_code == 429


def test_a_success_before_the_limit_resets_the_count(client, db):
    make_user("pm", password="right-Pass-1")
    for _ in range(LIMIT - 1):
        _login(client, "pm", "wrong")
    assert _login(client, "pm", "right-Pass-1").status_code == 302
    client.logout()
    for _ in range(LIMIT - 1):
        _login(client, "pm", "wrong")
    assert _login(client, "pm", "right-Pass-1").status_code == 302


def test_failed_and_successful_logins_are_in_the_audit_trail_without_passwords(client, db):
    make_user("pm", password="right-Pass-1")
    _login(client, "pm", "wrong-secret")
    _login(client, "pm", "right-Pass-1")
    actions = list(AuditEvent.objects.values_list("action", "target_repr"))
    assert ("auth.login_failed", "pm") in actions
    assert ("auth.login", "pm") in actions
    assert not AuditEvent.objects.filter(changes__icontains="secret").exists()
