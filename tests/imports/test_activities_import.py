"""Importing activities: the same machinery as transactions, one person per activity."""

from __future__ import annotations

import pytest

from quotaflow.imports.models import ImportStatus
from quotaflow.sales.models import Activity
from tests.imports.conftest import FIXTURES, stored_counts

HEADER = "external_id,date,person_id,activity_type,quantity\n"


def test_good_file_and_the_same_file_again(import_as_olga):
    first = import_as_olga("activities", FIXTURES / "activities_good.csv")
    second = import_as_olga("activities", FIXTURES / "activities_good.csv")

    assert (first.status, first.created) == (ImportStatus.SUCCEEDED, 2)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    meeting = Activity.objects.get(external_id="MEET-12")
    assert (meeting.person.external_id, meeting.activity_type, meeting.quantity) == (
        "E005",
        "meeting",
        2,
    )
    assert Activity.objects.get(external_id="CALL-77").attributes == {"channel": "phone"}


def test_changed_activity_is_updated(import_as_olga, write_file):
    import_as_olga("activities", write_file(HEADER + "A-1,2026-03-14,E004,call,1\n"))
    run = import_as_olga("activities", write_file(HEADER + "A-1,2026-03-14,E005,call,3\n"))

    assert (run.created, run.updated) == (0, 1)
    assert (Activity.objects.get().person.external_id, Activity.objects.get().quantity) == (
        "E005",
        3,
    )


@pytest.mark.parametrize(
    ("bad_row", "column", "reason"),
    [
        pytest.param(
            "A-1,2026-03-14,E099,call,1",
            "person_id",
            "person 'E099' is not in the organisation — check the id, or import the person with an organisation file first",
            id="unknown-person",
        ),
        pytest.param(
            "A-1,2026-03-14,E004,call,1.5",
            "quantity",
            "'1.5' is not a whole number of at least 1 — write e.g. 3",
            id="fractional-quantity",
        ),
        pytest.param(
            "A-1,2026-03-14,E004,call,0",
            "quantity",
            "'0' is not a whole number of at least 1 — write e.g. 3",
            id="zero-quantity",
        ),
        pytest.param(
            "A-1,2026-03-14,E004,,1",
            "activity_type",
            "the activity_type is empty — write what was done, e.g. call or meeting",
            id="no-type",
        ),
        pytest.param(
            "A-1,2026-03-14,,call,1",
            "person_id",
            "the person_id is empty — write the employee id of the person who did it, e.g. E004",
            id="no-person",
        ),
        pytest.param(
            "A-1,14.03.2026,E004,call,1",
            "date",
            "'14.03.2026' is not a date in the form YYYY-MM-DD — write e.g. 2026-03-14",
            id="bad-date",
        ),
    ],
)
def test_bad_activity_rows_reject_the_file(import_as_olga, write_file, bad_row, column, reason):
    before = stored_counts()
    run = import_as_olga(
        "activities", write_file(HEADER + "A-0,2026-03-14,E004,call,1\n" + bad_row + "\n")
    )

    assert run.status == ImportStatus.REJECTED
    assert [(error["row"], error["column"], error["reason"]) for error in run.errors] == [
        (3, column, reason)
    ]
    assert stored_counts() == before
