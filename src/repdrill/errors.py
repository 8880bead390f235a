"""The errors a user can cause and fix.

Everything raised to a caller from the core is a :class:`RepdrillError`; the
CLI prints its message and exits 1. Anything else escaping is a bug. Callers
that need to tell errors apart catch the subclasses, never match messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class RepdrillError(Exception):
    """An error the user can fix; its message says how."""


class ConfigError(RepdrillError):
    """A setting (``--db``, ``REPDRILL_TODAY``, ...) is unusable."""


class NotFound(RepdrillError):
    """A deck, card, team or review named by the user does not exist."""


class UnknownDeck(NotFound):
    """A deck id that is not loaded."""

    def __init__(self, decks: Sequence[str], known: Sequence[str]) -> None:
        self.decks = tuple(decks)
        self.known = tuple(known)
        listed = ", ".join(known) if known else "none yet; run 'repdrill load PATH'"
        names = ", ".join(repr(d) for d in decks)
        super().__init__(f"no deck {names}; decks loaded: {listed}")


class UnknownCard(NotFound):
    """A card reference that matches no card."""

    def __init__(self, ref: str) -> None:
        self.ref = ref
        super().__init__(f"no card '{ref}'; name it as deck/card (see 'repdrill card list')")


class AmbiguousCard(RepdrillError):
    """A bare card id that several decks use."""

    def __init__(self, ref: str, candidates: Sequence[str]) -> None:
        self.ref = ref
        self.candidates = tuple(candidates)
        super().__init__(
            f"card id '{ref}' is in several decks; name one of: {', '.join(candidates)}"
        )


class EmptyScope(RepdrillError):
    """A selection (decks, tags) that matches no active card."""


class RetiredCard(RepdrillError):
    """A card retired from its deck: it is no longer drilled."""

    def __init__(self, ref: str) -> None:
        self.ref = ref
        super().__init__(f"{ref} is retired; it is no longer drilled")


class DatabaseUnusable(RepdrillError):
    """The database cannot do this now: read-only, full, busy, damaged or too new.

    Nothing was written; the message says what to do.
    """


class PermissionDenied(RepdrillError):
    """The database, or team mode, refuses this to the connected role."""


class TeamError(RepdrillError):
    """A team command cannot do what was asked (a name, a role, a missing setup)."""


class GradeError(RepdrillError, ValueError):
    """A grade outside SM-2's 0..5 scale."""


class DeliveryError(RepdrillError):
    """A message was built but a webhook or mail server did not take it.

    ``undelivered`` is the value that was not sent everywhere, so the caller
    can still show it; ``failures`` has one line per failed send.
    """

    def __init__(self, failures: Sequence[str], undelivered: object) -> None:
        self.failures = tuple(failures)
        self.undelivered = undelivered
        super().__init__("not sent: " + "; ".join(self.failures))


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in an input file, located for editors and CI."""

    path: str
    line: int  # 1-based
    column: int  # 1-based
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


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
