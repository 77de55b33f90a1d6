from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    """Check-ins on goals, their replies and the reminders of overdue check-ins."""

    name = "quotaflow.feedback"
    label = "feedback"
    verbose_name = "Feedback"
    default_auto_field = "django.db.models.BigAutoField"
