"""The base every API view stands on: bearer tokens, pagination, and the
schema of a page of results."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from .auth import BearerAuthentication


class ApiView(APIView):
    """Bearer tokens only (no cookies, so no CSRF); signed in by default."""

    authentication_classes = [BearerAuthentication]
    permission_classes = [IsAuthenticated]


class Pagination(PageNumberPagination):
    """``?page=N&page_size=M`` (at most 100); answers carry count, next, previous, results."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def paginate(view, request, items, serializer_class, *, context: dict | None = None):
    paginator = Pagination()
    page: list | None = paginator.paginate_queryset(items, request, view=view)
    data = serializer_class(page, many=True, context={"request": request, **(context or {})}).data
    return paginator.get_paginated_response(data)


_paginated: dict[type, type] = {}


def paginated(serializer_class: type) -> type:
    """The schema of a page of ``serializer_class`` items (for extend_schema)."""
    if serializer_class not in _paginated:
        name = serializer_class.__name__.removesuffix("Serializer")
        _paginated[serializer_class] = type(f"Paginated{name}List", (serializers.Serializer,), {
            "count": serializers.IntegerField(help_text="Items in all pages."),
            "next": serializers.URLField(allow_null=True, help_text="The next page, absolute; null on the last."),
            "previous": serializers.URLField(allow_null=True, help_text="The previous page; null on the first."),
            "results": serializer_class(many=True),
        })
    return _paginated[serializer_class]


PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="Page number, from 1."),
    OpenApiParameter("page_size", int, description="Items per page, 1-100 (default 20)."),
]
