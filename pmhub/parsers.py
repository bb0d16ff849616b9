"""Request body parsers of the API."""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; JSON nested deeper than Python's decoder can follow is a 400, not a 500.

    ``json`` raises ``RecursionError`` (not ``ValueError``) for e.g. 100,000 nested ``[``, which
    DRF does not catch; a body of that shape fits easily under the request size limit.
    """

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
