"""Reading import files: CSV in any common encoding, or XLSX, as a stream of rows.

Files are read twice (once to check, once to write) and never held whole in memory: a
:class:`FileSource` re-opens the file for each pass, and :class:`Table` yields one row at a
time. Row numbers are the ones a person sees in a spreadsheet: the header is row 1.
Column names are matched case-insensitively with surrounding spaces trimmed.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import charset_normalizer
from openpyxl import load_workbook

from quotaflow.core.spreadsheet import restore_cell

SAMPLE_BYTES = 256 * 1024
XLSX_MAGIC = b"PK\x03\x04"
_DELIMITERS = (",", ";", "\t", "|")


class FileProblem(Exception):
    """The file as a whole cannot be imported (encoding, emptiness, missing columns …)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RawRow:
    """One data row: its spreadsheet row number, the cells by normalised column name, and
    the original cells in file order (for the rejected-rows file)."""

    number: int
    values: dict[str, str]
    cells: list[str]


def normalise_column(name: str) -> str:
    """The key a column is matched by: trimmed, lower case."""
    return name.strip().lower()


class FileSource:
    """An import file given as a path or an open binary file (e.g. an upload), which can be
    opened again from the start for every pass over it."""

    def __init__(self, path_or_file: str | Path | IO[bytes], file_name: str) -> None:
        self.path_or_file = path_or_file
        self.file_name = file_name

    @contextlib.contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        """The file's bytes from the beginning; a given file object is rewound, not closed."""
        if isinstance(self.path_or_file, str | Path):
            with open(self.path_or_file, "rb") as handle:
                yield handle
        else:
            self.path_or_file.seek(0)
            yield self.path_or_file

    def head(self, size: int = SAMPLE_BYTES) -> bytes:
        """The first ``size`` bytes, to recognise the format and encoding."""
        with self.open() as handle:
            return handle.read(size)

    @property
    def is_xlsx(self) -> bool:
        """XLSX by name, or by content when the name says nothing (XLSX files are ZIP archives)."""
        suffix = Path(self.file_name).suffix.lower()
        if suffix in {".xlsx", ".xlsm"}:
            return True
        return suffix not in {".csv", ".txt", ".tsv"} and self.head(4) == XLSX_MAGIC


def detect_encoding(sample: bytes) -> str:
    """The text encoding of a CSV file from its first bytes.

    A byte-order mark settles it; otherwise valid UTF-8 wins (it is what modern tools
    write), then charset-normalizer picks between the legacy code pages (cp1252,
    latin-1 …). Raises :class:`FileProblem` when the bytes are no known text encoding.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        if b"\x00" not in sample:
            return "utf-8"
    matches = charset_normalizer.from_bytes(sample)
    best = matches.best()
    if best is None or b"\x00" in sample and not best.encoding.startswith("utf_16"):
        raise FileProblem(
            "The file could not be read as text. Save it as CSV (UTF-8 is best) or as an "
            "Excel workbook (.xlsx) and upload it again."
        )
    # Short Western-European text decodes equally well in several code pages (é is the
    # same byte in cp1250 and cp1252); among equally clean readings, prefer the code page
    # that spreadsheet programs on Western systems actually write.
    for preferred in ("cp1252", "latin_1"):
        for match in matches:
            if match.chaos <= best.chaos and preferred in match.could_be_from_charset:
                return preferred
    return best.encoding


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a person would have typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


class Table:
    """The rows of one CSV or XLSX file, re-readable, with its header checked on opening."""

    def __init__(self, source: FileSource) -> None:
        self.source = source
        self.is_xlsx = source.is_xlsx
        self.encoding = "" if self.is_xlsx else detect_encoding(source.head())
        self.delimiter = ","
        self.header = self._read_header()
        self.columns = [normalise_column(name) for name in self.header]
        repeated = sorted({name for name in self.columns if name and self.columns.count(name) > 1})
        if repeated:
            raise FileProblem(
                f"The header names these columns more than once: {', '.join(repeated)}. Keep one of each."
            )

    def _read_header(self) -> list[str]:
        for header in self._records():
            if any(cell.strip() for cell in header):
                return [cell.strip() for cell in header]
        raise FileProblem(
            "The file is empty: it has no header row and no data. Upload a file whose first row names the columns."
        )

    def _records(self) -> Iterator[list[str]]:
        if self.is_xlsx:
            yield from self._xlsx_records()
        else:
            yield from self._csv_records()

    def _csv_records(self) -> Iterator[list[str]]:
        with self.source.open() as raw:
            text = io.TextIOWrapper(raw, encoding=self.encoding, newline="")
            try:
                first_line = text.readline()
                self.delimiter = max(_DELIMITERS, key=first_line.count)
                yield from csv.reader(_prepend(first_line, text), delimiter=self.delimiter)
            except UnicodeDecodeError:
                raise FileProblem(
                    f"Part of the file is not valid {self.encoding} text. Save it again as CSV UTF-8 and re-upload it."
                ) from None
            except csv.Error as error:
                raise FileProblem(f"The file is not a well-formed CSV file ({error}).") from None
            finally:
                text.detach()

    def _xlsx_records(self) -> Iterator[list[str]]:
        with self.source.open() as raw:
            try:
                workbook = load_workbook(raw, read_only=True, data_only=True)
            except Exception:  # openpyxl raises many types for a damaged or foreign file
                raise FileProblem(
                    "The file is not a readable Excel workbook (.xlsx). Save it again as .xlsx or as CSV."
                ) from None
            try:
                sheet = workbook.worksheets[0]
                for values in sheet.iter_rows(values_only=True):
                    yield [_cell_text(value) for value in values]
            finally:
                workbook.close()

    def rows(self) -> Iterator[RawRow]:
        """Data rows after the header; blank rows are skipped but keep their numbers."""
        width = len(self.columns)
        records = self._records()
        header_seen = False
        for number, record in enumerate(records, start=1):
            if not header_seen:
                header_seen = any(cell.strip() for cell in record)
                continue
            if not any(cell.strip() for cell in record):
                continue
            cells = [restore_cell(cell.strip()) for cell in record]
            values = dict(zip(self.columns, cells + [""] * (width - len(cells)), strict=False))
            if len(cells) > width and any(cells[width:]):
                values[""] = " ".join(cell for cell in cells[width:] if cell)
            yield RawRow(number, values, cells)


def _prepend(first: str, rest: IO[str]) -> Iterator[str]:
    """The first line, then every following line of ``rest`` (a header already read)."""
    yield first
    yield from rest
