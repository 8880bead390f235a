"""A drill session: the queue, the same-session re-drill, undo, the summary.

:class:`DrillSession` never touches a terminal. It talks to a :class:`DrillIO`
(the CLI's Rich implementation, or a test's scripted one), and it commits each
grade in its own transaction before it asks the IO to show the next card, so
an interrupted session loses at most the card on screen.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Protocol

from repdrill.cards import CardView, Scope
from repdrill.config import Clock
from repdrill.grading import Grading
from repdrill.schedule.rules import DAYS_MET_WINDOW, is_correct, needs_redrill
from repdrill.store import queue, read, record
from repdrill.store.engine import Database
from repdrill.store.record import Recorded
from repdrill.store.standing import DeckProgress, deck_progress


class QueueKind(StrEnum):
    """Why a card is in the session's queue."""

    REVIEW = "review"
    NEW = "new"
    REDRILL = "redrill"
    CRAM = "cram"


class DrillAction(Enum):
    """What a rep may answer at the grade prompt instead of a grade."""

    #: Take back the previous grade of the session and show that card again.
    UNDO = "undo"


#: A grade (0-5), or an action such as :attr:`DrillAction.UNDO`.
GradeChoice = int | DrillAction

Grader = Callable[[CardView, str], Grading | None]


@dataclass(frozen=True, slots=True)
class QueueItem:
    card: CardView
    kind: QueueKind


@dataclass(frozen=True, slots=True)
class Summary:
    """What a session achieved, for the closing screen."""

    cards: int
    grades: int
    correct: int
    newly_mastered: int
    lost_mastery: int
    decks: tuple[DeckProgress, ...]
    due_tomorrow: int
    days_met: int
    days_window: int = DAYS_MET_WINDOW
    interrupted: bool = False
    cram: bool = False

    @property
    def correct_share(self) -> float | None:
        return None if self.cards == 0 else self.correct / self.cards

    def to_json(self) -> dict[str, object]:
        return {
            "cards_drilled": self.cards,
            "grades_given": self.grades,
            "correct_first_time": self.correct,
            "newly_mastered_cards": self.newly_mastered,
            "lost_mastery_cards": self.lost_mastery,
            "decks": [d.to_json() for d in self.decks],
            "due_tomorrow": self.due_tomorrow,
            "days_met": self.days_met,
            "days_met_window": self.days_window,
            "interrupted": self.interrupted,
            "cram": self.cram,
        }


class DrillIO(Protocol):
    """The terminal side of a session. ``None`` from a read means end of input."""

    def nothing_due(self, next_due: dt.date | None, today: dt.date) -> None: ...

    def show_prompt(self, item: QueueItem, position: int, total: int) -> None: ...

    def read_answer(self) -> str | None: ...

    def show_answer(self, item: QueueItem, answer: str, grading: Grading | None) -> None: ...

    def read_grade(self, *, can_undo: bool, suggested: int | None) -> GradeChoice | None: ...

    def show_recorded(self, recorded: Recorded) -> None: ...

    def show_undone(self, item: QueueItem) -> None: ...

    def show_summary(self, summary: Summary) -> None: ...


@dataclass(slots=True)
class _Graded:
    position: int
    recorded: Recorded
    redrill_added: bool


@dataclass
class DrillSession:
    """One sitting of one rep. Build it, then :meth:`run` it with an IO."""

    db: Database
    rep_name: str
    clock: Clock
    scope: Scope = field(default_factory=Scope)
    new_cards: int | None = None
    limit: int | None = None
    cram: bool = False
    grader: Grader | None = None
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    queue: list[QueueItem] = field(default_factory=list)
    _graded: list[_Graded] = field(default_factory=list)
    _rep: int = 0

    def build_queue(self) -> list[QueueItem]:
        """Due reviews (most overdue first), then new cards; re-drills join later."""
        with self.db.transaction(write=True) as conn:
            self._rep = read.ensure_rep(conn, self.rep_name, self.clock.now())
            today = self.clock.today
            if self.cram:
                ids = queue.cram_card_ids(conn, self.scope, self.limit)
                kinds = [QueueKind.CRAM] * len(ids)
            else:
                due = queue.due_card_ids(conn, self._rep, today, self.scope, self.limit)
                room = None if self.limit is None else max(0, self.limit - len(due))
                if self.new_cards is not None:
                    total = self.new_cards if room is None else min(room, self.new_cards)
                    new = queue.new_card_ids(conn, self._rep, today, self.scope, total)
                else:
                    new = queue.new_card_ids(conn, self._rep, today, self.scope)[:room]
                ids = [*due, *new]
                kinds = [QueueKind.REVIEW] * len(due) + [QueueKind.NEW] * len(new)
            views = read.card_views(conn, ids)
        self.queue = [QueueItem(views[i], k) for i, k in zip(ids, kinds, strict=True)]
        return self.queue

    def next_due(self) -> dt.date | None:
        with self.db.transaction() as conn:
            rep = read.rep_id(conn, self.rep_name)
            dates = [
                p.next_due
                for p in deck_progress(conn, rep, self.clock.today, self.scope)
                if p.next_due
            ]
        return min(dates, default=None)

    def run(self, io: DrillIO) -> Summary:
        """Drill until the queue is empty, input ends or the rep presses Ctrl-C."""
        if not self.queue:
            self.build_queue()
        if not self.queue:
            io.nothing_due(self.next_due(), self.clock.today)
            return self.summary()
        interrupted = False
        try:
            self._loop(io)
        except KeyboardInterrupt:
            interrupted = True
        summary = self.summary(interrupted=interrupted)
        io.show_summary(summary)
        return summary

    def _loop(self, io: DrillIO) -> None:
        position = 0
        while position < len(self.queue):
            item = self.queue[position]
            io.show_prompt(item, position + 1, len(self.queue))
            answer = io.read_answer()
            if answer is None:
                return
            grading = self.grader(item.card, answer) if self.grader and answer.strip() else None
            io.show_answer(item, answer, grading)
            suggested = grading.suggested_grade if grading else None
            choice = io.read_grade(can_undo=bool(self._graded), suggested=suggested)
            if choice is None:
                return
            if choice is DrillAction.UNDO:
                position = self._undo(io)
                continue
            assert isinstance(choice, int)
            self._record(io, position, item, choice, answer, grading)
            position += 1

    def _record(
        self,
        io: DrillIO,
        position: int,
        item: QueueItem,
        grade: int,
        answer: str,
        grading: Grading | None,
    ) -> None:
        with self.db.transaction(write=True) as conn:
            recorded = record.record_grade(
                conn,
                rep=self._rep,
                card=item.card,
                grade=grade,
                clock=self.clock,
                # A multiple-choice answer is logged as the choice, not the rep's letter.
                answer=(grading.picked_text if grading and grading.picked_text else answer.strip())
                or None,
                suggested_grade=grading.suggested_grade if grading else None,
                points_hit=grading.points_hit if grading else (),
                session_id=self.session_id,
                cram=self.cram,
            )
        # Committed: only now may the next card appear.
        redrill = needs_redrill(grade)
        if redrill:
            self.queue.append(QueueItem(item.card, QueueKind.REDRILL))
        self._graded.append(_Graded(position, recorded, redrill))
        io.show_recorded(recorded)

    def _undo(self, io: DrillIO) -> int:
        last = self._graded.pop()
        with self.db.transaction(write=True) as conn:
            record.undo(
                conn,
                rep=self._rep,
                review_uuid=last.recorded.review_id,
                clock=self.clock,
                session_id=self.session_id,
            )
        if last.redrill_added:
            self.queue.pop()
        item = self.queue[last.position]
        io.show_undone(item)
        return last.position

    def summary(self, *, interrupted: bool = False) -> Summary:
        first_grades: dict[int, int] = {}
        for graded in self._graded:
            card = self.queue[graded.position].card.db_id
            first_grades.setdefault(card, graded.recorded.grade)
        decks = tuple(sorted({i.card.deck for i in self.queue}))
        with self.db.transaction() as conn:
            rep = read.rep_id(conn, self.rep_name)
            progress = (
                tuple(deck_progress(conn, rep, self.clock.today, Scope(decks=decks)))
                if decks
                else ()
            )
            tomorrow = self.clock.today + dt.timedelta(days=1)
            due_tomorrow = read.due_count(conn, rep, tomorrow) if rep else 0
            met = read.days_met(conn, rep, self.clock.today)
        recorded = [g.recorded for g in self._graded]
        return Summary(
            cards=len(first_grades),
            grades=len(recorded),
            correct=sum(is_correct(g) for g in first_grades.values()),
            newly_mastered=sum(r.newly_mastered for r in recorded),
            lost_mastery=sum(r.lost_mastery for r in recorded),
            decks=progress,
            due_tomorrow=due_tomorrow,
            days_met=met,
            interrupted=interrupted,
            cram=self.cram,
        )
