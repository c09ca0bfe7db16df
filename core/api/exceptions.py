"""Errors as JSON: DRF's handler, domain errors mapped to HTTP codes, JSON 404/500 pages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.services.invoices import InvoiceNotPending

# Domain exceptions of the services, and the HTTP status they map to. Apps register theirs.
DOMAIN_ERRORS: dict[type[Exception], int] = {InvoiceNotPending: status.HTTP_409_CONFLICT}


def register_domain_error(exc_class: type[Exception], http_status: int) -> None:
    DOMAIN_ERRORS[exc_class] = http_status


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    for exc_class, http_status in DOMAIN_ERRORS.items():
        if isinstance(exc, exc_class):
            return Response({"detail": str(exc)}, status=http_status)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    return None


def json_page_not_found(request, exception=None):
    return JsonResponse({"detail": "Not found."}, status=404)


def json_server_error(request):
    return JsonResponse({"detail": "Internal server error."}, status=500)
