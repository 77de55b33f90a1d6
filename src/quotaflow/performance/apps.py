from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "quotaflow.performance"
    label = "performance"
    default_auto_field = "django.db.models.BigAutoField"
