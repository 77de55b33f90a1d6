"""URLs of the SMART pages, included by the web app under /smart/."""

from django.urls import path

from quotaflow.web.views import smart

urlpatterns = [
    path("", smart.index, name="smart-index"),
    path("goals/<int:goal_id>/", smart.goal_page, name="smart-goal"),
    path("goals/<int:goal_id>/check/", smart.goal_check, name="smart-goal-check"),
    path("goals/<int:goal_id>/approve/", smart.goal_approve, name="smart-goal-approve"),
    path("cycles/<int:cycle_id>/review/", smart.cycle_review, name="smart-review"),
    path("cycles/<int:cycle_id>/health/", smart.cycle_health, name="smart-health"),
]
