"""Defining plans: versions (a published one never changes), assignment per person and per
role, the rep's acknowledgement (date and version kept), and the refusals."""

from __future__ import annotations

import copy

import pytest

from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed
from quotaflow.core.models import AuditEvent
from quotaflow.incentives.actions import (
    acknowledge_plan,
    assign_plan,
    assign_plan_by_role,
    create_plan,
    publish_plan,
    revise_plan,
)
from quotaflow.incentives.models import (
    Acknowledgement,
    IncentivePlan,
    PlanAssignment,
    VersionStatus,
)
from quotaflow.org.models import AssignmentRole
from tests.incentives.conftest import PLAN_DOCUMENT, Q1, Setup

pytestmark = pytest.mark.django_db


def test_a_revision_of_a_published_plan_is_a_new_version(setup: Setup) -> None:
    olga = setup.user("ops_olga")
    changed = copy.deepcopy(PLAN_DOCUMENT)
    changed["components"][0]["tiers"][2]["rate"] = "0.09"
    draft = revise_plan(
        setup.plan,
        acting_user=olga,
        document=changed,
        expected_version=setup.plan.version,
        reason="richer",
    )
    assert draft.number == 2 and draft.status == VersionStatus.DRAFT
    first = setup.plan.versions.get(number=1)
    assert first.document == PLAN_DOCUMENT and first.status == VersionStatus.PUBLISHED
    setup.plan.refresh_from_db()
    published = publish_plan(setup.plan, acting_user=olga, expected_version=setup.plan.version)
    assert published.number == 2 and published.status == VersionStatus.PUBLISHED
    assert AuditEvent.objects.filter(action="incentives.plan_revised").exists()


def test_bad_definitions_and_stale_versions_are_refused_with_nothing_written(setup: Setup) -> None:
    olga = setup.user("ops_olga")
    bad = copy.deepcopy(PLAN_DOCUMENT)
    bad["components"][0]["tiers"][1]["rate"] = "lots"
    with pytest.raises(InvalidInput) as refused:
        revise_plan(setup.plan, acting_user=olga, document=bad, expected_version=setup.plan.version)
    assert refused.value.field == "document.components[0].tiers[1].rate"
    unknown = copy.deepcopy(PLAN_DOCUMENT)
    unknown["components"][0]["metric"] = "nothing"
    with pytest.raises(InvalidInput, match="no metric with the code 'nothing'"):
        revise_plan(
            setup.plan, acting_user=olga, document=unknown, expected_version=setup.plan.version
        )
    with pytest.raises(Conflict, match="changed meanwhile"):
        revise_plan(
            setup.plan,
            acting_user=olga,
            document=PLAN_DOCUMENT,
            expected_version=setup.plan.version - 1,
        )
    with pytest.raises(NotAllowed):
        revise_plan(
            setup.plan,
            acting_user=setup.user("finance_fay"),
            document=PLAN_DOCUMENT,
            expected_version=None,
        )
    assert setup.plan.versions.count() == 1
    with pytest.raises(InvalidInput, match="ends before it starts"):
        create_plan(
            acting_user=olga,
            name="Backwards",
            period_start=Q1[1],
            period_end=Q1[0],
            document=PLAN_DOCUMENT,
        )
    with pytest.raises(InvalidInput):
        create_plan(
            acting_user=olga,
            name="x" * 201,
            period_start=Q1[0],
            period_end=Q1[1],
            document=PLAN_DOCUMENT,
        )
    assert IncentivePlan.objects.count() == 1


def test_assignment_by_role_and_no_two_overlapping_plans(setup: Setup) -> None:
    olga = setup.user("ops_olga")
    other = create_plan(
        acting_user=olga,
        name="South plan",
        period_start=Q1[0],
        period_end=Q1[1],
        document=PLAN_DOCUMENT,
    )
    created = assign_plan_by_role(
        other,
        acting_user=olga,
        unit=setup.org.south,
        role=AssignmentRole.MEMBER,
        expected_version=other.version,
    )
    assert [assignment.person for assignment in created] == [setup.person("sue")]
    other.refresh_from_db()
    with pytest.raises(Conflict, match="already on 'AE plan"):
        assign_plan(
            other,
            acting_user=olga,
            person_ids=[setup.person("ria").pk],
            expected_version=other.version,
        )
    assert PlanAssignment.objects.filter(plan=other).count() == 1


def test_a_rep_acknowledges_the_published_version_once(setup: Setup) -> None:
    version = setup.plan.versions.get(number=1)
    first = acknowledge_plan(version, acting_user=setup.user("rep_ria"))
    again = acknowledge_plan(version, acting_user=setup.user("rep_ria"))
    assert first.pk == again.pk and first.plan_version.number == 1 and first.acknowledged_at
    for name in ("manager_max", "outsider_otto", "finance_fay"):
        with pytest.raises(NotAllowed):
            acknowledge_plan(version, acting_user=setup.user(name))
    assert Acknowledgement.objects.count() == 1
    assert AuditEvent.objects.filter(action="incentives.plan_acknowledged").count() == 1
