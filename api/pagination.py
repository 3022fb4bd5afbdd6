"""Cursor pagination for every list: stable under inserts, no page counting (COUNT over a
permission filter is the expensive part), at most 100 items a page."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination

MAX_PAGE_SIZE = 100


class ApiCursorPagination(CursorPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "pk"
