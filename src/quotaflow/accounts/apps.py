from typing import Any

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "quotaflow.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from axes.signals import user_locked_out

        user_locked_out.connect(_audit_lockout, dispatch_uid="quotaflow-audit-lockout")


def _audit_lockout(sender: Any, *, username: str = "", ip_address: str = "", **kwargs: Any) -> None:
    from quotaflow.accounts.throttling import record_lockout

    record_lockout(username=username or "", ip_address=ip_address or "")
