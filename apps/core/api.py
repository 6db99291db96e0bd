"""API pieces shared by every app: the exception handler that answers in Chinese."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


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
