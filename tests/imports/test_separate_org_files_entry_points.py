"""The units, people and placements imports from the three entry points: the REST API
(dry run, then the real import, with the import scope), the upload page (preview, then
write) and the command line (``--dry-run``), each with the existing bounds."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from quotaflow import cli
from quotaflow.accounts.actions import create_token
from quotaflow.imports import reading
from quotaflow.imports.models import ImportRun, ImportStatus
from quotaflow.org.models import Assignment, Unit
from tests.imports.conftest import stored_counts

API = "/api/v1"
UNITS = b"unit_code,unit_name,unit_kind,parent_unit_code\nWEST,West,region,ACME\n"
PLACEMENTS = b"person_id,unit_code,role,valid_from\nE003,NORTH,manager,2026-01-01\n"


def _token(user, *scopes: str) -> dict[str, str]:
    _, secret = create_token(user, name="HR sync", scopes=list(scopes), acting_user=user)
    return {"Authorization": f"Bearer {secret}"}


def _post(kind: str, content: bytes, headers: dict[str, str], query: str = ""):
    return Client().post(
        f"{API}/imports/{kind}{query}",
        {"file": SimpleUploadedFile(f"{kind}.csv", content, content_type="text/csv")},
        headers=headers,
    )


def test_api_dry_run_then_import_of_a_units_file(small_org):
    headers = _token(small_org.users["ops_olga"], "import")
    before = stored_counts()
    preview = _post("units", UNITS, headers, "?dry_run=true")

    assert preview.status_code == 200, preview.json()
    body = preview.json()
    assert (body["kind"], body["status"], body["created"]) == ("units", "previewed", 1)
    assert body["changes"] == [
        {
            "action": "created",
            "subject": "unit WEST",
            "old": "",
            "new": "West (region) under ACME",
            "row": 2,
        }
    ]
    assert stored_counts() == before

    written = _post("units", UNITS, headers)
    assert written.status_code == 201, written.json()
    assert Unit.objects.get(code="WEST").parent == small_org.company


def test_api_placements_with_errors_answer_422_naming_the_rows(small_org):
    headers = _token(small_org.users["ops_olga"], "import")
    response = _post(
        "placements", b"person_id,unit_code,valid_from\nE300,GHOST,2026-01-01\n", headers
    )

    assert response.status_code == 422
    assert {(e["row"], e["column"]) for e in response.json()["errors"]} == {
        (2, "unit_code"),
        (2, "person_id"),
    }


@pytest.mark.parametrize("kind", ["units", "people", "placements"])
def test_api_separate_org_files_need_the_import_scope(small_org, kind):
    response = _post(kind, UNITS, _token(small_org.users["ops_olga"], "ingest"))

    assert response.status_code == 403 and "'import' scope" in response.json()["detail"]
    assert not ImportRun.objects.exists()


def test_upload_page_previews_a_placements_file_then_writes_it(small_org):
    client = Client()
    client.force_login(small_org.users["ops_olga"])
    page = client.get("/imports/").content.decode()
    for expected in (
        'value="units"',
        'value="people"',
        'value="placements"',
        'id="format-placements"',
    ):
        assert expected in page

    response = client.post(
        "/imports/",
        {"kind": "placements", "file": SimpleUploadedFile("p.csv", PLACEMENTS), "preview": "1"},
    )
    preview = ImportRun.objects.get()
    assert response.status_code == 302 and preview.status == ImportStatus.PREVIEWED
    assert (
        "placement of E003 in NORTH as manager"
        in client.get(f"/imports/{preview.pk}/").content.decode()
    )
    assert not Assignment.objects.filter(person__external_id="E003", unit__code="NORTH").exists()

    client.post(f"/imports/{preview.pk}/write/")
    written = ImportRun.objects.exclude(pk=preview.pk).get()
    assert (written.kind, written.status, written.created) == (
        "placements",
        ImportStatus.SUCCEEDED,
        1,
    )
    assert Assignment.objects.filter(person__external_id="E003", unit__code="NORTH").exists()


def test_separate_org_files_keep_the_file_size_limit(small_org, monkeypatch):
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 40)
    response = _post(
        "people",
        b"person_id,person_name\n" + b"E100,Nia New\n" * 5,
        _token(small_org.users["ops_olga"], "import"),
    )

    assert response.status_code == 422
    assert "an import takes at most" in response.json()["errors"][0]["reason"]


def test_command_line_dry_run_of_a_people_file(small_org, tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_text(
        "person_id,person_name,email\nE100,Nia New,nia@acme.example\n", encoding="utf-8"
    )

    assert cli.main(["import", "people", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "People import of people.csv: Previewed, nothing written" in out
    assert "row 2: created person E100: Nia New" in out
    assert cli.main(["import", "people", str(path)]) == 0
    assert "1 created" in capsys.readouterr().out
    assert cli.main(["import", "people", str(path)]) == 0
    assert "0 created, 0 updated, 1 unchanged" in capsys.readouterr().out
