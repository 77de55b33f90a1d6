"""Split credit in numbered columns (credited_to_1 with credit_share_1, …) beside the packed
credited_to cell: the same exact shares, the same all-or-nothing refusal naming every bad
row, and a row that uses both forms is refused.

People in the small org: E004 Ria Rep, E005 Rob Rep, E006 Sue Seller (see tests/conftest.py).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from quotaflow.core.errors import InvalidInput
from quotaflow.imports.actions import import_file
from quotaflow.imports.models import ImportStatus
from quotaflow.sales.models import Transaction, TransactionCredit
from tests.imports.conftest import errors_by_cell, stored_counts

NUMBERED = (
    "external_id,date,amount,currency,credited_to_1,credit_share_1,credited_to_2,credit_share_2,"
    "credited_to_3,credit_share_3\n"
)
BOTH = (
    "external_id,date,amount,currency,credited_to,credited_to_1,credit_share_1,credited_to_2,"
    "credit_share_2\n"
)


def _shares(external_id: str) -> dict[str, Decimal]:
    return dict(
        TransactionCredit.objects.filter(transaction__external_id=external_id).values_list(
            "person__external_id", "percent"
        )
    )


def test_numbered_columns_credit_each_person_their_exact_share(import_as_olga, write_file):
    text = NUMBERED + (
        "S-1,2026-03-01,980.50,EUR,E004,60,E005,40,,\n"
        "S-2,2026-03-02,100.00,EUR,E004,33.3333,E005,33.3333,E006,33.3334\n"
        "S-3,2026-03-03,50.00,EUR,E006,,,,,\n"  # one person, no share: the whole sale
        "S-4,2026-03-04,50.00,EUR,,,E005,100%,,\n"  # numbers may skip; "%" is allowed
    )
    run = import_as_olga("transactions", write_file(text))

    assert (run.status, run.created, run.rejected) == (ImportStatus.SUCCEEDED, 4, 0), run.errors
    assert run.warnings == []  # the split columns are no free attributes
    assert _shares("S-1") == {"E004": Decimal(60), "E005": Decimal(40)}
    assert _shares("S-2") == {
        "E004": Decimal("33.3333"), "E005": Decimal("33.3333"), "E006": Decimal("33.3334"),
    }  # fmt: skip
    assert _shares("S-3") == {"E006": Decimal(100)}
    assert _shares("S-4") == {"E005": Decimal(100)}
    assert Transaction.objects.get(external_id="S-1").attributes == {}


def test_both_forms_may_share_a_file_one_per_row(import_as_olga, write_file):
    text = BOTH + (
        "S-1,2026-03-01,100.00,EUR,E004:60;E005:40,,,,\n"
        "S-2,2026-03-02,100.00,EUR,,E004,70,E005,30\n"
    )
    run = import_as_olga("transactions", write_file(text))

    assert (run.status, run.created) == (ImportStatus.SUCCEEDED, 2), run.errors
    assert _shares("S-1") == {"E004": Decimal(60), "E005": Decimal(40)}
    assert _shares("S-2") == {"E004": Decimal(70), "E005": Decimal(30)}


def test_numbered_and_packed_splits_store_the_same_credits(import_as_olga, write_file):
    packed = (
        "external_id,date,amount,currency,credited_to\nS-1,2026-03-01,10.01,EUR,E004:50;E005:50\n"
    )
    import_as_olga("transactions", write_file(packed))
    first = _shares("S-1"), list(TransactionCredit.objects.values_list("person_id", "percent"))
    Transaction.objects.all().delete()

    import_as_olga(
        "transactions", write_file(NUMBERED + "S-1,2026-03-01,10.01,EUR,E004,50,E005,50,,\n")
    )
    assert (
        _shares("S-1"),
        list(TransactionCredit.objects.values_list("person_id", "percent")),
    ) == first


def test_every_bad_split_row_is_named_and_nothing_is_written(import_as_olga, write_file):
    before = stored_counts()
    text = NUMBERED + (
        "S-2,2026-03-01,1.00,EUR,E004,60,E005,30,,\n"  # 2: 90%
        "S-3,2026-03-01,1.00,EUR,E004,60,E005,,,\n"  # 3: a person without a share
        "S-4,2026-03-01,1.00,EUR,E004,60,,40,,\n"  # 4: a share without a person
        "S-5,2026-03-01,1.00,EUR,E004,50,E005,25,E004,25\n"  # 5: the same person twice
        "S-6,2026-03-01,1.00,EUR,E004,60,E999,40,,\n"  # 6: an unknown person
        "S-7,2026-03-01,1.00,EUR,E004,sixty,E005,40,,\n"  # 7: not a percentage
        "S-8,2026-03-01,1.00,EUR,E004,100.00001,,,,\n"  # 8: too many decimals
        "S-9,2026-03-01,1.00,EUR,,,,,,\n"  # 9: no one credited
        "S-10,2026-03-01,1.00,EUR,E004,101,E005,-1,,\n"  # 10: a share below zero
        "S-11,2026-03-01,1.00,EUR,E004,100,,,,\n"  # 11: fine, but not written either
    )
    run = import_as_olga("transactions", write_file(text))

    assert (run.status, run.rejected, run.created) == (ImportStatus.REJECTED, 9, 0)
    assert errors_by_cell(run) == {
        (
            2,
            "credit_share_1",
        ): "the shares in credit_share_1, credit_share_2 add up to 90%, not 100%",
        (3, "credit_share_2"): "credited_to_2 names E005 but credit_share_2 is empty — give each "
        "person's percentage, e.g. 60",
        (4, "credit_share_2"): "credit_share_2 is 40 but credited_to_2 is empty — name the person",
        (5, "credited_to_3"): "E004 is credited in credited_to_1 and credited_to_3 — give each "
        "person one share",
        (6, "credited_to_2"): "person 'E999' is not in the organisation — check the id, or import "
        "the person with an organisation file first",
        (7, "credit_share_1"): "'sixty' is not a percentage — write e.g. 60",
        (8, "credit_share_1"): "'100.00001' must be above 0 with at most 4 decimals",
        (9, "credited_to_1"): "no one is credited — write a person id in credited_to_1, e.g. E001",
        (10, "credit_share_2"): "'-1' must be above 0 with at most 4 decimals",
    }
    assert stored_counts() == before


def test_a_row_using_both_forms_is_refused(import_as_olga, write_file):
    before = stored_counts()
    text = BOTH + "S-1,2026-03-01,100.00,EUR,E004,E004,60,E005,40\n"
    run = import_as_olga("transactions", write_file(text))

    assert run.status == ImportStatus.REJECTED
    assert errors_by_cell(run) == {
        (2, "credited_to"): "the row fills in both credited_to and credited_to_1, "
        "credit_share_1, credited_to_2, credit_share_2 — write the split in one form only: "
        "credited_to (E001:60;E002:40) or the numbered columns"
    }
    assert stored_counts() == before


def test_packed_form_keeps_its_rules_beside_numbered_columns(import_as_olga, write_file):
    text = BOTH + "S-1,2026-03-01,100.00,EUR,E004:60;E005:30,,,,\nS-2,2026-03-01,1.00,EUR,,,,,\n"
    run = import_as_olga("transactions", write_file(text))

    assert errors_by_cell(run) == {
        (2, "credited_to"): "the shares in 'E004:60;E005:30' add up to 90%, not 100%",
        (3, "credited_to"): "no one is credited — write a person id such as E001, or a split "
        "such as E001:60;E002:40",
    }


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (
            "external_id,date,amount,currency,credited_to_1,credit_share_1,credit_share_2\n",
            "The header has credit_share_2 but no credited_to_2: each share column needs the "
            "person column of the same number.",
        ),
        (
            "external_id,date,amount,currency,credited_to_1,credited_to_21\n",
            "The header has split columns numbered up to 21; at most 20 people share a sale "
            "(credited_to_1 … credited_to_20).",
        ),
        (
            "external_id,date,amount,currency,credited_to_2,credit_share_2\n",
            "The file is missing required column: credited_to. Columns found: external_id, "
            "date, amount, currency, credited_to_2, credit_share_2. Every transactions file "
            "needs: external_id, date, amount, currency, credited_to.",
        ),
    ],
)
def test_a_header_with_unusable_split_columns_is_refused(
    import_as_olga, write_file, header, problem
):
    run = import_as_olga("transactions", write_file(header + "S-1,2026-03-01,1.00,EUR,E004,100\n"))

    assert run.status == ImportStatus.REJECTED
    assert run.errors[0]["reason"] == problem
    assert not Transaction.objects.exists()


def test_a_transactions_dry_run_is_still_refused(small_org, write_file):
    with pytest.raises(InvalidInput, match="A dry run is for organisation files"):
        import_file(
            "transactions", write_file(NUMBERED), file_name="t.csv",
            acting_user=small_org.users["ops_olga"], skip_bad_rows=False, via="cli", dry_run=True,
        )  # fmt: skip
