"""The imports API: upload with a token, scopes and roles, run details and rejected rows."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from quotaflow.accounts.actions import create_token
from quotaflow.imports.models import ImportRun
from quotaflow.sales.models import Transaction
from tests.imports.conftest import FIXTURES, stored_counts

API = "/api/v1"


def _token(user, *scopes: str) -> dict[str, str]:
    _, secret = create_token(user, name="CRM sync", scopes=list(scopes), acting_user=user)
    return {"Authorization": f"Bearer {secret}"}


def _upload(
    client: Client, kind: str, name: str, content: bytes, headers: dict[str, str], **query: str
):
    suffix = "?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else ""
    return client.post(
        f"{API}/imports/{kind}{suffix}",
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
        headers=headers,
    )


def test_upload_with_an_ingest_token_imports_transactions(small_org):
    headers = _token(small_org.users["ops_olga"], "ingest")
    response = _upload(
        Client(),
        "transactions",
        "deals.csv",
        (FIXTURES / "transactions_good.csv").read_bytes(),
        headers,
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["created"], body["rejected"], body["via"]) == (
        "succeeded",
        4,
        0,
        "api",
    )
    assert body["started_by"] == "ops_olga" and body["rejected_csv_url"] is None
    assert Transaction.objects.count() == 4

    again = _upload(
        Client(),
        "transactions",
        "deals.csv",
        (FIXTURES / "transactions_good.csv").read_bytes(),
        headers,
    )
    assert (again.status_code, again.json()["unchanged"], again.json()["created"]) == (201, 4, 0)


def test_rejected_file_answers_422_with_every_problem_and_writes_nothing(small_org):
    headers = _token(small_org.users["ops_olga"], "ingest")
    before = stored_counts()
    response = _upload(
        Client(),
        "transactions",
        "bad.csv",
        (FIXTURES / "transactions_bad.csv").read_bytes(),
        headers,
    )

    assert response.status_code == 422
    body = response.json()
    assert body["status"] == "rejected" and body["rejected"] == 4
    assert body["errors"][1] == {
        "row": 4,
        "column": "amount",
        "value": "12,5O",
        "reason": "'12,5O' is not a number — use digits with an optional decimal point, e.g. 1250.00",
    }
    assert stored_counts() == before


def test_skip_bad_rows_and_download_the_rejected_rows(small_org):
    headers = _token(small_org.users["ops_olga"], "ingest")
    client = Client()
    response = _upload(
        client,
        "transactions",
        "bad.csv",
        (FIXTURES / "transactions_bad.csv").read_bytes(),
        headers,
        skip_bad_rows="true",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["created"], body["rejected"]) == ("partial", 1, 4)
    download = client.get(body["rejected_csv_url"], headers=headers)
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert 'filename="bad.rejected.csv"' in download["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert [row["external_id"] for row in rows] == ["INV-2002", "INV-2003", "INV-2004", "INV-2005"]
    assert rows[0]["reason"].startswith("Row 3, column 'date': '14/03/2026' is not a date")


def test_list_and_detail_of_runs(small_org):
    headers = _token(small_org.users["admin_ada"], "import")
    client = Client()
    created = _upload(
        client, "org", "org.csv", (FIXTURES / "org_good.csv").read_bytes(), headers
    ).json()

    listing = client.get(f"{API}/imports/", headers=headers)
    detail = client.get(f"{API}/imports/{created['id']}", headers=headers)

    assert listing.status_code == 200 and [run["id"] for run in listing.json()] == [created["id"]]
    assert "errors" not in listing.json()[0]
    assert (
        detail.status_code == 200
        and detail.json()["created"] == 5
        and detail.json()["errors"] == []
    )
    assert (
        client.get(f"{API}/imports/{created['id']}/rejected.csv", headers=headers).status_code
        == 404
    )
    assert client.get(f"{API}/imports/999999", headers=headers).status_code == 404


@pytest.mark.parametrize("username", ["finance_fay", "manager_max", "rep_ria", "outsider_otto"])
def test_other_roles_may_not_import(small_org, username):
    headers = _token(small_org.users[username], "ingest", "import")
    before = stored_counts()
    response = _upload(
        Client(),
        "transactions",
        "deals.csv",
        (FIXTURES / "transactions_good.csv").read_bytes(),
        headers,
    )

    assert response.status_code == 403
    assert (
        response.json()["detail"]
        == "Only administrators and sales operations can make this change."
    )
    assert stored_counts() == before and not ImportRun.objects.exists()
    assert Client().get(f"{API}/imports/", headers=headers).status_code == 403


def test_org_import_needs_the_import_scope_and_transactions_the_ingest_scope(small_org):
    ingest_only = _token(small_org.users["ops_olga"], "ingest")
    import_only = _token(small_org.users["ops_olga"], "import")
    read_only = _token(small_org.users["ops_olga"], "read")

    refused_org = _upload(
        Client(), "org", "org.csv", (FIXTURES / "org_good.csv").read_bytes(), ingest_only
    )
    refused_sales = _upload(
        Client(),
        "transactions",
        "t.csv",
        (FIXTURES / "transactions_good.csv").read_bytes(),
        import_only,
    )

    assert refused_org.status_code == 403 and "'import' scope" in refused_org.json()["detail"]
    assert refused_sales.status_code == 403 and "'ingest' scope" in refused_sales.json()["detail"]
    assert Client().get(f"{API}/imports/", headers=read_only).status_code == 403
    assert not ImportRun.objects.exists()


def test_anonymous_is_refused_and_unknown_kind_is_a_clear_422(small_org):
    anonymous = _upload(Client(), "transactions", "t.csv", b"x", {})
    headers = _token(small_org.users["ops_olga"], "ingest", "import")
    unknown = _upload(Client(), "customers", "t.csv", b"x", headers)

    assert anonymous.status_code == 401
    assert unknown.status_code == 422
    assert "kind" in unknown.json()["detail"]


def test_large_upload_spooled_to_disk_is_read_from_there(small_org, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # every upload goes to a temporary file
    headers = _token(small_org.users["ops_olga"], "ingest")
    lines = "".join(f"T-{n},2026-03-14,10.00,EUR,E004\n" for n in range(2000))
    response = _upload(
        Client(),
        "transactions",
        "big.csv",
        ("external_id,date,amount,currency,credited_to\n" + lines).encode(),
        headers,
    )

    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 2000


ORG_CHANGES = b"unit_code,unit_name,unit_kind,parent_unit_code\nWEST,West,region,ACME\nNORTH,North,region,SOUTH\n"


def test_org_dry_run_lists_the_changes_and_writes_nothing(small_org):
    headers = _token(small_org.users["ops_olga"], "import")
    before = stored_counts()
    response = _upload(Client(), "org", "org.csv", ORG_CHANGES, headers, dry_run="true")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["created"], body["updated"]) == ("previewed", 1, 1)
    assert body["changes"] == [
        {"action": "created", "subject": "unit WEST", "old": "", "new": "West (region) under ACME", "row": 2},
        {"action": "moved", "subject": "unit NORTH", "old": "under ACME", "new": "under SOUTH", "row": 3},
    ]  # fmt: skip
    assert stored_counts() == before

    written = _upload(Client(), "org", "org.csv", ORG_CHANGES, headers)
    assert written.status_code == 201
    assert written.json()["changes"] == body["changes"]


def test_dry_run_of_transactions_is_refused_with_its_reason(small_org):
    headers = _token(small_org.users["ops_olga"], "ingest")
    response = _upload(
        Client(), "transactions", "deals.csv",
        (FIXTURES / "transactions_good.csv").read_bytes(), headers, dry_run="true",
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["field"] == "dry_run"
    assert Transaction.objects.count() == 0
