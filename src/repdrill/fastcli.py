"""``repdrill due`` without the command-line framework: a nudge fast enough for a prompt.

A shell draws its prompt after every command, so ``repdrill due`` in a
prompt must cost a few milliseconds. :func:`fast_main` answers the plain forms
(``repdrill [--db ..] [--user ..] [--today ..] due [--format F] [--json]``)
on a SQLite database with the standard library alone, before Typer, Rich or
SQLAlchemy are imported; anything else (``--help``, PostgreSQL, a database
that needs migrating, a bad option) returns ``None`` and the full command line
takes over with the same result.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from repdrill import config
from repdrill.errors import RepdrillError

_GLOBAL = {"--db": config.DB_ENV, "--user": config.USER_ENV, "--today": config.TODAY_ENV}


def fast_main(argv: Sequence[str]) -> int | None:
    """Answer ``due`` and return the exit status, or ``None`` to let the full CLI answer."""
    parsed = _parse(list(argv))
    if parsed is None:
        return None
    settings, template, as_json = parsed
    try:
        url = config.database_url(settings.get(config.DB_ENV))
        rep = config.rep_name(settings.get(config.USER_ENV))
        day = settings.get(config.TODAY_ENV)
        today = config.parse_today(day) if day else config.Clock.read().today
    except RepdrillError:
        return None  # the full CLI says what is wrong, with the right exit status
    if not url.startswith("sqlite:///"):
        return None
    from repdrill.store.fastread import read_due

    nudge = read_due(Path(url.removeprefix("sqlite:///")), rep, today)
    if nudge is None:
        return None
    if as_json:
        # As print_json: indented on a terminal (--pretty takes the full command line).
        indent = 2 if sys.stdout.isatty() else None
        sys.stdout.write(json.dumps(nudge.to_json(), ensure_ascii=False, indent=indent) + "\n")
    else:
        line = nudge.line(template)
        if line:
            sys.stdout.write(line + "\n")
    return 0


def _parse(argv: list[str]) -> tuple[dict[str, str], str | None, bool] | None:
    settings = {env: os.environ[env] for env in _GLOBAL.values() if os.environ.get(env)}
    args = iter(argv)
    for arg in args:
        name, _, value = arg.partition("=")
        if name in _GLOBAL:
            value = value or next(args, "")
            if not value:
                return None
            settings[_GLOBAL[name]] = value
            continue
        if arg != "due":
            return None
        break
    else:
        return None
    template: str | None = None
    as_json = False
    for arg in args:
        name, _, value = arg.partition("=")
        if name == "--json" and not value:
            as_json = True
        elif name == "--format":
            template = value or next(args, None)
            if template is None or not _valid(template):
                return None
        else:
            return None
    return settings, template, as_json


def _valid(template: str) -> bool:
    try:
        template.format(due=0, new=0, rep="")
    except (KeyError, IndexError, ValueError):
        return False
    return True
