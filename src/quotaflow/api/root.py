"""The REST API at /api/v1/: one NinjaAPI with a router per resource.

Every operation needs authentication (``api_auth``: a bearer token or the browser session)
unless its router says otherwise; refusals come back as ``{"detail": …, "field": …}``.
"""

from ninja import NinjaAPI

from quotaflow.api import account, metrics, org, tokens
from quotaflow.api.auth import api_auth
from quotaflow.api.docs import SignedInSwagger
from quotaflow.api.errors import install_error_handlers
from quotaflow.api.imports import router as imports_router
from quotaflow.api.performance import router as performance_router

api = NinjaAPI(
    title="Quotaflow API",
    version="1",
    description="Organisation, metrics, transactions, activities and imports. "
    "Authenticate with 'Authorization: Bearer <token>' (create tokens under API tokens), "
    "or use the signed-in browser session (with the CSRF token on writes). "
    'Errors are JSON: {"detail": message, "field": the field concerned or null}.',
    urls_namespace="api",
    auth=api_auth,
    docs=SignedInSwagger(),
)
install_error_handlers(api)

api.add_router("/", account.router)
api.add_router("/org", org.router)
api.add_router("/", metrics.router)
api.add_router("/", tokens.router)
api.add_router("/", performance_router)
api.add_router("/", imports_router)
api.add_router("/", "quotaflow.api.rates.router")
api.add_router("/", "quotaflow.api.my_goals.router")
api.add_router("/", "quotaflow.api.plans.router")
api.add_router("/", "quotaflow.api.workflow.router")
api.add_router("/", "quotaflow.api.smart.router")
api.add_router("/", "quotaflow.api.company.router")
api.add_router("/", "quotaflow.api.tracking_settings.router")
api.add_router("/", "quotaflow.api.users.router")
api.add_router("/", "quotaflow.api.feedback.router")
api.add_router("/", "quotaflow.api.adjustments.router")
api.add_router("/", "quotaflow.api.incentives.router")
api.add_router("/", "quotaflow.api.earnings.router")
api.add_router("/", "quotaflow.api.plan_cost.router")
api.add_router("/", "quotaflow.api.inquiries.router")
api.add_router("/", "quotaflow.api.scorecards.router")
api.add_router("/", "quotaflow.api.recognition.router")
