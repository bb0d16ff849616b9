"""pmhub.renderers.JSONRenderer: orjson's speed, DRF's bytes."""

import datetime
import decimal
import json
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFRenderer

from pmhub.renderers import JSONRenderer

UTC = datetime.UTC
DATA = {
    "text": "héllo “quotes” \\ / \n\t and \x01",
    "int": -42,
    "big": 2**62,
    "float": 1.5,
    "whole": 3.0,
    "bool": [True, False, None],
    "when": datetime.datetime(2026, 11, 22, 9, 30, 5, 123456, tzinfo=UTC),
    "whole second": datetime.datetime(2026, 11, 22, 9, 30, tzinfo=UTC),
    "elsewhere": datetime.datetime(2026, 6, 1, 12, 0, tzinfo=ZoneInfo("Europe/Paris")),
    "naive": datetime.datetime(2026, 1, 2, 3, 4, 5),
    "day": datetime.date(2026, 2, 28),
    "time": datetime.time(8, 15, 30, 250000),
    "duration": datetime.timedelta(hours=1, seconds=1),
    "money": decimal.Decimal("12.50"),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "lazy": gettext_lazy("Not found."),
    "nested": {"deep": [{"a": [1, {"b": "c"}]}], 3: "int key"},
    "tuple": (1, 2),
    "set": {7},
    "emoji": "🚀",
}


@pytest.mark.parametrize(
    "data",
    [DATA, [DATA, DATA], {}, [], "plain", 12, {"results": [{"id": n} for n in range(100)]}],
)
def test_the_bytes_are_drfs(data):
    assert JSONRenderer().render(data) == DRFRenderer().render(data)


def test_floats_in_exponent_form_read_back_the_same():
    data = {"tiny": 1e-7, "huge": 1.5e300, "negative": -2.5e-12}
    mine = JSONRenderer().render(data)
    assert b'"tiny":1e-7' in mine  # DRF (Python's json) writes 1e-07: the same number
    assert json.loads(mine) == json.loads(DRFRenderer().render(data)) == data


def test_line_separators_are_escaped_as_drf_does():
    data = {"text": "one\u2028two\u2029three"}
    mine = JSONRenderer().render(data)
    assert mine == DRFRenderer().render(data)
    assert b"\\u2028" in mine and b"\\u2029" in mine


def test_an_integer_beyond_64_bits_takes_drfs_path():
    data = {"huge": 2**80, "then": "text"}
    assert (
        JSONRenderer().render(data)
        == DRFRenderer().render(data)
        == b'{"huge":1208925819614629174706176,"then":"text"}'
    )


def test_indented_output_when_asked():
    data = {"a": [1, 2]}
    mine = JSONRenderer().render(data, "application/json; indent=2")
    assert mine == DRFRenderer().render(data, "application/json; indent=2")
    assert b"\n  " in mine


def test_nothing_renders_as_an_empty_body():
    assert JSONRenderer().render(None) == b""


def test_the_api_answers_with_it(api_as, tenant_a):
    response = api_as(tenant_a.owner, tenant_a.workspace).get("/api/v1/workspace/")
    assert response.status_code == 200
    assert type(response.accepted_renderer) is JSONRenderer  # the setting, not DRF's default
    assert response["Content-Type"] == "application/json"
    assert response.json()["name"] == tenant_a.workspace.name
