"""The spreadsheet-cell neutraliser: nothing it writes can start a formula, and reading
undoes exactly what writing did."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotaflow.core.spreadsheet import (
    FORMULA_TRIGGERS,
    is_formula_like,
    neutralise_cell,
    restore_cell,
)

cell_text = st.text(alphabet=st.sampled_from([*FORMULA_TRIGGERS, "'", " ", "1", ".", "a", "("]))


@given(st.one_of(cell_text, st.text()))
def test_neutralised_text_never_starts_a_formula_and_reads_back_unchanged(text: str) -> None:
    written = neutralise_cell(text)
    assert not is_formula_like(written)
    assert restore_cell(written) == text


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example","x")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "  =1+1",
        "\uff1d1+1",
    ],
)
def test_formula_like_text_gets_a_leading_apostrophe(text: str) -> None:
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value", ["-200.00", "+5", "-.5", "Acme", "", "a=b", 12, -3, Decimal("-1.50"), None, True]
)
def test_numbers_and_ordinary_text_pass_unchanged(value: object) -> None:
    assert neutralise_cell(value) == value
