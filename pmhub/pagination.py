"""List pagination for the API: ``?page=N&page_size=M`` with a total ``count`` and a capped size."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    page_size_query_description = "Number of results per page (1 or more; at most 200 are sent)."

    def get_page_size(self, request) -> int:
        """The requested page size, capped; anything but a positive integer is a 400."""
        raw = request.query_params.get(self.page_size_query_param)
        if not raw:  # absent or empty: the default
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or not raw.strip("0"):
            raise ValidationError({self.page_size_query_param: ["Enter a positive whole number."]})
        # Compare as text first: int() of thousands of digits is slow (and refused by Python).
        return self.max_page_size if len(raw) > 6 else min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters
