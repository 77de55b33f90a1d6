"""Qualitative goals: choosing how a goal is measured (its checklist or rubric), ticking and
confirming milestones, and scoring a rubric goal. Each action is atomic and audited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from quotaflow.accounts.models import User
from quotaflow.core import limits
from quotaflow.core.audit import diff, record
from quotaflow.core.concurrency import require_version
from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from quotaflow.plans import permissions
from quotaflow.plans.actions.guards import _locked_goal
from quotaflow.plans.actions.writes import _update_versioned
from quotaflow.plans.models import (
    EVIDENCE_MAX_LENGTH,
    LINK_MAX_LENGTH,
    RUBRIC_TOP_SCORE,
    Goal,
    GoalKind,
    Milestone,
    RubricScore,
)
from quotaflow.plans.qualitative import MilestoneSpec, clean_milestones, clean_rubric
from quotaflow.plans.visibility import can_see_goal

NO_GOAL = "There is no such goal, or it is outside your part of the organisation."


def _visible(user: User, goal: Goal) -> None:
    if not can_see_goal(user, goal):
        raise NotFound(NO_GOAL)


def _checklist(goal: Goal) -> list[dict[str, Any]]:
    """The checklist as the audit trail keeps it."""
    return [
        {"title": item.title, "due": item.due, "weight": item.weight, "done": item.done}
        for item in goal.milestones.order_by("position")
    ]


def define_measure(
    goal: Goal,
    *,
    acting_user: User,
    kind: str,
    rubric: Sequence[Mapping[str, Any]] = (),
    milestones: Sequence[MilestoneSpec] = (),
    expected_version: int | None = None,
    reason: str = "",
) -> Goal:
    """Say how ``goal`` is measured: ``numeric`` (its metric's actuals against its target),
    ``milestone`` (the checklist ``milestones``, 1–50 items) or ``rubric`` (the five levels
    0–4 of ``rubric``, each with its meaning). A checklist replaces the previous one, which
    may not have a done milestone any more (untick it first: progress is never lost
    silently). Planners and the managers above the goal, while its plan still changes."""
    if kind not in GoalKind.values:
        raise InvalidInput(
            f"Unknown kind of goal '{kind}'; use numeric, milestone or rubric.", field="kind"
        )
    with transaction.atomic():
        goal = _locked_goal(goal, expected_version)
        _visible(acting_user, goal)
        refusal = permissions.review_refusal(acting_user, goal)
        if refusal:
            raise NotAllowed(refusal)
        if not permissions.can_define_measure(acting_user, goal):
            raise Conflict(
                f"'{goal.cycle}' no longer changes; a new version of the plan changes its goals."
            )
        cleaned_rubric = clean_rubric(rubric) if kind == GoalKind.RUBRIC else []
        specs = (
            clean_milestones(milestones, period_start=goal.period_start, period_end=goal.period_end)
            if kind == GoalKind.MILESTONE
            else []
        )
        before = _checklist(goal)
        if any(item["done"] for item in before) and (
            kind != GoalKind.MILESTONE
            or [(s.title, s.due, s.weight) for s in specs]
            != [(i["title"], i["due"], i["weight"]) for i in before]
        ):
            raise Conflict(
                "Some milestones are already done; untick them before changing the checklist."
            )
        changes: dict[str, Any] = {}
        if goal.kind != kind:
            changes["kind"] = kind
        if goal.rubric != cleaned_rubric and (kind == GoalKind.RUBRIC or goal.rubric):
            changes["rubric"] = cleaned_rubric
        checklist_changes = [(s.title, s.due, s.weight) for s in specs] != [
            (i["title"], i["due"], i["weight"]) for i in before
        ]
        if checklist_changes:
            goal.milestones.all().delete()
            Milestone.objects.bulk_create(
                Milestone(goal=goal, position=n, title=s.title, due=s.due, weight=s.weight)
                for n, s in enumerate(specs, start=1)
            )
        if not changes and not checklist_changes:
            return goal
        before_fields = {"kind": goal.kind, "rubric": goal.rubric, "milestones": before}
        # The version rises even when only the checklist changed: the definition did.
        _update_versioned(goal, changes, shown=str(goal), updated_at=timezone.now())
        record(
            actor=acting_user,
            action="plans.goal.measure_defined",
            obj=goal,
            changes=_diff(
                before_fields, {**before_fields, **changes, "milestones": _checklist(goal)}
            ),
            reason=reason,
        )
    return goal


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    return diff(dict(before), dict(after))


def _locked_milestone(
    milestone: Milestone | int, acting_user: User, expected_version: int | None
) -> tuple[Milestone, Goal]:
    """The milestone and its goal, re-read under row locks (goal first, as every goal
    writer takes them); NotFound when the goal is not the user's to see, Conflict when the
    milestone is no longer at ``expected_version``."""
    pk = milestone.pk if isinstance(milestone, Milestone) else milestone
    goal_ids = list(Milestone.objects.filter(pk=pk).values_list("goal_id", flat=True))
    if not goal_ids:
        raise NotFound("There is no such milestone.")
    goal = _locked_goal(goal_ids[0])
    _visible(acting_user, goal)
    found = Milestone.objects.select_for_update().get(pk=pk)
    require_version(found, expected_version, what=f"The milestone '{found.title}'")
    return found, goal


def _note(text: str, field: str) -> str:
    """A note (evidence, a comment) stripped; InvalidInput if too long or holding control
    characters."""
    problem = limits.text_problem(text, max_length=EVIDENCE_MAX_LENGTH, multiline=True)
    if problem is not None:
        raise InvalidInput(f"The {field} {problem}.", field=field)
    return text.strip()


def _evidence(evidence: str, link: str) -> tuple[str, str]:
    evidence = _note(evidence, "evidence")
    link = link.strip()
    problem = limits.text_problem(link, max_length=LINK_MAX_LENGTH)
    if problem is not None:
        raise InvalidInput(f"The link {problem}.", field="link")
    if link:
        parts = urlsplit(link)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise InvalidInput(
                "The link must be a web address starting with https:// or http://.", field="link"
            )
    return evidence, link


def tick_milestone(
    milestone: Milestone | int,
    *,
    acting_user: User,
    done: bool = True,
    evidence: str = "",
    link: str = "",
    expected_version: int | None = None,
) -> Milestone:
    """The goal's owner ticks a milestone done with its evidence (a note, a link, or
    both), or unticks it. A tick clears an earlier confirmation: the manager confirms
    what is ticked now."""
    with transaction.atomic():
        item, goal = _locked_milestone(milestone, acting_user, expected_version)
        if not permissions.can_tick_milestone(acting_user, goal):
            raise NotAllowed("Only the goal's owner ticks its milestones; managers confirm them.")
        note, address = _evidence(evidence, link)
        if done and not (note or address):
            raise InvalidInput(
                "Say what shows the milestone is done: a note, a link, or both.", field="evidence"
            )
        before = _tick_state(item)
        item.done = done
        item.evidence, item.link = (note, address) if done else (item.evidence, item.link)
        item.ticked_by, item.ticked_at = acting_user, timezone.now()
        item.confirmed_by, item.confirmed_at = None, None
        verb = "ticked" if done else "unticked"
        _save_milestone(item, goal, before, acting_user, f"plans.milestone.{verb}", note or address)
    return item


def confirm_milestone(
    milestone: Milestone | int,
    *,
    acting_user: User,
    confirm: bool = True,
    comment: str = "",
    expected_version: int | None = None,
) -> Milestone:
    """A manager above the goal confirms a ticked milestone, or unticks it (``confirm``
    False), with a comment saying why when unticking."""
    with transaction.atomic():
        item, goal = _locked_milestone(milestone, acting_user, expected_version)
        if not permissions.can_confirm_milestone(acting_user, goal):
            raise NotAllowed(
                permissions.review_refusal(acting_user, goal)
                or "Only a manager above this goal confirms its milestones."
            )
        comment = _note(comment, "comment")
        if confirm and not item.done:
            raise Conflict(f"'{item.title}' is not ticked yet; only a done milestone is confirmed.")
        if not confirm and not comment:
            raise InvalidInput("Say why the milestone is not done.", field="comment")
        before = _tick_state(item)
        if confirm:
            item.confirmed_by, item.confirmed_at = acting_user, timezone.now()
        else:
            item.done = False
            item.confirmed_by, item.confirmed_at = None, None
        verb = "confirmed" if confirm else "unticked"
        _save_milestone(item, goal, before, acting_user, f"plans.milestone.{verb}", comment)
    return item


def _tick_state(item: Milestone) -> dict[str, Any]:
    return {
        "milestone": item.title,
        "done": item.done,
        "evidence": item.evidence,
        "link": item.link,
        "confirmed": item.confirmed_at is not None,
    }


def _save_milestone(
    item: Milestone,
    goal: Goal,
    before: Mapping[str, Any],
    actor: User,
    action: str,
    reason: str,
) -> None:
    """Store the milestone's new tick state (its version raised) and the audit event on
    its goal, old → new."""
    item.version += 1
    item.save(
        update_fields=[
            "done", "evidence", "link", "ticked_by", "ticked_at", "confirmed_by", "confirmed_at",
            "version",
        ]
    )  # fmt: skip
    changes = _diff(before, _tick_state(item))
    changes["milestone"] = [item.title, item.title]
    record(
        actor=actor,
        action=action,
        obj=item,
        object_type="plans.goal",
        object_id=str(goal.pk),
        changes=changes,
        reason=reason,
    )


def score_rubric(goal: Goal | int, *, acting_user: User, score: int, comment: str) -> RubricScore:
    """A manager above a rubric goal scores it 0–4 against its rubric, with a comment. The
    score is kept with the earlier ones (the latest counts)."""
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= RUBRIC_TOP_SCORE:
        raise InvalidInput(
            f"A rubric score is a whole number from 0 to {RUBRIC_TOP_SCORE}.", field="score"
        )
    comment = _note(comment, "comment")
    if not comment:
        raise InvalidInput("Say why the goal earns this score.", field="comment")
    with transaction.atomic():
        found = _locked_goal(goal)
        _visible(acting_user, found)
        if not permissions.can_score_rubric(acting_user, found):
            if found.kind != GoalKind.RUBRIC:
                raise InvalidInput(f"{found} is not scored against a rubric.", field="score")
            raise NotAllowed(
                permissions.review_refusal(acting_user, found)
                or "This goal takes no more scores: it or its plan is closed."
            )
        previous = found.rubric_scores.order_by("-created_at", "-pk").first()
        made = RubricScore.objects.create(
            goal=found, score=score, comment=comment, scored_by=acting_user
        )
        record(
            actor=acting_user,
            action="plans.goal.scored",
            obj=found,
            changes={"score": [previous.score if previous else None, score]},
            reason=made.comment,
        )
    return made
