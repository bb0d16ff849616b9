"""List pagination for the API: ``?page=N&page_size=M`` with a total ``count`` and a capped size."""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
