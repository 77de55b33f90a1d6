"""The import pages through the Django test client: upload, report, download, permissions."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from quotaflow.imports.models import ImportRun, ImportStatus
from quotaflow.sales.models import Transaction
from tests.imports.conftest import FIXTURES, stored_counts


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, kind: str, path, **extra: str):
    data = {"kind": kind, "file": SimpleUploadedFile(path.name, path.read_bytes()), **extra}
    return client.post("/imports/", data)


def test_page_explains_every_format_with_an_example(small_org):
    response = _client(small_org.users["ops_olga"]).get("/imports/")

    assert response.status_code == 200
    page = response.content.decode()
    for expected in (
        "credited_to",
        "E004:60;E005:40",
        "parent_unit_code",
        "activity_type",
        "YYYY-MM-DD",
    ):
        assert expected in page
    assert "Nothing has been imported yet." in page


def test_upload_good_file_redirects_to_its_report(small_org):
    client = _client(small_org.users["ops_olga"])
    response = _upload(client, "transactions", FIXTURES / "transactions_good.csv")

    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{run.pk}/"
    assert (run.via, run.status, run.created) == ("web", ImportStatus.SUCCEEDED, 4)
    report = client.get(response["Location"]).content.decode()
    assert "transactions_good.csv imported: 4 created, 0 updated, 0 unchanged." in report
    assert "Every row was accepted." in report
    listing = client.get("/imports/").content.decode()
    assert "transactions_good.csv" in listing and "badge-succeeded" in listing


def test_rejected_upload_shows_the_error_table_and_writes_nothing(small_org):
    client = _client(small_org.users["ops_olga"])
    before = stored_counts()
    response = _upload(client, "transactions", FIXTURES / "transactions_bad.csv")
    report = client.get(response["Location"]).content.decode()

    assert stored_counts() == before
    assert "was not imported: nothing was changed" in report
    assert 'id="import-errors"' in report
    assert (
        "&#x27;12,5O&#x27; is not a number — use digits with an optional decimal point, e.g. 1250.00"
        in report
    )
    assert '<td class="num">4</td><td class="mono">amount</td>' in report


def test_skip_bad_rows_offers_the_rejected_rows_for_download(small_org):
    client = _client(small_org.users["ops_olga"])
    response = _upload(
        client, "transactions", FIXTURES / "transactions_bad.csv", skip_bad_rows="on"
    )
    run = ImportRun.objects.get()
    report = client.get(response["Location"]).content.decode()
    download = client.get(f"/imports/{run.pk}/rejected.csv")

    assert Transaction.objects.count() == 1
    assert f'href="/imports/{run.pk}/rejected.csv"' in report
    assert (
        download.status_code == 200
        and 'filename="transactions_bad.rejected.csv"' in download["Content-Disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert len(rows) == 4 and all(row["reason"] for row in rows)


def test_file_level_problem_is_shown_as_one_message(small_org, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("name,team\nRia,North\n")
    client = _client(small_org.users["admin_ada"])
    report = client.get(_upload(client, "transactions", path)["Location"]).content.decode()

    assert 'id="file-problem"' in report
    assert "missing required columns: external_id, date, amount, currency, credited_to" in report


def test_missing_file_is_a_form_error(small_org):
    response = _client(small_org.users["ops_olga"]).post("/imports/", {"kind": "org"})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize(
    "username", ["finance_fay", "ceo_cora", "manager_max", "rep_ria", "outsider_otto"]
)
def test_other_roles_get_a_403_page_everywhere(small_org, username):
    run = ImportRun.objects.create(
        kind="org", file_name="x.csv", status=ImportStatus.REJECTED, rejected_csv="a,reason\n"
    )
    client = _client(small_org.users[username])

    for url in ("/imports/", f"/imports/{run.pk}/", f"/imports/{run.pk}/rejected.csv"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Imports are for sales operations" in response.content.decode()
    refused = _upload(client, "transactions", FIXTURES / "transactions_good.csv")
    assert refused.status_code == 403 and Transaction.objects.count() == 0


def test_anonymous_visitors_are_sent_to_log_in(db):
    response = Client().get("/imports/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_unknown_run_is_404(small_org):
    assert _client(small_org.users["ops_olga"]).get("/imports/999999/").status_code == 404


def test_org_preview_lists_the_changes_then_writes_them_on_confirmation(small_org, tmp_path):
    path = tmp_path / "org.csv"
    path.write_text(
        "unit_code,unit_name,unit_kind,parent_unit_code\nWEST,West,region,ACME\nNORTH,North,region,SOUTH\n",
        encoding="utf-8",
    )
    client = _client(small_org.users["ops_olga"])
    before = stored_counts()
    response = _upload(client, "org", path, preview="1")

    preview = ImportRun.objects.get()
    assert response.status_code == 302 and preview.status == ImportStatus.PREVIEWED
    page = client.get(f"/imports/{preview.pk}/").content.decode()
    assert "What importing this file will change" in page
    assert "Created (1)" in page and "Moved (1)" in page
    assert "West (region) under ACME" in page and "under SOUTH" in page
    assert "Write these changes" in page
    assert stored_counts() == before

    response = client.post(f"/imports/{preview.pk}/write/")
    written = ImportRun.objects.exclude(pk=preview.pk).get()
    assert response["Location"] == f"/imports/{written.pk}/"
    assert (written.status, written.created, written.updated) == (ImportStatus.SUCCEEDED, 1, 1)
    page = client.get(f"/imports/{preview.pk}/").content.decode()
    assert "Write these changes" not in page and f"import {written.pk}" in page
