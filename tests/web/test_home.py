"""The home page each role lands on, with real content from the small organisation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quotaflow.imports.models import ImportKind, ImportRun, ImportStatus
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Assignment, AssignmentRole, Person, Unit, UnitKind
from quotaflow.sales.models import Transaction
from tests.conftest import START, SmallOrg


def _add_team(parent: Unit, code: str, members: int) -> Unit:
    """Another team under ``parent`` with ``members`` new people (for query-count checks)."""
    team = Unit.objects.create(code=code, name=f"Team {code}", kind=UnitKind.TEAM, parent=parent)
    team.path = f"{parent.path}{team.pk}/"
    team.depth = parent.depth + 1
    team.save(update_fields=["path", "depth"])
    for index in range(members):
        person = Person.objects.create(
            external_id=f"{code}-{index}", full_name=f"{code} Person {index}"
        )
        Assignment.objects.create(person=person, unit=team, valid_from=START)
    return team


def _queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_planner_home_shows_organisation_figures_and_latest_imports(
    small_org: SmallOrg, client_for: Callable[[str | None], Client]
) -> None:
    Metric.objects.create(code="revenue", name="Revenue")
    Transaction.objects.create(
        external_id="T1", date=dt.date(2024, 3, 5), amount_minor=1000, currency="EUR"
    )
    Transaction.objects.create(
        external_id="T2", date=dt.date(2025, 8, 9), amount_minor=2000, currency="EUR"
    )
    ImportRun.objects.create(
        kind=ImportKind.ORG,
        file_name="org-2025.csv",
        status=ImportStatus.SUCCEEDED,
        total_rows=6,
        created=6,
        started_by=small_org.users["ops_olga"],
    )

    page = client_for("ops_olga").get("/").content.decode()

    assert "Organisation overview" in page
    assert '<span class="label">Units</span><span class="value">5</span>' in page
    assert '<span class="label">People placed today</span><span class="value">6</span>' in page
    assert "3 managers" in page
    assert '<span class="label">Transactions</span><span class="value">2</span>' in page
    assert "5 Mar 2024 – 9 Aug 2025" in page
    assert "org-2025.csv" in page
    assert 'href="/imports/"' in page


def test_planner_home_with_no_imports_explains_what_to_do(
    client_for: Callable[[str | None], Client],
) -> None:
    page = client_for("admin_ada").get("/").content.decode()

    assert "No imports yet." in page
    assert "none imported yet" in page


def test_finance_home_shows_net_bookings_this_fiscal_year(
    client_for: Callable[[str | None], Client],
) -> None:
    today = timezone.localdate()
    Transaction.objects.create(external_id="A", date=today, amount_minor=123456, currency="EUR")
    Transaction.objects.create(external_id="B", date=today, amount_minor=-2000, currency="EUR")
    Transaction.objects.create(
        external_id="C", date=today, amount_minor=999999, currency="EUR", is_cancelled=True
    )

    page = client_for("finance_fay").get("/").content.decode()

    assert "Company overview" in page
    assert f"Booked in FY{today.year}" in page
    assert '<strong class="value" data-booked-total>1,214.56 EUR</strong>' in page
    assert '<td>EUR</td><td class="num">1,214.56 EUR</td><td class="num">1,214.56 EUR</td>' in page


def test_finance_home_totals_are_in_the_company_currency_with_the_booking_currencies_as_detail(
    client_for: Callable[[str | None], Client],
) -> None:
    """Before: JPY 5,000 and KWD 4,713.310 stood beside the euros, unconverted, and a reader
    adding the column got nonsense. Now each sale counts at the converted amount it keeps
    (as its credits do), and a sale without a rate is named, not summed."""
    today = timezone.localdate()
    Transaction.objects.create(external_id="A", date=today, amount_minor=123456, currency="EUR")
    Transaction.objects.create(external_id="Y", date=today, amount_minor=5000, currency="JPY",
                               company_amount_minor=3050, exchange_rate=Decimal("0.0061"),
                               rate_date=today)  # fmt: skip
    Transaction.objects.create(external_id="K", date=today, amount_minor=4713310, currency="KWD",
                               company_amount_minor=1404566, exchange_rate=Decimal("2.98"),
                               rate_date=today)  # fmt: skip
    Transaction.objects.create(external_id="N", date=today, amount_minor=700, currency="USD")

    page = client_for("finance_fay").get("/").content.decode()

    # 1,234.56 + 30.50 + 14,045.66 EUR; the dollar sale has no rate yet
    assert '<strong class="value" data-booked-total>15,310.72 EUR</strong>' in page
    assert "from 4 transactions" in page
    assert '<td>JPY</td><td class="num">5,000 JPY</td><td class="num">30.50 EUR</td>' in page
    assert (
        '<td>KWD</td><td class="num">4,713.310 KWD</td><td class="num">14,045.66 EUR</td>' in page
    )
    assert '<td>USD</td><td class="num">7.00 USD</td><td class="num">0.00 EUR' in page
    assert "1 sale in another currency has no exchange rate for its date yet" in page


def test_manager_home_lists_units_with_headcount_and_direct_reports(
    client_for: Callable[[str | None], Client],
) -> None:
    page = client_for("manager_max").get("/").content.decode()

    assert "Units you manage" in page
    assert 'href="/org/units/NORTH/">North</a>' in page
    assert '<td class="num">3</td>' in page  # Max, Ria and Rob
    assert '<td class="level-1"><a href="/org/units/NORTH-A/">North Team A</a>' in page
    assert '<td class="num">2</td>' in page  # Ria and Rob
    assert "Ria Rep" in page and "Rob Rep" in page
    assert "Sue Seller" not in page
    assert "South" not in page


def test_ceo_direct_reports_are_the_region_managers(
    client_for: Callable[[str | None], Client],
) -> None:
    page = client_for("ceo_cora").get("/").content.decode()

    reports = page.split("Your direct reports")[1]
    assert "Max Manager" in reports and "Sam Southern" in reports
    assert "Ria Rep" not in reports


def test_rep_home_shows_own_unit_manager_and_history(
    small_org: SmallOrg, client_for: Callable[[str | None], Client]
) -> None:
    page = client_for("rep_ria").get("/").content.decode()

    assert "Ria Rep" in page
    assert "North Team A" in page
    assert "Max Manager" in page  # North Team A has no manager: the line goes up to North
    assert "1 Jan 2025" in page
    assert "Rob Rep" not in page  # colleagues are not listed
    assert 'href="/org/units/' not in page  # reps cannot open unit pages


def test_user_without_a_person_gets_a_helpful_empty_state(
    client_for: Callable[[str | None], Client],
) -> None:
    page = client_for("outsider_otto").get("/").content.decode()

    assert "not linked to a person in the organisation" in page


def test_home_pages_run_a_constant_number_of_queries(
    small_org: SmallOrg, client_for: Callable[[str | None], Client]
) -> None:
    users = ["ops_olga", "finance_fay", "manager_max", "ceo_cora", "rep_ria"]
    clients = {username: client_for(username) for username in users}
    before = {username: _queries_for(clients[username], "/") for username in users}

    _add_team(small_org.north, "NORTH-B", members=25)
    _add_team(small_org.north, "NORTH-C", members=25)
    after = {username: _queries_for(clients[username], "/") for username in users}

    assert after == before


def test_transfer_changes_the_managers_direct_reports(
    small_org: SmallOrg, client_for: Callable[[str | None], Client]
) -> None:
    rob_north = Assignment.objects.get(person=small_org.people["rob"])
    rob_north.valid_to = timezone.localdate() - dt.timedelta(days=1)
    rob_north.save()
    Assignment.objects.create(
        person=small_org.people["rob"],
        unit=small_org.south_team,
        role=AssignmentRole.MEMBER,
        valid_from=timezone.localdate(),
    )

    assert "Rob Rep" not in client_for("manager_max").get("/").content.decode()
    assert "Rob Rep" in client_for("manager_sam").get("/").content.decode()
