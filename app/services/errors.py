"""Errors the user is shown, as opposed to bugs."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can understand and fix; ``str()`` is a Chinese message."""


class ValidationError(UserError):
    """Bad input in a form or command; ``field`` names the offending field, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class DatabaseError(UserError):
    """The database cannot be opened or upgraded."""
