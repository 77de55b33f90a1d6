"""``/tracking-settings``: how goals are tracked company-wide (status thresholds and basis,
who sees the leaderboard, the digest cadence, what happens to a sale credited to someone
with no placement on its date).

Everyone signed in may read them (they decide the status every page shows); administrators
and sales operations change them (tokens need the ``manage`` scope). A change names the
``version`` it read; a stale one is refused with 409 and nothing written.
"""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from quotaflow.accounts.models import TokenScope
from quotaflow.api.auth import require_scope
from quotaflow.api.company import patch_settings
from quotaflow.api.schemas import READ_ERRORS, WRITE_ERRORS, ExpectedVersion, Input
from quotaflow.core import limits
from quotaflow.performance import actions
from quotaflow.performance.models import (
    DigestCadence,
    PerformanceSettings,
    StatusBasis,
    UnplacedCredit,
    Visibility,
)

router = Router(tags=["tracking"])

THRESHOLD_DOC = "Percent (0–200, two decimals) of {basis}: below it a goal is {status}."


class TrackingSettingsOut(Schema):
    """The company's tracking settings."""

    status_basis: StatusBasis = Field(
        description="What the status compares with the thresholds: pacing (actual against "
        "expected to date) or projected attainment at period end."
    )
    at_risk_below: Decimal = Field(
        description=THRESHOLD_DOC.format(basis="the basis", status="at risk")
    )
    off_track_below: Decimal = Field(
        description=THRESHOLD_DOC.format(basis="the basis", status="off track")
    )
    leaderboard_visibility: Visibility
    digest_cadence: DigestCadence
    unplaced_credit: UnplacedCredit = Field(
        description="A sale credited to someone with no placement on its date: counted under "
        "the Unplaced unit (bucket) or refused at ingest (refuse)."
    )
    version: int = Field(description="Send it back as expected_version when changing settings.")

    @staticmethod
    def of(settings: PerformanceSettings) -> TrackingSettingsOut:
        """The schema for ``settings``."""
        return TrackingSettingsOut(
            status_basis=StatusBasis(settings.status_basis),
            at_risk_below=Decimal(settings.at_risk_below).quantize(Decimal("0.01")),
            off_track_below=Decimal(settings.off_track_below).quantize(Decimal("0.01")),
            leaderboard_visibility=Visibility(settings.leaderboard_visibility),
            digest_cadence=DigestCadence(settings.digest_cadence),
            unplaced_credit=UnplacedCredit(settings.unplaced_credit),
            version=settings.version,
        )


class TrackingSettingsPatch(Input):
    """Changes to the tracking settings; only the fields sent change."""

    expected_version: ExpectedVersion
    status_basis: StatusBasis | None = None
    at_risk_below: Decimal | None = Field(
        None, ge=0, le=actions.THRESHOLD_MAX, max_digits=5, decimal_places=2
    )
    off_track_below: Decimal | None = Field(
        None,
        ge=0,
        le=actions.THRESHOLD_MAX,
        max_digits=5,
        decimal_places=2,
        description="At most at_risk_below.",
    )
    leaderboard_visibility: Visibility | None = None
    digest_cadence: DigestCadence | None = None
    unplaced_credit: UnplacedCredit | None = None
    reason: str = Field(
        "", max_length=limits.COMMENT_MAX_LENGTH, description="Why, for the audit trail."
    )


@router.get(
    "/tracking-settings",
    response={200: TrackingSettingsOut, **READ_ERRORS},
    summary="Tracking settings",
)
def get_tracking_settings(request: HttpRequest) -> TrackingSettingsOut:
    """Status thresholds and basis, leaderboard visibility, digest cadence and the
    handling of credit to people with no placement."""
    require_scope(request, TokenScope.READ)
    return TrackingSettingsOut.of(PerformanceSettings.current())


@router.patch(
    "/tracking-settings",
    response={200: TrackingSettingsOut, **WRITE_ERRORS},
    summary="Change tracking settings",
)
def update_tracking_settings(
    request: HttpRequest, payload: TrackingSettingsPatch
) -> TrackingSettingsOut:
    """Change any of the settings (administrators and sales operations); a bad value or
    an off-track threshold above the at-risk one is refused with nothing written."""
    return TrackingSettingsOut.of(
        patch_settings(request, payload, actions.update_tracking_settings)
    )
