from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "quotaflow.sales"
    label = "sales"
    default_auto_field = "django.db.models.BigAutoField"
