"""SPIFs: short-term incentives on the sales of a date range, paid from one budget that all
reps and all runs of the plan share.

A rep's statement is computed rep by rep, but a SPIF's budget is not: who is paid depends
on everyone's sales. So a run first makes one **budget pass** over every rep's inputs
(:func:`allocate_spif_budgets`), which says for each rep's qualifying sale what the SPIF
pays for it; each rep's statement then only reads its own sales' awards. The rule, per SPIF:

1. A **qualifying sale** is a credited sale (not a reversal) dated from the SPIF's start to
   its end, inclusive, of an attribute value the SPIF applies to (if it names some). Its
   amount is net of the counted reversals that name it (a credit note taking part of it
   back lowers it; a cancellation takes it to zero, and a sale at zero or less pays
   nothing). A rate SPIF pays rate × that amount, rounded once per sale, half to even, to
   a whole minor unit (the budget is spent sale by sale, so each sale's pay is a whole
   amount); a per-deal SPIF pays its fixed amount per sale. A sale split between reps is a
   qualifying sale of each of them (each on their credited share).
2. **Already spent**: what earlier runs paid for a sale stays paid while the sale stands
   (at most what it pays now, should a credit note have lowered it); what they paid for a
   sale reversed since is taken back and returns to the budget. What earlier runs paid to
   people no longer in the run (``spent_elsewhere``) stays spent.
3. **The rest of the budget** goes to the qualifying sales still short of their full pay,
   in order of sale date, then the sale's reference, then the rep's id, each topped up as
   far as the budget lasts (the sale that reaches the end of the budget is paid in part).

So a SPIF never pays more than its budget over all runs, and what it pays in total is
``min(budget, Σ full pay of the standing qualifying sales)`` whatever the order the sales
were booked in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from quotaflow.incentives.engine.definition import Plan, Spif
from quotaflow.incentives.engine.inputs import Credit, RunInputs, SpifAward
from quotaflow.incentives.engine.lines import CreditUse, Line, LineKind, SpifShortfall
from quotaflow.incentives.engine.rounding import round_line

ONE = Decimal(1)
Awards = dict[str, dict[str, SpifAward]]  # SPIF name → sale ref → award


@dataclass(frozen=True)
class Deal:
    """A qualifying sale and its amount net of the reversals that name it."""

    sale: Credit
    net_minor: int


def qualifying_deals(spif: Spif, credits: Iterable[Credit]) -> list[Deal]:
    """The sales of ``credits`` that qualify for ``spif``, in (day, ref) order. A reversal
    counts against the sale whose ref it names, or against that sale's part credit (a ref
    the named one starts, followed by "/")."""
    credits = list(credits)
    sales = {
        credit.ref: credit
        for credit in credits
        if not credit.is_reversal
        and credit.amount_minor > 0
        and spif.covers(credit.day)
        and (spif.applies_to is None or spif.applies_to.keeps(credit.attributes))
    }
    net = {ref: sale.amount_minor for ref, sale in sales.items()}
    parts: dict[str, str] | None = None  # built only for a reversal naming no sale itself
    for credit in credits:
        if not credit.is_reversal:
            continue
        target: str | None = credit.reverses
        if target not in sales:
            parts = _part_credits(sales) if parts is None else parts
            target = parts.get(credit.reverses)
        if target is not None:
            net[target] += credit.amount_minor
    return [Deal(sales[ref], net[ref]) for ref in sorted(sales, key=lambda r: (sales[r].day, r))]


def _part_credits(sales: Mapping[str, Credit]) -> dict[str, str]:
    """Each ref a part credit's ref starts with, followed by "/" ("crm:D-1" for
    "crm:D-1/overlay"), to the first such part credit."""
    parts: dict[str, str] = {}
    for ref in sorted(sales):
        cut = ref.find("/")
        while cut != -1:
            parts.setdefault(ref[:cut], ref)
            cut = ref.find("/", cut + 1)
    return parts


def full_pay(spif: Spif, net_minor: int) -> int:
    """What ``spif`` pays in full for a sale whose net credited amount is ``net_minor``."""
    if net_minor <= 0:
        return 0
    if spif.per_deal_minor is not None:
        return spif.per_deal_minor
    rate = spif.rate if spif.rate is not None else Decimal(0)  # the reader requires one of both
    return round_line(rate * net_minor)


def allocate_spif_budgets(
    plan: Plan,
    counted: Mapping[int, Mapping[str, tuple[Credit, ...]]],
    inputs: Mapping[int, RunInputs],
    spent_elsewhere: Mapping[str, int] | None = None,
) -> dict[int, Awards]:
    """Each rep's SPIF awards for one run (see the module docstring). ``counted`` is each
    rep's counted credits per metric (the clawback window applied), ``inputs`` their run
    inputs (for what earlier runs paid), keyed alike by the rep's id."""
    awards: dict[int, Awards] = {rep: {} for rep in inputs}
    elsewhere = spent_elsewhere or {}
    for spif in plan.spifs:
        rows = []
        for rep in sorted(inputs):
            paid_before = inputs[rep].prior.spif_paid.get(spif.name, {})
            for deal in qualifying_deals(spif, counted[rep].get(spif.metric, ())):
                before = paid_before.get(deal.sale.ref, 0)
                rows.append(
                    (deal.sale.day, deal.sale.ref, rep, full_pay(spif, deal.net_minor), before)
                )
        standing = {(rep, ref): min(before, full) for _, ref, rep, full, before in rows}
        remaining = max(0, spif.budget_minor - elsewhere.get(spif.name, 0) - sum(standing.values()))
        for _day, ref, rep, full, before in sorted(rows, key=lambda row: row[:3]):
            kept = standing[(rep, ref)]
            top_up = min(full - kept, remaining)
            remaining -= top_up
            if full or before:
                awards[rep].setdefault(spif.name, {})[ref] = SpifAward(full, kept + top_up, before)
    return awards


def spif_lines(
    spif: Spif, credits: Iterable[Credit], awards: Mapping[str, SpifAward]
) -> list[Line]:
    """The SPIF's lines for a rep's counted ``credits``: its full pay on the qualifying
    sales the budget pass considered, and what the spent budget holds back of it.

    While a reversal new to the run is not yet applied (the statement's earnings before
    its clawbacks), the reversed sale pays what earlier runs paid for it, so that applying
    the reversal takes exactly that back."""
    uses, full_total, paid_total, unpaid, partly = [], 0, 0, 0, 0
    for deal in qualifying_deals(spif, credits):
        award = awards.get(deal.sale.ref)
        full = full_pay(spif, deal.net_minor)
        if award is None or full == 0:
            continue
        paid = min(full, max(award.paid_minor, award.before_minor))
        full_total, paid_total = full_total + full, paid_total + paid
        unpaid += paid == 0
        partly += 0 < paid < full
        sale = deal.sale
        uses.append(CreditUse(sale.ref, sale.day, deal.net_minor, ONE, Decimal(paid)))
    if not uses:
        return []
    basis = sum((Decimal(use.amount_minor) for use in uses), Decimal(0))
    lines = [
        Line(
            kind=LineKind.SPIF,
            component=spif.name,
            amount_minor=full_total,
            exact=Decimal(full_total),
            basis=basis,
            rate=spif.rate,
            credits=tuple(uses),
            spif=spif,
        )
    ]
    if paid_total < full_total:
        lines.append(
            Line(
                kind=LineKind.SPIF_BUDGET,
                component=spif.name,
                amount_minor=paid_total - full_total,
                exact=Decimal(paid_total - full_total),
                spif=spif,
                shortfall=SpifShortfall(unpaid=unpaid, partly_paid=partly),
            )
        )
    return lines


def paid_by_spif(awards: Mapping[str, Mapping[str, SpifAward]]) -> dict[str, dict[str, int]]:
    """What the run's earnings to date pay per SPIF and sale (sales paid nothing left out):
    what the next run reads as already spent."""
    return {
        name: {ref: award.paid_minor for ref, award in sorted(sales.items()) if award.paid_minor}
        for name, sales in sorted(awards.items())
        if any(award.paid_minor for award in sales.values())
    }
