"""Top-level URL map: web pages, the REST API under /api/v1/, and the admin."""

from django.contrib import admin
from django.urls import include, path

from quotaflow.api.root import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("quotaflow.web.urls")),
]
