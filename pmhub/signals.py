"""Framework hooks only: Django's auth signals feed logins into the audit trail."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from pmhub.models import AuditEvent


@receiver(user_logged_in, dispatch_uid="pmhub-audit-login")
def _record_login(sender, request, user, **kwargs) -> None:
    AuditEvent.objects.create(
        actor=user,
        action="auth.login",
        target_type="user",
        target_id=str(user.pk),
        target_repr=user.get_username(),
    )


@receiver(user_login_failed, dispatch_uid="pmhub-audit-login-failed")
def _record_login_failure(sender, credentials, request=None, **kwargs) -> None:
    # Only the username: never the password or anything else the client sent.
    AuditEvent.objects.create(
        action="auth.login_failed",
        target_type="user",
        target_repr=str(credentials.get("username", ""))[:200],
    )
