"""An import killed mid-write (SIGKILL, as the kernel's OOM killer or a deploy would)
leaves its run record and no data; the next import marks that run failed and completes.

The import runs in a real ``quotaflow import`` subprocess against the test database (on
SQLite a file copy of it, since the test database lives in memory).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from quotaflow.imports import runs
from quotaflow.imports.models import ImportRun, ImportStatus
from quotaflow.imports.runs import mark_abandoned_runs, start_run

ROWS = 12_000
HEADER = "external_id,date,amount,currency,credited_to\n"


def _write_deals(path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for number in range(ROWS):
            handle.write(f"K-{number},2026-03-14,{number % 997}.25,EUR,E00{4 + number % 3}\n")


class _Database:
    """Where the subprocess connects, and plain-SQL reads of what it left behind."""

    def __init__(self, tmp_path: Path) -> None:
        settings = connection.settings_dict
        if connection.vendor == "sqlite":
            self.file = tmp_path / "quotaflow.sqlite3"
            connection.ensure_connection()
            with sqlite3.connect(self.file) as target:
                connection.connection.backup(target)
            self.url = f"sqlite:///{self.file}"
        else:
            self.file = None
            auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
            self.url = (
                f"postgresql://{auth}@{settings['HOST'] or '127.0.0.1'}:"
                f"{settings['PORT'] or 5432}/{settings['NAME']}"
            )
            connection.close()  # the subprocess opens its own connection

    def one(self, sql: str) -> list[Any]:
        if self.file is None:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return list(cursor.fetchall())
        with sqlite3.connect(self.file) as database:
            return list(database.execute(sql).fetchall())

    def runs(self) -> list[tuple[str, int]]:
        return [
            (status, total)
            for status, total in self.one(
                "SELECT status, total_rows FROM imports_importrun ORDER BY id"
            )
        ]

    def transactions(self) -> int:
        return int(self.one("SELECT COUNT(*) FROM sales_transaction")[0][0])


@pytest.fixture
def crash_database(small_org: Any, tmp_path: Path) -> Iterator[_Database]:
    yield _Database(tmp_path)


def _import_command(path: Path) -> list[str]:
    return [sys.executable, "-m", "quotaflow.cli", "import", "transactions", str(path)]


def _env(database: _Database, tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update({"DATABASE_URL": database.url, "XDG_DATA_HOME": str(tmp_path / "data")})
    return env


def _kill_while_writing(command: list[str], env: dict[str, str]) -> str:
    """Start the import, wait until it reports writing, SIGKILL it; return its stderr."""
    process = subprocess.Popen(  # noqa: S603 - our own command line, no shell
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert process.stderr is not None
    seen = b""
    while b"Writing" not in seen:
        chunk = process.stderr.read1(4096)
        if not chunk:
            break
        seen += chunk
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    return seen.decode(errors="replace")


@pytest.mark.django_db(transaction=True)
def test_import_killed_mid_write_leaves_a_running_run_and_the_rerun_completes(
    crash_database: _Database, tmp_path: Path
) -> None:
    deals = tmp_path / "deals.csv"
    _write_deals(deals)
    env = _env(crash_database, tmp_path)
    command = _import_command(deals)

    stderr = _kill_while_writing(command, env)

    assert "Writing" in stderr, stderr
    assert crash_database.runs() == [(ImportStatus.RUNNING, 0)]  # recorded before it wrote
    assert crash_database.transactions() == 0  # and nothing half-written

    rerun = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, timeout=300, check=False
    )

    assert rerun.returncode == 0, rerun.stderr
    assert "Traceback" not in rerun.stderr
    assert crash_database.runs() == [
        (ImportStatus.FAILED, 0),
        (ImportStatus.SUCCEEDED, ROWS),
    ]
    reason = crash_database.one("SELECT errors FROM imports_importrun ORDER BY id")[0][0]
    assert "stopped before it finished" in str(reason)
    assert crash_database.transactions() == ROWS


def test_run_of_a_process_that_is_gone_is_marked_failed(small_org: Any) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603
    dead.wait()
    run = start_run(ImportRun(kind="transactions", file_name="deals.csv", via="cli"))
    ImportRun.objects.filter(pk=run.pk).update(pid=dead.pid)
    runs.end_run(run)  # as if another process, now gone, had started it

    assert [found.pk for found in mark_abandoned_runs()] == [run.pk]
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert f"process {dead.pid}" in run.errors[0]["reason"]


def test_run_of_a_live_process_is_left_running(small_org: Any) -> None:
    run = start_run(ImportRun(kind="transactions", file_name="deals.csv", via="cli"))

    assert mark_abandoned_runs() == []  # this very process is still doing it
    run.refresh_from_db()
    assert run.status == ImportStatus.RUNNING


def test_run_older_than_the_longest_import_is_marked_failed_whatever_its_host(
    small_org: Any,
) -> None:
    run = start_run(ImportRun(kind="org", file_name="org.csv", via="web"))
    runs.end_run(run)
    ImportRun.objects.filter(pk=run.pk).update(host="elsewhere", pid=1)

    assert mark_abandoned_runs() == []  # another machine's recent run: it may be alive
    later = timezone.now() + runs.LONGEST_RUN + dt.timedelta(minutes=1)
    assert [found.pk for found in mark_abandoned_runs(now=later)] == [run.pk]
