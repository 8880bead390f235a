"""Commands that show a rep's standing: ``status`` and ``card show``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import typer

from repdrill.cli.common import app_context, check_scope, out_console, print_json, scope_of

if TYPE_CHECKING:
    from repdrill.store.queue import DeckProgress

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
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def status(
    ctx: typer.Context,
    deck: DeckOption = None,
    tag: TagOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show what is due today, per deck: due, new, mastered of active, next due date.

    Example: repdrill status --json
    """
    from repdrill.store import read as store
    from repdrill.store.queue import deck_progress

    state = app_context(ctx)
    rep_name = state.rep()
    today = state.clock().today
    scope = scope_of(deck, tag)
    if deck or tag:
        check_scope(ctx, scope)
    db = state.database()
    with db.session() as session:
        rep = store.rep_id(session, rep_name)
        decks = deck_progress(session, rep, today, scope)
        met = store.days_met(session, rep, today)
    if as_json:
        print_json(
            {
                "rep": rep_name,
                "today": today,
                "days_met": met,
                "days_met_window": store.DAYS_MET_WINDOW,
                "decks": [_progress_json(p) for p in decks],
            }
        )
        return
    _print_status(rep_name, today, decks, met, store.DAYS_MET_WINDOW)


def _progress_json(p: DeckProgress) -> dict[str, object]:
    return {
        "deck": p.deck,
        "title": p.title,
        "due": p.due,
        "overdue": p.overdue,
        "new_available": p.new_available,
        "unseen": p.unseen,
        "mastered": p.mastered,
        "active": p.active,
        "retired": p.retired,
        "mastery_percent": round(p.mastery_percent, 1),
        "leeches": p.leeches,
        "next_due": p.next_due,
    }


def _print_status(
    rep: str, today: dt.date, decks: list[DeckProgress], met: int, window: int
) -> None:
    from rich.table import Table

    console = out_console()
    if not decks:
        console.print("No decks loaded yet. Load some with: repdrill load decks/")
        return
    table = Table(title=f"{rep} · {today.isoformat()}", title_justify="left")
    table.add_column("Deck")
    table.add_column("Due", justify="right")
    table.add_column("New", justify="right")
    table.add_column("Mastered", justify="right")
    table.add_column("Leeches", justify="right")
    table.add_column("Next due")
    for p in decks:
        due = f"[bold yellow]{p.due}[/]" if p.due else "0"
        if p.overdue:
            due += f" ({p.overdue} overdue)"
        table.add_row(
            p.deck,
            due,
            str(p.new_available),
            f"{p.mastered}/{p.active} ({p.mastery_percent:.0f}%)",
            f"[red]{p.leeches}[/]" if p.leeches else "0",
            "now" if p.due else (p.next_due.isoformat() if p.next_due else "-"),
        )
    console.print(table)
    console.print(f"Days met in the last {window}: [bold]{met}[/]")
    if any(p.due or p.new_available for p in decks):
        console.print("Drill now: [bold]repdrill drill[/]")


card_app = typer.Typer(help="Look at one card.", no_args_is_help=True)


@card_app.command("show")
def card_show(
    ctx: typer.Context,
    card: Annotated[
        str, typer.Argument(metavar="CARD", help="deck/card, or a card id that only one deck uses.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a card's current text, your SM-2 state for it, and every logged review.

    The history lists re-drills, cram and undos too, marked as such; the log is
    append-only, so an undone grade stays listed with "undone".

    Example: repdrill card show objection-handling/price-too-high --json
    """
    from repdrill.schedule.rules import is_mastered
    from repdrill.schedule.sm2 import SM2State
    from repdrill.store import read as store

    state = app_context(ctx)
    rep_name = state.rep()
    db = state.database()
    with db.session() as session:
        view = store.find_card(session, card)
        rep = store.rep_id(session, rep_name)
        schedule = store.schedule_of(session, rep, view.card_id)
        history = store.history(session, rep, view.card_id)
    sm2 = schedule.state if schedule else SM2State()
    data = {
        "card": view.ref,
        "deck": view.deck,
        "id": view.slug,
        "type": view.type,
        "tags": list(view.tags),
        "prompt": view.prompt,
        "answer": view.answer,
        "key_points": [list(p) for p in view.key_points],
        "red_flags": [list(p) for p in view.red_flags],
        "explanation": view.explanation,
        "source": view.source,
        "content_hash": view.content_hash,
        "rep": rep_name,
        "repetitions": sm2.repetitions,
        "easiness": float(sm2.easiness),
        "interval": sm2.interval,
        "due": schedule.due if schedule else None,
        "last_review": schedule.last_review_date if schedule else None,
        "mastered": is_mastered(sm2.interval if schedule else None, view.min_interval_days),
        "retired": view.retired,
        "lapses": schedule.lapses if schedule else 0,
        "leech": bool(schedule and schedule.lapses >= store.LEECH_LAPSES),
        "history": [
            {
                "id": h.uuid,
                "kind": h.kind,
                "grade": h.grade,
                "suggested_grade": h.suggested_grade,
                "review_date": h.review_date,
                "reviewed_at": h.reviewed_at,
                "card_hash": h.card_hash,
                "answer": h.answer,
                "redrill": h.kind == "redrill",
                "undo": h.kind == "undo",
                "undoes": h.undoes,
                "undone": h.undone,
            }
            for h in history
        ],
    }
    if as_json:
        print_json(data)
        return
    _print_card(data)


def _print_card(data: dict[str, Any]) -> None:
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    console = out_console()
    flags = []
    if data["retired"]:
        flags.append("[yellow]retired[/]")
    if data["mastered"]:
        flags.append("[green]mastered[/]")
    if data["leech"]:
        flags.append("[red]leech[/]")
    meta = " · ".join(str(x) for x in [data["type"], " ".join(data["tags"]), *flags] if x)
    console.print(Panel(Text(data["prompt"]), title=str(data["card"]), subtitle=meta or None))
    console.print(Panel(Text(data["answer"]), title="Model answer", border_style="green"))
    console.print(
        f"repetitions {data['repetitions']} · easiness {data['easiness']:.2f} · "
        f"interval {data['interval']} d · due {data['due'] or 'new card'} · lapses {data['lapses']}"
    )
    history = data["history"]
    if not history:
        console.print("No reviews yet.")
        return
    table = Table("Date", "Kind", "Grade", "Suggested", "Note")
    for h in history:
        note = "undone" if h["undone"] else (f"undoes {h['undoes'][:8]}" if h["undoes"] else "")
        table.add_row(
            h["review_date"].isoformat(),
            h["kind"],
            "" if h["grade"] is None else str(h["grade"]),
            "" if h["suggested_grade"] is None else str(h["suggested_grade"]),
            note,
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Reps")(status)
    app.add_typer(card_app, name="card", rich_help_panel="Reps")
