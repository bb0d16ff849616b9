"""pmhub.postgres.prepared_cursor: API token authentication is planned once per connection."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from pmhub.tokens import _auth_sql
from tests.factories import api_client


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_token_authentication_runs_a_prepared_statement_that_django_still_logs(tenant_a):
    api = api_client(tenant_a.owner, tenant_a.workspace)
    url = f"/api/v1/products/{tenant_a.product.pk}/"
    assert api.get(url).status_code == 200
    statements = _prepared()
    assert len(statements) == 1 and "t.key_hash = $1" in statements[0]
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    assert _auth_sql().split(" FROM ")[0] in queries[0]["sql"]  # logged like any query
    assert _prepared() == statements  # the same statement, not prepared again


def test_a_wrong_or_revoked_token_is_refused_through_the_prepared_statement(tenant_a):
    api = api_client(tenant_a.owner, tenant_a.workspace)
    url = f"/api/v1/products/{tenant_a.product.pk}/"
    assert api.get(url).status_code == 200
    api.credentials(HTTP_AUTHORIZATION="Bearer pmh_not-a-real-token")
    assert api.get(url).status_code == 401
