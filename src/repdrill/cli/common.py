"""What every command shares: settings, the database, output, and error handling.

Errors: the core raises :class:`~repdrill.errors.RepdrillError`;
:class:`RepdrillGroup` prints it as ``Error: ...`` on stderr and exits 1, in
one place for every command. Usage errors are Typer's (exit 2). Anything else
is a bug and keeps its traceback (without local variables, which could hold a
database password).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from typer.core import TyperGroup

from repdrill import config
from repdrill.errors import InvalidInput, RepdrillError

if TYPE_CHECKING:
    from rich.console import Console

    from repdrill.store.engine import Database
    from repdrill.store.read import Scope

EXIT_INVALID = 1
EXIT_INTERRUPTED = 130


class RepdrillGroup(TyperGroup):
    """The root command group: turns user errors into one-line messages."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except InvalidInput as error:
            for problem in error.problems:
                print(problem, file=sys.stderr)
            fail(error.summary)
        except RepdrillError as error:
            fail(str(error))
        finally:
            app_context = ctx.obj
            if isinstance(app_context, AppContext):
                app_context.close()


def fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    from rich.markup import escape

    # The message may quote user input ('repdrill[postgres]', a path): never markup.
    err_console().print(f"[bold red]Error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


@dataclass
class AppContext:
    """The global options, resolved lazily: ``--help`` never opens a database."""

    db_option: str | None = None
    user_option: str | None = None
    today: dt.date | None = None
    _db: Database | None = field(default=None, repr=False)

    def database(self) -> Database:
        if self._db is None:
            from repdrill.store.engine import Database

            self._db = Database.open(config.database_url(self.db_option))
        return self._db

    def rep(self) -> str:
        return config.rep_name(self.user_option)

    def clock(self) -> config.Clock:
        return config.Clock.read(self.today)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def app_context(ctx: typer.Context) -> AppContext:
    root = ctx.find_root()
    if not isinstance(root.obj, AppContext):
        root.obj = AppContext()
    return root.obj


_OUT: Console | None = None
_ERR: Console | None = None


def out_console() -> Console:
    """Rich console on stdout; plain when piped or when NO_COLOR is set (Rich's rules)."""
    global _OUT  # noqa: PLW0603 - one console per process, created on first use
    if _OUT is None or _OUT.file is not sys.stdout:
        from rich.console import Console

        _OUT = Console(highlight=False)
    return _OUT


def err_console() -> Console:
    global _ERR  # noqa: PLW0603
    if _ERR is None or _ERR.file is not sys.stderr:
        from rich.console import Console

        _ERR = Console(stderr=True, highlight=False)
    return _ERR


def print_json(data: object) -> None:
    """Machine output: stable keys, ISO dates, UTF-8, one document."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n")


def _json_default(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def scope_of(decks: list[str] | None, tags: list[str] | None) -> Scope:
    from repdrill.store.read import Scope

    return Scope(decks=tuple(decks or ()), tags=tuple(tags or ()))


def parse_today_option(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return config.parse_today(value)
    except RepdrillError as error:
        raise typer.BadParameter(str(error)) from None


def check_scope(ctx: typer.Context, scope: Scope) -> None:
    """Unknown deck ids and tags that match nothing are errors, not empty sessions."""
    from repdrill.store.read import scope_problems

    db = app_context(ctx).database()
    with db.session() as session:
        problem = scope_problems(session, scope)
    if problem:
        raise RepdrillError(problem)
