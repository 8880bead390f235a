"""The drill on a terminal: Rich panels for cards, line input for answers and grades.

The same class serves a terminal and a pipe: it reads one line per prompt,
so a scripted session feeds the answer, then the grade, line by line; end of
input ends the session with every grade so far kept.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from repdrill.drill import DrillAction, GradeChoice, QueueItem, QueueKind, Summary
from repdrill.grading import Grading, point_label
from repdrill.schedule.replay import ReviewKind
from repdrill.schedule.rules import is_correct, needs_redrill
from repdrill.schedule.sm2 import GRADE_MEANINGS

if TYPE_CHECKING:
    from repdrill.cards import CardView
    from repdrill.store.record import Recorded

_KIND_LABEL = {
    QueueKind.REVIEW: "review",
    QueueKind.NEW: "new card",
    QueueKind.REDRILL: "again",
    QueueKind.CRAM: "cram",
}


class TerminalIO:
    """A :class:`~repdrill.drill.DrillIO` on a Rich console."""

    def __init__(self, console: Console, *, echo: bool | None = None, rep: str = "") -> None:
        self.console = console
        #: The rep drilling: multiple-choice cards show their choices in this rep's order.
        self.rep = rep
        self._choices: tuple[tuple[str, str], ...] = ()
        self._shown_scale = False
        # Piped input is not echoed by a terminal: echo it so a transcript reads well.
        self._echo = (not sys.stdin.isatty()) if echo is None else echo

    # -- reading -------------------------------------------------------------
    def _read(self, prompt: str) -> str | None:
        try:
            line = self.console.input(prompt)
        except EOFError:
            self.console.print()
            return None
        if self._echo:
            self.console.print(line, markup=False, highlight=False)
        return line

    def read_answer(self) -> str | None:
        if self._choices:
            letters = f"{self._choices[0][0]}-{self._choices[-1][0]}"
            return self._read(f"[bold]Your choice[/] ({letters}, or Enter to skip): ")
        return self._read("[bold]Your answer[/] (or Enter to answer in your head): ")

    def read_grade(self, *, can_undo: bool, suggested: int | None) -> GradeChoice | None:
        if not self._shown_scale:
            self._print_scale()
        hints = ["0-5"]
        if suggested is not None:
            hints.append(f"Enter = {suggested}")
        if can_undo:
            hints.append("u = undo previous")
        hints.append("q = stop")
        prompt = f"[bold]Grade[/] ({', '.join(hints)}): "
        while True:
            line = self._read(prompt)
            if line is None:
                return None
            choice = line.strip().lower()
            if choice == "" and suggested is not None:
                return suggested
            if choice in {"q", "quit"}:
                return None
            if choice in {"u", "undo"}:
                if can_undo:
                    return DrillAction.UNDO
                self.console.print("[yellow]Nothing to undo yet in this session.[/]")
                continue
            if choice in {"?", "h", "help"}:
                self._print_scale()
                continue
            if choice.isdigit() and int(choice) in GRADE_MEANINGS:
                return int(choice)
            self.console.print(
                f"[yellow]'{line.strip()}' is not a grade.[/] Type a number from 0 to 5"
                + (", u to undo" if can_undo else "")
                + " or q to stop (? shows the scale)."
            )

    def _print_scale(self) -> None:
        self._shown_scale = True
        lines = Text()
        for grade in sorted(GRADE_MEANINGS, reverse=True):
            style = "green" if is_correct(grade) else "red"
            lines.append(f"  {grade}", style=f"bold {style}")
            lines.append(f"  {GRADE_MEANINGS[grade]}\n")
        self.console.print(lines, end="")

    # -- showing -------------------------------------------------------------
    def nothing_due(self, next_due: dt.date | None, today: dt.date) -> None:
        if next_due is None:
            self.console.print("[green]Nothing due and no new cards left today.[/] Well done.")
        else:
            self.console.print(
                f"[green]Nothing due today.[/] The next card is due on "
                f"[bold]{next_due.isoformat()}[/] ({_days_from(today, next_due)})."
            )

    def show_prompt(self, item: QueueItem, position: int, total: int) -> None:
        card = item.card
        details = Text(" · ".join(x for x in [card.ref, card.type, " ".join(card.tags)] if x))
        details.stylize("dim")
        self._choices = choice_lines(card, self.rep)
        options = [Text(f"  {letter}) {text}") for letter, text in self._choices]
        self.console.print()
        self.console.print(
            Panel(
                Group(Text(card.prompt), *options, details),
                title=f"[bold]Card {position} of {total}[/] · {_KIND_LABEL[item.kind]}",
                border_style="yellow" if item.kind is QueueKind.REDRILL else "cyan",
            )
        )

    def show_answer(self, item: QueueItem, answer: str, grading: Grading | None) -> None:
        card = item.card
        parts: list[Text | str] = [Text(card.answer)]
        if card.choices:
            parts.extend(_choice_result(card, grading))
        if card.key_points:
            parts.append(Text("\nKey points", style="bold"))
            parts.extend(_points(card.key_points, grading))
        if grading is not None:
            parts.extend(_grading_lines(grading))
        if card.explanation:
            parts.append(Text("\nWhy it works", style="bold"))
            parts.append(Text(card.explanation))
        if card.source:
            parts.append(Text(f"\nSource: {card.source}", style="dim"))
        self.console.print(Panel(Group(*parts), title="Model answer", border_style="green"))

    def show_recorded(self, recorded: Recorded) -> None:
        if recorded.kind is ReviewKind.CRAM:
            self.console.print("[dim]Saved as cram practice; your schedule is unchanged.[/]")
        elif recorded.kind is ReviewKind.REDRILL:
            self.console.print(
                "[dim]Saved as a re-drill; the schedule was set by today's first grade.[/]"
            )
        elif recorded.after is not None:
            days = recorded.after.state.interval
            when = "tomorrow" if days == 1 else f"in {days} days"
            self.console.print(
                f"[dim]Saved. Next review {when} ({recorded.after.due.isoformat()}).[/]"
            )
        if recorded.newly_mastered:
            self.console.print(
                "[bold green]Mastered![/] This card now comes back only every few weeks."
            )
        elif recorded.lost_mastery:
            self.console.print("[yellow]This one slipped; it will come back tomorrow.[/]")
        if needs_redrill(recorded.grade):
            self.console.print("[dim]It will come back later in this session.[/]")

    def show_undone(self, item: QueueItem) -> None:
        self.console.print(f"[yellow]Undone:[/] the grade of {item.card.ref}. Grade it again.")

    def show_summary(self, summary: Summary) -> None:
        lines = Text()
        if summary.interrupted:
            lines.append("Stopped. Every grade given is saved.\n", style="yellow")
        lines.append(f"Cards drilled: {summary.cards}")
        if summary.grades != summary.cards:
            lines.append(f" ({summary.grades} grades with re-drills)")
        lines.append("\n")
        if summary.correct_share is not None:
            lines.append(f"Correct first time: {summary.correct_share:.0%}\n")
        if summary.newly_mastered:
            lines.append(f"Newly mastered: {summary.newly_mastered}\n", style="bold green")
        for deck in summary.decks:
            lines.append(
                f"{deck.deck}: {deck.mastered}/{deck.active_cards} mastered "
                f"({deck.mastery_percent:.0f}%)\n"
            )
        if not summary.cram:
            lines.append(f"Due tomorrow: {summary.due_tomorrow}\n")
        lines.append(
            f"Days met in the last {summary.days_window}: {summary.days_met}",
            style="bold",
        )
        title = "Cram done" if summary.cram else "Session done"
        self.console.print()
        self.console.print(Panel(lines, title=title, border_style="magenta"))


def _points(points: tuple[tuple[str, ...], ...], grading: Grading | None) -> list[Text]:
    lines = []
    for index, alternatives in enumerate(points):
        label = point_label(alternatives)
        if grading is None:
            lines.append(Text(f"  • {label}"))
            continue
        point = grading.points[index]
        if point.hit:
            line = Text("  ✓ ", style="green")
            line.append(label)
            line.append(f"  (matched: {point.matched})", style="dim")
        else:
            line = Text("  ✗ ", style="red")
            line.append(label)
            if point.negated:
                line.append(f"  (negated: {point.matched})", style="yellow")
        lines.append(line)
    return lines


def choice_lines(card: CardView, rep: str) -> tuple[tuple[str, str], ...]:
    """(letter, choice) in the order this rep sees a multiple-choice card's choices."""
    from repdrill.choices import lettered

    return tuple((letter, card.choices[index]) for letter, index in lettered(card, rep))


def _choice_result(card: CardView, grading: Grading | None) -> list[Text]:
    right = card.choices[card.correct] if card.correct is not None else ""
    lines = []
    if grading is None or grading.picked is None:
        lines.append(Text(f"\nThe right choice: {right}", style="bold"))
    elif grading.right:
        lines.append(Text(f"\n✓ {grading.picked_text}: right", style="bold green"))
    else:
        lines.append(
            Text(f"\n✗ {grading.picked_text}: the right choice is {right}", style="bold red")
        )
    whys = card.why or (None,) * len(card.choices)
    picked = grading.picked if grading else None
    for index in dict.fromkeys(i for i in (picked, card.correct) if i is not None):
        if whys[index]:
            lines.append(Text(f"  {card.choices[index]}: {whys[index]}"))
    return lines


def _grading_lines(grading: Grading) -> list[Text]:
    lines = []
    for flag in grading.red_flags_hit:
        lines.append(Text(f"  ⚠ red flag: {flag}", style="bold red"))
    label = Text("\nSuggested grade: ", style="bold")
    label.append(str(grading.suggested_grade), style="bold cyan")
    if grading.right is None:
        label.append(f"  (key points covered: {grading.coverage:.0%})")
    lines.append(label)
    return lines


def _days_from(today: dt.date, day: dt.date) -> str:
    delta = (day - today).days
    if delta == 1:
        return "tomorrow"
    return f"in {delta} days" if delta > 1 else day.isoformat()
