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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from repdrill.errors import ConfigError

DB_ENV = "REPDRILL_DB"
USER_ENV = "REPDRILL_USER"
TODAY_ENV = "REPDRILL_TODAY"
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
    path = Path(value).expanduser() if value else default_db_path()
    if value == ":memory:":
        return "sqlite://"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"cannot create the database directory {path.parent}: {error}") from error
    if path.is_dir():
        raise ConfigError(
            f"--db {path} is a directory; give a file path such as {path}/repdrill.db"
        )
    return f"sqlite:///{path.resolve()}"


def parse_today(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ConfigError(
            f"'{value}' is not an ISO date; use YYYY-MM-DD, for example 2026-03-01"
        ) from None


def rep_name(value: str | None = None) -> str:
    """The rep's name: ``--user``, else the operating system's login name."""
    if value is None:
        try:
            value = getpass.getuser()
        except (OSError, KeyError):  # no login name in some containers
            value = os.environ.get("USER") or "rep"
    name = value.strip()
    if not name or len(name) > MAX_REP_NAME or any(c.isspace() for c in name):
        raise ConfigError(
            f"'{value}' is not a usable rep name: use 1-{MAX_REP_NAME} characters, "
            "no spaces (a login name or an e-mail address)"
        )
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
