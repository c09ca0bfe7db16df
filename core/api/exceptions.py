"""Errors as JSON: DRF's handler, domain errors with their own status and body, JSON 404/500 pages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


def exception_handler(exc, context):
    """DRF's errors as DRF answers them; a `DomainError` with its status and body; a Django
    `ValidationError` as a 400 naming its fields. Anything else is left to Django (a JSON 500)."""
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    if isinstance(exc, DomainError):
        return Response(exc.response_body(), status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    return None


def json_page_not_found(request, exception=None):
    return JsonResponse({"detail": "Not found."}, status=404)


def json_server_error(request):
    return JsonResponse({"detail": "Internal server error."}, status=500)
