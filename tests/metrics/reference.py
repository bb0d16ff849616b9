"""An independent reference for the metrics: a seeded event stream and plain-Python answers.

Nothing here imports pmhub's metrics code: the answers come from the generated messages alone
(identity merges by union-find, days in UTC, activities = track/page/screen).
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

START = datetime(2026, 8, 3, tzinfo=UTC)  # a Monday
DAYS = 63


def generate(seed: int, events: int, persons: int) -> list[list[dict]]:
    """Batches of Segment messages: anonymous visits, identifies, aliases, late and duplicate."""
    rng = random.Random(seed)
    batches: list[list[dict]] = []
    batch: list[dict] = []
    identified: set[int] = set()
    n = 0

    def emit(message: dict) -> None:
        nonlocal batch
        batch.append(message)
        if len(batch) == 500:
            if rng.random() < 0.1:  # a client resends part of what it sent before
                batch.extend(rng.sample(batch, 20))
            batches.append(batch)
            batch = []

    while n < events:
        n += 1
        person = int(rng.paretovariate(1.2)) % persons
        day = min(DAYS - 1, int(n / events * DAYS))
        if rng.random() < 0.03:
            day = max(0, day - rng.randrange(1, 20))  # arrives days late
        ts = START + timedelta(days=day, seconds=rng.randrange(86_400))
        base = {"messageId": str(uuid.UUID(int=rng.getrandbits(128))), "timestamp": ts.isoformat()}
        roll = rng.random()
        if person not in identified and roll < 0.05:
            identified.add(person)
            emit(
                base
                | {
                    "type": "identify",
                    "userId": f"user-{person}",
                    "anonymousId": f"anon-{person}",
                    "traits": {"plan": "free"},
                }
            )
        elif roll < 0.06 and persons > 2:
            other = (person + 1) % persons
            emit(
                base | {"type": "alias", "previousId": f"user-{other}", "userId": f"user-{person}"}
            )
        elif person in identified or roll < 0.5:
            kind = rng.choice(["track", "track", "track", "page"])
            message = base | {"type": kind, "userId": f"user-{person}"}
            if kind == "track":
                name = rng.choice(["Feature Used", "Order Completed", "Signed Up"])
                message["event"] = name
                if name == "Order Completed":
                    message["properties"] = {"revenue": rng.choice([9, 19.5, 49, 99.99])}
                elif name == "Signed Up" and rng.random() < 0.5:
                    message["event"] = "Survey Answered"
                    message["properties"] = {"score": rng.randrange(0, 11)}
            else:
                message["name"] = "Home"
                message["properties"] = {"load_ms": rng.randrange(80, 2000)}
            emit(message)
        else:
            emit(base | {"type": "track", "event": "Feature Used", "anonymousId": f"anon-{person}"})
    if batch:
        batches.append(batch)
    return batches


class _Components:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def _week(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _month(d: date) -> date:
    return d.replace(day=1)


def _bucket(d: date, interval: str) -> date:
    return {"day": d, "week": _week(d), "month": _month(d)}[interval]


def _last_day(bucket: date, interval: str) -> date:
    if interval == "day":
        return bucket
    if interval == "week":
        return bucket + timedelta(days=6)
    return (bucket.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


FUNNEL = ["Signed Up", "Feature Used", "Order Completed"]
FUNNEL_WINDOW = timedelta(hours=168)


def _funnel(journeys: dict, buckets: list[date], interval: str) -> dict[date, float | None]:
    """First sign-up in the bucket, then each step strictly later, all within the window."""
    entered = dict.fromkeys(buckets, 0)
    finished = dict.fromkeys(buckets, 0)
    for events in journeys.values():
        events = sorted(events)
        seen: set[date] = set()
        for i, (start, name) in enumerate(events):
            bucket = _bucket(start.date(), interval)
            if name != FUNNEL[0] or bucket not in entered or bucket in seen:
                continue
            seen.add(bucket)
            entered[bucket] += 1
            step, previous = 1, start
            for moment, later in events[i + 1 :]:
                if moment > start + FUNNEL_WINDOW or step == len(FUNNEL):
                    break
                if later == FUNNEL[step] and moment > previous:
                    step, previous = step + 1, moment
            finished[bucket] += step == len(FUNNEL)
    return {b: finished[b] / entered[b] if entered[b] else None for b in buckets}


def _p(values: list[float], p: int) -> float | None:
    """Percentile by linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    rank = (len(values) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (rank - low)


# Metrics the reference test defines on top of the standard set: (key, fields).
EXTRA_METRICS = [
    (
        "load_p90",
        {
            "name": "Load time p90",
            "kind": "percentile",
            "value_property": "load_ms",
            "percentile": 90,
        },
    ),
    ("nps", {"name": "NPS", "kind": "nps", "event": "Survey Answered", "value_property": "score"}),
    ("churn", {"name": "Churn", "kind": "churn"}),
    (
        "signup_funnel",
        {
            "name": "Sign-up to order",
            "kind": "funnel",
            "steps": ["Signed Up", "Feature Used", "Order Completed"],
            "conversion_window_hours": 168,
        },
    ),
    (
        "big_orders",
        {
            "name": "Revenue of big orders",
            "kind": "sum",
            "event": "Order Completed",
            "value_property": "revenue",
            "filters": [{"on": "property", "key": "revenue", "op": "gt", "value": 40}],
        },
    ),
]


def expected(batches: list[list[dict]]) -> dict[tuple[str, str], dict[date, float | None]]:
    """Every standard metric, per interval, per bucket, from the messages alone."""
    messages = {m["messageId"]: m for batch in batches for m in batch}.values()
    components = _Components()
    for m in messages:
        if m.get("userId") and m.get("anonymousId"):
            components.union(f"a:{m['anonymousId']}", f"u:{m['userId']}")
        if m.get("previousId"):
            components.union(f"u:{m['previousId']}", f"u:{m['userId']}")
    journeys: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    active: dict[date, set[str]] = defaultdict(set)
    revenue: dict[date, float] = defaultdict(float)
    big_orders: dict[date, float] = defaultdict(float)
    loads: dict[date, list[float]] = defaultdict(list)
    scores: dict[date, list[float]] = defaultdict(list)
    for m in messages:
        if m["type"] not in ("track", "page", "screen"):
            continue
        who = f"u:{m['userId']}" if m.get("userId") else f"a:{m['anonymousId']}"
        moment = datetime.fromisoformat(m["timestamp"]).astimezone(UTC)
        day = moment.date()
        active[day].add(components.find(who))
        if m["type"] == "track":
            journeys[components.find(who)].append((moment, m["event"]))
        properties = m.get("properties") or {}
        if isinstance(properties.get("revenue"), (int, float)):
            revenue[day] += properties["revenue"]
            if m.get("event") == "Order Completed" and properties["revenue"] > 40:
                big_orders[day] += properties["revenue"]
        if isinstance(properties.get("load_ms"), (int, float)):
            loads[day].append(properties["load_ms"])
        if m.get("event") == "Survey Answered":
            scores[day].append(properties["score"])
    first_day, last_day = min(active), max(active)
    days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    first_seen: dict[str, date] = {}
    for day in days:
        for person in active[day]:
            first_seen.setdefault(person, day)

    def window(day: date, size: int) -> set[str]:
        return set().union(*(active[day - timedelta(days=i)] for i in range(size)))

    out: dict[tuple[str, str], dict[date, float | None]] = {}
    for interval in ("day", "week", "month"):
        buckets = sorted({_bucket(d, interval) for d in days})

        def evaluation(bucket: date, interval: str = interval) -> date:
            return min(_last_day(bucket, interval), last_day)

        def in_bucket(bucket: date, interval: str = interval) -> list[date]:
            return [d for d in days if _bucket(d, interval) == bucket]

        for key, size in (("dau", 1), ("wau", 7), ("mau", 30)):
            out[(key, interval)] = {b: float(len(window(evaluation(b), size))) for b in buckets}
        out[("stickiness", interval)] = {
            b: (len(window(evaluation(b), 1)) / len(window(evaluation(b), 30)))
            if window(evaluation(b), 30)
            else None
            for b in buckets
        }
        out[("new_users", interval)] = {
            b: float(sum(1 for d in first_seen.values() if _bucket(d, interval) == b))
            for b in buckets
        }
        out[("revenue", interval)] = {b: sum(revenue[d] for d in in_bucket(b)) for b in buckets}
        out[("signup_funnel", interval)] = _funnel(journeys, buckets, interval)
        out[("big_orders", interval)] = {
            b: sum(big_orders[d] for d in in_bucket(b)) for b in buckets
        }
        users = {b: set().union(*(active[d] for d in in_bucket(b))) for b in buckets}
        out[("users", interval)] = {b: float(len(users[b])) for b in buckets}
        load_values = {b: sorted(v for d in in_bucket(b) for v in loads[d]) for b in buckets}
        out[("load_p90", interval)] = {b: _p(load_values[b], 90) for b in buckets}
        answers = {b: [v for d in in_bucket(b) for v in scores[d]] for b in buckets}
        out[("nps", interval)] = {
            b: 100 * (sum(s >= 9 for s in a) - sum(s <= 6 for s in a)) / len(a) if a else None
            for b, a in answers.items()
        }
        out[("churn", interval)] = {}
        for b in buckets:
            before = _bucket(b - timedelta(days=1), interval)
            was = users.get(before, set())
            out[("churn", interval)][b] = len(was - users[b]) / len(was) if was else None
        out[("arpu", interval)] = {
            b: out[("revenue", interval)][b] / len(users[b]) if users[b] else None for b in buckets
        }
    cohorts = sorted({_week(d) for d in days})
    retention: dict[date, float | None] = {}
    for cohort in cohorts:
        members = {p for p, d in first_seen.items() if _week(d) == cohort}
        following = [cohort + timedelta(days=7 + i) for i in range(7)]
        returned = set().union(*(active[d] for d in following))
        retention[cohort] = len(members & returned) / len(members) if members else None
    out[("retention_w1", "week")] = retention
    return out
