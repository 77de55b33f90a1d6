"""Every credited amount reaches the top: a share credited to someone with no placement
on the sale's date rolls up through the company's Unplaced unit, is reported at ingest
(action, API, import) and on ops' home, and leaves Unplaced once the person is placed.
Under the "refuse" setting such a sale is refused instead.

Nina Nowhere (E099) is in the organisation but placed in no unit.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.test import Client

from quotaflow.core.errors import InvalidInput
from quotaflow.imports.actions import import_file
from quotaflow.metrics.models import Metric
from quotaflow.org.actions import assign_person
from quotaflow.org.models import AssignmentRole, Person, Unit, UnitKind
from quotaflow.performance.actions import ingest_transactions
from quotaflow.performance.models import PerformanceSettings, UnplacedCredit
from quotaflow.performance.queries import actuals
from quotaflow.plans.actions import create_cycle
from quotaflow.sales.models import Transaction
from tests.conftest import SmallOrg
from tests.performance.conftest import make_row

YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


@pytest.fixture
def nina(small_org: SmallOrg) -> Person:
    return Person.objects.create(external_id="E099", full_name="Nina Nowhere")


def _split_deal(small_org: SmallOrg, nina: Person, external_id: str = "DEAL-1") -> object:
    # 1,000.00 €: 60 % Ria (North Team A), 40 % Nina (placed nowhere).
    return make_row(
        external_id,
        dt.date(2026, 3, 14),
        1_000_00,
        {small_org.people["ria"].pk: "60", nina.pk: "40"},
    )


def _totals(small_org: SmallOrg, metric: Metric, *units: Unit) -> list[int]:
    keys = [("unit", unit.pk) for unit in units]
    found = actuals(metric, keys, *YEAR)
    return [found[key] for key in keys]


def test_an_unplaced_share_counts_for_the_company_under_unplaced(
    small_org: SmallOrg, revenue: Metric, nina: Person
) -> None:
    result = ingest_transactions(
        [_split_deal(small_org, nina)], acting_user=small_org.users["ops_olga"], source="crm"
    )

    unplaced = Unit.objects.get(kind=UnitKind.UNPLACED)
    assert (unplaced.code, unplaced.name, unplaced.parent_id) == (
        "UNPLACED",
        "Unplaced",
        small_org.company.pk,
    )
    assert (result.unplaced_credits, result.unplaced_amount_minor) == (1, 400_00)
    # company = North (Ria's 600 €) + South (nothing) + Unplaced (Nina's 400 €)
    assert _totals(small_org, revenue, small_org.company, small_org.north, small_org.south, unplaced) == [
        1_000_00, 600_00, 0, 400_00,
    ]  # fmt: skip
    nina_key = ("person", nina.pk)
    assert actuals(revenue, [nina_key], *YEAR)[nina_key] == 400_00


def test_placing_the_person_moves_the_share_out_of_unplaced(
    small_org: SmallOrg, revenue: Metric, nina: Person
) -> None:
    ingest_transactions(
        [_split_deal(small_org, nina)], acting_user=small_org.users["ops_olga"], source="crm"
    )

    assign_person(
        nina, small_org.south_team, role=AssignmentRole.MEMBER, valid_from=dt.date(2026, 1, 1),
        acting_user=small_org.users["ops_olga"],
    )  # fmt: skip

    unplaced = Unit.objects.get(kind=UnitKind.UNPLACED)
    assert _totals(small_org, revenue, small_org.company, small_org.south, unplaced) == [
        1_000_00,
        400_00,
        0,
    ]


def test_the_api_and_an_import_report_unplaced_shares(
    small_org: SmallOrg, revenue: Metric, nina: Person
) -> None:
    client = Client()
    client.force_login(small_org.users["ops_olga"])
    body = {
        "transactions": [
            {"external_id": "API-1", "date": "2026-03-14", "amount": "1000.00", "currency": "EUR",
             "credits": [{"person": "E004", "percent": "60"}, {"person": "E099", "percent": "40"}]}
        ]
    }  # fmt: skip
    response = client.post(
        "/api/v1/ingest/transactions", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["unplaced_credits"] == 1
    assert response.json()["unplaced_amount_minor"] == 400_00

    summary = client.get("/api/v1/tracking/unplaced").json()
    assert summary == {
        "unit": "UNPLACED",
        "people": 1,
        "metrics": [{"metric": "revenue", "name": "Revenue", "value": 400_00, "count": 1}],
        "unconverted": {},
    }

    text = "external_id,date,amount,currency,credited_to\nF-1,2026-04-01,10.00,EUR,E099\n"
    run = import_file(
        "transactions", io.BytesIO(text.encode()), file_name="t.csv",
        acting_user=small_org.users["ops_olga"], skip_bad_rows=False, via="web",
    )  # fmt: skip
    assert run.status == "succeeded"
    assert (run.unplaced_credits, run.unplaced_amount_minor) == (1, 10_00)
    page = client.get(f"/imports/{run.pk}/").content.decode()
    assert "1 credited share (10.00 EUR) went to people with no placement" in page
    assert client.get(f"/api/v1/imports/{run.pk}").json()["unplaced_credits"] == 1
    rep = Client()
    rep.force_login(small_org.users["rep_ria"])
    assert rep.get("/api/v1/tracking/unplaced").status_code == 403


def test_ops_home_shows_what_is_left_to_place_with_a_link(
    small_org: SmallOrg, revenue: Metric, nina: Person
) -> None:
    client = Client()
    client.force_login(small_org.users["ops_olga"])
    assert "Sales to place" not in client.get("/").content.decode()

    ingest_transactions(
        [_split_deal(small_org, nina)], acting_user=small_org.users["ops_olga"], source="crm"
    )

    page = client.get("/").content.decode()
    assert "Sales to place" in page
    assert '<a href="/performance/units/UNPLACED/">Unplaced</a>' in page
    assert '<td>Revenue</td><td class="num">400.00 EUR</td><td class="num">1</td>' in page


def test_under_the_refuse_setting_an_unplaced_share_writes_nothing(
    small_org: SmallOrg, revenue: Metric, nina: Person
) -> None:
    PerformanceSettings.objects.create(unplaced_credit=UnplacedCredit.REFUSE)

    with pytest.raises(InvalidInput) as refused:
        ingest_transactions(
            [_split_deal(small_org, nina)], acting_user=small_org.users["ops_olga"], source="crm"
        )

    assert refused.value.message == (
        "1 credited share names people with no placement on the sale's date: DEAL-1 (person "
        "E099 on 2026-03-14). Place them in the organisation for those dates first; nothing "
        "was written."
    )
    assert not Transaction.objects.exists()
    text = "external_id,date,amount,currency,credited_to\nF-1,2026-04-01,10.00,EUR,E099\n"
    run = import_file(
        "transactions", io.BytesIO(text.encode()), file_name="t.csv",
        acting_user=small_org.users["ops_olga"], skip_bad_rows=False, via="web",
    )  # fmt: skip
    assert run.status == "rejected"
    assert "F-1 (person E099 on 2026-04-01)" in run.errors[0]["reason"]
    assert not Transaction.objects.exists()


def test_the_unplaced_unit_takes_no_part_in_plans(
    small_org: SmallOrg, revenue: Metric, nina: Person
) -> None:
    ingest_transactions(
        [_split_deal(small_org, nina)], acting_user=small_org.users["ops_olga"], source="crm"
    )

    cycle = create_cycle(
        acting_user=small_org.users["ops_olga"], name="FY2027", metric=revenue,
        period_start=dt.date(2027, 1, 1), period_end=dt.date(2027, 12, 31),
    )  # fmt: skip

    owners = set(cycle.goals.values_list("owner_unit__kind", flat=True))
    assert UnitKind.UNPLACED not in owners and UnitKind.COMPANY in owners


def test_an_organisation_cannot_make_another_unplaced_unit(small_org: SmallOrg) -> None:
    from quotaflow.org.actions import create_unit

    with pytest.raises(InvalidInput, match="Unknown unit kind 'unplaced'"):
        create_unit(
            code="X",
            name="X",
            kind="unplaced",
            parent=small_org.company,
            acting_user=small_org.users["ops_olga"],
        )
    assert not Unit.objects.filter(code="X").exists()
