"""Sales ops uploads a transactions file with mistakes and reads what to fix, in a real browser."""

from __future__ import annotations

import pytest

from quotaflow.sales.models import Transaction
from tests.imports.conftest import FIXTURES


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_ops_uploads_a_bad_transactions_file_and_sees_row_column_and_reason(
    small_org, live_server, page, login_as
):
    login_as(page, "ops_olga")
    page.goto(f"{live_server.url}/imports/")

    page.select_option("select[name=kind]", "transactions")
    page.set_input_files("input[name=file]", str(FIXTURES / "transactions_bad.csv"))
    page.click("form[enctype='multipart/form-data'] button[type=submit]")

    page.wait_for_selector("#import-errors")
    assert "was not imported: nothing was changed" in page.inner_text(".messages")
    rows = page.locator("#import-errors tbody tr")
    assert rows.count() == 4
    amount_row = rows.nth(1).locator("td")
    assert [amount_row.nth(i).inner_text() for i in range(4)] == [
        "4",
        "amount",
        "12,5O",
        "'12,5O' is not a number — use digits with an optional decimal point, e.g. 1250.00",
    ]
    assert "person 'E099' is not in the organisation" in rows.nth(2).inner_text()
    assert Transaction.objects.count() == 0
