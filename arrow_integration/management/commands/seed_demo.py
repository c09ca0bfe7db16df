"""Seed the demo data (idempotent) and print or write its JSON summary."""

import json
import os
from pathlib import Path

from arrow_integration.management.actor import LedgerActorCommand
from arrow_integration.services.configuration.demo import demo_seed_with_summary

OUTPUT_FILE_MODE = 0o600


class Command(LedgerActorCommand):
    help = "Create the demo users, customers, offering and resource (idempotent); print a JSON summary."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Also write the summary to this file.")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000/")
        parser.add_argument("--arrow-url", default="", help="Arrow base URL of the demo (the emulator).")
        parser.add_argument("--arrow-key", default="", help="Arrow API key of the demo (the emulator's).")

    def handle(self, *args, **options):
        summary = demo_seed_with_summary(
            base_url=options["base_url"], arrow_url=options["arrow_url"], arrow_key=options["arrow_key"]
        )
        text = json.dumps(summary, indent=2)
        if options["output"]:
            path = Path(options["output"])
            path.parent.mkdir(parents=True, exist_ok=True)
            # The summary holds API tokens: readable by its owner only.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OUTPUT_FILE_MODE)
            with os.fdopen(descriptor, "w") as file:
                os.fchmod(file.fileno(), OUTPUT_FILE_MODE)
                file.write(text + "\n")
        self.stdout.write(text)
