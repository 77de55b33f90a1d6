"""Crediting and maintained aggregates through the real ingest path.

The tree (tests/conftest.py): Acme → North → North Team A (rep_ria, Rob Rep) and
Acme → South → South Team A (Sue Seller). Amounts are in cents.
"""

from __future__ import annotations

import datetime as dt

from quotaflow.core.models import AuditEvent
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Assignment, AssignmentRole, Person, Unit
from quotaflow.performance.actions import (
    apply_transaction_changes,
    ingest_activities,
    rebuild_aggregates,
    set_manual_value,
)
from quotaflow.performance.models import Credit, OverlayRule
from quotaflow.performance.queries import actuals, aggregate_snapshot
from quotaflow.performance.recrediting import apply_assignment_changes, apply_unit_move
from quotaflow.sales.actions import ActivityRow
from quotaflow.sales.models import Transaction
from tests.conftest import SmallOrg
from tests.performance.conftest import Post, make_row

YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
H1 = (dt.date(2025, 1, 1), dt.date(2025, 6, 30))
H2 = (dt.date(2025, 7, 1), dt.date(2025, 12, 31))


def actual(metric: Metric, owner: Unit | Person, period: tuple[dt.date, dt.date] = YEAR) -> int:
    key = ("unit", owner.pk) if isinstance(owner, Unit) else ("person", owner.pk)
    return actuals(metric, [key], *period)[key]


def move_ria_south_on_july_first(org: SmallOrg) -> None:
    """Ria leaves North Team A on 30 June and joins South Team A on 1 July."""
    ria = org.people["ria"]
    Assignment.objects.filter(person=ria).update(valid_to=dt.date(2025, 6, 30))
    Assignment.objects.create(
        person=ria, unit=org.south_team, role=AssignmentRole.MEMBER, valid_from=dt.date(2025, 7, 1)
    )


def test_a_sale_credits_the_rep_and_rolls_up_to_every_unit_above(
    small_org: SmallOrg, revenue: Metric, post: Post
) -> None:
    ria = small_org.people["ria"]
    post(make_row("T1", dt.date(2025, 3, 5), 100_00, {ria.pk: "100"}))

    assert actual(revenue, ria) == 100_00
    assert actual(revenue, small_org.north_team) == 100_00
    assert actual(revenue, small_org.north) == 100_00
    assert actual(revenue, small_org.company) == 100_00
    assert actual(revenue, small_org.south) == 0


def test_roll_up_follows_the_organisation_on_the_transaction_date(
    small_org: SmallOrg, revenue: Metric, post: Post
) -> None:
    org, ria = small_org, small_org.people["ria"]
    move_ria_south_on_july_first(org)

    post(
        make_row("JUNE", dt.date(2025, 6, 30), 400_00, {ria.pk: "100"}),  # still in North
        make_row("JULY", dt.date(2025, 7, 1), 700_00, {ria.pk: "100"}),  # now in South
    )

    assert actual(revenue, ria) == 1_100_00
    assert actual(revenue, org.north) == 400_00
    assert actual(revenue, org.south_team) == 700_00
    assert actual(revenue, org.south, H2) == 700_00
    assert actual(revenue, org.south, H1) == 0
    assert actual(revenue, org.company) == 1_100_00


def test_a_split_sums_exactly_to_the_amount_and_counts_once_for_a_shared_unit(
    small_org: SmallOrg, revenue: Metric, post: Post
) -> None:
    ria, rob, sue = (small_org.people[key] for key in ("ria", "rob", "sue"))
    # 100.01 split in thirds cannot be exact per person; largest remainder keeps the total.
    post(
        make_row(
            "SPLIT",
            dt.date(2025, 2, 1),
            100_01,
            {ria.pk: "33.3333", rob.pk: "33.3333", sue.pk: "33.3334"},
        )
    )

    parts = sorted(Credit.objects.values_list("value", flat=True))
    assert sum(parts) == 100_01
    assert parts == [33_33, 33_34, 33_34]
    assert actual(revenue, small_org.north_team) == actual(revenue, ria) + actual(revenue, rob)
    assert actual(revenue, small_org.company) == 100_01


def test_updates_cancellations_and_credit_notes_adjust_every_level(
    small_org: SmallOrg, revenue: Metric, post: Post
) -> None:
    ria, sue = small_org.people["ria"], small_org.people["sue"]
    post(make_row("T1", dt.date(2025, 3, 1), 500_00, {ria.pk: "100"}))
    post(make_row("T1", dt.date(2025, 3, 1), 800_00, {sue.pk: "100"}))  # corrected amount and rep
    assert (actual(revenue, ria), actual(revenue, sue), actual(revenue, small_org.north)) == (
        0,
        800_00,
        0,
    )

    post(make_row("CN1", dt.date(2025, 3, 9), -300_00, {sue.pk: "100"}))  # a credit note
    assert actual(revenue, small_org.south) == 500_00

    post(make_row("T1", dt.date(2025, 3, 1), 800_00, {sue.pk: "100"}, is_cancelled=True))
    assert actual(revenue, small_org.south) == -300_00
    assert actual(revenue, small_org.company) == -300_00
    assert not Credit.objects.filter(transaction__external_id="T1").exists()


def test_posting_the_same_batch_three_times_gives_the_same_totals(
    small_org: SmallOrg, revenue: Metric, post: Post
) -> None:
    ria, rob = small_org.people["ria"], small_org.people["rob"]
    batch = [
        make_row(
            f"B{i}", dt.date(2025, 4, 1 + i % 28), 10_00 * (i + 1), {ria.pk: "60", rob.pk: "40"}
        )
        for i in range(30)
    ]

    results = [post(*batch) for _ in range(3)]
    snapshot = aggregate_snapshot()

    assert [result.created for result in results] == [30, 0, 0]
    assert [result.recredited for result in results] == [30, 0, 0]
    assert actual(revenue, small_org.company) == sum(10_00 * (i + 1) for i in range(30))
    post(*batch)
    assert aggregate_snapshot() == snapshot


def test_filtered_metrics_only_count_matching_transactions(
    small_org: SmallOrg, revenue: Metric, software: Metric, post: Post
) -> None:
    ria = small_org.people["ria"]
    post(
        make_row("S1", dt.date(2025, 5, 1), 200_00, {ria.pk: "100"}, product_group="Software"),
        make_row("H1", dt.date(2025, 5, 1), 50_00, {ria.pk: "100"}, product_group="Hardware"),
    )

    assert actual(software, small_org.company) == 200_00
    assert actual(revenue, small_org.company) == 250_00


def test_overlay_specialists_are_credited_without_double_counting_units(
    small_org: SmallOrg, revenue: Metric, post: Post
) -> None:
    ria, sue = small_org.people["ria"], small_org.people["sue"]
    OverlayRule.objects.create(
        person=sue, product_group="Software", percent=50, valid_from=dt.date(2025, 1, 1)
    )

    post(make_row("S1", dt.date(2025, 5, 1), 200_00, {ria.pk: "100"}, product_group="Software"))

    assert actual(revenue, sue) == 100_00
    assert actual(revenue, small_org.south) == 0
    assert actual(revenue, small_org.company) == 200_00
    assert Credit.objects.get(person=sue).kind == "overlay"


def test_distinct_accounts_are_counted_once_per_period(
    small_org: SmallOrg, new_logos: Metric, post: Post
) -> None:
    ria, rob = small_org.people["ria"], small_org.people["rob"]
    post(
        make_row("A1", dt.date(2025, 1, 10), 10_00, {ria.pk: "100"}, account="Globex"),
        make_row("A2", dt.date(2025, 2, 10), 10_00, {ria.pk: "100"}, account="Globex"),
        make_row("A3", dt.date(2025, 2, 11), 10_00, {rob.pk: "100"}, account="Globex"),
        make_row("A4", dt.date(2025, 2, 12), 10_00, {rob.pk: "100"}, account="Initech"),
    )

    assert actual(new_logos, ria) == 1
    assert actual(new_logos, rob) == 2
    assert actual(new_logos, small_org.north_team) == 2
    post(
        make_row(
            "A4", dt.date(2025, 2, 12), 10_00, {rob.pk: "100"}, account="Initech", is_cancelled=True
        )
    )
    assert actual(new_logos, small_org.company) == 1


def test_activities_and_manual_values_feed_their_metrics(
    small_org: SmallOrg, calls: Metric
) -> None:
    ria, olga = small_org.people["ria"], small_org.users["ops_olga"]
    rows = [ActivityRow(f"C{i}", dt.date(2025, 3, 3), ria.pk, "call", quantity=2) for i in range(3)]
    rows.append(ActivityRow("M1", dt.date(2025, 3, 3), ria.pk, "meeting"))
    ingest_activities(rows, acting_user=olga, source="crm")
    ingest_activities(rows, acting_user=olga, source="crm")

    assert actual(calls, ria) == 6
    assert actual(calls, small_org.company) == 6

    csat = Metric.objects.create(
        code="csat", name="CSAT", unit="score", source="manual", aggregation="average"
    )
    set_manual_value(metric=csat, owner=ria, day=dt.date(2025, 3, 1), value=80, acting_user=olga)
    set_manual_value(metric=csat, owner=ria, day=dt.date(2025, 4, 1), value=90, acting_user=olga)
    set_manual_value(
        metric=csat, owner=ria, day=dt.date(2025, 4, 1), value=70, acting_user=olga, note="typo"
    )
    assert actual(csat, ria) == 75


def test_rebuild_from_scratch_equals_incremental_maintenance(
    small_org: SmallOrg, revenue: Metric, software: Metric, new_logos: Metric, post: Post
) -> None:
    org = small_org
    ria, rob, sue = (org.people[key] for key in ("ria", "rob", "sue"))
    move_ria_south_on_july_first(org)
    OverlayRule.objects.create(
        person=rob, product_group="Software", percent=25, valid_from=dt.date(2025, 1, 1)
    )
    for week in range(40):
        day = dt.date(2025, 1, 6) + dt.timedelta(days=7 * week)
        post(
            make_row(
                f"W{week}",
                day,
                1_000_01 + week,
                {ria.pk: "50", sue.pk: "50"},
                product_group="Software",
                account=f"Acc{week % 7}",
            ),
            make_row(f"X{week}", day, 333_33, {rob.pk: "100"}, account="Acc1"),
        )
    post(make_row("W3", dt.date(2025, 1, 27), 5_00, {sue.pk: "100"}))
    post(make_row("X5", dt.date(2025, 2, 10), 333_33, {rob.pk: "100"}, is_cancelled=True))
    post(make_row("CN", dt.date(2025, 8, 1), -250_00, {ria.pk: "100"}, product_group="Software"))
    incremental = aggregate_snapshot()

    rebuild_aggregates(acting_user=org.users["ops_olga"])

    assert aggregate_snapshot() == incremental
    assert AuditEvent.objects.filter(action="performance.aggregates.rebuilt").exists()


def test_reapplying_changes_after_a_hook_is_a_no_op(
    small_org: SmallOrg, revenue: Metric, post: Post
) -> None:
    post(make_row("T1", dt.date(2025, 3, 1), 500_00, {small_org.people["ria"].pk: "100"}))
    before = aggregate_snapshot()

    assert apply_transaction_changes(Transaction.objects.values_list("pk", flat=True)) == 0
    assert aggregate_snapshot() == before


def test_a_managers_own_deal_rolls_up_from_the_unit_they_lead(
    small_org: SmallOrg, revenue: Metric, post: Post
) -> None:
    max_ = small_org.people["max"]
    post(make_row("M1", dt.date(2025, 3, 1), 70_00, {max_.pk: "100"}))

    assert actual(revenue, small_org.north) == 70_00
    assert actual(revenue, small_org.north_team) == 0
    assert actual(revenue, small_org.company) == 70_00


def test_a_back_dated_move_re_credits_the_roll_up_and_matches_a_rebuild(
    small_org: SmallOrg, revenue: Metric, post: Post
) -> None:
    org, ria = small_org, small_org.people["ria"]
    post(
        make_row("JUNE", dt.date(2025, 6, 30), 400_00, {ria.pk: "100"}),
        make_row("JULY", dt.date(2025, 7, 1), 700_00, {ria.pk: "100"}),
    )
    assert actual(revenue, org.north) == 1_100_00

    move_ria_south_on_july_first(org)  # recorded after the sales were booked
    apply_assignment_changes([ria.pk], since=dt.date(2025, 7, 1))

    assert (actual(revenue, org.north), actual(revenue, org.south)) == (400_00, 700_00)
    incremental = aggregate_snapshot()
    rebuild_aggregates(acting_user=None)
    assert aggregate_snapshot() == incremental


def test_moving_a_unit_moves_its_history_to_the_new_parent(
    small_org: SmallOrg, revenue: Metric, post: Post
) -> None:
    org = small_org
    post(make_row("T1", dt.date(2025, 3, 1), 900_00, {org.people["ria"].pk: "100"}))
    old_path = org.north_team.path
    org.north_team.parent = org.south
    org.north_team.path = f"{org.south.path}{org.north_team.pk}/"
    org.north_team.save()

    apply_unit_move(old_path)

    assert (actual(revenue, org.north), actual(revenue, org.south)) == (0, 900_00)
    assert actual(revenue, org.company) == 900_00
