"""Setting up a company without a shell: ``quotaflow company``, ``metrics``, ``users``,
``placements`` and ``cycles``, called in-process through ``main([...])``."""

from __future__ import annotations

import datetime as dt
import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate

from quotaflow import cli
from quotaflow.accounts.models import Role, User
from quotaflow.core.models import AuditEvent, Company
from quotaflow.metrics.models import Aggregation, Direction, Metric, MetricUnit, Source
from quotaflow.org.models import Assignment, AssignmentRole, Person
from quotaflow.performance.models import (
    DigestCadence,
    PerformanceSettings,
    StatusBasis,
    UnplacedCredit,
    Visibility,
)
from quotaflow.plans.models import CycleStatus, Goal

pytestmark = pytest.mark.django_db


def run(capsys: pytest.CaptureFixture[str], command: str, *more: str) -> tuple[int, str, str]:
    """``quotaflow <command> <more…>``: the command as the shell would split it."""
    code = cli.main([*shlex.split(command), *more])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _logins() -> list[tuple[Any, ...]]:
    users = User.objects.order_by("pk").values_list(
        "username", "role", "email", "is_active", "password"
    )
    return [*users, *Person.objects.values_list("user_id"), AuditEvent.objects.count()]


def test_the_choices_follow_the_enumerations() -> None:
    assert set(cli.USER_ROLES) == set(Role.values)
    assert set(cli.PLACEMENT_ROLES) == set(AssignmentRole.values)
    assert set(cli.METRIC_UNITS) == set(MetricUnit.values)
    assert set(cli.METRIC_DIRECTIONS) == set(Direction.values)
    assert set(cli.METRIC_SOURCES) == set(Source.values)
    assert set(cli.METRIC_AGGREGATIONS) == set(Aggregation.values)
    assert set(cli.STATUS_BASES) == set(StatusBasis.values)
    assert set(cli.LEADERBOARD_VISIBILITIES) == set(Visibility.values)
    assert set(cli.DIGEST_CADENCES) == set(DigestCadence.values)
    assert set(cli.UNPLACED_CREDIT) == set(UnplacedCredit.values)


def test_a_fresh_installation_starts_with_its_first_administrator(capsys) -> None:
    code, out, _ = run(capsys, "users create root_rita --role admin")
    assert code == 0
    password = out.split("Initial password for root_rita: ")[1].split()[0]
    rita = authenticate(username="root_rita", password=password)
    assert rita is not None and rita.is_superuser and rita.role == Role.ADMIN
    # From now on the console acts as that administrator, and audits as her.
    code, out, _ = run(capsys, "users create ops_otto --role sales_ops")
    assert code == 0, out
    assert AuditEvent.objects.get(object_repr="ops_otto").actor == rita


def test_commands_that_write_need_an_administrator_first(capsys) -> None:
    code, _, err = run(capsys, "company set --name Acme")
    assert code == 1
    assert "create the first one with 'quotaflow users create NAME --role admin'" in err


def test_company_show_and_set(small_org, capsys) -> None:
    code, out, _ = run(capsys, "company set --currency CHF --fiscal-year-start-month 7")
    assert code == 0
    assert "currency: CHF" in out and "fiscal year start month: 7" in out
    company = Company.current()
    assert (company.currency, company.fiscal_year_start_month, company.version) == ("CHF", 7, 1)
    event = AuditEvent.objects.get(action="core.company.changed")
    assert event.actor == small_org.users["admin_ada"]
    code, out, _ = run(capsys, "company show --json")
    assert json.loads(out)["currency"] == "CHF"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--currency", "EURO"], "'EURO' is not an ISO 4217 currency"),
        (["--name", " "], "Give the company a name."),
    ],
)
def test_bad_company_settings_write_nothing(small_org, capsys, argv, message) -> None:
    code, _, err = run(capsys, "company", "set", *argv)
    assert code == 1 and message in err
    assert Company.current().version == 0


def test_company_set_refuses_a_month_out_of_range_before_starting(capsys) -> None:
    code, _, err = run(capsys, "company set --fiscal-year-start-month 13")
    assert code == 2 and "13 is not a month" in err


def test_tracking_show_and_set(small_org, capsys) -> None:
    code, out, _ = run(
        capsys,
        "tracking set --status-basis projection --at-risk-below 90 --off-track-below 75.5 "
        "--leaderboard-visibility everyone --unplaced-credit refuse --reason 'New policy'",
    )
    assert code == 0, out
    assert "at risk below: 90.00" in out and "off track below: 75.50" in out
    settings = PerformanceSettings.current()
    assert (settings.status_basis, settings.unplaced_credit, settings.version) == (
        "projection",
        "refuse",
        1,
    )
    event = AuditEvent.objects.get(action="performance.performancesettings.changed")
    assert event.actor == small_org.users["admin_ada"] and event.reason == "New policy"
    code, out, _ = run(capsys, "tracking show --json")
    shown = json.loads(out)
    assert (shown["leaderboard_visibility"], shown["version"]) == ("everyone", "1")


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--at-risk-below", "250"], 1, "a percentage from 0 to 200"),
        (["--at-risk-below", "many"], 1, "a percentage from 0 to 200"),
        (["--off-track-below", "99"], 1, "cannot be above at risk below"),
        (["--digest-cadence", "hourly"], 2, "invalid choice: 'hourly'"),
        ([], 2, "nothing to change: give one of --status-basis"),
    ],
)
def test_bad_tracking_settings_write_nothing(small_org, capsys, argv, code, message) -> None:
    answer, _, err = run(capsys, "tracking", "set", *argv)
    assert answer == code and message in err
    assert PerformanceSettings.current().version == 0
    assert not AuditEvent.objects.filter(action="performance.performancesettings.changed")


def test_metrics_create_update_and_list(small_org, capsys) -> None:
    code, out, _ = run(
        capsys,
        "metrics create software --name 'Software revenue' --filter product_group=Software --filter product_group=Cloud",
    )
    assert code == 0, out
    metric = Metric.objects.get(code="software")
    assert metric.filters == {"product_group": ["Software", "Cloud"]}
    code, out, _ = run(capsys, "metrics update software --retire --reason Old")
    assert code == 0
    metric.refresh_from_db()
    assert metric.is_active is False
    code, out, _ = run(capsys, "metrics list --json")
    assert [row["code"] for row in json.loads(out)] == ["software"]
    code, _, err = run(capsys, "metrics update nothing --name X")
    assert code == 1 and "There is no metric with the code 'nothing'." in err
    code, _, err = run(capsys, "metrics create x --name X --filter oops")
    assert code == 1 and "write FIELD=VALUE" in err
    assert not Metric.objects.filter(code="x").exists()


def test_users_create_update_deactivate_and_password(small_org, capsys) -> None:
    code, out, _ = run(
        capsys, "users create rep_sue --role rep --email sue@acme.example --person E006"
    )
    assert code == 0, out
    assert Person.objects.get(external_id="E006").user.username == "rep_sue"
    code, out, _ = run(capsys, "users update rep_sue --role manager --last-name S")
    assert code == 0 and "Sales manager, active" in out
    code, out, _ = run(capsys, "users deactivate rep_sue --reason Left")
    assert code == 0
    assert User.objects.get(username="rep_sue").is_active is False
    code, out, _ = run(capsys, "users password rep_ria")
    password = out.split("Initial password for rep_ria: ")[1].split()[0]
    assert authenticate(username="rep_ria", password=password) is not None
    code, out, _ = run(capsys, "users list --json")
    rows = {row["username"]: row for row in json.loads(out)}
    assert rows["rep_sue"]["person"] == "E006" and rows["rep_sue"]["active"] is False
    assert "password" not in out


def test_users_refusals_write_nothing(small_org, capsys) -> None:
    before = _logins()
    for argv in (
        ["create", "rep_ria", "--role", "rep"],
        ["create", "nina", "--role", "rep", "--email", "a@"],
        ["create", "nina", "--role", "rep", "--person", "E999"],
        ["update", "admin_ada", "--deactivate"],
        ["update", "nobody", "--role", "rep"],
    ):
        code, _, err = run(capsys, "users", *argv)
        assert code == 1 and "quotaflow: " in err, argv
    assert _logins() == before


USERS_CSV = """username,role,email,first_name,last_name,person,active
rep_sue,rep,sue@acme.example,Sue,Seller,E006,
ops_oscar,sales_ops,oscar@acme.example,Oscar,Ops,,yes
rep_ria,rep,,Ria,Rep,,
"""


def test_users_import_creates_updates_and_is_idempotent(small_org, capsys, tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text(USERS_CSV, encoding="utf-8")
    code, out, _ = run(capsys, "users", "import", str(path))
    assert code == 0
    assert "3 rows: 2 created, 1 updated, 0 unchanged" in out
    passwords = dict(line.split() for line in out.splitlines() if line.startswith("  "))
    assert set(passwords) == {"rep_sue", "ops_oscar"}
    assert authenticate(username="ops_oscar", password=passwords["ops_oscar"]) is not None
    before = _logins()
    code, out, _ = run(capsys, "users", "import", str(path))
    assert "0 created, 0 updated, 3 unchanged" in out
    assert _logins() == before


def test_users_import_with_bad_rows_writes_nothing(small_org, capsys, tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text(
        USERS_CSV + "nina,boss,,,,,\nrep_sue,rep,,,,,\nnora,rep,nora@,,,,maybe\n", encoding="utf-8"
    )
    before = _logins()
    code, _, err = run(capsys, "users", "import", str(path))
    assert code == 1
    assert "nothing was imported" in err
    assert "row 5 (role): Unknown role 'boss'" in err
    assert "row 6 (username): The username 'rep_sue' is also on row 2." in err
    assert "row 7 (active): write yes or no, not 'maybe'" in err
    assert "row 7 (email): 'nora@' is not a valid e-mail address." in err
    assert _logins() == before


def test_users_import_names_missing_and_unknown_columns(small_org, capsys, tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text("username,password\nnina,secret\n", encoding="utf-8")
    code, _, err = run(capsys, "users", "import", str(path))
    assert code == 1
    assert "missing column role; unknown column password" in err


def test_placements_create_list_and_end(small_org, capsys) -> None:
    code, out, _ = run(
        capsys, "placements create --person E006 --unit NORTH --role manager --from 2026-07-01"
    )
    assert code == 0, out
    placement = Assignment.objects.get(person__external_id="E006", unit__code="NORTH")
    code, out, _ = run(capsys, "placements list --unit NORTH --json")
    assert {row["person"] for row in json.loads(out)} == {"E002", "E004", "E005", "E006"}
    code, out, _ = run(capsys, "placements end", str(placement.pk), "--on", "2026-09-30")
    assert code == 0
    placement.refresh_from_db()
    assert placement.valid_to == dt.date(2026, 9, 30)
    code, out, _ = run(capsys, "placements list --person E006 --as-of 2026-10-01 --json")
    assert [row["unit"] for row in json.loads(out)] == ["SOUTH-A"]  # her own team only
    actions = AuditEvent.objects.filter(object_id=str(placement.pk)).values_list(
        "action", flat=True
    )
    assert set(actions) == {"org.assignment.created", "org.assignment.ended"}


def test_placements_refusals_write_nothing(small_org, capsys) -> None:
    count = Assignment.objects.count()
    for argv in (
        ["create", "--person", "E004", "--unit", "SOUTH-A", "--from", "2026-01-01"],
        ["create", "--person", "E999", "--unit", "NORTH", "--from", "2026-01-01"],
        ["create", "--person", "E004", "--unit", "NOWHERE", "--from", "2026-01-01"],
        ["end", "999999", "--on", "2026-01-01"],
    ):
        code, _, err = run(capsys, "placements", *argv)
        assert code == 1 and "quotaflow: " in err, argv
    assert Assignment.objects.count() == count
    code, _, err = run(capsys, "placements create --person E004 --unit N --from 2026-02-30")
    assert code == 2 and "is not a date" in err


def test_cycles_create_cascade_and_publish(small_org, capsys) -> None:
    Metric.objects.create(code="revenue", name="Revenue")
    code, out, _ = run(capsys, "cycles create 'FY2027 revenue' --metric revenue --period FY2027")
    assert code == 0, out
    code, out, _ = run(capsys, "cycles cascade 'FY2027 revenue' --target 900.00")
    assert code == 0, out
    code, out, _ = run(capsys, "cycles publish 'FY2027 revenue' --json")
    assert code == 0, out
    published = json.loads(out)
    assert published["status"] == CycleStatus.PUBLISHED
    targets = {row["owner"]: row["target_minor"] for row in published["goals"]}
    assert targets["ACME"] == 90_000
    assert targets["NORTH"] + targets["SOUTH"] == 90_000
    assert Goal.objects.filter(cycle_id=published["id"], status="published").count() == len(targets)
    code, _, err = run(capsys, "cycles cascade 'FY2027 revenue' --target 1.005")
    assert code == 1 and "--target" in err
    code, _, err = run(capsys, "cycles show 'no such plan'")
    assert code == 1 and "There is no planning cycle 'no such plan'." in err
