"""`waldur-arrow` command line: demo, seed-demo, createtoken, and any Django management command.

`demo` runs everything on one machine: migrations, the demo seed, the web server, a Celery
worker and beat, and the ArrowSphere emulator. Ctrl-C stops them all.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEMO_ARROW_KEY = "arrow-demo-key"


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()


def _manage(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


def _demo_secret(var_dir: Path, name: str, make) -> str:
    """A secret generated on the first demo run and kept in var/ so restarts reuse it."""
    path = var_dir / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _demo_environment(var_dir: Path, arrow_host: str, arrow_port: int) -> None:
    from cryptography.fernet import Fernet
    import secrets

    os.environ.setdefault(
        "WALDUR_ARROW_ENCRYPTION_KEY", _demo_secret(var_dir, "encryption.key", lambda: Fernet.generate_key().decode())
    )
    os.environ.setdefault("DJANGO_SECRET_KEY", _demo_secret(var_dir, "secret.key", lambda: secrets.token_urlsafe(50)))
    # The emulator's own port only: other ports of the loopback host stay out of reach of api_url.
    os.environ.setdefault("ARROW_API_URL_ALLOWED_HOSTS", _host_port(arrow_host, arrow_port))


def _demo_dashboard_login(var_dir: Path, base_url: str) -> dict:
    """The dashboard's demo login: the demo staff user with a password generated once, kept in var/."""
    import secrets

    from core.services.demo import STAFF_USERNAME
    from core.services.demo_login import staff_login_ensure

    password = _demo_secret(var_dir, "dashboard.password", lambda: secrets.token_urlsafe(12))
    staff_login_ensure(username=STAFF_USERNAME, password=password, superuser=True)
    return {"dashboard_url": f"{base_url}dashboard/", "dashboard_username": STAFF_USERNAME,
            "dashboard_password": password}


def _wait_for_port(host: str, port: int, timeout: float = 30.0) -> bool:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return True
        time.sleep(0.2)
    return False


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def cmd_demo(args) -> int:
    var_dir = PROJECT_DIR / "var"
    var_dir.mkdir(exist_ok=True)
    # SIGTERM stops the children too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    _demo_environment(var_dir, args.arrow_host, args.arrow_port)
    _django_setup()
    _manage("migrate", "--noinput", "-v", "0")
    processes: list[subprocess.Popen] = []
    try:
        return _run_demo(args, var_dir, processes)
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(processes)


def _run_demo(args, var_dir: Path, processes: list[subprocess.Popen]) -> int:
    python = sys.executable
    arrow_url = f"http://{_host_port(args.arrow_host, args.arrow_port)}/index.php/api/"
    processes.append(subprocess.Popen([
        python, "-m", "arrow_emulator", "--host", args.arrow_host, "--port", str(args.arrow_port),
        "--seed", "demo", "--api-key", DEMO_ARROW_KEY,
    ]))
    if not _wait_for_port(args.arrow_host, args.arrow_port):
        print("The Arrow emulator did not start.", file=sys.stderr)
        return 1
    base_url = f"http://{args.host}:{args.port}/"
    from core.services.demo_summary import demo_seed_with_summary

    summary = demo_seed_with_summary(base_url=base_url, arrow_url=arrow_url, arrow_key=DEMO_ARROW_KEY)
    summary.update(_demo_dashboard_login(var_dir, base_url))
    (var_dir / "demo.json").write_text(json.dumps(summary, indent=2) + "\n")
    processes += [
        subprocess.Popen([python, "-m", "gunicorn", "config.wsgi", "-b", f"{args.host}:{args.port}",
                          "--workers", "2", "--threads", "4", "--access-logfile", "-"]),
        subprocess.Popen([python, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-l", "info"]),
        subprocess.Popen([python, "-m", "celery", "-A", "config", "beat", "-l", "info"]),
    ]
    _wait_for_port(args.host, args.port)
    print(
        f"\nwaldur-arrow demo is running.\n"
        f"  API:          {base_url}api/\n"
        f"  Admin Arrow:  {base_url}api/admin/arrow/settings/\n"
        f"  API docs:     {base_url}api/docs/\n"
        f"  Dashboard:    {summary['dashboard_url']}  (log in as {summary['dashboard_username']}, "
        f"password {summary['dashboard_password']})\n"
        f"  Arrow (emulator): {arrow_url}  (apiKey: {DEMO_ARROW_KEY})\n"
        f"  Staff token:  {summary['staff_token']}\n"
        f"  Try: curl -H 'Authorization: Token {summary['staff_token']}' {base_url}api/admin/arrow/settings/\n"
        f"  Summary written to {var_dir / 'demo.json'}. Ctrl-C stops everything.\n",
        flush=True,
    )
    while all(process.poll() is None for process in processes):
        time.sleep(0.5)
    print("A demo process exited; stopping the others.", file=sys.stderr)
    return 1


def _stop(processes: list[subprocess.Popen]) -> None:
    # A second Ctrl-C or SIGTERM must not cut the shutdown short and orphan a child.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def cmd_seed_demo(args) -> int:
    _django_setup()
    command = ["seed_demo", "--base-url", args.base_url, "--arrow-url", args.arrow_url, "--arrow-key", args.arrow_key]
    if args.output:
        command += ["--output", args.output]
    _manage(*command)
    return 0


def cmd_createtoken(args) -> int:
    _django_setup()
    _manage("createtoken", args.username, *(["--staff"] if args.staff else []))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "manage":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
        from django.core.management import execute_from_command_line

        execute_from_command_line(["waldur-arrow manage", *argv[1:]])
        return 0
    parser = argparse.ArgumentParser(prog="waldur-arrow", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="Run server, worker, beat and the Arrow emulator with demo data.")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--arrow-host", default="127.0.0.1")
    demo.add_argument("--arrow-port", type=int, default=8081)
    demo.set_defaults(func=cmd_demo)
    seed = commands.add_parser("seed-demo", help="Create the demo data (idempotent) and print its summary.")
    seed.add_argument("--output")
    seed.add_argument("--base-url", default="http://127.0.0.1:8000/")
    seed.add_argument("--arrow-url", default="")
    seed.add_argument("--arrow-key", default="")
    seed.set_defaults(func=cmd_seed_demo)
    token = commands.add_parser("createtoken", help="Create a user if missing and print its API token.")
    token.add_argument("username")
    token.add_argument("--staff", action="store_true")
    token.set_defaults(func=cmd_createtoken)
    commands.add_parser("manage", help="Run a Django management command.")
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
