"""The errors a user can cause and fix.

Everything raised to the CLI from the core is a :class:`RepdrillError`; the CLI
prints its message and exits 1. Anything else escaping is a bug.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class RepdrillError(Exception):
    """An error the user can fix; its message says how."""


class ConfigError(RepdrillError):
    """A setting (``--db``, ``REPDRILL_TODAY``, ...) is unusable."""


class NotFound(RepdrillError):
    """A deck, card or rep named by the user does not exist."""


class GradeError(RepdrillError, ValueError):
    """A grade outside SM-2's 0..5 scale."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in an input file, located for editors and CI."""

    path: str
    line: int  # 1-based
    column: int  # 1-based
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class InvalidInput(RepdrillError):
    """One or more input files are invalid; nothing was written."""

    def __init__(self, problems: Sequence[Problem], summary: str = "") -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        files = len({p.path for p in self.problems})
        self.summary = summary or (
            f"{count} problem{'s' if count != 1 else ''} in "
            f"{files} file{'s' if files != 1 else ''}; nothing was written"
        )
        super().__init__("\n".join([*map(str, self.problems), self.summary]))
