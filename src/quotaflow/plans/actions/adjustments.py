"""Mid-period adjustment (quota-relief) requests: filing one, each approver's decision,
withdrawing, answering a return, and applying the approved change as a new version.

The chain: a manager above the goal decides first; when the change is larger than the
cycle's thresholds (``plans.adjustments.needs_sales_ops``) sales operations decide next.
Each step approves, rejects with a reason, or returns the request for more information;
the requester may withdraw it while it is open. The final approval applies the change
through the plan's own mid-period versioning (``plans.actions.versions``), prorated and
re-phased, under the cycle's ``relief_policy``. Every step is one atomic action, audited,
with its notifications sent after the commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile as Upload
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from quotaflow.accounts.models import User
from quotaflow.core import limits
from quotaflow.core.actions import written_text
from quotaflow.core.audit import record
from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from quotaflow.core.money import AmountError
from quotaflow.core.notify import notify
from quotaflow.org.queries import scope_day
from quotaflow.plans import permissions
from quotaflow.plans.actions.versions import create_mid_period_version
from quotaflow.plans.adjustments import current_goal, impact_of, needs_sales_ops, planners
from quotaflow.plans.explanations import amounts_for
from quotaflow.plans.loaders import NO_REQUEST, goal_for_action
from quotaflow.plans.models import (
    ADJUSTMENT_TEXT_MAX_LENGTH,
    AdjustmentDecision,
    AdjustmentDecisionKind,
    AdjustmentEffect,
    AdjustmentEvidence,
    AdjustmentReason,
    AdjustmentRequest,
    AdjustmentStatus,
    Goal,
    ReliefPolicy,
)
from quotaflow.plans.queries import goal_managers, goal_owner_users
from quotaflow.plans.visibility import can_see_goal

#: The largest evidence file, in bytes (5 MB).
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
#: The evidence files taken, by extension: their content type and how their content starts.
EVIDENCE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "csv": ("text/csv", ()),
}


@dataclass(frozen=True)
class Evidence:
    """An evidence file that passed the checks, ready to store."""

    file_name: str
    content_type: str
    data: bytes


def read_evidence(upload: Upload | None) -> Evidence | None:
    """The uploaded file checked before anything is written: at most
    :data:`EVIDENCE_MAX_BYTES`, a PDF, PNG, JPEG, CSV or XLSX whose content is what its
    name says (a CSV is UTF-8 text). Refuses with ``InvalidInput`` otherwise."""
    if upload is None:
        return None
    if upload.size is not None and upload.size > EVIDENCE_MAX_BYTES:
        raise InvalidInput(
            f"The evidence file is {upload.size / 1_048_576:.1f} MB; the most is "
            f"{EVIDENCE_MAX_BYTES // 1_048_576} MB.",
            field="evidence_file",
        )
    name = os.path.basename((upload.name or "").replace("\\", "/")).strip()
    problem = limits.text_problem(name, max_length=200)
    if not name or problem is not None:
        raise InvalidInput(f"The file name {problem or 'is empty'}.", field="evidence_file")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EVIDENCE_TYPES:
        raise InvalidInput(
            f"Evidence is a PDF, PNG, JPEG, CSV or XLSX file; '{name}' is none of these.",
            field="evidence_file",
        )
    data = upload.read(EVIDENCE_MAX_BYTES + 1)
    if len(data) > EVIDENCE_MAX_BYTES:
        raise InvalidInput(
            f"The evidence file is larger than {EVIDENCE_MAX_BYTES // 1_048_576} MB.",
            field="evidence_file",
        )
    if not data:
        raise InvalidInput("The evidence file is empty.", field="evidence_file")
    content_type, signatures = EVIDENCE_TYPES[extension]
    if signatures and not data.startswith(signatures):
        raise InvalidInput(
            f"'{name}' does not hold a {extension.upper()} file.", field="evidence_file"
        )
    if extension == "csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("A CSV file must be UTF-8 text.", field="evidence_file") from None
        if "\x00" in text:
            raise InvalidInput("A CSV file must be text.", field="evidence_file")
    return Evidence(name, content_type, data)


def _text(value: str, field: str, label: str, *, required: bool = False) -> str:
    return written_text(
        value, field=field, label=label, max_length=ADJUSTMENT_TEXT_MAX_LENGTH, required=required
    )


@dataclass(frozen=True)
class _Asked:
    """What a request asks, read from what the person typed (stored units)."""

    proposed_target: int | None
    relief_amount: int | None
    new_full_target: int


def _amounts_asked(goal: Goal, proposed_target: str, relief_amount: str) -> _Asked:
    """Exactly one of a new full-period target and a relief amount, typed in the metric's
    display units (``"1,200,000"``, ``"950k"``, ``"12.500"`` KWD) and read by its currency."""
    money = amounts_for(goal.metric)
    proposed_text, relief_text = (proposed_target or "").strip(), (relief_amount or "").strip()
    if bool(proposed_text) == bool(relief_text):
        raise InvalidInput(
            "Give either the new full-period target or the relief amount, not both.",
            field="proposed_target" if proposed_text else "relief_amount",
        )
    try:
        if proposed_text:
            proposed = money.parse(proposed_text)
            new_full, relief = proposed, None
        else:
            relief = money.parse(relief_text)
            if relief <= 0:
                raise InvalidInput("The relief amount is more than zero.", field="relief_amount")
            if relief > goal.target:
                raise InvalidInput(
                    f"The relief of {money.format(relief)} is more than the whole target of "
                    f"{money.format(goal.target)}.",
                    field="relief_amount",
                )
            proposed, new_full = None, goal.target - relief
    except AmountError as error:
        field = "proposed_target" if proposed_text else "relief_amount"
        raise InvalidInput(error.message, field=field) from None
    if new_full == goal.target:
        raise InvalidInput(
            f"{money.format(new_full)} is the target already; nothing would change.",
            field="proposed_target",
        )
    return _Asked(proposed, relief, new_full)


def _effective_date(goal: Goal, effective_from: dt.date, today: dt.date) -> dt.date:
    """After the period starts, not after it ends, and no earlier than the cycle allows
    back-dating (``relief_backdate_days`` before today)."""
    cycle = goal.cycle
    assert cycle is not None  # noqa: S101 - requests are on plan goals
    if not cycle.period_start < effective_from <= cycle.period_end:
        raise InvalidInput(
            f"The change takes effect after the period starts ({cycle.period_start:%d %b %Y}) "
            f"and no later than it ends ({cycle.period_end:%d %b %Y}).",
            field="effective_from",
        )
    earliest = today - dt.timedelta(days=cycle.relief_backdate_days)
    if effective_from < earliest:
        raise InvalidInput(
            f"This plan lets a change take effect at most {cycle.relief_backdate_days} days "
            f"back, so from {earliest:%d %b %Y} on.",
            field="effective_from",
        )
    if cycle.effective_from is not None and effective_from < cycle.effective_from:
        raise InvalidInput(
            f"The plan's current version takes effect on {cycle.effective_from:%d %b %Y}; a "
            "change cannot take effect before it.",
            field="effective_from",
        )
    return effective_from


def _who(user: User) -> str:
    return user.get_full_name() or user.username


def _url(request: AdjustmentRequest) -> str:
    return f"/plans/adjustments/{request.pk}/"


def _first_approvers(request: AdjustmentRequest, goal: Goal) -> list[User]:
    """Who hears that the manager's step waits: the nearest managers above the goal today
    other than the requester, or sales operations when there are none."""
    found = [u for u in goal_managers(goal, scope_day()) if u.pk != request.requested_by_id]
    return found or list(planners())


def _decide_notice(request: AdjustmentRequest) -> list[User]:
    """Who must decide ``request`` next, to be told that it waits for them."""
    if request.status == AdjustmentStatus.PENDING_SALES_OPS:
        return [u for u in planners() if u.pk != request.requested_by_id]
    return _first_approvers(request, request.goal)


def _tell_approvers(request: AdjustmentRequest, title: str) -> None:
    notify(
        _decide_notice(request),
        kind="adjustment.waiting",
        title=title[:200],
        body=request.evidence[:500],
        url=_url(request),
    )


def _tell_requester(request: AdjustmentRequest, title: str, body: str = "") -> None:
    owners = goal_owner_users([request.goal], scope_day()).get(request.goal_id, [])
    notify(
        [request.requested_by, *owners],
        kind="adjustment.decided",
        title=title[:200],
        body=body[:500],
        url=_url(request),
    )


def _decision(
    request: AdjustmentRequest, actor: User, kind: str, *, step: str = "", note: str = ""
) -> None:
    AdjustmentDecision.objects.create(request=request, actor=actor, kind=kind, step=step, note=note)


def file_adjustment_request(
    goal: Goal,
    *,
    acting_user: User,
    reason: str,
    effective_from: dt.date,
    proposed_target: str = "",
    relief_amount: str = "",
    evidence: str = "",
    evidence_file: Upload | None = None,
) -> AdjustmentRequest:
    """Ask for a mid-period change of ``goal``'s number: its owner, or a manager above it on
    their behalf. ``proposed_target`` (the new full-period target) or ``relief_amount`` (how
    much less), exactly one, typed in the metric's display units; ``effective_from`` inside
    the period; evidence text (at most 4,000 characters) and optionally a file
    (:func:`read_evidence`). Everything is checked — including that the cycle's policy can
    take the change — before anything is written; the first approvers are told after the
    commit."""
    goal = goal_for_action(goal)
    if not can_see_goal(acting_user, goal):
        raise NotFound("There is no such goal, or it is outside your part of the organisation.")
    refusal = permissions.adjustment_refusal(goal)
    if refusal:
        raise Conflict(refusal)
    if not permissions.can_request_adjustment(acting_user, goal):
        raise NotAllowed("Only the goal's owner, or a manager above it, requests an adjustment.")
    if reason not in AdjustmentReason.values:
        raise InvalidInput(
            f"Choose a reason: {', '.join(AdjustmentReason.values)}.", field="reason"
        )
    today = scope_day()
    asked = _amounts_asked(goal, proposed_target, relief_amount)
    effective_from = _effective_date(goal, effective_from, today)
    text = _text(evidence, "evidence", "evidence", required=evidence_file is None)
    upload = read_evidence(evidence_file)
    impact = impact_of(goal, asked.new_full_target, effective_from)
    assert goal.cycle is not None  # noqa: S101 - checked by adjustment_refusal
    with transaction.atomic():
        made = AdjustmentRequest.objects.create(
            goal=goal,
            requested_by=acting_user,
            reason=reason,
            proposed_target=asked.proposed_target,
            relief_amount=asked.relief_amount,
            target_at_filing=goal.target,
            effective_from=effective_from,
            evidence=text,
            requires_sales_ops=needs_sales_ops(goal.cycle, goal.target, asked.new_full_target),
            impact=impact.to_dict(),
        )
        _decision(made, acting_user, AdjustmentDecisionKind.FILED, note=text)
        if upload is not None:
            _store_evidence(made, upload, acting_user)
        record(
            actor=acting_user,
            action="plans.adjustment.filed",
            obj=made,
            changes={
                "target": [goal.target, asked.new_full_target],
                "effective_from": [None, effective_from.isoformat()],
                "status": [None, made.status],
                "requires_sales_ops": [None, made.requires_sales_ops],
            },
            reason=f"{made.get_reason_display()}: {text}"[:2000],
        )
        money = amounts_for(goal.metric)
        _tell_approvers(
            made,
            f"{_who(acting_user)} asks to change {goal.owner_name}'s target to "
            f"{money.format(asked.new_full_target)} from {effective_from:%d %b %Y} "
            f"(request #{made.pk})",
        )
    return made


def _store_evidence(request: AdjustmentRequest, upload: Evidence, actor: User) -> None:
    stored = AdjustmentEvidence.objects.create(
        request=request,
        file_name=upload.file_name,
        content_type=upload.content_type,
        size=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        data=upload.data,
        uploaded_by=actor,
    )
    record(
        actor=actor,
        action="plans.adjustment.evidence",
        obj=request,
        changes={"evidence_file": [None, f"{stored.file_name} ({stored.size} bytes)"]},
        reason=f"sha256 {stored.sha256}",
    )


def _locked_request(
    request: AdjustmentRequest | int, user: User, expected_version: int | None
) -> AdjustmentRequest:
    """Re-read the request under a row lock (404 for one the user may not see); with
    ``expected_version``, Conflict unless that is still its version."""
    pk = request.pk if isinstance(request, AdjustmentRequest) else request
    found = (
        AdjustmentRequest.objects.select_for_update(of=("self",))
        .select_related(
            "goal__cycle",
            "goal__metric",
            "goal__owner_unit",
            "goal__owner_person__user",
            "goal__parent__owner_unit",
            "requested_by",
        )  # fmt: skip
        .filter(pk=pk)
        .first()
    )
    if found is None or not permissions.can_see_adjustment(user, found):
        raise NotFound(NO_REQUEST)
    if expected_version is not None and found.version != expected_version:
        raise Conflict(
            f"Request #{found.pk} was changed by someone else (now version {found.version}, you "
            f"had {expected_version}); reload it and try again."
        )
    return found


def _move(
    request: AdjustmentRequest, actor: User, status: str, *, kind: str, step: str, note: str,
    extra: dict[str, object] | None = None,
) -> None:  # fmt: skip
    """Set the request's status (and ``extra`` fields), raise its version, record the
    decision and the audit event."""
    before = request.status
    fields: dict[str, object] = {"status": status, **(extra or {})}
    AdjustmentRequest.objects.filter(pk=request.pk).update(version=F("version") + 1, **fields)
    for name, value in fields.items():
        setattr(request, name, value)
    request.version += 1
    _decision(request, actor, kind, step=step, note=note)
    record(
        actor=actor,
        action=f"plans.adjustment.{kind}",
        obj=request,
        changes={"status": [before, status]},
        reason=note,
    )


def _require_decider(user: User, request: AdjustmentRequest) -> None:
    refusal = permissions.adjustment_decision_refusal(user, request)
    if refusal:
        raise NotAllowed(refusal) if request.is_pending else Conflict(refusal)


def approve_adjustment_request(
    request: AdjustmentRequest | int,
    *,
    acting_user: User,
    note: str = "",
    expected_version: int | None = None,
) -> AdjustmentRequest:
    """Approve the step the request waits at. At the manager's step of a request larger
    than the cycle's thresholds it goes on to sales operations; otherwise this is the final
    approval, which applies the change (:func:`_apply`)."""
    note = _text(note, "note", "note")
    with transaction.atomic():
        found = _locked_request(request, acting_user, expected_version)
        _require_decider(acting_user, found)
        step = found.status
        if step == AdjustmentStatus.PENDING_MANAGER and found.requires_sales_ops:
            _move(
                found, acting_user, AdjustmentStatus.PENDING_SALES_OPS,
                kind=AdjustmentDecisionKind.APPROVED, step=step, note=note,
            )  # fmt: skip
            _tell_approvers(
                found,
                f"Request #{found.pk} on {found.goal.owner_name}'s target passed the manager "
                "and waits for sales operations",
            )
            _tell_requester(
                found,
                f"{_who(acting_user)} approved request #{found.pk}; sales operations decide next",
                note,
            )
            return found
        _apply(found, acting_user, step=step, note=note)
    return found


def _apply(request: AdjustmentRequest, actor: User, *, step: str, note: str) -> None:
    """The final approval: a new version of the plan through the mid-period versioning,
    with the request's change from its effective date under the cycle's policy; the
    changed goals recorded as the request's effects and its impact as applied."""
    goal = current_goal(request.goal)
    cycle = goal.cycle
    assert cycle is not None  # noqa: S101 - current_goal returns a published plan's goal
    new_full = request.new_full_target(goal.target)
    if new_full < 0:
        raise Conflict(
            f"The relief is now more than {goal.owner_name}'s whole target; reject the "
            "request or ask for a new one."
        )
    effective_from = _effective_date_still_valid(request, goal)
    impact = impact_of(goal, new_full, effective_from)
    label = request.get_reason_display()
    new_cycle = create_mid_period_version(
        cycle,
        acting_user=actor,
        effective_from=effective_from,
        reason=f"Adjustment request #{request.pk} ({label.lower()})",
        targets={goal.pk: new_full},
        resplit_siblings=cycle.relief_policy == ReliefPolicy.SIBLINGS_RESPLIT,
        approved_request=request.pk,
    )
    effects = _record_effects(request, cycle.pk, new_cycle.pk, goal)
    applied = next(e.goal_id for e in effects if e.role == "goal")
    _move(
        request, actor, AdjustmentStatus.APPROVED, kind=AdjustmentDecisionKind.APPROVED,
        step=step, note=note,
        extra={
            "applied_cycle_id": new_cycle.pk, "applied_goal_id": applied,
            "impact": impact.to_dict(), "decided_at": timezone.now(),
        },
    )  # fmt: skip
    money = amounts_for(goal.metric)
    _tell_requester(
        request,
        f"Request #{request.pk} approved: {goal.owner_name}'s target is "
        f"{money.format(impact.new_target)} from {effective_from:%d %b %Y}",
        note,
    )
    others = Goal.objects.filter(
        pk__in=[e.goal_id for e in effects if e.role == "sibling"]
    ).select_related("owner_unit", "owner_person__user")
    notify(
        [u for users in goal_owner_users(others, scope_day()).values() for u in users],
        kind="adjustment.applied",
        title=f"Your target changed from {effective_from:%d %b %Y}: "
        f"{goal.owner_name}'s adjustment (request #{request.pk}) was re-split over the team"[:200],
        url=_url(request),
    )


def _effective_date_still_valid(request: AdjustmentRequest, goal: Goal) -> dt.date:
    """The request's date, checked again against the version published now (a later
    version may have taken effect after it)."""
    cycle = goal.cycle
    assert cycle is not None  # noqa: S101 - current_goal returns a published plan's goal
    if cycle.effective_from is not None and request.effective_from < cycle.effective_from:
        raise Conflict(
            f"A later version of the plan took effect on {cycle.effective_from:%d %b %Y}, after "
            f"this request's date ({request.effective_from:%d %b %Y}); reject it and ask for a "
            "new one."
        )
    return request.effective_from


def _record_effects(
    request: AdjustmentRequest, old_cycle_id: int, new_cycle_id: int, goal: Goal
) -> list[AdjustmentEffect]:
    """One effect per goal whose target the new version changed, with its role."""
    old = {
        (g.owner_unit_id, g.owner_person_id, g.metric_id): g
        for g in Goal.objects.filter(cycle_id=old_cycle_id)
    }
    effects = []
    for new in Goal.objects.filter(cycle_id=new_cycle_id).order_by("pk"):
        before = old.get((new.owner_unit_id, new.owner_person_id, new.metric_id))
        if before is None or before.target == new.target:
            continue
        if before.pk == goal.pk:
            role = "goal"
        elif before.parent_id == goal.parent_id:
            role = "sibling"
        else:
            role = "above"
        effects.append(
            AdjustmentEffect(
                request=request, goal=new, role=role, before=before.target, after=new.target
            )
        )
    if not any(e.role == "goal" for e in effects):
        raise Conflict("The change rounds to nothing from this date; nothing was applied.")
    return AdjustmentEffect.objects.bulk_create(effects)


def reject_adjustment_request(
    request: AdjustmentRequest | int,
    *,
    acting_user: User,
    reason: str,
    expected_version: int | None = None,
) -> AdjustmentRequest:
    """Refuse the request at the step it waits at, saying why (required)."""
    reason = _text(reason, "reason", "reason for rejecting", required=True)
    with transaction.atomic():
        found = _locked_request(request, acting_user, expected_version)
        _require_decider(acting_user, found)
        _move(
            found, acting_user, AdjustmentStatus.REJECTED, kind=AdjustmentDecisionKind.REJECTED,
            step=found.status, note=reason, extra={"decided_at": timezone.now()},
        )  # fmt: skip
        _tell_requester(found, f"{_who(acting_user)} rejected request #{found.pk}", reason)
    return found


def return_adjustment_request(
    request: AdjustmentRequest | int,
    *,
    acting_user: User,
    reason: str,
    expected_version: int | None = None,
) -> AdjustmentRequest:
    """Send the request back to its requester for more information (say what is missing);
    when they answer it comes back to the same step."""
    reason = _text(reason, "reason", "question", required=True)
    with transaction.atomic():
        found = _locked_request(request, acting_user, expected_version)
        _require_decider(acting_user, found)
        _move(
            found, acting_user, AdjustmentStatus.RETURNED, kind=AdjustmentDecisionKind.RETURNED,
            step=found.status, note=reason, extra={"returned_from": found.status},
        )  # fmt: skip
        _tell_requester(
            found, f"{_who(acting_user)} returned request #{found.pk} for more information", reason
        )
    return found


def resubmit_adjustment_request(
    request: AdjustmentRequest | int,
    *,
    acting_user: User,
    answer: str,
    evidence_file: Upload | None = None,
    expected_version: int | None = None,
) -> AdjustmentRequest:
    """The requester answers a return (required) and may add a file; the request goes
    back to the step that returned it. (To change the numbers, withdraw and file anew.)"""
    answer = _text(answer, "answer", "answer", required=True)
    upload = read_evidence(evidence_file)
    with transaction.atomic():
        found = _locked_request(request, acting_user, expected_version)
        if found.requested_by_id != acting_user.pk:
            raise NotAllowed("Only who filed a request answers on it.")
        if not permissions.can_resubmit_adjustment(acting_user, found):
            raise Conflict(
                f"Request #{found.pk} is {found.get_status_display().lower()}; only a returned "
                "request takes an answer."
            )
        if upload is not None:
            _store_evidence(found, upload, acting_user)
        step = found.returned_from or AdjustmentStatus.PENDING_MANAGER
        _move(
            found, acting_user, step, kind=AdjustmentDecisionKind.RESUBMITTED, step=step,
            note=answer, extra={"returned_from": ""},
        )  # fmt: skip
        _tell_approvers(found, f"{_who(acting_user)} answered on request #{found.pk}")
    return found


def withdraw_adjustment_request(
    request: AdjustmentRequest | int,
    *,
    acting_user: User,
    note: str = "",
    expected_version: int | None = None,
) -> AdjustmentRequest:
    """The requester takes back a request that is still open (pending or returned)."""
    note = _text(note, "note", "note")
    with transaction.atomic():
        found = _locked_request(request, acting_user, expected_version)
        if not permissions.can_withdraw_adjustment(acting_user, found):
            if found.requested_by_id != acting_user.pk:
                raise NotAllowed("Only who filed a request withdraws it.")
            raise Conflict(f"Request #{found.pk} is {found.get_status_display().lower()}.")
        was_pending = found.is_pending
        _move(
            found, acting_user, AdjustmentStatus.WITHDRAWN, kind=AdjustmentDecisionKind.WITHDRAWN,
            step=found.status, note=note, extra={"decided_at": timezone.now()},
        )  # fmt: skip
        if was_pending:
            notify(
                _first_approvers(found, found.goal),
                kind="adjustment.decided",
                title=f"{_who(acting_user)} withdrew request #{found.pk}",
                url=_url(found),
            )
    return found
