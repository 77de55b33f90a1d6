"""Defining scorecards: one person's, or the same scorecard for every person at a level of
a subtree. Each write is atomic, checked by ``feedback.permissions``, and audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from quotaflow.accounts.models import User
from quotaflow.core import limits
from quotaflow.core.audit import record, record_many
from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from quotaflow.feedback import permissions
from quotaflow.feedback.models import SCORECARD_COMPONENTS_MAX, Scorecard, ScorecardComponent
from quotaflow.feedback.scoring import check_cap, check_weights
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Person, Unit
from quotaflow.plans.models import Goal, PlanningCycle

NO_PERSON = "There is no such person, or they are outside your part of the organisation."


@dataclass(frozen=True)
class ComponentSpec:
    """A component of one person's scorecard: their goal, its label, weight and cap (percent)."""

    goal_id: int
    weight: Decimal
    label: str = ""
    cap: Decimal | None = None


@dataclass(frozen=True)
class LevelComponentSpec:
    """A component of a scorecard applied to many people: the metric whose goal each
    person has in the plan, its label, weight and cap (percent)."""

    metric_code: str
    weight: Decimal
    label: str = ""
    cap: Decimal | None = None


def _name(name: str) -> str:
    problem = limits.text_problem(name, max_length=limits.NAME_MAX_LENGTH)
    if problem is not None:
        raise InvalidInput(f"The scorecard's name {problem}.", field="name")
    return name.strip()


def _label(label: str, fallback: str) -> str:
    problem = limits.text_problem(label, max_length=limits.NAME_MAX_LENGTH)
    if problem is not None:
        raise InvalidInput(f"A component's label {problem}.", field="components")
    return label.strip() or fallback


def _check_count(count: int) -> None:
    if not 1 <= count <= SCORECARD_COMPONENTS_MAX:
        raise InvalidInput(
            f"A scorecard weighs 1 to {SCORECARD_COMPONENTS_MAX} components; {count} were given.",
            field="components",
        )


def _check_parts(labels: Sequence[str], weights: Sequence[Decimal], caps: Sequence[Any]) -> None:
    check_weights(weights, labels)
    for cap, label in zip(caps, labels, strict=True):
        check_cap(cap, label)


def _components_of(card: Scorecard) -> list[dict[str, Any]]:
    """The components as the audit trail keeps them."""
    return [
        {"goal": c.goal_id, "label": c.label, "weight": c.weight, "cap": c.cap}
        for c in card.components.order_by("position")
    ]


def _store(
    cycle: PlanningCycle,
    person: Person,
    *,
    name: str,
    rows: Sequence[tuple[Goal, str, Decimal, Decimal | None]],
    actor: User,
    existing: Scorecard | None,
) -> tuple[Scorecard, dict[str, list[Any]]]:
    """Create or replace ``person``'s scorecard with ``rows`` (goal, label, weight, cap);
    the audit changes (old → new) for it."""
    before = _components_of(existing) if existing else None
    old_name = existing.name if existing else None
    if existing is None:
        card = Scorecard.objects.create(cycle=cycle, person=person, name=name, defined_by=actor)
    else:
        card = existing
        card.components.all().delete()
        card.name, card.defined_by = name, actor
        card.version += 1
        card.save(update_fields=["name", "defined_by", "version", "updated_at"])
    ScorecardComponent.objects.bulk_create(
        ScorecardComponent(
            scorecard=card, goal=goal, label=label, position=n, weight=weight, cap=cap
        )
        for n, (goal, label, weight, cap) in enumerate(rows, start=1)
    )
    after = [
        {"goal": goal.pk, "label": label, "weight": weight, "cap": cap}
        for goal, label, weight, cap in rows
    ]
    return card, {
        "components": [before, after],
        "name": [old_name, name],
    }


def _existing(
    cycle: PlanningCycle, person: Person, expected_version: int | None
) -> Scorecard | None:
    """The person's scorecard, locked; Conflict when the caller's version is not its own
    (creating one needs no version; replacing one names the version read)."""
    found = Scorecard.objects.select_for_update().filter(cycle=cycle, person=person).first()
    if found is None and expected_version is not None:
        raise Conflict(f"{person}'s scorecard was removed meanwhile; reload and try again.")
    if found is not None and expected_version != found.version:
        raise Conflict(
            f"{person} already has a scorecard in '{cycle}' (version {found.version}); "
            "reload it and send that version to replace it."
        )
    return found


def define_scorecard(
    cycle: PlanningCycle,
    person: Person,
    *,
    acting_user: User,
    name: str,
    components: Sequence[ComponentSpec],
    expected_version: int | None = None,
) -> Scorecard:
    """Define ``person``'s scorecard for ``cycle``: 1–20 of their goals in the plan, each
    with a weight in percent (all summing to exactly 100) and an optional cap on the
    attainment it counts with. Replacing an existing scorecard names its version."""
    if not permissions.can_see_scorecard(acting_user, person):
        raise NotFound(NO_PERSON)
    refusal = permissions.scorecard_refusal(acting_user, cycle, person)
    if refusal:
        raise NotAllowed(refusal)
    if not permissions.scorecards_open(cycle):
        raise Conflict(f"'{cycle}' is {cycle.get_status_display().lower()}: a record, unchanged.")
    title = _name(name) or f"{person.full_name} · {cycle.period_label or cycle.name}"
    _check_count(len(components))
    goals = Goal.objects.select_related("metric").in_bulk([c.goal_id for c in components])
    rows = []
    for spec in components:
        goal = goals.get(spec.goal_id)
        if goal is None or goal.cycle_id != cycle.pk or goal.owner_person_id != person.pk:
            raise InvalidInput(
                f"Goal {spec.goal_id} is not one of {person}'s goals in '{cycle}'.",
                field="components",
            )
        rows.append((goal, _label(spec.label, goal.metric.name), spec.weight, spec.cap))
    if len({goal.pk for goal, *_ in rows}) != len(rows):
        raise InvalidInput("A goal may appear only once in a scorecard.", field="components")
    _check_parts([r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows])
    with transaction.atomic():
        existing = _existing(cycle, person, expected_version)
        card, changes = _store(
            cycle, person, name=title, rows=rows, actor=acting_user, existing=existing
        )
        record(
            actor=acting_user,
            action="feedback.scorecard.defined",
            obj=card,
            changes=changes,
        )
    return card


@dataclass(frozen=True)
class Applied:
    """What applying a scorecard to a level did: the scorecards written, and the people
    skipped with the reason."""

    scorecards: list[Scorecard]
    skipped: list[tuple[Person, str]]


def apply_scorecard_to_level(
    cycle: PlanningCycle,
    unit: Unit,
    *,
    acting_user: User,
    name: str,
    components: Sequence[LevelComponentSpec],
    unit_kind: str = "",
) -> Applied:
    """Give every person of ``cycle`` placed under ``unit`` (only in units of
    ``unit_kind`` when given, e.g. every team's reps) the same scorecard: each component
    is the person's own goal on a metric. Existing scorecards of those people are
    replaced; people without a goal on every metric are skipped and named. All or
    nothing: a bad weight or metric writes no scorecard."""
    if not permissions.can_apply_scorecards(acting_user, cycle, unit):
        if not permissions.scorecards_open(cycle):
            raise Conflict(f"'{cycle}' is {cycle.get_status_display().lower()}: a record.")
        raise NotAllowed("Only a manager of this part of the tree, or sales operations, may.")
    title = _name(name) or f"Scorecard · {cycle.period_label or cycle.name}"
    _check_count(len(components))
    codes = [c.metric_code for c in components]
    if len(set(codes)) != len(codes):
        raise InvalidInput("A metric may appear only once in a scorecard.", field="components")
    metrics = {m.code: m for m in Metric.objects.filter(code__in=codes)}
    missing = [code for code in codes if code not in metrics]
    if missing:
        raise InvalidInput(f"There is no metric '{missing[0][:64]}'.", field="components")
    labels = [_label(c.label, metrics[c.metric_code].name) for c in components]
    _check_parts(labels, [c.weight for c in components], [c.cap for c in components])
    placed = Goal.objects.filter(
        cycle=cycle,
        metric_id=cycle.metric_id,
        owner_person__isnull=False,
        parent__owner_unit__path__startswith=unit.path,
    ).select_related("owner_person", "parent__owner_unit")
    if unit_kind:
        placed = placed.filter(parent__owner_unit__kind=unit_kind)
    people: dict[int, Person] = {
        goal.owner_person.pk: goal.owner_person for goal in placed if goal.owner_person is not None
    }
    goals_by: dict[tuple[int, int], Goal] = {
        (goal.owner_person_id or 0, goal.metric_id): goal
        for goal in Goal.objects.filter(
            cycle=cycle, owner_person_id__in=list(people), metric__code__in=codes
        ).select_related("metric")
    }
    own = permissions.Actor(acting_user).person_id
    written: list[Scorecard] = []
    skipped: list[tuple[Person, str]] = []
    entries = []
    with transaction.atomic():
        for person_id, person in sorted(people.items(), key=lambda item: item[1].full_name):
            if person_id == own:
                skipped.append((person, "your own scorecard is your manager's to define"))
                continue
            rows = []
            for spec, label in zip(components, labels, strict=True):
                goal = goals_by.get((person_id, metrics[spec.metric_code].pk))
                if goal is None:
                    break
                rows.append((goal, label, spec.weight, spec.cap))
            if len(rows) != len(components):
                skipped.append((person, f"no goal on '{spec.metric_code}' in this plan"))
                continue
            existing = (
                Scorecard.objects.select_for_update().filter(cycle=cycle, person=person).first()
            )
            card, changes = _store(
                cycle, person, name=title, rows=rows, actor=acting_user, existing=existing
            )
            written.append(card)
            entries.append((card, changes, f"applied to {unit} ({unit_kind or 'every level'})"))
        record_many(actor=acting_user, action="feedback.scorecard.defined", entries=entries)
    return Applied(written, skipped)
