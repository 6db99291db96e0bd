"""API pieces shared by every app: the exception handler that answers in Chinese, and the lists' pagination."""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.listing import CappedPaginator


def exception_handler(exc, context):
    """Turn service-layer errors into DRF answers; field errors stay per field.

    Services raise Django's ValidationError (from full_clean) and PermissionDenied;
    the API shows them as 400 with {field: [messages]} and 403, never as a 500.
    """
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
        else:
            detail = {"non_field_errors": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "您没有执行该操作的权限。")
    return drf_exception_handler(exc, context)


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str) -> JsonResponse:
    """An error answer under /api/ that no view handled (a path no route matches): JSON, as the schema says."""
    return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})


class CappedPagination(PageNumberPagination):
    """Every API list's pages (REST_FRAMEWORK's DEFAULT_PAGINATION_CLASS): 50 rows a page, counted up to
    `PORTAL_LIST_COUNT_CAP` as the HTML lists are (`apps.core.listing`) — a count is a scan of every row that
    matches, and the committee's lists hold the whole city. `count_capped` says there are more rows than `count`;
    the pages stop at the cap, and filters (dates, unit, branch) narrow a list to the rows a client wants."""

    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.page.paginator.capped
        return response

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count"]["description"] = f"行数，最多计到 {settings.PORTAL_LIST_COUNT_CAP}"
        answer["properties"]["count_capped"] = {
            "type": "boolean",
            "description": "为 true 时实际行数超过 count，分页只到 count 为止；请用筛选条件缩小范围",
        }
        answer["required"].append("count_capped")
        return answer
