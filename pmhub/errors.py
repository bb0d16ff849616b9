"""One error type for domain refusals and the JSON error body every 4xx carries.

Format: ``{"code": "...", "message": "...", "fields": {"<field>": ["<problem>", ...]}}``;
``fields`` is present when the problem is with named input fields. The DRF exception handler that
renders it lives in ``pmhub.api_errors`` (DRF imports it lazily, this module is imported early).
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A domain rule refused the request; ``field`` names the input at fault when there is one."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str = "invalid",
        status_code: int = 400,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.status_code = status_code

    @property
    def fields(self) -> dict[str, list[str]]:
        return {self.field: [self.message]} if self.field else {}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return body
