"""KPI alerts: the owner is emailed once when a KPI goes off target, again only after it
recovered and fell again."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from metrics.models import Metric
from metrics.services.recompute import metrics_recompute_all
from pmhub.capabilities import Role
from tests.factories import make_member


def _send_day(source, users: int, days_ago: int, tag: str) -> None:
    day = (timezone.now() - timedelta(days=days_ago)).date()
    batch = [
        {
            "type": "track",
            "event": "Used",
            "userId": f"u{i}",
            "messageId": f"{tag}{i}",
            "timestamp": f"{day.isoformat()}T10:00:00Z",
        }
        for i in range(users)
    ]
    assert source.post("/v1/batch", {"batch": batch}).status_code == 200


def _recompute(source, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        metrics_recompute_all(product=source.product)


def test_the_owner_hears_once_per_crossing(source, django_capture_on_commit_callbacks):
    owner = make_member(source.tenant.workspace, Role.EDITOR)
    Metric.objects.filter(product=source.product, key="dau").update(
        target=10, bad_threshold=5, owner=owner
    )
    _send_day(source, 3, days_ago=2, tag="a")  # yesterday-but-one: 3 users, below 5
    _recompute(source, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email]
    assert "off target" in mail.outbox[0].subject
    _recompute(source, django_capture_on_commit_callbacks)  # nothing changed: no new email
    assert len(mail.outbox) == 1
    _send_day(source, 8, days_ago=1, tag="b")  # yesterday: 8 users, recovered
    _recompute(source, django_capture_on_commit_callbacks)
    assert Metric.objects.get(product=source.product, key="dau").alerted_at is None
    _send_day(source, 2, days_ago=0, tag="c")  # today is still filling up: not judged yet
    _recompute(source, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1


def test_kpis_without_a_bad_threshold_never_alert(source, django_capture_on_commit_callbacks):
    owner = make_member(source.tenant.workspace, Role.EDITOR)
    Metric.objects.filter(product=source.product, key="dau").update(target=10, owner=owner)
    _send_day(source, 1, days_ago=2, tag="a")
    _recompute(source, django_capture_on_commit_callbacks)
    assert mail.outbox == []
