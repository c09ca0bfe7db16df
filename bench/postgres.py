"""The PostgreSQL server the benchmarks use, when there is one.

`postgres_url` answers, in this order: ``BENCH_DATABASE_URL`` or ``DATABASE_URL`` when they name
a PostgreSQL server; else a throw-away server started here the way ``.ci/run`` does (``initdb``
and ``pg_ctl`` from the newest ``/usr/lib/postgresql/*/bin``, run as the ``postgres`` user when
this process is root, listening on loopback only, ``fsync=off`` like CI unless
``BENCH_PG_OPTIONS`` says otherwise, data in a temporary directory), stopped and removed on
exit; else ``None`` (the benchmarks then run on SQLite only and say so). Each benchmark creates
and drops its own ``test_…`` database on that server.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.harness import free_port

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
DEFAULT_PORT = int(os.environ.get("BENCH_PG_PORT", "55434"))
DATABASE_NAME = "waldur_arrow_bench"
SERVER_USER = "postgres"
# As .ci/run starts it: no fsync, so that the figures measure the application rather than this
# machine's disk flushes. BENCH_PG_OPTIONS="-c fsync=on" benchmarks a durable server instead.
DEFAULT_SERVER_OPTIONS = "-c fsync=off"


def server_options() -> str:
    return os.environ.get("BENCH_PG_OPTIONS", DEFAULT_SERVER_OPTIONS).strip()


def configured_url() -> str | None:
    """A PostgreSQL URL from the environment, if any."""
    for name in ("BENCH_DATABASE_URL", "DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("postgres://", "postgresql://")):
            return url
    return None


def server_binaries() -> Path | None:
    """The newest local PostgreSQL bin directory with initdb and pg_ctl, if installed."""
    candidates = sorted(Path("/").glob(PG_BIN_GLOB.lstrip("/")), key=lambda path: _version_key(path.parent.name))
    for directory in reversed(candidates):
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    return None


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def _as_server_user(command: list[str]) -> list[str]:
    """Run ``command`` as the postgres user when we are root (initdb refuses to run as root)."""
    if os.geteuid() != 0:
        return command
    return ["su", SERVER_USER, "-s", "/bin/sh", "-c", shlex.join(command)]


@contextmanager
def local_server() -> Iterator[str]:
    """Start a throw-away PostgreSQL on loopback; yields its URL; stops and removes it on exit."""
    binaries = server_binaries()
    if binaries is None:
        raise RuntimeError("PostgreSQL is not installed (no initdb under /usr/lib/postgresql)")
    work = Path(tempfile.mkdtemp(prefix="waldur-arrow-bench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(work, SERVER_USER, SERVER_USER)
    data, log = work / "data", work / "server.log"
    port = free_port(DEFAULT_PORT)
    options = f"-p {port} -k {work} -c listen_addresses=127.0.0.1 {server_options()}"
    try:
        subprocess.run(_as_server_user([str(binaries / "initdb"), "-D", str(data), "-U", SERVER_USER,
                                        "--auth=trust", "-E", "UTF8"]), check=True, capture_output=True)
        subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-o", options,
                                        "-l", str(log), "-w", "start"]), check=True, capture_output=True)
        yield f"postgres://{SERVER_USER}@127.0.0.1:{port}/{DATABASE_NAME}"
    finally:
        subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
                       capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def postgres_url() -> Iterator[str | None]:
    """The PostgreSQL URL to benchmark on (configured, or a local throw-away server), or None."""
    configured = configured_url()
    if configured:
        yield configured
        return
    if server_binaries() is None:
        yield None
        return
    with local_server() as url:
        yield url
