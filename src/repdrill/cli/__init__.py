"""The ``repdrill`` command line: a thin Typer layer over the library.

Each command module parses options, calls the core and prints; heavy imports
(SQLAlchemy, exporters) happen inside the commands so ``--help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from repdrill import __version__, config
from repdrill.cli.context import AppContext, RepdrillGroup
from repdrill.cli.options import parse_date
from repdrill.cli.output import use_pretty_json

app = typer.Typer(
    name="repdrill",
    cls=RepdrillGroup,
    help=(
        "Spaced-repetition drills for sales teams.\n\n"
        "Enablement writes decks of objection-handling and messaging cards as YAML; "
        "reps drill them daily and SM-2 brings each card back just before it is "
        "forgotten, until it is mastered. Start with:\n\n"
        "    repdrill drill decks/"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"repdrill {__version__}")
        raise typer.Exit


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar=config.DB_ENV,
            metavar="PATH|URL",
            help="Database: a SQLite file path or a SQLAlchemy URL "
            "(postgresql+psycopg://...). Default: repdrill.db in your user data directory.",
            show_default=False,
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            envvar=config.USER_ENV,
            metavar="NAME",
            help="The rep whose drills and progress these are. Default: your login name.",
            show_default=False,
        ),
    ] = None,
    today: Annotated[
        dt.date | None,
        typer.Option(
            "--today",
            envvar=config.TODAY_ENV,
            metavar="YYYY-MM-DD",
            help="Act as if today were this date (demos, tests, simulations).",
            show_default=False,
            parser=parse_date,
        ),
    ] = None,
    pretty: Annotated[
        bool,
        typer.Option(
            "--pretty",
            help="Indent JSON output even when piped (it is indented on a terminal).",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Global options come before the command: repdrill --user ana drill decks/"""
    use_pretty_json(pretty)
    ctx.obj = AppContext(db_option=db, user_option=user, today=today)


def _register() -> None:
    from repdrill.cli import cards, db, decks, drilling, grading, logs, rep, reports, team

    decks.register(app)
    grading.register(app)
    drilling.register(app)
    cards.register(app)
    rep.register(app)
    reports.register(app)
    logs.register(app)
    team.register(app)
    db.register(app)


_register()


def main() -> None:
    """Console-script entry point."""
    app()
