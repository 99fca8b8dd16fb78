from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """Page-number pagination; clients choose up to 200 rows a page with `page_size`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
