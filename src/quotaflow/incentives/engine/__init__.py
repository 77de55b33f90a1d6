"""The incentive calculation: plan definitions, a rep's run inputs, and the statement they
give. Pure Python: no Django, no I/O, no other part of Quotaflow (an import-linter
contract keeps it so), integer minor units in and out, exact decimals for rates.

``plan_from_document`` reads and validates a plan version's JSON; ``compute_statement``
turns a plan and one rep's :class:`RunInputs` into a :class:`Statement` whose lines each
carry what explains them; ``compute_run`` does it for every rep of a run after the one
cross-rep step, the SPIF budget pass (``run_awards``); ``describe`` says a line in words.
"""

from __future__ import annotations

from quotaflow.incentives.engine.definition import (
    ATTRIBUTES,
    AttributeTable,
    Bonus,
    Commission,
    Component,
    CurveStep,
    Draw,
    Filter,
    Measure,
    Milestone,
    Plan,
    Scorecard,
    Spif,
    Tier,
    TierMode,
    plan_from_document,
)
from quotaflow.incentives.engine.errors import PlanError
from quotaflow.incentives.engine.inputs import (
    Adjustment,
    Credit,
    MetricInputs,
    Prior,
    RunInputs,
    SpifAward,
)
from quotaflow.incentives.engine.lines import (
    CreditUse,
    Excluded,
    Line,
    LineKind,
    MeasureScore,
    SpifShortfall,
    Statement,
)
from quotaflow.incentives.engine.rounding import ROUNDING_RULE, round_line
from quotaflow.incentives.engine.spifs import allocate_spif_budgets
from quotaflow.incentives.engine.statement import compute_run, compute_statement, run_awards
from quotaflow.incentives.engine.words import describe, percent, plan_words

__all__ = [
    "ATTRIBUTES",
    "Adjustment",
    "ROUNDING_RULE",
    "AttributeTable",
    "Bonus",
    "Commission",
    "Component",
    "Credit",
    "CreditUse",
    "CurveStep",
    "Draw",
    "Excluded",
    "Filter",
    "Line",
    "LineKind",
    "Measure",
    "MeasureScore",
    "MetricInputs",
    "Milestone",
    "Plan",
    "PlanError",
    "Prior",
    "RunInputs",
    "Scorecard",
    "Spif",
    "SpifAward",
    "SpifShortfall",
    "Statement",
    "Tier",
    "TierMode",
    "allocate_spif_budgets",
    "compute_run",
    "compute_statement",
    "describe",
    "percent",
    "plan_from_document",
    "plan_words",
    "round_line",
    "run_awards",
]
