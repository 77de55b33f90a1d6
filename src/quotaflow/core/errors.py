"""Domain errors: raised by actions, turned into clear messages by the API and the UI."""

from __future__ import annotations


class DomainError(Exception):
    """A request that the domain refuses; the message is written for a sales-ops reader."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """Input that fails validation; nothing was written."""


class NotAllowed(DomainError):
    """The acting user's role or place in the tree does not allow this."""

    status_code = 403


class NotFound(DomainError):
    """The named object does not exist (or is invisible to the acting user)."""

    status_code = 404


class TooManyAttempts(DomainError):
    """Too many failed sign-ins or wrong API tokens from this client; wait and retry."""

    status_code = 429


class Conflict(DomainError):
    """A stale write: somebody else changed the object since it was read."""

    status_code = 409
