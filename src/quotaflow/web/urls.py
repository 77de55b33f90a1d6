"""URLs of the server-rendered pages.

Numeric ids use the ``id`` converter: a positive number that fits the database's bigint, so
an id past that range is a page that does not exist (404), not a database error.
"""

from django.contrib.auth import views as auth_views
from django.urls import path, register_converter
from django.views.generic import TemplateView

from quotaflow.web.converters import IdConverter
from quotaflow.web.views import (
    accounts,
    adjustments,
    earnings,
    feedback,
    home,
    imports,
    inquiries,
    metrics,
    org,
    payouts,
    plan_cost,
    plan_editor,
    recognition,
    review,
    reviews,
    scorecards,
    smart,
)
from quotaflow.web.views import performance as tracking
from quotaflow.web.views import plans as planning

register_converter(IdConverter, "id")

urlpatterns = [
    path("", home.home, name="home"),
    path("due/", home.due_list, name="due-list"),
    path("earnings/", earnings.my_earnings, name="earnings"),
    path("earnings/people/<path:external_id>/", earnings.person_earnings, name="earnings-person"),
    path("payouts/", payouts.payouts, name="payouts"),
    path("recognition/", recognition.wall, name="recognition-wall"),
    path("recognition/leaderboard/", recognition.leaderboard_page, name="recognition-leaderboard"),
    path(
        "recognition/people/<path:external_id>/kudos",
        recognition.give_kudos,
        name="recognition-kudos",
    ),
    path(
        "recognition/people/<path:external_id>/",
        recognition.person_page,
        name="recognition-person",
    ),
    path("recognition/rules/", recognition.rules, name="recognition-rules"),
    path("recognition/rules/new", recognition.rule_create, name="recognition-rule-create"),
    path("recognition/rules/<id:pk>/", recognition.rule_page, name="recognition-rule"),
    path("recognition/rules/<id:pk>/edit", recognition.rule_update, name="recognition-rule-update"),
    path(
        "recognition/rules/<id:pk>/deactivate",
        recognition.rule_deactivate,
        name="recognition-rule-deactivate",
    ),
    path("recognition/evaluate", recognition.evaluate, name="recognition-evaluate"),
    path("recognition/visibility", recognition.visibility, name="recognition-visibility"),
    path(
        "payouts/plan-versions/<id:pk>/acknowledge",
        payouts.payout_acknowledge,
        name="payout-acknowledge",
    ),
    path("payouts/plans/cost/", plan_cost.plan_cost_index, name="plan-cost-index"),
    path("payouts/plans/<id:pk>/cost", plan_cost.plan_cost_page, name="plan-cost"),
    path("payouts/runs/preview", payouts.payout_preview, name="payout-preview"),
    path("payouts/runs/<id:pk>/", payouts.payout_run, name="payout-run"),
    path("payouts/runs/<id:pk>/approve", payouts.payout_approve, name="payout-approve"),
    path("payouts/runs/<id:pk>/lock", payouts.payout_lock, name="payout-lock"),
    path("payouts/statements/<id:pk>/", payouts.payout_statement, name="payout-statement"),
    path("payouts/plans/", plan_editor.plan_list, name="plan-editor-list"),
    path("payouts/plans/new", plan_editor.plan_new, name="plan-editor-new"),
    path("payouts/plans/<id:pk>/", plan_editor.plan_detail, name="plan-editor-detail"),
    path("payouts/plans/<id:pk>/edit", plan_editor.plan_edit, name="plan-editor-edit"),
    path("payouts/plans/<id:pk>/publish", plan_editor.plan_publish, name="plan-editor-publish"),
    path("payouts/plans/<id:pk>/assign", plan_editor.plan_assign, name="plan-editor-assign"),
    path(
        "payouts/statements/<id:pk>/lines/<id:position>/ask",
        inquiries.inquiry_new,
        name="payout-inquiry-new",
    ),
    path("payouts/inquiries/", inquiries.inquiry_list, name="payout-inquiries"),
    path("payouts/inquiries/<id:pk>/", inquiries.inquiry_detail, name="payout-inquiry"),
    path(
        "payouts/inquiries/<id:pk>/<slug:step>",
        inquiries.inquiry_step,
        name="payout-inquiry-step",
    ),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Explicit template names: django.contrib.admin ships registration/password_change_*.html
    # and comes first in INSTALLED_APPS, so the default names would show the admin's pages.
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/change_password.html"),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/change_password_done.html"
        ),
        name="password_change_done",
    ),
    path(
        "password/set/<uidb64>/<token>/",
        accounts.SetPasswordFromLink.as_view(),
        name="password_set",
    ),
    path(
        "password/set/done/",
        TemplateView.as_view(template_name="registration/set_password_done.html"),
        name="password_set_done",
    ),
    path("tokens/", accounts.token_list, name="token-list"),
    path("tokens/<id:pk>/revoke/", accounts.token_revoke, name="token-revoke"),
    path("org/", org.browser, name="org-browser"),
    path("org/search/", org.search, name="org-search"),
    path("org/units/<path:code>/", org.unit_detail, name="org-unit"),
    path("org/people/<path:external_id>/", org.person_detail, name="org-person"),
    path("imports/", imports.import_list, name="import-list"),
    path("smart/", smart.index, name="smart-index"),
    path("smart/goals/<int:goal_id>/", smart.goal_page, name="smart-goal"),
    path("smart/goals/<int:goal_id>/check/", smart.goal_check, name="smart-goal-check"),
    path("smart/goals/<int:goal_id>/approve/", smart.goal_approve, name="smart-goal-approve"),
    path("smart/cycles/<int:cycle_id>/review/", smart.cycle_review, name="smart-review"),
    path("smart/cycles/<int:cycle_id>/health/", smart.cycle_health, name="smart-health"),
    path("performance/", tracking.start, name="performance"),
    path("performance/units/<path:code>/", tracking.unit_page, name="performance-unit"),
    path("performance/people/<path:external_id>/", tracking.person_page, name="performance-person"),
    path("performance/goals/<id:pk>/", tracking.goal_page, name="performance-goal"),
    path("performance/goals/<id:pk>/check-ins/", feedback.check_in, name="feedback-check-in"),
    path("check-ins/<id:pk>/replies/", feedback.reply, name="feedback-reply"),
    path("performance/goals/<id:pk>/score/", scorecards.score_rubric, name="goal-rubric-score"),
    path("milestones/<id:pk>/tick/", scorecards.tick_milestone, name="milestone-tick"),
    path("milestones/<id:pk>/confirm/", scorecards.confirm_milestone, name="milestone-confirm"),
    path("plans/goals/<id:pk>/measure/", scorecards.define_measure, name="plans-goal-measure"),
    path(
        "scorecards/<id:cycle_pk>/people/<path:external_id>/define/",
        scorecards.define_scorecard,
        name="scorecard-define",
    ),
    path(
        "scorecards/<id:cycle_pk>/people/<path:external_id>/",
        scorecards.person_scorecard,
        name="scorecard-person",
    ),
    path(
        "scorecards/<id:cycle_pk>/units/<path:code>/apply/",
        scorecards.apply_scorecards,
        name="scorecard-apply",
    ),
    path(
        "scorecards/<id:cycle_pk>/units/<path:code>/",
        scorecards.team_scorecards,
        name="scorecard-team",
    ),
    path("inbox/", feedback.inbox, name="inbox"),
    path("inbox/<id:pk>/read/", feedback.inbox_read, name="inbox-read"),
    path("inbox/read-all/", feedback.inbox_read_all, name="inbox-read-all"),
    path("inbox/settings/", feedback.inbox_preferences, name="inbox-preferences"),
    path("reviews/", reviews.review_list, name="reviews"),
    path("reviews/<id:pk>/", reviews.review_detail, name="reviews-detail"),
    path("reviews/<id:pk>/edit/", reviews.review_update, name="reviews-update"),
    path(
        "reviews/<id:pk>/self-assessment/",
        reviews.review_self_assessment,
        name="reviews-self-assessment",
    ),
    path("reviews/<id:pk>/step/<slug:step>/", reviews.review_step, name="reviews-step"),
    path("reviews/<id:pk>/review.pdf", reviews.review_download, name="reviews-pdf"),
    path("reviews/people/<path:external_id>/", reviews.review_history, name="reviews-history"),
    path("performance/plotly.js", tracking.plotly_js, name="performance-plotly"),
    path("metrics/<slug:code>/recompute/", metrics.recompute, name="metric-recompute"),
    path("imports/<id:pk>/", imports.import_detail, name="import-detail"),
    path("imports/<id:pk>/write/", imports.import_write, name="import-write"),
    path("plans/", planning.cycle_list, name="plans-cycles"),
    path("plans/my-goals/", planning.my_goals, name="plans-my-goals"),
    path("plans/<id:pk>/", planning.cycle_detail, name="plans-cycle"),
    path("plans/<id:pk>/step/<slug:step>/", planning.cycle_step, name="plans-cycle-step"),
    path("plans/<id:pk>/version/", planning.cycle_version, name="plans-cycle-version"),
    path("plans/<id:pk>/compare/", planning.compare, name="plans-compare"),
    path("plans/<id:pk>/review/", review.review, name="plans-review"),
    path("plans/<id:pk>/export.<str:file_format>", planning.export, name="plans-export"),
    path("plans/goals/<id:pk>/", planning.goal_detail, name="plans-goal"),
    path("plans/goals/<id:pk>/step/<slug:step>/", planning.goal_step, name="plans-goal-step"),
    path("plans/goals/<id:pk>/resplit/", planning.resplit, name="plans-resplit"),
    path(
        "plans/goals/<id:pk>/adjustments/new/",
        adjustments.adjustment_new,
        name="plans-adjustment-new",
    ),
    path("plans/adjustments/", adjustments.adjustment_list, name="plans-adjustments"),
    path("plans/adjustments/inbox/", adjustments.adjustment_inbox, name="plans-adjustment-inbox"),
    path("plans/adjustments/<id:pk>/", adjustments.adjustment_detail, name="plans-adjustment"),
    path(
        "plans/adjustments/<id:pk>/step/<slug:step>/",
        adjustments.adjustment_step,
        name="plans-adjustment-step",
    ),
    path(
        "plans/adjustments/<id:pk>/evidence/<id:file_id>/",
        adjustments.adjustment_evidence,
        name="plans-adjustment-evidence",
    ),
    path("imports/<id:pk>/rejected.csv", imports.import_rejected_csv, name="import-rejected-csv"),
]
