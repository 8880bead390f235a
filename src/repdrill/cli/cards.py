"""Commands that show a rep's standing and cards: ``status``, ``card show``, ``card list``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from repdrill._text import one_line, visible
from repdrill.cli.context import repdrill_of
from repdrill.cli.options import CardArgument, DeckOption, JsonOption, TagOption
from repdrill.cli.output import out_console, print_json

if TYPE_CHECKING:
    from repdrill.app import CardDetail, CardList


def status(
    ctx: typer.Context,
    deck: DeckOption = None,
    tag: TagOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show what is due today, per deck: due, new, mastered of active, next due date.

    Example: repdrill status --json
    """
    standing = repdrill_of(ctx).status(deck=deck, tag=tag)
    if as_json:
        print_json(standing)
    else:
        from repdrill._status_view import print_status

        print_status(standing, out_console())


card_app = typer.Typer(help="Look at cards: one card whole, or the ids to name them by.")


@card_app.command("show")
def card_show(ctx: typer.Context, card: CardArgument, as_json: JsonOption = False) -> None:
    """Show a card's current text, your SM-2 state for it, and every logged review.

    The history lists re-drills, cram and undos too, marked as such; the log is
    append-only, so an undone grade stays listed with "undone".

    Example: repdrill card show objection-handling/price-too-high --json
    """
    detail = repdrill_of(ctx).card(card)
    if as_json:
        print_json(detail)
    else:
        _print_card(detail)


@card_app.command("list")
def card_list(
    ctx: typer.Context,
    deck: DeckOption = None,
    tag: TagOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the active cards as deck/card, the names every other command accepts.

    Example: repdrill card list --tag competitor:acme
    """
    listing = repdrill_of(ctx).cards(deck=deck, tag=tag)
    if as_json:
        print_json(listing)
    else:
        _print_card_list(listing)


def _print_card(detail: CardDetail) -> None:
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    console = out_console()
    card, schedule = detail.card, detail.schedule
    meta = Text(" · ".join(x for x in [card.type or "", " ".join(card.tags)] if x))
    for flag, style, shown in (
        ("retired", "yellow", card.retired),
        ("mastered", "green", detail.mastered),
        ("leech", "red", detail.leech),
    ):
        if shown:
            meta.append(" · " if meta else "")
            meta.append(flag, style=style)
    console.print(Panel(Text(visible(card.prompt)), title=Text(card.ref), subtitle=meta or None))
    console.print(Panel(Text(visible(card.answer)), title="Model answer", border_style="green"))
    if schedule is None:
        console.print("No scheduling review yet: a new card.")
    else:
        state = schedule.state
        console.print(
            f"repetitions {state.repetitions} · easiness {float(state.easiness):.2f} · "
            f"interval {state.interval} d · due {schedule.due.isoformat()} · "
            f"lapses {schedule.lapses}"
        )
    if not detail.history:
        console.print("No reviews yet.")
        return
    table = Table("Date", "Kind", "Grade", "Suggested", "Note")
    for entry in detail.history:
        note = "undone" if entry.undone else (f"undoes {entry.undoes[:8]}" if entry.undoes else "")
        table.add_row(
            entry.review_date.isoformat(),
            entry.kind.value,
            "" if entry.grade is None else str(entry.grade),
            "" if entry.suggested_grade is None else str(entry.suggested_grade),
            note,
        )
    console.print(table)


def _print_card_list(listing: CardList) -> None:
    from rich.text import Text

    console = out_console()
    if not listing.cards:
        console.print("No active cards. Load decks with: repdrill load decks/")
        return
    # Card names are what the rep types next: never cut. The prompt takes what is left.
    ref_width = max(len(c.ref) for c in listing.cards)
    type_width = max(len(c.type or "") for c in listing.cards)
    header = Text(f"{'card':<{ref_width}}  {'type':<{type_width}}  prompt", style="bold")
    header.truncate(console.width, overflow="ellipsis")
    console.print(header)
    for card in listing.cards:
        prompt = one_line(" ".join(card.prompt.split()))
        line = Text(f"{card.ref:<{ref_width}}  {card.type or '':<{type_width}}  {prompt}")
        line.truncate(max(console.width, ref_width + 2), overflow="ellipsis")
        console.print(line, soft_wrap=True)
    console.print(f"{len(listing.cards)} card{'s' if len(listing.cards) != 1 else ''}")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Reps")(status)
    app.add_typer(card_app, name="card", rich_help_panel="Reps", no_args_is_help=True)
