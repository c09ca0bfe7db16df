"""`manage.py sync_arrow_resources`: import Arrow IAAS subscriptions as resources from the terminal.

Thin: parses the options, calls `services.licenses.resource_sync.resources_sync_from_billing` (the same service
as the `sync_resources` API action) with a progress bar over the export pages, and prints the
counters. With `--dry-run` it lists what it would create or change and writes nothing.
"""

import uuid

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from tqdm import tqdm

from arrow_client import ArrowError, Period
from arrow_integration.management.actor import LedgerActorCommand
from arrow_integration.management.command_output import RawStream
from arrow_integration.selectors.configuration import arrow_settings_get
from arrow_integration.services.licenses.resource_sync import resources_sync_from_billing
from core.errors import DomainError
from core.models import Offering, Project

COUNTERS = (
    "licenses", "synced", "created", "updated", "skipped", "customers_created", "projects_created",
    "mappings_created", "usages_written", "errors_total",
)


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def _uuid(value: str | None, option: str) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise CommandError(f"{option}: {value!r} is not a UUID.") from None


def _by_uuid(model, value: str | None, option: str):
    if not value:
        return None
    try:
        return model.objects.get(uuid=value)
    except (model.DoesNotExist, ValidationError, ValueError):
        raise CommandError(f"{option}: no {model._meta.verbose_name} with UUID {value!r}.") from None


class Command(LedgerActorCommand):
    help = "Create or update resources from the Arrow IAAS billing export (default: the last 6 months)."

    def add_arguments(self, parser):
        parser.add_argument("--period-from", help="First month, YYYY-MM (default: five months before the current).")
        parser.add_argument("--period-to", help="Last month, YYYY-MM (default: the current month).")
        parser.add_argument("--dry-run", action="store_true", help="Show what would be done; write nothing.")
        parser.add_argument("--force-import", action="store_true",
                            help="Also create missing customers, their mappings and an 'Arrow Azure Subscriptions' "
                                 "project each.")
        parser.add_argument("--arrow-settings", help="UUID of the Arrow settings (default: the active ones).")
        parser.add_argument("--offering", help="UUID of the offering for new resources (default: vendor mappings).")
        parser.add_argument("--project", help="UUID of the project for new resources (ignored with --force-import).")
        parser.add_argument("--no-progress", action="store_true", help="Do not show the progress bar.")

    def handle(self, *args, **options):
        try:
            arrow_settings = arrow_settings_get(_uuid(options["arrow_settings"], "--arrow-settings"),
                                                field="--arrow-settings")
        except DomainError as exc:
            raise CommandError(f"--arrow-settings: {exc}") from None
        dry_run = options["dry_run"]
        bar = tqdm(desc="Arrow export pages", unit="page", file=RawStream(self.stderr), disable=options["no_progress"])

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        def report_action(text: str) -> None:
            if dry_run:
                tqdm.write(f"would {text}", file=RawStream(self.stdout))

        try:
            result = resources_sync_from_billing(
                arrow_settings=arrow_settings,
                period_from=_period(options["period_from"]) if options["period_from"] else None,
                period_to=_period(options["period_to"]) if options["period_to"] else None,
                offering=_by_uuid(Offering, options["offering"], "--offering"),
                project=_by_uuid(Project, options["project"], "--project"),
                force_import=options["force_import"],
                dry_run=dry_run,
                progress=progress,
                on_action=report_action,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        except ArrowError as exc:
            raise CommandError(f"Arrow: {exc}") from None
        finally:
            bar.close()
        self._print_result(result)

    def _print_result(self, result) -> None:
        heading = "Dry run, nothing was written" if result.dry_run else "Done"
        self.stdout.write(f"{heading}: periods {result.period_from} to {result.period_to}")
        for name in COUNTERS:
            self.stdout.write(f"  {name}: {getattr(result, name)}")
        for error in result.errors:
            context = ", ".join(f"{key}={value}" for key, value in error.items() if key != "error" and value)
            self.stderr.write(f"  error: {error['error']}" + (f" ({context})" if context else ""))
