"""Errors that carry a message fit to show a resident or facilitator, Dutch first, English too."""
from __future__ import annotations


class UserFacingError(Exception):
    """Base class: `nl` and `en` are complete, human sentences; pages show both."""

    def __init__(self, nl: str, en: str):
        super().__init__(f"{nl} / {en}")
        self.nl = nl
        self.en = en

    @property
    def user_message(self) -> str:
        return f"{self.nl}\n\n*{self.en}*"


class ImportRejected(UserFacingError):
    """A geodata or CSV file cannot be imported; nothing was stored."""


class ClassificationError(UserFacingError):
    """An indicator cannot be classified (no values, unknown scheme)."""
