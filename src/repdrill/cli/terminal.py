"""The drill on a terminal: Rich panels for cards, line input for answers and grades.

The same class serves a terminal and a pipe: it reads one line per prompt,
so a scripted session feeds the answer, then the grade, line by line; end of
input ends the session with every grade so far kept.

When the whole card would not fit the terminal (an 80x24 window) the layout
is compact: each card starts on a fresh screen, and after the answer the rep's
own words, the start of the model answer, every key point hit or missed and
the grade prompt fit on one screen together; ``e`` shows the whole answer and
why it works. When it fits (a tall terminal), everything is shown at once.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from repdrill._text import visible
from repdrill.cli.revised import revised_lines, revised_mark
from repdrill.drill import DrillAction, GradeChoice, QueueItem, QueueKind, SessionPlan, Summary
from repdrill.grading import Grading, point_label
from repdrill.schedule.replay import ReviewKind
from repdrill.schedule.rules import is_correct, needs_redrill
from repdrill.schedule.sm2 import GRADE_MEANINGS

if TYPE_CHECKING:
    from repdrill.cards import CardView
    from repdrill.standing import Hold
    from repdrill.store.record import Recorded

_KIND_LABEL = {
    QueueKind.REVIEW: "review",
    QueueKind.NEW: "new card",
    QueueKind.REDRILL: "again",
    QueueKind.CRAM: "practice",
}
#: Lines the compact answer screen needs besides the model answer's own lines.
_COMPACT_FIXED = 14
#: Lines around the panels of the full layout: the answer line, prompt and margins.
_FULL_EXTRA = 6


class TerminalIO:
    """A :class:`~repdrill.drill.DrillIO` on a Rich console."""

    def __init__(self, console: Console, *, echo: bool | None = None, rep: str = "") -> None:
        self.console = console
        #: The rep drilling: multiple-choice cards show their choices in this rep's order.
        self.rep = rep
        self._choices: tuple[tuple[str, str], ...] = ()
        self._shown_scale = False
        self._item: QueueItem | None = None
        self._compact = False
        #: Lines a compact screen shows again after clearing: the plan, the last grade.
        self._carry: list[Text] = []
        # Piped input is not echoed by a terminal: echo it so a transcript reads well.
        self._echo = (not sys.stdin.isatty()) if echo is None else echo

    @property
    def compact(self) -> bool:
        """Whether the card on screen uses the compact layout (it would not fit whole)."""
        return self._compact

    def _needs_compact(self, item: QueueItem) -> bool:
        """The whole card, its answer panel and the grade prompt would overflow the screen."""
        width = self.console.width
        options = self.console.options.update(width=width)
        lines = len(self.console.render_lines(self._prompt_panel(item, full=True), options))
        lines += len(self.console.render_lines(self._answer_panel(item, None), options))
        lines += len(item.card.key_points) and 3  # the suggested grade, when graded
        lines += 0 if self._shown_scale else len(GRADE_MEANINGS)
        return lines + _FULL_EXTRA > self.console.size.height

    # -- reading -------------------------------------------------------------
    def _read(self, prompt: str) -> str | None:
        try:
            line = self.console.input(prompt)
        except EOFError:
            self.console.print()
            return None
        if self._echo:
            self.console.print(visible(line), markup=False, highlight=False)
        return line

    def read_answer(self) -> str | None:
        if self._choices:
            letters = f"{self._choices[0][0]}-{self._choices[-1][0]}"
            return self._read(f"[bold]Your choice[/] ({letters}, or Enter to skip): ")
        return self._read("[bold]Your answer[/] (Enter: answer in your head): ")

    def read_grade(self, *, can_undo: bool, suggested: int | None) -> GradeChoice | None:
        if not self._shown_scale and not self.compact:
            self._print_scale()
        hints = ["0-5"]
        if suggested is not None:
            hints.append(f"Enter = {suggested}")
        if self.compact:
            hints.append("e = explain")
        if can_undo:
            hints.append("u = undo")
        hints += ["q = stop", "? = scale"]
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
            if choice in {"e", "explain"}:
                self._explain()
                continue
            if choice in {"", "?", "h", "help"}:
                if choice == "":
                    self.console.print("[yellow]Type a grade from 0 to 5:[/]")
                self._print_scale()
                continue
            if choice.isdigit() and int(choice) in GRADE_MEANINGS:
                return int(choice)
            self.console.print(
                Text.assemble(
                    (f"'{line.strip()}' is not a grade.", "yellow"),
                    " Type a number from 0 to 5"
                    + (", u to undo" if can_undo else "")
                    + " or q to stop (? shows the scale).",
                )
            )

    def _print_scale(self) -> None:
        self._shown_scale = True
        lines = Text()
        for grade in sorted(GRADE_MEANINGS, reverse=True):
            style = "green" if is_correct(grade) else "red"
            lines.append(f"  {grade}", style=f"bold {style}")
            lines.append(f"  {GRADE_MEANINGS[grade]}\n")
        self.console.print(lines, end="")

    def _explain(self) -> None:
        """The whole model answer, why it works and its source (``e``)."""
        if self._item is None:
            return
        card = self._item.card
        parts: list[Text] = [Text(visible(card.answer.strip()))]
        if card.explanation:
            parts += [Text("\nWhy it works", style="bold"), Text(visible(card.explanation.strip()))]
        if card.source:
            parts.append(Text(f"\nSource: {card.source}", style="dim"))
        self.console.print(Panel(Group(*parts), title="Model answer", border_style="green"))

    # -- showing -------------------------------------------------------------
    def show_plan(self, plan: SessionPlan) -> None:
        text = _plan_line(plan)
        self._carry.append(text)
        self.console.print(text)

    def nothing_due(
        self, next_due: dt.date | None, today: dt.date, on_hold: Hold | None = None
    ) -> None:
        if on_hold is not None:
            self.console.print(
                f"[green]On hold through {on_hold.ends_on.isoformat()}:[/] nothing is due. "
                "cram and prep still work; 'repdrill hold --clear' ends the hold."
            )
        elif next_due is None:
            self.console.print("[green]Nothing due and no new cards left today.[/] Well done.")
        else:
            self.console.print(
                f"[green]Nothing due today.[/] The next card is due on "
                f"[bold]{next_due.isoformat()}[/] ({_days_from(today, next_due)})."
            )

    def show_prompt(self, item: QueueItem, position: int, total: int) -> None:
        self._item = item
        self._choices = choice_lines(item.card, self.rep)
        self._compact = self._needs_compact(item)
        if self._compact and self.console.is_terminal:
            self.console.clear()
            for line in self._carry:
                self.console.print(line)
        else:
            self.console.print()
        self._carry = []
        self.console.print(
            self._prompt_panel(item, full=not self._compact, title=(position, total))
        )

    def _prompt_panel(
        self, item: QueueItem, *, full: bool, title: tuple[int, int] = (1, 1)
    ) -> Panel:
        card = item.card
        shown = [card.ref, card.type or "", " ".join(card.tags)] if full else [card.ref]
        details = Text(" · ".join(x for x in shown if x), style="dim")
        details.truncate(self.console.width - 4, overflow="ellipsis")
        options = [
            Text(f"  {letter}) {visible(text)}") for letter, text in choice_lines(card, self.rep)
        ]
        mark = [revised_mark(item.revised)] if item.revised else []
        position, total = title
        return Panel(
            Group(Text(visible(card.prompt.strip())), *options, *mark, details),
            title=f"[bold]Card {position} of {total}[/] · {_KIND_LABEL[item.kind]}",
            border_style="yellow" if item.kind is QueueKind.REDRILL else "cyan",
        )

    def show_answer(self, item: QueueItem, answer: str, grading: Grading | None) -> None:
        if self.compact:
            self._show_answer_compact(item, grading)
        else:
            self.console.print(self._answer_panel(item, grading))

    def _answer_panel(self, item: QueueItem, grading: Grading | None) -> Panel:
        card = item.card
        parts: list[Text] = [Text(visible(card.answer.strip()))]
        if item.revised:
            parts.extend(revised_lines(item.revised, card))
        if card.choices:
            parts.extend(_choice_result(card, grading))
        if card.key_points:
            parts.append(Text("\nKey points", style="bold"))
            parts.extend(_points(card.key_points, grading, self.console.width - 4, cut=False))
        if grading is not None:
            parts.extend(_grading_lines(grading))
        if card.explanation:
            parts.append(Text("\nWhy it works", style="bold"))
            parts.append(Text(visible(card.explanation.strip())))
        if card.source:
            parts.append(Text(f"\nSource: {card.source}", style="dim"))
        return Panel(Group(*parts), title="Model answer", border_style="green")

    def _show_answer_compact(self, item: QueueItem, grading: Grading | None) -> None:
        card = item.card
        width = self.console.width - 4
        flags = len(grading.red_flags_hit) if grading else 0
        result = _choice_result(card, grading) if card.choices else []
        result += revised_lines(item.revised, card) if item.revised else []
        room = (
            self.console.size.height
            - _COMPACT_FIXED
            - len(card.key_points)
            - flags
            - 2 * len(self._choices)
            - len(result)
        )
        answer = Text(visible(card.answer.strip()))
        lines = answer.wrap(self.console, width)
        shown = Text("\n").join(lines[: max(2, room)])
        if len(lines) > max(2, room):
            shown.append(" …", style="dim")
            shown.append("  (e: the whole answer and why it works)", style="dim")
        parts: list[Text] = [shown, *result]
        parts.extend(_points(card.key_points, grading, width, cut=True))
        if grading is not None:
            parts.extend(_grading_lines(grading, compact=True))
        self.console.print(Panel(Group(*parts), title="Model answer", border_style="green"))

    def show_recorded(self, recorded: Recorded) -> None:
        note = Text(style="dim")
        if recorded.kind is ReviewKind.CRAM:
            note.append("Saved as practice; your schedule is unchanged.")
        elif recorded.kind is ReviewKind.REDRILL:
            note.append("Saved as a re-drill; today's first grade set the schedule.")
        elif recorded.due is not None:
            days = recorded.interval
            when = "tomorrow" if days == 1 else f"in {days} days"
            note.append(f"Saved. Next review {when} ({recorded.due.isoformat()}).")
        if needs_redrill(recorded.grade):
            note.append(" It comes back later in this session.")
        self.console.print(note)
        self._carry.append(Text.assemble((f"{recorded.card.ref}: ", "dim"), note))
        if recorded.newly_mastered:
            self.console.print(
                "[bold green]Mastered![/] This card now comes back only every few weeks."
            )
        elif recorded.lost_mastery:
            self.console.print("[yellow]This one slipped; it will come back tomorrow.[/]")

    def show_retired(self, item: QueueItem) -> None:
        self.console.print(
            Text.assemble(
                ("Not saved:", "yellow"),
                f" {item.card.ref} was retired from its deck meanwhile; it is no longer drilled.",
            )
        )

    def show_undone(self, item: QueueItem) -> None:
        self.console.print(
            Text.assemble(("Undone:", "yellow"), f" the grade of {item.card.ref}. Grade it again.")
        )

    def show_summary(self, summary: Summary) -> None:
        lines = Text()
        if summary.interrupted:
            lines.append("Stopped. Every grade given is saved.\n", style="yellow")
        lines.append(f"Cards drilled: {summary.cards}")
        if summary.redrills:
            lines.append(
                f" (and {summary.redrills} re-drill{'s' if summary.redrills != 1 else ''})"
            )
        lines.append("\n")
        if summary.correct_share is not None:
            lines.append(
                f"Correct first time: {summary.correct_share:.0%} "
                "(graded 3 or more, as SM-2 counts it)\n"
            )
        for celebration in summary.celebrations:
            lines.append(f"★ {celebration}\n", style="bold green")
        for deck in summary.decks:
            lines.append(
                f"{deck.deck}: {deck.mastered}/{deck.active_cards} mastered "
                f"({deck.mastery_percent:.0f}%)\n"
            )
        if summary.missed and summary.cram:
            lines.append("Remember these:\n", style="bold")
            for missed in summary.missed[:8]:
                lines.append(f"  {missed.card}: ", style="dim")
                lines.append(f"{missed.point}\n")
        if not summary.cram:
            if summary.reviews_left:
                left = summary.reviews_left
                lines.append(
                    f"{left} review{'s' if left != 1 else ''} left for tomorrow "
                    "(most overdue first)\n"
                )
            lines.append(f"Due tomorrow: {summary.due_tomorrow}\n")
        lines.append(
            f"Days met in the last {summary.days_window}: {summary.days_met}\n", style="bold"
        )
        lines.append(f"Time: {_duration(summary.seconds)}")
        title = "Practice done" if summary.cram else "Session done"
        self.console.print()
        self.console.print(Panel(lines, title=title, border_style="magenta"))


def _points(
    points: tuple[tuple[str, ...], ...], grading: Grading | None, width: int, *, cut: bool
) -> list[Text]:
    """One line per key point, hit or missed; ``cut`` keeps each to one line."""
    lines = []
    for index, alternatives in enumerate(points):
        label = visible(point_label(alternatives))
        if grading is None:
            line = Text(f"  • {label}")
        else:
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
        if cut:
            line.truncate(width, overflow="ellipsis")
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


def _grading_lines(grading: Grading, *, compact: bool = False) -> list[Text]:
    lines = []
    for flag in grading.red_flags_hit:
        lines.append(Text(f"  ⚠ red flag: {flag}", style="bold red"))
    label = Text("Suggested grade: " if compact else "\nSuggested grade: ", style="bold")
    label.append(str(grading.suggested_grade), style="bold cyan")
    if grading.right is None:
        label.append(f"  (key points covered: {grading.coverage:.0%})")
    lines.append(label)
    return lines


def _plan_line(plan: SessionPlan) -> Text:
    """The session's opening line: what it holds and about how long it takes."""
    p = plan.plan
    if plan.cram:
        count = p.reviews + p.new
        return Text(
            f"Practice: {count} card{'s' if count != 1 else ''}, about {p.minutes} min",
            style="bold",
        )
    parts = []
    if p.reviews:
        parts.append(f"{p.reviews} review{'s' if p.reviews != 1 else ''}")
    if p.new:
        parts.append(f"{p.new} new card{'s' if p.new != 1 else ''}")
    text = Text(f"Today: {' and '.join(parts)}, about {p.minutes} min", style="bold")
    if p.reviews_left:
        text.append(f" ({p.reviews_left} more due wait for tomorrow)", style="dim")
    return text


def _days_from(today: dt.date, day: dt.date) -> str:
    delta = (day - today).days
    if delta == 1:
        return "tomorrow"
    return f"in {delta} days" if delta > 1 else day.isoformat()


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest:02d} s" if rest else f"{minutes} min"
