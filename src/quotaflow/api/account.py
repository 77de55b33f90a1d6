"""``/me`` and ``/fiscal-calendar``: who is calling, and the company's periods."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from quotaflow.accounts.models import Role, TokenScope
from quotaflow.api.auth import request_token, request_user
from quotaflow.api.schemas import READ_ERRORS, day_or_today
from quotaflow.core import limits
from quotaflow.core.fiscal import FiscalPeriod
from quotaflow.core.models import Company
from quotaflow.org.models import Person, Unit
from quotaflow.org.queries import viewer_scope
from quotaflow.plans.permissions import can_plan

router = Router(tags=["account"])


class PersonRef(Schema):
    """The person a login belongs to."""

    external_id: str
    full_name: str


class ScopeOut(Schema):
    """What you may see today."""

    everything: bool = Field(description="True for administrators, sales operations and finance.")
    units: list[str] = Field(description="Codes of the units whose subtrees you see (managers).")
    own_record: bool = Field(description="Whether you see your own person record.")


class MeOut(Schema):
    """The caller."""

    username: str
    full_name: str
    role: Role
    role_label: str
    is_planner: bool = Field(description="May change the organisation, metrics, imports and plans.")
    person: PersonRef | None
    scope: ScopeOut
    authenticated_by: str = Field(description="'token' or 'session'.")
    token_scopes: list[TokenScope] | None = Field(
        description="The token's scopes; null for a session."
    )


@router.get("/me", response={200: MeOut, **READ_ERRORS}, summary="Who am I")
def me(request: HttpRequest) -> MeOut:
    """Your login, role, person record and what you may see today."""
    user = request_user(request)
    token = request_token(request)
    scope = viewer_scope(user)
    person = Person.objects.filter(user=user).first()
    unit_codes = list(Unit.objects.filter(path__in=scope.unit_paths).values_list("code", flat=True))
    return MeOut(
        username=user.username,
        full_name=user.get_full_name(),
        role=Role(user.role),
        role_label=user.get_role_display(),
        is_planner=can_plan(user),
        person=PersonRef(external_id=person.external_id, full_name=person.full_name)
        if person
        else None,
        scope=ScopeOut(
            everything=scope.everything, units=unit_codes, own_record=bool(scope.person_ids)
        ),
        authenticated_by="token" if token else "session",
        token_scopes=[TokenScope(scope) for scope in token.scopes] if token else None,
    )


class PeriodOut(Schema):
    """A fiscal period; ``start`` and ``end`` are both included."""

    label: str = Field(description="e.g. FY2027, FY2027-H1, FY2027-Q3, FY2027-M05.")
    start: dt.date
    end: dt.date
    days: int

    @staticmethod
    def of(period: FiscalPeriod) -> PeriodOut:
        """The schema for ``period``."""
        return PeriodOut(label=period.label, start=period.start, end=period.end, days=period.days)


class FiscalCalendarOut(Schema):
    """A fiscal year with its halves, quarters and months."""

    fiscal_year: int = Field(description="Named after the calendar year in which it ends.")
    start_month: int = Field(description="1 = January … 12 = December.")
    year: PeriodOut
    halves: list[PeriodOut]
    quarters: list[PeriodOut]
    months: list[PeriodOut]


@router.get(
    "/fiscal-calendar", response={200: FiscalCalendarOut, **READ_ERRORS}, summary="Fiscal calendar"
)
def fiscal_calendar(
    request: HttpRequest,
    fiscal_year: Annotated[
        int | None,
        Query(
            ge=limits.MIN_BUSINESS_DATE.year + 1,
            le=limits.MAX_BUSINESS_DATE.year,
            description="e.g. 2027; the current fiscal year if omitted.",
        ),
    ] = None,
) -> FiscalCalendarOut:
    """The periods of a fiscal year, from the company's fiscal-year start month."""
    calendar = Company.current().fiscal_calendar
    year = fiscal_year if fiscal_year is not None else calendar.fiscal_year_of(day_or_today(None))
    return FiscalCalendarOut(
        fiscal_year=year,
        start_month=calendar.start_month,
        year=PeriodOut.of(calendar.year(year)),
        halves=[PeriodOut.of(period) for period in calendar.halves(year)],
        quarters=[PeriodOut.of(period) for period in calendar.quarters(year)],
        months=[PeriodOut.of(period) for period in calendar.months(year)],
    )
