"""Property-based tests of the whole API from its own OpenAPI schema (schemathesis).

The schema is read from ``/api/schema/`` of the WSGI application in this process, and every
operation is called with generated valid and invalid input as a workspace owner (a fresh token per
example, so a generated ``DELETE /tokens/{id}/`` can't lock the fuzzer out). Every built-in check
runs except ``positive_data_acceptance``: it expects every schema-valid request to succeed, but
some refusals are rules a schema cannot state (the owner must be a member of the workspace, a
token's expiry must be in the future, a name must not be blank after trimming whitespace). Those
refusals are 400s in the documented format, and ``status_code_conformance`` and
``response_schema_conformance`` still check them. Examples are derandomized so that the suite is
deterministic; raise ``max_examples`` locally for a deeper search.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from pmhub.tokens import token_create
from tests.factories import make_tenant

APP = WSGIHandler()
schema = schemathesis.openapi.from_wsgi("/api/schema/", APP)


@pytest.fixture
def app_shares_test_transaction(db):
    """Let requests through the real WSGI handler run inside the test's transaction.

    The handler closes the database connection at the end of each request; Django's test client
    disconnects that hook, and so must a test that calls the WSGI application directly.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def owner_auth(app_shares_test_transaction):
    """A function that returns a fresh owner token header of a workspace with a product."""
    tenant = make_tenant("Fuzz")

    def header() -> dict[str, str]:
        _, raw = token_create(user=tenant.owner, workspace=tenant.workspace, name="fuzz")
        return {"Authorization": f"Bearer {raw}"}

    return header


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,  # the same examples on every run: a failure in CI reproduces locally
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_generated_request_without_5xx_and_as_its_schema_says(case, owner_auth):
    case.call_and_validate(headers=owner_auth(), excluded_checks=[positive_data_acceptance])
