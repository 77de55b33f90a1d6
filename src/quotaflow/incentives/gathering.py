"""What a payout run computes from, gathered once and kept: the snapshot.

The snapshot is plain JSON: the plan version's document, the pay period, and per rep the
credits to date on every metric the plan reads (with the sale's product group, product,
deal type and account), the target, and what the previous locked run left. The run stores
it with its SHA-256 fingerprint; re-computing a run reads only the snapshot, so a locked
run gives the same statements for ever, whatever happens to the data afterwards.

Reversals. A credit note (a negative transaction) that names the sale it reverses in its
``reverses`` attribute (that sale's external id, same source) is a reversal of that sale,
and the clawback window is measured from the sale's date. A credit the previous run
counted that is no longer credited to the rep (the sale was cancelled, or re-credited to
someone else) stays in the snapshot, followed by a synthesised reversal dated when the
cancellation arrived (the sale's last change, at the latest the end of the pay period):
the engine then takes its commission back, or leaves it standing outside the window.

SPIFs. For a plan with SPIFs each rep's ``prior`` also holds ``spif_paid`` (per SPIF, what
the previous run paid for each of their sales), and the snapshot holds
``spif_spent_elsewhere``: per SPIF, what earlier runs paid to people no longer in this run,
which stays spent from the SPIF's budget (carried from run to run).

Adjustments. A rep's entry holds ``adjustments`` (only when there are any) when sales
operations agreed an amount on an inquiry about an earlier statement of the plan: those
the previous run counted, and those agreed since (``incentives.inquiries``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils import timezone

from quotaflow.core.models import Company
from quotaflow.incentives.engine import (
    Adjustment,
    Credit,
    MetricInputs,
    Prior,
    RunInputs,
    plan_from_document,
)
from quotaflow.incentives.inquiries import adjustments_to_date
from quotaflow.incentives.models import IncentivePlan, PayoutRun, PlanVersion, Statement
from quotaflow.performance.models import Credit as PerformanceCredit
from quotaflow.performance.models import CreditKind
from quotaflow.plans.models import Goal, GoalStatus
from quotaflow.sales.models import Transaction

CANCELLED = "/cancelled"
SNAPSHOT_FORMAT = 1
ATTRIBUTE_FIELDS = ("product_group", "product", "deal_type", "account")
#: Goal states whose target a run pays against.
TARGET_STATES = (GoalStatus.PUBLISHED, GoalStatus.CLOSED)

CreditRow = list[Any]  # [ref, day, amount_minor, attributes, reverses, reversed_sale_day]


def fingerprint(snapshot: dict[str, Any]) -> str:
    """The SHA-256 of the snapshot's canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def gather(
    plan: IncentivePlan,
    version: PlanVersion,
    period: tuple[dt.date, dt.date],
    person_ids: list[int],
    previous: PayoutRun | None,
) -> dict[str, Any]:
    """The snapshot of ``plan`` (at ``version``) for the pay period ``period``, for the
    reps ``person_ids``, continuing from the locked run ``previous``."""
    definition = plan_from_document(version.document)
    codes = list(definition.metrics)
    current = _credits(plan, period[1], person_ids, codes)
    targets = _targets(plan, person_ids, codes)
    earlier = _previous_statements(previous)
    has_spifs = bool(definition.spifs)
    agreed = adjustments_to_date(plan, period[0], previous)
    reps: list[dict[str, Any]] = []
    for person_id in sorted(person_ids):
        prior_inputs, prior = earlier.get(
            person_id, ({}, {"earned": 0, "balance": 0, "counted": [], "spif_paid": {}})
        )
        if not has_spifs:
            prior = {key: value for key, value in prior.items() if key != "spif_paid"}
        metrics = {}
        for code in codes:
            credits = current.get((person_id, code), [])
            carried = _carried(prior_inputs.get(code, {}).get("credits", []), credits, period[1])
            metrics[code] = {
                "target": targets.get((person_id, code)),
                "credits": sorted([*credits, *carried], key=lambda row: (row[1], row[0])),
            }
        reps.append({"person": person_id, "metrics": metrics, "prior": prior})
        if agreed.get(person_id):
            reps[-1]["adjustments"] = agreed[person_id]
    snapshot: dict[str, Any] = {
        "format": SNAPSHOT_FORMAT,
        "plan": {"id": plan.pk, "version": version.number, "document": version.document},
        "currency": Company.current().currency,
        "period": {
            "plan_start": plan.period_start.isoformat(),
            "plan_end": plan.period_end.isoformat(),
            "start": period[0].isoformat(),
            "end": period[1].isoformat(),
        },
        "previous_run": None if previous is None else previous.pk,
        "reps": reps,
    }
    if has_spifs:
        snapshot["spif_spent_elsewhere"] = _spent_by_others(previous, earlier, set(person_ids))
    return snapshot


def spent_elsewhere(snapshot: dict[str, Any]) -> dict[str, int]:
    """Per SPIF, what earlier runs paid to people not in the snapshot's run."""
    return dict(snapshot.get("spif_spent_elsewhere", {}))


def _spent_by_others(
    previous: PayoutRun | None,
    earlier: dict[int, tuple[dict[str, Any], dict[str, Any]]],
    people: set[int],
) -> dict[str, int]:
    spent = {} if previous is None else spent_elsewhere(previous.inputs)
    for person_id, (_inputs, prior) in sorted(earlier.items()):
        if person_id in people:
            continue
        for name, paid in prior["spif_paid"].items():
            spent[name] = spent.get(name, 0) + sum(paid.values())
    return dict(sorted(spent.items()))


def engine_inputs(snapshot: dict[str, Any]) -> dict[int, RunInputs]:
    """Each rep's engine inputs, read from a snapshot alone."""
    return {
        rep["person"]: RunInputs(
            metrics={
                code: MetricInputs(
                    target_minor=entry["target"],
                    credits=tuple(_credit(row) for row in entry["credits"]),
                )
                for code, entry in rep["metrics"].items()
            },
            prior=Prior(
                earned_minor=rep["prior"]["earned"],
                balance_minor=rep["prior"]["balance"],
                counted_refs=frozenset(rep["prior"]["counted"]),
                spif_paid=rep["prior"].get("spif_paid", {}),
            ),
            adjustments=tuple(
                Adjustment(
                    number=entry["inquiry"],
                    amount_minor=entry["amount_minor"],
                    about=entry["about"],
                    explanation=entry["explanation"],
                )
                for entry in rep.get("adjustments", ())
            ),
        )
        for rep in snapshot["reps"]
    }


def _credit(row: CreditRow) -> Credit:
    ref, day, amount, attributes, reverses, reversed_day = row
    return Credit(
        ref=ref,
        day=dt.date.fromisoformat(day),
        amount_minor=amount,
        attributes=attributes,
        reverses=reverses,
        reversed_sale_day=dt.date.fromisoformat(reversed_day) if reversed_day else None,
    )


def _credits(
    plan: IncentivePlan, end: dt.date, person_ids: list[int], codes: list[str]
) -> dict[tuple[int, str], list[CreditRow]]:
    """The credited sales of each rep on each metric from the plan period's start to
    ``end``, one query, plus one for the dates of the sales credit notes reverse."""
    rows = list(
        PerformanceCredit.objects.filter(
            person_id__in=person_ids,
            metric__code__in=codes,
            transaction__isnull=False,
            day__range=(plan.period_start, end),
        ).values_list(
            "person_id",
            "metric__code",
            "day",
            "value",
            "kind",
            "transaction__source",
            "transaction__external_id",
            # Only the one key is read: parsing every sale's attributes cost more than
            # the rest of the query.
            "transaction__attributes__reverses",
            *(f"transaction__{name}" for name in ATTRIBUTE_FIELDS),
        )
    )
    reversed_keys = {(row[5], str(row[7])) for row in rows if row[7]}
    sale_days = _sale_days(reversed_keys)
    found: dict[tuple[int, str], list[CreditRow]] = defaultdict(list)
    for person_id, code, day, value, kind, source, external_id, reversed_id, *attributes in rows:
        ref = f"{source}:{external_id}" + ("/overlay" if kind == CreditKind.OVERLAY else "")
        reverses = "" if reversed_id is None else str(reversed_id)
        sale_day = sale_days.get((source, reverses)) if reverses else None
        found[(person_id, code)].append(
            [
                ref,
                day.isoformat(),
                value,
                {
                    name: text
                    for name, text in zip(ATTRIBUTE_FIELDS, attributes, strict=True)
                    if text
                },
                f"{source}:{reverses}" if reverses else "",
                sale_day.isoformat() if sale_day else None,
            ]
        )
    return found


def _sale_days(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dt.date]:
    keys = list(keys)
    if not keys:
        return {}
    condition = Q(pk__in=[])
    for source, external_id in keys:
        condition |= Q(source=source, external_id=external_id)
    return {
        (source, external_id): day
        for source, external_id, day in Transaction.objects.filter(condition).values_list(
            "source", "external_id", "date"
        )
    }


def _targets(
    plan: IncentivePlan, person_ids: list[int], codes: list[str]
) -> dict[tuple[int, str], int]:
    """Each rep's target on each metric for exactly the plan's period (the latest such
    goal that is published or closed)."""
    targets: dict[tuple[int, str], int] = {}
    goals = Goal.objects.filter(
        owner_person_id__in=person_ids,
        metric__code__in=codes,
        period_start=plan.period_start,
        period_end=plan.period_end,
        status__in=TARGET_STATES,
    ).order_by("pk")
    for person_id, code, target in goals.values_list("owner_person_id", "metric__code", "target"):
        if person_id is not None:
            targets[(person_id, code)] = target
    return targets


def _previous_statements(
    previous: PayoutRun | None,
) -> dict[int, tuple[dict[str, Any], dict[str, Any]]]:
    """Per rep of the previous run: their metrics in its snapshot, and what it left."""
    if previous is None:
        return {}
    inputs = {rep["person"]: rep["metrics"] for rep in previous.inputs["reps"]}
    return {
        person_id: (
            inputs.get(person_id, {}),
            {
                "earned": earned,
                "balance": balance,
                "counted": sorted(counted),
                "spif_paid": spif_paid or {},
            },
        )
        for person_id, earned, balance, counted, spif_paid in Statement.objects.filter(
            run=previous
        ).values_list("person_id", "earned_minor", "balance_minor", "counted_refs", "spif_paid")
    }


def _carried(before: list[CreditRow], now: list[CreditRow], end: dt.date) -> list[CreditRow]:
    """The credits the previous run counted that are no longer credited, each with the
    reversal that takes it back (see the module docstring)."""
    present = {row[0] for row in now}
    gone = [row for row in before if row[0].removesuffix(CANCELLED) not in present]
    if not gone:
        return []
    reversed_refs = {row[0].removesuffix(CANCELLED) for row in gone if row[0].endswith(CANCELLED)}
    changed = _cancellation_days(row[0] for row in gone if not row[0].endswith(CANCELLED))
    carried = list(gone)
    for ref, day, amount, attributes, _reverses, _sale_day in gone:
        if ref.endswith(CANCELLED) or ref in reversed_refs:
            continue
        cancelled_on = min(
            max(changed.get(ref.removesuffix("/overlay"), end), dt.date.fromisoformat(day)), end
        )
        carried.append(
            [f"{ref}{CANCELLED}", cancelled_on.isoformat(), -amount, attributes, ref, day]
        )
    return carried


def _cancellation_days(refs: Iterable[str]) -> dict[str, dt.date]:
    """When each sale (by ref) last changed, in the installation's time zone."""
    keys = [ref.removesuffix("/overlay").split(":", 1) for ref in refs]
    condition = Q(pk__in=[])
    for source, external_id in (key for key in keys if len(key) == 2):
        condition |= Q(source=source, external_id=external_id)
    return {
        f"{source}:{external_id}": timezone.localdate(changed)
        for source, external_id, changed in Transaction.objects.filter(condition).values_list(
            "source", "external_id", "updated_at"
        )
    }
