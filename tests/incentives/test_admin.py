"""Incentive plans, runs and statements in the admin: every page opens for a superuser
and none of them adds, changes or deletes (plans change through the plan editor and the
API, runs through their actions)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client

from quotaflow.incentives.actions import acknowledge_plan, preview_run
from quotaflow.incentives.models import (
    Acknowledgement,
    IncentivePlan,
    PayoutRun,
    PlanAssignment,
    PlanVersion,
    Statement,
)
from tests.incentives.conftest import JANUARY, Setup

pytestmark = pytest.mark.django_db


def test_every_incentives_page_opens_read_only(setup: Setup) -> None:
    acknowledge_plan(setup.plan.versions.get(), acting_user=setup.user("rep_ria"))
    run = preview_run(
        setup.plan,
        acting_user=setup.user("finance_fay"),
        period_start=JANUARY[0],
        period_end=JANUARY[1],
    )
    client = Client()
    client.force_login(setup.user("admin_ada"))
    rows = [
        setup.plan,
        PlanVersion.objects.get(),
        PlanAssignment.objects.first(),
        Acknowledgement.objects.get(),
        run,
        Statement.objects.filter(run=run).first(),
    ]
    for row in rows:
        assert row is not None
        model = type(row)
        admin_page = admin.site._registry[model]
        label = f"{model._meta.app_label}/{model._meta.model_name}"
        assert client.get(f"/admin/{label}/").status_code == 200, label
        change = client.get(f"/admin/{label}/{row.pk}/change/")
        assert change.status_code == 200, label
        assert 'name="_save"' not in change.content.decode(), label
        request = change.wsgi_request
        assert not admin_page.has_add_permission(request), label
        assert not admin_page.has_delete_permission(request, row), label
    before = IncentivePlan.objects.get().name
    client.post(f"/admin/incentives/incentiveplan/{setup.plan.pk}/change/", {"name": "Changed"})
    assert IncentivePlan.objects.get().name == before
    assert PayoutRun.objects.count() == 1
