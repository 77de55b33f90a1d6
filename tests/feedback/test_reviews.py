"""Performance reviews: the assembly's figures against hand-computed values on a small
company, the workflow from draft to acknowledgement, who may do what, bad input refused
with nothing written, no notification from a rolled-back step, and the PDF.

The company (frozen on Saturday 10 April 2027, so FY2027-Q1 is over and read as of 31 March):

    North Team A: Ria Rep (rep_ria) and Rob Rep, managed from North by manager_max.
    FY2027 revenue plan, 1,200,000.00 EUR cascaded equally: Ria's goal is 300,000.00.

    sale   date     amount      credit          account
    S1     15 Jan   10,000.00   Ria 100%        Alpha
    S2     10 Feb   30,000.00   Ria 50/Rob 50   Beta
    S3      5 Mar   50,000.00   Rob 100%        Gamma
    S4     20 Feb    5,000.00   Ria 100%        Alpha   cancelled: no deal
    S5      5 Apr   99,000.00   Ria 100%        Alpha   after Q1: not in it

    activities (Q1): Ria call×2 Alpha, call Delta, meeting Alpha, meeting Beta;
                     Rob call Gamma, meeting×3 Gamma
    check-ins on Ria's goal: 20 Jan confidence 4, 20 Feb confidence 2 (5 Apr: 5, after Q1)
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from quotaflow.core.models import AuditEvent, Notification
from quotaflow.feedback import actions, permissions
from quotaflow.feedback import review_pdf as pdf_module
from quotaflow.feedback.due import items_for
from quotaflow.feedback.models import CheckIn, Review, ReviewStatus
from quotaflow.feedback.review_pdf import latin1, review_pdf, unicode_font
from quotaflow.performance.actions import ingest_activities, ingest_transactions
from quotaflow.plans import actions as plan_actions
from quotaflow.plans.models import Goal, PlanningCycle
from quotaflow.sales.actions import ActivityRow, CreditShare, TransactionRow
from tests.conftest import SmallOrg, local
from tests.feedback.conftest import revenue_cycle
from tests.plans.conftest import FY_END, FY_START, goal_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(frozen: Any) -> Any:
    """Time stands at Saturday 10 April 2027, 10:00: FY2027-Q1 is over."""
    frozen.move_to(local(2027, 4, 10, 10))
    return frozen


@pytest.fixture
def plan(small_org: SmallOrg, frozen: Any) -> PlanningCycle:
    olga = small_org.users["ops_olga"]
    cycle = revenue_cycle(small_org)
    plan_actions.run_cascade(cycle, acting_user=olga, company_target=1_200_000_00)
    plan_actions.publish_cycle(cycle, acting_user=olga)
    cycle.refresh_from_db()
    return cycle


def _sale(
    org: SmallOrg,
    ext: str,
    day: dt.date,
    amount: int,
    shares: dict[str, int],
    account: str,
    *,
    cancelled: bool = False,
) -> TransactionRow:
    return TransactionRow(
        external_id=ext,
        date=day,
        amount_minor=amount,
        currency="EUR",
        credits=tuple(CreditShare(org.people[who].pk, Decimal(pct)) for who, pct in shares.items()),
        account=account,
        is_cancelled=cancelled,
    )


def _activity(
    org: SmallOrg, ext: str, day: dt.date, who: str, kind: str, account: str, quantity: int = 1
) -> ActivityRow:
    return ActivityRow(ext, day, org.people[who].pk, kind, quantity, account)


@pytest.fixture
def data(small_org: SmallOrg, plan: PlanningCycle) -> Goal:
    """The sales, activities and check-ins of the module's docstring; Ria's goal."""
    olga = small_org.users["ops_olga"]
    d = dt.date
    ingest_transactions(
        [
            _sale(small_org, "S1", d(2027, 1, 15), 10_000_00, {"ria": 100}, "Alpha"),
            _sale(small_org, "S2", d(2027, 2, 10), 30_000_00, {"ria": 50, "rob": 50}, "Beta"),
            _sale(small_org, "S3", d(2027, 3, 5), 50_000_00, {"rob": 100}, "Gamma"),
            _sale(small_org, "S4", d(2027, 2, 20), 5_000_00, {"ria": 100}, "Alpha", cancelled=True),
            _sale(small_org, "S5", d(2027, 4, 5), 99_000_00, {"ria": 100}, "Alpha"),
        ],
        acting_user=olga,
        source="crm",
    )
    ingest_activities(
        [
            _activity(small_org, "A1", d(2027, 1, 10), "ria", "call", "Alpha", 2),
            _activity(small_org, "A2", d(2027, 1, 12), "ria", "call", "Delta"),
            _activity(small_org, "A3", d(2027, 1, 14), "ria", "meeting", "Alpha"),
            _activity(small_org, "A4", d(2027, 2, 1), "ria", "meeting", "Beta"),
            _activity(small_org, "A5", d(2027, 3, 1), "rob", "call", "Gamma"),
            _activity(small_org, "A6", d(2027, 3, 2), "rob", "meeting", "Gamma", 3),
        ],
        acting_user=olga,
        source="crm",
    )
    goal = goal_of(plan, small_org.people["ria"])
    ria = small_org.users["rep_ria"]
    for day, confidence in ((d(2027, 1, 20), 4), (d(2027, 2, 20), 2), (d(2027, 4, 5), 5)):
        CheckIn.objects.create(
            goal=goal, author=ria, day=day, note=f"On {day}", confidence=confidence
        )
    return goal


def _open(org: SmallOrg, who: str = "manager_max") -> Review:
    return actions.open_review(org.people["ria"], acting_user=org.users[who], period="FY2027-Q1")


def test_the_review_is_assembled_from_the_data_as_computed_by_hand(
    small_org: SmallOrg, data: Goal
) -> None:
    review = _open(small_org)
    snap = review.snapshot
    assert (review.period_label, review.period_start, review.period_end) == (
        "FY2027-Q1",
        dt.date(2027, 1, 1),
        dt.date(2027, 3, 31),
    )
    assert snap["as_of"] == "2027-03-31"  # the quarter is over: read as of its end
    [goal] = snap["goals"]
    assert goal["id"] == data.pk and goal["target"] == 300_000_00
    # S1 10,000 + half of S2 15,000 (S4 cancelled, S5 after the quarter).
    assert goal["actual"] == 25_000_00 and goal["actual_text"] == "25,000.00 EUR"
    assert goal["attainment_text"] == "8.33%"  # 25,000 / 300,000
    # Expected by 31 March: the phased target of January to March.
    expected = sum(piece["target"] for piece in data.phasing if piece["end"] <= "2027-03-31")
    assert goal["expected_to_date"] == expected
    assert goal["pacing_pct"] == str(
        (Decimal(25_000_00 * 100) / expected).quantize(Decimal("0.01"))
    )
    # Pacing history at each month end: 31 Jan 10,000; 28 Feb 25,000; 31 Mar 25,000.
    assert [(row["day"], row["actual"]) for row in goal["pacing_history"]] == [
        ("2027-01-31", 10_000_00),
        ("2027-02-28", 25_000_00),
        ("2027-03-31", 25_000_00),
    ]
    assert [row["confidence"] for row in goal["check_ins"]] == [4, 2]  # 5 April is after Q1
    assert goal["average_confidence"] == "3.0"
    assert set(goal["smart"]["letters"]) == {
        "specific",
        "measurable",
        "attainable",
        "relevant",
        "time_bound",
    }

    drivers = snap["drivers"]
    assert (drivers["team"], drivers["team_size"]) == ("North Team A", 2)
    assert drivers["win_rate"]["rep"]["text"] == "not in the data"
    deal = drivers["average_deal_size"]
    assert (deal["rep"]["value"], deal["rep"]["deals"]) == (20_000_00, 2)  # (10,000 + 30,000) / 2
    assert deal["rep"]["text"] == "20,000.00 EUR"
    assert (deal["team"]["value"], deal["team"]["deals"]) == (30_000_00, 3)  # 90,000 / 3, S2 once
    mix = {row["type"]: row for row in drivers["activity_mix"]["rows"]}
    assert (mix["call"]["rep"], mix["call"]["rep_share"]) == (3, "60.00%")  # 3 of Ria's 5
    assert (mix["meeting"]["rep"], mix["meeting"]["rep_share"]) == (2, "40.00%")
    assert (mix["call"]["team_per_person"], mix["call"]["team_share"]) == (
        "2.0",
        "44.44%",
    )  # 4/2, 4/9
    assert (mix["meeting"]["team_per_person"], mix["meeting"]["team_share"]) == ("2.5", "55.56%")
    conversion = drivers["conversion"]
    assert conversion["rep"]["text"] == "66.67% (2 of 3)"  # Alpha, Beta won of Alpha, Beta, Delta
    assert conversion["team"]["text"] == "75.00% (3 of 4)"  # and Rob's Gamma of Gamma
    figures = {row["label"]: row["text"] for row in snap["key_figures"]}
    assert figures["Revenue attainment"] == "8.33%" and figures["Average confidence"] == "3.0"


def test_without_activities_or_sales_the_figures_say_not_in_the_data(
    small_org: SmallOrg, plan: PlanningCycle
) -> None:
    drivers = _open(small_org).snapshot["drivers"]
    assert drivers["average_deal_size"]["rep"]["text"] == "not in the data"
    assert drivers["conversion"]["rep"]["text"] == "not in the data"
    assert "not in the data" in drivers["activity_mix"]["explanation"]


def test_the_snapshot_is_kept_and_refreshed_only_while_a_draft(
    small_org: SmallOrg, data: Goal, frozen: Any
) -> None:
    max_ = small_org.users["manager_max"]
    review = _open(small_org)
    ingest_transactions(
        [_sale(small_org, "S6", dt.date(2027, 3, 30), 1_000_00, {"ria": 100}, "Omega")],
        acting_user=small_org.users["ops_olga"],
        source="crm",
    )
    review.refresh_from_db()
    assert review.snapshot["goals"][0]["actual"] == 25_000_00  # kept as it was
    frozen.move_to(local(2027, 4, 12, 9))
    review = actions.refresh_review(review, acting_user=max_, expected_version=1)
    assert review.snapshot["goals"][0]["actual"] == 26_000_00 and review.version == 2
    assert review.assembled_at == local(2027, 4, 12, 9)
    review = actions.share_review(review, acting_user=max_, expected_version=2)
    with pytest.raises(Conflict, match="cannot be refreshed"):
        actions.refresh_review(review, acting_user=max_, expected_version=3)


def _rate(review: Review, org: SmallOrg, goal: Goal) -> Review:
    return actions.update_review(
        review,
        acting_user=org.users["manager_max"],
        expected_version=review.version,
        goal_ratings={str(goal.pk): 2},
        overall_rating=3,
        strengths="Opens doors",
        improvements="Close faster",
        agreed_actions="Weekly pipeline review",
    )


def test_the_workflow_from_draft_to_acknowledgement(
    small_org: SmallOrg, data: Goal, django_capture_on_commit_callbacks: Any, frozen: Any
) -> None:
    max_, ria = small_org.users["manager_max"], small_org.users["rep_ria"]
    review = _open(small_org)
    assert not permissions.can_see_review(ria, review)  # a draft is the manager's
    review = _rate(review, small_org, data)
    with django_capture_on_commit_callbacks(execute=True):
        review = actions.share_review(review, acting_user=max_, expected_version=review.version)
    assert Notification.objects.get(user=ria).kind == "review.shared"
    assert permissions.can_see_review(ria, review) and permissions.can_self_assess(ria, review)
    with pytest.raises(Conflict, match="cannot be finalised"):
        actions.finalise_review(review, acting_user=max_, expected_version=review.version)
    with django_capture_on_commit_callbacks(execute=True):
        review = actions.submit_self_assessment(
            review, acting_user=ria, expected_version=review.version, text="A slow quarter"
        )
    assert Notification.objects.get(user=max_).kind == "review.self_assessed"
    with django_capture_on_commit_callbacks(execute=True):
        review = actions.finalise_review(review, acting_user=max_, expected_version=review.version)
    frozen.move_to(local(2027, 4, 14, 16, 30))
    with django_capture_on_commit_callbacks(execute=True):
        review = actions.acknowledge_review(
            review, acting_user=ria, expected_version=review.version
        )
    assert review.status == ReviewStatus.ACKNOWLEDGED
    assert review.acknowledged_at == local(2027, 4, 14, 16, 30)
    assert Notification.objects.filter(user=max_, kind="review.acknowledged").count() == 1
    steps = list(
        AuditEvent.objects.filter(object_type="feedback.review")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert steps == [
        f"feedback.review.{step}"
        for step in ("opened", "updated", "shared", "self_assessed", "finalised", "acknowledged")
    ]
    with pytest.raises(Conflict):
        actions.update_review(
            review, acting_user=max_, expected_version=review.version, overall_rating=5
        )


def test_a_stale_version_is_refused_and_writes_nothing(small_org: SmallOrg, data: Goal) -> None:
    review = _open(small_org)
    _rate(review, small_org, data)
    events = AuditEvent.objects.count()
    with pytest.raises(Conflict, match="changed meanwhile"):
        actions.update_review(
            review, acting_user=small_org.users["manager_max"], expected_version=1, overall_rating=5
        )
    review.refresh_from_db()
    assert (review.overall_rating, review.version, AuditEvent.objects.count()) == (3, 2, events)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"overall_rating": 6}, "overall_rating"),
        ({"overall_rating": True}, "overall_rating"),
        ({"goal_ratings": {"999999": 3}}, "goal_ratings"),
        ({"goal_ratings": {"GOAL": 0}}, "goal_ratings"),
        ({"strengths": "x" * 5_001}, "strengths"),
        ({"improvements": "bad \x00 byte"}, "improvements"),
    ],
)
def test_bad_input_is_refused_with_nothing_written(
    small_org: SmallOrg, data: Goal, changes: dict[str, Any], field: str
) -> None:
    review = _open(small_org)
    if "GOAL" in changes.get("goal_ratings", {}):
        changes = {"goal_ratings": {str(data.pk): 0}}
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        actions.update_review(
            review, acting_user=small_org.users["manager_max"], expected_version=1, **changes
        )
    assert refused.value.field == field
    review.refresh_from_db()
    assert (
        review.version,
        review.overall_rating,
        review.goal_ratings,
        AuditEvent.objects.count(),
    ) == (1, None, {}, events)


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("FY2027-Q9", "not a fiscal period"),
        ("", "Name the period"),
        ("FY2027-Q3", "has begun"),
        ("x" * 61, "at most 60"),
    ],
)
def test_a_bad_period_is_refused(
    small_org: SmallOrg, plan: PlanningCycle, period: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        actions.open_review(
            small_org.people["ria"], acting_user=small_org.users["manager_max"], period=period
        )
    assert not Review.objects.exists()


def test_a_cycles_period_and_one_review_per_period(
    small_org: SmallOrg, plan: PlanningCycle
) -> None:
    review = actions.open_review(
        small_org.people["ria"], acting_user=small_org.users["ops_olga"], cycle=plan
    )
    assert (review.period_label, review.period_start, review.period_end) == (
        "FY2027",
        FY_START,
        FY_END,
    )
    with pytest.raises(Conflict, match="already has a review"):
        actions.open_review(
            small_org.people["ria"], acting_user=small_org.users["manager_max"], cycle=plan
        )


def test_finalising_needs_every_rating(small_org: SmallOrg, data: Goal) -> None:
    max_, ria = small_org.users["manager_max"], small_org.users["rep_ria"]
    review = actions.share_review(_open(small_org), acting_user=max_, expected_version=1)
    with pytest.raises(InvalidInput, match="Write the self-assessment"):
        actions.submit_self_assessment(review, acting_user=ria, expected_version=2, text=" ")
    review = actions.submit_self_assessment(
        review, acting_user=ria, expected_version=2, text="Fine"
    )
    with pytest.raises(InvalidInput, match="Rate every goal first: Revenue"):
        actions.finalise_review(review, acting_user=max_, expected_version=3)


def test_who_may_open_read_and_act(small_org: SmallOrg, data: Goal) -> None:
    users = small_org.users
    ria_person = small_org.people["ria"]
    with pytest.raises(NotFound):  # outside her subtree
        actions.open_review(ria_person, acting_user=users["manager_sam"], period="FY2027-Q1")
    with pytest.raises(NotAllowed):  # her own
        actions.open_review(ria_person, acting_user=users["rep_ria"], period="FY2027-Q1")
    with pytest.raises(NotAllowed):  # finance sees the organisation, not its reviews
        actions.open_review(ria_person, acting_user=users["finance_fay"], period="FY2027-Q1")
    review = _open(small_org)
    readers = {name for name, user in users.items() if permissions.can_see_review(user, review)}
    assert readers == {"manager_max", "ceo_cora", "ops_olga", "admin_ada"}  # not yet the rep
    with pytest.raises(NotFound):
        actions.share_review(review, acting_user=users["rep_ria"], expected_version=1)
    review = actions.share_review(review, acting_user=users["manager_max"], expected_version=1)
    assert permissions.can_see_review(users["rep_ria"], review)
    assert not permissions.can_see_review(users["manager_sam"], review)
    assert not permissions.can_see_review(users["finance_fay"], review)
    with pytest.raises(NotAllowed, match="Only the rep reviewed"):
        actions.submit_self_assessment(
            review, acting_user=users["manager_max"], expected_version=2, text="x"
        )
    assert set(Review.objects.filter(permissions.visible_reviews_condition(users["rep_ria"]))) == {
        review
    }
    assert not Review.objects.filter(
        permissions.visible_reviews_condition(users["manager_sam"])
    ).exists()
    assert not Review.objects.filter(
        permissions.visible_reviews_condition(users["finance_fay"])
    ).exists()


def test_a_rolled_back_step_sends_no_notification(
    small_org: SmallOrg, data: Goal, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    review = _open(small_org)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            actions.share_review(
                review, acting_user=small_org.users["manager_max"], expected_version=1
            )
            raise RuntimeError("the request failed after the step")
    assert callbacks == [] and not Notification.objects.exists()
    review.refresh_from_db()
    assert review.status == ReviewStatus.DRAFT


def test_the_pdf_is_a_pdf_with_the_reps_name_and_figures(small_org: SmallOrg, data: Goal) -> None:
    review = _rate(_open(small_org), small_org, data)
    document = review_pdf(review)
    assert document.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)
    for expected in (
        "Ria Rep",
        "FY2027-Q1",
        "Acme",
        "300,000.00 EUR",
        "25,000.00 EUR",
        "8.33%",
        "Opens doors",
        "3 - Met expectations",
        "Max Manager",
    ):
        assert expected in text, expected


def _due(user: Any) -> list[tuple[str, str]]:
    return [(item.kind, item.title) for item in items_for(user, dt.date(2027, 4, 10))]


def test_the_action_centre_shows_what_each_review_waits_for(
    small_org: SmallOrg, data: Goal, client: Any
) -> None:
    max_, ria = small_org.users["manager_max"], small_org.users["rep_ria"]
    review = _rate(_open(small_org), small_org, data)
    assert _due(max_) == [("review.share", "Rate and share the FY2027-Q1 review")]
    assert _due(ria) == []  # a draft is the manager's
    review = actions.share_review(review, acting_user=max_, expected_version=2)
    assert _due(max_) == []
    assert _due(ria) == [
        ("review.self_assessment", "Write your self-assessment for your FY2027-Q1 review")
    ]
    review = actions.submit_self_assessment(review, acting_user=ria, expected_version=3, text="Ok")
    assert _due(max_) == [
        ("review.finalise", "The self-assessment is in: finalise the FY2027-Q1 review")
    ]
    review = actions.finalise_review(review, acting_user=max_, expected_version=4)
    assert _due(ria) == [("review.acknowledge", "Read and acknowledge your FY2027-Q1 review")]
    client.force_login(ria)
    home = client.get("/").content.decode()
    assert "Read and acknowledge your FY2027-Q1 review" in home
    assert f"/reviews/{review.pk}/" in home
    actions.acknowledge_review(review, acting_user=ria, expected_version=5)
    assert _due(ria) == [] and _due(max_) == []
    assert not any(kind.startswith("review.") for kind, _ in _due(small_org.users["manager_sam"]))


def test_names_outside_latin_1_still_make_a_document() -> None:
    assert latin1("Zoë Łukasz – “Ōsaka” 東京") == 'Zoë ?ukasz - "Osaka" ??'


def _pdf_text(document: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


def _review_of_lukasz(org: SmallOrg, goal: Goal) -> Review:
    ria = org.people["ria"]
    ria.full_name = "Łukasz Żółć-Ōno"
    ria.save(update_fields=["full_name"])
    review = _rate(_open(org), org, goal)
    Review.objects.filter(pk=review.pk).update(strengths="Opens doors in 東京 and Αθήνα")
    review.refresh_from_db()
    return review


def test_a_unicode_font_prints_names_as_written(small_org: SmallOrg, data: Goal) -> None:
    """With a TrueType font (the system's, as CI's Debian has DejaVu Sans), Polish, Greek and
    Japanese-Latin names print as written; a script the font lacks becomes "?"."""
    unicode_font.cache_clear()
    font = unicode_font()
    if font is None:
        pytest.skip("no TrueType font with wide coverage on this machine")
    text = _pdf_text(review_pdf(_review_of_lukasz(small_org, data)))
    assert "Łukasz Żółć-Ōno" in text
    assert "Αθήνα" in text
    assert "東京" not in text and "in ?? and" in text


def test_a_configured_font_is_used_and_a_missing_one_stops_start_up(
    small_org: SmallOrg, data: Goal, settings: Any, tmp_path: Any
) -> None:
    unicode_font.cache_clear()
    found = unicode_font()
    if found is None:
        pytest.skip("no TrueType font on this machine to configure")
    settings.QUOTAFLOW_PDF_FONT = str(found[0])
    unicode_font.cache_clear()
    try:
        assert unicode_font() is not None and unicode_font()[0] == found[0]
        assert "Łukasz" in _pdf_text(review_pdf(_review_of_lukasz(small_org, data)))
    finally:
        unicode_font.cache_clear()
    missing = tmp_path / "no-such-font.ttf"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={"DJANGO_SETTINGS_MODULE": "quotaflow.config.settings",
             "QUOTAFLOW_PDF_FONT": str(missing), "PATH": "", "HOME": str(tmp_path),
             "XDG_DATA_HOME": str(tmp_path)},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0 and "QUOTAFLOW_PDF_FONT" in result.stderr


def test_without_a_unicode_font_the_built_in_font_replaces_what_it_lacks(
    small_org: SmallOrg, data: Goal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf_module, "unicode_font", lambda: None)
    text = _pdf_text(review_pdf(_review_of_lukasz(small_org, data)))
    assert "?ukasz Zó?c-Ono" in text  # Ż has a base letter, Ł none
