"""`waldur-arrow` command line: demo, seed-demo, createtoken, and any Django management command.

`demo` runs everything on one machine: migrations, the demo seed, the web server, a Celery
worker and beat, and the ArrowSphere emulator. Ctrl-C stops them all. It keeps its configuration
in `var/` (`config.local_env`); every other command reads it from there when the environment does
not set it, so that `waldur-arrow manage …` works on the demo's database as it is.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from config.local_env import (
    EMULATOR_KEY_FILE,
    KEPT_VARIABLES,
    kept_environment_load,
    kept_secret,
    kept_value_store,
    private_dir_ensure,
    private_file_write,
    private_files_restrict,
    var_dir_path,
)

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Files the demo creates (database, queue, summary, keys) are its user's only.
DEMO_UMASK = 0o077
EMULATOR_KEY_BYTES = 24


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()


def _manage(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _demo_environment(var_dir: Path, arrow_host: str, arrow_port: int) -> str:
    """Set the demo's secrets and allow-list (kept in var/, the environment wins); returns the
    emulator's API key."""
    import secrets

    from cryptography.fernet import Fernet

    generated = {
        "WALDUR_ARROW_ENCRYPTION_KEY": lambda: Fernet.generate_key().decode(),
        "DJANGO_SECRET_KEY": lambda: secrets.token_urlsafe(50),
    }
    for variable, make in generated.items():
        os.environ.setdefault(variable, kept_secret(var_dir, KEPT_VARIABLES[variable], make))
    # The emulator's own port only: other ports of the loopback host stay out of reach of api_url.
    os.environ.setdefault("ARROW_API_URL_ALLOWED_HOSTS", _host_port(arrow_host, arrow_port))
    kept_value_store(var_dir, "ARROW_API_URL_ALLOWED_HOSTS", os.environ["ARROW_API_URL_ALLOWED_HOSTS"])
    return kept_secret(var_dir, EMULATOR_KEY_FILE, lambda: secrets.token_urlsafe(EMULATOR_KEY_BYTES))


def _demo_dashboard_login(var_dir: Path, base_url: str) -> dict:
    """The dashboard's demo login: the demo staff user with a password generated once, kept in var/."""
    import secrets

    from core.services.demo import STAFF_USERNAME
    from core.services.demo_login import staff_login_ensure

    password = kept_secret(var_dir, "dashboard.password", lambda: secrets.token_urlsafe(12))
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
    os.umask(DEMO_UMASK)  # inherited by the server, worker, beat and emulator
    var_dir = private_dir_ensure(var_dir_path(PROJECT_DIR))
    private_files_restrict(var_dir)
    # SIGTERM stops the children too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    arrow_key = _demo_environment(var_dir, args.arrow_host, args.arrow_port)
    _django_setup()
    _manage("migrate", "--noinput", "-v", "0")
    processes: list[subprocess.Popen] = []
    try:
        return _run_demo(args, var_dir, processes, arrow_key)
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(processes)


def _run_demo(args, var_dir: Path, processes: list[subprocess.Popen], arrow_key: str) -> int:
    python = sys.executable
    arrow_root = f"http://{_host_port(args.arrow_host, args.arrow_port)}/"
    arrow_url = f"{arrow_root}index.php/api/"
    processes.append(subprocess.Popen([
        python, "-m", "arrow_emulator", "--host", args.arrow_host, "--port", str(args.arrow_port),
        "--seed", "demo", "--api-key", arrow_key,
    ]))
    if not _wait_for_port(args.arrow_host, args.arrow_port):
        print("The Arrow emulator did not start.", file=sys.stderr)
        return 1
    base_url = f"http://{args.host}:{args.port}/"
    from arrow_integration.services.configuration.demo import demo_seed_with_summary
    from arrow_integration.services.configuration.demo_month import demo_month_close_seed
    from arrow_integration.services.ledger.actor import ledger_actor_named

    with ledger_actor_named("command demo"):  # the ledger's actor of what the demo's seeding writes
        summary = demo_seed_with_summary(base_url=base_url, arrow_url=arrow_url, arrow_key=arrow_key)
        # The latest validated month imported and reconciled, for the month-close report.
        summary.update(demo_month_close_seed(settings_uuid=summary["arrow_settings_uuid"],
                                             control_url=f"{arrow_root}_emulator/"))
    summary.update(_demo_dashboard_login(var_dir, base_url))
    private_file_write(var_dir / "demo.json", json.dumps(summary, indent=2) + "\n")
    processes += [
        subprocess.Popen([python, "-m", "gunicorn", "-c", "python:config.gunicorn_conf", "config.wsgi",
                          "-b", f"{args.host}:{args.port}", "--workers", "2", "--threads", "4",
                          "--access-logfile", "-"]),
        subprocess.Popen([python, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-l", "info"]),
        subprocess.Popen([python, "-m", "celery", "-A", "config", "beat", "-l", "info"]),
    ]
    _wait_for_port(args.host, args.port)
    print(
        f"\nwaldur-arrow demo is running.\n"
        f"  API:          {base_url}api/  (the entry points)\n"
        f"  Admin Arrow:  {base_url}api/admin/arrow/settings/\n"
        f"  API docs:     {base_url}api/docs/\n"
        f"  Dashboard:    {summary['dashboard_url']}  (log in as {summary['dashboard_username']}, "
        f"password {summary['dashboard_password']})\n"
        f"  Arrow (emulator): {arrow_url}  (its API key is in {var_dir / EMULATOR_KEY_FILE};\n"
        f"                    control API: {arrow_root}_emulator/)\n"
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
    if not argv or argv[0] != "demo":
        # The demo sets its own configuration; every other command takes the one it kept.
        kept_environment_load(var_dir_path(PROJECT_DIR))
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
