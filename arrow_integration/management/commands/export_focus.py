"""`manage.py export_focus`: a billing month's Arrow-sourced charges as a FOCUS 1.0 CSV.

Thin: parses the options and writes `services.reports.focus_export` (the same rows as
`GET /api/admin/arrow/focus-export/`) to stdout, or to `--output FILE` with a progress bar on
stderr. The file is written beside its final name and moved into place when complete, so an
interrupted export leaves no partial file behind.
"""

import os
import tempfile
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from arrow_client import Period
from arrow_integration.management.command_output import RawStream
from arrow_integration.selectors.focus import focus_invoice_items
from arrow_integration.services.reports.focus_export import focus_csv_pieces


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise CommandError(f"--period: {exc}") from None


def _uuid(text: str | None, option: str) -> uuid.UUID | None:
    if text is None:
        return None
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise CommandError(f"{option}: expected a UUID, got {text!r}.") from None


class Command(BaseCommand):
    help = "Write the Arrow-sourced charges of a billing month as FOCUS 1.0 CSV (stdout by default)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="The billing month, YYYY-MM.")
        parser.add_argument("--output", help="Write to this file instead of stdout (with a progress bar).")
        # Not `--settings`: Django reads that one itself (the settings module) before any command runs.
        parser.add_argument("--arrow-settings", help="Only charges read through the Arrow settings of this UUID.")
        parser.add_argument("--customer", help="Only the invoices of the customer of this UUID.")
        parser.add_argument("--no-progress", action="store_true", help="Do not show the progress bar.")

    def handle(self, *args, **options):
        query = {
            "period": _period(options["period"]),
            "settings_uuid": _uuid(options["arrow_settings"], "--arrow-settings"),
            "customer_uuid": _uuid(options["customer"], "--customer"),
        }
        if not options["output"]:
            for piece in focus_csv_pieces(**query):
                self.stdout.write(piece, ending="")
            return
        self._write_file(Path(options["output"]), query, show_progress=not options["no_progress"])

    def _write_file(self, target: Path, query: dict, *, show_progress: bool) -> None:
        # At most this many rows: with --settings, charges of the customers' other settings are left out.
        total = focus_invoice_items(period=query["period"], customer_uuid=query["customer_uuid"]).count()
        bar = tqdm(desc=f"FOCUS {query['period']}", total=total, unit="row", file=RawStream(self.stderr),
                   disable=not show_progress)
        directory = target.resolve().parent
        if not directory.is_dir():
            raise CommandError(f"--output: no directory {directory}.")
        handle, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                for piece in focus_csv_pieces(**query, progress=bar.update):
                    stream.write(piece)
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        finally:
            bar.total = bar.n
            bar.close()
        self.stderr.write(f"{bar.n} row(s) written to {target}.")
