"""A rep's own pacing: ``due`` (for a prompt), ``hold`` (time off), ``config`` (the budget)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer

from repdrill.cli.context import repdrill_of
from repdrill.cli.options import JsonOption, date_option
from repdrill.cli.output import out_console, print_json

if TYPE_CHECKING:
    from repdrill.app import Settings


def due(
    ctx: typer.Context,
    template: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="TEMPLATE",
            help="Print this instead, with {due}, {new} and {rep} filled in (always printed).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Print one short line for a shell prompt or a status bar: "3 due, 5 new".

    Nothing is printed when nothing is due and no new card waits, so a prompt
    stays clean. On SQLite it reads the database with the standard library
    alone and answers in a few milliseconds (see docs/commands.md for bash,
    zsh, fish and tmux). Always exits 0 when the database can be read.

    Example: repdrill due --format '{due}/{new}'
    """
    nudge = repdrill_of(ctx).due()
    if as_json:
        print_json(nudge)
        return
    try:
        line = nudge.line(template)
    except (KeyError, IndexError, ValueError):
        raise typer.BadParameter(
            "use {due}, {new} and {rep} in the template, e.g. '{due}/{new}'",
            param_hint="--format",
        ) from None
    if line:
        out_console().print(line, markup=False, highlight=False, soft_wrap=True)


def hold(
    ctx: typer.Context,
    until: Annotated[
        dt.date | None, date_option("--until", "Last day of the hold (you are back the day after).")
    ] = None,
    start: Annotated[
        dt.date | None, date_option("--from", "First day of the hold (default: today).")
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="End the hold now.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Pause for time off: nothing is due while you are on hold, and days met are kept.

    When the hold ends, the cards that fell due during it come back spread over
    the following days by your daily budget (most overdue first), and no interval
    is shortened. Without options, shows your hold.

    Example: repdrill hold --until 2026-08-21
    """
    rd = repdrill_of(ctx)
    if clear and (until or start):
        raise typer.BadParameter("--clear takes no dates", param_hint="--clear")
    if start and not until:
        raise typer.BadParameter("--from needs --until", param_hint="--from")
    if clear:
        status = rd.clear_hold()
    elif until is not None:
        status = rd.hold(until, start=start)
    else:
        from repdrill.app import HoldStatus

        status = HoldStatus(rd.user, rd.settings().hold)
    if as_json:
        print_json(status)
        return
    console = out_console()
    held = status.hold
    if held is None:
        console.print("Not on hold." if not clear else "Hold cleared: cards are due again.")
    elif held.covers(rd.today):
        console.print(
            f"On hold through {held.ends_on.isoformat()}: nothing is due; "
            "days on hold count as days met."
        )
    else:
        console.print(
            f"On hold from {held.starts_on.isoformat()} through {held.ends_on.isoformat()}."
        )


config_app = typer.Typer(help="Your own settings, kept in the database (they follow you).")


@config_app.command("list")
def config_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Show your settings.

    Example: repdrill config list
    """
    settings = repdrill_of(ctx).settings()
    if as_json:
        print_json(settings)
    else:
        _print_settings(settings)


@config_app.command("set")
def config_set(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="KEY", help="minutes: the daily drill budget.")],
    value: Annotated[str, typer.Argument(metavar="VALUE", help="The new value.")],
) -> None:
    """Change a setting: minutes, the daily time budget of a drill (1-600).

    Example: repdrill config set minutes 15
    """
    _check_key(key)
    if not value.isdigit():
        raise typer.BadParameter(f"minutes is a whole number, not {value!r}", param_hint="VALUE")
    _print_settings(repdrill_of(ctx).set_daily_minutes(int(value)))


@config_app.command("unset")
def config_unset(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="KEY", help="minutes")],
) -> None:
    """Go back to the default for a setting.

    Example: repdrill config unset minutes
    """
    _check_key(key)
    _print_settings(repdrill_of(ctx).set_daily_minutes(None))


def _check_key(key: str) -> None:
    if key != "minutes":
        raise typer.BadParameter(f"no setting {key!r}; settings: minutes", param_hint="KEY")


def _print_settings(settings: Settings) -> None:
    note = " (the default)" if settings.default else ""
    out_console().print(f"minutes = {settings.daily_minutes}{note}  daily drill budget")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Reps")(due)
    app.command(rich_help_panel="Reps")(hold)
    app.add_typer(config_app, name="config", rich_help_panel="Reps", no_args_is_help=True)
