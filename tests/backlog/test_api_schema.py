"""Every backlog API endpoint and method is in the OpenAPI schema, generated without warnings."""

from __future__ import annotations

import re

import yaml
from django.core.management import call_command
from django.urls import resolve

from tests.factories import app_routes


def test_the_schema_has_every_backlog_endpoint_and_no_generation_warning(tmp_path):
    out = tmp_path / "schema.yaml"
    # --fail-on-warn turns any drf-spectacular warning (or error) into a failed command.
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    documented = set()
    for path, operations in schema["paths"].items():
        match = resolve(re.sub(r"\{[a-z_]+\}", "1", path))
        name = ":".join([*match.namespaces, match.url_name])
        documented |= {(name, method) for method in operations}
    expected = {
        (name, method)
        for name, route in app_routes("backlog").items()
        if route.is_api
        for method in route.methods
    }
    assert expected, "no backlog API route found"
    assert expected <= documented, sorted(expected - documented)


def test_the_items_list_documents_every_filter_of_the_backlog_page(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    operation = yaml.safe_load(out.read_text())["paths"]["/api/v1/products/{product_pk}/items/"]
    names = {parameter["name"] for parameter in operation["get"]["parameters"]}
    assert names >= {
        "kind",
        "status",
        "label",
        "assignee",
        "unassigned",
        "initiative",
        "release",
        "sprint",
        "in_backlog",
        "parent",
        "q",
        "custom.{key}",
        "created_after",
        "created_before",
        "sort",
        "page",
        "page_size",
    }
