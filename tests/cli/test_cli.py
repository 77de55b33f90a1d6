"""The ``quotaflow`` command line, called in-process through ``main([...])`` (and, for
start-up errors and the first run, as a real subprocess)."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from quotaflow import cli
from quotaflow.accounts.models import ApiToken
from quotaflow.demo import generator as gen
from quotaflow.org.models import Unit
from quotaflow.sales.models import Transaction


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> list[dict[str, Any]]:
    """Replace waitress.serve with a recorder; collect static files into a temporary folder."""
    calls: list[dict[str, Any]] = []
    settings.STATIC_ROOT = tmp_path / "static"
    monkeypatch.setattr(
        "waitress.serve", lambda app, **options: calls.append({"app": app, **options})
    )
    return calls


def _subprocess_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update({"XDG_DATA_HOME": str(tmp_path), **extra})
    return env


def test_demo_no_serve_builds_the_demo_and_prints_every_login(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["demo", "--no-serve", "--size", "tiny", "--seed", "9"]) == 0
    out = capsys.readouterr().out
    assert "Built the demo company 'tiny' (seed 9)" in out
    assert f"password: {gen.DEMO_PASSWORD}" in out
    for username in gen.DEMO_USERNAMES:
        assert f"\n  {username} " in out
    assert Transaction.objects.exists()


def test_demo_keeps_an_existing_demo_and_rebuild_starts_afresh(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main(["demo", "--no-serve", "--size", "tiny", "--seed", "1"])
    first_total = Transaction.objects.count()
    capsys.readouterr()
    assert cli.main(["demo", "--no-serve", "--size", "tiny"]) == 0
    assert "already in the database" in capsys.readouterr().out
    assert Transaction.objects.count() == first_total
    assert cli.main(["demo", "--no-serve", "--size", "tiny", "--seed", "2", "--rebuild"]) == 0
    assert "(seed 2)" in capsys.readouterr().out
    assert Transaction.objects.count() != first_total


def test_demo_refuses_a_database_with_another_organisation(
    small_org: object, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["demo", "--no-serve", "--size", "tiny", "--rebuild"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("quotaflow: This database already holds an organisation")
    assert "Traceback" not in err
    assert Unit.objects.filter(code="ACME").exists()


def test_demo_serves_on_localhost_port_8000_by_default(
    db: None, served: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["demo", "--size", "tiny"]) == 0
    assert served[0]["host"] == "127.0.0.1" and served[0]["port"] == 8000
    assert callable(served[0]["app"])
    out = capsys.readouterr().out
    assert "running at http://127.0.0.1:8000/" in out
    assert out.index("password:") < out.index("running at")


def test_serve_passes_host_port_and_threads_and_hints_about_plain_http(
    db: None, served: list[dict[str, Any]], settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.HTTPS = True
    every_interface = "0.0.0.0"  # noqa: S104 - the address under test
    assert cli.main(["serve", "--host", every_interface, "--port", "8123", "--threads", "4"]) == 0
    options = {key: served[0][key] for key in ("host", "port", "threads")}
    assert options == {"host": every_interface, "port": 8123, "threads": 4}
    err = capsys.readouterr().err
    assert "QUOTAFLOW_HTTPS=0" in err
    assert "QUOTAFLOW_ALLOWED_HOSTS" in err


def test_serve_over_plain_http_when_https_is_off_gives_no_hint(
    db: None, served: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["serve", "--port", "8124"]) == 0
    assert "QUOTAFLOW_HTTPS" not in capsys.readouterr().err


def test_manage_passes_everything_through_to_django(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["manage", "check"]) == 0
    assert "System check identified no issues" in capsys.readouterr().out
    assert cli.main(["manage", "no_such_command"]) == 1
    assert "Unknown command: 'no_such_command'" in capsys.readouterr().err


def test_token_create_prints_the_token_once_with_a_warning(
    small_org: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        [
            "token",
            "create",
            "--user",
            "rep_ria",
            "--name",
            "CRM sync",
            "--scope",
            "ingest",
            "--scope",
            "read",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    token = ApiToken.objects.get(user=small_org.users["rep_ria"])
    assert (token.name, token.scopes) == ("CRM sync", ["ingest", "read"])
    secret = next(line.strip() for line in out.splitlines() if line.strip().startswith("qf_"))
    assert secret.startswith(f"qf_{token.prefix}")
    assert "not shown again" in out


def test_token_create_with_the_manage_scope_for_a_planner(
    small_org: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        ["token", "create", "--user", "ops_olga", "--name", "Plan sync", "--scope", "manage"]
    )

    assert code == 0, capsys.readouterr().err
    token = ApiToken.objects.get(user=small_org.users["ops_olga"])
    assert token.scopes == ["manage"]
    assert "with scopes: manage" in capsys.readouterr().out


def test_token_create_with_the_manage_scope_keeps_the_role_rule(
    small_org: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["token", "create", "--user", "rep_ria", "--scope", "manage"])

    assert code == 1
    assert capsys.readouterr().err.strip() == (
        "quotaflow: Only administrators and sales operations can have a token with the "
        "'manage' scope."
    )
    assert not ApiToken.objects.exists()


def test_the_command_line_offers_every_token_scope() -> None:
    from quotaflow.accounts.models import TokenScope

    assert set(cli.TOKEN_SCOPES) == set(TokenScope.values)


def test_token_create_for_an_unknown_user_is_a_clear_error(
    small_org: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["token", "create", "--user", "nobody"]) == 1
    assert capsys.readouterr().err.strip() == "quotaflow: There is no user called 'nobody'."


def test_import_org_file(
    small_org: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "org.csv"
    path.write_text(
        "unit_code,unit_name,unit_kind,parent_unit_code\nWEST,West,region,ACME\n", encoding="utf-8"
    )
    assert cli.main(["import", "org", str(path)]) == 0
    assert Unit.objects.get(code="WEST").parent == small_org.company
    assert "org.csv" in capsys.readouterr().out


def test_import_org_dry_run_lists_the_changes_and_writes_nothing(
    small_org: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "org.csv"
    path.write_text(
        "unit_code,unit_name,unit_kind,parent_unit_code\n"
        "WEST,West,region,ACME\nNORTH,North Region,region,SOUTH\n",
        encoding="utf-8",
    )
    assert cli.main(["import", "org", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Dry run: nothing was written. Importing the file would make 3 changes:" in out
    assert "row 2: created unit WEST: West (region) under ACME" in out
    assert "row 3: moved unit NORTH: under ACME → under SOUTH" in out
    assert "row 3: renamed unit NORTH: North → North Region" in out
    assert not Unit.objects.filter(code="WEST").exists()
    assert Unit.objects.get(code="NORTH").parent == small_org.company


def test_import_of_a_missing_file_fails_cleanly(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["import", "transactions", "/no/such/deals.csv", "--skip-bad-rows"]) == 1
    assert "No such file" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["demo", "--port", "0"],
        ["demo", "--size", "huge"],
        ["import", "customers", "x.csv"],
        ["token", "create"],
    ],
)
def test_bad_arguments_exit_with_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    assert "usage: quotaflow" in capsys.readouterr().err


def test_a_bad_setting_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "quotaflow.cli", "manage", "check"],
        env=_subprocess_env(tmp_path, QUOTAFLOW_TIME_ZONE="Mars/Olympus"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "quotaflow: configuration error: QUOTAFLOW_TIME_ZONE='Mars/Olympus' is not a known time zone (e.g. Europe/Berlin)."
    ]


def test_first_demo_run_creates_the_embedded_database_and_a_worker_can_serve_it(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "quotaflow.cli", "demo", "--no-serve", "--size", "tiny"],
        env=_subprocess_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    database = tmp_path / "quotaflow" / "quotaflow.sqlite3"
    assert f"Created the database at {database}" in result.stdout
    assert database.is_file()
    assert "Traceback" not in result.stderr

    # The worker runs django-tasks-db's db_worker on the same (production-configured) database.
    worker = subprocess.run(
        [sys.executable, "-m", "quotaflow.cli", "worker", "--batch", "--no-startup-delay"],
        env=_subprocess_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert worker.returncode == 0, worker.stderr
    assert "No more tasks to run" in worker.stdout + worker.stderr


def test_backtest_attainability_prints_the_calibration_and_ends_with_json(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    gen.generate("tiny", seed=3, today=dt.date(2026, 6, 15))
    capsys.readouterr()
    assert cli.main(["backtest", "attainability", "--metric", "revenue"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    summary = json.loads(lines[-1])
    assert {"brier", "baseline_brier", "max_band_error"} <= summary.keys()
    assert summary["brier"] < summary["baseline_brier"]
    assert any(line.lstrip().startswith("band") for line in lines)


def test_backtest_of_an_unknown_model_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["backtest", "weather"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_serve_on_localhost_sets_plain_http_for_a_trial_and_says_so(
    db: None,
    served: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("QUOTAFLOW_HTTPS", raising=False)
    assert cli.main(["serve", "--host", "localhost", "--port", "8125"]) == 0
    assert os.environ["QUOTAFLOW_HTTPS"] == "0"
    assert "plain HTTP because localhost is reachable from this machine only" in (
        capsys.readouterr().err
    )


def test_serve_on_another_address_keeps_https_by_default(
    db: None,
    served: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("QUOTAFLOW_HTTPS", raising=False)
    every_interface = "0.0.0.0"  # noqa: S104 - the address under test
    assert cli.main(["serve", "--host", every_interface, "--port", "8126"]) == 0
    assert "QUOTAFLOW_HTTPS" not in os.environ
    assert "plain HTTP because" not in capsys.readouterr().err


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_hosts(host: str) -> None:
    assert cli._is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "quota.example.com", ""])  # noqa: S104
def test_hosts_that_others_can_reach(host: str) -> None:
    assert not cli._is_loopback(host)


def test_an_integration_on_the_same_machine_reaches_the_api_over_plain_http(
    tmp_path: Path,
) -> None:
    """A fresh `quotaflow serve` with no settings at all answers the API on localhost over
    plain HTTP instead of redirecting to an https:// address nothing listens on."""
    env = _subprocess_env(tmp_path)
    env.pop("QUOTAFLOW_HTTPS", None)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603 - our own console entry point
        [sys.executable, "-m", "quotaflow.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        status = _first_answer(f"http://127.0.0.1:{port}/api/v1/openapi.json", server)
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert status == 200, err
    assert "plain HTTP because 127.0.0.1 is reachable from this machine only" in err


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _first_answer(url: str, server: subprocess.Popen[str]) -> int:
    """The HTTP status of ``url`` once the server listens (redirects not followed)."""
    opener = urllib.request.build_opener(_NoRedirect)
    for _ in range(600):
        if server.poll() is not None:
            return -1
        try:
            with opener.open(url, timeout=5) as response:  # noqa: S310 - a localhost URL
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            time.sleep(0.2)
    return -1


SCHEDULE_A_NOTICE = """
from django.db import transaction
from quotaflow.accounts.models import User
from quotaflow.core.notify import email, notify

ops_olga = User.objects.create_user("ops_olga", email="olga@example.com", role="ops")
with transaction.atomic():
    notify([ops_olga], kind="plan.published", title="FY2027 revenue is published")
    email([{"subject": "Quotaflow: FY2027 is published", "body": "See your goals.", "to": [ops_olga.email]}])
"""

COUNT_NOTICES = """
from quotaflow.core.models import Notification
print("notifications:", Notification.objects.filter(user__username="ops_olga", kind="plan.published").count())
"""

TASK_STATES = """
from django_tasks_db.models import DBTaskResult
for result in DBTaskResult.objects.all():
    print(result.task_path.rsplit(".", 1)[-1], result.status)
"""


def test_the_worker_delivers_what_a_committed_change_scheduled(tmp_path: Path) -> None:
    def quotaflow(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "quotaflow.cli", *args],
            env=_subprocess_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done

    quotaflow("manage", "migrate", "--verbosity", "0")
    quotaflow("manage", "shell", "--command", SCHEDULE_A_NOTICE)
    assert "notifications: 0" in quotaflow("manage", "shell", "--command", COUNT_NOTICES).stdout

    worker = quotaflow("worker", "--batch", "--no-startup-delay")

    # The production settings send mail to the console: the worker printed the e-mail.
    assert "Subject: Quotaflow: FY2027 is published" in worker.stdout
    assert "To: olga@example.com" in worker.stdout
    assert "notifications: 1" in quotaflow("manage", "shell", "--command", COUNT_NOTICES).stdout
    queued = quotaflow("manage", "close_periods", "--as-of", "2025-04-01", "--enqueue").stdout
    assert "Queued the period close as task" in queued
    quotaflow("worker", "--batch", "--no-startup-delay")
    assert (
        "close_periods_task SUCCESSFUL"
        in quotaflow("manage", "shell", "--command", TASK_STATES).stdout
    )


@pytest.mark.parametrize(
    ("backend", "engine", "setting", "wanted"),
    [
        ("django_tasks_db.DatabaseBackend", "django.db.backends.sqlite3", "auto", True),
        ("django_tasks_db.DatabaseBackend", "django.db.backends.postgresql", "auto", False),
        ("django_tasks_db.DatabaseBackend", "django.db.backends.postgresql", "1", True),
        ("django_tasks_db.DatabaseBackend", "django.db.backends.sqlite3", "0", False),
        (
            "django_tasks.backends.immediate.ImmediateBackend",
            "django.db.backends.sqlite3",
            "1",
            False,
        ),
    ],
)
def test_a_worker_runs_beside_the_server_on_the_embedded_database_only(
    backend: str, engine: str, setting: str, wanted: bool
) -> None:
    assert cli.companion_worker_wanted(backend, engine, setting) is wanted


def test_serve_on_the_embedded_database_runs_a_worker_and_stops_it_with_the_server(
    db: None,
    served: list[dict[str, Any]],
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without a worker, notifications and e-mail would wait in the queue for ever on a
    laptop: ``serve`` starts one beside itself and stops it when the server stops."""
    started: list[list[str]] = []
    stopped: list[bool] = []

    class Recorder:
        def __init__(self, argv: list[str]) -> None:
            started.append(argv)

        def terminate(self) -> None:
            stopped.append(True)

        def wait(self, timeout: float | None = None) -> int:
            return 0

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setattr(cli.subprocess, "Popen", Recorder)
    monkeypatch.delenv("QUOTAFLOW_EMBEDDED_WORKER", raising=False)
    assert cli.main(["serve", "--port", "8127"]) == 0
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3"):
        assert [argv[-1] for argv in started] == ["worker"] and stopped == [True]
        assert "background worker runs beside the server" in capsys.readouterr().err
    else:  # on PostgreSQL the deployment runs its own workers
        assert started == [] and stopped == []
    monkeypatch.setenv("QUOTAFLOW_EMBEDDED_WORKER", "sometimes")
    assert cli.main(["serve", "--port", "8128"]) == 2
    assert "QUOTAFLOW_EMBEDDED_WORKER='sometimes' must be 0, 1 or auto" in capsys.readouterr().err
