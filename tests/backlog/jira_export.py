"""Realistic Jira issue exports ("Export Excel CSV (all fields)") for the import tests.

Like Jira's: a column per label ("Labels" repeated), per sprint and per watcher; descriptions
over several lines with commas, quotes and Windows line breaks; dates in Jira's format. Some rows
are broken on purpose, in varied ways, and the generator knows the line each row starts on (a
multi-line description moves every later row down) and what the import must say about it.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

HEADER = [
    "Summary",
    "Issue key",
    "Issue id",
    "Parent id",
    "Issue Type",
    "Status",
    "Project key",
    "Project name",
    "Priority",
    "Resolution",
    "Assignee",
    "Reporter",
    "Created",
    "Updated",
    "Labels",
    "Labels",
    "Labels",
    "Description",
    "Sprint",
    "Sprint",
    "Custom field (Story Points)",
    "Watchers",
    "Watchers",
    "Comment",
]
LABEL_COLUMNS = [i for i, name in enumerate(HEADER) if name == "Labels"]

TYPES = {
    "Story": "story",
    "Bug": "bug",
    "Epic": "feature",
    "New Feature": "feature",
    "Task": "chore",
    "Sub-task": "chore",
    "Spike": "spike",
    "Technical debt": "tech_debt",
}
STATUSES = {
    "To Do": "new",
    "Open": "new",
    "Backlog": "new",
    "Selected for Development": "ready",
    "In Progress": "in_progress",
    "In Review": "in_review",
    "Code Review": "in_review",
    "Done": "done",
    "Closed": "done",
    "Resolved": "done",
    "Won't Do": "wont_do",
}
PRIORITIES = {
    "Highest": "must",
    "Blocker": "must",
    "High": "should",
    "Medium": "could",
    "Low": "wont",
    "Lowest": "wont",
    "": "",
}
POINTS = ["", "", "1", "2", "3", "5", "8", "13", "0.5", "3.0"]
LABELS = ["checkout", "mobile", "growth", "payments", "onboarding", "tech-debt", "ux", "api"]
PEOPLE = ["Ana Souza", "Kenji Watanabe", "Priya Natarajan", "Lars Eriksson", ""]
VERBS = ["Add", "Fix", "Show", "Let users", "Speed up", "Remove", "Explain", "Allow"]
THINGS = [
    "saved carts on mobile",
    "the checkout's address form",
    "invoices as PDF",
    "a "  # quotes and commas in titles, as people write them
    '"remember me" box on login',
    "search results, sorted by relevance",
    "the onboarding checklist",
    "Apple Pay at checkout",
    "retries of failed webhooks",
    "café names with accents (ü, é, ñ)",
]


@dataclass(frozen=True)
class Bad:
    """A broken row: the line it starts on and a phrase the rejection's reason contains."""

    line: int
    reason: str


@dataclass
class JiraExport:
    text: str
    good: list[dict[str, Any]] = field(default_factory=list)  # what each good row must become
    bad: list[Bad] = field(default_factory=list)

    def content(self, *, bom: bool = False) -> bytes:
        return ("\ufeff" if bom else "").encode() + self.text.encode()


def _render(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def _lines(record: str) -> int:
    """Physical lines of a record, as an editor counts them (a \\r\\n is one break)."""
    return len(io.StringIO(record, newline="").readlines())


def _description(rng: random.Random, n: int) -> str:
    shape = n % 5
    if shape == 0:
        return ""
    if shape == 1:
        return f"As a shopper I want this, so that I buy faster (#{n})."
    if shape == 2:  # Jira keeps Windows line breaks, quotes and commas in descriptions
        return (
            f'h3. Context\r\nCustomers say "it\'s slow", often.\r\n\r\n* step one, then two\r\n'
            f"* ticket {n}"
        )
    if shape == 3:  # starts like a spreadsheet formula: must come back as text
        return f"- first point of {n}\n- second point\n=SUM(A1:A3) is not a formula here"
    return "\n".join(f"Line {i} of {n}, with a comma" for i in range(rng.randint(2, 5)))


def _good_row(rng: random.Random, n: int, key: str) -> tuple[list[str], dict[str, Any]]:
    issue_type = rng.choice(list(TYPES))
    status = rng.choice(list(STATUSES))
    priority = rng.choice(list(PRIORITIES))
    points = rng.choice(POINTS)
    labels = rng.sample(LABELS, rng.randint(0, 3))
    title = f"{rng.choice(VERBS)} {rng.choice(THINGS)} #{n}"
    description = _description(rng, n)
    created = datetime(2024, 1, 2, 9, 30) + timedelta(hours=7 * n)
    cells = dict.fromkeys(range(len(HEADER)), "")
    cells.update(
        {
            0: title,
            1: key,
            2: str(10000 + n),
            4: issue_type,
            5: status,
            6: "SHOP",
            7: "Shop",
            8: priority,
            9: "Done" if STATUSES[status] == "done" else "",
            10: rng.choice(PEOPLE),
            11: rng.choice(PEOPLE[:-1]),
            12: created.strftime("%d/%b/%y %-I:%M %p"),
            13: (created + timedelta(days=3)).strftime("%d/%b/%y %-I:%M %p"),
            17: description,
            18: "Shop Sprint 4" if n % 3 else "",
            19: "Shop Sprint 5" if n % 6 == 0 else "",
            20: points,
            21: "ana",
            23: f"12/Mar/24 10:15 AM;557058:abc;Looks good, ship it #{n}" if n % 4 == 0 else "",
        }
    )
    for column, label in zip(LABEL_COLUMNS, labels, strict=False):
        cells[column] = label
    expected = {
        "import_key": f"jira:{key}",
        "title": title,
        "kind": TYPES[issue_type],
        "status": STATUSES[status],
        "moscow": PRIORITIES[priority],
        "estimate": float(points) if points else None,
        "labels": sorted(labels),
        "description": description.strip(),
    }
    return [cells[i] for i in range(len(HEADER))], expected


# Ways a row goes wrong: (make the record from a good row's cells, a phrase of the reason).
def _empty_summary(cells: list[str]) -> str:
    return _render(["", *cells[1:]])


def _unknown_type(cells: list[str]) -> str:
    return _render([*cells[:4], "Incident", *cells[5:]])


def _unknown_status(cells: list[str]) -> str:
    return _render([*cells[:5], "Blocked", *cells[6:]])


def _off_scale(cells: list[str]) -> str:
    return _render([*cells[:20], "4", *cells[21:]])


def _not_a_number(cells: list[str]) -> str:
    return _render([*cells[:20], "three", *cells[21:]])


def _long_summary(cells: list[str]) -> str:
    return _render(["A summary that goes on " * 11, *cells[1:]])


def _unknown_priority(cells: list[str]) -> str:
    return _render([*cells[:8], "Urgent", *cells[9:]])


def _long_label(cells: list[str]) -> str:
    return _render([*cells[:14], "a-label-much-too-long-for-any-backlog-to-keep", *cells[15:]])


def _text_after_quote(cells: list[str]) -> str:
    single = [c.replace("\r", " ").replace("\n", " ") for c in cells]
    line = _render(single[1:])  # no multi-line cell: the damage stays on this line
    return f'"Fix the login"page,{line}'


def _extra_cells(cells: list[str]) -> str:
    single = [c.replace("\r", " ").replace("\n", " ") for c in cells]
    return _render([*single, "stray", "cells"])


def _unclosed_quote(cells: list[str]) -> str:
    single = [c.replace("\r", " ").replace("\n", " ") for c in cells]
    line = _render(single[:-1]).removesuffix("\r\n")
    return f'{line},"a comment whose quote is never closed\r\n'


BREAKAGES = [
    (_empty_summary, "is empty"),
    (_unknown_type, "Issue Type “Incident” is not one of"),
    (_unknown_status, "Status “Blocked” is not one of"),
    (_off_scale, "off the product's estimation scale"),
    (_not_a_number, "“three” is not a number"),
    (_long_summary, "characters long; at most 200"),
    (_unknown_priority, "Priority “Urgent” is not one of"),
    (_long_label, "longer than 40 characters"),
    (_text_after_quote, "Malformed quoting"),
    (_extra_cells, "cells where the header has 24"),
    (_unclosed_quote, "Malformed quoting"),
]


def jira_export(
    rows: int = 1000, bad: int = 37, *, seed: int = 7, project: str = "SHOP"
) -> JiraExport:
    """An export of ``rows`` issues of which ``bad`` are broken (spread through the file, every
    kind of breakage in turn)."""
    rng = random.Random(seed)
    broken = set(rng.sample(range(rows), bad))
    export = JiraExport(text=_render(HEADER))
    line = 2
    records = []
    for n in range(rows):
        cells, expected = _good_row(rng, n, f"{project}-{n + 1}")
        if n in broken:
            make, reason = BREAKAGES[len(export.bad) % len(BREAKAGES)]
            record = make(cells)
            export.bad.append(Bad(line=line, reason=reason))
        else:
            record = _render(cells)
            export.good.append(expected)
        records.append(record)
        line += _lines(record)
    export.text += "".join(records)
    return export
