"""The benchmarks (`bench/`) import and take their options; nothing is timed or run here.

Benchmarks print figures and are run by ``make bench``, never by the test suite: this only
catches a benchmark module that no longer imports, or options that no longer parse, before
someone waits half an hour for ``make bench`` to say so.
"""

import importlib

import pytest

from bench.__main__ import BENCHMARKS, POSTGRESQL_ONLY, build_parser

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_benchmark_module_imports_and_has_a_main(name):
    module = importlib.import_module(f"bench.{name}")
    assert callable(module.main) and module.__doc__


def test_the_quick_run_and_the_size_option_parse():
    args = build_parser().parse_args(["--quick", "--only", "billing_scale", "--database", "sqlite",
                                      "--lines", "200000"])
    assert (args.quick, args.only, args.database, args.lines) == (True, ["billing_scale"], ["sqlite"], 200_000)
    assert POSTGRESQL_ONLY <= set(BENCHMARKS)


def test_the_workers_benchmark_refuses_sqlite_without_starting_anything(capsys):
    from bench import workers

    assert workers.main(["--quick", "--database-url", "sqlite:///bench"]) == 2
    assert "PostgreSQL" in capsys.readouterr().err


def test_a_slot_without_an_endpoint_prints_not_measured(tmp_path):
    import json

    from bench.harness import Report
    from bench.month_close import MISSING

    report = Report("month_close", str(tmp_path / "figures.json"))
    figure = report.not_measured("month report", "ms", target="≤ 1,000", reason=MISSING)
    assert figure.line() == "  month report: not measured (endpoint missing)  (target ≤ 1,000)"
    report.save()
    assert json.loads((tmp_path / "figures.json").read_text())[0]["value"] is None
