"""Opening a planning cycle: its participants and their goals, from scratch or from a template."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from quotaflow.accounts.models import User
from quotaflow.core import limits
from quotaflow.core.audit import record, record_many
from quotaflow.core.errors import Conflict, InvalidInput
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Assignment, AssignmentRole, Unit, UnitKind
from quotaflow.org.queries import (
    active_on,
)
from quotaflow.plans import engine_adapter as engine
from quotaflow.plans import permissions
from quotaflow.plans.actions.guards import (
    _check_version,
    _locked_cycle,
    _require_editable,
    _require_planner,
    _require_targets,
)
from quotaflow.plans.actions.writes import _bump_cycle, _phasing, _with_names
from quotaflow.plans.models import (
    Approach,
    CheckinCadence,
    CycleStatus,
    Goal,
    GoalKind,
    GoalStatus,
    Milestone,
    PlanningCycle,
    ReliefPolicy,
)
from quotaflow.plans.qualitative import MilestoneSpec, clean_milestones, clean_rubric
from quotaflow.plans.queries import (
    tree_goals,
)


def _participants(root: Unit, day: dt.date) -> tuple[list[Unit], dict[int, int]]:
    """Units under ``root`` and each member's unit (person id → unit id) on ``day``. The
    Unplaced unit holds credits of people nobody placed; it takes no part in plans."""
    units = list(
        Unit.objects.filter(path__startswith=root.path)
        .exclude(kind=UnitKind.UNPLACED)
        .order_by("depth", "pk")
    )
    members: dict[int, int] = {}
    rows = (
        Assignment.objects.filter(
            active_on(day), unit__path__startswith=root.path, role=AssignmentRole.MEMBER
        )
        .order_by("valid_from", "pk")
        .values_list("person_id", "unit_id")
    )
    for person_id, unit_id in rows:
        members.setdefault(person_id, unit_id)
    return units, members


def create_cycle(
    *,
    acting_user: User,
    name: str,
    metric: Metric,
    period_start: dt.date,
    period_end: dt.date,
    approach: str = Approach.TOP_DOWN,
    root_unit: Unit | None = None,
    period_label: str = "",
    submissions_due: dt.date | None = None,
    approvals_due: dt.date | None = None,
    publish_on: dt.date | None = None,
    allocation: Sequence[Mapping[str, Any]] = (),
    phasing_profile: Sequence[float] = (),
    gap_tolerance_bp: int = 500,
) -> PlanningCycle:
    """Create a cycle and a draft goal for every participant: each unit under ``root_unit``
    (default: the company) and each member of those units on ``period_start``."""
    _require_planner(acting_user)
    if not name.strip():
        raise InvalidInput("Give the cycle a name.", field="name")
    if period_end < period_start:
        raise InvalidInput("The period must end after it starts.", field="period_end")
    if approach not in Approach.values:
        raise InvalidInput(
            f"Unknown approach '{approach}'; use top_down, bottom_up or hybrid.", field="approach"
        )
    settings = [engine.LevelSetting.from_dict(level).to_dict() for level in allocation]
    months = engine.month_spans(period_start, period_end)
    if phasing_profile and (
        len(phasing_profile) != len(months) or any(float(w) < 0 for w in phasing_profile)
    ):
        raise InvalidInput(
            f"Give {len(months)} non-negative monthly weights for the phasing profile."
        )
    if root_unit is None:
        root_unit = Unit.objects.filter(parent__isnull=True).order_by("pk").first()
        if root_unit is None:
            raise InvalidInput("Set up the organisation before planning.")
    with transaction.atomic():
        cycle = PlanningCycle.objects.create(
            name=name.strip(),
            metric=metric,
            root_unit=root_unit,
            period_start=period_start,
            period_end=period_end,
            period_label=period_label,
            approach=approach,
            owner=acting_user,
            submissions_due=submissions_due,
            approvals_due=approvals_due,
            publish_on=publish_on,
            status=CycleStatus.DRAFT if approach == Approach.TOP_DOWN else CycleStatus.OPEN,
            allocation=settings,
            phasing_profile=[float(w) for w in phasing_profile],
            gap_tolerance_bp=gap_tolerance_bp,
        )
        record(
            actor=acting_user,
            action="plans.cycle.created",
            obj=cycle,
            changes={"name": [None, cycle.name]},
        )
        _create_participant_goals(cycle, acting_user)
    return cycle


def _create_participant_goals(cycle: PlanningCycle, actor: User) -> None:
    units, members = _participants(cycle.root_unit, cycle.period_start)
    common = {
        "cycle": cycle,
        "metric_id": cycle.metric_id,
        "period_start": cycle.period_start,
        "period_end": cycle.period_end,
        "period_label": cycle.period_label,
        "target": 0,
        "phasing": _phasing(cycle, 0),
    }
    unit_goals = Goal.objects.bulk_create([Goal(owner_unit=u, **common) for u in units])
    by_unit = {g.owner_unit_id: g for g in unit_goals}
    person_goals = Goal.objects.bulk_create(
        [Goal(owner_person_id=p, parent=by_unit[u], **common) for p, u in members.items()]
    )
    for unit, goal in zip(units, unit_goals, strict=True):
        goal.parent = by_unit.get(unit.parent_id) if unit.pk != cycle.root_unit_id else None
    Goal.objects.bulk_update(unit_goals, ["parent"])
    record_many(
        actor=actor,
        action="plans.goal.created",
        entries=(
            (g, {"target": [None, 0], "status": [None, GoalStatus.DRAFT]}, "")
            for g in _with_names([*unit_goals, *person_goals])
        ),
    )


def create_goals_from_template(
    cycle: PlanningCycle,
    *,
    acting_user: User,
    metric: Metric,
    target: int,
    unit_kind: str | None = None,
    role: str | None = None,
    description: str = "",
    rubric: Sequence[Mapping[str, Any]] = (),
    kind: str = GoalKind.NUMERIC,
    milestones: Sequence[MilestoneSpec] = (),
) -> list[Goal]:
    """Create the same goal for every unit of ``unit_kind`` or every person with ``role``
    (``"rep"``: the cycle's members; ``"manager"``: its units' managers) in one step.

    Suits non-revenue goals (calls, new logos) and qualitative ones: ``kind`` ``rubric``
    (scored 0–4 against ``rubric``, all five levels written) or ``milestone`` (each goal
    gets the checklist ``milestones``). Owners who already have a goal on that metric in
    the cycle are skipped."""
    _require_planner(acting_user)
    measured_by = kind
    if measured_by not in GoalKind.values:
        raise InvalidInput(
            f"Unknown kind of goal '{measured_by}'; use numeric, milestone or rubric.", field="kind"
        )
    if measured_by == GoalKind.RUBRIC:
        rubric = clean_rubric(rubric)
    specs = (
        clean_milestones(milestones, period_start=cycle.period_start, period_end=cycle.period_end)
        if measured_by == GoalKind.MILESTONE
        else []
    )
    if metric.pk == cycle.metric_id:
        raise InvalidInput(
            "The cycle's own metric already has a goal for every participant.", field="metric"
        )
    if (unit_kind is None) == (role is None):
        raise InvalidInput("Choose either a level (unit kind) or a role for the template.")
    _require_targets(target)
    with transaction.atomic():
        cycle = _locked_cycle(cycle)
        _require_editable(cycle)
        tree = tree_goals(cycle)
        if unit_kind is not None:
            owners = [
                ("unit", g.owner_unit_id)
                for g in tree
                if g.owner_unit and g.owner_unit.kind == unit_kind
            ]
        elif role == "rep":
            owners = [("person", g.owner_person_id) for g in tree if g.owner_person_id]
        elif role == "manager":
            unit_ids = [g.owner_unit_id for g in tree if g.owner_unit_id]
            person_ids = Assignment.objects.filter(
                active_on(cycle.period_start), unit_id__in=unit_ids, role=AssignmentRole.MANAGER
            ).values_list("person_id", flat=True)
            owners = [("person", p) for p in sorted(set(person_ids))]
        else:
            raise InvalidInput("The role must be 'rep' or 'manager'.", field="role")
        existing = set(
            Goal.objects.filter(cycle=cycle, metric=metric).values_list(
                "owner_unit_id", "owner_person_id"
            )
        )
        new_goals = [
            Goal(
                cycle=cycle,
                metric=metric,
                owner_unit_id=owner_id if kind == "unit" else None,
                owner_person_id=owner_id if kind == "person" else None,
                period_start=cycle.period_start,
                period_end=cycle.period_end,
                period_label=cycle.period_label,
                target=target,
                phasing=_phasing(cycle, target),
                description=description,
                rubric=[dict(level) for level in rubric],
                kind=measured_by,
                derivation={
                    "rule": "template",
                    "summary": f"Set for every {unit_kind or role} by {acting_user}.",
                },
            )
            for kind, owner_id in owners
            if ((owner_id, None) if kind == "unit" else (None, owner_id)) not in existing
        ]
        created = Goal.objects.bulk_create(new_goals)
        Milestone.objects.bulk_create(
            Milestone(goal=goal, position=n, title=spec.title, due=spec.due, weight=spec.weight)
            for goal in created
            for n, spec in enumerate(specs, start=1)
        )
        reason = f"template for every {unit_kind or role}"
        record_many(
            actor=acting_user,
            action="plans.goal.created",
            entries=(
                (
                    g,
                    {
                        "target": [None, g.target],
                        "status": [None, GoalStatus.DRAFT],
                        "kind": [None, g.kind],
                    },
                    reason,
                )
                for g in _with_names(created)
            ),
        )
    return created


def set_checkin_cadence(
    cycle: PlanningCycle, *, acting_user: User, cadence: str, expected_version: int | None = None
) -> PlanningCycle:
    """Set how often the owners of ``cycle``'s goals check in (``CheckinCadence``; "" for
    none). Allowed on a published plan, not on a closed or superseded one."""
    _require_planner(acting_user)
    if cadence not in CheckinCadence.values:
        choices = ", ".join(value or '"" (none)' for value in CheckinCadence.values)
        raise InvalidInput(f"Unknown check-in cadence '{cadence}'; use {choices}.", field="cadence")
    with transaction.atomic():
        cycle = _locked_cycle(cycle)
        if not permissions.can_set_checkin_cadence(acting_user, cycle):
            raise Conflict(
                f"'{cycle}' is {cycle.get_status_display().lower()}: it is a record and "
                "takes no new check-in cadence."
            )
        _check_version(cycle, expected_version)
        if cycle.checkin_cadence != cadence:
            _bump_cycle(
                cycle, {"checkin_cadence": cadence}, actor=acting_user, action="plans.cycle.cadence"
            )
    return cycle


#: The longest back-dating a cycle may allow for adjustment requests, in days.
MAX_BACKDATE_DAYS = 366
#: The largest percentage threshold, in basis points (100%).
MAX_THRESHOLD_BP = 10_000


def set_relief_settings(
    cycle: PlanningCycle,
    *,
    acting_user: User,
    policy: str,
    ops_threshold: int | None,
    ops_threshold_bp: int | None,
    backdate_days: int,
    expected_version: int | None = None,
) -> PlanningCycle:
    """How ``cycle`` treats adjustment requests: the policy above the changed goal
    (``ReliefPolicy``), the size above which sales operations approve too — an amount in
    stored units and/or basis points of the target (None: no such threshold) — and how
    many days before its filing a request may take effect. A planner, on any cycle that
    is not a closed or superseded record."""
    _require_planner(acting_user)
    if policy not in ReliefPolicy.values:
        raise InvalidInput(
            f"Unknown policy '{policy}'; use {', '.join(ReliefPolicy.values)}.", field="policy"
        )
    if ops_threshold is not None and not 0 <= ops_threshold <= limits.BIGINT_MAX:
        raise InvalidInput("The amount threshold is zero or more.", field="ops_threshold")
    if ops_threshold_bp is not None and not 0 <= ops_threshold_bp <= MAX_THRESHOLD_BP:
        raise InvalidInput("The percentage threshold is from 0% to 100%.", field="ops_threshold_bp")
    if not 0 <= backdate_days <= MAX_BACKDATE_DAYS:
        raise InvalidInput(
            f"Back-dating is from 0 to {MAX_BACKDATE_DAYS} days.", field="backdate_days"
        )
    changes = {
        "relief_policy": policy,
        "relief_ops_threshold": ops_threshold,
        "relief_ops_threshold_bp": ops_threshold_bp,
        "relief_backdate_days": backdate_days,
    }
    with transaction.atomic():
        cycle = _locked_cycle(cycle)
        if not permissions.can_set_relief_settings(acting_user, cycle):
            raise Conflict(
                f"'{cycle}' is {cycle.get_status_display().lower()}: it is a record and "
                "takes no new adjustment settings."
            )
        _check_version(cycle, expected_version)
        changed = {k: v for k, v in changes.items() if getattr(cycle, k) != v}
        if changed:
            _bump_cycle(cycle, changed, actor=acting_user, action="plans.cycle.relief_settings")
    return cycle
