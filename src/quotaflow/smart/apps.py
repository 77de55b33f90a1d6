from django.apps import AppConfig


class SmartConfig(AppConfig):
    """SMART checks of goals and the attainability model."""

    name = "quotaflow.smart"
    label = "smart"
    verbose_name = "SMART checks"
    default_auto_field = "django.db.models.BigAutoField"
