"""Building the demo into the database: rows, tree paths, credits, logins and rebuilds.

Uses the tiny size (48 reps, ~12k transactions) so that the suite stays fast; the shape of
the full demo is checked without a database in test_generator.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.db.models import Count, Sum

from quotaflow.accounts.models import User
from quotaflow.core.errors import Conflict
from quotaflow.core.models import AuditEvent, Company
from quotaflow.demo import generator as gen
from quotaflow.demo.actions import build_demo
from quotaflow.demo.loader import DemoSummary
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Assignment, Person, Unit
from quotaflow.org.queries import assignments_on, subtree_units
from quotaflow.sales.models import Activity, Transaction, TransactionCredit

TODAY = dt.date(2026, 11, 23)
PERSONLESS_LOGINS = {"admin", "ops", "finance"}


@pytest.fixture
def demo(db: None) -> DemoSummary:
    return gen.generate("tiny", seed=3, today=TODAY)


def test_the_summary_matches_the_rows_written(demo: DemoSummary) -> None:
    assert Transaction.objects.count() == demo.transactions
    assert TransactionCredit.objects.count() == demo.credits
    assert Activity.objects.count() == demo.activities
    assert Person.objects.count() == demo.people
    assert Unit.objects.count() == demo.units
    assert (
        Transaction.objects.aggregate(total=Sum("amount_minor"))["total"] == demo.amount_minor_total
    )
    assert Transaction.objects.filter(amount_minor__lt=0).count() == demo.credit_notes > 0


def test_the_company_uses_a_february_fiscal_year_in_euros(demo: DemoSummary) -> None:
    company = Company.current()
    assert (company.name, company.currency, company.fiscal_year_start_month) == (
        "Northwind Analytics",
        "EUR",
        2,
    )
    assert Transaction.objects.exclude(currency="EUR").count() == 0
    assert demo.first_day == "2023-02-01" and demo.last_day == TODAY.isoformat()


def test_unit_paths_and_depths_follow_the_tree(demo: DemoSummary) -> None:
    units = {unit.pk: unit for unit in Unit.objects.all()}
    for unit in units.values():
        parent = units.get(unit.parent_id) if unit.parent_id else None
        expected_path = (parent.path if parent else "/") + f"{unit.pk}/"
        assert unit.path == expected_path
        assert unit.depth == (parent.depth + 1 if parent else 0)
    root = Unit.objects.get(code=gen.ROOT_CODE)
    assert subtree_units(root).count() == len(units)


def test_credits_of_every_transaction_sum_to_100_percent(demo: DemoSummary) -> None:
    totals = TransactionCredit.objects.values("transaction").annotate(
        total=Sum("percent"), people=Count("person")
    )
    assert {row["total"] for row in totals} == {Decimal(100)}
    assert totals.count() == demo.transactions
    split = TransactionCredit.objects.filter(percent=Decimal(60))
    assert split.exists()
    assert TransactionCredit.objects.filter(percent=Decimal(40)).count() == split.count()


def test_the_organisation_as_of_two_dates_differs(demo: DemoSummary) -> None:
    def placements(day: dt.date) -> set[tuple[int, int]]:
        return set(assignments_on(day).values_list("person_id", "unit_id"))

    assert placements(dt.date(2023, 2, 1)) != placements(TODAY)
    assert Assignment.objects.filter(valid_to__isnull=False).exists()
    assert Person.objects.filter(termination_date__isnull=False).exists()


def test_every_demo_login_signs_in_with_the_printed_password(demo: DemoSummary) -> None:
    assert [login.username for login in demo.logins] == list(gen.DEMO_USERNAMES)
    assert demo.password == gen.DEMO_PASSWORD
    for username in gen.DEMO_USERNAMES:
        user = authenticate(username=username, password=gen.DEMO_PASSWORD)
        assert user is not None, username
        if username not in PERSONLESS_LOGINS:
            assert Person.objects.filter(user=user).exists(), username
    assert User.objects.get(username="admin").is_superuser
    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {
        "admin": "admin",
        "ops": "sales_ops",
        "finance": "finance",
        "ceo": "manager",
        "region.manager": "manager",
        "team.manager": "manager",
        "rep": "rep",
    }


def test_the_manager_logins_manage_the_units_above_the_rep(demo: DemoSummary) -> None:
    on = assignments_on(TODAY)
    rep_team = on.get(person__user__username="rep").unit
    assert on.get(person__user__username="team.manager", role="manager").unit == rep_team
    assert on.get(person__user__username="region.manager", role="manager").unit == rep_team.parent
    assert on.get(person__user__username="ceo", role="manager").unit.code == gen.ROOT_CODE


def test_the_metrics_catalogue_is_in_place(demo: DemoSummary) -> None:
    codes = set(Metric.objects.values_list("code", flat=True))
    assert {
        "revenue",
        "new-business-revenue",
        "software-revenue",
        "units",
        "new-logos",
        "calls",
        "meetings",
        "customer-satisfaction",
    } <= codes
    assert Metric.objects.get(code="new-logos").aggregation == "distinct_count"
    assert Metric.objects.get(code="customer-satisfaction").source == "manual"


def test_the_build_is_audited(demo: DemoSummary) -> None:
    event = AuditEvent.objects.get(action="demo.built")
    assert event.changes["transactions"] == demo.transactions


def test_orm_inserts_continue_after_the_demo_ids(demo: DemoSummary) -> None:
    unit = Unit.objects.create(
        code="EXTRA", name="Extra", parent=Unit.objects.get(code=gen.ROOT_CODE)
    )
    assert (
        unit.pk > Unit.objects.exclude(pk=unit.pk).order_by("-pk").values_list("pk", flat=True)[0]
    )


def test_the_hook_sees_every_transaction_once(db: None) -> None:
    seen: list[range] = []
    summary = gen.generate("tiny", seed=3, today=TODAY, after_insert=seen.append)
    ids = [pk for batch in seen for pk in batch]
    assert len(ids) == len(set(ids)) == summary.transactions
    assert set(ids) == set(Transaction.objects.values_list("pk", flat=True))


def test_building_twice_is_refused(demo: DemoSummary) -> None:
    with pytest.raises(Conflict, match="already in this database"):
        gen.generate("tiny", seed=3, today=TODAY)


def test_build_demo_keeps_an_existing_demo_and_rebuilds_on_request(demo: DemoSummary) -> None:
    assert build_demo(size="tiny", seed=3, today=TODAY) is None
    rebuilt = build_demo(size="tiny", seed=4, today=TODAY, rebuild=True)
    assert rebuilt is not None and rebuilt.seed == 4
    assert Transaction.objects.count() == rebuilt.transactions
    assert User.objects.count() == len(gen.DEMO_USERNAMES)


def test_build_demo_never_touches_someone_elses_organisation(small_org: object) -> None:
    with pytest.raises(Conflict, match="not the demo company"):
        build_demo(size="tiny", rebuild=True, today=TODAY)
    assert Unit.objects.filter(code="ACME").exists()
