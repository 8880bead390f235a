"""Options and arguments that several commands share, declared once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from repdrill import config
from repdrill.errors import RepdrillError


def parse_date(value: str | None) -> dt.date | None:
    """A ``YYYY-MM-DD`` option value; anything else is a usage error (exit 2)."""
    if value is None:
        return None
    try:
        return config.parse_today(value)
    except RepdrillError as error:
        raise typer.BadParameter(str(error)) from None


DeckOption = Annotated[
    list[str] | None,
    typer.Option("--deck", "-d", metavar="ID", help="Only this deck (repeat for more)."),
]
TagOption = Annotated[
    list[str] | None,
    typer.Option(
        "--tag", "-t", metavar="TAG", help="Only cards with this tag (repeat: cards with all)."
    ),
]
RepOption = Annotated[
    list[str] | None,
    typer.Option("--rep", "-r", metavar="NAME", help="Only this rep (repeat for more)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
CardArgument = Annotated[
    str, typer.Argument(metavar="CARD", help="deck/card, or a card id that only one deck uses.")
]


def date_option(flag: str, help: str) -> object:
    """A ``YYYY-MM-DD`` option, parsed into a date (or a usage error)."""
    return typer.Option(
        flag, metavar="YYYY-MM-DD", parser=parse_date, help=help, show_default=False
    )


SinceOption = Annotated[
    dt.date | None, date_option("--since", "Only reviews on or after this day.")
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", "-n", help="Show what would change; write nothing.")
]
PathsArgument = Annotated[
    list[Path],
    typer.Argument(
        exists=True,
        readable=True,
        metavar="PATH...",
        help="Deck files, or directories to search for *.yaml and *.yml.",
        show_default=False,
    ),
]
