"""The SMART evaluator: one verdict per letter — pass, warn or fail — with the reason in
plain words and a suggested fix.

Pure Python on plain dataclasses (:class:`GoalFacts` in, :class:`SmartReport` out), so the
same rules serve a saved goal, a draft typed into a form and the API. The Django adapter
that builds the facts lives in :mod:`quotaflow.smart.facts`.

Targets are integers in the metric's base unit (minor currency units for money, a count,
or hundredths for a percent or score), as stored on goals.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

from quotaflow.core.money import metric_amounts
from quotaflow.smart.attainability import Prediction

Status = Literal["pass", "warn", "fail"]
LETTERS: tuple[tuple[str, str], ...] = (
    ("specific", "Specific"),
    ("measurable", "Measurable"),
    ("attainable", "Attainable"),
    ("relevant", "Relevant"),
    ("time_bound", "Time-bound"),
)
_SEVERITY = {"pass": 0, "warn": 1, "fail": 2}


@dataclass(frozen=True)
class Verdict:
    """The outcome of one letter: status, why, and what to do about it (empty on a pass)."""

    status: Status
    reason: str
    fix: str = ""


@dataclass(frozen=True)
class Thresholds:
    """The policy knobs the rules read (see :class:`quotaflow.smart.models.SmartPolicy`).

    A probability of attainment inside [band_low, band_high] is "challenging yet
    achievable"; outside it is a warning, and below ``fail_below`` or above ``fail_above``
    a failure. Suggested targets aim at ``suggested_probability``.
    """

    band_low: float = 0.20
    band_high: float = 0.90
    fail_below: float = 0.05
    fail_above: float = 0.99
    suggested_probability: float = 0.60
    max_over_assignment: float = 0.20


@dataclass(frozen=True)
class MetricFacts:
    """What the goal counts: the metric's name, definition, unit and source."""

    code: str
    name: str
    definition: str
    unit: str  # currency | count | percent | score
    source: str  # transactions | activities | manual
    is_active: bool = True
    direction: str = "higher"  # higher | lower: for "lower is better", attaining is staying under


@dataclass(frozen=True)
class ParentFacts:
    """The goal this one serves."""

    label: str
    metric_code: str
    metric_unit: str
    period_start: dt.date
    period_end: dt.date


@dataclass(frozen=True)
class HistoryFacts:
    """What the owner's (or peers') history says about this period.

    ``last_comparable``: the actual of the same period a year earlier (None if unknown).
    ``growth_range``: the owner's lowest and highest year-on-year growth seen.
    ``full_capacity``: the typical fully ramped result of peers, for ramp checks.
    """

    prediction: Prediction
    periods_label: str
    last_comparable: float | None = None
    growth_range: tuple[float, float] | None = None
    full_capacity: float | None = None


@dataclass(frozen=True)
class MilestoneFacts:
    """One milestone of a checklist goal: its title and due date (if it has one)."""

    title: str
    due: dt.date | None = None


@dataclass(frozen=True)
class GoalFacts:
    """Everything the rules look at, with no database behind it."""

    owner_name: str
    owner_kind: str  # person | unit | "" (no owner)
    metric: MetricFacts | None
    target: int | None
    currency: str = ""  # the company currency; needed for a money metric (its decimals)
    description: str = ""
    qualitative: bool = False
    rubric: str = ""
    measure: str = ""  # "rubric" | "milestone" for a goal of that kind; "" otherwise
    rubric_gaps: tuple[
        str, ...
    ] = ()  # what a rubric goal's rubric lacks ("levels 2, 3 not written")
    milestones: tuple[MilestoneFacts, ...] = ()
    parent: ParentFacts | None = None
    objective: str = ""
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    cycle_start: dt.date | None = None
    cycle_end: dt.date | None = None
    deadline: dt.date | None = None
    checkin_cadence: str = ""
    history: HistoryFacts | None = None
    children_total: int | None = None
    children_count: int = 0


@dataclass(frozen=True)
class SmartReport:
    """A verdict per letter, plus the attainability numbers behind the A."""

    specific: Verdict
    measurable: Verdict
    attainable: Verdict
    relevant: Verdict
    time_bound: Verdict
    probability: float | None = None
    suggested_target: int | None = None

    def verdicts(self) -> list[tuple[str, str, Verdict]]:
        """``(key, label, verdict)`` per letter, in S-M-A-R-T order."""
        return [(key, label, getattr(self, key)) for key, label in LETTERS]

    @property
    def failing(self) -> list[str]:
        """Keys of the letters that fail."""
        return [key for key, _, verdict in self.verdicts() if verdict.status == "fail"]

    @property
    def worst(self) -> Status:
        """The most severe status of any letter."""
        return max((verdict.status for _, _, verdict in self.verdicts()), key=_SEVERITY.__getitem__)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form for the API."""
        return {
            "letters": {
                key: {"status": v.status, "reason": v.reason, "fix": v.fix}
                for key, _, v in self.verdicts()
            },
            "worst": self.worst,
            "probability": None if self.probability is None else round(self.probability, 4),
            "suggested_target": self.suggested_target,
        }


def format_amount(value: float, unit: str, currency: str = "") -> str:
    """A base-unit amount as a sales-ops person reads it in a sentence: ``1.2M EUR``,
    ``950k JPY``, ``42``, ``87.5%`` (by :mod:`quotaflow.core.money`, so by the currency's
    own decimals)."""
    text = metric_amounts(unit, currency).compact(value)
    return f"{text}%" if unit == "percent" else text


def format_chance(probability: float) -> str:
    """``0.04`` → ``a 4% chance``; extremes as "less than a 1% chance" rather than a false 0."""
    if probability < 0.01:
        return "less than a 1% chance"
    if probability > 0.99:
        return "more than a 99% chance"
    return f"a {probability:.0%} chance"


def round_target(value: float, unit: str, currency: str = "") -> int:
    """A suggested target rounded to three significant figures of its display unit
    (``currency`` gives money's decimals)."""
    if not math.isfinite(value) or value <= 0:
        return 0
    scale = metric_amounts(unit, currency).scale
    major = value / scale
    step = max(10.0 ** (math.floor(math.log10(major)) - 2), 1 / scale)
    return int(round(round(major / step) * step * scale))


def check_specific(facts: GoalFacts) -> Verdict:
    """Owner, metric with a definition, and a description of what counts."""
    if not facts.owner_kind:
        return Verdict("fail", "Nobody owns this goal.", "Assign the goal to a person or a unit.")
    if facts.metric is None and not facts.qualitative:
        return Verdict(
            "fail",
            "The goal does not say which metric it counts.",
            "Choose the metric, e.g. revenue or new logos.",
        )
    if facts.qualitative and not facts.description.strip():
        return Verdict(
            "fail",
            "A qualitative goal needs a description of the outcome expected.",
            "Describe what done looks like.",
        )
    gaps = []
    if facts.metric is not None and not facts.metric.definition.strip():
        gaps.append(
            f"the metric '{facts.metric.name}' has no definition of what counts and what does not"
        )
    if not facts.description.strip():
        gaps.append("the goal has no description of its scope")
    if gaps:
        return Verdict(
            "warn",
            "Owner and metric are set, but " + " and ".join(gaps) + ".",
            "Add a one-line scope (products, deal types, territory) so everyone counts the same things.",
        )
    what = facts.metric.name if facts.metric else "a qualitative outcome"
    return Verdict(
        "pass", f"{facts.owner_name or 'The owner'} owns {what}, with its scope described."
    )


def check_measurable(facts: GoalFacts) -> Verdict:
    """A computable metric and a numeric target with a unit; a rubric for qualitative goals
    (every level 0–4 written for a rubric goal), at least one titled milestone for a
    checklist goal."""
    if facts.measure == "rubric":
        return _measurable_rubric(facts)
    if facts.measure == "milestone":
        return _measurable_checklist(facts)
    if facts.qualitative:
        if not facts.rubric.strip():
            return Verdict(
                "fail",
                "A qualitative goal is measured by judgement, and there is no rubric for it.",
                "Write a rubric: what scores 1, 3 and 5, with an example of each.",
            )
        return Verdict("pass", "Scored against a written rubric.")
    metric = facts.metric
    if metric is None:
        return Verdict("fail", "There is no metric to measure.", "Choose a metric.")
    if not metric.is_active:
        return Verdict(
            "fail",
            f"The metric '{metric.name}' is retired, so nothing will be counted.",
            "Choose an active metric.",
        )
    if facts.target is None:
        return Verdict(
            "fail", "There is no target number.", f"Enter a target in {metric.unit} terms."
        )
    if facts.target < 0:
        return Verdict("fail", "The target is negative.", "Enter a target of zero or more.")
    shown = format_amount(facts.target, metric.unit, facts.currency)
    if metric.source == "manual":
        return Verdict(
            "warn",
            f"Target {shown}, but '{metric.name}' is entered by hand rather than computed from data.",
            "Say who enters the figure and when, or compute it from transactions or activities.",
        )
    return Verdict("pass", f"Target {shown}, computed from {metric.source} as '{metric.name}'.")


def _measurable_rubric(facts: GoalFacts) -> Verdict:
    if facts.rubric_gaps:
        return Verdict(
            "fail",
            "The manager scores this goal 0–4, but the rubric does not say what every score "
            f"means: {'; '.join(facts.rubric_gaps)}.",
            "Write what each score from 0 to 4 means, e.g. 0: no account plans … "
            "4: all ten reviewed with the customer.",
        )
    return Verdict(
        "pass", "Scored 0–4 by the manager against a written rubric (every level defined)."
    )


def _measurable_checklist(facts: GoalFacts) -> Verdict:
    if not facts.milestones:
        return Verdict(
            "fail",
            "This goal is measured by a checklist of milestones, and it has none yet.",
            "Add at least one milestone with a title (and a due date).",
        )
    untitled = [
        str(n) for n, item in enumerate(facts.milestones, start=1) if not item.title.strip()
    ]
    if untitled:
        return Verdict(
            "fail",
            f"Milestone{'s' if len(untitled) > 1 else ''} {', '.join(untitled)} "
            f"{'have' if len(untitled) > 1 else 'has'} no title, so nobody can tell when it is done.",
            "Give every milestone a title saying what is delivered.",
        )
    count = len(facts.milestones)
    return Verdict(
        "pass",
        f"Measured by a checklist of {count} milestone{'s' if count != 1 else ''}: "
        "progress is the share done.",
    )


def _attainability_notes(
    facts: GoalFacts, history: HistoryFacts, target: int, unit: str
) -> list[str]:
    notes = []
    if history.last_comparable is not None:
        if history.last_comparable <= 0:
            notes.append("the same period last year was zero, so growth on it cannot be measured")
        elif history.growth_range is not None:
            growth = target / history.last_comparable - 1
            low, high = history.growth_range
            if growth > high + 0.05 or growth < low - 0.05:
                notes.append(
                    f"it implies {growth:+.0%} on the same period last year, outside the owner's range of "
                    f"{low:+.0%} to {high:+.0%}"
                )
    ramp = history.prediction.ramp_factor
    if ramp < 1 and history.full_capacity and facts.metric and facts.metric.direction != "lower":
        capacity = history.full_capacity * ramp
        if target > capacity:
            notes.append(
                f"it is above the ramped capacity of {format_amount(capacity, unit, facts.currency)} "
                f"({ramp:.0%} of a fully ramped peer)"
            )
    return notes


def check_attainable(
    facts: GoalFacts, thresholds: Thresholds
) -> tuple[Verdict, float | None, int | None]:
    """Probability of attainment from history, inside the policy band; growth and ramp checks."""
    if facts.qualitative:
        return (
            Verdict(
                "warn",
                "Attainability of a qualitative goal cannot be computed from history.",
                "Agree with the manager which rubric level is realistic this period.",
            ),
            None,
            None,
        )
    if facts.target is None or facts.metric is None:
        return Verdict("fail", "There is no target to judge.", "Enter a target."), None, None
    history = facts.history
    if history is None or history.prediction.basis == "none":
        return (
            Verdict(
                "warn",
                f"There is no history for {facts.owner_name or 'this owner'} or their peers on '{facts.metric.name}', "
                "so the chance of reaching the target cannot be computed.",
                "Compare with a similar role's results and agree a check-in after the first month.",
            ),
            None,
            None,
        )
    unit = facts.metric.unit
    prediction = history.prediction
    aim_for = thresholds.suggested_probability
    if facts.metric.direction == "lower":
        # Attaining a lower-is-better target means staying at or under it.
        probability = 1.0 - prediction.probability(facts.target)
        suggested = round_target(
            prediction.target_for_probability(1.0 - aim_for), unit, facts.currency
        )
    else:
        probability = prediction.probability(facts.target)
        suggested = round_target(prediction.target_for_probability(aim_for), unit, facts.currency)
    shown = format_amount(facts.target, unit, facts.currency)
    basis = (
        f"on {history.periods_label}"
        if prediction.basis == "own"
        else f"on peers' results ({history.periods_label}), as there is no history of the owner's own"
    )
    headline = f"{shown} has {format_chance(probability)} {basis}"
    aim = f"{format_amount(suggested, unit, facts.currency)} would be {thresholds.suggested_probability:.0%}"
    notes = _attainability_notes(facts, history, facts.target, unit)
    detail = "".join(f"; {note}" for note in notes)
    if probability < thresholds.band_low:
        status: Status = "fail" if probability < thresholds.fail_below else "warn"
        verdict = Verdict(
            status,
            f"Unrealistic: {headline}; {aim}{detail}.",
            f"Lower the target to about {format_amount(suggested, unit, facts.currency)}, or record why this period "
            "will be different.",
        )
    elif probability > thresholds.band_high:
        status = "fail" if probability > thresholds.fail_above else "warn"
        verdict = Verdict(
            status,
            f"Too easy: {headline}; {aim}{detail}.",
            f"Raise the target to about {format_amount(suggested, unit, facts.currency)}; a goal this safe does not stretch.",
        )
    elif notes:
        verdict = Verdict(
            "warn",
            f"{headline}, inside the {thresholds.band_low:.0%}–{thresholds.band_high:.0%} band, but{detail[1:]}.",
            "Check the reason for the change with the owner and note it in the rationale.",
        )
    else:
        verdict = Verdict(
            "pass",
            f"Challenging yet achievable: {headline} "
            f"(band {thresholds.band_low:.0%}–{thresholds.band_high:.0%}).",
        )
    return verdict, probability, suggested


def check_relevant(facts: GoalFacts, thresholds: Thresholds) -> Verdict:
    """Aligned to a parent goal (or a company objective) on a compatible metric and period;
    children coherent with the goal."""
    parent = facts.parent
    problems: list[tuple[Status, str]] = []
    if parent is not None:
        if facts.metric is not None and parent.metric_unit != facts.metric.unit:
            problems.append(
                (
                    "fail",
                    f"it is measured in {facts.metric.unit} while its parent '{parent.label}' is measured in {parent.metric_unit}",
                )
            )
        elif facts.metric is not None and parent.metric_code != facts.metric.code:
            problems.append(
                (
                    "warn",
                    f"it counts '{facts.metric.name}', a different metric from its parent '{parent.label}'",
                )
            )
        if (
            facts.period_start
            and facts.period_end
            and (facts.period_start < parent.period_start or facts.period_end > parent.period_end)
        ):
            problems.append(
                ("fail", f"its period falls outside the period of its parent '{parent.label}'")
            )
    elif not facts.objective.strip():
        return Verdict(
            "fail",
            "The goal is not linked to a parent goal or a company objective.",
            "Link it to the team or company goal it serves; a company goal should name its objective.",
        )
    if facts.children_count and facts.target:
        total = facts.children_total or 0
        unit = facts.metric.unit if facts.metric else "count"
        if total < facts.target:
            problems.append(
                (
                    "warn",
                    f"its {facts.children_count} sub-goals add up to {format_amount(total, unit, facts.currency)}, "
                    f"{format_amount(facts.target - total, unit, facts.currency)} short of the target",
                )
            )
        elif total / facts.target - 1 > thresholds.max_over_assignment:
            problems.append(
                (
                    "warn",
                    f"its sub-goals are over-assigned by {total / facts.target - 1:.0%} "
                    f"(policy limit {thresholds.max_over_assignment:.0%})",
                )
            )
    if problems:
        status: Status = "fail" if any(level == "fail" for level, _ in problems) else "warn"
        return Verdict(
            status,
            "Alignment problem: " + "; ".join(text for _, text in problems) + ".",
            "Match the parent's metric and period, and make the sub-goals add up to the target.",
        )
    served = (
        f"the goal '{parent.label}'"
        if parent is not None
        else f"the company objective: {facts.objective.strip()}"
    )
    return Verdict("pass", f"Serves {served}.")


def check_time_bound(facts: GoalFacts) -> Verdict:
    """Inside the cycle's period, with a deadline and a check-in cadence."""
    if facts.period_start is None or facts.period_end is None:
        return Verdict(
            "fail", "The goal has no period.", "Set the period it covers, e.g. FY2027-Q2."
        )
    if facts.period_end < facts.period_start:
        return Verdict("fail", "The period ends before it starts.", "Correct the period dates.")
    if (
        facts.cycle_start
        and facts.cycle_end
        and (facts.period_start < facts.cycle_start or facts.period_end > facts.cycle_end)
    ):
        return Verdict(
            "fail",
            f"The period {facts.period_start:%d %b %Y}–{facts.period_end:%d %b %Y} is outside the planning cycle "
            f"({facts.cycle_start:%d %b %Y}–{facts.cycle_end:%d %b %Y}).",
            "Move the goal into the cycle's period.",
        )
    dues = sorted(item.due for item in facts.milestones if item.due is not None)
    late = [day for day in dues if not facts.period_start <= day <= facts.period_end]
    if late:
        return Verdict(
            "fail",
            f"A milestone is due {late[0]:%d %b %Y}, outside the goal's period "
            f"{facts.period_start:%d %b %Y}–{facts.period_end:%d %b %Y}.",
            "Move the milestone's due date into the goal's period.",
        )
    deadline = (
        f"milestones due {dues[0]:%d %b %Y}–{dues[-1]:%d %b %Y}"
        if dues
        else (f"deadline {facts.deadline:%d %b %Y}" if facts.deadline else "")
    )
    missing = []
    if not deadline:
        missing.append("deadline")
    if not facts.checkin_cadence.strip():
        missing.append("check-in cadence")
    if missing:
        return Verdict(
            "warn",
            f"Runs {facts.period_start:%d %b %Y}–{facts.period_end:%d %b %Y}, but has no "
            + " or ".join(missing)
            + ".",
            "Set the submission deadline, and how often owners check in (e.g. every two weeks) "
            "on the plan's page.",
        )
    return Verdict(
        "pass",
        f"Runs {facts.period_start:%d %b %Y}–{facts.period_end:%d %b %Y}; {deadline}, "
        f"check-ins {facts.checkin_cadence}.",
    )


def evaluate(facts: GoalFacts, thresholds: Thresholds | None = None) -> SmartReport:
    """Every letter's verdict for one goal."""
    thresholds = thresholds or Thresholds()
    attainable, probability, suggested = check_attainable(facts, thresholds)
    return SmartReport(
        specific=check_specific(facts),
        measurable=check_measurable(facts),
        attainable=attainable,
        relevant=check_relevant(facts, thresholds),
        time_bound=check_time_bound(facts),
        probability=probability,
        suggested_target=suggested,
    )
