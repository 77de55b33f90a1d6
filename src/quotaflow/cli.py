"""The ``quotaflow`` command line: demo, serve, worker, import, token, backtest and manage.

Django is configured only after the arguments are read, so that ``quotaflow demo`` can
choose plain-HTTP defaults before the settings load, and so that a bad setting ends in a
one-line message naming the variable instead of a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import ipaddress
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_THREADS = 8
DEMO_SIZES = ("tiny", "small", "large")
IMPORT_KINDS = ("org", "transactions", "activities")
# accounts.models.TokenScope, spelled out because the parser is built before Django starts
# (a test keeps the two equal). Which roles may hold which scope is create_token's rule.
TOKEN_SCOPES = ("read", "ingest", "import", "manage")
PASS_THROUGH = ("manage", "worker")
BACKTEST_MODELS = {"attainability": "backtest_attainability"}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="quotaflow",
        description="Quotaflow: sales performance management. Settings come from QUOTAFLOW_* variables and DATABASE_URL.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="build the demo company and serve it on this computer",
        description="Build the demo company (if it is not there yet) and serve it over plain HTTP.",
    )
    _add_server_options(demo)
    demo.add_argument("--no-serve", action="store_true", help="build the demo data, then stop")
    demo.add_argument(
        "--rebuild", action="store_true", help="erase the demo database and build it afresh"
    )
    demo.add_argument(
        "--size",
        choices=DEMO_SIZES,
        default="small",
        help="tiny (tests), small (~150 reps, the default) or large (100k reps, 10M transactions)",
    )
    demo.add_argument(
        "--seed", type=int, default=None, help="random seed; the same seed gives the same company"
    )
    demo.add_argument(
        "--reps", type=_positive_int, default=None, help="override the number of reps"
    )
    demo.add_argument(
        "--transactions",
        type=_positive_int,
        default=None,
        help="override the number of transactions",
    )

    serve = commands.add_parser(
        "serve",
        help="serve Quotaflow with waitress (production)",
        description="Apply migrations, collect static files and serve the web app with waitress.",
    )
    _add_server_options(serve)

    worker = commands.add_parser(
        "worker",
        help="run background tasks (imports, recomputes, digests)",
        description="Run the database task worker; options are passed to django-tasks-db's db_worker.",
    )
    worker.add_argument(
        "worker_args", nargs=argparse.REMAINDER, help="e.g. --queue-name '*' --batch"
    )

    importer = commands.add_parser(
        "import", help="import an organisation, transactions or activities file"
    )
    importer.add_argument("kind", choices=IMPORT_KINDS, help="what the file holds")
    importer.add_argument("file", help="CSV or Excel file")
    importer.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="import the good rows and write the bad ones to <file>.rejected.csv",
    )
    importer.add_argument(
        "--dry-run",
        action="store_true",
        help="organisation files: list every change the file makes and write nothing",
    )

    token = commands.add_parser("token", help="manage API tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = token_commands.add_parser(
        "create", help="create an API token for a user and print it once"
    )
    create.add_argument("--user", required=True, help="username the token acts as")
    create.add_argument(
        "--name", default="Command-line token", help="what will use the token, e.g. 'CRM sync'"
    )
    create.add_argument(
        "--scope",
        action="append",
        choices=TOKEN_SCOPES,
        dest="scopes",
        help="repeat for several scopes (default: read); 'manage' only for administrators "
        "and sales operations",
    )

    backtest = commands.add_parser(
        "backtest",
        help="validate a model on the database's history (attainability: SMART's Attainable)",
    )
    backtest.add_argument("model", choices=BACKTEST_MODELS)
    backtest.add_argument(
        "model_args",
        nargs=argparse.REMAINDER,
        help="options of the model's backtest, e.g. --metric revenue",
    )

    manage = commands.add_parser(
        "manage",
        help="run a Django management command (e.g. migrate, createsuperuser)",
        add_help=False,
    )
    manage.add_argument("manage_args", nargs=argparse.REMAINDER)
    return parser


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--threads",
        type=_positive_int,
        default=DEFAULT_THREADS,
        help=f"worker threads (default {DEFAULT_THREADS})",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (1–65535)")
    return value


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] and argv[0] in PASS_THROUGH:
        # Django's and the worker's options (even --help) belong to them, not to us.
        args = argparse.Namespace(command=argv[0], passed_args=argv[1:])
    else:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exit_:
            return _exit_code(exit_)
    if args.command == "demo":
        # A laptop demo runs over plain HTTP: secure-only cookies would make login impossible.
        os.environ.setdefault("QUOTAFLOW_HTTPS", "0")
    if args.command == "serve" and _is_loopback(args.host) and "QUOTAFLOW_HTTPS" not in os.environ:
        # Nobody else can reach a loopback server, so a trial (a browser or an integration on
        # the same machine) may speak plain HTTP; any other address keeps HTTPS by default.
        os.environ["QUOTAFLOW_HTTPS"] = "0"
        print(
            f"Note: serving plain HTTP because {args.host} is reachable from this machine only. "
            "Any other address gets HTTPS settings; set QUOTAFLOW_HTTPS=1 to have them here too.",
            file=sys.stderr,
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quotaflow.config.settings")
    return _run(args)


def _is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) names this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _run(args: argparse.Namespace) -> int:
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    from quotaflow.core.errors import DomainError

    handlers = {
        "demo": _demo,
        "serve": _serve,
        "worker": _worker,
        "import": _import,
        "token": _token,
        "backtest": _backtest,
        "manage": _manage,
    }
    try:
        _setup_django()
        return handlers[args.command](args)
    except ImproperlyConfigured as error:
        _fail(f"configuration error: {error}")
        return 2
    except DomainError as error:
        _fail(error.message)
        return 1
    except DatabaseError as error:
        detail = " ".join(str(error).split()) or type(error).__name__
        _fail(
            f"database error: {detail}\nCheck DATABASE_URL and that the database server is running."
        )
        return 1
    except KeyboardInterrupt:
        print("\nStopped.", file=sys.stderr)
        return 130


def _fail(message: str) -> None:
    print(f"quotaflow: {message}", file=sys.stderr)


def _exit_code(exit_: SystemExit) -> int:
    if exit_.code is None:
        return 0
    return exit_.code if isinstance(exit_.code, int) else 1


def _setup_django() -> None:
    import django

    django.setup()


def _prepare_database(*, quiet: bool = False) -> None:
    """Apply pending migrations with a progress bar. On the first run with the embedded
    database, create its directory and say where the file is."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from tqdm import tqdm

    first_run = False
    if settings.DEFAULT_DATABASE_IS_EMBEDDED:
        path = Path(str(settings.DATABASES["default"]["NAME"]))
        path.parent.mkdir(parents=True, exist_ok=True)
        first_run = not path.exists()
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        with tqdm(
            total=len(pending),
            desc="Database migrations",
            unit="migration",
            leave=False,
            disable=quiet,
        ) as bar:
            call_command("migrate", interactive=False, verbosity=1, stdout=_MigrationProgress(bar))
    if first_run:
        print(f"Created the database at {settings.DATABASES['default']['NAME']}")
        print(
            "  (the embedded SQLite default; set DATABASE_URL=postgresql://… for a team installation)"
        )


class _MigrationProgress(io.StringIO):
    """Counts the 'Applying …' lines that ``migrate`` writes, to move a progress bar."""

    def __init__(self, bar: Any) -> None:
        super().__init__()
        self.bar = bar

    def write(self, text: str) -> int:
        if text.lstrip().startswith("Applying "):
            self.bar.set_postfix_str(
                text.strip().removeprefix("Applying ").rstrip("."), refresh=False
            )
            self.bar.update(1)
        return len(text)


def _demo(args: argparse.Namespace) -> int:
    from django.conf import settings

    from quotaflow.demo.actions import build_demo
    from quotaflow.demo.generator import DEFAULT_SEED

    started = time.perf_counter()
    _prepare_database()
    summary = build_demo(
        size=args.size,
        seed=args.seed if args.seed is not None else DEFAULT_SEED,
        rebuild=args.rebuild,
        reps=args.reps,
        transactions=args.transactions,
        progress=True,
    )
    database = settings.DATABASES["default"]["NAME"]
    if summary is None:
        print(
            f"The demo company is already in the database ({database}); 'quotaflow demo --rebuild' starts afresh."
        )
    else:
        elapsed = time.perf_counter() - started
        print(
            f"Built the demo company {summary.size!r} (seed {summary.seed}) in {elapsed:.1f} s: "
            f"{summary.units} units ({summary.teams} teams), {summary.people} people ({summary.reps} reps), "
            f"{summary.transactions:,} transactions ({summary.credit_notes:,} credit notes), "
            f"{summary.activities:,} activities, {summary.first_day} to {summary.last_day}."
        )
        print(f"Database: {database}")
    _print_logins(sys.stdout)
    if args.no_serve:
        return 0
    return _start_server(args.host, args.port, args.threads)


def _print_logins(out: TextIO) -> None:
    """The demo logins with role, name and place in the organisation."""
    from django.utils import timezone

    from quotaflow.accounts.models import User
    from quotaflow.demo.generator import DEMO_PASSWORD, DEMO_USERNAMES
    from quotaflow.org.queries import assignments_on

    users = {
        user.username: user
        for user in User.objects.filter(username__in=DEMO_USERNAMES).select_related("person")
    }
    places = {
        assignment.person_id: f"{assignment.get_role_display().lower()}, {assignment.unit.name}"
        for assignment in assignments_on(timezone.localdate()).filter(
            person__user__username__in=DEMO_USERNAMES
        )
    }
    rows = [("username", "role", "name", "place")]
    for username in DEMO_USERNAMES:
        user = users.get(username)
        if user is None:
            continue
        person = getattr(user, "person", None)
        place = places.get(person.pk, "") if person is not None else "sees the whole company"
        rows.append((username, user.get_role_display(), user.get_full_name(), place))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    print(f"\nDemo logins — every one uses the password: {DEMO_PASSWORD}", file=out)
    for row in rows:
        print(
            "  "
            + "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
            + "  "
            + row[3],
            file=out,
        )


def _serve(args: argparse.Namespace) -> int:
    _prepare_database()
    return _start_server(args.host, args.port, args.threads)


def _start_server(host: str, port: int, threads: int) -> int:
    """Collect static files quietly, then serve the WSGI app with waitress until stopped."""
    from django.conf import settings
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from waitress import serve

    print("Collecting static files…", end="", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    print(" done.")
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}/"
    if settings.HTTPS:
        print(
            "Note: Quotaflow expects HTTPS (secure cookies, redirect to https://) but this server speaks plain HTTP. "
            "Put it behind a TLS proxy (and set QUOTAFLOW_BEHIND_PROXY=1), or set QUOTAFLOW_HTTPS=0 for a plain-HTTP trial.",
            file=sys.stderr,
        )
    if host in {"0.0.0.0", "::"}:  # noqa: S104 - we only compare
        print(
            "Note: listening on every interface; list the names people use in QUOTAFLOW_ALLOWED_HOSTS.",
            file=sys.stderr,
        )
    with _companion_worker():
        print(f"Quotaflow is running at {url} — press Ctrl+C to stop.", flush=True)
        serve(get_wsgi_application(), host=host, port=port, threads=threads, ident="Quotaflow")
    return 0


def companion_worker_wanted(backend: str, engine: str, setting: str) -> bool:
    """Whether ``serve`` starts a ``quotaflow worker`` beside itself.

    ``setting`` is ``QUOTAFLOW_EMBEDDED_WORKER``: ``1`` always, ``0`` never, ``auto`` (the
    default) when tasks wait in the database and that database is the embedded SQLite file
    — a laptop or a trial, where nobody else runs a worker, so notifications and e-mail
    would otherwise wait in the queue for ever. A deployment on PostgreSQL runs its own
    ``quotaflow worker`` processes."""
    if setting == "0" or not backend.startswith("django_tasks_db."):
        return False
    return setting == "1" or engine.endswith("sqlite3")


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(0)


@contextlib.contextmanager
def _companion_worker() -> Iterator[None]:
    """Run a ``quotaflow worker`` process while the server runs, when it is wanted."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    setting = os.environ.get("QUOTAFLOW_EMBEDDED_WORKER", "auto").strip().lower()
    if setting not in {"0", "1", "auto"}:
        raise ImproperlyConfigured(f"QUOTAFLOW_EMBEDDED_WORKER={setting!r} must be 0, 1 or auto.")
    backend = settings.TASKS["default"]["BACKEND"]
    engine = str(settings.DATABASES["default"]["ENGINE"])
    if not companion_worker_wanted(str(backend), engine, setting):
        yield
        return
    worker = subprocess.Popen([sys.executable, "-m", "quotaflow.cli", "worker"])  # noqa: S603
    print(
        "A background worker runs beside the server (notifications, e-mail, recomputes); "
        "QUOTAFLOW_EMBEDDED_WORKER=0 turns it off.",
        file=sys.stderr,
    )
    # A server stopped with SIGTERM (a service manager, a terminal closing) would otherwise
    # exit on the spot and leave its worker running.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _worker(args: argparse.Namespace) -> int:
    return _manage_command(["db_worker", *args.passed_args])


def _import(args: argparse.Namespace) -> int:
    from quotaflow.imports.cli import run_import

    _prepare_database()
    return run_import(
        args.kind,
        args.file,
        skip_bad_rows=args.skip_bad_rows,
        dry_run=args.dry_run,
        stdout=sys.stdout,
        stderr=sys.stderr,
    )


def _token(args: argparse.Namespace) -> int:
    from quotaflow.accounts.actions import create_token
    from quotaflow.accounts.models import User
    from quotaflow.core.errors import NotFound

    _prepare_database(quiet=True)
    user = User.objects.filter(username=args.user).first()
    if user is None:
        raise NotFound(f"There is no user called {args.user!r}.")
    # The console operator acts on the user's behalf, so the token is recorded as their own.
    token, secret = create_token(
        user, name=args.name, scopes=args.scopes or ["read"], acting_user=user
    )
    print(
        f"Created API token {token.name!r} for {user.username} with scopes: {', '.join(token.scopes)}"
    )
    print(f"\n    {secret}\n")
    print(
        "Copy it now: it is not shown again (only a digest is stored). "
        "Send it as the header 'Authorization: Bearer <token>'."
    )
    return 0


def _backtest(args: argparse.Namespace) -> int:
    return _manage_command([BACKTEST_MODELS[args.model], *args.model_args])


def _manage(args: argparse.Namespace) -> int:
    return _manage_command(args.passed_args)


def _manage_command(arguments: list[str]) -> int:
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["quotaflow manage", *arguments])
    except SystemExit as exit_:
        return _exit_code(exit_)
    return 0


if __name__ == "__main__":
    sys.exit(main())
