"""Template filters that show planning numbers exactly, by :mod:`quotaflow.core.money`.

The argument is the metric's :class:`~quotaflow.core.money.Amounts` (views put it in the
context as ``money``): ``{{ goal.target|amount:money }}`` → ``3,000,000.00`` for a table
whose heading names the currency, ``{{ goal.target|money:money }}`` → ``3,000,000.00 EUR``
in sentences.
"""

from __future__ import annotations

from django import template

from quotaflow.core.money import Amounts
from quotaflow.plans.explanations import reconciled_sentence
from quotaflow.plans.models import Goal

register = template.Library()


@register.filter
def amount(value: int | None, money: Amounts) -> str:
    """Minor units as a grouped decimal: ``300000000|amount:money`` → ``3,000,000.00``."""
    return money.number(value)


@register.filter
def signed_amount(value: int | None, money: Amounts) -> str:
    """Like ``amount`` with an explicit sign for gaps and deltas."""
    return money.number(value, signed=True)


@register.filter(name="money")
def with_currency(value: int | None, money: Amounts) -> str:
    """Minor units for a sentence, with the currency: ``3,000,000.00 EUR``."""
    return money.format(value)


@register.filter
def basis_points(value: int | None) -> str:
    """Basis points as a signed percentage: ``-833`` → ``-8.33%``."""
    if value is None:
        return "—"
    return f"{value / 100:+.2f}%"


@register.filter
def reconciled(goal: Goal, money: Amounts) -> str:
    """The reconciliation that set ``goal``'s number, in words with the currency."""
    return reconciled_sentence((goal.derivation or {}).get("reconciled") or {}, money)


@register.filter
def bp_percent(value: int | None) -> str:
    """Basis points as an unsigned percentage: ``1000`` → ``10.00%``."""
    if value is None:
        return "—"
    return f"{value / 100:.2f}%"
