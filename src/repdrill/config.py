"""Settings: which database, which rep, which day.

Each setting comes from a global option or its environment variable
(``--db``/``REPDRILL_DB``, ``--user``/``REPDRILL_USER``,
``--today``/``REPDRILL_TODAY``) and falls back to a sensible default. This
module stays free of SQLAlchemy so that ``repdrill --help`` starts fast.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from repdrill._text import describe, one_line, unsafe_characters
from repdrill.errors import ConfigError

DB_ENV = "REPDRILL_DB"
USER_ENV = "REPDRILL_USER"
TODAY_ENV = "REPDRILL_TODAY"
#: The SMTP password for ``repdrill brief --smtp-user`` (never an option: ps shows those).
SMTP_PASSWORD_ENV = "REPDRILL_SMTP_PASSWORD"
MAX_REP_NAME = 100


def default_db_path() -> Path:
    """The embedded database: a SQLite file in the user's data directory."""
    from platformdirs import user_data_path

    return user_data_path("repdrill", appauthor=False) / "repdrill.db"


def database_url(value: str | None = None) -> str:
    """Turn ``--db`` (a file path or any SQLAlchemy URL) into a URL.

    A path's parent directory is created, so the database appears on first use.
    """
    if value is not None and not value.strip():
        raise ConfigError("--db / REPDRILL_DB is empty; give a file path or a database URL")
    if value and "://" in value:
        return value
    if value == ":memory:":
        return "sqlite://"
    try:
        path = Path(value).expanduser() if value else default_db_path()
    except RuntimeError as error:  # ~nouser/...: no such home directory
        raise ConfigError(f"--db {value}: {error}") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"cannot create the database directory {path.parent}: {error}") from error
    if path.is_dir():
        raise ConfigError(
            f"--db {path} is a directory; give a file path such as {path}/repdrill.db"
        )
    if path.exists() and not path.is_file():
        # SQLite would write beside it (/dev/null-journal) or read a device without end.
        raise ConfigError(f"--db {path} is not a regular file; give a database file path")
    return f"sqlite:///{path.resolve()}"


#: Dates repdrill accepts: far enough either way for any real schedule, and
#: far from the calendar's ends, where adding a 30-year interval overflows.
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2999, 12, 31)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_today(value: str) -> dt.date:
    """A date written ``YYYY-MM-DD`` (the one form the docs give), between 2000 and 2999."""
    text = value.strip()
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"{one_line(repr(value))} is not an ISO date; use YYYY-MM-DD, for example 2026-03-01"
        ) from None
    if not EARLIEST <= day <= LATEST:
        raise ConfigError(f"{day} is out of range; use a date from {EARLIEST} to {LATEST}")
    return day


def rep_name_problem(name: str) -> str | None:
    """What makes ``name`` unusable as a rep's name, or ``None``: the one rule, everywhere.

    1 to 100 characters, no spaces, no control characters and nothing invisible
    or reordering (zero-width characters, right-to-left overrides), in Unicode
    normal form NFC, so that two names that look the same are the same name.
    """
    if not name or len(name) > MAX_REP_NAME:
        return f"use 1 to {MAX_REP_NAME} characters"
    if any(c.isspace() for c in name):
        return "no spaces (a login name or an e-mail address)"
    unsafe = unsafe_characters(name) or [(i, c) for i, c in enumerate(name) if _hidden(c)]
    if unsafe:
        return f"it contains {describe(unsafe[0][1])}"
    if unicodedata.normalize("NFC", name) != name:
        return "write it in Unicode normal form NFC"
    return None


def _hidden(character: str) -> bool:
    return unicodedata.category(character) in {"Cc", "Cf", "Cs", "Co", "Cn"}


def rep_name(value: str | None = None) -> str:
    """The rep's name: ``--user``, else the operating system's login name."""
    if value is None:
        try:
            value = getpass.getuser()
        except (OSError, KeyError):  # no login name in some containers
            value = os.environ.get("USER") or "rep"
    name = value.strip()
    problem = rep_name_problem(name)
    if problem:
        raise ConfigError(f"{one_line(repr(value))} is not a usable rep name: {problem}")
    return name


def wall_clock() -> dt.datetime:
    """The current local time, time-zone aware."""
    return dt.datetime.now().astimezone()


@dataclass(frozen=True, slots=True)
class Clock:
    """A command's notion of time; the core takes it as input and never reads the clock.

    ``today`` is fixed when the command starts and drives all scheduling.
    :meth:`now` stamps each review at the moment it happens, shifted by whole
    days when ``--today`` simulates another day, so that simulated days still
    sort in order and each review keeps its own time.
    """

    today: dt.date
    shift: dt.timedelta = dt.timedelta(0)
    timer: Callable[[], dt.datetime] = field(default=wall_clock, compare=False)

    @classmethod
    def read(cls, today: dt.date | None = None) -> Clock:
        real = wall_clock()
        if today is None:
            return cls(real.date())
        return cls(today, today - real.date())

    def now(self) -> dt.datetime:
        return self.timer() + self.shift
