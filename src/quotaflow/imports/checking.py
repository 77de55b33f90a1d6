"""Row-by-row checks of transaction and activity files, turning raw cells into the plain
rows that :mod:`quotaflow.sales.actions` writes.

A checker keeps only what must outlive a row: the people lookup and the ids seen so far
(to catch duplicates). Everything else is per row, so a file of any length can be
checked in constant memory apart from that set.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from quotaflow.core.money import MissingRate, RateBook, rate_problem
from quotaflow.imports.fields import (
    MAX_SPLIT_PEOPLE,
    SPLIT_PERSON,
    SPLIT_SHARE,
    CellError,
    parse_amount_minor,
    parse_bool,
    parse_currency,
    parse_date,
    parse_decimal,
    parse_quantity,
    parse_share,
    parse_split,
    repeated_people,
    shares_total_problem,
)
from quotaflow.imports.formats import ACTIVITIES, RATES, TRANSACTIONS, FileFormat
from quotaflow.imports.reading import MAX_CELL_CHARS, FileProblem, RawRow
from quotaflow.sales.actions import (
    DEFAULT_SOURCE,
    ActivityRow,
    CreditShare,
    RateRow,
    TransactionRow,
)

_Value = TypeVar("_Value")

# Longest text each field can store; longer values are refused rather than cut short.
_MAX_LENGTH = {
    "external_id": 100, "source": 40, "product": 120, "product_group": 120,
    "account": 200, "deal_type": 60, "activity_type": 60,
}  # fmt: skip


@dataclass(frozen=True)
class RowError:
    """A problem with one cell (or, with ``row`` None, with the whole file)."""

    row: int | None
    column: str
    value: str
    reason: str

    def as_text(self) -> str:
        """'Row 14, column 'amount': …' — the form people see in every report."""
        if self.row is None:
            return self.reason
        if not self.column:
            return f"Row {self.row}: {self.reason}"
        return f"Row {self.row}, column '{self.column}': {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


def check_columns(fmt: FileFormat, columns: list[str]) -> list[str]:
    """Raise :class:`FileProblem` listing missing required columns (and the columns found);
    return the names of columns the format does not know."""
    present = [name for name in columns if name]
    stand_ins = dict(fmt.stand_ins)
    missing = [
        name
        for name in fmt.required
        if name not in present and stand_ins.get(name, name) not in present
    ]
    if missing:
        found = ", ".join(present) if present else "none"
        raise FileProblem(
            f"The file is missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
            f"Columns found: {found}. Every {fmt.title.lower()} file needs: {', '.join(fmt.required)}."
        )
    return [name for name in present if name not in fmt.known]


VALUE_SHOWN = 200
"""Characters of a refused value kept with its error (the rejected-rows file has it whole)."""


class _RowCheck:
    """Collects the errors of one row while its cells are parsed; cells the reader
    already refused (too long, line breaks, control characters) are reported once and
    not parsed."""

    def __init__(self, raw: RawRow) -> None:
        self.raw = raw
        self.errors: list[RowError] = []
        self.refused = {column for column, _ in raw.problems}
        for column, reason in raw.problems:
            self.fail(column, reason)

    def text(self, column: str, *, required: bool = False, what: str = "") -> str:
        value = self.raw.values.get(column, "")
        if column in self.refused:
            return value
        if required and not value:
            self.fail(column, f"the {column} is empty — {what}")
        elif len(value) > (limit := _MAX_LENGTH.get(column, MAX_CELL_CHARS)):
            self.fail(column, f"'{value[:40]}…' is longer than {limit} characters")
        return value

    def parsed(self, column: str, parser: Callable[..., _Value], *args: Any) -> _Value | None:
        if column in self.refused:
            return None
        try:
            return parser(self.raw.values.get(column, ""), *args)
        except CellError as error:
            self.fail(column, error.reason)
            return None

    def fail(self, column: str, reason: str) -> None:
        value = self.raw.values.get(column, "")
        self.errors.append(RowError(self.raw.number, column, value[:VALUE_SHOWN], reason))

    def check_unnamed_cells(self) -> None:
        stray = self.raw.values.get("", "")
        if stray and "" not in self.refused:
            self.errors.append(
                RowError(
                    self.raw.number,
                    "",
                    stray[:VALUE_SHOWN],
                    f"the row has cells ('{stray[:40]}') under no column name — add a header for them or remove them",
                )
            )


class _SalesChecker:
    """Shared parts of the transaction and activity checkers: ids, duplicates, attributes."""

    fmt: FileFormat
    noun = "record"

    def __init__(
        self,
        columns: list[str],
        people: dict[str, int],
        *,
        find_duplicates: bool = True,
        rates: RateBook | None = None,
    ) -> None:
        self.attribute_columns = check_columns(self.fmt, columns)
        self.people = people
        # The stored exchange rates: a sale in another currency needs one in force.
        self.rates = rates
        self.find_duplicates = find_duplicates
        # (source, external id) → row of its first appearance; the only state kept per file.
        self.first_row: dict[str, int] = {}

    def identity(self, check: _RowCheck) -> tuple[str, str]:
        external_id = check.text(
            "external_id",
            required=True,
            what=f"every {self.noun} needs the id it has in your CRM or ERP",
        )
        source = check.text("source") or DEFAULT_SOURCE
        if external_id and self.find_duplicates:
            key = external_id if source == DEFAULT_SOURCE else f"{source}\x1f{external_id}"
            first = self.first_row.setdefault(key, check.raw.number)
            if first != check.raw.number:
                check.fail(
                    "external_id",
                    f"'{external_id}' is also on row {first} — each {self.noun} may appear only once per file",
                )
        return external_id, source

    def attributes(self, raw: RawRow) -> dict[str, Any]:
        return {name: raw.values[name] for name in self.attribute_columns if raw.values.get(name)}

    def unknown_person(self, person_id: str) -> str:
        return (
            f"person '{person_id}' is not in the organisation — check the id, or import the "
            "person with an organisation file first"
        )


_SPLIT_COLUMN = re.compile(rf"^({SPLIT_PERSON}|{SPLIT_SHARE})([1-9][0-9]*)$")


class SplitColumns:
    """Who is credited with a sale: the packed ``credited_to`` cell (E001:60;E002:40) or
    the numbered columns (credited_to_1 with credit_share_1, …), one form per row.

    Built from the header, which it checks: a share column needs its person column, and at
    most :data:`MAX_SPLIT_PEOPLE` numbers are allowed."""

    def __init__(self, columns: list[str]) -> None:
        numbered: dict[int, set[str]] = {}
        for name in columns:
            match = _SPLIT_COLUMN.match(name)
            if match:
                numbered.setdefault(int(match.group(2)), set()).add(match.group(1))
        too_high = sorted(number for number in numbered if number > MAX_SPLIT_PEOPLE)
        if too_high:
            raise FileProblem(
                f"The header has split columns numbered up to {too_high[-1]}; at most "
                f"{MAX_SPLIT_PEOPLE} people share a sale ({SPLIT_PERSON}1 … "
                f"{SPLIT_PERSON}{MAX_SPLIT_PEOPLE})."
            )
        lonely = sorted(number for number, kinds in numbered.items() if SPLIT_PERSON not in kinds)
        if lonely:
            raise FileProblem(
                f"The header has {SPLIT_SHARE}{lonely[0]} but no {SPLIT_PERSON}{lonely[0]}: "
                "each share column needs the person column of the same number."
            )
        self.numbers = sorted(numbered)
        self.packed = "credited_to" in columns
        # In the order a person reads them: credited_to_1, credit_share_1, credited_to_2 …
        self.columns = [
            f"{prefix}{number}"
            for number in self.numbers
            for prefix in (SPLIT_PERSON, SPLIT_SHARE)
            if prefix in numbered[number]
        ]

    def read(self, check: _RowCheck) -> list[tuple[str, Decimal, str]] | None:
        """The row's (person id, percent, column naming the person), or None with its
        errors reported on ``check``."""
        values = check.raw.values
        filled = [name for name in self.columns if values.get(name)]
        if not filled and not self.packed:
            first = f"{SPLIT_PERSON}{self.numbers[0]}"
            check.fail(first, f"no one is credited — write a person id in {first}, e.g. E001")
            return None
        if not filled:
            split = check.parsed("credited_to", parse_split)
            return None if split is None else [(pid, pct, "credited_to") for pid, pct in split]
        if values.get("credited_to"):
            check.fail(
                "credited_to",
                f"the row fills in both credited_to and {', '.join(filled)} — write the split "
                f"in one form only: credited_to (E001:60;E002:40) or the numbered columns",
            )
            return None
        if check.refused.intersection(self.columns):
            return None
        return self._numbered(check)

    def _numbered(self, check: _RowCheck) -> list[tuple[str, Decimal, str]] | None:
        values = check.raw.values
        pairs = [
            (values.get(f"{SPLIT_PERSON}{n}", ""), values.get(f"{SPLIT_SHARE}{n}", ""), n)
            for n in self.numbers
        ]
        pairs = [(person, share, n) for person, share, n in pairs if person or share]
        errors_before = len(check.errors)
        shares: list[tuple[str, Decimal, str]] = []
        for person_id, share, number in pairs:
            person_column, share_column = f"{SPLIT_PERSON}{number}", f"{SPLIT_SHARE}{number}"
            if not person_id:
                check.fail(
                    share_column,
                    f"{share_column} is {share} but {person_column} is empty — name the person",
                )
            elif not share and len(pairs) > 1:
                check.fail(
                    share_column,
                    f"{person_column} names {person_id} but {share_column} is empty — give each "
                    "person's percentage, e.g. 60",
                )
            elif not share:
                shares.append((person_id, Decimal(100), person_column))
            else:
                percent = check.parsed(
                    share_column, lambda text: parse_share(text, where="", example="60")
                )
                if percent is not None:
                    shares.append((person_id, percent, person_column))
        if len(check.errors) > errors_before:
            return None
        return self._checked(check, shares)

    def _checked(
        self, check: _RowCheck, shares: list[tuple[str, Decimal, str]]
    ) -> list[tuple[str, Decimal, str]] | None:
        repeated = repeated_people([person_id for person_id, _, _ in shares])
        if repeated:
            columns = [column for person_id, _, column in shares if person_id == repeated[0]]
            check.fail(
                columns[-1],
                f"{repeated[0]} is credited in {' and '.join(columns)} — give each person one share",
            )
            return None
        share_columns = [column.replace(SPLIT_PERSON, SPLIT_SHARE) for _, _, column in shares]
        problem = shares_total_problem(
            [percent for _, percent, _ in shares], f" in {', '.join(share_columns)}"
        )
        if problem is not None:
            check.fail(share_columns[0], problem)
            return None
        return shares


class TransactionChecker(_SalesChecker):
    """Checks transaction rows; unknown columns become the transaction's attributes."""

    fmt = TRANSACTIONS
    noun = "transaction"

    def __init__(self, columns: list[str], people: dict[str, int], **options: Any) -> None:
        super().__init__(columns, people, **options)
        self.split = SplitColumns(columns)
        self.attribute_columns = [
            name for name in self.attribute_columns if name not in self.split.columns
        ]

    def check(self, raw: RawRow) -> tuple[TransactionRow | None, list[RowError]]:
        """The row as a :class:`TransactionRow`, or None and every problem found in it."""
        check = _RowCheck(raw)
        external_id, source = self.identity(check)
        date = check.parsed("date", parse_date)
        currency = check.parsed("currency", parse_currency)
        amount_minor: int | None = None
        if currency is not None:
            amount_minor = check.parsed("amount", parse_amount_minor, currency)
        elif raw.values.get("amount"):
            check.parsed("amount", parse_decimal)  # still report a malformed number
        quantity = check.parsed("quantity", parse_quantity)
        cancelled = check.parsed("cancelled", parse_bool)
        credits: list[CreditShare] = []
        for person_id, percent, column in self.split.read(check) or []:
            if person_id in self.people:
                credits.append(CreditShare(self.people[person_id], percent))
            else:
                check.fail(column, self.unknown_person(person_id))
        texts = {
            name: check.text(name) for name in ("product", "product_group", "account", "deal_type")
        }
        check.check_unnamed_cells()
        if not check.errors:
            self.check_rate(check, currency, date, cancelled)
        # Without errors every parsed value is set; the None tests only inform the type checker.
        if (
            check.errors
            or date is None
            or currency is None
            or amount_minor is None
            or quantity is None
            or cancelled is None
        ):
            return None, check.errors
        return TransactionRow(
            external_id=external_id,
            date=date,
            amount_minor=amount_minor,
            currency=currency,
            credits=tuple(credits),
            quantity=quantity,
            is_cancelled=cancelled,
            attributes=self.attributes(raw),
            source=source,
            product=texts["product"],
            product_group=texts["product_group"],
            account=texts["account"],
            deal_type=texts["deal_type"],
        ), []

    def check_rate(
        self, check: _RowCheck, currency: str | None, date: dt.date | None, cancelled: bool | None
    ) -> None:
        """A sale in another currency needs a stored rate in force on its date (a
        cancelled one counts for nothing and needs none)."""
        if self.rates is None or currency is None or date is None or cancelled:
            return
        if currency == self.rates.company_currency:
            return
        try:
            self.rates.rate_on(currency, date)
        except MissingRate:
            check.fail(
                "currency",
                f"no {currency} exchange rate into {self.rates.company_currency} is in force "
                f"on {date.isoformat()} — import a rate valid from that day or earlier first",
            )


def _whole_quantity(text: str) -> int:
    return int(parse_quantity(text, whole=True))


class ActivityChecker(_SalesChecker):
    """Checks activity rows; unknown columns become the activity's attributes."""

    fmt = ACTIVITIES
    noun = "activity"

    def check(self, raw: RawRow) -> tuple[ActivityRow | None, list[RowError]]:
        """The row as an :class:`ActivityRow`, or None and every problem found in it."""
        check = _RowCheck(raw)
        external_id, source = self.identity(check)
        date = check.parsed("date", parse_date)
        person_id = check.text(
            "person_id",
            required=True,
            what="write the employee id of the person who did it, e.g. E004",
        )
        if person_id and "person_id" not in check.refused and person_id not in self.people:
            check.fail("person_id", self.unknown_person(person_id))
        activity_type = check.text(
            "activity_type", required=True, what="write what was done, e.g. call or meeting"
        )
        quantity = check.parsed("quantity", _whole_quantity)
        account = check.text("account")
        check.check_unnamed_cells()
        if check.errors or date is None or quantity is None:
            return None, check.errors
        return ActivityRow(
            external_id=external_id,
            date=date,
            person_id=self.people[person_id],
            activity_type=activity_type,
            quantity=quantity,
            account=account,
            attributes=self.attributes(raw),
            source=source,
        ), []


def parse_rate_start(text: str) -> dt.date:
    """The first day of a rate: a date YYYY-MM-DD, or a month YYYY-MM meaning its 1st."""
    if len(text) == 7 and text[4:5] == "-" and text[:4].isdigit() and text[5:].isdigit():
        return parse_date(f"{text}-01")
    return parse_date(text)


def parse_rate(text: str) -> Decimal:
    """An exchange rate: a positive number with at most ``RATE_DECIMALS`` decimals."""
    if not text:
        raise CellError(
            "the rate is empty — write how many company-currency units one unit is worth, e.g. 0.9215"
        )
    value = parse_decimal(text, example="0.9215")
    problem = rate_problem(value)
    if problem is not None:
        raise CellError(f"{problem} — write e.g. 0.9215")
    return value


class RateChecker:
    """Checks exchange-rate rows; other columns are ignored."""

    fmt = RATES

    def __init__(self, columns: list[str], company_currency: str) -> None:
        self.ignored_columns = check_columns(self.fmt, columns)
        self.company_currency = company_currency
        self.first_row: dict[tuple[str, dt.date], int] = {}

    def check(self, raw: RawRow) -> tuple[RateRow | None, list[RowError]]:
        """The row as a :class:`RateRow`, or None and every problem found in it."""
        check = _RowCheck(raw)
        currency = check.parsed("currency", parse_currency)
        if currency is not None and currency == self.company_currency:
            check.fail("currency", f"{currency} is the company currency — it needs no rate")
        valid_from = check.parsed("valid_from", parse_rate_start)
        rate = check.parsed("rate", parse_rate)
        if currency is not None and valid_from is not None:
            first = self.first_row.setdefault((currency, valid_from), raw.number)
            if first != raw.number:
                check.fail(
                    "valid_from",
                    f"{currency} from {valid_from.isoformat()} is also on row {first} — give each rate once",
                )
        if check.errors or currency is None or valid_from is None or rate is None:
            return None, check.errors
        return RateRow(currency, valid_from, rate), []


CHECKERS: dict[str, type[TransactionChecker] | type[ActivityChecker]] = {
    "transactions": TransactionChecker,
    "activities": ActivityChecker,
}
