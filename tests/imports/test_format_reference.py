"""docs/imports.md, the format reference, names every kind and every column of every format
the import reads (quotaflow.imports.formats, which the upload page shows), each in its
kind's own section, and says which are required as the checker does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from quotaflow.imports.formats import FORMATS
from quotaflow.imports.models import ImportKind

DOC = Path(__file__).resolve().parents[2] / "docs" / "imports.md"


def _section(text: str, kind: str) -> str:
    """The part of the page under the heading that ends with (`kind`)."""
    match = re.search(rf"^#+ .*\(`{kind}`\)$(.*?)(?=^#+ |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match is not None, f"docs/imports.md has no section for {kind}"
    return match.group(1)


def test_every_import_kind_has_a_section_and_a_row_in_the_overview() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert set(FORMATS) == set(ImportKind.values)
    for kind in FORMATS:
        assert f"| `{kind}` |" in text
        assert f"`quotaflow import {kind} FILE`" in text
        assert f"`POST /api/v1/imports/{kind}`" in text
        _section(text, kind)


@pytest.mark.parametrize("kind", list(FORMATS))
def test_every_column_is_documented_in_its_kind_section(kind: str) -> None:
    section = _section(DOC.read_text(encoding="utf-8"), kind)
    for column in FORMATS[kind].columns:
        for name in column.name.split(" … "):
            assert f"`{name}`" in section, f"{kind}: {name} is not documented"
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`") and " … " not in cells[0]:
            name = cells[0].strip("`")
            known = {column.name: column for column in FORMATS[kind].columns}
            if name in known and kind != "org":
                assert cells[1].startswith("yes") == known[name].required, f"{kind}: {name}"
