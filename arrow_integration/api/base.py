"""Shared pieces of the /api/admin/arrow/ views: access, look-ups, queueing, errors, input fields.

One way to do each of these:

- `settings_for_request`: the settings a request names (`settings_uuid`), else the active ones;
- `enqueue`: a period task with its queued run (`tasks.base.period_job_enqueue`), sent once the
  transaction commits; a broker that is down is a JSON 503 and nothing is scheduled; the answer
  is a 202 with a message and the queued run's `run_uuid` (`queued`), to follow at `sync-runs/`;
- `exception_handler` (the project's DRF handler): domain errors answer with their own status and
  body (`core.errors`), an Arrow failure of a synchronous call is a 400 naming the Arrow problem.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, status
from rest_framework.response import Response

from arrow_client.errors import ArrowError
from arrow_client.periods import Period
from arrow_integration.choices import SyncRunTrigger
from arrow_integration.errors import ArrowRequestFailed
from arrow_integration.models import ArrowSettings, ArrowSyncRun, arrow_reference_validators
from arrow_integration.selectors.configuration import arrow_settings_get
from arrow_integration.tasks.base import PeriodJobTask, period_job_enqueue
from core.api.exceptions import exception_handler as core_exception_handler
from core.api.permissions import IsStaff
from core.api.views import UUID_PATTERN

SETTINGS_FIELD = "settings_uuid"


LOOKUP_PARAMETER = "uuid"
ARROW_REFERENCE_MAX_LENGTH = 255


class AdminAutoSchema(AutoSchema):
    """Documents the `{uuid}` path parameter as a UUID (the route's regex alone says only "string")."""

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if f"{{{LOOKUP_PARAMETER}}}" in self.path:
            parameters.append(OpenApiParameter(LOOKUP_PARAMETER, OpenApiTypes.UUID, OpenApiParameter.PATH))
        return parameters


class AdminViewSetMixin:
    """Staff only; objects addressed by UUID (anything else in the path is a 404)."""

    schema = AdminAutoSchema()
    permission_classes = [IsStaff]
    lookup_field = LOOKUP_PARAMETER
    lookup_value_regex = UUID_PATTERN


class PeriodField(serializers.CharField):
    """A `YYYY-MM` string at the API boundary, a Period inside."""

    default_error_messages = {"invalid_period": "Expected a period as YYYY-MM (month 01-12, year 2000-2100), got {value!r}."}

    def to_internal_value(self, data) -> Period:
        text = super().to_internal_value(data)
        try:
            return Period.parse(text)
        except ValueError:
            self.fail("invalid_period", value=text[:20])

    def to_representation(self, value) -> str:
        return str(value)


class ArrowReferenceField(serializers.CharField):
    """An Arrow customer or license reference: `XSP` and digits, surrounding blanks trimmed.

    These go into Arrow URL paths, so anything else (`..`, `/`, `?`, `%2e`) is a 400 here,
    before the client (which also quotes them) is involved.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", ARROW_REFERENCE_MAX_LENGTH)
        kwargs.setdefault("validators", arrow_reference_validators())
        super().__init__(**kwargs)


def counted(data, *, count: int | None = None, http_status: int = status.HTTP_200_OK) -> Response:
    """A response carrying X-Result-Count, so HEAD on single-object actions satisfies the client."""
    if count is None:
        count = len(data) if isinstance(data, list) else 1
    return Response(data, status=http_status, headers={"X-Result-Count": str(count)})


def settings_for_request(settings_uuid, *, field: str | None = SETTINGS_FIELD) -> ArrowSettings:
    """The live settings the request names, else the active ones.

    An unknown UUID is a 404 and no active settings a 400, both naming ``field`` (the input that
    names settings; None for actions without one).
    """
    return arrow_settings_get(settings_uuid, field=field)


def enqueue(task: PeriodJobTask, *, request, settings: ArrowSettings, period: Period,
            args: tuple = ()) -> ArrowSyncRun:
    """Queue ``task`` for ``settings`` and ``period`` with a queued run triggered by the request's
    user; returns that run. `QueueUnavailable` (503, nothing scheduled) when the broker is down."""
    return period_job_enqueue(task, settings=settings, period=period, args=args, triggered_by=SyncRunTrigger.USER,
                       user=request.user if request.user.is_authenticated else None)


def queued(message: str, run: ArrowSyncRun) -> Response:
    """The answer of a queued action: 202 once the task is handed to the broker, naming its run
    (recorded as queued before the answer is sent)."""
    return Response({"message": message, "run_uuid": str(run.uuid)}, status=status.HTTP_202_ACCEPTED)


def exception_handler(exc, context):
    """The API's exception handler (`REST_FRAMEWORK["EXCEPTION_HANDLER"]`): an `ArrowError` met by a
    synchronous call is answered as `ArrowRequestFailed` (400 naming the Arrow problem); the rest
    as `core.api.exceptions.exception_handler` answers it."""
    if isinstance(exc, ArrowError):
        exc = ArrowRequestFailed(str(exc))
    return core_exception_handler(exc, context)
