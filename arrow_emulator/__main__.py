"""Command line of the emulator: ``arrow-emulator --host 127.0.0.1 --port 8081 --seed demo``.

Parses options, binds the socket itself (``--port 0`` picks a free port) and prints one line
``arrow-emulator listening on http://HOST:PORT/BASE/`` once it accepts connections, then serves
with uvicorn until interrupted. It does nothing else; the app lives in `arrow_emulator.app`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import sys

import uvicorn

from arrow_emulator.app import create_app
from arrow_emulator.state import (
    DEFAULT_API_KEY,
    DEFAULT_BASE_PATH,
    DEFAULT_VALIDATION_DELAY_DAYS,
    EXPORT_PAGE_SIZE,
    EmulatorConfig,
    EmulatorState,
)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8081
READY_MESSAGE = "arrow-emulator listening on"
GRACEFUL_SHUTDOWN_SECONDS = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="arrow-emulator", description="ArrowSphere API emulator")
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port; 0 picks a free one (default: %(default)s)")
    parser.add_argument("--seed", default="demo", help="seed name; same seed, same data (default: %(default)s)")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="accepted apiKey header (default: %(default)s)")
    parser.add_argument("--base-path", default=DEFAULT_BASE_PATH, help="Arrow API base path (default: %(default)s)")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                        help="pretend today is YYYY-MM-DD (default: the real date)")
    parser.add_argument("--validation-delay-days", type=int, default=DEFAULT_VALIDATION_DELAY_DAYS,
                        help="days after a month ends until its lines are validated (default: %(default)s)")
    parser.add_argument("--scale-lines", type=int, default=0,
                        help="at least this many export lines in every period (default: seed data only)")
    parser.add_argument("--scale-licenses", type=int, default=0,
                        help="at least this many licenses (default: seed data only)")
    parser.add_argument("--export-page-size", type=int, default=EXPORT_PAGE_SIZE, help=argparse.SUPPRESS)
    parser.add_argument("--export-cache-mb", type=int, default=0, metavar="N",
                        help="keep up to N MiB of rendered export pages and serve repeated reads from "
                             "them (default: 0, off)")
    parser.add_argument("--tenant", type=int, default=0, metavar="N",
                        help="serve tenant N's partner and customers, whose references are the demo's plus "
                             "N * 1000 (XSP10N00n): emulators of different tenants are different Arrow "
                             "accounts (default: 0, the demo's references)")
    parser.add_argument("--log-level", default="warning", help="uvicorn log level (default: %(default)s)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    base_path = "/" + args.base_path.strip("/") + "/" if args.base_path.strip("/") else "/"
    try:
        config = EmulatorConfig(
            seed=args.seed, api_key=args.api_key, base_path=base_path, today=args.today,
            validation_delay_days=args.validation_delay_days, scale_lines=args.scale_lines,
            scale_licenses=args.scale_licenses, export_page_size=args.export_page_size,
            export_cache_mb=args.export_cache_mb, tenant=args.tenant,
        )
    except ValueError as exc:
        print(f"arrow-emulator: {exc}", file=sys.stderr)
        return 2
    app = create_app(EmulatorState(config))

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on sockets that
    # say so, and with Nagle on, a response body waits ~40 ms for the ACK of its headers.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(1024)
    host, port = sock.getsockname()[:2]
    display_host = f"[{host}]" if family == socket.AF_INET6 else host
    print(f"{READY_MESSAGE} http://{display_host}:{port}{base_path}", flush=True)

    server = uvicorn.Server(uvicorn.Config(
        app, log_level=args.log_level, access_log=False, lifespan="off",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    ))
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
