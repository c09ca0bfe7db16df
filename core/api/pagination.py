"""Waldur list convention: a bare JSON array, `Link` and `X-Result-Count` headers.

`page`/`page_size` select the page (default 10, at most 1000); as in Waldur, a value that is not
a positive number written in ASCII digits means the default. A HEAD request answers with the
count alone and never fetches rows.
"""

from django.core.paginator import InvalidPage
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from core.api.inputs import ascii_int

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000


class LinkHeaderPagination(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        if request.method == "HEAD":
            self.count = queryset.count()
            return []
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise
        except InvalidPage as exc:  # pragma: no cover - guarded by the parent class
            raise NotFound(str(exc)) from exc

    def get_page_number(self, request, paginator):
        # A page that is not a positive integer means the first page, as in Waldur.
        number = ascii_int(request.query_params.get(self.page_query_param, ""))
        return number if number is not None and number > 0 else 1

    def get_page_size(self, request):
        number = ascii_int(request.query_params.get(self.page_size_query_param, ""))
        if number is None or number <= 0:
            return self.page_size
        return min(number, self.max_page_size)

    def _link(self, number: int) -> str:
        return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, number)

    def get_paginated_response(self, data):
        if self.request.method == "HEAD":
            return Response(headers={"X-Result-Count": str(self.count)})
        page = self.page
        last = page.paginator.num_pages or 1
        links = {"first": self._link(1), "last": self._link(last)}
        if page.has_previous():
            links["prev"] = self._link(page.previous_page_number())
        if page.has_next():
            links["next"] = self._link(page.next_page_number())
        header = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
        return Response(data, headers={"Link": header, "X-Result-Count": str(page.paginator.count)})

    def get_paginated_response_schema(self, schema):
        return schema
