"""``python -m bench`` (``make bench``): run every benchmark and print a summary against the targets.

Each benchmark runs in its own process per database (Django is configured once per process):
SQLite always, PostgreSQL when one is configured (``BENCH_DATABASE_URL``/``DATABASE_URL``) or can
be started locally the way ``.ci/run`` does (see `bench.postgres`); ``workers`` runs on
PostgreSQL only (with a Redis it starts itself, see `bench.redis_server`). ``--quick`` uses sizes
about ten times smaller (a smoke run, not the figures of the README), ``--only NAME`` runs one
benchmark, ``--database`` limits the databases, ``--lines N`` sets the size of the large month of
``billing_scale`` (default a million lines). Missed targets are reported, not failed: the exit
status is non-zero only when a benchmark could not run.
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

from bench.harness import NOT_MEASURED, ROOT, format_value, machine_description, say
from bench.postgres import configured_url, postgres_url, server_options

BENCHMARKS = ("billing_import", "billing_scale", "consumption_sync", "reconcile", "api", "workers")
DATABASES = ("sqlite", "postgresql")
POSTGRESQL_ONLY = frozenset({"workers"})  # several worker processes need a server database
SQLITE_URL = "sqlite:///bench"  # the file itself is a temporary test database (bench.harness)


def run_benchmark(name: str, database_url: str, *, quick: bool, extra: tuple[str, ...] = ()) -> tuple[list[dict], int]:
    """Run ``bench.<name>`` in a child process; its figures and exit status."""
    with tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".json") as output:
        command = [sys.executable, "-m", f"bench.{name}", "--database-url", database_url, "--json", output.name,
                   *extra]
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
        if figure["value"] is None:  # a slot for a target whose endpoint does not exist yet
            say(f"  {figure['name']:<{width}}  {NOT_MEASURED} ({figure['note']})  target {target}")
            continue
        say(f"  {figure['name']:<{width}}  {format_value(figure['value']):>10} {figure['unit']:<18} "
            f"{target:>10} {verdict}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run the waldur-arrow benchmarks.")
    parser.add_argument("--quick", action="store_true", help="sizes about ten times smaller (smoke run)")
    parser.add_argument("--only", choices=BENCHMARKS, action="append", help="run only this benchmark (repeatable)")
    parser.add_argument("--database", choices=DATABASES, action="append",
                        help="run only on this database (repeatable; default: both when PostgreSQL is available)")
    parser.add_argument("--lines", type=int, metavar="N",
                        help="lines of billing_scale's large month (default 1 000 000; quick 100 000)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
                if name in POSTGRESQL_ONLY and database != "postgresql":
                    continue
                say(f"\n== {name} on {database} ==")
                extra = ("--lines", str(args.lines)) if name == "billing_scale" and args.lines else ()
                results, status = run_benchmark(name, url, quick=args.quick, extra=extra)
                figures.extend(results)
                if status != 0:
                    failed.append(f"{name} ({database})")
        skipped = [name for name in benchmarks if name in POSTGRESQL_ONLY and "postgresql" not in urls]
        if skipped:
            say(f"\n{', '.join(skipped)}: not run (PostgreSQL only)")
            if "postgresql" in databases:  # asked for, but no server could be had
                failed.extend(skipped)
    summary(figures)
    say(f"\n{len(figures)} figures in {time.perf_counter() - started:.0f} s"
        + (f"; could not run: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
