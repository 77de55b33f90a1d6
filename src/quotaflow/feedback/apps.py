from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    """Check-ins on goals, their replies and the reminders of overdue check-ins."""

    name = "quotaflow.feedback"
    label = "feedback"
    verbose_name = "Feedback"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from quotaflow.feedback.mentions import mention_in_comments
        from quotaflow.plans.signals import comments_written

        comments_written.connect(mention_in_comments, dispatch_uid="feedback-mentions")
