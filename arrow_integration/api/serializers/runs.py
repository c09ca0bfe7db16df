"""Serializer of background runs (`ArrowSyncRun`) for /api/admin/arrow/sync-runs/.

A run shows what it is (kind, settings, month), where it is (state, progress done/total, queued,
started and finished times), who asked for it (`user` with the username, `schedule`, or null for
runs started otherwise, e.g. by a command) and how it ended: the outcome the job computed, as
JSON, with `operator_summary` (sentences saying what was done and what needs a person), and the
error message of a failed run.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from arrow_integration.api.serializers.billing import ReportPeriodField
from arrow_integration.models import ArrowSyncRun


class ArrowSyncRunSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="arrow-sync-run-detail", lookup_field="uuid")
    settings = serializers.HyperlinkedRelatedField(view_name="arrow-settings-detail", lookup_field="uuid",
                                                   read_only=True)
    settings_uuid = serializers.UUIDField(source="settings.uuid", read_only=True)
    period = ReportPeriodField(allow_null=True, help_text="YYYY-MM; null for runs of no particular month.")
    triggered_by = serializers.CharField(read_only=True, allow_null=True,
                                         help_text="user, schedule, or null for a run started otherwise.")
    triggered_by_username = serializers.CharField(source="triggered_by_user.username", read_only=True,
                                                  allow_null=True, default=None)
    queued_at = serializers.SerializerMethodField()
    operator_summary = serializers.SerializerMethodField()

    class Meta:
        model = ArrowSyncRun
        fields = [
            "uuid", "url", "kind", "settings", "settings_uuid", "period", "state", "progress_done", "progress_total",
            "triggered_by", "triggered_by_username", "queued_at", "started_at", "finished_at", "error_message",
            "operator_summary", "outcome",
        ]
        read_only_fields = fields

    def to_representation(self, run):
        data = super().to_representation(run)
        data["triggered_by"] = run.triggered_by or None
        return data

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_queued_at(self, run) -> str | None:
        """When the API or the schedule queued the run (null for a run started at once)."""
        if not run.triggered_by:
            return None
        return serializers.DateTimeField().to_representation(run.created)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_operator_summary(self, run) -> list[str]:
        summary = run.outcome.get("operator_summary") if isinstance(run.outcome, dict) else None
        return summary if isinstance(summary, list) else []
