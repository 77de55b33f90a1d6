"""ASGI entry point (used for server-sent events on dashboards)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quotaflow.config.settings")
application = get_asgi_application()
