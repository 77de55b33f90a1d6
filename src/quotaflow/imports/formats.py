"""The import file formats, described once: the checkers read the column lists from
here and the upload page shows the same descriptions and examples as its help text.

Every format is a table with a header row. Column names are matched case-insensitively
and surrounding spaces are ignored; the order of columns does not matter. Dates are
written YYYY-MM-DD; amounts in the currency's major units with a decimal point
(``1250.00``), never with thousands separators.
"""

from __future__ import annotations

from dataclasses import dataclass

from quotaflow.core.limits import MAX_BUSINESS_DATE, MIN_BUSINESS_DATE
from quotaflow.imports.fields import (
    MAX_AMOUNT_MINOR,
    MAX_SPLIT_PEOPLE,
    SPLIT_PERSON,
    SPLIT_SHARE,
)
from quotaflow.imports.reading import MAX_CELL_CHARS, MAX_DATA_ROWS, MAX_FILE_BYTES

#: What ``parent_unit_code`` says for a unit at the top of the tree (empty is refused, so
#: that a forgotten parent never makes a second tree or moves a unit to the top).
ROOT_PARENT = "(top)"


@dataclass(frozen=True)
class Column:
    """One column of a format: its name, whether every file needs it, and what it holds."""

    name: str
    required: bool
    meaning: str


@dataclass(frozen=True)
class FileFormat:
    """What a file of one import kind looks like."""

    kind: str
    title: str
    summary: str
    columns: tuple[Column, ...]
    other_columns: str
    example: str
    # A required column that another column may stand in for (credited_to by the numbered
    # split columns, starting with credited_to_1).
    stand_ins: tuple[tuple[str, str], ...] = ()

    @property
    def required(self) -> list[str]:
        return [column.name for column in self.columns if column.required]

    @property
    def known(self) -> set[str]:
        return {column.name for column in self.columns}


_UNIT_CODE = Column("unit_code", True, "Stable code of the unit, e.g. EMEA-DACH.")
_UNIT_KIND = Column("unit_kind", False, "company, region, area, team or other (default team).")
_TERRITORY = Column("territory", False, "Free text, e.g. Germany, Austria, Switzerland.")
_PERSON_NAME = Column("person_name", False, "Full name; needed the first time a person appears.")
_EMAIL = Column("email", False, "Work e-mail address, e.g. ria@acme.example.")
_TITLE = Column("title", False, "Job title.")
_ROLE = Column("role", False, "manager or member (default member).")
_VALID_TO = Column(
    "valid_to", False, "Last day of the placement, YYYY-MM-DD; empty while it lasts."
)
_ACCOUNT = Column("account", False, "Customer account.")
_SOURCE = Column("source", False, "System the row comes from (default import).")
_OTHERS_IGNORED = "Other columns are ignored, with a warning."
_SEPARATE_FILES = (
    "Units, people and placements may also come as three files of their own (units, people, "
    "placements), imported in that order."
)

ORG = FileFormat(
    kind="org",
    title="Organisation",
    summary=(
        "One row per unit, or per person's placement in a unit. A row with a unit_name "
        "defines the unit (its name, kind, parent and territory); further rows for the same "
        "unit may leave unit_name empty and only place people. Units may be listed in any "
        "order, and a parent may be a unit that already exists in Quotaflow. Placements are "
        "effective-dated: to move a person, end the old placement with valid_to and add the "
        "new one. Importing the same rows again changes nothing. Preview a file first to "
        f"see every unit and person it creates, moves, renames or ends. {_SEPARATE_FILES}"
    ),
    columns=(
        _UNIT_CODE,
        Column(
            "unit_name", False, "Name of the unit; fill it in on the row that defines the unit."
        ),
        _UNIT_KIND,
        Column(
            "parent_unit_code",
            False,
            f"Code of the unit above, or {ROOT_PARENT} for a unit at the top of the tree; "
            "needed on the row that defines the unit.",
        ),
        _TERRITORY,
        Column(
            "person_id",
            False,
            "Employee id from HR or the CRM; empty on a row that only defines a unit.",
        ),
        _PERSON_NAME,
        _EMAIL,
        _TITLE,
        _ROLE,
        Column(
            "valid_from", False, "First day of the placement, YYYY-MM-DD; needed with person_id."
        ),
        _VALID_TO,
    ),
    other_columns=_OTHERS_IGNORED,
    example=(
        "unit_code,unit_name,unit_kind,parent_unit_code,territory,person_id,person_name,email,title,role,valid_from,valid_to\n"
        f"ACME,Acme,company,{ROOT_PARENT},,E001,Carla Chief,carla@acme.example,CEO,manager,2026-01-01,\n"
        "EMEA,EMEA,region,ACME,Europe,E002,Max Manager,max@acme.example,VP EMEA,manager,2026-01-01,\n"
        "EMEA-A,EMEA Team A,team,EMEA,,E004,Ria Rep,ria@acme.example,Account Executive,member,2026-01-01,\n"
        "EMEA-A,,,,,E005,Rob Rep,rob@acme.example,Account Executive,member,2026-01-01,"
    ),
)

UNITS = FileFormat(
    kind="units",
    title="Units",
    summary=(
        "One row per unit of the organisation tree: the units columns of the organisation "
        "format, every row defining its unit. Units may be listed in any order, and a parent "
        "may be a unit that already exists in Quotaflow. A stored unit listed under another "
        "parent moves there with everything below it, and one listed with another name is "
        "renamed; units not listed are left alone. Preview a file first to see every unit it "
        "creates, moves and renames."
    ),
    columns=(
        _UNIT_CODE,
        Column("unit_name", True, "Name of the unit, at most 200 characters."),
        _UNIT_KIND,
        Column(
            "parent_unit_code",
            True,
            f"Code of the unit above, or {ROOT_PARENT} for a unit at the top of the tree; "
            "never empty.",
        ),
        _TERRITORY,
    ),
    other_columns=_OTHERS_IGNORED,
    example=(
        "unit_code,unit_name,unit_kind,parent_unit_code,territory\n"
        f"ACME,Acme,company,{ROOT_PARENT},\n"
        "EMEA,EMEA,region,ACME,Europe\n"
        "EMEA-A,EMEA Team A,team,EMEA,"
    ),
)

PEOPLE = FileFormat(
    kind="people",
    title="People",
    summary=(
        "One row per person who holds quota or manages people, identified by person_id. A "
        "new person needs a person_name; for a stored person, the details given replace the "
        "stored ones and empty cells keep them. Place people in units with a placements file."
    ),
    columns=(
        Column("person_id", True, "Employee id from HR or the CRM, e.g. E004."),
        _PERSON_NAME,
        _EMAIL,
        _TITLE,
        Column(
            "username",
            False,
            "The person's existing Quotaflow login, to link it to them (logins and their roles "
            "come from the users import); empty leaves the link as it is.",
        ),
    ),
    other_columns=_OTHERS_IGNORED,
    example=(
        "person_id,person_name,email,title,username\n"
        "E001,Carla Chief,carla@acme.example,CEO,\n"
        "E004,Ria Rep,ria@acme.example,Account Executive,ria"
    ),
)

PLACEMENTS = FileFormat(
    kind="placements",
    title="Placements",
    summary=(
        "One row per person's effective-dated placement in a unit, as manager or member; the "
        "person and the unit must be in Quotaflow already (import units and people first). "
        "A person is a member of at most one unit on any day. To move a person, end the old "
        "placement with valid_to and add the new one; a placement listed again with another "
        "valid_to is ended or extended. Preview a file first to see every placement it "
        "creates and ends."
    ),
    columns=(
        Column("person_id", True, "Employee id of a person in Quotaflow."),
        Column("unit_code", True, "Code of a unit in Quotaflow."),
        _ROLE,
        Column("valid_from", True, "First day of the placement, YYYY-MM-DD."),
        _VALID_TO,
    ),
    other_columns=_OTHERS_IGNORED,
    example=(
        "person_id,unit_code,role,valid_from,valid_to\n"
        "E001,ACME,manager,2026-01-01,\n"
        "E004,EMEA-A,member,2026-01-01,2026-06-30\n"
        "E004,EMEA-B,member,2026-07-01,"
    ),
)

#: The organisation's import kinds: checked and written through the same organisation
#: checks, and each may be previewed (a dry run) before it is written.
ORG_KINDS = ("org", "units", "people", "placements")

TRANSACTIONS = FileFormat(
    kind="transactions",
    title="Transactions",
    summary=(
        "One row per booked sale, credit note (negative amount) or cancellation. A transaction "
        "is identified by source and external_id: importing it again updates it in place (its "
        "credits are replaced) or, if nothing changed, leaves it alone, so nothing is counted twice."
    ),
    columns=(
        Column("external_id", True, "The transaction's id in your CRM or ERP; unique per source."),
        Column("date", True, "Booking date, YYYY-MM-DD."),
        Column(
            "amount",
            True,
            "Amount in major units with a decimal point, e.g. 1250.00; negative for a credit note.",
        ),
        Column("currency", True, "Three-letter ISO 4217 code, e.g. EUR."),
        Column(
            "credited_to",
            True,
            "Person id (E001), or a split adding up to 100: E001:60;E002:40. A file may give "
            f"the split in numbered columns instead ({SPLIT_PERSON}1, {SPLIT_SHARE}1, "
            f"{SPLIT_PERSON}2, {SPLIT_SHARE}2 …, below); then credited_to is not needed, and a "
            "row that fills in both forms is refused.",
        ),
        Column(
            f"{SPLIT_PERSON}1 … {SPLIT_PERSON}{MAX_SPLIT_PEOPLE}",
            False,
            "Person id of each person sharing the sale (instead of credited_to); numbers may "
            "skip, each person once.",
        ),
        Column(
            f"{SPLIT_SHARE}1 … {SPLIT_SHARE}{MAX_SPLIT_PEOPLE}",
            False,
            f"The percentage of the person in {SPLIT_PERSON}N of the same number N, e.g. 60; "
            "a row's shares add up to exactly 100 (each above 0, at most 4 decimals). May be "
            "empty when one person has the whole sale.",
        ),
        Column("quantity", False, "Units sold (default 1)."),
        Column("product", False, "Product name or SKU."),
        Column("product_group", False, "Product group, e.g. Software."),
        _ACCOUNT,
        Column("deal_type", False, "e.g. new_business, renewal, upsell."),
        _SOURCE,
        Column("cancelled", False, "true or false (default false)."),
    ),
    other_columns="Any other column is kept with the transaction as a free attribute.",
    example=(
        "external_id,date,amount,currency,credited_to,quantity,product,product_group,account,deal_type,cancelled\n"
        "INV-1001,2026-03-14,1250.00,EUR,E004,1,Widget Pro,Software,Globex,new_business,false\n"
        "INV-1002,2026-03-15,980.50,EUR,E004:60;E005:40,2,Widget Lite,Software,Initech,renewal,false"
    ),
    stand_ins=(("credited_to", f"{SPLIT_PERSON}1"),),
)

ACTIVITIES = FileFormat(
    kind="activities",
    title="Activities",
    summary=(
        "One row per call, meeting, demo or other sales activity, identified by source and "
        "external_id like transactions."
    ),
    columns=(
        Column("external_id", True, "The activity's id in your CRM; unique per source."),
        Column("date", True, "Date of the activity, YYYY-MM-DD."),
        Column("person_id", True, "Employee id of the person who did it."),
        Column("activity_type", True, "e.g. call, meeting, demo."),
        Column("quantity", False, "Whole number (default 1)."),
        _ACCOUNT,
        _SOURCE,
    ),
    other_columns="Any other column is kept with the activity as a free attribute.",
    example=(
        "external_id,date,person_id,activity_type,quantity,account\n"
        "CALL-77,2026-03-14,E004,call,1,Globex\n"
        "MEET-12,2026-03-16,E005,meeting,1,Initech"
    ),
)

RATES = FileFormat(
    kind="rates",
    title="Exchange rates",
    summary=(
        "One row per currency and day (or month) from which a rate applies: how many units of "
        "the company currency one unit of the currency is worth. A rate stays in force until "
        "the next rate of the same currency; give a month (YYYY-MM) for a monthly rate, valid "
        "from its first day. Sales in another currency are converted at the rate in force on "
        "their date. Importing a corrected rate converts and re-credits the sales it applies to."
    ),
    columns=(
        Column("currency", True, "Three-letter ISO 4217 code of the foreign currency, e.g. USD."),
        Column("valid_from", True, "First day the rate applies, YYYY-MM-DD, or a month YYYY-MM."),
        Column(
            "rate",
            True,
            "Company-currency units for one unit of the currency, e.g. 0.9215 (at most 10 decimals).",
        ),
    ),
    other_columns=_OTHERS_IGNORED,
    example=(
        "currency,valid_from,rate\nUSD,2026-03,0.9215\nJPY,2026-03,0.0061\nUSD,2026-03-16,0.9302"
    ),
)

FORMATS: dict[str, FileFormat] = {
    fmt.kind: fmt for fmt in (ORG, UNITS, PEOPLE, PLACEMENTS, TRANSACTIONS, ACTIVITIES, RATES)
}


def limit_rules() -> list[str]:
    """The limits every import file keeps, in words, for the upload page."""
    return [
        f"A file holds at most {MAX_FILE_BYTES // 2**20} MiB and {MAX_DATA_ROWS:,} data rows; "
        "split bigger exports into several files.",
        f"A cell holds at most {MAX_CELL_CHARS:,} characters (fewer for ids, codes and names; "
        "the error says how many), on one line, without control characters such as tabs or NUL.",
        f"Dates lie between {MIN_BUSINESS_DATE.isoformat()} and {MAX_BUSINESS_DATE.isoformat()}; "
        f"one row's amount is at most {MAX_AMOUNT_MINOR // 100:,} in a currency with cents "
        "(either sign).",
        "A quote that opens a cell must close it; a quote left open is reported on its row.",
        "Text that a spreadsheet would run as a formula (starting with =, +, - or @) is "
        "imported as text, and written with a leading apostrophe in exports and in the "
        "rejected-rows file; that apostrophe is removed again when such a file is re-imported.",
    ]
