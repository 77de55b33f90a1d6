"""Recognition fixtures: FY2027 revenue goals for the small organisation's reps (Ria and
Rob in North Team A, Sue in South Team A) and a helper posting their sales through the
real ingest action."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from quotaflow.accounts.models import Role, User
from quotaflow.metrics.models import Metric
from quotaflow.performance.actions import IngestResult, ingest_transactions
from quotaflow.plans.models import Goal
from tests.conftest import PASSWORD, SmallOrg
from tests.performance.conftest import make_row

FY2027 = (dt.date(2027, 1, 1), dt.date(2027, 12, 31))
QUARTERS = [
    (dt.date(2027, 1, 1), dt.date(2027, 3, 31)),
    (dt.date(2027, 4, 1), dt.date(2027, 6, 30)),
    (dt.date(2027, 7, 1), dt.date(2027, 9, 30)),
    (dt.date(2027, 10, 1), dt.date(2027, 12, 31)),
]
YEAR_END = dt.date(2027, 12, 31)

Sell = Callable[..., IngestResult]


@pytest.fixture
def revenue(db: None) -> Metric:
    return Metric.objects.create(code="revenue", name="Revenue")


@pytest.fixture
def rob(small_org: SmallOrg) -> User:
    """A login for Rob Rep, Ria's teammate."""
    user = User.objects.create_user(username="rep_rob", password=PASSWORD, role=Role.REP)
    small_org.people["rob"].user = user
    small_org.people["rob"].save(update_fields=["user"])
    small_org.users["rep_rob"] = user
    return user


def goal(
    small_org: SmallOrg, metric: Metric, who: str, target: int, span: tuple[dt.date, dt.date]
) -> Goal:
    return Goal.objects.create(
        owner_person=small_org.people[who], metric=metric, target=target, status="published",
        period_start=span[0], period_end=span[1],
    )  # fmt: skip


@pytest.fixture
def annual_goals(small_org: SmallOrg, revenue: Metric) -> dict[str, Goal]:
    """FY2027 revenue goals of 100,000.00 EUR for Ria, Rob and Sue."""
    return {who: goal(small_org, revenue, who, 100_000_00, FY2027) for who in ("ria", "rob", "sue")}


@pytest.fixture
def sell(small_org: SmallOrg, revenue: Metric) -> Sell:
    """Post one sale (or credit note, negative) credited wholly to a rep, as ops_olga."""

    def post(
        external_id: str, who: str, amount: int, day: dt.date = dt.date(2027, 3, 10)
    ) -> IngestResult:
        row = make_row(external_id, day, amount, {small_org.people[who].pk: "100"})
        return ingest_transactions([row], acting_user=small_org.users["ops_olga"], source="crm")

    return post
