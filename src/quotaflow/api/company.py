"""``/company``: the company settings (name, reporting currency, fiscal-year start).

Everyone signed in may read them (every amount and period depends on them); administrators
and sales operations change them (tokens need the ``manage`` scope). A change names the
``version`` it read; the currency and the fiscal-year start are refused, with the reason,
once data depends on them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from quotaflow.accounts.models import TokenScope
from quotaflow.api.auth import require_allowed, require_scope
from quotaflow.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    ExpectedVersion,
    Input,
    versioned_changes,
)
from quotaflow.core import actions, limits
from quotaflow.core.models import Company
from quotaflow.core.money import minor_unit_decimals
from quotaflow.core.permissions import can_change_settings

T = TypeVar("T")

router = Router(tags=["company"])


class CompanyOut(Schema):
    """The company settings."""

    name: str
    currency: str = Field(
        description="Reporting currency (ISO 4217); amounts are in its minor units."
    )
    currency_decimals: int = Field(description="Decimals of the currency's minor unit (2 for EUR).")
    fiscal_year_start_month: int = Field(description="1 = January … 12 = December.")
    version: int = Field(description="Send it back as expected_version when changing settings.")

    @staticmethod
    def of(company: Company) -> CompanyOut:
        """The schema for ``company``."""
        return CompanyOut(
            name=company.name,
            currency=company.currency,
            currency_decimals=minor_unit_decimals(company.currency) or 0,
            fiscal_year_start_month=company.fiscal_year_start_month,
            version=company.version,
        )


class CompanyPatch(Input):
    """Changes to the settings; only the fields sent change."""

    expected_version: ExpectedVersion
    name: str | None = Field(None, min_length=1, max_length=200)
    currency: str | None = Field(
        None,
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 code; refused once sales, exchange rates or planning cycles exist.",
    )
    fiscal_year_start_month: int | None = Field(
        None, ge=1, le=12, description="Refused once a planning cycle exists."
    )
    reason: str = Field(
        "", max_length=limits.COMMENT_MAX_LENGTH, description="Why, for the audit trail."
    )


@router.get("/company", response={200: CompanyOut, **READ_ERRORS}, summary="Company settings")
def get_company(request: HttpRequest) -> CompanyOut:
    """The company's name, reporting currency and fiscal-year start month."""
    require_scope(request, TokenScope.READ)
    return CompanyOut.of(Company.current())


@router.patch(
    "/company", response={200: CompanyOut, **WRITE_ERRORS}, summary="Change company settings"
)
def update_company(request: HttpRequest, payload: CompanyPatch) -> CompanyOut:
    """Change the name, currency or fiscal-year start (administrators and sales operations)."""
    return CompanyOut.of(patch_settings(request, payload, actions.update_company))


def patch_settings(request: HttpRequest, payload: Any, update: Callable[..., T]) -> T:
    """A planner's PATCH of a settings row (a token needs the manage scope): ``update``,
    a settings action, given the fields sent, the version read and the reason."""
    user = require_allowed(request, can_change_settings, scope=TokenScope.MANAGE)
    return update(
        acting_user=user,
        expected_version=payload.expected_version,
        reason=payload.reason,
        **versioned_changes(payload),
    )
