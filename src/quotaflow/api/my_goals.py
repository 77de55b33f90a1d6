"""My goals: the caller's goals in force today with every version of each, and the goals
waiting for the caller's number (read scope; only the caller's own goals, never a
what-if scenario)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema
from pydantic import Field

from quotaflow.accounts.models import TokenScope
from quotaflow.api.auth import request_user, require_scope
from quotaflow.api.plans import GoalOut
from quotaflow.api.schemas import READ_ERRORS
from quotaflow.plans import mine
from quotaflow.plans.in_force import GoalVersion

router = Router(tags=["planning"])


class MyGoalOut(GoalOut):
    """A goal in force today, with every version of it, oldest first (one entry for a
    plan never changed mid-period; none for a goal outside any plan)."""

    versions: list[GoalVersion] = Field(
        default_factory=list,
        description="Each version: the goal, its plan version, target and the days it is in "
        "force (in_force_until inclusive).",
    )


class WaitingGoalOut(Schema):
    """A goal waiting for its owner's number."""

    goal: GoalOut
    cycle_name: str
    action: str = Field(description="submit (a draft) or resubmit (returned to you).")
    deadline: dt.date | None = Field(description="The plan's submission deadline.")
    can_act: bool = Field(description="False once the deadline has passed.")
    submit: str = Field(description="The operation that submits the number.")
    page: str = Field(description="The goal's page, with the submission form.")


@router.get("/goals/mine", response={200: list[MyGoalOut], **READ_ERRORS})
def my_goals(request: HttpRequest) -> list[MyGoalOut]:
    """Your goals in force today (and your units' if you manage some): one per plan,
    metric and period; earlier and later versions of a plan are in ``versions``."""
    require_scope(request, TokenScope.READ)
    return [
        MyGoalOut(
            **GoalOut.of(item.goal).model_dump(),
            versions=list(item.history.versions) if item.history else [],
        )
        for item in mine.my_goals(request_user(request))
    ]


@router.get("/goals/mine/waiting", response={200: list[WaitingGoalOut], **READ_ERRORS})
def waiting_goals(request: HttpRequest) -> list[WaitingGoalOut]:
    """Your goals that wait for your number: drafts of bottom-up and hybrid plans to
    submit, and numbers returned to you; soonest deadline first."""
    require_scope(request, TokenScope.READ)
    return [
        WaitingGoalOut(
            goal=GoalOut.of(item.goal),
            cycle_name=str(item.goal.cycle),
            action=item.action,
            deadline=item.deadline,
            can_act=item.can_act,
            submit=f"/api/v1/goals/{item.goal.pk}/submit",
            page=reverse("plans-goal", kwargs={"pk": item.goal.pk}),
        )
        for item in mine.waiting_for(request_user(request))
    ]
