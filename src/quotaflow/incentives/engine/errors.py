"""The incentive engine's one error: a plan definition or run input it cannot compute with.

The engine imports nothing of Django or of the rest of Quotaflow, so it raises its own
error; the incentives app turns it into ``core.errors.InvalidInput`` for the API and pages.
"""

from __future__ import annotations


class PlanError(ValueError):
    """A plan document or run input is invalid. ``field`` names the culprit, as a path into
    the plan document (``components[1].tiers[0].rate``) where there is one."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
