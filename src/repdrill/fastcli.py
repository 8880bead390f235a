"""``repdrill due`` and ``repdrill status`` without the command-line framework.

A shell draws its prompt after every command, so ``repdrill due`` in a
prompt must cost a few milliseconds, and ``repdrill status`` is what a rep
types first each day: importing Typer and SQLAlchemy costs several times what
either's queries take. :func:`fast_main` answers their plain forms::

    repdrill [--db ..] [--user ..] [--today ..] [--pretty] due [--format F] [--json]
    repdrill [--db ..] [--user ..] [--today ..] [--pretty] status [--deck D].. [--tag T].. [--json]

on a SQLite database with the standard library's :mod:`sqlite3`
(:mod:`repdrill.store.fastread`); the text of ``status`` is drawn by Rich's
table, as the full command draws it (:mod:`repdrill._status_view`). Anything
else (``--help``, PostgreSQL, a database that is missing or needs migrating,
a selection the front door refuses, an option written another way) returns
``None`` and the full command line takes over with the same result.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from repdrill import config
from repdrill.errors import RepdrillError

COMMANDS = ("due", "status")
_GLOBAL = {"--db": config.DB_ENV, "--user": config.USER_ENV, "--today": config.TODAY_ENV}
_SCOPE = {"--deck": "deck", "-d": "deck", "--tag": "tag", "-t": "tag"}


def fast_main(argv: Sequence[str]) -> int | None:
    """Answer ``due`` or ``status`` and return the exit status, or ``None`` to let the
    full command line answer."""
    parsed = _split(list(argv))
    if parsed is None:
        return None
    settings, pretty, command, rest = parsed
    try:
        url = config.database_url(settings.get(config.DB_ENV))
        rep = config.rep_name(settings.get(config.USER_ENV))
        day = settings.get(config.TODAY_ENV)
        today = config.parse_today(day) if day else config.Clock.read().today
    except RepdrillError:
        return None  # the full command line says what is wrong, with the right exit status
    if not url.startswith("sqlite:///"):
        return None
    path = Path(url.removeprefix("sqlite:///"))
    if command == "due":
        return _due(path, rep, today, rest, pretty)
    return _status(path, rep, today, rest, pretty)


def _split(argv: list[str]) -> tuple[dict[str, str], bool, str, Iterator[str]] | None:
    """The global options, ``--pretty``, the command and what follows it."""
    settings = {env: os.environ[env] for env in _GLOBAL.values() if os.environ.get(env)}
    pretty = False
    args = iter(argv)
    for arg in args:
        name, _, value = arg.partition("=")
        if name in _GLOBAL:
            value = value or next(args, "")
            if not value:
                return None
            settings[_GLOBAL[name]] = value
        elif arg == "--pretty":
            pretty = True
        elif arg in COMMANDS:
            return settings, pretty, arg, args
        else:
            return None
    return None


def _write_json(document: object, pretty: bool) -> None:
    """As the full command line's ``print_json``: indented on a terminal or with --pretty."""
    indent = 2 if pretty or sys.stdout.isatty() else None
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=indent) + "\n")


# -- due ----------------------------------------------------------------------------


def _due(path: Path, rep: str, today: dt.date, args: Iterator[str], pretty: bool) -> int | None:
    template: str | None = None
    as_json = False
    for arg in args:
        name, _, value = arg.partition("=")
        if arg == "--json":
            as_json = True
        elif name == "--format":
            template = value or next(args, None)
            if template is None or not _valid(template):
                return None
        else:
            return None
    from repdrill.store.fastread import read_due

    nudge = read_due(path, rep, today)
    if nudge is None:
        return None
    if as_json:
        _write_json(nudge.to_json(), pretty)
    else:
        line = nudge.line(template)
        if line:
            sys.stdout.write(line + "\n")
    return 0


def _valid(template: str) -> bool:
    try:
        template.format(due=0, new=0, rep="")
    except (KeyError, IndexError, ValueError):
        return False
    return True


# -- status -------------------------------------------------------------------------


def _status(path: Path, rep: str, today: dt.date, args: Iterator[str], pretty: bool) -> int | None:
    chosen: dict[str, list[str]] = {"deck": [], "tag": []}
    as_json = False
    for arg in args:
        name, equals, value = arg.partition("=")
        if arg == "--json":
            as_json = True
        elif name in _SCOPE and (equals == "" or name.startswith("--")):
            value = value if equals else next(args, "")
            if not value or value.startswith("-"):
                return None  # Typer's to read (a missing value, or an option taken as one)
            chosen[_SCOPE[name]].append(value)
        else:
            return None
    from repdrill.cards import Scope
    from repdrill.store.fastread import read_status

    standing = read_status(path, rep, today, Scope(tuple(chosen["deck"]), tuple(chosen["tag"])))
    if standing is None:
        return None
    if as_json:
        _write_json(standing.to_json(), pretty)
        return 0
    from rich.console import Console

    from repdrill._status_view import print_status

    print_status(standing, Console(highlight=False))  # the console cli.output.out_console makes
    return 0
