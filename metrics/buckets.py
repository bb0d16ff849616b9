"""Day, ISO-week and month buckets of the metric series."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from metrics.models import Interval

DAY = timedelta(days=1)


def bucket_of(day: date, interval: str) -> date:
    if interval == Interval.WEEK:
        return day - timedelta(days=day.weekday())
    if interval == Interval.MONTH:
        return day.replace(day=1)
    return day


def bucket_last_day(start: date, interval: str) -> date:
    if interval == Interval.WEEK:
        return start + timedelta(days=6)
    if interval == Interval.MONTH:
        following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return following - DAY
    return start


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def utc_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)
