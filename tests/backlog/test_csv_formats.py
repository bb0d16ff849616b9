"""Reading and writing the backlog's CSV formats (backlog/csv_formats.py), without a database:
Jira's repeated columns, quoted multi-line cells and the lines rows start on, byte order marks,
semicolon files, broken quoting, mappings and the vocabulary of each format."""

from __future__ import annotations

import pytest

from backlog import csv_formats
from backlog.csv_formats import Record, RowError, parse_row, read_table
from pmhub.errors import ApplicationError
from tests.backlog.jira_export import HEADER, jira_export


def _parse(text: str, fmt: str = "jira", mapping: dict | None = None):
    table = read_table(text)
    mapping = mapping or csv_formats.guess_mapping(fmt, table.header)
    return [(r.line, _try(fmt, table, r, mapping)) for r in table.records()]


def _try(fmt, table, record, mapping):
    try:
        return parse_row(fmt, table.header, record, mapping)
    except RowError as error:
        return str(error)


# --- Decoding -----------------------------------------------------------------------------------


def test_a_byte_order_mark_is_not_part_of_the_first_column():
    text = csv_formats.decode("\ufeffSummary,Issue key\nLogin,SHOP-1\n".encode())
    assert read_table(text).header == ["Summary", "Issue key"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b"  \r\n\r\n", "empty"),
        ("Summary\nCaf\xe9\n".encode("latin-1"), "not UTF-8"),
        (b"Summary\nx\x00y\n", "NUL"),
        (b"x" * (5 * 1024 * 1024 + 1), "at most 5 MB"),
    ],
)
def test_unreadable_files_are_refused_on_the_file_field(content, problem):
    with pytest.raises(ApplicationError) as caught:
        csv_formats.decode(content)
    assert caught.value.field == "file"
    assert problem in caught.value.message


def test_a_file_of_exactly_5_mb_is_read():
    content = b"title\n" + b"x" * (5 * 1024 * 1024 - 6)
    assert len(csv_formats.decode(content)) == 5 * 1024 * 1024


def test_a_file_whose_first_line_is_blank_has_no_header():
    with pytest.raises(ApplicationError) as caught:
        read_table("\n\ntitle\nx\n")
    assert caught.value.field == "file"


# --- Records and their lines --------------------------------------------------------------------


def test_lines_count_the_line_breaks_inside_quoted_cells():
    text = (
        "Summary,Issue key,Description\r\n"
        'One,S-1,"first\r\nsecond\r\nthird"\r\n'
        "Two,S-2,plain\r\n"
        '"Three, with a comma",S-3,"a ""quoted"" word\nand a Unix break"\r\n'
        "\r\n"
        "Four,S-4,\r\n"
    )
    rows = _parse(text)
    assert [(line, row.fields["title"]) for line, row in rows] == [
        (2, "One"),
        (5, "Two"),
        (6, "Three, with a comma"),
        (9, "Four"),
    ]
    assert rows[0][1].fields["description"] == "first\r\nsecond\r\nthird"
    assert rows[2][1].fields["description"] == 'a "quoted" word\nand a Unix break'


def test_broken_quoting_rejects_its_row_and_the_next_rows_are_read():
    text = (
        "Summary,Issue key\n"
        "Good one,S-1\n"
        '"Fix the login"page,S-2\n'
        "Good two,S-3\n"
        '"never closed,S-4\n'
        "Good three,S-5\n"
        '"Good, four",S-6\n'
    )
    rows = _parse(text)
    assert [(line, getattr(row, "import_key", row)) for line, row in rows] == [
        (2, "jira:S-1"),
        (3, "Malformed quoting: a quoted cell goes on after its closing quote."),
        (4, "jira:S-3"),
        (5, "Malformed quoting: a quoted cell goes on after its closing quote."),
        (6, "jira:S-5"),
        (7, "jira:S-6"),
    ]


def test_a_quote_left_open_at_the_end_of_the_file_rejects_only_its_row():
    rows = _parse('Summary,Issue key\nGood,S-1\n"open to the end,S-2\nlast,S-3\n')
    assert rows[1] == (3, "Malformed quoting: a quoted cell is never closed.")
    assert [(line, row.import_key) for line, row in rows[::2]] == [(2, "jira:S-1"), (4, "jira:S-3")]


def test_a_row_with_more_or_fewer_cells_than_the_header_is_rejected():
    rows = _parse("Summary,Issue key,Status\nA,S-1,Done\nB,S-2\nC,S-3,Done,extra\n")
    assert (
        rows[1][1]
        == "The row has 2 cells where the header has 3 (a delimiter or quote out of place?)."
    )
    assert rows[2][1].startswith("The row has 4 cells")


def test_semicolon_files_are_read_and_commas_stay_in_their_cells():
    text = "Summary;Issue key;Description;Labels;Labels\nPay, then ship;S-1;a, b;x;y\n"
    [(_line, row)] = _parse(text)
    assert row.fields["title"] == "Pay, then ship"
    assert row.fields["description"] == "a, b"
    assert row.labels == ["x", "y"]


def test_tab_separated_files_are_read():
    [(_, row)] = _parse("Summary\tIssue key\nTabbed\tS-9\n")
    assert (row.fields["title"], row.import_key) == ("Tabbed", "jira:S-9")


# --- Jira's columns and vocabulary --------------------------------------------------------------


def test_jira_repeats_the_labels_column_once_per_label():
    text = (
        "Summary,Issue key,Labels,Labels,Labels,Labels\n"
        "Three labels,S-1,mobile,checkout,,Mobile\n"
        "None,S-2,,,,\n"
    )
    rows = _parse(text)
    assert rows[0][1].labels == ["mobile", "checkout"]  # one of a name, whatever its case
    assert rows[1][1].labels == []


def test_the_mapping_is_guessed_from_a_real_jira_header():
    mapping = csv_formats.guess_mapping("jira", HEADER)
    assert mapping == {
        "title": "Summary",
        "kind": "Issue Type",
        "status": "Status",
        "estimate": "Custom field (Story Points)",
        "moscow": "Priority",
        "description": "Description",
        "labels": "Labels",
        "key": "Issue key",
    }


def test_story_points_also_come_from_a_plain_story_points_column():
    mapping = csv_formats.guess_mapping("jira", ["summary", "Story Points"])
    assert mapping == {"title": "summary", "estimate": "Story Points"}


@pytest.mark.parametrize(
    ("column", "cell", "field", "value"),
    [
        ("Issue Type", "Story", "kind", "story"),
        ("Issue Type", "bug", "kind", "bug"),
        ("Issue Type", "Epic", "kind", "feature"),
        ("Issue Type", "New Feature", "kind", "feature"),
        ("Issue Type", "Sub-task", "kind", "chore"),
        ("Issue Type", "Task", "kind", "chore"),
        ("Issue Type", "Spike", "kind", "spike"),
        ("Issue Type", "Tech Debt", "kind", "tech_debt"),
        ("Status", "To Do", "status", "new"),
        ("Status", "Backlog", "status", "new"),
        ("Status", "Selected for Development", "status", "ready"),
        ("Status", "In Progress", "status", "in_progress"),
        ("Status", "Code Review", "status", "in_review"),
        ("Status", "Resolved", "status", "done"),
        ("Status", "Won't Fix", "status", "wont_do"),
        ("Priority", "Blocker", "moscow", "must"),
        ("Priority", "High", "moscow", "should"),
        ("Priority", "Medium", "moscow", "could"),
        ("Priority", "Lowest", "moscow", "wont"),
        ("Story Points", "3.0", "estimate", 3.0),
        ("Story Points", "0.5", "estimate", 0.5),
    ],
)
def test_jira_values_become_pmhub_values(column, cell, field, value):
    [(_, row)] = _parse(f"Summary,{column}\nAn issue,{cell}\n")
    assert row.fields[field] == value


@pytest.mark.parametrize(
    ("column", "cell", "reason"),
    [
        ("Issue Type", "Incident", "Issue Type “Incident” is not one of Story, Bug, Epic"),
        ("Status", "Blocked", "Status “Blocked” is not one of To Do, Open"),
        ("Priority", "Urgent", "Priority “Urgent” is not one of Highest"),
        ("Story Points", "three", "Story Points “three” is not a number."),
        ("Story Points", "inf", "Story Points “inf” is not a number."),
    ],
)
def test_unknown_jira_values_reject_the_row_saying_which(column, cell, reason):
    [(_, row)] = _parse(f"Summary,{column}\nAn issue,{cell}\n")
    assert row.startswith(reason)


def test_a_row_without_a_key_gets_the_digest_of_its_cells():
    [(_, one), (_, two), (_, again)] = _parse("Summary,Status\nA,Done\nB,Done\nA ,Done\n")
    assert one.import_key.startswith("sha256:") and len(one.import_key) == 71
    assert one.import_key != two.import_key
    assert one.import_key == again.import_key  # spaces around a cell do not make a new row


def test_titles_are_checked_for_presence_and_length():
    rows = _parse("Summary,Issue key\n   ,S-1\n" + "x" * 201 + ",S-2\n" + "y" * 200 + ",S-3\n")
    assert rows[0][1] == "The title (column “Summary”) is empty."
    assert rows[1][1] == "The title is 201 characters long; at most 200."
    assert rows[2][1].fields["title"] == "y" * 200


# --- Mappings -----------------------------------------------------------------------------------


def test_a_mapping_must_name_known_fields_and_columns_of_the_file():
    header = ["Name", "Kind"]
    assert csv_formats.check_mapping("jira", header, {"title": "Name", "kind": ""}) == {
        "title": "Name"
    }
    for mapping, problem in [
        ({"kind": "Kind"}, "Choose the column that holds the titles."),
        ({"title": "Nom"}, "the file has no column “Nom”"),
        ({"title": "Name", "colour": "Kind"}, "“colour” is not a field"),
        ({"title": "Name", "reach": "Kind"}, "“reach” is not a field"),  # pmhub only
        (["title"], "maps pmhub fields to columns"),
    ]:
        with pytest.raises(ApplicationError) as caught:
            csv_formats.check_mapping("jira", header, mapping)
        assert caught.value.field == "mapping"
        assert problem in caught.value.message


def test_a_changed_mapping_reads_other_columns():
    text = "Summary,Name,Issue key\nignored,Taken from Name,S-1\n"
    table = read_table(text)
    mapping = {"title": "Name", "key": "Issue key"}
    row = parse_row("jira", table.header, next(table.records()), mapping)
    assert row.fields == {"title": "Taken from Name"}


# --- pmhub's format -----------------------------------------------------------------------------


def test_formula_like_cells_are_quoted_on_export_and_read_back_as_written():
    for text in ('=HYPERLINK("x")', "+1", "-1", "@SUM(A1)", "\tTab"):
        assert csv_formats.cell(text) == "'" + text
        assert csv_formats.unescape(csv_formats.cell(text)) == text
    assert csv_formats.cell("plain") == "plain"
    assert csv_formats.unescape("'quoted on purpose") == "'quoted on purpose"


def test_pmhub_rows_read_labels_joined_by_semicolons_acceptance_and_inputs():
    header = ",".join(csv_formats.PMHUB_COLUMNS)
    cells = dict.fromkeys(csv_formats.PMHUB_COLUMNS, "")
    cells.update(
        {
            "id": "12",
            "type": "User story",
            "title": "'=Login",
            "status": "in_review",
            "estimate": "M",
            "labels": "mobile; growth;;mobile",
            "acceptance criteria": '"[x] logs in\n[ ] logs out\nremembers me"',
            "reach": "1000000",
            "roi_months": "6",
            "kano": "Must-be",
            "moscow": "Should",
        }
    )
    text = header + "\n" + ",".join(cells.values()) + "\n"
    [(_, row)] = _parse(text, "pmhub")
    assert row.import_key == "pmhub:12"
    assert row.pmhub_id == 12
    assert row.labels == ["mobile", "growth"]
    assert row.fields == {
        "title": "=Login",
        "kind": "story",
        "status": "in_review",
        "estimate": 3.0,  # a T-shirt size is its points
        "moscow": "should",
        "acceptance": [
            {"text": "logs in", "done": True},
            {"text": "logs out", "done": False},
            {"text": "remembers me", "done": False},
        ],
        "reach": 1000000.0,
        "kano": "must_be",
        "roi_months": 6,
    }


def test_custom_values_follow_their_field_kind():
    assert csv_formats.custom_value("number", "40", "Size") == 40
    assert csv_formats.custom_value("number", "2.5", "Size") == 2.5
    assert csv_formats.custom_value("checkbox", "Yes", "Paid") is True
    assert csv_formats.custom_value("checkbox", "0", "Paid") is False
    assert csv_formats.custom_value("text", "anything", "Note") == "anything"
    with pytest.raises(RowError, match=r"Paid “maybe” is not yes or no\."):
        csv_formats.custom_value("checkbox", "maybe", "Paid")
    with pytest.raises(RowError, match=r"Size “big” is not a number\."):
        csv_formats.custom_value("number", "big", "Size")


# --- The generated Jira export ------------------------------------------------------------------


def test_the_generated_export_puts_each_broken_row_on_the_line_it_says():
    export = jira_export(rows=300, bad=22, seed=11)
    table = read_table(csv_formats.decode(export.content(bom=True)))
    mapping = csv_formats.guess_mapping("jira", table.header)
    rejected = []
    good = 0
    for record in table.records():
        try:
            parse_row("jira", table.header, record, mapping)
        except RowError as error:
            rejected.append((record.line, str(error)))
        else:
            good += 1
    # Off-scale points are a product's rule: this row parses, the import rejects it.
    expected = [b for b in export.bad if "scale" not in b.reason]
    assert [line for line, _ in rejected] == [b.line for b in expected]
    for (_, reason), bad in zip(rejected, expected, strict=True):
        assert bad.reason in reason
    assert good == len(export.good) + len(export.bad) - len(expected)


def test_record_lines_start_at_two_after_the_header():
    table = read_table("title\nA\n")
    assert list(table.records()) == [Record(line=2, cells=["A"])]
