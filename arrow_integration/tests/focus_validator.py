"""The FinOps Foundation's FOCUS validator, installed and run inside the test run.

focus-validator 1.0.0 (the last release that runs on Python 3.11, validating FOCUS 1.0) pins its
own pandas and numpy and needs `multimethod<1.11`, so it lives in a virtualenv of its own,
`.venv-focus/` at the project root (git-ignored): the first test that needs it creates it, later
runs reuse it (CI starts from a fresh clone and creates it there; its PostgreSQL pass reuses the
one of its SQLite pass). `validator_install` raises `ValidatorUnavailable` when it cannot be
installed (no package index reachable, say); the tests turn that into a failure under CI and a
skip elsewhere.

`validate` runs `focus-validator --data-file F --validate-version 1.0 --override-file O` from the
virtualenv's site-packages (the validator reads its currency codes relative to the working
directory) and parses its report: it exits 0 whatever the outcome, printing `Validation
succeeded.` or, per failed check, a `<CheckId> failed:` block, then `Validation failed!`.
The override file skips the checks of pre-ratification column IDs and one broken rule (see
`focus_validator_overrides.yaml`); the tests check those columns themselves.
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("FOCUS_VALIDATOR_VENV", PROJECT_ROOT / ".venv-focus"))
REQUIREMENTS = ("focus-validator==1.0.0", "multimethod<1.11")
OVERRIDES = Path(__file__).with_name("focus_validator_overrides.yaml")
VALIDATED_VERSION = "1.0"
INSTALL_TIMEOUT_SECONDS = 1200
RUN_TIMEOUT_SECONDS = 300
SUCCEEDED = "Validation succeeded."
FAILED = "Validation failed!"
_FAILED_CHECK = re.compile(r"^(\S+) failed:$", re.MULTILINE)


class ValidatorUnavailable(Exception):
    """The validator's virtualenv could not be created or installed; the message says why."""


@dataclass(frozen=True)
class ValidationReport:
    succeeded: bool
    failed_checks: dict[str, str]  # check id -> its block of the report
    output: str


def _run(command: list, *, timeout: int, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd, check=False)


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def validator_install(venv: Path = VENV) -> Path:
    """Create ``venv`` with the validator unless it is there already; its site-packages folder."""
    marker = venv / ".installed"
    wanted = "\n".join(REQUIREMENTS)
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test processes never install at once
        if not (marker.exists() and marker.read_text() == wanted):
            _install(venv)
            marker.write_text(wanted)
    found = _run([_python(venv), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], timeout=60)
    if found.returncode != 0:
        raise ValidatorUnavailable(f"{venv} has no working Python: {found.stderr.strip()[-500:]}")
    return Path(found.stdout.strip())


def _install(venv: Path) -> None:
    steps = [
        [sys.executable, "-m", "venv", "--clear", venv],
        [_python(venv), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--retries", "2",
         "--timeout", "60", *REQUIREMENTS],
    ]
    for step in steps:
        try:
            done = _run(step, timeout=INSTALL_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            raise ValidatorUnavailable(f"{' '.join(map(str, step))} took over {INSTALL_TIMEOUT_SECONDS} s") from None
        if done.returncode != 0:
            raise ValidatorUnavailable(
                f"could not install {' '.join(REQUIREMENTS)} into {venv} (is PyPI reachable?): "
                f"{(done.stderr or done.stdout).strip()[-800:]}"
            )


def parse_report(output: str) -> ValidationReport:
    """The validator's verdict from its output; `ValueError` when it is neither success nor failure."""
    if SUCCEEDED in output:
        return ValidationReport(succeeded=True, failed_checks={}, output=output)
    if FAILED not in output:
        raise ValueError(f"Unexpected focus-validator output:\n{output[-2000:]}")
    matches = list(_FAILED_CHECK.finditer(output))
    blocks = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else output.index(FAILED)
        blocks[match.group(1)] = output[match.start():end].strip()
    return ValidationReport(succeeded=False, failed_checks=blocks, output=output)


def validate(data_file: Path, *, site_packages: Path, venv: Path = VENV) -> ValidationReport:
    """Validate a FOCUS CSV against FOCUS 1.0 with the official validator (installed at ``venv``)."""
    done = _run([venv / "bin" / "focus-validator", "--data-file", Path(data_file).resolve(),
                 "--validate-version", VALIDATED_VERSION, "--override-file", OVERRIDES],
                timeout=RUN_TIMEOUT_SECONDS, cwd=site_packages)
    return parse_report(done.stdout + done.stderr)
