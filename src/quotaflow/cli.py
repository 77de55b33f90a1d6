"""The ``quotaflow`` command line: demo, serve, worker, import, token, company, tracking, metrics,
users, placements, backtest and manage.

Django is configured only after the arguments are read, so that ``quotaflow demo`` can
choose plain-HTTP defaults before the settings load, and so that a bad setting ends in a
one-line message naming the variable instead of a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import ipaddress
import json
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
IMPORT_KINDS = ("org", "units", "people", "placements", "transactions", "activities", "rates")
# accounts.models.TokenScope, spelled out because the parser is built before Django starts
# (a test keeps the two equal). Which roles may hold which scope is create_token's rule.
TOKEN_SCOPES = ("read", "ingest", "import", "manage", "workflow")
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
        "import",
        help="import an organisation (or its units, people or placements), transactions, "
        "activities or exchange rates file",
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
        help="organisation, units, people and placements files: list every change the file "
        "makes and write nothing",
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
        "and sales operations; 'workflow' (submit, approve, return, adjust, roll up, comment "
        "within the user's part of the tree) for any role, with 'read' to find the goals",
    )

    _add_company_commands(commands)
    _add_tracking_commands(commands)
    _add_metric_commands(commands)
    _add_user_commands(commands)
    _add_placement_commands(commands)
    _add_cycle_commands(commands)

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


# Choices spelled out because the parser is built before Django starts (a test keeps each
# equal to its enumeration).
USER_ROLES = ("admin", "sales_ops", "manager", "rep", "finance")
PLACEMENT_ROLES = ("manager", "member")
METRIC_UNITS = ("currency", "count", "score", "percent")
METRIC_DIRECTIONS = ("higher", "lower")
METRIC_SOURCES = ("transactions", "activities", "manual")
METRIC_AGGREGATIONS = ("sum", "count", "distinct_count", "average")
STATUS_BASES = ("pacing", "projection")
LEADERBOARD_VISIBILITIES = ("everyone", "team", "managers", "planners")
DIGEST_CADENCES = ("off", "daily", "weekly")
UNPLACED_CREDIT = ("bucket", "refuse")


def _subcommands(commands: Any, name: str, help_text: str) -> Any:
    parser = commands.add_parser(
        name, help=help_text, description=help_text[0].upper() + help_text[1:] + "."
    )
    return parser.add_subparsers(dest=f"{name}_command", required=True, metavar="ACTION")


def _add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _settings_commands(
    commands: Any, name: str, what: str, *, help_text: str, description: str
) -> argparse.ArgumentParser:
    """``quotaflow NAME show [--json]`` and ``quotaflow NAME set``; returns the latter's
    parser for its options."""
    settings = _subcommands(commands, name, f"show or change the {what}")
    _add_json_option(settings.add_parser("show", help=f"print the {what}"))
    change: argparse.ArgumentParser = settings.add_parser(
        "set", help=help_text, description=description
    )
    return change


def _add_company_commands(commands: Any) -> None:
    change = _settings_commands(
        commands,
        "company",
        "company settings",
        help_text="change the name, currency or fiscal-year start month",
        description="Change company settings. The currency cannot change once sales, exchange "
        "rates or planning cycles exist; the fiscal-year start not once a planning cycle exists.",
    )
    change.add_argument("--name", help="the company's name")
    change.add_argument("--currency", help="reporting currency, an ISO 4217 code such as EUR")
    change.add_argument(
        "--fiscal-year-start-month",
        type=_month,
        help="1 = January … 12 = December",
    )
    change.add_argument("--reason", default="", help="why, for the audit trail")


def _add_tracking_commands(commands: Any) -> None:
    change = _settings_commands(
        commands,
        "tracking",
        "tracking settings",
        help_text="change status thresholds, leaderboard visibility, digests or unplaced credit",
        description="Change tracking settings. Thresholds are percentages from 0 to 200 with "
        "at most two decimals; off track below may not be above at risk below.",
    )
    change.add_argument(
        "--status-basis",
        choices=STATUS_BASES,
        help="what the status compares: pacing, or projected attainment at period end",
    )
    change.add_argument("--at-risk-below", help="percent: below it a goal is at risk, e.g. 95")
    change.add_argument("--off-track-below", help="percent: below it a goal is off track, e.g. 80")
    change.add_argument(
        "--leaderboard-visibility", choices=LEADERBOARD_VISIBILITIES, help="who sees leaderboards"
    )
    change.add_argument("--digest-cadence", choices=DIGEST_CADENCES, help="e-mail digests")
    change.add_argument(
        "--unplaced-credit",
        choices=UNPLACED_CREDIT,
        help="a sale credited to someone with no placement on its date: count it under the "
        "Unplaced unit (bucket) or refuse it",
    )
    change.add_argument("--reason", default="", help="why, for the audit trail")


def _add_metric_commands(commands: Any) -> None:
    metrics = _subcommands(commands, "metrics", "list, create or change metrics")
    _add_json_option(metrics.add_parser("list", help="print the metrics catalogue"))
    create = metrics.add_parser("create", help="add a metric")
    create.add_argument("code", help="short identifier, e.g. revenue")
    create.add_argument("--name", required=True)
    _add_metric_options(create)
    update = metrics.add_parser("update", help="change a metric")
    update.add_argument("code", help="the metric's code")
    update.add_argument("--name")
    update.add_argument("--new-code", help="rename the code")
    active = update.add_mutually_exclusive_group()
    active.add_argument("--retire", action="store_true", help="mark the metric inactive")
    active.add_argument("--reactivate", action="store_true", help="mark the metric active")
    update.add_argument("--reason", default="", help="why, for the audit trail")
    _add_metric_options(update)


def _add_metric_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--description")
    parser.add_argument("--unit", choices=METRIC_UNITS)
    parser.add_argument("--direction", choices=METRIC_DIRECTIONS)
    parser.add_argument("--source", choices=METRIC_SOURCES)
    parser.add_argument("--aggregation", choices=METRIC_AGGREGATIONS)
    parser.add_argument("--value-field", help="amount or quantity; for distinct_count e.g. account")
    parser.add_argument(
        "--filter",
        action="append",
        dest="filters",
        metavar="FIELD=VALUE",
        help="count only transactions whose FIELD has VALUE; repeat for more values "
        "(e.g. --filter product_group=Software); replaces the metric's filters",
    )
    parser.add_argument("--activity-type", help="for activity metrics, e.g. call")


def _add_user_commands(commands: Any) -> None:
    users = _subcommands(commands, "users", "list, create, change or import logins")
    listing = users.add_parser("list", help="print every login with its role")
    _add_json_option(listing)
    create = users.add_parser(
        "create",
        help="create a login and print its generated password once",
        description="Create a login with a generated password, printed once. On a fresh "
        "installation, the first login must be an administrator (--role admin).",
    )
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=USER_ROLES)
    _add_user_options(create)
    create.add_argument("--person", default="", help="employee id of the person it belongs to")
    update = users.add_parser("update", help="change a login's names, e-mail, role or state")
    update.add_argument("username")
    update.add_argument("--role", choices=USER_ROLES)
    _add_user_options(update)
    active = update.add_mutually_exclusive_group()
    active.add_argument("--activate", action="store_true", help="allow the login again")
    active.add_argument("--deactivate", action="store_true", help="stop the login")
    update.add_argument("--reason", default="", help="why, for the audit trail")
    deactivate = users.add_parser("deactivate", help="stop a login from signing in")
    deactivate.add_argument("username")
    deactivate.add_argument("--reason", default="", help="why, for the audit trail")
    password = users.add_parser("password", help="issue a new generated password, printed once")
    password.add_argument("username")
    invite = users.add_parser(
        "invite",
        help="e-mail a one-time link to set one's own password (or print it)",
        description="Send the login a one-time link to choose its own password, by e-mail "
        "once the worker runs ('quotaflow worker'). The link works once and for "
        "QUOTAFLOW_INVITE_HOURS (72 by default); links start with QUOTAFLOW_PUBLIC_URL "
        f"(default http://127.0.0.1:{DEFAULT_PORT}).",
    )
    invite.add_argument("username")
    invite.add_argument(
        "--print-link",
        action="store_true",
        help="print the link instead of e-mailing it (a trial without e-mail)",
    )
    invite.add_argument("--reason", default="", help="why, for the audit trail")
    importer = users.add_parser(
        "import",
        help="create or update logins from a CSV or XLSX file, all or nothing",
        description="Columns: username, role, email, first_name, last_name, person (employee "
        "id), active (yes/no; optional). Rows are matched by username; importing the same "
        "file again changes nothing. A file with any bad row writes nothing. New logins' "
        "generated passwords are printed once.",
    )
    importer.add_argument("file", help="CSV or Excel file")
    _add_json_option(importer)


def _add_user_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--email")
    parser.add_argument("--first-name")
    parser.add_argument("--last-name")


def _add_placement_commands(commands: Any) -> None:
    placements = _subcommands(
        commands, "placements", "list, create or end placements of people in units"
    )
    listing = placements.add_parser("list", help="print placements")
    listing.add_argument("--person", help="only this person's (employee id)")
    listing.add_argument("--unit", help="only in the subtree of this unit (code)")
    listing.add_argument("--as-of", type=_date, help="only those in force on YYYY-MM-DD")
    _add_json_option(listing)
    create = placements.add_parser("create", help="place a person in a unit")
    create.add_argument("--person", required=True, help="employee id")
    create.add_argument("--unit", required=True, help="unit code")
    create.add_argument("--role", choices=PLACEMENT_ROLES, default="member")
    create.add_argument("--from", dest="valid_from", required=True, type=_date, help="first day")
    create.add_argument(
        "--to", dest="valid_to", type=_date, help="last day (open-ended if omitted)"
    )
    create.add_argument("--reason", default="", help="why, for the audit trail")
    end = placements.add_parser("end", help="set the last day of a placement")
    end.add_argument("id", type=_positive_int, help="the placement's id (see 'placements list')")
    end.add_argument("--on", required=True, type=_date, help="its last day, YYYY-MM-DD")
    end.add_argument("--reason", default="", help="why, for the audit trail")


ALLOCATION_METHODS = ("equal", "potential", "historical_share")


def _add_cycle_commands(commands: Any) -> None:
    cycles = _subcommands(commands, "cycles", "create, cascade, publish or show top-down plans")
    create = cycles.add_parser(
        "create",
        help="create a top-down planning cycle with a draft goal for everyone in it",
        description="Create a top-down cycle: a draft goal for every unit under the root and "
        "every member of those units on the first day of the period.",
    )
    create.add_argument("name", help='e.g. "FY2027 revenue"')
    create.add_argument("--metric", required=True, help="metric code, e.g. revenue")
    create.add_argument(
        "--period", help="a fiscal period such as FY2027 or FY2027-H1 (or give --start and --end)"
    )
    create.add_argument("--start", type=_date, help="first day, YYYY-MM-DD")
    create.add_argument("--end", type=_date, help="last day, YYYY-MM-DD")
    create.add_argument("--root", help="unit code of the plan's top (default: the company)")
    create.add_argument(
        "--method",
        action="append",
        dest="methods",
        choices=ALLOCATION_METHODS,
        help="how each level splits its parent, from the top down; the last one repeats "
        "(default equal; historical_share uses the prior fiscal year's credits)",
    )
    create.add_argument(
        "--over-assignment",
        type=float,
        default=0.0,
        help="per level, e.g. 0.05: children sum to 105%% of their parent",
    )
    _add_json_option(create)
    cascade = cycles.add_parser("cascade", help="split the company target down the tree")
    cascade.add_argument("cycle", help="the cycle's id or its name")
    cascade.add_argument(
        "--target", required=True, help="the company target in the metric's units, e.g. 1200000.00"
    )
    cascade.add_argument("--reason", default="", help="why, for the audit trail")
    _add_json_option(cascade)
    publish = cycles.add_parser("publish", help="publish the plan: goals become immutable")
    publish.add_argument("cycle", help="the cycle's id or its name")
    _add_json_option(publish)
    show = cycles.add_parser("show", help="print a cycle's goals and targets")
    show.add_argument("cycle", help="the cycle's id or its name")
    _add_json_option(show)


def _month(text: str) -> int:
    value = _positive_int(text)
    if value > 12:
        raise argparse.ArgumentTypeError(f"{value} is not a month (1–12)")
    return value


def _date(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None
    if not dt.date(1900, 1, 1) <= day <= dt.date(2200, 12, 31):
        raise argparse.ArgumentTypeError(f"{text} is outside 1900-01-01 … 2200-12-31")
    return day


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
        "company": _company,
        "tracking": _tracking,
        "metrics": _metrics,
        "users": _users,
        "placements": _placements,
        "cycles": _cycles,
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


def _prepare_database(*, quiet: bool = False, notes: TextIO | None = None) -> None:
    """Apply pending migrations with a progress bar. On the first run with the embedded
    database, create its directory and say where the file is (on ``notes``, standard
    output unless given: the setup commands keep it off their --json output)."""
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
        out = notes if notes is not None else sys.stdout
        print(f"Created the database at {settings.DATABASES['default']['NAME']}", file=out)
        print(
            "  (the embedded SQLite default; set DATABASE_URL=postgresql://… for a team installation)",
            file=out,
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
    """The database task worker, with the daily schedule (``core.schedule``) ticking in a
    thread beside it unless QUOTAFLOW_SCHEDULER=0."""
    _setup_django()
    from django.conf import settings

    from quotaflow.core.schedule import start_scheduler

    stop = (
        start_scheduler(settings.QUOTAFLOW_SCHEDULER_INTERVAL)
        if settings.QUOTAFLOW_SCHEDULER
        else None
    )
    try:
        return _manage_command(["db_worker", *args.passed_args])
    finally:
        if stop is not None:
            stop.set()


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


# Setting up a company: settings, metrics, users and placements ---------------------------


def _console_user() -> Any:
    """The administrator the command line acts as (the first active superuser, else the
    first active administrator): whoever runs it on the server holds the database anyway,
    and the audit trail names that account."""
    from quotaflow.accounts.actions import active_administrators
    from quotaflow.core.errors import NotAllowed

    user = active_administrators().first()
    if user is None:
        raise NotAllowed(
            "There is no administrator yet; create the first one with "
            "'quotaflow users create NAME --role admin'."
        )
    return user


def _print_table(rows: list[dict[str, Any]], columns: list[str], *, as_json: bool) -> None:
    """``rows`` as JSON (one array) or as a table with a header, columns padded."""
    if as_json:
        print(json.dumps(rows, indent=2, default=str, ensure_ascii=False))
        return
    cells = [columns] + [["" if row[c] is None else str(row[c]) for c in columns] for row in rows]
    widths = [max(len(line[index]) for line in cells) for index in range(len(columns))]
    for line in cells:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )


def _given(args: argparse.Namespace, names: dict[str, str]) -> dict[str, Any]:
    """The options the user gave, by the action's field names (``{option: field}``)."""
    return {
        field: getattr(args, option)
        for option, field in names.items()
        if getattr(args, option) is not None
    }


def _company(args: argparse.Namespace) -> int:
    from quotaflow.core.actions import update_company
    from quotaflow.core.models import Company

    _prepare_database(quiet=True, notes=sys.stderr)
    if args.company_command == "set":
        changes = _given(
            args,
            {
                "name": "name",
                "currency": "currency",
                "fiscal_year_start_month": "fiscal_year_start_month",
            },
        )
        if not changes:
            _fail("nothing to change: give --name, --currency or --fiscal-year-start-month")
            return 2
        update_company(
            acting_user=_console_user(), expected_version=None, reason=args.reason, **changes
        )
    company = Company.current()
    row = {
        "name": company.name,
        "currency": company.currency,
        "fiscal_year_start_month": company.fiscal_year_start_month,
        "version": company.version,
    }
    if getattr(args, "json", False):
        print(json.dumps(row, indent=2, ensure_ascii=False))
    else:
        for key, value in row.items():
            print(f"{key.replace('_', ' ')}: {value}")
    return 0


def _tracking(args: argparse.Namespace) -> int:
    from quotaflow.performance.actions import TRACKING_SETTINGS, update_tracking_settings
    from quotaflow.performance.models import PerformanceSettings

    _prepare_database(quiet=True, notes=sys.stderr)
    if args.tracking_command == "set":
        changes = _given(args, {name: name for name in TRACKING_SETTINGS})
        if not changes:
            options = ", ".join("--" + name.replace("_", "-") for name in TRACKING_SETTINGS)
            _fail(f"nothing to change: give one of {options}")
            return 2
        update_tracking_settings(
            acting_user=_console_user(), expected_version=None, reason=args.reason, **changes
        )
    settings = PerformanceSettings.current()
    row = {name: str(getattr(settings, name)) for name in TRACKING_SETTINGS}
    row["version"] = str(settings.version)
    if getattr(args, "json", False):
        print(json.dumps(row, indent=2, ensure_ascii=False))
    else:
        for key, value in row.items():
            print(f"{key.replace('_', ' ')}: {value}")
    return 0


def _invite(user: Any, acting: Any, args: argparse.Namespace) -> int:
    from django.conf import settings

    from quotaflow.accounts import actions

    invitation = actions.invite_user(
        user,
        acting_user=acting,
        base_url=settings.PUBLIC_URL or f"http://127.0.0.1:{DEFAULT_PORT}",
        send_email=not args.print_link,
        reason=args.reason,
    )
    until = invitation.expires_at.strftime("%Y-%m-%d %H:%M %Z")
    if args.print_link:
        print(f"Set-password link for {invitation.username} (works once, until {until}):")
        print(invitation.link)
    else:
        print(
            f"A set-password link for {invitation.username} goes to {invitation.emailed_to} "
            f"(works once, until {until}); 'quotaflow worker' sends queued e-mail."
        )
    return 0


def _metric_filters(given: list[str] | None) -> dict[str, list[str]] | None:
    from quotaflow.core.errors import InvalidInput

    if given is None:
        return None
    filters: dict[str, list[str]] = {}
    for item in given:
        field, equals, value = item.partition("=")
        if not equals or not field.strip() or not value.strip():
            raise InvalidInput(
                f"--filter {item!r}: write FIELD=VALUE, e.g. product_group=Software."
            )
        filters.setdefault(field.strip(), []).append(value.strip())
    return filters


METRIC_OPTIONS = {
    "description": "description",
    "unit": "unit",
    "direction": "direction",
    "source": "source",
    "aggregation": "aggregation",
    "value_field": "value_field",
    "activity_type": "activity_type",
}


def _metrics(args: argparse.Namespace) -> int:
    from quotaflow.metrics import actions
    from quotaflow.metrics.loaders import metric_by_code
    from quotaflow.metrics.models import Metric

    _prepare_database(quiet=True, notes=sys.stderr)
    if args.metrics_command == "list":
        rows = [
            {
                "code": metric.code,
                "name": metric.name,
                "unit": metric.unit,
                "active": metric.is_active,
                "definition": metric.definition(),
            }
            for metric in Metric.objects.order_by("name")
        ]
        _print_table(rows, ["code", "name", "unit", "active", "definition"], as_json=args.json)
        return 0
    changes = _given(args, METRIC_OPTIONS)
    filters = _metric_filters(args.filters)
    if filters is not None:
        changes["filters"] = filters
    if args.metrics_command == "create":
        metric = actions.create_metric(
            code=args.code, name=args.name, acting_user=_console_user(), **changes
        )
        print(f"Created the metric {metric.code}: {metric.definition()}")
        return 0
    found = metric_by_code(args.code)
    changes.update(_given(args, {"name": "name", "new_code": "code"}))
    if args.retire or args.reactivate:
        changes["is_active"] = bool(args.reactivate)
    metric = actions.update_metric(
        found, acting_user=_console_user(), expected_version=None, reason=args.reason, **changes
    )
    print(f"Metric {metric.code}: {metric.definition()}")
    return 0


def _user_row(user: Any, people: dict[int, str]) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": user.role,
        "name": user.get_full_name(),
        "email": user.email,
        "active": user.is_active,
        "person": people.get(user.pk),
        "last_login": user.last_login,
    }


def _people_by_login(users: list[Any]) -> dict[int, str]:
    from quotaflow.org.models import Person

    rows = Person.objects.filter(user__in=users).values_list("user_id", "external_id")
    return {user_id: external_id for user_id, external_id in rows if user_id is not None}


def _login(username: str) -> Any:
    from quotaflow.accounts.models import User
    from quotaflow.core.errors import NotFound

    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        raise NotFound(f"There is no user called {username!r}.")
    return user


def _print_password(username: str, password: str) -> None:
    print(f"Initial password for {username}: {password}")
    print("Hand it to them now: it is not shown again (only a hash is stored).")


USER_OPTIONS = {"email": "email", "first_name": "first_name", "last_name": "last_name"}


def _users(args: argparse.Namespace) -> int:
    from quotaflow.accounts.models import User

    _prepare_database(quiet=True, notes=sys.stderr)
    command = args.users_command
    if command == "list":
        users = list(User.objects.order_by("username"))
        people = _people_by_login(users)
        rows = [_user_row(user, people) for user in users]
        columns = ["username", "role", "name", "email", "active", "person", "last_login"]
        _print_table(rows, columns, as_json=args.json)
        return 0
    if command == "create":
        return _create_login(args)
    if command == "import":
        return _import_users(Path(args.file), as_json=args.json)
    return _change_login(args)


def _create_login(args: argparse.Namespace) -> int:
    from quotaflow.accounts import actions
    from quotaflow.org.models import Person

    details = _given(args, USER_OPTIONS)
    if args.role == "admin" and not actions.active_administrators().exists():
        user, password = actions.create_first_administrator(args.username, **details)
        print(f"Created the first administrator, {user.username}.")
        _print_password(user.username, password)
        return 0
    person = None
    if args.person:
        person = Person.objects.filter(external_id=args.person).first()
        if person is None:
            raise actions.InvalidInput(f"There is no person with the employee id {args.person!r}.")
    password = actions.generate_password()
    user = actions.create_user(
        args.username,
        role=args.role,
        password=password,
        acting_user=_console_user(),
        person=person,
        **details,
    )
    print(f"Created {user.username} ({user.get_role_display()}).")
    _print_password(user.username, password)
    return 0


def _change_login(args: argparse.Namespace) -> int:
    from quotaflow.accounts import actions

    user = _login(args.username)
    acting = _console_user()
    if args.users_command == "password":
        _print_password(user.username, actions.issue_password(user, acting_user=acting))
        return 0
    if args.users_command == "invite":
        return _invite(user, acting, args)
    if args.users_command == "deactivate":
        actions.deactivate_user(user, acting_user=acting, expected_version=None, reason=args.reason)
        print(f"{user.username} can no longer sign in or use API tokens.")
        return 0
    changes = _given(args, {**USER_OPTIONS, "role": "role"})
    if args.activate or args.deactivate:
        changes["is_active"] = bool(args.activate)
    user = actions.update_user(
        user, acting_user=acting, expected_version=None, reason=args.reason, **changes
    )
    print(
        f"{user.username}: {user.get_role_display()}, {'active' if user.is_active else 'inactive'}."
    )
    return 0


USER_COLUMNS = ("username", "role", "email", "first_name", "last_name", "person", "active")
_YES = {"yes", "y", "true", "1", "active"}
_NO = {"no", "n", "false", "0", "inactive"}


def _read_user_rows(path: Path) -> tuple[list[Any], list[Any]]:
    """The rows of a users file, and the problems found while reading them."""
    from quotaflow.accounts.actions import RowError, UserRow
    from quotaflow.imports.reading import FileSource, Table

    table = Table(FileSource(path, path.name))
    missing = [name for name in ("username", "role") if name not in table.columns]
    unknown = [name for name in table.columns if name and name not in USER_COLUMNS]
    if missing or unknown:
        problems = [f"missing column {', '.join(missing)}" if missing else ""]
        problems.append(f"unknown column {', '.join(unknown)}" if unknown else "")
        raise _FileRefused(
            f"{path.name}: {'; '.join(p for p in problems if p)}. The columns are "
            f"{', '.join(USER_COLUMNS)}."
        )
    rows, errors = [], []
    for raw in table.rows():
        errors += [RowError(raw.number, column, reason) for column, reason in raw.problems]
        values = {name: raw.values.get(name, "").strip() for name in USER_COLUMNS}
        active = values["active"].lower()
        if active and active not in _YES | _NO:
            errors.append(
                RowError(raw.number, "active", f"write yes or no, not {values['active']!r}")
            )
        rows.append(
            UserRow(
                line=raw.number,
                username=values["username"],
                role=values["role"],
                email=values["email"],
                first_name=values["first_name"],
                last_name=values["last_name"],
                person=values["person"],
                is_active=None if not active else active in _YES,
            )
        )
    return rows, errors


class _FileRefused(Exception):
    """A users file that cannot be read at all."""


def _import_users(path: Path, *, as_json: bool) -> int:
    from quotaflow.accounts import actions
    from quotaflow.imports.reading import FileProblem
    from quotaflow.org.models import Person

    try:
        rows, errors = _read_user_rows(path)
    except (FileProblem, _FileRefused, OSError) as error:
        _fail(getattr(error, "message", None) or str(error))
        return 1
    wanted = {row.person for row in rows if row.person}
    people = {
        person.external_id: person for person in Person.objects.filter(external_id__in=wanted)
    }
    try:
        result = actions.import_users(
            rows, acting_user=_console_user(), people=people, read_errors=errors
        )
    except actions.UsersRefused as refused:
        _fail(f"{path.name}: nothing was imported; {len(refused.errors)} problem(s):")
        for problem in refused.errors[:50]:
            column = f" ({problem.field})" if problem.field else ""
            print(f"  row {problem.line}{column}: {problem.message}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps([vars(row) for row in result.rows], indent=2, default=str))
        return 0
    print(
        f"Users import of {path.name}: {len(result.rows)} rows: {result.count('created')} created, "
        f"{result.count('updated')} updated, {result.count('unchanged')} unchanged"
    )
    new = [row for row in result.rows if row.initial_password]
    if new:
        print("Initial passwords (shown once; hand each to its user):")
        width = max(len(row.username) for row in new)
        for row in new:
            print(f"  {row.username.ljust(width)}  {row.initial_password}")
    return 0


def _placement_row(assignment: Any) -> dict[str, Any]:
    return {
        "id": assignment.pk,
        "person": assignment.person.external_id,
        "name": assignment.person.full_name,
        "unit": assignment.unit.code,
        "role": assignment.role,
        "from": assignment.valid_from,
        "to": assignment.valid_to,
    }


def _placements(args: argparse.Namespace) -> int:
    from quotaflow.core.errors import InvalidInput, NotFound
    from quotaflow.org import actions
    from quotaflow.org.loaders import unit_by_code
    from quotaflow.org.models import Assignment, Person, Unit
    from quotaflow.org.queries import active_on

    _prepare_database(quiet=True, notes=sys.stderr)
    if args.placements_command == "list":
        rows = Assignment.objects.select_related("person", "unit")
        if args.person:
            rows = rows.filter(person__external_id=args.person)
        if args.unit:
            root = unit_by_code(args.unit)
            rows = rows.filter(unit__path__startswith=root.path)
        if args.as_of:
            rows = rows.filter(active_on(args.as_of))
        found = [
            _placement_row(row) for row in rows.order_by("person__external_id", "valid_from", "pk")
        ]
        _print_table(
            found, ["id", "person", "name", "unit", "role", "from", "to"], as_json=args.json
        )
        return 0
    acting = _console_user()
    if args.placements_command == "create":
        person = Person.objects.filter(external_id=args.person).first()
        unit = Unit.objects.filter(code=args.unit).first()
        if person is None:
            raise InvalidInput(f"There is no person with the employee id {args.person!r}.")
        if unit is None:
            raise InvalidInput(f"There is no unit with the code {args.unit!r}.")
        assignment = actions.assign_person(
            person,
            unit,
            role=args.role,
            valid_from=args.valid_from,
            valid_to=args.valid_to,
            acting_user=acting,
            reason=args.reason,
        )
        print(f"Placement {assignment.pk}: {assignment}")
        return 0
    existing = Assignment.objects.filter(pk=args.id).first()
    if existing is None:
        raise NotFound(f"There is no placement {args.id}.")
    assignment = actions.end_assignment(
        existing, valid_to=args.on, acting_user=acting, reason=args.reason
    )
    print(f"Placement {assignment.pk}: {assignment}")
    return 0


def _cycle_rows(cycle: Any) -> list[dict[str, Any]]:
    """The cycle's goals in tree order, with their targets for people to read."""
    from quotaflow.plans.explanations import amounts_for
    from quotaflow.plans.models import Goal

    money = amounts_for(cycle.metric)
    goals = Goal.objects.filter(cycle=cycle).select_related("owner_unit", "owner_person", "parent")
    ordered = sorted(goals, key=_tree_order)
    return [
        {
            "goal": goal.pk,
            "owner": _owner_code(goal),
            "name": str(goal.owner_unit or goal.owner_person or ""),
            "parent": goal.parent_id,
            "target": f"{money.to_major(goal.target):f}",
            "target_minor": goal.target,
            "status": goal.status,
        }
        for goal in ordered
    ]


def _tree_order(goal: Any) -> tuple[str, str]:
    """Units by their place in the tree, each unit's people right after it by name."""
    if goal.owner_unit is not None:
        return goal.owner_unit.path, ""
    unit = goal.parent.owner_unit if goal.parent is not None else None
    person = goal.owner_person.full_name if goal.owner_person is not None else ""
    return (unit.path if unit is not None else "") + "~", person


def _owner_code(goal: Any) -> str:
    if goal.owner_unit is not None:
        return str(goal.owner_unit.code)
    return str(goal.owner_person.external_id) if goal.owner_person is not None else ""


def _print_cycle(cycle: Any, *, as_json: bool) -> None:
    rows = _cycle_rows(cycle)
    if as_json:
        print(
            json.dumps(
                {
                    "id": cycle.pk,
                    "name": cycle.name,
                    "status": cycle.status,
                    "version": cycle.version,
                    "period": cycle.period_label,
                    "goals": rows,
                },
                indent=2,
                default=str,
            )
        )
        return
    print(
        f"Cycle {cycle.pk} {cycle.name!r} ({cycle.period_label or cycle.period_start}): "
        f"{cycle.get_status_display()}, version {cycle.version}, {len(rows)} goals"
    )
    _print_table(rows, ["goal", "owner", "name", "parent", "target", "status"], as_json=False)


def _cycles(args: argparse.Namespace) -> int:
    from quotaflow.core.errors import InvalidInput
    from quotaflow.plans import actions

    _prepare_database(quiet=True, notes=sys.stderr)
    if args.cycles_command == "create":
        cycle = _create_cycle(args)
    else:
        cycle = _find_cycle(args.cycle)
    if args.cycles_command == "cascade":
        from quotaflow.core.money import AmountError
        from quotaflow.plans.explanations import amounts_for

        try:
            target = amounts_for(cycle.metric).parse(args.target)
        except AmountError as error:
            raise InvalidInput(f"--target: {error.message}") from None
        actions.run_cascade(
            cycle,
            acting_user=_console_user(),
            company_target=target,
            expected_version=cycle.version,
            reason=args.reason,
        )
    if args.cycles_command == "publish":
        actions.publish_cycle(cycle, acting_user=_console_user(), expected_version=cycle.version)
    cycle.refresh_from_db()
    _print_cycle(cycle, as_json=args.json)
    return 0


def _find_cycle(reference: str) -> Any:
    """The cycle with this id, or the plan (not a scenario) with this name and no later
    version."""
    from quotaflow.core.errors import InvalidInput, NotFound
    from quotaflow.plans.models import PlanningCycle

    cycles = PlanningCycle.objects.select_related("metric")
    if reference.isdigit():
        found = list(cycles.filter(pk=int(reference)))
    else:
        named = cycles.filter(name=reference, is_scenario=False).order_by("-plan_version", "-pk")
        found = list(named[:1])
        if len(found) == 1 and named.filter(plan_version=found[0].plan_version).count() > 1:
            raise InvalidInput(f"More than one plan is called {reference!r}; give its id.")
    if not found:
        raise NotFound(f"There is no planning cycle {reference!r}.")
    return found[0]


def _create_cycle(args: argparse.Namespace) -> Any:
    from quotaflow.core.errors import InvalidInput
    from quotaflow.core.models import Company
    from quotaflow.metrics.loaders import metric_by_code
    from quotaflow.org.loaders import unit_by_code
    from quotaflow.plans import actions

    metric = metric_by_code(args.metric)
    root = unit_by_code(args.root) if args.root else None
    if args.period:
        try:
            period = Company.current().fiscal_calendar.parse(args.period)
        except ValueError as error:
            raise InvalidInput(f"--period: {error}") from None
        start, end, label = period.start, period.end, period.label
    elif args.start and args.end:
        start, end, label = args.start, args.end, ""
    else:
        raise InvalidInput("Give the period: --period FY2027, or --start and --end.")
    allocation = [
        {"method": method, "over_assignment": args.over_assignment}
        for method in (args.methods or ["equal"])
    ]
    return actions.create_cycle(
        acting_user=_console_user(),
        name=args.name,
        metric=metric,
        period_start=start,
        period_end=end,
        period_label=label,
        root_unit=root,
        allocation=allocation,
    )


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
