"""The rep's daily commands: ``drill``, ``review`` and ``cram``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from repdrill.store.read import Scope

from repdrill.cli.cards import DeckOption, TagOption
from repdrill.cli.common import (
    EXIT_INTERRUPTED,
    app_context,
    check_scope,
    out_console,
    print_json,
    scope_of,
)

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
) -> None:
    """Drill what is due today: reviews first (most overdue first), then new cards.

    For each card: read the prompt, type your answer (or press Enter to answer in
    your head), compare with the model answer, and grade yourself 0-5. A card
    graded below 4 comes back later in the session. Each grade is saved before
    the next card appears; "u" undoes the previous grade, "q" or Ctrl-D stops.

    Example: repdrill drill decks/
    """
    scope = scope_of(deck, tag)
    if paths:
        scope = _load_first(ctx, paths, scope)
    check_scope(ctx, scope)
    _run_session(ctx, scope=scope, new=new, limit=limit, cram=False)


def _load_first(ctx: typer.Context, paths: list[Path], scope: Scope) -> Scope:
    from repdrill.cli.decks import print_load
    from repdrill.store.load import load
    from repdrill.store.read import Scope

    state = app_context(ctx)
    result = load(state.database(), paths, now=state.clock().now())
    print_load(result, quiet_if_unchanged=True)
    loaded = tuple(result.deck_ids)
    decks = tuple(d for d in loaded if d in scope.decks) if scope.decks else loaded
    if scope.decks and not decks:
        from repdrill.errors import RepdrillError

        raise RepdrillError(
            f"--deck {', '.join(scope.decks)} is not among the decks in the given paths "
            f"({', '.join(loaded)})"
        )
    return Scope(decks=decks, tags=scope.tags)


def _run_session(
    ctx: typer.Context, *, scope: Scope, new: int | None, limit: int | None, cram: bool
) -> None:
    from repdrill.cli.terminal import TerminalIO
    from repdrill.drill import DrillSession
    from repdrill.grading import grade_answer

    state = app_context(ctx)
    session = DrillSession(
        db=state.database(),
        rep_name=state.rep(),
        clock=state.clock(),
        scope=scope,
        new_cards=new,
        limit=limit,
        cram=cram,
        grader=grade_answer,
    )
    summary = session.run(TerminalIO(out_console()))
    if summary.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)


def cram(
    ctx: typer.Context,
    deck: DeckOption = None,
    tag: TagOption = None,
    limit: LimitOption = None,
) -> None:
    """Practise a subset before a call, without touching your schedule.

    Every active card in the selection is shown, in deck order; grades are logged
    as cram and never change SM-2 state or due dates.

    Example: repdrill cram --tag competitor:acme
    """
    scope = scope_of(deck, tag)
    check_scope(ctx, scope)
    _run_session(ctx, scope=scope, new=None, limit=limit, cram=True)


def review(
    ctx: typer.Context,
    card: Annotated[
        str, typer.Argument(metavar="CARD", help="deck/card, or a card id only one deck uses.")
    ],
    grade: Annotated[
        int,
        typer.Option(
            "--grade", "-g", min=0, max=5, help="SM-2 grade, 0 (blackout) to 5 (perfect)."
        ),
    ],
    answer: Annotated[
        str | None, typer.Option("--answer", "-a", help="The answer you gave, to keep in the log.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Record one review without the interactive drill, exactly as the drill would.

    The day's first grade of a card schedules it; a second one the same day is
    logged as a re-drill and changes nothing.

    Example: repdrill review objection-handling/price-too-high --grade 4
    """
    from repdrill.errors import RepdrillError
    from repdrill.grading import grade_answer
    from repdrill.store import read as store
    from repdrill.store.record import record_grade

    state = app_context(ctx)
    db = state.database()
    clock = state.clock()
    with db.session(write=True) as session:
        view = store.find_card(session, card)
        if view.retired:
            raise RepdrillError(f"{view.ref} is retired; it is no longer drilled")
        rep = store.ensure_rep(session, state.rep(), clock.now())
        grading = grade_answer(view, answer) if answer else None
        recorded = record_grade(
            session,
            rep=rep,
            card=view,
            grade=grade,
            clock=clock,
            answer=answer,
            suggested_grade=grading.suggested_grade if grading else None,
            points_hit=grading.points_hit if grading else (),
        )
    after = recorded.after
    if as_json:
        print_json(
            {
                "card": view.ref,
                "id": recorded.uuid,
                "kind": recorded.kind,
                "grade": recorded.grade,
                "suggested_grade": grading.suggested_grade if grading else None,
                "repetitions": after.state.repetitions if after else 0,
                "easiness": float(after.state.easiness) if after else 2.5,
                "interval": after.state.interval if after else 0,
                "due": after.due if after else None,
                "mastered": recorded.newly_mastered
                or bool(after and after.state.interval >= view.min_interval_days),
            }
        )
        return
    console = out_console()
    if recorded.kind == "redrill":
        console.print(
            f"Logged a re-drill of {view.ref} (grade {grade}); "
            "today's first grade already set its schedule."
        )
    elif after is not None:
        console.print(
            f"Recorded {view.ref}: grade {grade}. Next review {after.due.isoformat()} "
            f"(interval {after.state.interval} d, easiness {float(after.state.easiness):.2f})."
        )
    if recorded.newly_mastered:
        console.print("[bold green]Mastered![/]")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Reps")(drill)
    app.command(rich_help_panel="Reps")(review)
    app.command(rich_help_panel="Reps")(cram)
