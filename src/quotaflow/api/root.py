"""The REST API at /api/v1/: one NinjaAPI with a router per resource."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Quotaflow API",
    version="1",
    description="Organisation, metrics, transactions, activities and imports. "
    "Authenticate with 'Authorization: Bearer <token>' (create tokens under API tokens).",
    urls_namespace="api",
)
