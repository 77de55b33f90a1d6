"""The only code that writes the company settings (name, reporting currency, fiscal-year
start month).

Some settings cannot change once data depends on them. Every sale is converted into the
company currency when it arrives, and targets are stored in that currency's minor units,
so a new currency would silently re-read every stored amount; the fiscal calendar fixed
the periods and labels of every planning cycle. :func:`update_company` refuses those
changes with the reason and the count of what stands in the way.

The counts read the other apps' tables through Django's app registry rather than by
importing their models: those apps depend on ``core`` (for money, audit and the calendar),
so ``core`` must not depend on them.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction

from quotaflow.core import limits
from quotaflow.core.audit import diff, record
from quotaflow.core.concurrency import require_version
from quotaflow.core.errors import InvalidInput, NotAllowed
from quotaflow.core.models import Company
from quotaflow.core.money import minor_unit_decimals
from quotaflow.core.permissions import SETTINGS_REFUSED, can_change_settings

COMPANY_SETTINGS = ("name", "currency", "fiscal_year_start_month")
MONTH_NAMES = (
    "January February March April May June July August September October November December"
).split()


def _rows(app_label: str, model_name: str) -> int:
    return int(apps.get_model(app_label, model_name).objects.count())


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _clean_name(name: Any) -> str:
    text = str(name).strip()
    if not text:
        raise InvalidInput("Give the company a name.", field="name")
    limit = Company._meta.get_field("name").max_length or 200
    if len(text) > limit:
        raise InvalidInput(
            f"The company name is too long (at most {limit} characters).", field="name"
        )
    return text


def _clean_currency(code: Any) -> str:
    text = str(code).strip().upper()
    if minor_unit_decimals(text) is None:
        raise InvalidInput(
            f"{code!r} is not an ISO 4217 currency in circulation; use a code such as EUR, "
            "USD or JPY.",
            field="currency",
        )
    return text


def _clean_month(month: Any) -> int:
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise InvalidInput(
            "The fiscal year starts in a month from 1 (January) to 12 (December).",
            field="fiscal_year_start_month",
        )
    return month


def _refuse_currency_change(old: str, new: str) -> None:
    sales, rates, cycles = (
        _rows("sales", "Transaction"),
        _rows("sales", "ExchangeRate"),
        _rows("plans", "PlanningCycle"),
    )
    held = [
        _plural(sales, "sale was", "sales were") + f" converted into {old}" if sales else "",
        _plural(rates, "exchange rate converts", "exchange rates convert") + f" into {old}"
        if rates
        else "",
        _plural(cycles, "planning cycle holds", "planning cycles hold") + f" targets in {old}"
        if cycles
        else "",
    ]
    held = [item for item in held if item]
    if held:
        raise InvalidInput(
            f"The currency cannot change from {old} to {new}: {'; '.join(held)}. Changing the "
            "currency after sales were converted is not supported, because every stored "
            f"amount would then be read as {new}. Load the company into a fresh database with "
            f"{new} set before the first import.",
            field="currency",
        )


def _refuse_calendar_change(old: int, new: int) -> None:
    cycles = _rows("plans", "PlanningCycle")
    if cycles:
        raise InvalidInput(
            f"The fiscal year cannot start in {MONTH_NAMES[new - 1]} instead of "
            f"{MONTH_NAMES[old - 1]}: {_plural(cycles, 'planning cycle was', 'planning cycles were')} "
            "set on the current fiscal calendar, and their periods and goals would no longer "
            "match it. Change the fiscal-year start before the first planning cycle.",
            field="fiscal_year_start_month",
        )


def require_settings_writer(acting_user: Any) -> None:
    """Administrators and sales operations change the settings (see :mod:`core.permissions`)."""
    if not can_change_settings(acting_user):
        raise NotAllowed(SETTINGS_REFUSED)


def refuse_unknown_settings(changes: dict[str, Any], known: tuple[str, ...], what: str) -> None:
    """Refuse ``changes`` naming anything but ``known`` (``what``: e.g. "company setting")."""
    unknown = sorted(set(changes) - set(known))
    if unknown:
        raise InvalidInput(
            f"Unknown {what} {', '.join(unknown)}; the settings are {', '.join(known)}.",
            field=unknown[0],
        )


S = TypeVar("S", bound=models.Model)


def locked_settings(model: type[S], expected_version: int | None, *, what: str) -> S:
    """The one settings row of ``model`` (created with defaults first if missing), locked
    for update and at ``expected_version`` (else 409, see :func:`require_version`)."""
    model.current()  # type: ignore[attr-defined]  # the row exists before it is locked
    row = model.objects.select_for_update().order_by("pk").first()  # type: ignore[attr-defined]
    assert row is not None  # noqa: S101 - created just above
    require_version(row, expected_version, what=what)
    return row


def save_settings(
    row: S, old: dict[str, Any], wanted: dict[str, Any], *, acting_user: Any, reason: str
) -> S:
    """Write the ``wanted`` values onto the locked settings ``row`` whose values were
    ``old``: nothing when they change nothing; else the version raised, the model's own
    validators as a last check (refused with nothing written), and one audit event
    ``<app>.<model>.changed`` with every changed field's old and new value."""
    changed = diff(old, {**old, **wanted})
    if not changed:
        return row
    for field, value in wanted.items():
        setattr(row, field, value)
    row.version += 1  # type: ignore[attr-defined]
    try:
        row.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise InvalidInput(" ".join(messages), field=field) from None
    row.save(update_fields=[*wanted, "version", "updated_at"])
    meta = row._meta
    record(
        actor=acting_user,
        action=f"{meta.app_label}.{meta.model_name}.changed",
        obj=row,
        changes=changed,
        reason=reason,
    )
    return row


@transaction.atomic
def update_company(
    *,
    acting_user: Any,
    expected_version: int | None,
    reason: str = "",
    **changes: Any,
) -> Company:
    """Change the company settings named in ``changes`` (any of :data:`COMPANY_SETTINGS`).

    Refused with nothing written: a stale ``expected_version`` (409), a value out of range,
    a new currency once sales, exchange rates or planning cycles exist, a new fiscal-year
    start once planning cycles exist. A change is one audit event ``core.company.changed``
    with every field's old and new value; sending the current values changes nothing.
    """
    require_settings_writer(acting_user)
    refuse_unknown_settings(changes, COMPANY_SETTINGS, "company setting")
    company = locked_settings(Company, expected_version, what="The company settings")
    cleaners = {
        "name": _clean_name,
        "currency": _clean_currency,
        "fiscal_year_start_month": _clean_month,
    }
    wanted = {field: cleaners[field](value) for field, value in changes.items()}
    old = {field: getattr(company, field) for field in COMPANY_SETTINGS}
    new = {**old, **wanted}
    if new["currency"] != old["currency"]:
        _refuse_currency_change(old["currency"], new["currency"])
    if new["fiscal_year_start_month"] != old["fiscal_year_start_month"]:
        _refuse_calendar_change(old["fiscal_year_start_month"], new["fiscal_year_start_month"])
    return save_settings(company, old, wanted, acting_user=acting_user, reason=reason)


def written_text(
    value: str, *, field: str, label: str, max_length: int, required: bool = False
) -> str:
    """What a person wrote (a note, a reason, an answer) stripped, refused with a message
    naming ``label`` if it is longer than ``max_length``, holds control characters other
    than line breaks, or is empty when ``required``."""
    problem = limits.text_problem(value, max_length=max_length, multiline=True)
    if problem is not None:
        raise InvalidInput(f"The {label} {problem}.", field=field)
    if required and not value.strip():
        raise InvalidInput(f"Write the {label}.", field=field)
    return value.strip()
