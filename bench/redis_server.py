"""The Redis broker the multi-worker benchmark uses, started here when none is configured.

`redis_url` answers, in this order: ``BENCH_REDIS_URL`` or ``CELERY_BROKER_URL`` when they name
a Redis server; else a throw-away ``redis-server`` started here the way ``.ci/run`` does
(loopback only, no persistence, its files in a temporary directory), stopped on exit; else
``None`` (the benchmark then says it could not run). Named ``redis_server`` so that it never
hides the ``redis`` client library.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.harness import free_port

DEFAULT_PORT = int(os.environ.get("BENCH_REDIS_PORT", "56381"))
STARTUP_SECONDS = 10.0
STOP_SECONDS = 5.0


def configured_url() -> str | None:
    """A Redis URL from the environment, if any."""
    for name in ("BENCH_REDIS_URL", "CELERY_BROKER_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("redis://", "rediss://")):
            return url
    return None


@contextmanager
def local_server() -> Iterator[str]:
    """Start a throw-away Redis on loopback; yields its URL; stops it and removes its files on exit."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed")
    import redis

    work = Path(tempfile.mkdtemp(prefix="waldur-arrow-bench-redis-"))
    port = free_port(DEFAULT_PORT)
    log = (work / "server.log").open("w")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(work)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start: {(work / 'server.log').read_text()}") from None
                time.sleep(0.1)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_SECONDS)
        log.close()
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def redis_url() -> Iterator[str | None]:
    """The Redis URL to benchmark with (configured, or a local throw-away server), or None."""
    configured = configured_url()
    if configured:
        yield configured
        return
    if shutil.which("redis-server") is None:
        yield None
        return
    with local_server() as url:
        yield url
