"""``python -m bench`` (``make bench``): run every benchmark and print a summary against the targets.

Each benchmark runs in its own process per database (Django is configured once per process):
SQLite always, PostgreSQL when one is configured (``BENCH_DATABASE_URL``/``DATABASE_URL``) or can
be started locally the way ``.ci/run`` does (see `bench.postgres`). ``--quick`` uses sizes ten
times smaller (a smoke run, not the figures of the README), ``--only NAME`` runs one benchmark,
``--database`` limits the databases. Missed targets are reported, not failed: the exit status
is non-zero only when a benchmark could not run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench.harness import ROOT, format_value, machine_description, say
from bench.postgres import configured_url, postgres_url, server_options

BENCHMARKS = ("billing_import", "consumption_sync", "reconcile", "api")
DATABASES = ("sqlite", "postgresql")
SQLITE_URL = "sqlite:///bench"  # the file itself is a temporary test database (bench.harness)


def run_benchmark(name: str, database_url: str, *, quick: bool) -> tuple[list[dict], int]:
    """Run ``bench.<name>`` in a child process; its figures and exit status."""
    with tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".json") as output:
        command = [sys.executable, "-m", f"bench.{name}", "--database-url", database_url, "--json", output.name]
        if quick:
            command.append("--quick")
        status = subprocess.run(command, cwd=ROOT).returncode
        text = Path(output.name).read_text()
    return (json.loads(text) if text else []), status


def summary(figures: list[dict]) -> None:
    say("\nSummary")
    width = max((len(figure["name"]) for figure in figures), default=10)
    for figure in figures:
        verdict = "" if figure["met"] is None else ("ok" if figure["met"] else "MISSED")
        target = figure["target"] or "-"
        say(f"  {figure['name']:<{width}}  {format_value(figure['value']):>10} {figure['unit']:<18} "
            f"{target:>10} {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run the waldur-arrow benchmarks.")
    parser.add_argument("--quick", action="store_true", help="sizes ten times smaller (smoke run)")
    parser.add_argument("--only", choices=BENCHMARKS, action="append", help="run only this benchmark (repeatable)")
    parser.add_argument("--database", choices=DATABASES, action="append",
                        help="run only on this database (repeatable; default: both when PostgreSQL is available)")
    args = parser.parse_args(argv)
    benchmarks = args.only or list(BENCHMARKS)
    databases = args.database or list(DATABASES)
    say(f"waldur-arrow benchmarks on {machine_description()}{' (quick sizes)' if args.quick else ''}")
    figures: list[dict] = []
    failed: list[str] = []
    started = time.perf_counter()
    with ExitStack() as stack:
        urls = {"sqlite": SQLITE_URL} if "sqlite" in databases else {}
        if "postgresql" in databases:
            try:
                url = stack.enter_context(postgres_url())
            except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
                url = None
                say(f"PostgreSQL: could not be started ({exc}); SQLite only")
            if url:
                urls["postgresql"] = url
                origin = "configured" if configured_url() else f"throw-away server, {server_options()}"
                say(f"PostgreSQL: {url.rsplit('@', 1)[-1]} ({origin})")
            else:
                say("PostgreSQL: none configured or installed; SQLite only")
        for name in benchmarks:
            for database, url in urls.items():
                say(f"\n== {name} on {database} ==")
                results, status = run_benchmark(name, url, quick=args.quick)
                figures.extend(results)
                if status != 0:
                    failed.append(f"{name} ({database})")
    summary(figures)
    say(f"\n{len(figures)} figures in {time.perf_counter() - started:.0f} s"
        + (f"; could not run: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
