"""Helpers for import tests: write a file, import it as ops_olga, and count what is stored."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from quotaflow.core.limits import MIN_BUSINESS_DATE
from quotaflow.core.models import Company
from quotaflow.core.money import DECIMALS
from quotaflow.imports.actions import import_file
from quotaflow.imports.models import ImportRun
from quotaflow.org.models import Assignment, Person, Unit
from quotaflow.sales.models import Activity, ExchangeRate, Transaction, TransactionCredit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"


def stored_counts() -> dict[str, int]:
    """How many rows of each importable model are stored."""
    models: dict[str, Any] = {
        "units": Unit,
        "people": Person,
        "assignments": Assignment,
        "transactions": Transaction,
        "credits": TransactionCredit,
        "activities": Activity,
    }
    return {name: model.objects.count() for name, model in models.items()}


def errors_by_cell(run: ImportRun) -> dict[tuple[int, str], str]:
    """A run's reasons by (row, column), to compare with what a test expects."""
    return {(error["row"], error["column"]): error["reason"] for error in run.errors}


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    """Write ``text`` to a file in a temporary folder (in ``encoding``) and return its path."""

    def write(text: str, name: str = "upload.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


@pytest.fixture
def rates_for_every_currency(small_org: Any) -> None:
    """A rate into the company currency for every other currency, in force since the
    earliest business date: these tests are about reading files, and a sale in another
    currency is only written when a rate converts it (tests/sales covers refusals)."""
    company_currency = Company.current().currency
    ExchangeRate.objects.bulk_create(
        ExchangeRate(currency=code, valid_from=MIN_BUSINESS_DATE, rate=Decimal(1))
        for code in DECIMALS
        if code != company_currency
    )


@pytest.fixture
def import_as_olga(small_org: Any, rates_for_every_currency: None) -> Callable[..., ImportRun]:
    """Import a file as ops_olga (sales ops) through the command-line path."""

    def run(kind: str, path: Path, *, skip_bad_rows: bool = False) -> ImportRun:
        return import_file(
            kind,
            path,
            file_name=path.name,
            acting_user=small_org.users["ops_olga"],
            skip_bad_rows=skip_bad_rows,
            via="cli",
        )

    return run
