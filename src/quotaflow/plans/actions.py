"""Every change to a planning cycle or a goal: one function per state change.

Each action is atomic, checks the acting user's place in the tree, and records an audit
event per changed object with old → new values and the reason. A single goal is written
with ``UPDATE … WHERE version = <the version read>`` (a stale write raises ``Conflict``);
whole trees are written under row locks taken cycle first, then goals, so that concurrent
writers queue instead of overwriting each other or deadlocking. Reads that compare versions
(``compare_versions``) live in ``plans.queries``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from quotaflow.accounts.models import Role, User
from quotaflow.core.audit import diff, record
from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from quotaflow.core.models import AuditEvent
from quotaflow.core.notify import notify
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Assignment, AssignmentRole, Unit, UnitKind
from quotaflow.org.queries import (
    active_on,
    ancestor_units,
    managed_units,
    managers_of,
    scope_for,
)
from quotaflow.plans import engine_adapter as engine
from quotaflow.plans.exports import display_decimals, to_display
from quotaflow.plans.models import (
    Approach,
    CommentKind,
    CycleStatus,
    Goal,
    GoalComment,
    GoalStatus,
    PlanningCycle,
)
from quotaflow.plans.queries import (
    Drift,
    drift_since_reconciliation,
    goal_owner_users,
    goal_tree,
    history_by_goal,
    person_for,
    reviewing_unit,
    sums_are_exact,
    tree_goals,
)

#: Goal fields whose changes are audited (and replayable from the audit trail).
AUDITED_FIELDS = (
    "target",
    "guidance",
    "submitted_target",
    "status",
    "locked",
    "parent_id",
    "allocated_to_children",
    "weight",
    "rationale",
    "breakdown",
)


# --- guards -----------------------------------------------------------------------------


def _require_planner(user: User) -> None:
    if not user.is_planner:
        raise NotAllowed("Only administrators and sales operations can change a planning cycle.")


def _require_editable(cycle: PlanningCycle) -> None:
    if cycle.is_frozen:
        raise Conflict(
            f"'{cycle}' is {cycle.get_status_display().lower()} and cannot change; "
            "make a mid-period version with a reason instead."
        )


def _require_approach(cycle: PlanningCycle, *approaches: str) -> None:
    if cycle.approach not in approaches:
        names = " or ".join(Approach(a).label.lower() for a in approaches)
        raise InvalidInput(
            f"This step belongs to {names} cycles; '{cycle}' is {cycle.get_approach_display().lower()}."
        )


def _manages_unit(user: User, unit: Unit | None, day: dt.date) -> bool:
    """Planners act anywhere; a manager within the subtrees they manage on ``day``."""
    if user.is_planner:
        return True
    if unit is None or user.role != Role.MANAGER:
        return False
    return scope_for(user, day).can_see_unit(unit)


def _require_reviewer(user: User, goal: Goal) -> None:
    """Approving, returning or adjusting: a manager above the goal, never its owner."""
    if user.is_planner:
        return
    day = goal.period_start
    if not _manages_unit(user, reviewing_unit(goal), day):
        raise NotAllowed("Only a manager above this goal, or sales operations, can review it.")
    person = person_for(user)
    if goal.owner_person_id is not None and goal.owner_person_id == getattr(person, "pk", None):
        raise NotAllowed("You cannot review your own goal; your manager does.")
    if goal.owner_unit_id is not None and person is not None:
        own_units = managed_units(person, day).values_list("pk", flat=True)
        if goal.owner_unit_id in set(own_units):
            raise NotAllowed(
                "You cannot review the roll-up of a unit you manage; your manager does."
            )


def _check_version(obj: Goal | PlanningCycle, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise Conflict(
            f"{obj} was changed by someone else (now version {obj.version}, you had "
            f"{expected_version}); reload it and try again."
        )


def _locked_goal(goal: Goal | int) -> Goal:
    """Re-read a goal under a row lock, so the checks below see the committed state."""
    pk = goal.pk if isinstance(goal, Goal) else goal
    # Lock the cycle first: every writer takes cycle → goals in that order, so two writers
    # touching goals and their shared ancestors queue up instead of deadlocking.
    cycle_ids = list(Goal.objects.filter(pk=pk).values_list("cycle_id", flat=True))
    if cycle_ids and cycle_ids[0] is not None:
        list(PlanningCycle.objects.select_for_update().filter(pk=cycle_ids[0]).values_list("pk"))
    found = (
        Goal.objects.select_for_update(of=("self",))
        .select_related(
            "cycle", "parent", "owner_unit", "owner_person", "metric", "parent__owner_unit"
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("That goal does not exist.")
    return found


def _locked_cycle(cycle: PlanningCycle | int) -> PlanningCycle:
    pk = cycle.pk if isinstance(cycle, PlanningCycle) else cycle
    found = PlanningCycle.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound("That planning cycle does not exist.")
    return found


# --- writing ------------------------------------------------------------------------------


def _snapshot(goal: Goal) -> dict[str, Any]:
    return {name: getattr(goal, name) for name in AUDITED_FIELDS}


def _write_goal(
    goal: Goal, changes: Mapping[str, Any], *, actor: User, action: str, reason: str = ""
) -> Goal:
    """Apply ``changes`` with ``UPDATE … WHERE version = goal.version``; Conflict if stale."""
    before = _snapshot(goal)
    updated = Goal.objects.filter(pk=goal.pk, version=goal.version).update(
        **changes, version=F("version") + 1, updated_at=timezone.now()
    )
    if updated == 0:
        raise Conflict(f"{goal} was changed by someone else meanwhile; reload it and try again.")
    for name, value in changes.items():
        setattr(goal, name, value)
    goal.version += 1
    record(
        actor=actor, action=action, obj=goal, changes=diff(before, _snapshot(goal)), reason=reason
    )
    return goal


def _write_goals(
    goals: Sequence[Goal],
    changes: Mapping[int, Mapping[str, Any]],
    *,
    actor: User,
    action: str,
    reason: str = "",
) -> None:
    """Apply per-goal changes in bulk to goals read under a row lock, one audit event each."""
    events = []
    touched = []
    now = timezone.now()
    for goal in goals:
        new = changes.get(goal.pk)
        if not new:
            continue
        before = _snapshot(goal)
        for name, value in new.items():
            setattr(goal, name, value)
        goal.version += 1
        goal.updated_at = now
        touched.append(goal)
        delta = diff(before, _snapshot(goal))
        if delta or action.endswith("created"):
            events.append(
                AuditEvent(
                    actor=actor,
                    action=action,
                    object_type="plans.goal",
                    object_id=str(goal.pk),
                    object_repr=str(goal)[:200],
                    changes=delta,
                    reason=reason,
                )
            )
    fields = sorted({name for new in changes.values() for name in new} | {"version", "updated_at"})
    Goal.objects.bulk_update(touched, fields, batch_size=500)
    AuditEvent.objects.bulk_create(events, batch_size=500)


def _bump_cycle(
    cycle: PlanningCycle, changes: Mapping[str, Any], *, actor: User, action: str, reason: str = ""
) -> None:
    before = {name: getattr(cycle, name) for name in changes}
    updated = PlanningCycle.objects.filter(pk=cycle.pk, version=cycle.version).update(
        **changes, version=F("version") + 1
    )
    if updated == 0:
        raise Conflict(f"'{cycle}' was changed by someone else meanwhile; reload it and try again.")
    for name, value in changes.items():
        setattr(cycle, name, value)
    cycle.version += 1
    record(
        actor=actor, action=action, obj=cycle, changes=diff(before, dict(changes)), reason=reason
    )


def _phasing(cycle: PlanningCycle, target: int) -> list[dict[str, Any]]:
    return engine.phase(target, cycle.period_start, cycle.period_end, cycle.phasing_profile or ())


def _names(goals: Iterable[Goal]) -> dict[int, str]:
    return {g.pk: g.owner_name for g in goals}


def _nodes(goals: Sequence[Goal], history: Mapping[int, int] | None = None) -> list[engine.Node]:
    ids = {g.pk for g in goals}
    return [
        engine.Node(
            g.pk,
            g.parent_id if g.parent_id in ids else None,
            weight=g.weight,
            history=(history or {}).get(g.pk, 0),
        )
        for g in goals
    ]


def _settings(cycle: PlanningCycle) -> list[engine.LevelSetting]:
    return [engine.LevelSetting.from_dict(level) for level in cycle.allocation or []]


def _locked_tree(cycle: PlanningCycle) -> list[Goal]:
    goals = list(
        Goal.objects.select_for_update(of=("self",))
        .filter(cycle=cycle, metric_id=cycle.metric_id)
        .select_related("owner_unit", "owner_person")
        .order_by("pk")
    )
    if not goals:
        raise InvalidInput(f"'{cycle}' has no participants.")
    return goals


# --- cycles ---------------------------------------------------------------------------------


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
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            action="plans.goal.created",
            object_type="plans.goal",
            object_id=str(g.pk),
            object_repr=str(g.owner_unit_id or g.owner_person_id),
            changes={"target": [None, 0], "status": [None, GoalStatus.DRAFT]},
        )
        for g in [*unit_goals, *person_goals]
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
) -> list[Goal]:
    """Create the same goal for every unit of ``unit_kind`` or every person with ``role``
    (``"rep"``: the cycle's members; ``"manager"``: its units' managers) in one step.

    Suits non-revenue goals (calls, new logos) and scored goals with a ``rubric``. Owners
    who already have a goal on that metric in the cycle are skipped."""
    _require_planner(acting_user)
    if metric.pk == cycle.metric_id:
        raise InvalidInput(
            "The cycle's own metric already has a goal for every participant.", field="metric"
        )
    if (unit_kind is None) == (role is None):
        raise InvalidInput("Choose either a level (unit kind) or a role for the template.")
    if target < 0:
        raise InvalidInput("A target cannot be negative.", field="target")
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
                derivation={
                    "rule": "template",
                    "summary": f"Set for every {unit_kind or role} by {acting_user}.",
                },
            )
            for kind, owner_id in owners
            if ((owner_id, None) if kind == "unit" else (None, owner_id)) not in existing
        ]
        created = Goal.objects.bulk_create(new_goals)
        AuditEvent.objects.bulk_create(
            AuditEvent(
                actor=acting_user,
                action="plans.goal.created",
                object_type="plans.goal",
                object_id=str(g.pk),
                object_repr=str(g.owner_unit_id or g.owner_person_id),
                changes={"target": [None, g.target], "status": [None, GoalStatus.DRAFT]},
                reason=f"template for every {unit_kind or role}",
            )
            for g in created
        )
    return created


# --- top-down ----------------------------------------------------------------------------


def run_cascade(
    cycle: PlanningCycle,
    *,
    acting_user: User,
    company_target: int | None = None,
    allocation: Sequence[Mapping[str, Any]] | None = None,
    expected_version: int | None = None,
    reason: str = "",
) -> PlanningCycle:
    """Cascade the company target down the participants' tree with the cycle's allocation
    settings, keeping locked goals; re-runnable until the cycle is published.

    Top-down: every goal's target becomes the proposed number. Hybrid: it becomes the
    top-down guidance, shown next to the bottom-up submissions."""
    _require_planner(acting_user)
    with transaction.atomic():
        cycle = _locked_cycle(cycle)
        _check_version(cycle, expected_version)
        _require_editable(cycle)
        _require_approach(cycle, Approach.TOP_DOWN, Approach.HYBRID)
        if allocation is not None:
            cycle.allocation = [
                engine.LevelSetting.from_dict(level).to_dict() for level in allocation
            ]
        total = cycle.company_target if company_target is None else int(company_target)
        if total is None or total < 0:
            raise InvalidInput(
                "Enter the company target (zero or more) before cascading.", field="company_target"
            )
        goals = _locked_tree(cycle)
        _cascade_into(cycle, goals, total, actor=acting_user, reason=reason)
        _bump_cycle(
            cycle,
            {"company_target": total, "allocation": cycle.allocation},
            actor=acting_user,
            action="plans.cycle.cascaded",
            reason=reason,
        )
    return cycle


def _cascade_into(
    cycle: PlanningCycle, goals: list[Goal], total: int, *, actor: User, reason: str
) -> None:
    settings = _settings(cycle)
    needs_history = any(
        s.method == "historical_share" or "historical_share" in s.blend_weights for s in settings
    )
    history = history_by_goal(cycle, goals) if needs_history else None
    top_down = cycle.approach == Approach.TOP_DOWN
    field = "target" if top_down else "guidance"
    locks = {g.pk: getattr(g, field) or 0 for g in goals if g.locked and g.parent_id is not None}
    outcome = engine.run_cascade(
        _nodes(goals, history), total, settings, locks=locks, names=_names(goals)
    )
    changes: dict[int, dict[str, Any]] = {}
    for goal in goals:
        value = outcome.targets[goal.pk]
        derivation = dict(goal.derivation or {})
        derivation["top_down"] = outcome.derivations[goal.pk]
        new: dict[str, Any] = {"guidance": value, "derivation": derivation}
        if top_down:
            new.update(
                target=value,
                phasing=_phasing(cycle, value),
                allocated_to_children=outcome.allocated.get(goal.pk),
                status=GoalStatus.PROPOSED,
            )
        elif cycle.reconciliation == {}:
            # Until a reconciliation sets the plan, the plan is the guidance: sums stay exact.
            new.update(
                target=value,
                phasing=_phasing(cycle, value),
                allocated_to_children=outcome.allocated.get(goal.pk),
            )
        changes[goal.pk] = new
    _write_goals(goals, changes, actor=actor, action="plans.goal.cascaded", reason=reason)


def set_weights(
    cycle: PlanningCycle,
    *,
    acting_user: User,
    weights: Mapping[int, int],
    reason: str = "",
    expected_version: int | None = None,
) -> int:
    """Set the potential measure (territory potential, accounts, pipeline…) that a
    potential-weighted split uses, per goal; returns how many goals changed.
    ``expected_version`` is the cycle's."""
    _require_planner(acting_user)
    if any(int(value) < 0 for value in weights.values()):
        raise InvalidInput("Weights cannot be negative.", field="weights")
    with transaction.atomic():
        cycle = _locked_cycle(cycle)
        _check_version(cycle, expected_version)
        _require_editable(cycle)
        goals = [g for g in _locked_tree(cycle) if g.pk in weights]
        unknown = set(weights) - {g.pk for g in goals}
        if unknown:
            raise InvalidInput(
                f"Goals {sorted(unknown)[:10]} are not part of '{cycle}'.", field="weights"
            )
        changes = {
            g.pk: {"weight": int(weights[g.pk])} for g in goals if g.weight != int(weights[g.pk])
        }
        _write_goals(goals, changes, actor=acting_user, action="plans.goal.weighted", reason=reason)
    return len(changes)


def lock_goal(
    goal: Goal,
    *,
    acting_user: User,
    locked: bool = True,
    expected_version: int | None = None,
    reason: str = "",
) -> Goal:
    """Lock (or unlock) a goal so that re-running the cascade keeps its number."""
    _require_planner(acting_user)
    with transaction.atomic():
        goal = _locked_goal(goal)
        _check_version(goal, expected_version)
        assert goal.cycle is not None  # noqa: S101 - every tree goal belongs to a cycle
        _require_editable(goal.cycle)
        return _write_goal(
            goal, {"locked": locked}, actor=acting_user, action="plans.goal.locked", reason=reason
        )


def adjust_goal(
    goal: Goal, *, acting_user: User, target: int, reason: str, expected_version: int | None = None
) -> Goal:
    """Set one goal's number by hand, lock it, and re-run the cascade around it so every
    level still adds up. Adjusting the root changes the company target."""
    _require_planner(acting_user)
    if not reason.strip():
        raise InvalidInput("Say why the number changes.", field="reason")
    if target < 0:
        raise InvalidInput("A target cannot be negative.", field="target")
    with transaction.atomic():
        goal = _locked_goal(goal)
        _check_version(goal, expected_version)
        cycle = _locked_cycle(goal.cycle_id or 0)
        _require_editable(cycle)
        _require_approach(cycle, Approach.TOP_DOWN, Approach.HYBRID)
        field = "target" if cycle.approach == Approach.TOP_DOWN else "guidance"
        adjustment = {
            "by": str(acting_user),
            "at": timezone.now().isoformat(),
            "old": getattr(goal, field),
            "new": target,
            "reason": reason,
        }
        derivation = dict(goal.derivation or {})
        derivation["adjustments"] = [*derivation.get("adjustments", []), adjustment]
        is_root = goal.parent_id is None
        _write_goal(
            goal,
            {field: target, "locked": not is_root, "derivation": derivation},
            actor=acting_user,
            action="plans.goal.adjusted",
            reason=reason,
        )
        total = target if is_root else cycle.company_target
        if total is None:
            raise InvalidInput("Run the cascade with a company target first.")
        _cascade_into(cycle, _locked_tree(cycle), total, actor=acting_user, reason=reason)
        _bump_cycle(
            cycle,
            {"company_target": total},
            actor=acting_user,
            action="plans.cycle.cascaded",
            reason=reason,
        )
    goal.refresh_from_db()
    return goal


def resplit_children(
    parent: Goal,
    *,
    acting_user: User,
    targets: Mapping[int, int],
    reason: str,
    expected_versions: Mapping[int, int] | None = None,
) -> list[Goal]:
    """Waterfall: a manager re-splits their own goal among its children. The parent's
    number never changes; the children must add up exactly to what it splits, locked
    children keep their numbers and the level's floor and cap still hold. A child with
    children of its own has its subtree re-cascaded in the same proportions."""
    if not reason.strip():
        raise InvalidInput("Say why the split changes.", field="reason")
    with transaction.atomic():
        parent = _locked_goal(parent)
        cycle = _locked_cycle(parent.cycle_id or 0)
        _require_editable(cycle)
        _require_approach(cycle, Approach.TOP_DOWN)
        if not _manages_unit(acting_user, parent.owner_unit, cycle.period_start):
            raise NotAllowed(
                "You can re-split only goals in the part of the organisation you manage."
            )
        goals = _locked_tree(cycle)
        by_id = {g.pk: g for g in goals}
        children = [g for g in goals if g.parent_id == parent.pk]
        unknown = set(targets) - {c.pk for c in children}
        if unknown:
            raise InvalidInput(f"Goals {sorted(unknown)} are not children of {parent.owner_name}.")
        if expected_versions is not None:
            unversioned = sorted(set(targets) - set(expected_versions))
            if unversioned:
                raise InvalidInput(
                    f"Say which version of goals {unversioned[:10]} you re-split "
                    "(expected_versions); reload the page and try again.",
                    field="expected_versions",
                )
        for child_id, version in (expected_versions or {}).items():
            if child_id not in by_id:
                raise InvalidInput(
                    f"Goal {child_id} is not a child of {parent.owner_name}.",
                    field="expected_versions",
                )
            _check_version(by_id[child_id], version)
        new = {c.pk: int(targets.get(c.pk, c.target)) for c in children}
        if any(v < 0 for v in new.values()):
            raise InvalidInput("A target cannot be negative.")
        expected = (
            parent.allocated_to_children
            if parent.allocated_to_children is not None
            else parent.target
        )
        _check_split_rules(cycle, goals, parent, children, new)
        if sum(new.values()) != expected:
            places = display_decimals(parent.metric)
            raise InvalidInput(
                f"The children of {parent.owner_name} must add up to {to_display(expected, places):,}; "
                f"they add up to {to_display(sum(new.values()), places):,} "
                f"(difference {to_display(sum(new.values()) - expected, places):+,})."
            )
        changes: dict[int, dict[str, Any]] = {}
        for child in children:
            if new[child.pk] != child.target:
                derivation = dict(child.derivation or {})
                derivation["adjustments"] = [
                    *derivation.get("adjustments", []),
                    {
                        "by": str(acting_user),
                        "old": child.target,
                        "new": new[child.pk],
                        "reason": reason,
                        "rule": "waterfall",
                    },
                ]
                changes[child.pk] = {
                    "target": new[child.pk],
                    "phasing": _phasing(cycle, new[child.pk]),
                    "derivation": derivation,
                }
                changes.update(_recascade_below(cycle, goals, child, new[child.pk]))
        _write_goals(goals, changes, actor=acting_user, action="plans.goal.resplit", reason=reason)
        return [by_id[c.pk] for c in children]


def _check_split_rules(
    cycle: PlanningCycle,
    goals: list[Goal],
    parent: Goal,
    children: list[Goal],
    new: Mapping[int, int],
) -> None:
    """Refuse a re-split that moves a locked goal or leaves the level's floor or cap."""
    moved_locks = [c.owner_name for c in children if c.locked and new[c.pk] != c.target]
    if moved_locks:
        raise InvalidInput(f"Sales operations locked {', '.join(moved_locks)}; those numbers stay.")
    settings = _settings(cycle)
    if not settings:
        return
    depth = next(row.depth for row in goal_tree(goals) if row.goal.pk == parent.pk)
    rule = settings[min(depth, len(settings) - 1)]
    places = display_decimals(parent.metric)
    for child in children:
        if rule.floor is not None and new[child.pk] < rule.floor:
            raise InvalidInput(
                f"{child.owner_name} would be below this level's floor of {to_display(rule.floor, places):,}."
            )
        if rule.cap is not None and new[child.pk] > rule.cap:
            raise InvalidInput(
                f"{child.owner_name} would be above this level's cap of {to_display(rule.cap, places):,}."
            )


def _recascade_below(
    cycle: PlanningCycle, goals: list[Goal], top: Goal, total: int
) -> dict[int, dict[str, Any]]:
    """New numbers for ``top``'s descendants, in their current proportions."""
    rows = goal_tree(goals)
    start = next(i for i, row in enumerate(rows) if row.goal.pk == top.pk)
    subtree = [rows[start]]
    for row in rows[start + 1 :]:
        if row.depth <= rows[start].depth:
            break
        subtree.append(row)
    if len(subtree) == 1:
        return {}
    settings = _settings(cycle)
    base = rows[start].depth
    levels = [
        engine.LevelSetting(
            method="potential",
            over_assignment=(
                settings[min(base + i, len(settings) - 1)].over_assignment if settings else 0
            ),
            granularity=(settings[min(base + i, len(settings) - 1)].granularity if settings else 1),
        )
        for i in range(max(r.depth for r in subtree) - base)
    ]
    members = [row.goal for row in subtree]
    nodes = [
        engine.Node(g.pk, None if g.pk == top.pk else g.parent_id, weight=max(g.target, 0))
        for g in members
    ]
    outcome = engine.run_cascade(nodes, total, levels, names=_names(members))
    changes: dict[int, dict[str, Any]] = {}
    for goal in members:
        value = outcome.targets[goal.pk]
        new: dict[str, Any] = {"allocated_to_children": outcome.allocated.get(goal.pk)}
        if goal.pk != top.pk:
            new.update(target=value, phasing=_phasing(cycle, value))
        changes[goal.pk] = new
    changes[top.pk].update(target=total, phasing=_phasing(cycle, total))
    return changes


# --- bottom-up ------------------------------------------------------------------------------


def _require_open_for_submission(cycle: PlanningCycle) -> None:
    _require_editable(cycle)
    _require_approach(cycle, Approach.BOTTOM_UP, Approach.HYBRID)
    if cycle.submissions_due and timezone.localdate() > cycle.submissions_due:
        raise InvalidInput(f"Submissions for '{cycle}' closed on {cycle.submissions_due:%d %b %Y}.")


def _roll_up(cycle: PlanningCycle, goal: Goal, delta: int, *, actor: User, reason: str) -> None:
    """Bottom-up: add ``delta`` to every ancestor so that each parent is its children's sum."""
    if delta == 0 or cycle.approach != Approach.BOTTOM_UP:
        return
    ancestors = []
    parent_id = goal.parent_id
    tree = {g.pk: g for g in _locked_tree(cycle)}
    while parent_id is not None and parent_id in tree:
        ancestors.append(tree[parent_id])
        parent_id = tree[parent_id].parent_id
    changes = {
        a.pk: {
            "target": a.target + delta,
            "allocated_to_children": a.target + delta,
            "phasing": _phasing(cycle, a.target + delta),
        }
        for a in ancestors
    }
    _write_goals(ancestors, changes, actor=actor, action="plans.goal.rolled_up", reason=reason)


def _breakdown(
    target: int, breakdown: Sequence[Mapping[str, Any]], places: int
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"label": str(row.get("label", "")).strip(), "target": int(row.get("target", 0))}
        for row in breakdown
    ]
    if rows and sum(r["target"] for r in rows) != target:
        raise InvalidInput(
            f"The breakdown adds up to {to_display(sum(r['target'] for r in rows), places):,}, "
            f"not the target {to_display(target, places):,}.",
            field="breakdown",
        )
    if any(not r["label"] for r in rows):
        raise InvalidInput(
            "Every breakdown line needs a product group or account.", field="breakdown"
        )
    return rows


def submit_goal(
    goal: Goal,
    *,
    acting_user: User,
    target: int,
    rationale: str = "",
    breakdown: Sequence[Mapping[str, Any]] = (),
    expected_version: int | None = None,
) -> Goal:
    """A rep submits their own number (with rationale, optionally by product group or
    account) before the deadline; resubmitting is allowed until it is approved."""
    if target < 0:
        raise InvalidInput("A target cannot be negative.", field="target")
    with transaction.atomic():
        goal = _locked_goal(goal)
        _check_version(goal, expected_version)
        cycle = goal.cycle
        if cycle is None:
            raise InvalidInput("This goal is not part of a planning cycle.")
        person = person_for(acting_user)
        if goal.owner_person_id is None or person is None or goal.owner_person_id != person.pk:
            raise NotAllowed("Only the goal's owner can submit it.")
        _require_open_for_submission(cycle)
        if goal.status not in {
            GoalStatus.DRAFT,
            GoalStatus.RETURNED,
            GoalStatus.SUBMITTED,
            GoalStatus.PROPOSED,
        }:
            raise Conflict(
                f"This goal is already {goal.get_status_display().lower()}; it cannot be resubmitted."
            )
        rows = _breakdown(target, breakdown, display_decimals(goal.metric))
        delta = target - goal.target
        changes: dict[str, Any] = {
            "submitted_target": target,
            "rationale": rationale,
            "breakdown": rows,
            "status": GoalStatus.SUBMITTED,
        }
        if cycle.approach == Approach.BOTTOM_UP:
            changes.update(target=target, phasing=_phasing(cycle, target))
        _write_goal(
            goal, changes, actor=acting_user, action="plans.goal.submitted", reason=rationale
        )
        _roll_up(
            cycle,
            goal,
            delta if cycle.approach == Approach.BOTTOM_UP else 0,
            actor=acting_user,
            reason="roll-up",
        )
        _notify_reviewers(goal, f"{goal.owner_name} submitted a target", cycle)
    return goal


def _notify_reviewers(goal: Goal, title: str, cycle: PlanningCycle) -> None:
    """Tell the nearest managers above the goal (a team without a manager → its region's)."""
    if goal.parent is None or goal.parent.owner_unit is None:
        return
    unit = goal.parent.owner_unit
    units = [unit, *reversed(ancestor_units(unit))]
    managers = managers_of(units, cycle.period_start)
    for candidate in units:
        people = managers.get(candidate.pk, [])
        user_ids = [p.user_id for p in people if p.user_id is not None]
        if user_ids:
            notify(
                User.objects.filter(pk__in=user_ids),
                kind="plan.submission",
                title=title,
                url=f"/plans/{cycle.pk}/",
            )
            return


def approve_goal(
    goal: Goal, *, acting_user: User, comment: str = "", expected_version: int | None = None
) -> Goal:
    """A manager above the goal (or sales ops) approves a submitted number."""
    with transaction.atomic():
        goal = _locked_goal(goal)
        _check_version(goal, expected_version)
        _require_reviewer(acting_user, goal)
        assert goal.cycle is not None  # noqa: S101 - submitted goals belong to a cycle
        _require_editable(goal.cycle)
        if goal.status != GoalStatus.SUBMITTED:
            raise Conflict(
                f"Only a submitted goal can be approved; this one is {goal.get_status_display().lower()}."
            )
        _write_goal(
            goal,
            {"status": GoalStatus.APPROVED},
            actor=acting_user,
            action="plans.goal.approved",
            reason=comment,
        )
        if comment.strip():
            _comment(goal, acting_user, comment, CommentKind.COMMENT)
    return goal


def return_goal(
    goal: Goal, *, acting_user: User, comment: str, expected_version: int | None = None
) -> Goal:
    """Send a submission back to its owner with a comment saying what to change."""
    if not comment.strip():
        raise InvalidInput("Say what should change when returning a submission.", field="comment")
    with transaction.atomic():
        goal = _locked_goal(goal)
        _check_version(goal, expected_version)
        _require_reviewer(acting_user, goal)
        assert goal.cycle is not None  # noqa: S101 - submitted goals belong to a cycle
        _require_editable(goal.cycle)
        if goal.status != GoalStatus.SUBMITTED:
            raise Conflict(
                f"Only a submitted goal can be returned; this one is {goal.get_status_display().lower()}."
            )
        _write_goal(
            goal,
            {"status": GoalStatus.RETURNED},
            actor=acting_user,
            action="plans.goal.returned",
            reason=comment,
        )
        _comment(goal, acting_user, comment, CommentKind.RETURN)
        owners = goal_owner_users([goal], goal.period_start).get(goal.pk, [])
        notify(
            owners,
            kind="plan.returned",
            title=f"Your target was returned: {comment[:120]}",
            url=f"/plans/goals/{goal.pk}/",
        )
    return goal


def adjust_submission(
    goal: Goal, *, acting_user: User, target: int, reason: str, expected_version: int | None = None
) -> Goal:
    """A manager above the goal sets its number and approves it (audited, with the reason
    kept as a comment): a change to a submission, or the number of someone who has not
    submitted by the deadline."""
    if not reason.strip():
        raise InvalidInput("Say why you change the submitted number.", field="reason")
    if target < 0:
        raise InvalidInput("A target cannot be negative.", field="target")
    with transaction.atomic():
        goal = _locked_goal(goal)
        _check_version(goal, expected_version)
        _require_reviewer(acting_user, goal)
        cycle = goal.cycle
        assert cycle is not None  # noqa: S101 - submitted goals belong to a cycle
        _require_editable(cycle)
        _require_approach(cycle, Approach.BOTTOM_UP, Approach.HYBRID)
        if goal.status not in {
            GoalStatus.DRAFT,
            GoalStatus.RETURNED,
            GoalStatus.SUBMITTED,
            GoalStatus.APPROVED,
        }:
            raise Conflict(
                f"This goal is {goal.get_status_display().lower()}; its number can no longer be adjusted."
            )
        delta = target - goal.target
        changes: dict[str, Any] = {"submitted_target": target, "status": GoalStatus.APPROVED}
        if cycle.approach == Approach.BOTTOM_UP:
            changes.update(target=target, phasing=_phasing(cycle, target))
        _write_goal(goal, changes, actor=acting_user, action="plans.goal.adjusted", reason=reason)
        _comment(goal, acting_user, reason, CommentKind.ADJUSTMENT)
        _roll_up(
            cycle,
            goal,
            delta if cycle.approach == Approach.BOTTOM_UP else 0,
            actor=acting_user,
            reason=reason,
        )
    return goal


def submit_rollup(
    goal: Goal, *, acting_user: User, comment: str = "", expected_version: int | None = None
) -> Goal:
    """A manager sends their unit's roll-up upward once every child is approved."""
    with transaction.atomic():
        goal = _locked_goal(goal)
        _check_version(goal, expected_version)
        cycle = goal.cycle
        assert cycle is not None  # noqa: S101 - tree goals belong to a cycle
        if not _manages_unit(acting_user, goal.owner_unit, cycle.period_start):
            raise NotAllowed(
                "Only the unit's manager (or sales operations) can submit its roll-up."
            )
        _require_editable(cycle)
        _require_approach(cycle, Approach.BOTTOM_UP, Approach.HYBRID)
        children = list(Goal.objects.filter(parent=goal))
        if not children:
            raise InvalidInput(f"{goal.owner_name} has nobody beneath it to roll up.")
        waiting = [c for c in children if c.status != GoalStatus.APPROVED]
        if waiting:
            names = ", ".join(sorted(str(c.owner_person or c.owner_unit) for c in waiting)[:10])
            raise InvalidInput(f"Approve every number first; still waiting for: {names}.")
        if goal.status not in {GoalStatus.DRAFT, GoalStatus.RETURNED, GoalStatus.SUBMITTED}:
            raise Conflict(f"This roll-up is already {goal.get_status_display().lower()}.")
        total = sum(
            (c.submitted_target if c.submitted_target is not None else c.target) for c in children
        )
        _write_goal(
            goal,
            {"submitted_target": total, "status": GoalStatus.SUBMITTED},
            actor=acting_user,
            action="plans.goal.rollup_submitted",
            reason=comment,
        )
        _notify_reviewers(goal, f"{goal.owner_name} submitted its roll-up", cycle)
    return goal


def send_submission_reminders(cycle: PlanningCycle, *, acting_user: User) -> int:
    """Remind every owner who has not submitted yet; returns how many were reminded."""
    _require_planner(acting_user)
    _require_approach(cycle, Approach.BOTTOM_UP, Approach.HYBRID)
    _require_editable(cycle)
    waiting = [
        g
        for g in tree_goals(cycle)
        if g.owner_person_id
        and g.status in {GoalStatus.DRAFT, GoalStatus.RETURNED, GoalStatus.PROPOSED}
    ]
    users = [u for users in goal_owner_users(waiting, cycle.period_start).values() for u in users]
    due = f" by {cycle.submissions_due:%d %b %Y}" if cycle.submissions_due else ""
    with transaction.atomic():
        count = notify(
            users,
            kind="plan.reminder",
            title=f"Please submit your target for {cycle}{due}",
            url=f"/plans/{cycle.pk}/",
        )
        record(
            actor=acting_user,
            action="plans.cycle.reminded",
            obj=cycle,
            changes={"reminded": [None, count]},
        )
    return count


def _comment(goal: Goal, author: User, body: str, kind: str) -> GoalComment:
    round_number = goal.cycle.negotiation_round if goal.cycle else 0
    return GoalComment.objects.create(
        goal=goal, author=author, body=body.strip(), kind=kind, negotiation_round=round_number
    )


def _require_open_for_comments(goal: Goal) -> None:
    """A closed or superseded plan, and a goal closed at its period's end, are the record
    of what was: nothing is added to them. (Published goals take comments: they are the
    feedback on goals that are running.)"""
    cycle = goal.cycle
    if cycle is not None and cycle.status in {CycleStatus.CLOSED, CycleStatus.SUPERSEDED}:
        raise Conflict(
            f"'{cycle}' is {cycle.get_status_display().lower()}: its goals take no more "
            "comments. Comment on the goal in the plan's current version instead.",
            field="body",
        )
    if goal.status == GoalStatus.CLOSED:
        raise Conflict(
            f"{goal} is closed (its period has ended): it takes no more comments.",
            field="body",
        )


def comment_on_goal(goal: Goal, *, acting_user: User, body: str) -> GoalComment:
    """Add a negotiation comment to a goal the user can see (owner, managers above, ops),
    unless its plan is closed or superseded or the goal itself is closed."""
    if not body.strip():
        raise InvalidInput("Write a comment.", field="body")
    person = person_for(acting_user)
    own = person is not None and goal.owner_person_id == person.pk
    unit = goal.owner_unit or (goal.parent.owner_unit if goal.parent else None)
    if not own and not _manages_unit(acting_user, unit, goal.period_start):
        raise NotAllowed("You can comment only on your own goals or those you manage.")
    with transaction.atomic():
        goal = _locked_goal(goal)
        _require_open_for_comments(goal)
        comment = _comment(goal, acting_user, body, CommentKind.NEGOTIATION)
        record(actor=acting_user, action="plans.goal.commented", obj=goal, reason=body.strip())
    return comment


# --- hybrid ---------------------------------------------------------------------------------


def reconcile_cycle(
    cycle: PlanningCycle,
    *,
    acting_user: User,
    method: str,
    top_down_weight: float = 0.5,
    expected_version: int | None = None,
) -> PlanningCycle:
    """Hybrid: set every goal's number from the top-down guidance and the bottom-up
    submissions with one of the engine's reconciliation methods; starts a new
    negotiation round. Missing submissions count as the guidance."""
    _require_planner(acting_user)
    with transaction.atomic():
        cycle = _locked_cycle(cycle)
        _check_version(cycle, expected_version)
        _require_editable(cycle)
        _require_approach(cycle, Approach.HYBRID)
        goals = _locked_tree(cycle)
        if cycle.company_target is None:
            raise InvalidInput("Run the top-down cascade first: reconciliation needs guidance.")
        rows = goal_tree(goals)
        guidance = {g.pk: g.guidance or 0 for g in goals}
        bottom_up = {row.goal.pk: row.bottom_up or 0 for row in rows}
        submitted = [g.pk for g in goals if g.owner_person_id and g.submitted_target is not None]
        granularity = min((s.granularity for s in _settings(cycle)), default=1)
        outcome = engine.reconcile(
            _nodes(goals),
            guidance,
            bottom_up,
            method=method,
            top_down_weight=top_down_weight,
            granularity=granularity,
            submitted=submitted,
            locks={g.pk: g.target for g in goals if g.locked and g.parent_id is not None},
            names=_names(goals),
        )
        new_round = cycle.negotiation_round + 1
        changes: dict[int, dict[str, Any]] = {}
        for goal in goals:
            value = outcome.targets[goal.pk]
            derivation = dict(goal.derivation or {})
            derivation["reconciled"] = {
                "engine": outcome.derivations[goal.pk],
                "method": method,
                "top_down_weight": top_down_weight,
                "round": new_round,
                "guidance": guidance[goal.pk],
                "bottom_up": bottom_up[goal.pk],
                "target": value,
                "summary": f"Round {new_round}: {method.replace('_', ' ')} of top-down {guidance[goal.pk]} "
                f"and bottom-up {bottom_up[goal.pk]} gives {value}.",
            }
            changes[goal.pk] = {
                "target": value,
                "phasing": _phasing(cycle, value),
                "allocated_to_children": outcome.allocated.get(goal.pk),
                "derivation": derivation,
                "status": GoalStatus.PROPOSED,
            }
        _write_goals(
            goals, changes, actor=acting_user, action="plans.goal.reconciled", reason=method
        )
        root = next(row for row in rows if row.depth == 0)
        _bump_cycle(
            cycle,
            {
                "negotiation_round": new_round,
                "reconciliation": {
                    "method": method,
                    "top_down_weight": top_down_weight,
                    "round": new_round,
                    "at": timezone.now().isoformat(),
                    "gap_bp": root.gap_bp or 0,
                },
            },
            actor=acting_user,
            action="plans.cycle.reconciled",
            reason=method,
        )
    return cycle


# --- publication and versions -----------------------------------------------------------------


def publish_cycle(
    cycle: PlanningCycle, *, acting_user: User, expected_version: int | None = None
) -> PlanningCycle:
    """Publish the plan: every goal becomes published and immutable and its owner is told.

    Top-down needs a cascade; bottom-up needs every number approved; hybrid needs a
    reconciliation and a bottom-up / top-down gap within tolerance at the top."""
    _require_planner(acting_user)
    with transaction.atomic():
        cycle = _locked_cycle(cycle)
        _check_version(cycle, expected_version)
        _require_editable(cycle)
        if cycle.is_scenario:
            raise InvalidInput(
                "A scenario is a what-if and cannot be published; publish the plan itself."
            )
        goals = _locked_tree(cycle)
        _check_ready(cycle, goals)
        problems = sums_are_exact(goals)
        if problems:
            raise Conflict("The plan does not add up: " + "; ".join(problems[:5]))
        everything = list(Goal.objects.select_for_update().filter(cycle=cycle))
        _write_goals(
            everything,
            {g.pk: {"status": GoalStatus.PUBLISHED} for g in everything},
            actor=acting_user,
            action="plans.goal.published",
        )
        _bump_cycle(
            cycle,
            {"status": CycleStatus.PUBLISHED, "published_at": timezone.now()},
            actor=acting_user,
            action="plans.cycle.published",
        )
        owners = goal_owner_users(
            Goal.objects.filter(cycle=cycle).select_related("owner_person__user"),
            cycle.period_start,
        )
        users = [u for group in owners.values() for u in group]
        notify(
            users,
            kind="plan.published",
            title=f"Your goals for {cycle} are published",
            url="/plans/my-goals/",
        )
    return cycle


def _check_ready(cycle: PlanningCycle, goals: list[Goal]) -> None:
    if cycle.approach == Approach.TOP_DOWN and cycle.company_target is None:
        raise InvalidInput("Cascade a company target before publishing.")
    if cycle.approach == Approach.BOTTOM_UP:
        waiting = [g.owner_name for g in goals if g.status != GoalStatus.APPROVED]
        if waiting:
            raise InvalidInput(
                f"Every number must be approved first; not yet: {', '.join(sorted(waiting)[:10])}."
            )
    if cycle.approach == Approach.HYBRID:
        if not cycle.reconciliation:
            raise InvalidInput("Reconcile top-down and bottom-up before publishing.")
        if any(g.status not in {GoalStatus.PROPOSED, GoalStatus.APPROVED} for g in goals):
            raise InvalidInput(
                "Some numbers changed after the last reconciliation; reconcile again first."
            )
        drifts = drift_since_reconciliation(cycle, goals)
        if drifts:
            raise InvalidInput(_stale_reconciliation_message(cycle, drifts))
        root = next(row for row in goal_tree(goals) if row.depth == 0)
        if root.gap_bp is not None and abs(root.gap_bp) > cycle.gap_tolerance_bp:
            raise InvalidInput(
                f"The bottom-up total is {root.gap_bp / 100:+.2f}% off the top-down target; the tolerance "
                f"is {cycle.gap_tolerance_bp / 100:.2f}%. Run another negotiation round first."
            )


def _stale_reconciliation_message(cycle: PlanningCycle, drifts: Sequence[Drift]) -> str:
    """Why a hybrid plan cannot be published as it stands, naming what moved."""
    places = display_decimals(cycle.metric)

    def shown(value: int | None) -> str:
        return "—" if value is None else f"{to_display(value, places):,}"

    shown_drifts = [
        f"{d.goal.owner_name} ({d.figure} {shown(d.was)} → {shown(d.now)})"
        if d.was is not None
        else f"{d.goal.owner_name} (not in the reconciliation)"
        for d in drifts[:10]
    ]
    more = f" and {len(drifts) - 10} more" if len(drifts) > 10 else ""
    return (
        f"The plan changed after round {cycle.negotiation_round}'s reconciliation, so publishing "
        f"would use numbers nobody reconciled: {'; '.join(shown_drifts)}{more}. "
        "Reconcile again, then publish."
    )


def close_cycle(
    cycle: PlanningCycle, *, acting_user: User, expected_version: int | None = None
) -> PlanningCycle:
    """Close a published plan at the end of its period; its goals become closed."""
    _require_planner(acting_user)
    with transaction.atomic():
        cycle = _locked_cycle(cycle)
        _check_version(cycle, expected_version)
        if cycle.status != CycleStatus.PUBLISHED:
            raise Conflict("Only a published plan can be closed.")
        goals = list(Goal.objects.select_for_update().filter(cycle=cycle))
        _write_goals(
            goals,
            {g.pk: {"status": GoalStatus.CLOSED} for g in goals},
            actor=acting_user,
            action="plans.goal.closed",
        )
        _bump_cycle(
            cycle, {"status": CycleStatus.CLOSED}, actor=acting_user, action="plans.cycle.closed"
        )
    return cycle


def _copy_cycle(
    source: PlanningCycle, *, actor: User, name: str, goal_status: str, **fields: Any
) -> PlanningCycle:
    """A new cycle with the settings of ``source`` and a copy of all its goals."""
    copy = PlanningCycle.objects.create(
        name=name,
        metric_id=source.metric_id,
        root_unit_id=source.root_unit_id,
        period_start=source.period_start,
        period_end=source.period_end,
        period_label=source.period_label,
        approach=source.approach,
        owner=actor,
        submissions_due=source.submissions_due,
        approvals_due=source.approvals_due,
        publish_on=source.publish_on,
        allocation=source.allocation,
        phasing_profile=source.phasing_profile,
        gap_tolerance_bp=source.gap_tolerance_bp,
        company_target=source.company_target,
        negotiation_round=source.negotiation_round,
        reconciliation=source.reconciliation,
        based_on=source,
        **fields,
    )
    originals = list(Goal.objects.filter(cycle=source).order_by("pk"))
    copied_fields = (
        "owner_unit_id", "owner_person_id", "metric_id", "period_start", "period_end", "period_label",
        "target", "phasing", "description", "rationale", "derivation", "guidance", "submitted_target",
        "breakdown", "rubric", "weight", "locked", "allocated_to_children", "effective_from",
    )  # fmt: skip
    copies = Goal.objects.bulk_create(
        Goal(cycle=copy, status=goal_status, **{f: getattr(g, f) for f in copied_fields})
        for g in originals
    )
    new_id = {old.pk: new.pk for old, new in zip(originals, copies, strict=True)}
    for old, new in zip(originals, copies, strict=True):
        new.parent_id = new_id.get(old.parent_id) if old.parent_id else None
    Goal.objects.bulk_update(copies, ["parent"])
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            action="plans.goal.copied",
            object_type="plans.goal",
            object_id=str(new.pk),
            object_repr=str(new.owner_unit_id or new.owner_person_id),
            changes={"target": [None, new.target], "status": [None, goal_status]},
            reason=f"copied from goal {old.pk} of '{source}'",
        )
        for old, new in zip(originals, copies, strict=True)
    )
    record(
        actor=actor,
        action="plans.cycle.copied",
        obj=copy,
        changes={"based_on": [None, str(source)]},
    )
    return copy


def copy_as_scenario(cycle: PlanningCycle, *, acting_user: User, name: str = "") -> PlanningCycle:
    """Copy a plan (published or not) as a what-if scenario that can be changed freely."""
    _require_planner(acting_user)
    with transaction.atomic():
        source = _locked_cycle(cycle)
        status = CycleStatus.DRAFT if source.approach == Approach.TOP_DOWN else CycleStatus.OPEN
        return _copy_cycle(
            source,
            actor=acting_user,
            name=name.strip() or f"{source.name} – what-if",
            goal_status=GoalStatus.DRAFT,
            is_scenario=True,
            status=status,
            version_number=source.version_number,
        )


def _prorated(delta: int, cycle: PlanningCycle, effective_from: dt.date) -> tuple[int, list[int]]:
    """``delta`` scaled by the share of the period's days from ``effective_from`` on (half up,
    exact integers), and its split over the months, nothing before ``effective_from``."""
    total_days = (cycle.period_end - cycle.period_start).days + 1
    remaining = (cycle.period_end - effective_from).days + 1
    amount = engine.prorate(delta, remaining, total_days)
    sign = -1 if amount < 0 else 1
    spans = engine.month_spans(cycle.period_start, cycle.period_end)
    weights = [max(0, (end - max(start, effective_from)).days + 1) for start, end in spans]
    split = engine.split_exactly(abs(amount), weights, tie_keys=range(len(spans)))
    return amount, [sign * part for part in split]


def create_mid_period_version(
    cycle: PlanningCycle,
    *,
    acting_user: User,
    effective_from: dt.date,
    reason: str,
    targets: Mapping[int, int] | None = None,
    moves: Mapping[int, int] | None = None,
    hires: Mapping[int, tuple[int, int]] | None = None,
    expected_version: int | None = None,
) -> PlanningCycle:
    """A mid-period change to a published plan: a new published version, effective from a
    date, with a reason. ``targets`` maps goals of ``cycle`` to new full-period numbers
    (quota relief, a raise): the change is prorated to the days from ``effective_from``.
    ``moves`` maps person goals to their new parent goal (a rep changing team): the goal
    and its number follow the person. ``hires`` maps a new person's id to the goal they
    join and their full-period target, prorated likewise. Every ancestor changes by the
    same amount, so each level still adds up; the old version is superseded and its goals
    closed. ``expected_version`` is the published cycle's."""
    _require_planner(acting_user)
    if not reason.strip():
        raise InvalidInput("Say why the plan changes mid-period.", field="reason")
    targets, moves, hires = dict(targets or {}), dict(moves or {}), dict(hires or {})
    if not targets and not moves and not hires:
        raise InvalidInput("Give at least one changed target, move or new hire.")
    with transaction.atomic():
        source = _locked_cycle(cycle)
        _check_version(source, expected_version)
        if source.status != CycleStatus.PUBLISHED or source.is_scenario:
            raise Conflict("Only the published plan can get a mid-period version.")
        if not source.period_start < effective_from <= source.period_end:
            raise InvalidInput(
                "The change must take effect after the period starts and before it ends.",
                field="effective_from",
            )
        old_goals = {g.pk: g for g in Goal.objects.filter(cycle=source)}
        joined = {parent for parent, _ in hires.values()}
        unknown = (set(targets) | set(moves) | set(moves.values()) | joined) - set(old_goals)
        if unknown:
            raise InvalidInput(f"Goals {sorted(unknown)} are not part of '{source}'.")
        new_cycle = _copy_cycle(
            source,
            actor=acting_user,
            name=source.name,
            goal_status=GoalStatus.PUBLISHED,
            status=CycleStatus.PUBLISHED,
            published_at=timezone.now(),
            version_number=source.version_number + 1,
            effective_from=effective_from,
            change_reason=reason.strip(),
        )
        hired = (
            _add_hires(source, new_cycle, old_goals, hires, effective_from, acting_user)
            if hires
            else {}
        )
        _apply_version_changes(
            source, new_cycle, old_goals, targets, moves, effective_from, acting_user, reason, hired
        )
        old = list(Goal.objects.select_for_update().filter(cycle=source))
        _write_goals(
            old,
            {g.pk: {"status": GoalStatus.CLOSED} for g in old},
            actor=acting_user,
            action="plans.goal.superseded",
            reason=reason,
        )
        _bump_cycle(
            source,
            {"status": CycleStatus.SUPERSEDED},
            actor=acting_user,
            action="plans.cycle.superseded",
            reason=reason,
        )
    return new_cycle


def _add_hires(
    source: PlanningCycle,
    new_cycle: PlanningCycle,
    old_goals: Mapping[int, Goal],
    hires: Mapping[int, tuple[int, int]],
    effective_from: dt.date,
    actor: User,
) -> dict[int, int]:
    """Empty goals for new people in the new version, under the unit goals they join; the
    prorated numbers are added by ``_apply_version_changes`` like any other target change.
    Returns new goal id → full-period target."""
    present = set(
        Goal.objects.filter(cycle=source, owner_person_id__in=list(hires)).values_list(
            "owner_person_id", flat=True
        )
    )
    if present:
        raise InvalidInput("Some of the new people already have a goal in this plan.")
    parents = {
        (g.owner_unit_id, g.metric_id): g
        for g in Goal.objects.filter(cycle=new_cycle, owner_unit__isnull=False)
    }
    created = Goal.objects.bulk_create(
        Goal(
            cycle=new_cycle,
            owner_person_id=person_id,
            metric_id=source.metric_id,
            parent=parents[(old_goals[parent_id].owner_unit_id, source.metric_id)],
            period_start=source.period_start,
            period_end=source.period_end,
            period_label=source.period_label,
            target=0,
            phasing=_phasing(source, 0),
            status=GoalStatus.PUBLISHED,
            effective_from=effective_from,
            derivation={"rule": "new_hire", "summary": f"Joined on {effective_from:%d %b %Y}."},
        )
        for person_id, (parent_id, _) in hires.items()
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            action="plans.goal.created",
            object_type="plans.goal",
            object_id=str(goal.pk),
            object_repr=str(goal.owner_person_id),
            changes={"target": [None, 0], "status": [None, GoalStatus.PUBLISHED]},
            reason="new hire",
        )
        for goal in created
    )
    return {goal.pk: target for goal, (_, target) in zip(created, hires.values(), strict=True)}


def _apply_version_changes(
    source: PlanningCycle,
    new_cycle: PlanningCycle,
    old_goals: Mapping[int, Goal],
    targets: Mapping[int, int],
    moves: Mapping[int, int],
    effective_from: dt.date,
    actor: User,
    reason: str,
    hired: Mapping[int, int],
) -> None:
    goals = list(Goal.objects.select_for_update().filter(cycle=new_cycle).order_by("pk"))
    by_owner = {(g.owner_unit_id, g.owner_person_id, g.metric_id): g for g in goals}
    mapped = {
        old_id: by_owner[(o.owner_unit_id, o.owner_person_id, o.metric_id)]
        for old_id, o in old_goals.items()
    }
    by_id = {g.pk: g for g in goals}

    def ancestors(goal: Goal) -> list[Goal]:
        chain, parent_id = [], goal.parent_id
        while parent_id is not None:
            chain.append(by_id[parent_id])
            parent_id = by_id[parent_id].parent_id
        return chain

    def add(goal: Goal, amount: int, months: Sequence[int], *, with_allocation: bool) -> None:
        goal.target += amount
        goal.phasing = [
            dict(m, target=int(m["target"]) + part)
            for m, part in zip(goal.phasing, months, strict=True)
        ]
        if with_allocation and goal.allocated_to_children is not None:
            goal.allocated_to_children += amount

    before = {g.pk: (g.target, g.parent_id) for g in goals}
    changed = [(mapped[old_id], new_target) for old_id, new_target in targets.items()]
    changed += [(by_id[goal_id], new_target) for goal_id, new_target in hired.items()]
    for goal, new_target in changed:
        if new_target < 0:
            raise InvalidInput("A target cannot be negative.")
        if any(g.parent_id == goal.pk for g in goals):
            raise InvalidInput(f"{goal.owner_name} has goals beneath it; change those instead.")
        amount, months = _prorated(int(new_target) - goal.target, source, effective_from)
        add(goal, amount, months, with_allocation=False)
        goal.effective_from = effective_from
        for above in ancestors(goal):
            add(above, amount, months, with_allocation=True)
    for old_id, new_parent_old_id in moves.items():
        goal, new_parent = mapped[old_id], mapped[new_parent_old_id]
        if goal.owner_person_id is None or new_parent.owner_unit_id is None:
            raise InvalidInput("Only a person's goal can move, and only under a unit's goal.")
        amounts = [int(m["target"]) for m in goal.phasing]
        for above in ancestors(goal):
            add(above, -goal.target, [-a for a in amounts], with_allocation=True)
        goal.parent_id = new_parent.pk
        goal.effective_from = effective_from
        for above in ancestors(goal):
            add(above, goal.target, amounts, with_allocation=True)
    Goal.objects.bulk_update(
        goals, ["target", "phasing", "allocated_to_children", "parent", "effective_from"]
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            action="plans.goal.revised",
            object_type="plans.goal",
            object_id=str(goal.pk),
            object_repr=str(goal)[:200],
            changes=diff(
                {"target": before[goal.pk][0], "parent_id": before[goal.pk][1]},
                {"target": goal.target, "parent_id": goal.parent_id},
            )
            | {"effective_from": [None, effective_from.isoformat()]},
            reason=reason,
        )
        for goal in goals
        if (goal.target, goal.parent_id) != before[goal.pk]
    )
