"""One fixture company for the permission tests, built once per module.

On top of the small organisation (tests/conftest.py):

    Acme                       ceo_cora manages
    ├── North                  manager_max manages; past_pat managed it 2020–2024 only
    │   └── North Team A       rep_ria (Ria Rep), rep_rob (Rob Rep)
    └── South                  manager_sam manages
        └── South Team A       Sue Seller

* a published FY2027 revenue plan (top-down, 1,000,000.00 cascaded to every goal),
* a what-if scenario of it made by ops_olga,
* an import run with rejected rows, a token of manager_sam,
* a check-in by rep_ria on her goal, and a notification in her inbox,
* a pending adjustment request by rep_ria on her goal (above the sales-ops threshold), with
  an evidence file,
* a rubric goal (account_plans) and a checklist goal (onboarding) for every rep, and
  rep_ria's scorecard (revenue 70 %, account plans 30 %) defined by manager_max,
* a performance review of rep_ria for FY2026-Q4, opened by manager_max and shared with her,
* one API token of ops_olga per scope (read, ingest, import, manage, workflow).

The company is built inside a transaction that is rolled back when the module ends;
each test runs in a savepoint inside it, and the matrix rolls back every request too,
so no test sees another's writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import transaction

from quotaflow.accounts.actions import create_token
from quotaflow.accounts.models import Role, TokenScope, User
from quotaflow.core.models import Notification
from quotaflow.feedback.actions import ComponentSpec, define_scorecard, open_review, share_review
from quotaflow.feedback.models import CheckIn
from quotaflow.imports.models import ImportKind, ImportRun, ImportStatus
from quotaflow.incentives import actions as incentive_actions
from quotaflow.metrics.models import Metric, MetricUnit
from quotaflow.org.models import Assignment, AssignmentRole, Person
from quotaflow.plans import actions
from quotaflow.plans.models import (
    AdjustmentEvidence,
    AdjustmentRequest,
    Goal,
    GoalKind,
    Milestone,
    PlanningCycle,
)
from quotaflow.plans.qualitative import MilestoneSpec
from quotaflow.recognition import actions as recognition_actions
from tests.conftest import PASSWORD, SmallOrg, build_small_org
from tests.qualitative import qualitative_goals

FY_START = dt.date(2027, 1, 1)
FY_END = dt.date(2027, 12, 31)
SETTLED_YEAR = (dt.date(2028, 1, 1), dt.date(2028, 12, 31))  # the plan inquiries are about
PAST = "2020-06-01"  # a date on which past_pat managed North

EVERY_OWNER = {
    "Acme",
    "North",
    "North Team A",
    "Ria Rep",
    "Rob Rep",
    "South",
    "South Team A",
    "Sue Seller",
}
NORTH_OWNERS = {"North", "North Team A", "Ria Rep", "Rob Rep"}
SOUTH_OWNERS = {"South", "South Team A", "Sue Seller"}
# The owners whose rows each role may read in the plan (absent: the plan is hidden).
PLAN_OWNERS: dict[str, set[str]] = {
    "rep_ria": {"Ria Rep"},
    "rep_rob": {"Rob Rep"},
    "manager_max": NORTH_OWNERS,
    "manager_sam": SOUTH_OWNERS,
    "ops_olga": EVERY_OWNER,
    "finance_fay": EVERY_OWNER,
    "admin_ada": EVERY_OWNER,
    "token_read": EVERY_OWNER,
}


MATRIX_COUNTS = pytest.StashKey[dict[str, int]]()  # the matrix's size, for the summary


@dataclass
class Company:
    """The fixture company and the objects the permission tests address."""

    org: SmallOrg
    revenue: Metric
    plan: PlanningCycle
    scenario: PlanningCycle
    import_run: ImportRun
    sam_token_id: int
    tokens: dict[str, str] = field(default_factory=dict)
    check_in_id: int = 0  # rep_ria's check-in on her goal
    scorecard_id: int = 0  # rep_ria's scorecard in the plan, defined by manager_max
    notification_id: int = 0  # a notification in rep_ria's inbox
    adjustment_id: int = 0  # rep_ria's pending adjustment request on her goal
    evidence_id: int = 0  # its evidence file
    incentive_plan_id: int = 0  # Ria, Rob and Sue's incentive plan (FY2027, flat rate)
    incentive_version_id: int = 0  # its published version 1
    payout_run_id: int = 0  # the preview of its January run
    statement_ids: dict[str, int] = field(default_factory=dict)  # by the rep's name
    review_id: int = 0  # rep_ria's FY2026-Q4 review, shared with her
    recognition_rule_id: int = 0  # President's Club (100% of the FY revenue goal), version 1
    settled_statement_id: int = 0  # rep_ria's statement in a locked run of another plan
    inquiry_id: int = 0  # rep_ria's open inquiry about its first line
    inquiry_version: int = 0
    answered_inquiry_id: int = 0  # her earlier inquiry about the same line, answered
    answered_inquiry_version: int = 0

    def goal(self, owner: str, cycle: PlanningCycle | None = None, *, metric: str = "") -> Goal:
        """The tree goal of ``cycle`` (the plan by default) owned by ``owner`` (a name), or
        the owner's goal on the metric with code ``metric``."""
        cycle = cycle or self.plan
        goals = Goal.objects.filter(cycle=cycle).select_related("owner_unit", "owner_person")
        goals = goals.filter(metric__code=metric) if metric else goals.filter(metric=cycle.metric)
        return next(goal for goal in goals if goal.owner_name == owner)

    def milestone(self) -> Milestone:
        """The first milestone of Ria's onboarding checklist, as stored now."""
        return Milestone.objects.get(goal=self.goal("Ria Rep", metric="onboarding"), position=1)

    @property
    def users(self) -> dict[str, User]:
        return self.org.users


def build_company() -> Company:
    """Create the company described above (database access must be allowed)."""
    org = build_small_org()
    rob = User.objects.create_user(username="rep_rob", password=PASSWORD, role=Role.REP)
    org.people["rob"].user = rob
    org.people["rob"].save(update_fields=["user"])
    org.users["rep_rob"] = rob
    pat = Person.objects.create(
        external_id="E007", full_name="Pat Past", hire_date=dt.date(2019, 1, 1)
    )
    pat_user = User.objects.create_user(username="past_pat", password=PASSWORD, role=Role.MANAGER)
    pat.user = pat_user
    pat.save(update_fields=["user"])
    Assignment.objects.create(
        person=pat,
        unit=org.north,
        role=AssignmentRole.MANAGER,
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2024, 12, 31),
    )
    org.people["pat"] = pat
    org.users["past_pat"] = pat_user
    olga = org.users["ops_olga"]
    revenue = Metric.objects.create(code="revenue", name="Revenue", unit=MetricUnit.CURRENCY)
    plan = actions.create_cycle(
        acting_user=olga,
        name="FY2027 revenue",
        metric=revenue,
        period_start=FY_START,
        period_end=FY_END,
        period_label="FY2027",
        approach="top_down",
    )
    actions.run_cascade(plan, acting_user=olga, company_target=1_000_000_00)
    _qualitative_goals(plan, olga)
    actions.publish_cycle(plan, acting_user=olga)
    scenario = actions.copy_as_scenario(plan, acting_user=olga, name="FY2027 stretch")
    run = ImportRun.objects.create(
        kind=ImportKind.TRANSACTIONS,
        file_name="sales.csv",
        started_by=olga,
        status=ImportStatus.REJECTED,
        total_rows=1,
        rejected=1,
        rejected_csv="row,reason\n2,bad amount\n",
    )
    sam = org.users["manager_sam"]
    sam_token, _ = create_token(sam, name="Sam's CRM", scopes=[TokenScope.READ], acting_user=sam)
    company = Company(
        org, revenue, PlanningCycle.objects.get(pk=plan.pk), scenario, run, sam_token.pk
    )
    for scope in (
        TokenScope.READ,
        TokenScope.INGEST,
        TokenScope.IMPORT,
        TokenScope.MANAGE,
        TokenScope.WORKFLOW,
    ):
        _, secret = create_token(olga, name=f"ops {scope}", scopes=[scope], acting_user=olga)
        company.tokens[f"token_{scope}"] = secret
    ria = org.users["rep_ria"]
    company.check_in_id = CheckIn.objects.create(
        goal=company.goal("Ria Rep"), author=ria, day=FY_START, note="On track", confidence=4
    ).pk
    adjustment = AdjustmentRequest.objects.create(
        goal=company.goal("Ria Rep"),
        requested_by=ria,
        reason="leave",
        relief_amount=50_000_00,
        target_at_filing=company.goal("Ria Rep").target,
        effective_from=dt.date(2027, 7, 1),
        evidence="Parental leave",
        requires_sales_ops=True,
    )
    company.adjustment_id = adjustment.pk
    company.evidence_id = AdjustmentEvidence.objects.create(
        request=adjustment,
        file_name="leave.pdf",
        content_type="application/pdf",
        size=9,
        sha256="0" * 64,
        data=b"%PDF-1.4\n",
        uploaded_by=ria,
    ).pk
    company.notification_id = Notification.objects.create(
        user=ria, kind="checkin.replied", title="Max replied"
    ).pk
    company.scorecard_id = define_scorecard(
        company.plan,
        org.people["ria"],
        acting_user=org.users["manager_max"],
        name="Ria FY2027",
        components=[
            ComponentSpec(company.goal("Ria Rep").pk, Decimal(70)),
            ComponentSpec(company.goal("Ria Rep", metric="account_plans").pk, Decimal(30)),
        ],
    ).pk
    _payout_run(company)
    company.recognition_rule_id = _recognition(company)
    _inquiries(company)
    max_ = org.users["manager_max"]
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC), tick=False):
        review = open_review(org.people["ria"], acting_user=max_, period="FY2026-Q4")
        company.review_id = share_review(review, acting_user=max_, expected_version=1).pk
    return company


def _payout_run(company: Company) -> None:
    """A flat-rate incentive plan for FY2027 with Ria, Rob and Sue on it, and the preview
    of its first month's run (one statement each)."""
    olga, people = company.users["ops_olga"], company.org.people
    document = {
        "components": [
            {"kind": "commission", "name": "Revenue", "metric": "revenue", "rate": "0.05"}
        ]
    }
    plan = incentive_actions.create_plan(
        acting_user=olga,
        name="AE plan",
        period_start=FY_START,
        period_end=FY_END,
        document=document,
    )
    company.incentive_version_id = incentive_actions.publish_plan(
        plan, acting_user=olga, expected_version=plan.version
    ).pk
    plan.refresh_from_db()
    incentive_actions.assign_plan(
        plan,
        acting_user=olga,
        person_ids=[people[key].pk for key in ("ria", "rob", "sue")],
        expected_version=plan.version,
    )
    run = incentive_actions.preview_run(
        plan,
        acting_user=company.users["finance_fay"],
        period_start=FY_START,
        period_end=FY_START.replace(day=31),
    )
    company.incentive_plan_id, company.payout_run_id = plan.pk, run.pk
    company.statement_ids = {
        statement.person.full_name: statement.pk
        for statement in run.statements.select_related("person")
    }


def _recognition(company: Company) -> int:
    """A President's Club rule, and kudos from manager_max to Ria."""
    rule = recognition_actions.create_rule(
        acting_user=company.users["ops_olga"],
        name="President's Club",
        kind="club",
        metric=company.revenue,
        period_kind="year",
        threshold_pct="100",
    )
    recognition_actions.give_kudos(
        company.org.people["ria"], acting_user=company.users["manager_max"], message="Well done"
    )
    return rule.pk


def _inquiries(company: Company) -> None:
    """A plan for the year after with Ria alone on it (and a draw, so her statement has
    a line without sales), its January run locked, and two inquiries of hers about the
    first line of her statement: one answered, one open."""
    olga, fay, ria = (company.users[name] for name in ("ops_olga", "finance_fay", "rep_ria"))
    document = {
        "components": [
            {"kind": "commission", "name": "Revenue", "metric": "revenue", "rate": "0.01"}
        ],
        "draw": {"amount_minor": 100_00, "recoverable": False},
    }
    start, end = SETTLED_YEAR
    plan = incentive_actions.create_plan(
        acting_user=olga, name="Settled plan", period_start=start, period_end=end, document=document
    )
    incentive_actions.publish_plan(plan, acting_user=olga, expected_version=plan.version)
    plan.refresh_from_db()
    incentive_actions.assign_plan(
        plan,
        acting_user=olga,
        person_ids=[company.org.people["ria"].pk],
        expected_version=plan.version,
    )
    run = incentive_actions.preview_run(
        plan, acting_user=fay, period_start=start, period_end=start.replace(day=31)
    )
    run = incentive_actions.approve_run(run, acting_user=fay, expected_version=run.version)
    run = incentive_actions.lock_run(run, acting_user=fay, expected_version=run.version)
    statement = run.statements.get()
    line = statement.lines.get(position=1)
    answered = incentive_actions.raise_inquiry(line, acting_user=ria, question="Is it all?")
    answered = incentive_actions.answer_inquiry(
        answered, acting_user=olga, expected_version=answered.version, answer="Yes."
    )
    open_one = incentive_actions.raise_inquiry(line, acting_user=ria, question="And D-9?")
    company.settled_statement_id = statement.pk
    company.inquiry_id, company.inquiry_version = open_one.pk, open_one.version
    company.answered_inquiry_id = answered.pk
    company.answered_inquiry_version = answered.version


def _qualitative_goals(plan: PlanningCycle, olga: User) -> None:
    """A rubric goal and a checklist goal for every rep of the plan."""
    rubric = [{"score": n, "meaning": f"Level {n}"} for n in range(5)]
    qualitative_goals(plan, olga, code="account_plans", kind=GoalKind.RUBRIC, rubric=rubric)
    milestones = [MilestoneSpec("Shadow calls"), MilestoneSpec("Certify")]
    qualitative_goals(plan, olga, code="onboarding", kind=GoalKind.MILESTONE, milestones=milestones)


@pytest.fixture(scope="module")
def company(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[Company]:
    """The fixture company, shared by the tests of one module and rolled back after it."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        with transaction.atomic():
            yield build_company()
            transaction.set_rollback(True)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Say how big the permission matrix was when it ran."""
    counts = config.stash.get(MATRIX_COUNTS, None)
    if counts:
        terminalreporter.write_line(
            f"permission matrix: {counts['routes']} routes ({counts['cases']} cases) × up to "
            f"{counts['roles']} viewers ({counts['session_roles']} signed in or anonymous, "
            f"{counts['token_roles']} token scopes) = "
            f"{counts['requests']} requests"
        )
