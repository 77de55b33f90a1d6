from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    """Incentive plans, their acknowledgement by reps, payout runs and statements."""

    name = "quotaflow.incentives"
    label = "incentives"
    verbose_name = "Incentives"
    default_auto_field = "django.db.models.BigAutoField"
