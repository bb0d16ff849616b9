"""The CSV formats of the backlog: pmhub's own (what the export writes) and Jira's issue export.

Reading: the file's text is split into records with the line each starts on (a quoted field may
span lines; line 1 is the header), a record whose quoting is broken is reported and reading goes
on with the next line. A row's cells are turned into item values through a mapping (pmhub field →
column of the header) and the format's vocabulary (Jira's issue types, statuses, priorities).
Writing: one row per item, every text cell safe to open in a spreadsheet.

Nothing here touches the database: ``backlog.services.imports`` resolves names (labels, sprints,
people) and checks values against the product (its estimation scale, its custom fields).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from backlog.models import CustomField, FieldKind, ImportFormat, Item, ItemKind, Status
from backlog.scoring import INPUT_LABELS, Kano, MoSCoW
from backlog.services.items import SCORE_INPUTS
from backlog.services.scores import TSHIRT_POINTS
from pmhub.errors import ApplicationError

MAX_BYTES = 5 * 1024 * 1024
MAX_KEY = 120  # Item.import_key
MAX_TITLE = 200  # Item.title
MAX_LABEL = 40  # Label.name
DELIMITERS = (",", ";", "\t")
CUSTOM_PREFIX = "custom."

# --- Jira's vocabulary (names compared without case) ------------------------------------------

JIRA_KINDS = {
    "story": ItemKind.STORY,
    "bug": ItemKind.BUG,
    "epic": ItemKind.FEATURE,
    "new feature": ItemKind.FEATURE,
    "feature": ItemKind.FEATURE,
    "task": ItemKind.CHORE,
    "sub-task": ItemKind.CHORE,
    "subtask": ItemKind.CHORE,
    "spike": ItemKind.SPIKE,
    "technical debt": ItemKind.TECH_DEBT,
    "tech debt": ItemKind.TECH_DEBT,
}
JIRA_STATUSES = {
    "to do": Status.NEW,
    "open": Status.NEW,
    "backlog": Status.NEW,
    "selected for development": Status.READY,
    "ready": Status.READY,
    "in progress": Status.IN_PROGRESS,
    "in review": Status.IN_REVIEW,
    "code review": Status.IN_REVIEW,
    "done": Status.DONE,
    "closed": Status.DONE,
    "resolved": Status.DONE,
    "won't do": Status.WONT_DO,
    "won't fix": Status.WONT_DO,
}
JIRA_PRIORITIES = {
    "highest": MoSCoW.MUST,
    "blocker": MoSCoW.MUST,
    "critical": MoSCoW.MUST,
    "high": MoSCoW.SHOULD,
    "major": MoSCoW.SHOULD,
    "medium": MoSCoW.COULD,
    "minor": MoSCoW.COULD,
    "low": MoSCoW.WONT,
    "lowest": MoSCoW.WONT,
    "trivial": MoSCoW.WONT,
}

# --- Fields a column can feed, per format ----------------------------------------------------

FIELD_LABELS: dict[str, str] = {
    "title": "Title",
    "kind": "Type",
    "status": "Status",
    "estimate": "Estimate (story points)",
    "moscow": "Priority (MoSCoW)",
    "description": "Description",
    "labels": "Labels",
    "key": "Key (finds rows imported before)",
    "id": "pmhub id",
    "acceptance": "Acceptance criteria",
    "assignee": "Assignee (user name or email)",
    "sprint": "Sprint (name)",
    "release": "Release (name)",
    "initiative": "Initiative (title)",
    **{name: INPUT_LABELS[name] for name in SCORE_INPUTS if name != "moscow"},
}
JIRA_FIELDS = ("title", "kind", "status", "estimate", "moscow", "description", "labels", "key")
PMHUB_FIELDS = tuple(FIELD_LABELS)

# The columns the export writes, before the custom fields ("custom.<key>").
PMHUB_COLUMNS: tuple[str, ...] = (
    "id",
    "key",
    "type",
    "title",
    "status",
    "estimate",
    "score",
    "labels",
    "assignee",
    "sprint",
    "release",
    "initiative",
    "description",
    "acceptance criteria",
    *SCORE_INPUTS,
)
_PMHUB_COLUMN_OF = {"kind": "type", "acceptance": "acceptance criteria"}

# The columns a field is guessed from, in order of preference.
JIRA_GUESSES: dict[str, tuple[str, ...]] = {
    "title": ("Summary",),
    "kind": ("Issue Type",),
    "status": ("Status",),
    "estimate": (
        "Custom field (Story Points)",
        "Story Points",
        "Custom field (Story point estimate)",
        "Story point estimate",
    ),
    "moscow": ("Priority",),
    "description": ("Description",),
    "labels": ("Labels",),
    "key": ("Issue key",),
}
TITLE_COLUMN = {ImportFormat.JIRA: "Summary", ImportFormat.PMHUB: "title"}

# A spreadsheet runs a cell that starts with one of these as a formula; a quote keeps it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class RowError(ValueError):
    """A row that cannot become an item; the message is the reason shown to the person."""


# --- Reading the file ---------------------------------------------------------------------------


def check_size(size: int) -> None:
    """Refuse a file of more than ``MAX_BYTES`` (an ApplicationError on ``file``)."""
    if size > MAX_BYTES:
        raise ApplicationError(
            f"The file is {size / 1024 / 1024:.1f} MB; import at most "
            f"{MAX_BYTES // 1024 // 1024} MB at a time (split it into several files).",
            field="file",
        )


def decode(content: bytes | str) -> str:
    """The text of an uploaded file: UTF-8 (with or without a byte order mark), at most
    ``MAX_BYTES``, not empty; else an ApplicationError on ``file``."""
    raw = content.encode() if isinstance(content, str) else bytes(content)
    check_size(len(raw))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ApplicationError(
            f"The file is not UTF-8 text (byte {error.start + 1} is not). Save it as "
            "“CSV UTF-8” and upload it again.",
            field="file",
        ) from None
    if "\x00" in text:
        raise ApplicationError("The file holds NUL bytes: it is not a CSV file.", field="file")
    if not text.strip():
        raise ApplicationError("The file is empty.", field="file")
    return text


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of a file, from its header line: the most frequent of comma, semicolon
    (spreadsheets in many European locales) and tab, outside quotes; a comma if none."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


@dataclass(frozen=True)
class Record:
    """One record of the file: the line it starts on (the header is line 1) and its cells, or
    ``error`` when its quoting is broken."""

    line: int
    cells: list[str]
    error: str = ""


@dataclass
class Table:
    header: list[str]
    delimiter: str
    text: str

    def records(self) -> Iterator[Record]:
        """The data records in file order; blank lines are left out."""
        for record in _records(self.text, self.delimiter):
            if record.line == 1 or (not record.error and not any(c.strip() for c in record.cells)):
                continue
            yield record


def _records(text: str, delimiter: str) -> Iterator[Record]:
    """Every record of ``text`` with the line it starts on, counting the lines inside quoted
    fields. Broken quoting is reported on the record's first line and reading starts again on
    the line after it (an unclosed quote would otherwise swallow the rest of the file)."""
    lines = io.StringIO(text, newline="").readlines()
    start = 0  # index of the line the reader starts on
    while start < len(lines):
        reader = csv.reader(itertools.islice(lines, start, None), delimiter=delimiter, strict=True)
        read = 0  # lines the reader has consumed so far
        try:
            for cells in reader:
                yield Record(line=start + read + 1, cells=cells)
                read = reader.line_num
        except csv.Error as error:
            line = start + read + 1
            yield Record(line=line, cells=[], error=_quoting_problem(str(error)))
            start = line  # the index of the next line
            continue
        return


def _quoting_problem(message: str) -> str:
    if "expected after" in message:
        return "Malformed quoting: a quoted cell goes on after its closing quote."
    if "end of data" in message or "EOF" in message:
        return "Malformed quoting: a quoted cell is never closed."
    if "field larger" in message:
        return "A cell is longer than 128 KB."
    return f"Malformed row: {message}."


def read_table(text: str) -> Table:
    """The header and records of ``text``; an ApplicationError on ``file`` when there is no
    header row."""
    first = next(iter(io.StringIO(text, newline="")), "")
    delimiter = sniff_delimiter(first)
    for record in _records(text, delimiter):
        if record.error:
            raise ApplicationError(f"The header row cannot be read: {record.error}", field="file")
        header = [name.strip() for name in record.cells]
        if not any(header):
            break
        return Table(header=header, delimiter=delimiter, text=text)
    raise ApplicationError("The file has no header row.", field="file")


# --- The mapping of pmhub fields to columns ---------------------------------------------------


def format_fields(fmt: str, custom_keys: Iterable[str] = ()) -> list[str]:
    """The pmhub fields a column can feed in format ``fmt`` (and ``custom.<key>`` per field)."""
    base = JIRA_FIELDS if fmt == ImportFormat.JIRA else PMHUB_FIELDS
    return [*base, *(CUSTOM_PREFIX + key for key in custom_keys)]


def field_label(name: str, custom_names: dict[str, str] | None = None) -> str:
    if name.startswith(CUSTOM_PREFIX):
        key = name.removeprefix(CUSTOM_PREFIX)
        return (custom_names or {}).get(key, key)
    return FIELD_LABELS[name]


def guess_mapping(fmt: str, header: Sequence[str], custom_keys: Iterable[str] = ()) -> dict:
    """The column each pmhub field most likely comes from (case and spaces aside)."""
    present = {name.strip().lower(): name for name in reversed(header) if name.strip()}
    mapping: dict[str, str] = {}
    for name in format_fields(fmt, custom_keys):
        if fmt == ImportFormat.JIRA:
            candidates: tuple[str, ...] = JIRA_GUESSES.get(name, ())
        else:
            candidates = (_PMHUB_COLUMN_OF.get(name, name),)
        for candidate in candidates:
            if candidate.lower() in present:
                mapping[name] = present[candidate.lower()]
                break
    return mapping


def check_mapping(
    fmt: str, header: Sequence[str], mapping: Any, custom_keys: Iterable[str] = ()
) -> dict[str, str]:
    """``mapping`` cleaned: known fields to columns of ``header`` (an empty column leaves the
    field out); the title must be mapped. Else an ApplicationError on ``mapping``."""
    if not isinstance(mapping, dict):
        raise ApplicationError("The mapping maps pmhub fields to columns.", field="mapping")
    fields = format_fields(fmt, custom_keys)
    columns = {name for name in header if name}
    clean: dict[str, str] = {}
    for name, column in mapping.items():
        if name not in fields:
            raise ApplicationError(f"“{name}” is not a field an import can set.", field="mapping")
        if column in ("", None):
            continue
        if not isinstance(column, str) or column not in columns:
            raise ApplicationError(
                f"{field_label(name)}: the file has no column “{column}”.", field="mapping"
            )
        clean[name] = column
    if "title" not in clean:
        raise ApplicationError("Choose the column that holds the titles.", field="mapping")
    return clean


# --- From a row to item values ------------------------------------------------------------------


@dataclass
class ParsedRow:
    """What a row says about its item, before the names in it are looked up in the product.

    ``fields`` go to ``item_create`` as they are; ``labels``, ``assignee``, ``sprint``,
    ``release``, ``initiative`` are names; ``custom`` maps a field key to the cell's text;
    ``columns`` names the column each field came from (for reasons).
    """

    import_key: str
    fields: dict[str, Any] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    custom: dict[str, str] = field(default_factory=dict)
    pmhub_id: int | None = None
    columns: dict[str, str] = field(default_factory=dict)


class Row:
    """The cells of one record, read by the column names of the header (a name may repeat, as
    Jira's "Labels" does: one column per label)."""

    def __init__(self, header: Sequence[str], cells: Sequence[str], mapping: dict[str, str]):
        self.mapping = mapping
        self._by_column: dict[str, list[str]] = {}
        for name, cell in zip(header, cells, strict=False):
            self._by_column.setdefault(name, []).append(cell)

    def values(self, name: str) -> list[str]:
        column = self.mapping.get(name)
        return [v.strip() for v in self._by_column.get(column, []) if v.strip()] if column else []

    def value(self, name: str) -> str:
        values = self.values(name)
        return values[0] if values else ""

    def raw(self, name: str) -> str:
        """The first non-blank cell as written (a description keeps its line breaks)."""
        column = self.mapping.get(name)
        cells = self._by_column.get(column, []) if column else []
        return next((c for c in cells if c.strip()), "")


def parse_row(
    fmt: str, header: Sequence[str], record: Record, mapping: dict[str, str]
) -> ParsedRow:
    """Turn ``record`` into item values; a RowError says why it cannot be an item."""
    if record.error:
        raise RowError(record.error)
    if len(record.cells) != len(header):
        raise RowError(
            f"The row has {len(record.cells)} cells where the header has {len(header)} "
            "(a delimiter or quote out of place?)."
        )
    row = Row(header, record.cells, mapping)
    jira = fmt == ImportFormat.JIRA
    text = (lambda v: v) if jira else unescape
    parsed = ParsedRow(import_key="", columns=dict(mapping))

    title = " ".join(text(row.value("title")).split())
    if not title:
        raise RowError(f"The title (column “{mapping['title']}”) is empty.")
    if len(title) > MAX_TITLE:
        raise RowError(f"The title is {len(title)} characters long; at most {MAX_TITLE}.")
    parsed.fields["title"] = title

    if row.value("kind"):
        vocabulary: Mapping[str, str] = JIRA_KINDS if jira else {}
        parsed.fields["kind"] = _choice(row.value("kind"), ItemKind, vocabulary, mapping["kind"])
    if row.value("status"):
        vocabulary = JIRA_STATUSES if jira else {}
        value = row.value("status")
        parsed.fields["status"] = _choice(value, Status, vocabulary, mapping["status"])
    if row.value("moscow"):
        vocabulary = JIRA_PRIORITIES if jira else {}
        value = row.value("moscow")
        parsed.fields["moscow"] = _choice(value, MoSCoW, vocabulary, mapping["moscow"])
    if row.value("estimate"):
        parsed.fields["estimate"] = _points(row.value("estimate"), mapping["estimate"])
    description = text(row.raw("description")).strip()
    if description:
        parsed.fields["description"] = description

    labels: list[str] = []
    for cell in row.values("labels"):
        for name in text(cell).split(";"):
            name = name.strip()
            if not name:
                continue
            if len(name) > MAX_LABEL:
                raise RowError(f"The label “{name[:50]}…” is longer than {MAX_LABEL} characters.")
            if name.lower() not in {n.lower() for n in labels}:
                labels.append(name)
    parsed.labels = labels

    if not jira:
        _pmhub_fields(row, parsed)
    for name in mapping:
        if name.startswith(CUSTOM_PREFIX) and row.value(name):
            parsed.custom[name.removeprefix(CUSTOM_PREFIX)] = text(row.value(name))
    parsed.import_key = _import_key(jira, row, parsed, record)
    return parsed


def _pmhub_fields(row: Row, parsed: ParsedRow) -> None:
    mapping = row.mapping
    for name in ("assignee", "sprint", "release", "initiative"):
        if row.value(name):
            parsed.names[name] = unescape(row.value(name))
    if row.value("id"):
        try:
            parsed.pmhub_id = int(row.value("id"))
        except ValueError:
            raise RowError(f"The id “{row.value('id')}” is not a whole number.") from None
    if row.raw("acceptance").strip():
        parsed.fields["acceptance"] = parse_acceptance(unescape(row.raw("acceptance")))
    for name in SCORE_INPUTS:
        value = row.value(name)
        if not value or name in parsed.fields:
            continue
        if name == "kano":
            parsed.fields[name] = _choice(value, Kano, {}, mapping[name])
        elif name != "moscow":
            number = _number(value, mapping[name])
            parsed.fields[name] = int(number) if name == "roi_months" else number


def _import_key(jira: bool, row: Row, parsed: ParsedRow, record: Record) -> str:
    key = row.value("key")
    if key:
        key = f"jira:{key}" if jira else unescape(key)
    elif parsed.pmhub_id is not None:
        key = f"pmhub:{parsed.pmhub_id}"
    else:  # the row itself: the same row imported again finds the same key
        normal = "\x1f".join(" ".join(cell.split()) for cell in record.cells)
        key = "sha256:" + hashlib.sha256(normal.encode()).hexdigest()
    if len(key) > MAX_KEY:
        raise RowError(f"The key is longer than {MAX_KEY} characters.")
    return key


def _choice(value: str, choices: Any, vocabulary: Mapping[str, str], column: str) -> str:
    """``value`` as one of ``choices``: a name of ``vocabulary``, else a pmhub value or label."""
    wanted = value.strip().lower()
    if wanted in vocabulary:
        return vocabulary[wanted]
    for choice in choices:
        if wanted in (choice.value.lower(), str(choice.label).lower()):
            return choice.value
    known = [_capitalized(name) for name in vocabulary] or [str(c.label) for c in choices]
    raise RowError(f"{column} “{value}” is not one of {', '.join(known)}.")


def _capitalized(name: str) -> str:
    return " ".join(word.capitalize() for word in name.split())


def _number(value: str, column: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise RowError(f"{column} “{value}” is not a number.") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise RowError(f"{column} “{value}” is not a number.")
    return number


def _points(value: str, column: str) -> float:
    if value.upper() in TSHIRT_POINTS:
        return TSHIRT_POINTS[value.upper()]
    return _number(value, column)


def parse_acceptance(text: str) -> list[dict[str, Any]]:
    """Acceptance criteria written one a line, each may be ticked: ``[x] text`` / ``[ ] text``."""
    criteria = []
    for line in text.splitlines():
        line = line.strip()
        done = line[:3].lower() == "[x]"
        if line[:3].lower() in ("[x]", "[ ]"):
            line = line[3:].strip()
        if line:
            criteria.append({"text": line, "done": done})
    return criteria


def custom_value(kind: str, text: str, name: str) -> Any:
    """A custom field's cell as the value ``Item.custom`` holds for a field of ``kind``."""
    if kind == FieldKind.NUMBER:
        number = _number(text, name)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == FieldKind.CHECKBOX:
        answer = text.strip().lower()
        if answer in ("true", "yes", "y", "1", "x", "✓"):
            return True
        if answer in ("false", "no", "n", "0", ""):
            return False
        raise RowError(f"{name} “{text}” is not yes or no.")
    return text


# --- Writing ------------------------------------------------------------------------------------


def cell(value: str) -> str:
    """``value`` safe to open in a spreadsheet: a leading quote keeps a would-be formula text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def unescape(value: str) -> str:
    """The text ``cell`` wrote (a pmhub file read back gives what was exported)."""
    return value[1:] if value.startswith("'") and value[1:2].startswith(FORMULA_STARTS) else value


def export_header(custom_fields: Sequence[CustomField]) -> list[str]:
    return [*PMHUB_COLUMNS, *(CUSTOM_PREFIX + f.key for f in custom_fields)]


def _number_text(value: float | None) -> str:
    """A number as a spreadsheet reads it back: 1000000, not 1e+06; 0.5 as 0.5."""
    if value is None:
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


def export_row(item: Item, custom_fields: Sequence[CustomField]) -> list[str]:
    """One item in pmhub's format, read through ``selectors.with_list_relations``."""
    acceptance = "\n".join(
        f"[{'x' if c.get('done') else ' '}] {c.get('text', '')}" for c in item.acceptance or []
    )
    row = [
        str(item.pk),
        cell(item.import_key or ""),
        item.kind,
        cell(item.title),
        item.status,
        _number_text(item.estimate),
        _number_text(item.score),
        cell(";".join(label["name"] for label in item.label_list)),  # type: ignore[attr-defined]
        cell(item.assignee.get_username() if item.assignee else ""),
        cell(item.sprint.name if item.sprint else ""),
        cell(item.release.name if item.release else ""),
        cell(item.initiative.title if item.initiative else ""),
        cell(item.description),
        cell(acceptance),
    ]
    for name in SCORE_INPUTS:
        value = getattr(item, name)
        row.append(value if isinstance(value, str) else _number_text(value))
    custom = item.custom or {}
    for custom_field in custom_fields:
        value = custom.get(custom_field.key)
        if value is None:
            row.append("")
        elif isinstance(value, bool):
            row.append("true" if value else "false")
        elif isinstance(value, (int, float)):
            row.append(_number_text(value))
        else:
            row.append(cell(str(value)))
    return row
