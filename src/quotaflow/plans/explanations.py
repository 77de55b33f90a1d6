"""Why a goal's number is what it is, in one sentence with amounts in display units and
the currency ("… of top-down 3,000,000.00 EUR and bottom-up 3,117,350.28 EUR gives
3,000,000.00 EUR").

The engine (:mod:`quotaflow.planning`) records derivations as plain data in minor units
and imports nothing of Quotaflow, so the words people read are built here, from the
stored data, with :mod:`quotaflow.core.money`; goals derived before this module existed
read the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quotaflow.core.models import Company
from quotaflow.core.money import Amounts, metric_amounts
from quotaflow.metrics.models import Metric


def amounts_for(metric: Metric, currency: str | None = None) -> Amounts:
    """How ``metric``'s amounts are typed and shown; the company currency is read here
    (one query) unless ``currency`` is given: read it once per request, export or action,
    never per row."""
    return metric_amounts(metric.unit, currency or Company.current().currency)


def reconciled_sentence(reconciled: Mapping[str, Any], amounts: Amounts) -> str:
    """The reconciliation round that set the number."""
    method = str(reconciled.get("method", "reconciliation")).replace("_", " ")
    text = (
        f"Round {reconciled.get('round', '?')}: {method} of top-down "
        f"{amounts.format(reconciled.get('guidance'))} and bottom-up "
        f"{amounts.format(reconciled.get('bottom_up'))} gives "
        f"{amounts.format(reconciled.get('target'))}."
    )
    unallocated = int(reconciled.get("unallocated") or 0)
    if unallocated > 0:
        text += (
            f" Everyone beneath kept their submission: {amounts.format(unallocated)} "
            "of what this level hands out is not allocated."
        )
    elif unallocated < 0:
        text += (
            " Everyone beneath kept their submission: together they commit "
            f"{amounts.format(-unallocated)} more than this level hands out."
        )
    return text


def top_down_sentence(top_down: Mapping[str, Any], amounts: Amounts, parent: str) -> str:
    """The top-down split that set the number, naming the ``parent`` that split."""
    if top_down.get("rule") == "given":
        return f"The company target given by sales operations: {amounts.format(top_down.get('target'))}."
    rule = str(top_down.get("rule", "")).replace("_", " ").capitalize()
    share = float(top_down.get("share") or 0)
    return (
        f"{rule}: {share:.2%} of the {amounts.format(top_down.get('amount_split'))} "
        f"that {parent} split."
    )


def adjustment_sentence(adjustment: Mapping[str, Any], amounts: Amounts) -> str:
    """A hand-made change: who, from what to what, and why."""
    change = ""
    if adjustment.get("new") is not None:
        change = (
            f" from {amounts.format(adjustment.get('old'))} to {amounts.format(adjustment['new'])}"
        )
    rule = adjustment.get("rule", "adjustment")
    return f"Set by {adjustment.get('by', '?')} ({rule}){change}: {adjustment.get('reason', '')}"


def explain(
    derivation: Mapping[str, Any] | None,
    amounts: Amounts,
    *,
    parent: str = "the parent",
    submitted: str = "",
) -> str:
    """One sentence on how a goal's current number was reached: the reconciliation, the
    latest adjustment, the top-down split, or ``submitted`` (what to say of a submitted
    number), in that order."""
    derivation = derivation or {}
    if derivation.get("reconciled"):
        return reconciled_sentence(derivation["reconciled"], amounts)
    adjustments = derivation.get("adjustments") or []
    if adjustments:
        return adjustment_sentence(adjustments[-1], amounts)
    if derivation.get("top_down"):
        return top_down_sentence(derivation["top_down"], amounts, parent)
    if submitted:
        return submitted
    return str(derivation.get("summary", ""))
