"""The rep's daily commands: ``drill``, ``review`` and ``cram``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from repdrill.cli.context import repdrill_of
from repdrill.cli.options import CardArgument, DeckOption, JsonOption, TagOption
from repdrill.cli.output import EXIT_INTERRUPTED, out_console, print_json

if TYPE_CHECKING:
    from repdrill.app import Repdrill

OptionalPaths = Annotated[
    list[Path] | None,
    typer.Argument(
        exists=True,
        readable=True,
        metavar="PATH...",
        help="Deck files or directories to load first; the drill then covers those decks.",
        show_default=False,
    ),
]
LimitOption = Annotated[
    int | None,
    typer.Option("--limit", min=1, metavar="N", help="Take at most N cards at the start."),
]
MinutesOption = Annotated[
    int | None,
    typer.Option(
        "--minutes",
        "-m",
        min=1,
        max=600,
        metavar="N",
        help="Time budget for this session in minutes (default: yours, see 'config').",
    ),
]


def drill(
    ctx: typer.Context,
    paths: OptionalPaths = None,
    deck: DeckOption = None,
    tag: TagOption = None,
    new: Annotated[
        int | None,
        typer.Option(
            "--new",
            min=0,
            metavar="N",
            help="New cards for this session in all (replaces each deck's new_per_day).",
        ),
    ] = None,
    limit: LimitOption = None,
    minutes: MinutesOption = None,
) -> None:
    """Drill what is due today, cut to your daily time budget (10 minutes unless set).

    Reviews come first (most overdue first), then new cards while the budget
    allows; reviews that do not fit wait for tomorrow. For each card: read the
    prompt, type your answer (or press Enter to answer in your head), compare
    with the model answer, and grade yourself 0-5. A card graded below 4 comes
    back later in the session. Each grade is saved before the next card
    appears; "e" shows the whole answer, "u" undoes the previous grade, "q" or
    Ctrl-D stops.

    Example: repdrill drill decks/ --minutes 15
    """
    rd = repdrill_of(ctx)
    decks = _load_first(rd, paths, deck) if paths else deck
    _run(rd, deck=decks, tag=tag, new=new, limit=limit, minutes=minutes)


def _load_first(rd: Repdrill, paths: list[Path], wanted: list[str] | None) -> list[str]:
    """Load the decks in ``paths`` (reporting changes only), and drill just those."""
    from repdrill.cli.decks import print_load
    from repdrill.errors import RepdrillError

    result = rd.load(paths)
    print_load(result, quiet_if_unchanged=True)
    loaded = list(result.deck_ids)
    if not wanted:
        return loaded
    decks = [d for d in loaded if d in wanted]
    if not decks:
        raise RepdrillError(
            f"--deck {', '.join(wanted)} is not among the decks in the given paths "
            f"({', '.join(loaded)})"
        )
    return decks


def _run(rd: Repdrill, *, prep: bool = False, **options: Any) -> None:
    from repdrill.cli.terminal import TerminalIO

    io = TerminalIO(out_console(), rep=rd.user)
    summary = rd.prep(io, **options) if prep else rd.drill(io, **options)
    if summary.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)


def cram(
    ctx: typer.Context,
    deck: DeckOption = None,
    tag: TagOption = None,
    limit: LimitOption = None,
) -> None:
    """Practise a subset, without touching your schedule.

    Every active card in the selection is shown, in deck order (due or not, new
    or not); a card graded below 4 comes back later in the session, as in the
    drill. Grades are logged as cram and never change SM-2 state or due dates.
    To practise your weakest cards first within a time budget, use prep.

    Example: repdrill cram --tag competitor:acme
    """
    _run(repdrill_of(ctx), deck=deck, tag=tag, limit=limit, cram=True)


def prep(
    ctx: typer.Context,
    tag: TagOption = None,
    deck: DeckOption = None,
    minutes: MinutesOption = None,
) -> None:
    """Prepare for a meeting: the cards it needs, your weakest first, in a few minutes.

    Lapsed and failed cards come first, then cards you find hard (low easiness),
    then cards whose key points you have missed, then cards you have never seen.
    Grades are logged as cram: your schedule is untouched. The session ends with
    the key points you missed, to remember.

    Example: repdrill prep --tag competitor:acme --tag persona:cfo --minutes 10
    """
    _run(repdrill_of(ctx), prep=True, deck=deck, tag=tag, minutes=minutes)


def review(
    ctx: typer.Context,
    card: CardArgument,
    grade: Annotated[
        int,
        typer.Option(
            "--grade", "-g", min=0, max=5, help="SM-2 grade, 0 (blackout) to 5 (perfect)."
        ),
    ],
    answer: Annotated[
        str | None, typer.Option("--answer", "-a", help="The answer you gave, to keep in the log.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record one review without the interactive drill, exactly as the drill would.

    The day's first grade of a card schedules it; a second one the same day is
    logged as a re-drill and changes nothing.

    Example: repdrill review objection-handling/price-too-high --grade 4
    """
    from repdrill.schedule.replay import ReviewKind

    recorded = repdrill_of(ctx).review(card, grade, answer=answer)
    if as_json:
        print_json(recorded)
        return
    console = out_console()
    ref = recorded.card.ref
    if recorded.kind is ReviewKind.REDRILL:
        console.print(
            f"Logged a re-drill of {ref} (grade {grade}); "
            "today's first grade already set its schedule.",
            markup=False,
        )
    elif recorded.due is not None:
        console.print(
            f"Recorded {ref}: grade {grade}. Next review {recorded.due.isoformat()} "
            f"(interval {recorded.interval} d, easiness {recorded.easiness:.2f}).",
            markup=False,
        )
    if recorded.newly_mastered:
        console.print("[bold green]Mastered![/]")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Reps")(drill)
    app.command(rich_help_panel="Reps")(review)
    app.command(rich_help_panel="Reps")(cram)
    app.command(rich_help_panel="Reps")(prep)
