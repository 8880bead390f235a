"""``repdrill grade``: try a typed answer against a card's key points."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from repdrill._text import visible
from repdrill.cli.context import repdrill_of
from repdrill.cli.options import CardArgument, JsonOption
from repdrill.cli.output import out_console, print_json

if TYPE_CHECKING:
    from repdrill.grading import GradeResult


def grade(
    ctx: typer.Context,
    card: CardArgument,
    answer: Annotated[
        str, typer.Option("--answer", "-a", help="The typed answer to grade.", show_default=False)
    ],
    as_json: JsonOption = False,
) -> None:
    """Grade a typed answer against a card's key points; record nothing.

    Shows each key point as hit or missed with the words that matched, the red
    flags said, the coverage and the suggested SM-2 grade (docs/grading.md).
    Deck authors use it to try a card's key points before shipping them.

    Example: repdrill grade price-too-high --answer "what does their quote include?"
    """
    result = repdrill_of(ctx).grade(card, answer)
    if as_json:
        print_json(result)
    else:
        _print_grading(result)


def _print_grading(result: GradeResult) -> None:
    from rich.text import Text

    console = out_console()
    grading = result.grading
    if grading is None:
        console.print(Text(f"{result.card.ref}: the answer is empty; nothing to grade."))
        return
    console.print(Text(result.card.ref, style="bold"))
    if grading.right is not None:
        card = result.card
        right = card.choices[card.correct] if card.correct is not None else ""
        verdict = "right" if grading.right else f"wrong; the right choice is {right}"
        console.print(Text(f"  picked: {grading.picked_text} ({verdict})"))
    for p in grading.points:
        line = Text("  ✓ " if p.hit else "  ✗ ", style="green" if p.hit else "red")
        line.append(visible(p.label))
        if p.hit:
            line.append(f"  (matched: {p.matched})", style="dim")
        elif p.negated:
            line.append(f"  (negated: {p.matched})", style="yellow")
        console.print(line)
    for flag in grading.red_flags:
        if flag.hit:
            console.print(
                Text(
                    f"  ⚠ red flag: {visible(flag.label)} (said: {visible(flag.matched or '')})",
                    style="bold red",
                )
            )
    if grading.right is not None:
        console.print(f"Suggested grade [bold]{grading.suggested_grade}[/]")
        return
    console.print(
        f"Coverage {grading.coverage:.0%} · suggested grade [bold]{grading.suggested_grade}[/]"
    )


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Decks")(grade)
