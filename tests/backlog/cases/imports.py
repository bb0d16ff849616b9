"""Role and isolation cases of the backlog's imports (see tests/backlog/cases/__init__.py)."""

from __future__ import annotations

from tests.role_matrix import Request
from tests.tenancy_walk import Cases

API_CASES: list[Request] = []
PAGE_CASES: list[Request] = []
CASES: Cases = {}
