"""Benchmark: a million-line month, against a 100 000-line one imported the same way.

Run on its own with ``python -m bench.billing_scale [--lines N] [--base-lines N] [--quick]
[--database-url URL]``; ``python -m bench --lines N`` passes its size here. In one process and
one throw-away database, for the base size and then the large size: an emulator process with
that many export lines a month and a page cache large enough for the whole month, the export
read once (the emulator renders every page and keeps it), then `billing_sync_import_period`
of the month into an empty database, once, timed, with the peak resident memory of this
process. Targets (issue 18): the large import's peak RSS ≤ 400 MB and its lines/s within 20 %
of the base import's (cost grows linearly with the month, not worse).

The emulator's own peak memory is printed too: it generates a page at a time (`arrow_emulator
.exports`), so what it holds beyond its code is the page cache, whose budget is sized here to
the month.
"""

from __future__ import annotations

import argparse
import datetime as dt

from bench.billing_import import _check_complete, export_read, import_undo
from bench.harness import (
    MEGABYTE,
    Report,
    benchmark_run,
    common_arguments,
    database_vendor,
    peak_rss_bytes,
    peak_rss_reset,
    rss_bytes,
    say,
    stopwatch,
)

NAME = "billing_scale"
LARGE_LINES = 1_000_000
BASE_LINES = 100_000
QUICK_LARGE_LINES = 100_000
QUICK_BASE_LINES = 10_000
TARGET_PEAK_RSS_MB = 400
TARGET_RATE_SHARE = 0.80  # the large month's lines/s at least this share of the base month's
# A rendered page of 1000 lines is about 0.85 MiB; the cache gets room for the whole month.
CACHE_MB_PER_1000_LINES = 1
CACHE_MB_SPARE = 16


def month_import(settings, *, lines: int, today: dt.date) -> dict:
    """Read (and so cache) a month of ``lines`` lines on a new emulator, then import it once.

    ``settings`` None: the benchmark's world is created on this emulator (``result["settings"]``);
    else the settings are pointed at it (its URL, then the key that goes with it)."""
    from arrow_client import Period
    from arrow_emulator.testing import EmulatorProcess
    from arrow_integration.services.billing.import_period import billing_sync_import_period
    from bench.world import world_create

    period = Period.from_date(today).previous()
    cache_mb = lines // 1000 * CACHE_MB_PER_1000_LINES + CACHE_MB_SPARE
    with EmulatorProcess(seed="demo", scale_lines=lines, today=today, export_cache_mb=cache_mb) as emulator:
        if settings is None:
            settings = world_create(emulator).settings
        else:
            settings.api_url = emulator.base_url
            settings.api_key = emulator.api_key
            settings.save()
        with stopwatch() as reading:
            read = export_read(settings=settings, period=period)
        if read != lines:
            raise RuntimeError(f"the emulator served {read} lines, not {lines}")
        peak_rss_reset()
        start_mb = rss_bytes() / MEGABYTE  # what the read before left resident: the peak starts there
        with stopwatch() as timing:
            outcome = billing_sync_import_period(settings=settings, period=period, today=today)
        peak_mb = peak_rss_bytes() / MEGABYTE
        _check_complete(outcome, lines)
        emulator_peak_mb = (emulator.control.health().get("max_rss_kb") or 0) / 1024
    import_undo()
    return {"settings": settings, "seconds": timing["seconds"], "rate": lines / timing["seconds"],
            "peak_mb": peak_mb, "start_mb": start_mb, "read_seconds": reading["seconds"],
            "emulator_peak_mb": emulator_peak_mb, "cache_mb": cache_mb}


def run(report: Report, *, lines: int, base_lines: int) -> None:
    vendor = database_vendor()
    today = dt.date.today()
    say(f"billing scale: a {lines:,}-line month against a {base_lines:,}-line one, on {vendor}")
    base = month_import(None, lines=base_lines, today=today)
    report.add(f"import of {base_lines:,} lines, base of the comparison ({vendor})", base["rate"], "lines/s",
               note=f"{base['seconds']:.1f} s; read while the emulator rendered: {base['read_seconds']:.1f} s")
    large = month_import(base["settings"], lines=lines, today=today)
    report.add(f"import of {lines:,} lines ({vendor})", large["rate"], "lines/s",
               note=f"{large['seconds']:.1f} s; read while the emulator rendered: {large['read_seconds']:.1f} s")
    share = large["rate"] / base["rate"]
    report.add(f"lines/s of {lines:,} lines vs {base_lines:,} ({vendor})", share * 100, "%",
               target=f"≥ {TARGET_RATE_SHARE:.0%}", met=share >= TARGET_RATE_SHARE,
               note="one import of each, back to back, pages served from the emulator's cache")
    report.add(f"import peak RSS, {lines:,} lines ({vendor})", large["peak_mb"], "MB",
               target=f"≤ {TARGET_PEAK_RSS_MB}", met=large["peak_mb"] <= TARGET_PEAK_RSS_MB,
               note=f"whole benchmark process, Django included, {large['start_mb']:.0f} MB when the import started "
                    f"(after the read); {base_lines:,} lines: {base['peak_mb']:.0f} MB")
    report.add(f"emulator peak RSS, {lines:,} lines ({vendor})", large["emulator_peak_mb"], "MB",
               note=f"page cache budget {large['cache_mb']} MiB (the whole month); "
                    f"{base_lines:,} lines: {base['emulator_peak_mb']:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.billing_scale", description=__doc__.splitlines()[0])
    common_arguments(parser)
    parser.add_argument("--lines", type=int, help="lines of the large month (default 1 000 000; quick 100 000)")
    parser.add_argument("--base-lines", type=int,
                        help="lines of the month it is compared with (default 100 000; quick 10 000)")
    args = parser.parse_args(argv)
    lines = args.lines or (QUICK_LARGE_LINES if args.quick else LARGE_LINES)
    base_lines = args.base_lines or (QUICK_BASE_LINES if args.quick else BASE_LINES)
    return benchmark_run(NAME, args, run, lines=lines, base_lines=base_lines)


if __name__ == "__main__":
    raise SystemExit(main())
