"""A rep's statement for one payout run: earnings to date, this run's clawbacks, the
true-up against what earlier runs settled, and the draw.

Runs within a plan period are cumulative. Each run computes the earnings *to date* from
every credit counted so far (so tiers see the whole period's attainment), then pays the
true-up: earnings to date − earnings already settled by earlier runs. In order:

1. **Earnings to date** of each component (:mod:`.components`, :mod:`.spifs`,
   :mod:`.scorecards`), on the counted credits except the reversals new to this run. A
   SPIF pays what the run's budget pass awarded the rep's sales (:func:`run_awards`).
2. **Clawbacks**: each reversal new to this run (one the previous run did not count),
   earliest first, added to the credits; its line per component is how much that lowers
   the component's earnings. A reversal outside the clawback window is not counted at all
   (the commission stands) and is listed as excluded. Since every earnings figure is a
   sum of rounded lines, the clawback lines are exact differences and need no rounding.
3. **Paid before**: minus the earnings to date the previous run counted.
   **Adjustments** agreed on the rep's inquiries follow, one line each, and count towards
   the earnings to date (every run lists those agreed so far, so the true-up pays each
   once).
4. **Draw**: when what is due falls short of a draw's guarantee, a top-up line brings the
   payout to it; a recoverable draw adds the top-up to the rep's balance, a non-recoverable
   one forgives it (but never turns a negative result, a clawback larger than the run's
   earnings, into a payment). When the rep owes a balance and what is due is above the
   guarantee (or above zero, without a draw), the excess recovers it.
5. **Carried**: a negative total is not paid back by the rep here; it is carried to the
   next run as balance, and this run pays zero.

The total is the sum of the lines, exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from quotaflow.incentives.engine.components import component_lines
from quotaflow.incentives.engine.definition import Plan, Scorecard, Spif
from quotaflow.incentives.engine.errors import PlanError
from quotaflow.incentives.engine.inputs import (
    Adjustment,
    Credit,
    MetricInputs,
    Prior,
    RunInputs,
    SpifAward,
)
from quotaflow.incentives.engine.lines import Excluded, Line, LineKind, Statement
from quotaflow.incentives.engine.scorecards import scorecard_lines
from quotaflow.incentives.engine.spifs import (
    Awards,
    allocate_spif_budgets,
    paid_by_spif,
    spif_lines,
)

Counted = Mapping[str, tuple[Credit, ...]]


def compute_statement(plan: Plan, inputs: RunInputs) -> Statement:
    """The statement ``plan`` gives for ``inputs`` (see the module docstring). Without
    ``inputs.spif_awards`` each SPIF's budget is spent on this rep alone."""
    _require_metrics(plan, inputs)
    counted, excluded = _within_window(plan, inputs)
    awards = inputs.spif_awards
    if awards is None:
        awards = allocate_spif_budgets(plan, {0: counted}, {0: inputs})[0] if plan.spifs else {}
    new_reversals = sorted(
        {
            credit.ref: credit
            for credits in counted.values()
            for credit in credits
            if credit.is_reversal and credit.ref not in inputs.prior.counted_refs
        }.values(),
        key=lambda credit: (credit.day, credit.ref),
    )
    pending = {credit.ref for credit in new_reversals}
    base = {
        code: tuple(c for c in credits if c.ref not in pending) for code, credits in counted.items()
    }
    lines = _earnings(plan, inputs.metrics, base, awards)
    earned = _by_component(lines)
    spifs = {spif.name: spif for spif in plan.spifs}
    for reversal in new_reversals:
        pending.discard(reversal.ref)
        step = {
            code: tuple(c for c in credits if c.ref not in pending)
            for code, credits in counted.items()
        }
        after = _by_component(_earnings(plan, inputs.metrics, step, awards))
        lines.extend(_clawbacks(reversal, earned, after, spifs))
        earned = after
    agreed = [_adjustment(adjustment) for adjustment in inputs.adjustments]
    lines.extend(agreed)
    earned_to_date = sum(earned.values()) + sum(line.amount_minor for line in agreed)
    settlement, balance = _settlement(plan, inputs.prior, earned_to_date)
    lines.extend(settlement)
    return Statement(
        lines=tuple(lines),
        total_minor=sum(line.amount_minor for line in lines),
        earned_minor=earned_to_date,
        balance_minor=balance,
        counted_refs=frozenset(c.ref for credits in counted.values() for c in credits),
        excluded=tuple(excluded),
        spif_paid=paid_by_spif(awards),
    )


def run_awards(
    plan: Plan, inputs: Mapping[int, RunInputs], spent_elsewhere: Mapping[str, int] | None = None
) -> dict[int, Awards]:
    """The run-level SPIF budget pass over every rep's inputs (keyed by the rep's id):
    each rep's awards, to give their :class:`RunInputs` as ``spif_awards``. Reps whose
    inputs lack a metric are left out (their statement reports it)."""
    if not plan.spifs:
        return {rep: {} for rep in inputs}
    complete = {rep: given for rep, given in inputs.items() if _has_metrics(plan, given)}
    counted = {rep: _within_window(plan, given)[0] for rep, given in complete.items()}
    return allocate_spif_budgets(plan, counted, complete, spent_elsewhere)


def compute_run(
    plan: Plan, inputs: Mapping[int, RunInputs], spent_elsewhere: Mapping[str, int] | None = None
) -> dict[int, Statement]:
    """Every rep's statement for one run: the SPIF budget pass, then each statement."""
    awards = run_awards(plan, inputs, spent_elsewhere)
    return {
        rep: compute_statement(plan, replace(given, spif_awards=awards.get(rep, {})))
        for rep, given in sorted(inputs.items())
    }


def _has_metrics(plan: Plan, inputs: RunInputs) -> bool:
    return all(code in inputs.metrics for code in plan.metrics)


def _require_metrics(plan: Plan, inputs: RunInputs) -> None:
    missing = [code for code in plan.metrics if code not in inputs.metrics]
    if missing:
        raise PlanError(
            f"No credits or target were given for metric {missing[0]}.", field="metrics"
        )


def _within_window(
    plan: Plan, inputs: RunInputs
) -> tuple[dict[str, tuple[Credit, ...]], list[Excluded]]:
    """Each metric's credits in (day, ref) order without the reversals that came after the
    clawback window, and those reversals."""
    counted: dict[str, tuple[Credit, ...]] = {}
    excluded: list[Excluded] = []
    window = plan.clawback_window_days
    for code in plan.metrics:
        kept = []
        for credit in sorted(inputs.metrics[code].credits, key=lambda c: (c.day, c.ref)):
            late = credit.days_after_sale()
            if late is not None and late > window:
                excluded.append(
                    Excluded(
                        credit,
                        code,
                        f"reversed {late} days after the sale, outside the {window}-day clawback window",
                    )
                )
            else:
                kept.append(credit)
        counted[code] = tuple(kept)
    return counted, excluded


def _earnings(
    plan: Plan,
    metrics: Mapping[str, MetricInputs],
    counted: Counted,
    awards: Mapping[str, Mapping[str, SpifAward]],
) -> list[Line]:
    lines: list[Line] = []
    for component in plan.components:
        if isinstance(component, Spif):
            found = spif_lines(component, counted[component.metric], awards.get(component.name, {}))
        elif isinstance(component, Scorecard):
            found = scorecard_lines(component, metrics, counted)
        else:
            found = component_lines(component, metrics[component.metric], counted[component.metric])
        lines.extend(found)
    return lines


def _by_component(lines: list[Line]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.component] = totals.get(line.component, 0) + line.amount_minor
    return totals


def _clawbacks(
    reversal: Credit, before: dict[str, int], after: dict[str, int], spifs: Mapping[str, Spif]
) -> list[Line]:
    lines = []
    for component in dict.fromkeys([*before, *after]):
        change = after.get(component, 0) - before.get(component, 0)
        if change:
            lines.append(
                Line(
                    kind=LineKind.CLAWBACK,
                    component=component,
                    amount_minor=change,
                    exact=Decimal(change),
                    reversal=reversal,
                    spif=spifs.get(component),
                )
            )
    return lines


def _adjustment(adjustment: Adjustment) -> Line:
    return Line(
        kind=LineKind.ADJUSTMENT,
        component="",
        amount_minor=adjustment.amount_minor,
        exact=Decimal(adjustment.amount_minor),
        adjustment=adjustment,
    )


def _settlement(plan: Plan, prior: Prior, earned_to_date: int) -> tuple[list[Line], int]:
    """The true-up against earlier runs, then the draw, recovery and carry lines, and the
    balance the rep owes afterwards."""
    lines = []
    if prior.earned_minor:
        lines.append(_plain(LineKind.PAID_BEFORE, -prior.earned_minor))
    due = earned_to_date - prior.earned_minor
    balance = prior.balance_minor
    draw = plan.draw
    floor = 0 if draw is None else draw.amount_minor
    if draw is not None and due < draw.amount_minor:
        top_up = draw.amount_minor - (due if draw.recoverable else max(due, 0))
        if draw.recoverable:
            balance += top_up
        lines.append(_plain(LineKind.DRAW, top_up, balance, draw.amount_minor))
    elif balance > 0 and due > floor:
        recovered = min(balance, due - floor)
        balance -= recovered
        lines.append(_plain(LineKind.RECOVERY, -recovered, balance, floor or None))
    total = earned_to_date + sum(line.amount_minor for line in lines)
    if total < 0:
        balance -= total
        lines.append(_plain(LineKind.CARRIED, -total, balance))
    return lines, balance


def _plain(
    kind: LineKind, amount: int, balance_after: int | None = None, draw: int | None = None
) -> Line:
    return Line(
        kind=kind,
        component="",
        amount_minor=amount,
        exact=Decimal(amount),
        balance_after_minor=balance_after,
        draw_minor=draw,
    )
