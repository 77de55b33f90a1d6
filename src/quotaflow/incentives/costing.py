"""Plan cost for plan owners and finance: what a plan design is expected to pay the reps
assigned to it, its spread, a what-if shift, and a second design side by side.

Gathering, in three queries and one model fit per metric: the plan's assigned reps, each
rep's goal on every metric either design's costed components read for exactly the plan's
period (the latest
published or closed one, the target a payout run would pay against), and each goal's
predictive distribution from the attainability model (``smart.facts.check_goals``, the
same fit the SMART check shows). A rep without such a goal, or whose goal has no
prediction (no history of their own and no peers'), is left out and counted; a rep the
model predicts from their peers' results (a new hire) is included and counted. The
numbers are :mod:`quotaflow.incentives.engine.costing`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from quotaflow.core.errors import InvalidInput, NotFound
from quotaflow.core.models import Company
from quotaflow.incentives.engine import Plan, plan_from_document
from quotaflow.incentives.engine.costing import (
    DEFAULT_SAMPLES,
    DEFAULT_SEED,
    MAX_SAMPLES,
    MIN_SAMPLES,
    CostFigures,
    RepDistribution,
    plan_cost,
    standard_draws,
)
from quotaflow.incentives.engine.vectorised import modelled, modelled_metrics
from quotaflow.incentives.gathering import TARGET_STATES
from quotaflow.incentives.models import IncentivePlan, PlanAssignment, PlanVersion
from quotaflow.metrics.models import Metric
from quotaflow.plans.models import Goal
from quotaflow.smart.facts import check_goals

MIN_SHIFT_PERCENT = -50
MAX_SHIFT_PERCENT = 100
DEFAULT_SHIFT_PERCENT = 10
MAX_SEED = 2**31 - 1
MAX_COMPARABLE_VERSIONS = 50


@dataclass(frozen=True)
class CostInputs:
    """What a person asks for: the shift in whole percent, the sample count and the seed."""

    shift_percent: int = DEFAULT_SHIFT_PERCENT
    samples: int = DEFAULT_SAMPLES
    seed: int = DEFAULT_SEED

    def checked(self) -> CostInputs:
        """These inputs, or InvalidInput naming the first one out of its range."""
        for name, value, low, high in (
            ("shift", self.shift_percent, MIN_SHIFT_PERCENT, MAX_SHIFT_PERCENT),
            ("samples", self.samples, MIN_SAMPLES, MAX_SAMPLES),
            ("seed", self.seed, 0, MAX_SEED),
        ):
            if not low <= value <= high:
                raise InvalidInput(f"The {name} must be from {low:,} to {high:,}.", field=name)
        return self

    @property
    def shift(self) -> Decimal:
        return Decimal(self.shift_percent) / 100


@dataclass(frozen=True)
class CostedRep:
    """A rep in the model: name, and per metric code the goal's target and distribution
    (``basis`` "own" or "peers"), and each design's expected payout (minor units)."""

    person_id: int
    name: str
    goals: dict[str, tuple[int, RepDistribution, str]]
    expected: tuple[float, ...]


@dataclass(frozen=True)
class Design:
    """One plan design: its version, its definition, the components the model leaves out
    (they read the sales' mix), and its figures as predicted and with the shift."""

    version: PlanVersion
    plan: Plan
    left_out: tuple[str, ...]
    base: CostFigures
    shifted: CostFigures

    @property
    def label(self) -> str:
        version = self.version
        return f"{version.plan.name} v{version.number} ({version.get_status_display().lower()})"


@dataclass(frozen=True)
class PlanCost:
    """The cost of one or two designs for the reps of ``plan``, and the basis of it."""

    plan: IncentivePlan
    inputs: CostInputs
    currency: str
    metrics: tuple[Metric, ...]
    designs: tuple[Design, ...]
    reps: tuple[CostedRep, ...]
    assigned: int
    without_goal: tuple[str, ...]
    without_history: tuple[str, ...]

    @property
    def on_peers(self) -> int:
        """Included reps whose distribution on some metric comes from their peers."""
        return sum(
            1 for rep in self.reps if any(basis == "peers" for *_, basis in rep.goals.values())
        )

    @property
    def goal_count(self) -> int:
        return sum(len(rep.goals) for rep in self.reps)


def default_version(plan: IncentivePlan) -> PlanVersion:
    """The version a plan's cost is shown for first: its latest published one, else its
    latest version."""
    versions = list(plan.versions.order_by("-number"))
    if not versions:
        raise NotFound(f"'{plan.name}' has no version to cost.")
    return next((v for v in versions if v.status == "published"), versions[0])


def comparable_versions(plan: IncentivePlan) -> list[PlanVersion]:
    """The designs a plan may be compared with: every version of a plan for the same
    period (this one's included), newest plan first."""
    return list(
        PlanVersion.objects.filter(
            plan__period_start=plan.period_start, plan__period_end=plan.period_end
        )
        .select_related("plan")
        .order_by("plan__name", "plan_id", "-number")[:MAX_COMPARABLE_VERSIONS]
    )


def version_for(plan: IncentivePlan, version_id: int | None, field: str) -> PlanVersion | None:
    """The version ``version_id`` if it is one ``plan`` may be compared with, else
    InvalidInput naming ``field``; None for none."""
    if version_id is None:
        return None
    found = next((v for v in comparable_versions(plan) if v.pk == version_id), None)
    if found is None:
        raise InvalidInput(
            f"Version {version_id} is not a design for {plan.period_label or 'this period'}.",
            field=field,
        )
    return found


def _goals(plan: IncentivePlan, person_ids: list[int], codes: Sequence[str]) -> list[Goal]:
    """The latest published or closed goal of each rep on each metric for the plan's period."""
    latest: dict[tuple[int, str], Goal] = {}
    for goal in (
        Goal.objects.filter(
            owner_person_id__in=person_ids,
            metric__code__in=codes,
            period_start=plan.period_start,
            period_end=plan.period_end,
            status__in=TARGET_STATES,
        )
        .select_related("metric", "owner_person")
        .order_by("pk")
    ):
        assert goal.owner_person_id is not None  # noqa: S101 - filtered on the person
        latest[(goal.owner_person_id, goal.metric.code)] = goal
    return list(latest.values())


def _distributions(
    goals: list[Goal],
) -> dict[tuple[int, str], tuple[int, RepDistribution, str]]:
    """Each goal's target and predictive distribution, keyed by (person, metric code)."""
    found: dict[tuple[int, str], tuple[int, RepDistribution, str]] = {}
    for checked in check_goals(goals):
        goal, prediction = checked.goal, checked.prediction
        if prediction.basis == "none" or goal.target <= 0:
            continue
        assert goal.owner_person_id is not None  # noqa: S101 - person goals only
        distribution = RepDistribution(
            key=goal.owner_person_id,
            target=goal.target,
            mu=prediction.mu,
            scale=prediction.scale,
            p_zero=prediction.p_zero,
        )
        found[(goal.owner_person_id, goal.metric.code)] = (goal.pk, distribution, prediction.basis)
    return found


def plan_cost_for(
    plan: IncentivePlan,
    version: PlanVersion,
    other: PlanVersion | None = None,
    inputs: CostInputs | None = None,
) -> PlanCost:
    """The cost of ``version`` (and ``other``, when given) for the reps of ``plan``."""
    inputs = (inputs or CostInputs()).checked()
    definitions = [version] + ([other] if other is not None else [])
    plans = [plan_from_document(v.document) for v in definitions]
    codes = list(dict.fromkeys(code for p in plans for code in modelled_metrics(p)))
    metrics = {m.code: m for m in Metric.objects.filter(code__in=codes)}
    missing = [code for code in codes if code not in metrics]
    if missing:
        raise InvalidInput(f"The plan reads metric {missing[0]!r}, which does not exist.")
    people = list(
        PlanAssignment.objects.filter(plan=plan)
        .order_by("person__full_name", "person_id")
        .values_list("person_id", "person__full_name")
    )
    goals = _goals(plan, [pk for pk, _ in people], codes)
    with_goal = {(g.owner_person_id, g.metric.code) for g in goals}
    distributions = _distributions(goals)
    included, without_goal, without_history = [], [], []
    for person_id, name in people:
        if any((person_id, code) not in with_goal for code in codes):
            without_goal.append(name)
        elif any((person_id, code) not in distributions for code in codes):
            without_history.append(name)
        else:
            included.append((person_id, name))
    reps = {code: [distributions[(pk, code)][1] for pk, _ in included] for code in codes}
    draws = {
        code: standard_draws(
            [pk for pk, _ in included], inputs.samples, inputs.seed, metrics[code].pk
        )
        for code in codes
    }
    designs = tuple(
        Design(
            version=definition,
            plan=design,
            left_out=tuple(c.name for c in design.components if not modelled(c)),
            base=plan_cost(design, reps, samples=inputs.samples, draws=draws),
            shifted=plan_cost(
                design, reps, samples=inputs.samples, shift=inputs.shift, draws=draws
            ),
        )
        for definition, design in zip(definitions, plans, strict=True)
    )
    costed = tuple(
        CostedRep(
            person_id=pk,
            name=name,
            goals={code: distributions[(pk, code)] for code in codes},
            expected=tuple(float(d.base.per_rep_expected[row]) for d in designs),
        )
        for row, (pk, name) in enumerate(included)
    )
    return PlanCost(
        plan=plan,
        inputs=inputs,
        currency=Company.current().currency,
        metrics=tuple(metrics[code] for code in codes),
        designs=designs,
        reps=costed,
        assigned=len(people),
        without_goal=tuple(without_goal),
        without_history=tuple(without_history),
    )


def plan_by_id(plan_id: int) -> IncentivePlan:
    """The plan ``plan_id``, or NotFound."""
    plan = IncentivePlan.objects.filter(pk=plan_id).first()
    if plan is None:
        raise NotFound(f"There is no incentive plan {plan_id}.")
    return plan
