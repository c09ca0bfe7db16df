"""`manage.py repair_duplicate_charges`: list, and with `--apply` settle, second charges of Arrow lines.

Thin: finds the duplicates with `services.duplicate_charges`, prints one line each (customer,
invoice, line identity, amount, what settling does) and, with `--apply`, settles them one by one
under a progress bar, then prints what changed. A dry run is the default and writes nothing.
Running `--apply` again finds nothing left to do.
"""

from tqdm import tqdm

from arrow_integration.management.actor import LedgerActorCommand
from arrow_integration.management.command_output import RawStream
from arrow_integration.services.billing.duplicate_charges import (
    CREDIT,
    REMOVE,
    SETTLED,
    UNLINK,
    DuplicateCharge,
    duplicate_charge_settle,
    duplicate_charges_find,
)
from core.services.invoices import InvoiceNotPending

WHAT_SETTLING_DOES = {
    REMOVE: "remove it from its pending invoice",
    CREDIT: "credit it on the customer's current pending invoice",
    UNLINK: "delete the link (the license-month is charged by consumption, once)",
    SETTLED: "nothing (already settled)",
}
WHAT_WAS_DONE = {REMOVE: "removed", CREDIT: "credited", UNLINK: "unlinked", SETTLED: "already settled"}


def describe(charge: DuplicateCharge) -> str:
    return (
        f"{charge.customer}: invoice {charge.invoice}, line {charge.line_reference} of {charge.report_period} "
        f"(account {charge.arrow_account}), {charge.amount} {charge.currency}".rstrip()
    )


class Command(LedgerActorCommand):
    help = ("List Arrow lines charged more than once (found when upgrading to line identities) and, with --apply, "
            "remove the second charges from pending invoices or credit them on the current one.")

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Settle the duplicates (default: only list them).")
        parser.add_argument("--dry-run", action="store_true", help="Only list them (the default).")
        parser.add_argument("--no-progress", action="store_true", help="Do not show the progress bar.")

    def handle(self, *args, **options):
        charges = duplicate_charges_find()
        if not charges:
            self.stdout.write("No duplicate charges: every Arrow line is charged once.")
            return
        apply = options["apply"] and not options["dry_run"]
        heading = "Settling" if apply else "Dry run, nothing is written. Would settle"
        self.stdout.write(f"{heading} {len(charges)} duplicate charge(s):")
        if not apply:
            for charge in charges:
                self.stdout.write(f"  {describe(charge)}: would {WHAT_SETTLING_DOES[charge.action]}")
            self.stdout.write("Run again with --apply to settle them.")
            return
        done: dict[str, int] = {}
        failed = 0
        for charge in tqdm(charges, desc="Duplicate charges", unit="charge", file=RawStream(self.stderr),
                           disable=options["no_progress"]):
            try:
                result = duplicate_charge_settle(charge)
            except InvoiceNotPending as exc:
                failed += 1
                tqdm.write(f"  {describe(charge)}: NOT settled ({exc})", file=RawStream(self.stderr))
                continue
            done[result.action] = done.get(result.action, 0) + 1
            tqdm.write(f"  {describe(result)}: {WHAT_WAS_DONE[result.action]}", file=RawStream(self.stdout))
        summary = ", ".join(f"{count} {WHAT_WAS_DONE[action]}" for action, count in sorted(done.items()))
        self.stdout.write(f"Done: {summary or 'nothing changed'}" + (f"; {failed} failed" if failed else "") + ".")
