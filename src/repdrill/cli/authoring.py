"""Commands for deck authors trying their cards: ``grade`` and ``deck health``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from repdrill.cli.cards import DeckOption
from repdrill.cli.common import app_context, out_console, parse_today_option, print_json
from repdrill.errors import InvalidInput, RepdrillError

if TYPE_CHECKING:
    from repdrill.grading import Grading
    from repdrill.reports.health import DeckHealth


def grade(
    ctx: typer.Context,
    card: Annotated[
        str, typer.Argument(metavar="CARD", help="deck/card, or a card id only one deck uses.")
    ],
    answer: Annotated[
        str, typer.Option("--answer", "-a", help="The typed answer to grade.", show_default=False)
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Grade a typed answer against a card's key points; record nothing.

    Shows each key point as hit or missed with the words that matched, the red
    flags said, the coverage and the suggested SM-2 grade (docs/grading.md).
    Deck authors use it to try a card's key points before shipping them.

    Example: repdrill grade price-too-high --answer "what does their quote include?"
    """
    from repdrill.grading import grade_answer
    from repdrill.store import read as store

    db = app_context(ctx).database()
    with db.session() as session:
        view = store.find_card(session, card)
    if not view.key_points:
        raise RepdrillError(f"{view.ref} has no key_points to grade against")
    grading = grade_answer(view, answer)
    if as_json:
        print_json(grading_json(view.ref, grading))
        return
    _print_grading(view.ref, grading)


def grading_json(ref: str, grading: Grading | None) -> dict[str, Any]:
    def point(p: Any) -> dict[str, Any]:
        return {
            "point": list(p.alternatives),
            "hit": p.hit,
            "matched": p.matched if p.hit else None,
            "negated": p.negated,
        }

    if grading is None:
        return {
            "card": ref,
            "suggested_grade": None,
            "coverage": 0.0,
            "points": [],
            "red_flags": [],
        }
    return {
        "card": ref,
        "suggested_grade": grading.suggested_grade,
        "coverage": round(grading.coverage, 3),
        "points": [point(p) for p in grading.points],
        "red_flags": [point(f) for f in grading.red_flags],
    }


def _print_grading(ref: str, grading: Grading | None) -> None:
    from rich.text import Text

    console = out_console()
    if grading is None:
        console.print(f"{ref}: the answer is empty; nothing to grade.")
        return
    console.print(Text(ref, style="bold"))
    for p in grading.points:
        line = Text("  ✓ " if p.hit else "  ✗ ", style="green" if p.hit else "red")
        line.append(p.label)
        if p.hit:
            line.append(f"  (matched: {p.matched})", style="dim")
        elif p.negated:
            line.append(f"  (negated: {p.matched})", style="yellow")
        console.print(line)
    for flag in grading.red_flags:
        if flag.hit:
            console.print(
                Text(f"  ⚠ red flag: {flag.label} (said: {flag.matched})", style="bold red")
            )
    console.print(
        f"Coverage {grading.coverage:.0%} · suggested grade [bold]{grading.suggested_grade}[/]"
    )


deck_app = typer.Typer(help="Look after decks: their health across the team.", no_args_is_help=True)


@deck_app.command("health")
def deck_health_command(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            exists=True,
            metavar="[PATH...]",
            help="Deck files or directories: report on the decks they define.",
            show_default=False,
        ),
    ] = None,
    deck: DeckOption = None,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="YYYY-MM-DD", help="Only reviews from this day on."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows per list.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show deck authors where a deck fails the team.

    The cards the team fails most (lapse rate, and reps for whom a card has
    become a leech after 8 lapses), the key points typed answers miss most, and
    the cards nobody has reviewed yet.

    Example: repdrill deck health decks/objection-handling.yaml
    """
    from repdrill.reports.health import deck_health

    names = list(deck or [])
    if paths:
        from repdrill.decks.parse import validate

        checked = validate(paths)
        if checked.problems:
            raise InvalidInput(checked.problems)
        names += [d.id for d in checked.decks]
    state = app_context(ctx)
    db = state.database()
    with db.session() as session:
        if names:
            from repdrill.store.read import Scope, scope_problems

            problem = scope_problems(session, Scope(decks=tuple(names)))
            if problem:
                raise RepdrillError(problem)
        report = deck_health(
            session, names, today=state.clock().today, since=parse_today_option(since), limit=limit
        )
    if as_json:
        print_json([_health_json(h) for h in report])
        return
    for health in report:
        _print_health(health)


@deck_app.command("retire")
def deck_retire(
    ctx: typer.Context,
    deck: Annotated[str, typer.Argument(metavar="ID", help="The deck id to retire.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", "-n", help="Show what would be retired; write nothing.")
    ] = False,
) -> None:
    """Retire every card of a deck that was dropped or renamed; nothing is deleted.

    Loading only retires cards of the decks it names, so a deck whose file was
    deleted, or whose id changed, stays drilled until it is retired here. Its
    cards keep their history and still show in reports; loading the deck again
    revives them.

    Example: repdrill deck retire old-pricing --dry-run
    """
    from repdrill.store.load import retire_deck

    state = app_context(ctx)
    retired = retire_deck(state.database(), deck, now=state.clock().now(), dry_run=dry_run)
    verb = "Would retire" if dry_run else "Retired"
    out_console().print(
        f"{verb} {len(retired)} card{'s' if len(retired) != 1 else ''} of {deck}"
        + (". Dry run: nothing was written." if dry_run else "."),
        soft_wrap=True,
    )


def _health_json(h: DeckHealth) -> dict[str, Any]:
    return {
        "deck": h.deck,
        "title": h.title,
        "active_cards": h.active,
        "reviewed_cards": h.reviewed,
        "failing_cards": [
            {
                "card": f.card,
                "reviews": f.reviews,
                "lapses": f.lapses,
                "lapse_percent": round(f.lapse_percent, 1),
                "reps": f.reps,
                "leech_for_reps": h.leeches.get(f.card, 0),
                "prompt": f.prompt,
            }
            for f in h.failing
        ],
        "leeches": h.leeches,
        "missed_points": [
            {
                "card": m.card,
                "key_point": m.point,
                "attempts": m.attempts,
                "misses": m.misses,
                "miss_percent": round(m.miss_percent, 1),
            }
            for m in h.missed_points
        ],
        "unreviewed_cards": h.unreviewed,
    }


def _print_health(h: DeckHealth) -> None:
    from rich.table import Table
    from rich.text import Text

    from repdrill.cli.render import missed_points_table

    console = out_console()
    console.print(
        f"\n[bold]{h.deck}[/] · {h.title} · {h.reviewed} of {h.active} active cards reviewed"
    )
    if h.failing:
        table = Table(title="Cards the team fails most", title_justify="left")
        for column in ("card", "lapse rate", "reviews", "reps", "leech for", "prompt"):
            table.add_column(column, justify="left" if column in ("card", "prompt") else "right")
        for f in h.failing:
            table.add_row(
                f.card,
                f"{f.lapse_percent:.0f}%",
                str(f.reviews),
                str(f.reps),
                str(h.leeches.get(f.card, 0)),
                Text(f.prompt),
            )
        console.print(table)
    else:
        console.print("No card has lapsed often enough to rank yet.")
    if h.missed_points:
        title = "Key points missed most in typed answers"
        console.print(missed_points_table(h.missed_points, title, deck=False))
    if h.unreviewed:
        cards = ", ".join(h.unreviewed)
        console.print(f"Never reviewed ({len(h.unreviewed)}): {cards}", soft_wrap=True)
    else:
        console.print("Every active card has been reviewed at least once.")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Decks")(grade)
    app.add_typer(deck_app, name="deck", rich_help_panel="Decks")
