"""The demo's feedback and reward loop: what a new user finds waiting on each home.

The published revenue plan alone shows numbers but no conversation. On top of it the demo
puts, through the same actions a user's clicks go through (so each step is checked,
audited and notified as it would be):

- a weekly check-in cadence on the plan, the ``rep`` login's check-in and their team
  manager's reply;
- a quota-relief request from the ``rep`` (a lost account), waiting for the team manager;
- a review of the ``rep`` for the last fiscal quarter that has ended (or the current one in
  a fiscal year's first quarter), rated and shared, waiting for the rep's self-assessment;
- an incentive plan for every account executive: marginal tiers on revenue with an
  accelerator above 100 % and a cap, and a bonus at 100 % of the year's quota, paid
  quarterly: every quarter that has ended is previewed, approved and locked by finance in
  order, and the running quarter is previewed. Nobody has acknowledged the plan yet, so
  each rep is asked to.
"""

from __future__ import annotations

import datetime as dt

from quotaflow.accounts.models import User
from quotaflow.core.models import Company
from quotaflow.core.money import currency_amounts
from quotaflow.feedback.actions.checkins import check_in, reply_to_check_in
from quotaflow.feedback.actions.reviews import open_review, share_review, update_review
from quotaflow.feedback.models import Review
from quotaflow.incentives.actions.plans import assign_plan_by_role, create_plan, publish_plan
from quotaflow.incentives.actions.runs import approve_run, lock_run, preview_run
from quotaflow.incentives.models import IncentivePlan
from quotaflow.org.models import AssignmentRole, Person, Unit
from quotaflow.plans.actions.adjustments import file_adjustment_request
from quotaflow.plans.actions.cycles import set_checkin_cadence
from quotaflow.plans.models import Goal, PlanningCycle

#: A relief request asks for this share of the rep's annual quota back (a lost account).
RELIEF_PERCENT = 4

#: What the demo's account executives are paid on, as an incentive plan document.
#: Amounts are minor units of the company currency (the demo's is EUR).
AE_PLAN = {
    "components": [
        {
            "kind": "commission",
            "name": "Revenue commission",
            "metric": "revenue",
            "tiers": [
                {"from": "0", "rate": "0.02"},
                {"from": "0.5", "rate": "0.04"},
                {"from": "1", "rate": "0.06"},
            ],
            "tier_mode": "marginal",
            "accelerator": {"above": "1.2", "multiplier": "1.5"},
            "cap_minor": 12_000_000,
        },
        {
            "kind": "bonus",
            "name": "Quota club bonus",
            "metric": "revenue",
            "milestones": [{"at": "1", "amount_minor": 500_000}],
        },
    ],
    "clawback_window_days": 90,
}


def seed_the_loop(cycle: PlanningCycle, *, today: dt.date) -> None:
    """Put the loop's first conversations and the incentive plan on ``cycle`` (the demo's
    published revenue plan for the fiscal year that holds ``today``)."""
    ops = User.objects.get(username="ops")
    rep = User.objects.get(username="rep")
    manager = User.objects.get(username="team.manager")
    cycle = set_checkin_cadence(cycle, acting_user=ops, cadence="weekly")
    goal = Goal.objects.get(cycle=cycle, owner_person__user=rep)
    _conversation(goal, rep=rep, manager=manager)
    _relief_request(goal, rep=rep, today=today)
    _review(goal, rep=rep, manager=manager, today=today)
    _incentive_plan(cycle, ops=ops, today=today)


def _conversation(goal: Goal, *, rep: User, manager: User) -> None:
    made = check_in(
        goal,
        acting_user=rep,
        note="Two renewals signed this week; the Nordics expansion is in legal review.",
        confidence=4,
        blockers="Legal review of the Nordics expansion takes longer than planned.",
        next_step="Walk the customer's counsel through the data-processing terms on Thursday.",
    )
    reply_to_check_in(
        made,
        acting_user=manager,
        body="Good week. Send me the redlines and I will ask our counsel to join on Thursday.",
    )


def _relief_request(goal: Goal, *, rep: User, today: dt.date) -> None:
    amounts = currency_amounts(Company.current().currency)
    relief = goal.target * RELIEF_PERCENT // 100
    file_adjustment_request(
        goal,
        acting_user=rep,
        reason="lost_account",
        effective_from=today,
        relief_amount=amounts.plain(relief),
        evidence=(
            "Our largest account was acquired and moves to the buyer's group contract "
            "from this month; its remaining renewals will not come to us."
        ),
    )


def _review_period(today: dt.date) -> str:
    """The label of the last fiscal quarter that has ended, or the running one."""
    calendar = Company.current().fiscal_calendar
    quarters = calendar.quarters(calendar.fiscal_year_of(today))
    ended = [quarter for quarter in quarters if quarter.end < today]
    return (ended[-1] if ended else calendar.period_containing(today, "quarter")).label


def _review(goal: Goal, *, rep: User, manager: User, today: dt.date) -> None:
    person = Person.objects.get(user=rep)
    review = open_review(person, acting_user=manager, period=_review_period(today))
    ratings = {key: 4 for key in _goal_keys(review)}
    review = update_review(
        review,
        acting_user=manager,
        expected_version=review.version,
        goal_ratings=ratings,
        overall_rating=4,
        strengths="Keeps a full pipeline and forecasts it honestly; renewals close on time.",
        improvements="Bring new logos in earlier in the quarter rather than in its last weeks.",
        agreed_actions="Two discovery meetings with new accounts a week; review the list monthly.",
    )
    share_review(review, acting_user=manager, expected_version=review.version)


def _goal_keys(review: Review) -> list[str]:
    return [str(row["id"]) for row in review.snapshot.get("goals", [])]


def _incentive_plan(cycle: PlanningCycle, *, ops: User, today: dt.date) -> IncentivePlan:
    finance = User.objects.get(username="finance")
    plan = create_plan(
        acting_user=ops,
        name=f"{cycle.period_label} account executives",
        period_start=cycle.period_start,
        period_end=cycle.period_end,
        period_label=cycle.period_label,
        document=AE_PLAN,
    )
    publish_plan(plan, acting_user=ops, expected_version=plan.version)
    plan.refresh_from_db()
    company = Unit.objects.get(parent__isnull=True)
    assign_plan_by_role(
        plan,
        acting_user=ops,
        unit=company,
        role=AssignmentRole.MEMBER,
        expected_version=plan.version,
    )
    calendar = Company.current().fiscal_calendar
    for quarter in calendar.quarters(calendar.fiscal_year_of(today)):
        if quarter.start > today:
            break
        plan.refresh_from_db()
        run = preview_run(
            plan, acting_user=finance, period_start=quarter.start, period_end=quarter.end
        )
        if quarter.end < today:
            run = approve_run(run, acting_user=finance, expected_version=run.version)
            lock_run(run, acting_user=finance, expected_version=run.version)
    return plan
