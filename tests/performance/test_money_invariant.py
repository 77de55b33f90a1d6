"""Property: whatever mix of file imports, API batches, corrections, rate corrections,
reorganisations and rebuilds arrives, the company's total on the revenue metric for any
fiscal period equals the sum of the credited sales converted to the company currency —
including shares of people placed nowhere on the sale's date — and every stored sale is
converted at the rate in force on its date.

On PostgreSQL file imports stream through the set-based path and API batches through the
row-by-row one, so both write paths are exercised against the same invariant; on SQLite
everything is row by row.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotaflow.core.errors import InvalidInput
from quotaflow.core.models import Company
from quotaflow.core.money import to_major
from quotaflow.imports.actions import import_file
from quotaflow.metrics.models import Metric
from quotaflow.org.actions import end_assignment, move_unit, transfer_person
from quotaflow.org.models import Assignment, AssignmentRole, Person, Unit, UnitKind
from quotaflow.performance.actions import rebuild_aggregates, store_exchange_rates
from quotaflow.performance.models import Credit, DailyAggregate, DistinctKeyDay, MonthlyAggregate
from quotaflow.performance.queries import actuals
from quotaflow.sales.actions import RateRow
from quotaflow.sales.models import ExchangeRate, Transaction
from quotaflow.sales.queries import rate_book
from tests.conftest import START, SmallOrg

YEAR = 2025
REPS = ("ria", "rob", "sue", "nina")  # Nina is never placed anywhere
CURRENCIES = ("EUR", "USD", "JPY", "KWD")
# Monthly rates into EUR for the whole year, before any correction.
BASE_RATES = {"USD": Decimal("0.9215"), "JPY": Decimal("0.0061"), "KWD": Decimal("2.98")}

sale = st.fixed_dictionaries(
    {
        "id": st.integers(min_value=0, max_value=9),
        "day": st.integers(min_value=0, max_value=364),
        "amount": st.integers(min_value=-200_000, max_value=5_000_000),
        "currency": st.sampled_from(CURRENCIES),
        "reps": st.lists(st.sampled_from(REPS), min_size=1, max_size=3, unique=True),
        "cancelled": st.booleans(),
    }
)
batch = st.lists(sale, min_size=1, max_size=5)
operation = st.one_of(
    st.tuples(st.just("api"), batch),
    st.tuples(st.just("import"), batch),
    st.tuples(
        st.just("rate"),
        st.sampled_from(sorted(BASE_RATES)),
        st.integers(min_value=1, max_value=12),
        st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("5"), places=4),
    ),
    st.tuples(
        st.just("transfer"),
        st.sampled_from(("ria", "rob", "sue")),
        st.integers(min_value=1, max_value=360),
    ),
    st.tuples(
        st.just("unplace"),
        st.sampled_from(("ria", "rob", "sue")),
        st.integers(min_value=0, max_value=360),
    ),
    st.tuples(st.just("move"), st.booleans()),
    st.tuples(st.just("rebuild")),
)


def _reset(small_org: SmallOrg) -> None:
    """The small organisation as the fixture made it, no sales, base rates, one metric."""
    for model in (Credit, DailyAggregate, MonthlyAggregate, DistinctKeyDay, Transaction):
        model.objects.all().delete()
    ExchangeRate.objects.all().delete()
    Metric.objects.all().delete()
    team = Unit.objects.get(pk=small_org.north_team.pk)
    if team.parent_id != small_org.north.pk:
        move_unit(team, new_parent=small_org.north, acting_user=small_org.users["ops_olga"])
    Unit.objects.filter(kind=UnitKind.UNPLACED).delete()
    Assignment.objects.filter(person__external_id__in=["E004", "E005", "E006"]).delete()
    for key, unit in (
        ("ria", small_org.north_team),
        ("rob", small_org.north_team),
        ("sue", small_org.south_team),
    ):
        Assignment.objects.create(
            person=small_org.people[key], unit=unit, role=AssignmentRole.MEMBER, valid_from=START
        )
    Person.objects.get_or_create(external_id="E099", defaults={"full_name": "Nina Nowhere"})
    Metric.objects.create(code="revenue", name="Revenue")
    ExchangeRate.objects.bulk_create(
        ExchangeRate(currency=currency, valid_from=dt.date(YEAR, month, 1), rate=rate)
        for currency, rate in BASE_RATES.items()
        for month in range(1, 13)
    )


def _person_code(small_org: SmallOrg, key: str) -> str:
    return "E099" if key == "nina" else small_org.people[key].external_id


def _split(count: int) -> list[str]:
    base = [f"{100 / count:.4f}"] * (count - 1)
    return [*base, f"{Decimal(100) - sum((Decimal(value) for value in base), Decimal(0))}"]


def _latest(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list({item["id"]: item for item in items}.values())  # one row per id per batch


def _post_batch(small_org: SmallOrg, items: list[dict[str, Any]]) -> None:
    client = Client()
    client.force_login(small_org.users["ops_olga"])
    body = {
        "source": "crm",
        "transactions": [
            {
                "external_id": f"T{item['id']}",
                "date": (dt.date(YEAR, 1, 1) + dt.timedelta(days=item["day"])).isoformat(),
                "amount": str(to_major(item["amount"], item["currency"])),
                "currency": item["currency"],
                "credits": [
                    {"person": _person_code(small_org, key), "percent": percent}
                    for key, percent in zip(item["reps"], _split(len(item["reps"])), strict=True)
                ],
                "is_cancelled": item["cancelled"],
            }
            for item in _latest(items)
        ],
    }
    response = client.post(
        "/api/v1/ingest/transactions", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200, response.content


def _import_batch(small_org: SmallOrg, items: list[dict[str, Any]]) -> None:
    lines = ["external_id,date,amount,currency,credited_to,cancelled,source"]
    for item in _latest(items):
        split = ";".join(
            f"{_person_code(small_org, key)}:{percent}"
            for key, percent in zip(item["reps"], _split(len(item["reps"])), strict=True)
        )
        day = dt.date(YEAR, 1, 1) + dt.timedelta(days=item["day"])
        amount = to_major(item["amount"], item["currency"])
        lines.append(
            f"F{item['id']},{day.isoformat()},{amount},{item['currency']},{split},"
            f"{str(item['cancelled']).lower()},crm"
        )
    run = import_file(
        "transactions",
        io.BytesIO(("\n".join(lines) + "\n").encode()),
        file_name="sales.csv",
        acting_user=small_org.users["ops_olga"],
        skip_bad_rows=False,
        via="api",
    )
    assert run.status == "succeeded", run.errors


def _apply(small_org: SmallOrg, op: tuple[Any, ...]) -> None:
    try:
        _write(small_org, op)
    except InvalidInput:
        # The organisation refused the change (e.g. a transfer before a later one); it
        # wrote nothing, and the totals must still hold.
        assert op[0] in {"transfer", "unplace", "move"}, op


def _write(small_org: SmallOrg, op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "api":
        _post_batch(small_org, op[1])
    elif kind == "import":
        _import_batch(small_org, op[1])
    elif kind == "rate":
        _, currency, month, rate = op
        store_exchange_rates([RateRow(currency, dt.date(YEAR, month, 1), rate)], acting_user=None)
    elif kind == "transfer":
        _, key, day = op
        person = small_org.people[key]
        on = dt.date(YEAR, 1, 1) + dt.timedelta(days=day)
        current = Assignment.objects.filter(
            person=person, role=AssignmentRole.MEMBER, valid_from__lt=on
        ).exclude(valid_to__lt=on)
        home = current.values_list("unit_id", flat=True).first()
        if home is not None:
            target = (
                small_org.south_team if home == small_org.north_team.pk else small_org.north_team
            )
            transfer_person(person, to_unit=target, on=on, acting_user=small_org.users["ops_olga"])
    elif kind == "unplace":
        _, key, day = op
        last = dt.date(YEAR, 1, 1) + dt.timedelta(days=day)
        for assignment in Assignment.objects.filter(
            person=small_org.people[key], valid_from__lte=last
        ).exclude(valid_to__lt=last):
            end_assignment(assignment, valid_to=last, acting_user=small_org.users["ops_olga"])
    elif kind == "move":
        team = Unit.objects.get(pk=small_org.north_team.pk)
        move_unit(
            team,
            new_parent=small_org.south if op[1] else small_org.north,
            acting_user=small_org.users["ops_olga"],
        )
    else:
        rebuild_aggregates()


def _periods() -> list[tuple[dt.date, dt.date]]:
    calendar = Company.current().fiscal_calendar
    year = calendar.year(YEAR)
    quarters = [
        calendar.period_containing(dt.date(YEAR, month, 1), "quarter") for month in (1, 4, 7, 10)
    ]
    return [(period.start, period.end) for period in (year, *quarters)]


def _assert_totals_whole(small_org: SmallOrg) -> None:
    revenue = Metric.objects.get(code="revenue")
    book = rate_book()
    for pk, amount, currency, day, converted, cancelled in Transaction.objects.values_list(
        "pk", "amount_minor", "currency", "date", "company_amount_minor", "is_cancelled"
    ):
        if not cancelled or converted is not None:
            assert converted == book.convert(amount, currency, day).company_amount_minor, pk
    unplaced = Unit.objects.filter(kind=UnitKind.UNPLACED).first()
    top = [
        ("unit", small_org.company.pk),
        ("unit", small_org.north.pk),
        ("unit", small_org.south.pk),
    ]
    if unplaced is not None:
        top.append(("unit", unplaced.pk))
    for start, end in _periods():
        booked = (
            Transaction.objects.filter(date__range=(start, end), is_cancelled=False).aggregate(
                total=Sum("company_amount_minor")
            )["total"]
            or 0
        )
        found = actuals(revenue, top, start, end)
        company = found.pop(("unit", small_org.company.pk))
        assert company == booked, (start, end)
        # Every credited amount reaches the top through exactly one child of the company.
        assert sum(found.values()) == company, (start, end)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=st.lists(operation, min_size=1, max_size=6))
def test_company_total_is_the_sum_of_converted_credited_sales(
    small_org: SmallOrg, operations: list[tuple[Any, ...]]
) -> None:
    _reset(small_org)
    for op in operations:
        _apply(small_org, op)
        _assert_totals_whole(small_org)
