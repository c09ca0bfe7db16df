"""The ledger's actor for management commands: "command <name>" (e.g. "command repair_duplicate_charges")."""

from django.core.management.base import BaseCommand

from arrow_integration.services.ledger.actor import ledger_actor_named


class LedgerActorCommand(BaseCommand):
    """A command whose writes the ledger names after it (runs it starts still name themselves)."""

    def execute(self, *args, **options):
        with ledger_actor_named(f"command {self.__module__.rsplit('.', 1)[-1]}"):
            return super().execute(*args, **options)
