"""Reading import files: CSV in any common encoding, or XLSX, as a stream of rows.

Files are read twice (once to check, once to write) and never held whole in memory: a
:class:`FileSource` re-opens the file for each pass, and :class:`Table` yields one row at a
time. Row numbers are the ones a person sees in a spreadsheet: the header is row 1.
Column names are matched case-insensitively with surrounding spaces trimmed.

Limits, each refused with a message that says which one and what to do:

* a file holds at most :data:`MAX_FILE_BYTES` (256 MiB) and :data:`MAX_DATA_ROWS`
  (1,000,000) data rows — split bigger exports into several files;
* a cell holds at most :data:`MAX_CELL_CHARS` (10,000) characters (columns stored in
  shorter fields have shorter limits, see the checkers), fits on one line and carries no
  control characters (NUL, tab, escape …); a cell beyond the CSV reader's own limit
  (:data:`CSV_FIELD_LIMIT`, 131,072 characters) stops reading the file at that row;
* CSV is read strictly: a quote that is never closed, or text after a closing quote, is
  an error naming the row instead of silently joining rows together;
* bytes that are no text in the file's encoding are refused on their row and column;
* a workbook formula whose result the file does not hold is refused on its cell.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import charset_normalizer
from openpyxl import load_workbook

from quotaflow.core.limits import text_problem
from quotaflow.core.spreadsheet import TEXT_PREFIX, restore_cell

SAMPLE_BYTES = 256 * 1024
XLSX_MAGIC = b"PK\x03\x04"
_DELIMITERS = (",", ";", "\t", "|")

MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_DATA_ROWS = 1_000_000
MAX_CELL_CHARS = 10_000
CSV_FIELD_LIMIT = csv.field_size_limit()


class FileProblem(Exception):
    """The file as a whole cannot be imported (encoding, emptiness, missing columns …);
    ``row`` names the spreadsheet row where reading stopped, when there is one."""

    def __init__(self, message: str, *, row: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


@dataclass(frozen=True)
class RawRow:
    """One data row: its spreadsheet row number, the cells by normalised column name, the
    original cells in file order (for the rejected-rows file), and the problems found in
    cells whatever the column (too long, line breaks, control characters) as
    ``(column, reason)`` pairs."""

    number: int
    values: dict[str, str]
    cells: list[str]
    problems: tuple[tuple[str, str], ...] = ()


# Lone surrogates: what undecodable bytes become (errors="surrogateescape").
_UNDECODABLE = re.compile("[\udc80-\udcff]")


class UncalculatedFormula(str):
    """The text of a spreadsheet formula whose result the workbook does not hold (files
    written by programs rather than saved by a spreadsheet)."""

    __slots__ = ()


# Anything cell_problem refuses by character: control characters (line breaks
# included) and undecodable bytes. One search clears the common, clean cell quickly.
_SUSPECT = re.compile("[\x00-\x1f\x7f-\x9f\udc80-\udcff]")


def cell_problem(text: str) -> str | None:
    """Why a cell cannot be imported whatever its column, or None."""
    if isinstance(text, UncalculatedFormula):
        return (
            f"the cell holds the formula {text[:60]} but no calculated value — open the file in "
            "a spreadsheet and save it again, or paste the values instead of the formulas"
        )
    if _UNDECODABLE.search(text):
        return (
            "the cell holds bytes that are not valid text in the file's encoding — save the "
            "file again as CSV UTF-8 and re-upload it"
        )
    if len(text) > MAX_CELL_CHARS:
        return f"the cell is {len(text):,} characters long; a cell holds at most {MAX_CELL_CHARS:,}"
    if "\n" in text or "\r" in text:
        return (
            'the cell contains a line break — each cell must fit on one line; if a quote (") '
            "in this row is never closed, close it"
        )
    problem = text_problem(text)
    return None if problem is None else f"the cell {problem}"


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

    @contextlib.contextmanager
    def open_again(self) -> Iterator[IO[bytes]]:
        """A second, independent handle on the file, for reading it while :meth:`open`'s
        handle is in use: the path again, an upload's temporary file, or a copy in memory
        (uploads small enough to be kept in memory)."""
        target = self.path_or_file
        if not isinstance(target, str | Path) and hasattr(target, "temporary_file_path"):
            target = target.temporary_file_path()
        if isinstance(target, str | Path):
            with open(target, "rb") as handle:
                yield handle
            return
        position = target.tell()
        target.seek(0)
        copy = io.BytesIO(target.read())
        target.seek(position)
        yield copy

    def size(self) -> int:
        """The file's length in bytes."""
        if isinstance(self.path_or_file, str | Path):
            return os.path.getsize(self.path_or_file)
        self.path_or_file.seek(0, os.SEEK_END)
        return self.path_or_file.tell()

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

    A byte-order mark settles it (UTF-32's is checked before UTF-16's, which it starts
    with); otherwise valid UTF-8 wins (it is what modern tools write). Text that is
    UTF-8 apart from some invalid bytes is read as UTF-8, its invalid bytes refused on
    their rows, rather than read as a legacy code page, which would garble every accented
    letter. Otherwise
    charset-normalizer picks between the legacy code pages (cp1252, latin-1 …). Raises
    :class:`FileProblem` when the bytes are no known text encoding.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        if _is_broken_utf8(sample):
            return "utf-8"  # the invalid bytes are reported on their rows and columns
    else:
        # UTF-16 or UTF-32 without a byte-order mark is valid UTF-8 too, but every other
        # byte of its text is NUL; a few NULs are stray characters, reported on their rows.
        if sample.count(b"\x00") * 10 < len(sample):
            return "utf-8"
    matches = charset_normalizer.from_bytes(sample)
    best = matches.best()
    if best is None or b"\x00" in sample and not best.encoding.startswith(("utf_16", "utf_32")):
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


def _is_broken_utf8(sample: bytes) -> bool:
    """Whether ``sample``, which is not valid UTF-8, is UTF-8 text with some invalid bytes:
    it holds well-formed multi-byte UTF-8 sequences, which legacy text almost never does."""
    readable = sample.decode("utf-8", errors="replace")
    return any(ord(character) > 127 and character != "\ufffd" for character in readable)


def _open_workbook(raw: IO[bytes], *, data_only: bool) -> Any:
    try:
        return load_workbook(raw, read_only=True, data_only=data_only)
    except Exception:  # openpyxl raises many types for a damaged or foreign file
        raise FileProblem(
            "The file is not a readable Excel workbook (.xlsx). Save it again as .xlsx or as CSV."
        ) from None


def _cell_text(value: Any, formula: Any = None) -> str:
    """A spreadsheet cell as the text a person would have typed (``formula`` is what the
    cell holds when formulas are not evaluated)."""
    if value is None:
        if isinstance(formula, str) and formula.startswith("="):
            return UncalculatedFormula(formula)
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
        size = source.size()
        if size > MAX_FILE_BYTES:
            raise FileProblem(
                f"The file is {_size_text(size)}; an import takes at most "
                f"{_size_text(MAX_FILE_BYTES)}. Split it into smaller files and import them one by one."
            )
        self.is_xlsx = source.is_xlsx
        self.encoding = "" if self.is_xlsx else detect_encoding(source.head())
        self.delimiter = ","
        self.header = self._read_header()
        self.columns = [normalise_column(name) for name in self.header]
        for name in self.header:
            problem = _header_problem(name)
            if problem is not None:
                raise FileProblem(
                    f"a column name in the header row {problem}. If the names look garbled, "
                    "save the file again as CSV UTF-8.",
                    row=1,
                )
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
            # Bytes that are no text become lone surrogates, refused by cell_problem on
            # their row and column instead of stopping the whole file.
            text = io.TextIOWrapper(
                raw, encoding=self.encoding, errors="surrogateescape", newline=""
            )
            row = 0
            try:
                first_line = text.readline()
                self.delimiter = max(_DELIMITERS, key=first_line.count)
                # chain, not a generator delegating to ``text``: closing a delegating
                # generator would close the file under the wrapper.
                lines = itertools.chain([first_line], text)
                for record in csv.reader(lines, delimiter=self.delimiter, strict=True):
                    row += 1
                    yield record
            except UnicodeDecodeError:
                raise FileProblem(
                    f"this row is not valid {_encoding_name(self.encoding)} text (its bytes "
                    "cannot be read at all). "
                    "Save the file again as CSV UTF-8 and re-upload it.",
                    row=row + 1,
                ) from None
            except csv.Error as error:
                raise _csv_problem(error, row + 1) from None
            finally:
                text.detach()

    def _xlsx_records(self) -> Iterator[list[str]]:
        # The calculated values, and beside them the formulas, to tell a formula whose
        # result was never stored from a cell left empty.
        with contextlib.ExitStack() as stack:
            values = _open_workbook(stack.enter_context(self.source.open()), data_only=True)
            formulas = _open_workbook(
                stack.enter_context(self.source.open_again()), data_only=False
            )
            try:
                rows = zip(
                    values.worksheets[0].iter_rows(values_only=True),
                    formulas.worksheets[0].iter_rows(values_only=True),
                    strict=False,
                )
                for calculated, written in rows:
                    yield [
                        _cell_text(value, formula)
                        for value, formula in itertools.zip_longest(calculated, written)
                    ]
            finally:
                values.close()
                formulas.close()

    def rows(self) -> Iterator[RawRow]:
        """Data rows after the header; blank rows are skipped but keep their numbers.

        Raises :class:`FileProblem` past :data:`MAX_DATA_ROWS` data rows."""
        width = len(self.columns)
        records = self._records()
        header_seen = False
        data_rows = 0
        for number, record in enumerate(records, start=1):
            if not header_seen:
                header_seen = any(cell.strip() for cell in record)
                continue
            if not any(cell.strip() for cell in record):
                continue
            data_rows += 1
            if data_rows > MAX_DATA_ROWS:
                raise FileProblem(
                    f"the file has more than {MAX_DATA_ROWS:,} data rows and this one is one "
                    "too many. Split it into smaller files and import them one by one.",
                    row=number,
                )
            yield self._row(number, record, width)

    def _row(self, number: int, record: list[str], width: int) -> RawRow:
        if self.is_xlsx:
            stripped = [
                cell if isinstance(cell, UncalculatedFormula) else cell.strip() for cell in record
            ]
        else:
            stripped = [cell.strip() for cell in record]
        problems: tuple[tuple[str, str], ...] = ()
        # One search over the whole row clears the common, clean row quickly.
        if (
            self.is_xlsx
            or _SUSPECT.search(" ".join(stripped))
            or max(map(len, stripped), default=0) > MAX_CELL_CHARS
        ):
            names = self.columns + [""] * (len(record) - width)
            problems = tuple(
                (name, problem)
                for name, cell in zip(names, stripped, strict=False)
                if (problem := cell_problem(cell))
            )
        cells = [restore_cell(cell) if cell[:1] == TEXT_PREFIX else cell for cell in stripped]
        values = dict(zip(self.columns, cells + [""] * (width - len(cells)), strict=False))
        if len(cells) > width and any(cells[width:]):
            values[""] = " ".join(cell for cell in cells[width:] if cell)
        return RawRow(number, values, cells, problems)


def _size_text(size: int) -> str:
    """A file size as people read it: 200 bytes, 12.5 KiB, 300.0 MiB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024**2:
        return f"{size / 1024:,.1f} KiB"
    return f"{size / 1024**2:,.1f} MiB"


def _header_problem(name: str) -> str | None:
    if _UNDECODABLE.search(name):
        return "holds bytes that are not valid text in the file's encoding"
    return text_problem(name, max_length=200)


def _encoding_name(encoding: str) -> str:
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32"}.get(
        encoding, encoding
    )


def _csv_problem(error: csv.Error, row: int) -> FileProblem:
    """The reason a CSV reader stopped at ``row``, in words."""
    if "field larger than field limit" in str(error):
        return FileProblem(
            f"this row has a cell of more than {CSV_FIELD_LIMIT:,} characters (a cell holds at "
            f'most {MAX_CELL_CHARS:,}); check that every quote (") in it is closed. The file '
            "was not read past this row.",
            row=row,
        )
    return FileProblem(
        f'this row is not well-formed CSV ({error}): a quote (") opened in it is never '
        'closed, or text follows a closing quote. Start and end a quoted cell with " and '
        'double any quote inside it (""). The file was not read past this row.',
        row=row,
    )
