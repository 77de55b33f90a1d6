"""Payout runs: preview (compute every rep's statement and keep the inputs), approve
(finance, only if the inputs are still what the preview computed from), lock (finance;
a locked run never changes), and re-computing a run from its kept inputs alone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.db import transaction
from django.utils import timezone

from quotaflow.accounts.models import User
from quotaflow.core.audit import record
from quotaflow.core.collector import paused_cycle_collection
from quotaflow.core.concurrency import require_version
from quotaflow.core.errors import Conflict, InvalidInput
from quotaflow.incentives.actions.guards import (
    check_period,
    require_run_approver,
    require_run_previewer,
)
from quotaflow.incentives.actions.inquiries import take_in_adjustments
from quotaflow.incentives.engine import PlanError, compute_statement, plan_from_document, run_awards
from quotaflow.incentives.engine import Statement as ComputedStatement
from quotaflow.incentives.gathering import engine_inputs, fingerprint, gather, spent_elsewhere
from quotaflow.incentives.models import (
    IncentivePlan,
    PayoutRun,
    PlanVersion,
    RunStatus,
    VersionStatus,
)
from quotaflow.incentives.storing import store_statements
from quotaflow.org.models import Person


@dataclass(frozen=True)
class Computed:
    """A run's statements computed from a snapshot, by person id."""

    snapshot: dict
    fingerprint: str
    statements: dict[int, ComputedStatement]


def compute_snapshot(snapshot: dict) -> Computed:
    """Every rep's statement from ``snapshot`` alone (no database read): first the
    run-level SPIF budget pass over every rep, then each rep's statement."""
    with paused_cycle_collection():
        return _computed(snapshot)


def _computed(snapshot: dict) -> Computed:
    plan = plan_from_document(snapshot["plan"]["document"])
    inputs_by_rep = engine_inputs(snapshot)
    awards = run_awards(plan, inputs_by_rep, spent_elsewhere(snapshot))
    statements = {}
    for person_id, inputs in inputs_by_rep.items():
        try:
            statements[person_id] = compute_statement(
                plan, replace(inputs, spif_awards=awards.get(person_id, {}))
            )
        except PlanError as error:
            name = Person.objects.filter(pk=person_id).values_list("full_name", flat=True).first()
            raise InvalidInput(f"{name or person_id}: {error.message}", field=error.field) from None
    return Computed(snapshot, fingerprint(snapshot), statements)


def _period(plan: IncentivePlan, start: dt.date, end: dt.date) -> None:
    check_period(start, end, "pay period")
    if start < plan.period_start or end > plan.period_end:
        raise InvalidInput(
            f"The pay period must lie within the plan's period, {plan.period_start.isoformat()} "
            f"to {plan.period_end.isoformat()}.",
            field="period_start",
        )


def _previous(plan: IncentivePlan, start: dt.date) -> PayoutRun | None:
    """The last locked run before ``start``; refused while an earlier run is not locked,
    or when a later run exists (runs of a plan go in order)."""
    runs = plan.runs.exclude(period_start=start)
    later = runs.filter(period_start__gt=start).first()
    if later is not None:
        raise Conflict(f"A later run already exists ({later}); runs of a plan go in order.")
    open_run = runs.filter(period_start__lt=start).exclude(status=RunStatus.LOCKED).first()
    if open_run is not None:
        raise Conflict(
            f"Lock the earlier run first: {open_run} is {open_run.get_status_display().lower()}."
        )
    previous = runs.filter(period_start__lt=start).order_by("-period_start").first()
    if previous is not None and previous.period_end >= start:
        raise InvalidInput(
            f"The pay period overlaps the earlier run {previous}.", field="period_start"
        )
    return previous


def _published(plan: IncentivePlan) -> PlanVersion:
    version = plan.versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()
    if version is None:
        raise Conflict(f"'{plan.name}' has no published version yet; publish it before a run.")
    return version


def _snapshot(
    plan: IncentivePlan,
    version: PlanVersion,
    start: dt.date,
    end: dt.date,
    previous: PayoutRun | None,
) -> dict:
    people = list(plan.assignments.values_list("person_id", flat=True))
    if not people:
        raise InvalidInput(f"Nobody is assigned to '{plan.name}' yet.", field="plan")
    with paused_cycle_collection():
        return gather(plan, version, (start, end), people, previous)


@transaction.atomic
def preview_run(
    plan: IncentivePlan,
    *,
    acting_user: User,
    period_start: dt.date,
    period_end: dt.date,
    expected_version: int | None = None,
) -> PayoutRun:
    """Compute (or compute again) the preview of ``plan``'s run for the pay period.
    ``expected_version`` is the run's version when recomputing an existing preview."""
    require_run_previewer(acting_user)
    plan = IncentivePlan.objects.select_for_update().get(pk=plan.pk)
    _period(plan, period_start, period_end)
    run = PayoutRun.objects.select_for_update().filter(plan=plan, period_start=period_start).first()
    if run is not None:
        if run.status != RunStatus.PREVIEW:
            raise Conflict(
                f"{run} is {run.get_status_display().lower()}; it cannot be computed again."
            )
        require_version(run, expected_version, what=f"The run {run}")
    previous = _previous(plan, period_start)
    version = _published(plan)
    computed = compute_snapshot(_snapshot(plan, version, period_start, period_end, previous))
    now = timezone.now()
    if run is None:
        run = PayoutRun(plan=plan, period_start=period_start)
    else:
        run.statements.all().delete()
        run.version += 1
    run.plan_version, run.period_end, run.previous_run = version, period_end, previous
    run.inputs, run.fingerprint = computed.snapshot, computed.fingerprint
    run.currency = computed.snapshot["currency"]
    run.computed_at, run.computed_by = now, acting_user
    run.save()
    _store_statements(run, computed)
    take_in_adjustments(run, acting_user=acting_user)
    record(
        actor=acting_user,
        action="incentives.run_previewed",
        obj=run,
        changes={
            "fingerprint": computed.fingerprint,
            "plan_version": version.number,
            "reps": len(computed.statements),
            "total_minor": sum(s.total_minor for s in computed.statements.values()),
        },
    )
    return run


def _store_statements(run: PayoutRun, computed: Computed) -> None:
    with paused_cycle_collection():
        store_statements(run, computed.statements, computed.snapshot["currency"])


def _locked_run(run: PayoutRun, expected_version: int | None) -> PayoutRun:
    # Approving and locking never read the kept inputs (a snapshot of every credit).
    fresh = (
        PayoutRun.objects.select_for_update().select_related("plan").defer("inputs").get(pk=run.pk)
    )
    require_version(fresh, expected_version, what=f"The run {fresh}")
    return fresh


@transaction.atomic
def approve_run(run: PayoutRun, *, acting_user: User, expected_version: int | None) -> PayoutRun:
    """Finance approves a preview, provided its inputs are still what it computed from
    (otherwise the data moved since: compute the preview again and look again)."""
    require_run_approver(acting_user)
    run = _locked_run(run, expected_version)
    if run.status != RunStatus.PREVIEW:
        raise Conflict(f"{run} is {run.get_status_display().lower()}, not a preview.")
    now_inputs = _snapshot(
        run.plan, _published(run.plan), run.period_start, run.period_end, run.previous_run
    )
    if fingerprint(now_inputs) != run.fingerprint:
        raise Conflict(
            f"The credits, targets or plan behind {run} changed since its preview; "
            "compute the preview again, check it, then approve."
        )
    run.approved_at, run.approved_by = timezone.now(), acting_user
    return _advance(run, RunStatus.APPROVED, acting_user, ["approved_at", "approved_by"])


@transaction.atomic
def lock_run(run: PayoutRun, *, acting_user: User, expected_version: int | None) -> PayoutRun:
    """Finance locks an approved run: from now on it never changes, and the next run's
    true-up and clawbacks start from it."""
    require_run_approver(acting_user)
    run = _locked_run(run, expected_version)
    if run.status != RunStatus.APPROVED:
        raise Conflict(
            f"{run} is {run.get_status_display().lower()}; only an approved run can be locked."
        )
    run.locked_at, run.locked_by = timezone.now(), acting_user
    return _advance(run, RunStatus.LOCKED, acting_user, ["locked_at", "locked_by"])


def _advance(run: PayoutRun, status: str, acting_user: User, stamps: list[str]) -> PayoutRun:
    """Move ``run`` to ``status`` (its stamp fields already set), raise its version, and
    record the step with the fingerprint it concerns."""
    before = run.status
    run.status = status
    run.version += 1
    run.save(update_fields=["status", "version", *stamps])
    record(
        actor=acting_user,
        action=f"incentives.run_{status}",
        obj=run,
        changes={"status": [before, status], "fingerprint": run.fingerprint},
    )
    return run


def recompute_run(run: PayoutRun) -> Computed:
    """``run``'s statements computed again from its kept inputs alone."""
    return compute_snapshot(run.inputs)
