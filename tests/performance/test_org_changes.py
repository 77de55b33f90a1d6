"""Organisation changes made through the organisation's own actions and through an
organisation import re-credit what already rolled up, in the same transaction: the roll-up
always follows the organisation as it reads on each sale's date, and equals a rebuild."""

from __future__ import annotations

import datetime as dt
import io

from quotaflow.imports.actions import import_file
from quotaflow.metrics.models import Metric
from quotaflow.org.actions import move_unit, transfer_person
from quotaflow.org.models import Person, Unit
from quotaflow.performance.actions import rebuild_aggregates
from quotaflow.performance.queries import actuals, aggregate_snapshot
from tests.conftest import SmallOrg
from tests.performance.conftest import Post, make_row

YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def actual(metric: Metric, owner: Unit | Person) -> int:
    key = ("unit", owner.pk) if isinstance(owner, Unit) else ("person", owner.pk)
    return actuals(metric, [key], *YEAR)[key]


def assert_equals_rebuild() -> None:
    incremental = aggregate_snapshot()
    rebuild_aggregates(acting_user=None)
    assert aggregate_snapshot() == incremental


def test_a_back_dated_transfer_moves_the_later_sales_to_the_new_team(
    small_org: SmallOrg, revenue: Metric, post: Post
) -> None:
    org, ria = small_org, small_org.people["ria"]
    post(
        make_row("JUNE", dt.date(2025, 6, 30), 400_00, {ria.pk: "100"}),
        make_row("JULY", dt.date(2025, 7, 1), 700_00, {ria.pk: "100"}),
    )

    # Recorded in August, effective 1 July: June stays with North, July goes South.
    transfer_person(
        ria, to_unit=org.south_team, on=dt.date(2025, 7, 1),
        acting_user=org.users["ops_olga"], reason="Territory swap",
    )  # fmt: skip

    assert (actual(revenue, org.north), actual(revenue, org.south)) == (400_00, 700_00)
    assert (actual(revenue, org.north_team), actual(revenue, org.south_team)) == (400_00, 700_00)
    assert actual(revenue, org.company) == 1_100_00
    assert actual(revenue, ria) == 1_100_00
    assert_equals_rebuild()


def test_moving_a_team_to_another_region_takes_its_history_along(
    small_org: SmallOrg, revenue: Metric, post: Post
) -> None:
    org = small_org
    post(make_row("T1", dt.date(2025, 3, 1), 900_00, {org.people["ria"].pk: "100"}))

    move_unit(org.north_team, new_parent=org.south, acting_user=org.users["ops_olga"])

    assert (actual(revenue, org.north), actual(revenue, org.south)) == (0, 900_00)
    assert actual(revenue, org.company) == 900_00
    assert_equals_rebuild()


def test_an_organisation_import_that_moves_a_team_re_credits_the_roll_up(
    small_org: SmallOrg, revenue: Metric, post: Post
) -> None:
    org = small_org
    post(make_row("T1", dt.date(2025, 3, 1), 250_00, {org.people["ria"].pk: "100"}))
    file = io.BytesIO(
        b"unit_code,unit_name,unit_kind,parent_unit_code\nNORTH-A,North Team A,team,SOUTH\n"
    )

    run = import_file(
        "org", file, file_name="move.csv", acting_user=org.users["ops_olga"],
        skip_bad_rows=False, via="web",
    )  # fmt: skip

    assert run.status == "succeeded", run.errors
    assert (actual(revenue, org.north), actual(revenue, org.south)) == (0, 250_00)
    assert_equals_rebuild()


def test_an_organisation_import_that_ends_a_membership_early_re_credits_later_sales(
    small_org: SmallOrg, revenue: Metric, post: Post
) -> None:
    org, ria = small_org, small_org.people["ria"]
    post(
        make_row("MAY", dt.date(2025, 5, 5), 100_00, {ria.pk: "100"}),
        make_row("SEP", dt.date(2025, 9, 5), 300_00, {ria.pk: "100"}),
    )
    file = io.BytesIO(
        b"unit_code,person_id,person_name,role,valid_from,valid_to\n"
        + f"NORTH-A,{ria.external_id},Ria Rep,member,2025-01-01,2025-06-30\n".encode()
        + f"SOUTH-A,{ria.external_id},Ria Rep,member,2025-07-01,\n".encode()
    )

    run = import_file(
        "org", file, file_name="ria.csv", acting_user=org.users["ops_olga"],
        skip_bad_rows=False, via="web",
    )  # fmt: skip

    assert run.status == "succeeded", run.errors
    assert (actual(revenue, org.north), actual(revenue, org.south)) == (100_00, 300_00)
    assert_equals_rebuild()
