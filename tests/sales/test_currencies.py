"""Sales in other currencies: kept as booked, converted at ingest at the rate in force on
the sale's date, credited at the converted amount, explained with the rate, refused when
no rate is in force, and converted and re-credited again when a rate is corrected.

The company books in EUR. Rates (EUR per unit):

    USD  0.9215 from 2026-03-01, 0.9302 from 2026-03-16
    JPY  0.0061 from 2026-03-01
    KWD  2.98   from 2026-03-01
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.test import Client

from quotaflow.core.errors import InvalidInput
from quotaflow.imports.actions import import_file
from quotaflow.metrics.models import Metric
from quotaflow.performance.actions import ingest_transactions, store_exchange_rates
from quotaflow.performance.queries import actuals, credits_of
from quotaflow.sales.actions import CreditShare, RateRow, TransactionRow
from quotaflow.sales.models import ExchangeRate, Transaction
from tests.conftest import SmallOrg

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
RATES = [
    RateRow("USD", dt.date(2026, 3, 1), Decimal("0.9215")),
    RateRow("USD", dt.date(2026, 3, 16), Decimal("0.9302")),
    RateRow("JPY", dt.date(2026, 3, 1), Decimal("0.0061")),
    RateRow("KWD", dt.date(2026, 3, 1), Decimal("2.98")),
]


@pytest.fixture
def revenue(small_org: SmallOrg) -> Metric:
    store_exchange_rates(RATES, acting_user=small_org.users["ops_olga"])
    return Metric.objects.create(code="revenue", name="Revenue")


def _sale(
    small_org: SmallOrg, external_id: str, day: int, amount: int, currency: str
) -> TransactionRow:
    ria = small_org.people["ria"].pk
    return TransactionRow(
        external_id, dt.date(2026, 3, day), amount, currency, (CreditShare(ria, Decimal(100)),)
    )


def _company(small_org: SmallOrg, metric: Metric) -> int:
    key = ("unit", small_org.company.pk)
    return actuals(metric, [key], *MARCH)[key]


def test_foreign_sales_count_at_their_converted_amount(
    small_org: SmallOrg, revenue: Metric
) -> None:
    rows = [
        _sale(small_org, "EUR-1", 10, 100_00, "EUR"),  # 100.00 €, no rate needed
        _sale(small_org, "USD-1", 10, 1_000_00, "USD"),  # 1,000.00 $ × 0.9215 = 921.50 €
        _sale(small_org, "USD-2", 20, 1_000_00, "USD"),  # after the mid-month rate: 930.20 €
        _sale(small_org, "JPY-1", 10, 4_713, "JPY"),  # 4,713 ¥ × 0.0061 = 28.7493 → 28.75 €
        _sale(small_org, "KWD-1", 10, 4_713_310, "KWD"),  # 4,713.310 × 2.98 = 14,045.66 €
    ]
    ingest_transactions(rows, acting_user=small_org.users["ops_olga"], source="crm")

    assert _company(small_org, revenue) == 100_00 + 921_50 + 930_20 + 28_75 + 14_045_66
    stored = {
        row[0]: row[1:]
        for row in Transaction.objects.values_list(
            "external_id", "amount_minor", "currency", "company_amount_minor", "exchange_rate", "rate_date"
        )
    }  # fmt: skip
    assert stored["JPY-1"] == (4_713, "JPY", 28_75, Decimal("0.0061"), dt.date(2026, 3, 1))
    assert stored["USD-2"] == (1_000_00, "USD", 930_20, Decimal("0.9302"), dt.date(2026, 3, 16))
    assert stored["EUR-1"] == (100_00, "EUR", 100_00, None, None)
    # The explanation of each credit names the sale's own amount and the rate used.
    _, lines = credits_of(revenue.pk, small_org.people["ria"], *MARCH, limit=10)
    explained = {line.reference: (line.value, line.conversion) for line in lines}
    assert explained["crm:KWD-1"] == (14_045_66, "4,713.310 KWD at 2.98 (rate from 2026-03-01)")
    assert explained["crm:EUR-1"] == (100_00, "")


def test_a_sale_without_a_rate_in_force_is_refused_and_nothing_is_written(
    small_org: SmallOrg, revenue: Metric
) -> None:
    rows = [
        _sale(small_org, "EUR-1", 10, 100_00, "EUR"),
        TransactionRow(
            "GBP-1",
            dt.date(2026, 3, 10),
            50_00,
            "GBP",
            (CreditShare(small_org.people["ria"].pk, Decimal(100)),),
        ),
        _sale(small_org, "USD-0", 1, 10_00, "USD"),
    ]
    rows[2] = TransactionRow(
        "USD-0", dt.date(2026, 2, 28), 10_00, "USD", rows[2].credits
    )  # the day before USD's first rate
    with pytest.raises(InvalidInput) as refused:
        ingest_transactions(rows, acting_user=small_org.users["ops_olga"], source="crm")

    assert refused.value.message == (
        "No exchange rate into EUR is in force for transaction GBP-1 (GBP on 2026-03-10), "
        "USD-0 (USD on 2026-02-28). Import the rates first (a rate valid from the sale's "
        "date or earlier), then send the transactions again."
    )
    assert not Transaction.objects.exists()


def test_the_api_refuses_a_sale_without_a_rate_in_words(
    small_org: SmallOrg, revenue: Metric
) -> None:
    client = Client()
    client.force_login(small_org.users["ops_olga"])
    body = {
        "transactions": [
            {"external_id": "CHF-1", "date": "2026-03-10", "amount": "10.00", "currency": "CHF",
             "credits": [{"person": "E004"}]}
        ]
    }  # fmt: skip
    response = client.post(
        "/api/v1/ingest/transactions", json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["field"] == "currency"
    assert "CHF-1 (CHF on 2026-03-10)" in response.json()["detail"]


def test_a_corrected_rate_converts_and_recredits_the_sales_it_applies_to(
    small_org: SmallOrg, revenue: Metric
) -> None:
    ingest_transactions(
        [
            _sale(small_org, "USD-1", 10, 1_000_00, "USD"),  # under the 1 March rate
            _sale(small_org, "USD-2", 20, 1_000_00, "USD"),  # under the 16 March rate
        ],
        acting_user=small_org.users["ops_olga"],
        source="crm",
    )
    assert _company(small_org, revenue) == 921_50 + 930_20

    result = store_exchange_rates(
        [RateRow("USD", dt.date(2026, 3, 1), Decimal("0.9"))],
        acting_user=small_org.users["ops_olga"],
    )

    # Only the sale under the corrected rate changes; the later rate still rules USD-2.
    assert (result.created, result.updated, result.reconverted) == (0, 1, 1)
    assert _company(small_org, revenue) == 900_00 + 930_20
    assert Transaction.objects.get(external_id="USD-1").exchange_rate == Decimal("0.9")
    ria = ("person", small_org.people["ria"].pk)
    assert actuals(revenue, [ria], *MARCH)[ria] == 900_00 + 930_20


def test_a_rates_file_is_imported_and_a_bad_rate_is_named(
    small_org: SmallOrg, revenue: Metric
) -> None:
    olga = small_org.users["ops_olga"]
    good = "currency,valid_from,rate\nCHF,2026-03,1.05\nCHF,2026-03-20,1.07\n"
    run = import_file(
        "rates", io.BytesIO(good.encode()), file_name="rates.csv", acting_user=olga,
        skip_bad_rows=False, via="web",
    )  # fmt: skip
    assert (run.status, run.created) == ("succeeded", 2)
    assert ExchangeRate.objects.filter(currency="CHF").count() == 2

    bad = "currency,valid_from,rate\nEUR,2026-03,1\nUSD,2026-04-01,-2\nUSD,2026-13,1\n"
    run = import_file(
        "rates", io.BytesIO(bad.encode()), file_name="bad.csv", acting_user=olga,
        skip_bad_rows=False, via="web",
    )  # fmt: skip
    assert run.status == "rejected"
    reasons = [(error["row"], error["column"], error["reason"]) for error in run.errors]
    assert reasons[0] == (2, "currency", "EUR is the company currency — it needs no rate")
    assert reasons[1] == (3, "rate", "-2 is not a positive number — write e.g. 0.9215")
    assert reasons[2][:2] == (4, "valid_from")


def test_a_transaction_file_row_without_a_rate_is_a_row_error(
    small_org: SmallOrg, revenue: Metric
) -> None:
    text = (
        "external_id,date,amount,currency,credited_to\n"
        "T-1,2026-03-14,10.00,EUR,E004\n"
        "T-2,2026-03-14,10.00,CHF,E004\n"
    )
    run = import_file(
        "transactions", io.BytesIO(text.encode()), file_name="t.csv",
        acting_user=small_org.users["ops_olga"], skip_bad_rows=True, via="web",
    )  # fmt: skip

    assert (run.status, run.created, run.rejected) == ("partial", 1, 1)
    assert run.errors[0]["reason"] == (
        "no CHF exchange rate into EUR is in force on 2026-03-14 — import a rate valid from "
        "that day or earlier first"
    )


def test_the_rates_api_stores_lists_and_refuses_the_company_currency(
    small_org: SmallOrg, revenue: Metric
) -> None:
    client = Client()
    client.force_login(small_org.users["ops_olga"])
    body = {"rates": [{"currency": "sek", "valid_from": "2026-03-01", "rate": "0.087"}]}
    stored = client.post("/api/v1/rates", json.dumps(body), content_type="application/json")
    assert stored.status_code == 200
    assert stored.json() == {"created": 1, "updated": 0, "unchanged": 0, "reconverted": 0}
    listed = client.get("/api/v1/rates?currency=SEK").json()
    assert [(row["currency"], row["valid_from"], Decimal(row["rate"])) for row in listed] == [
        ("SEK", "2026-03-01", Decimal("0.087"))
    ]
    body = {"rates": [{"currency": "EUR", "valid_from": "2026-03-01", "rate": "1"}]}
    refused = client.post("/api/v1/rates", json.dumps(body), content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["detail"] == "Rate 1: EUR is the company currency; it needs no rate."
    rep = Client()
    rep.force_login(small_org.users["rep_ria"])
    assert (
        rep.post("/api/v1/rates", json.dumps(body), content_type="application/json").status_code
        == 403
    )
