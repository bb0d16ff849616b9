"""A realistic event stream for demos: sign-ups, activation, feature use, purchases, surveys.

Persons arrive over ``days`` days at a growing rate; each visits on some days (heavy users often),
most start anonymous and identify at sign-up, some buy (revenue), some answer the NPS survey, and
every page view carries a load time.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

FEATURES = [
    "Dashboard Viewed",
    "Report Created",
    "Filter Applied",
    "Export Downloaded",
    "Alert Configured",
]
PAGES = ["/", "/pricing", "/app", "/app/reports", "/app/settings", "/docs"]
PLANS = [("free", 0), ("team", 49), ("business", 199)]


def demo_messages(*, events: int, days: int, end: datetime, seed: int = 42) -> Iterator[dict]:
    """Yield about ``events`` Segment messages spread over the ``days`` days before ``end``."""
    rng = random.Random(seed)  # noqa: S311 - demo data: repeatable, not secret
    start = end - timedelta(days=days)
    per_person = 25
    persons = max(10, events // per_person)
    emitted = 0
    for person in range(persons):
        if emitted >= events:
            return
        # Later days see more new people (growth), and some people come back far more often.
        arrival = start + timedelta(
            days=days * (1 - rng.random() ** 1.6), seconds=rng.randrange(86_400)
        )
        anonymous = f"anon-{uuid.UUID(int=rng.getrandbits(128)).hex[:12]}"
        user = f"user-{person}"
        loyalty = rng.random()
        plan = rng.choices(PLANS, weights=[70, 22, 8])[0]
        signed_up = False
        moment = arrival
        while moment < end and emitted < events:
            session: list[dict] = []
            who = {"userId": user} if signed_up else {"anonymousId": anonymous}
            path = rng.choice(PAGES)
            session.append(
                {
                    "type": "page",
                    "name": path,
                    **who,
                    "properties": {"path": path, "load_ms": int(rng.lognormvariate(5.3, 0.5))},
                }
            )
            if not signed_up and rng.random() < 0.55:
                signed_up = True
                session.append(
                    {
                        "type": "identify",
                        "userId": user,
                        "anonymousId": anonymous,
                        "traits": {"plan": plan[0], "email": f"{user}@example.com"},
                    }
                )
                session.append({"type": "track", "event": "Signed Up", "userId": user})
                who = {"userId": user}
            for _ in range(rng.randrange(1, 6)):
                session.append({"type": "track", "event": rng.choice(FEATURES), **who})
            if signed_up and plan[1] and rng.random() < 0.08:
                session.append(
                    {
                        "type": "track",
                        "event": "Order Completed",
                        **who,
                        "properties": {"revenue": plan[1], "plan": plan[0]},
                    }
                )
            if signed_up and rng.random() < 0.05:
                score = min(10, max(0, int(rng.gauss(7.5 + 2 * loyalty, 2))))
                session.append(
                    {
                        "type": "track",
                        "event": "Survey Answered",
                        **who,
                        "properties": {"score": score},
                    }
                )
            for offset, message in enumerate(session):
                stamp = moment + timedelta(seconds=30 * offset)
                if stamp >= end or emitted >= events:
                    break
                message["messageId"] = str(uuid.UUID(int=rng.getrandbits(128)))
                message["timestamp"] = stamp.isoformat()
                yield message
                emitted += 1
            gap_days = rng.expovariate(0.15 + 1.2 * loyalty)
            if rng.random() < 0.03:
                return_after = None  # churned
            else:
                return_after = timedelta(days=gap_days, seconds=rng.randrange(3600))
            if return_after is None:
                break
            moment += return_after
