"""Cells that leave Quotaflow in a spreadsheet (CSV or XLSX) are data, never formulas.

Excel, LibreOffice and Google Sheets treat a cell whose text begins with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return before one) as a formula, so a unit called
``=HYPERLINK("http://evil.example","Click")`` or an imported account ``+cmd|' /C calc'!A0``
would run when someone opens an export. Every writer of CSV or XLSX passes its cells
through :func:`neutralise_cell`, which puts an apostrophe in front of such text: the
spreadsheet then shows the text as typed and evaluates nothing. Plain numbers (``-200.00``)
cannot be formulas and are left alone, so amounts stay numbers.

Reading is the mirror image: :func:`restore_cell` removes that apostrophe again, so a
file Quotaflow wrote (a plan export, the rejected rows of an import) can be fixed and
imported again with its values unchanged.
"""

from __future__ import annotations

import re
from typing import Any

# First characters that make a spreadsheet read the cell as a formula: the four ASCII
# signs, their full-width forms (which some spreadsheets accept too), tab and carriage
# return (OWASP's list for CSV injection).
FORMULA_TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
TEXT_PREFIX = "'"
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could evaluate ``text`` (leading spaces are skipped, as
    some spreadsheets trim them before looking)."""
    stripped = text.lstrip(" ")
    if not stripped:
        return False
    first = stripped[0]
    if first not in FORMULA_TRIGGERS:
        return False
    return not _PLAIN_NUMBER.match(stripped)


def _needs_prefix(text: str) -> bool:
    # Text that already starts with apostrophes before a formula gets one more, so that
    # restore_cell(neutralise_cell(text)) == text for every text.
    return is_formula_like(text.lstrip(TEXT_PREFIX))


def neutralise_cell(value: Any) -> Any:
    """``value`` as it may be written to a spreadsheet cell: formula-like text gets a
    leading apostrophe; numbers, dates, booleans, None and other text pass unchanged."""
    if isinstance(value, str) and _needs_prefix(value):
        return TEXT_PREFIX + value
    return value


def neutralise_row(values: list[Any]) -> list[Any]:
    """:func:`neutralise_cell` for every cell of a row."""
    return [neutralise_cell(value) for value in values]


def restore_cell(text: str) -> str:
    """A cell as read from a file: the apostrophe :func:`neutralise_cell` added in front
    of formula-like text is removed; everything else is returned unchanged."""
    if text.startswith(TEXT_PREFIX) and _needs_prefix(text[1:]):
        return text[1:]
    return text
