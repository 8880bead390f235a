"""A drill session: the paced queue, the same-session re-drill, undo, the summary.

:class:`DrillSession` never touches a terminal. It talks to a :class:`DrillIO`
(the CLI's Rich implementation, or a test's scripted one), and it commits each
grade in its own transaction before it asks the IO to show the next card, so
an interrupted session loses at most the card on screen.

A drill is cut to the rep's daily time budget (:mod:`repdrill.schedule.pacing`):
overdue reviews first, new cards while the budget allows, and re-drills
count against it too, crowding out new cards that have not been shown yet.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Protocol

from sqlalchemy import Connection

from repdrill.cards import CardView, Revised, Scope, iso
from repdrill.config import Clock
from repdrill.errors import RetiredCard
from repdrill.grading import Grading
from repdrill.schedule.pacing import Estimate, Plan, estimate, plan
from repdrill.schedule.rules import DAYS_MET_WINDOW, is_correct, needs_redrill
from repdrill.standing import DeckProgress, Hold
from repdrill.store import queue, read, record, reps, revisions
from repdrill.store.engine import Database
from repdrill.store.record import Recorded
from repdrill.store.standing import deck_progress, tag_progress

#: A new best of days met is celebrated from this many days on (the first
#: weeks of a new rep are all bests).
PERSONAL_BEST_FROM = 5


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
#: Picks the cards of a practice session (``prep``): card ids, in the order shown.
Picker = Callable[..., list[int]]


@dataclass(frozen=True, slots=True)
class QueueItem:
    card: CardView
    kind: QueueKind
    #: The card's message changed since the rep last reviewed it: the drill says so.
    revised: Revised | None = None


@dataclass(frozen=True, slots=True)
class MissedPoint:
    """A key point the rep's typed answer missed in this session."""

    card: str
    point: str

    def to_json(self) -> dict[str, object]:
        return {"ref": self.card, "key_point": self.point}


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
    redrills: int = 0
    #: Reviews still due today after the session: they wait for tomorrow.
    reviews_left: int = 0
    #: Real time from the first card to the summary.
    seconds: float = 0.0
    celebrations: tuple[str, ...] = ()
    missed: tuple[MissedPoint, ...] = ()

    @property
    def correct_share(self) -> float | None:
        return None if self.cards == 0 else self.correct / self.cards

    def to_json(self) -> dict[str, object]:
        return {
            "cards_drilled": self.cards,
            "grades_given": self.grades,
            "correct_first_time": self.correct,
            "redrills": self.redrills,
            "newly_mastered_cards": self.newly_mastered,
            "lost_mastery_cards": self.lost_mastery,
            "decks": [d.to_json() for d in self.decks],
            "due_tomorrow": self.due_tomorrow,
            "reviews_left": self.reviews_left,
            "days_met": self.days_met,
            "days_met_window": self.days_window,
            "seconds": round(self.seconds, 1),
            "celebrations": list(self.celebrations),
            "points_to_remember": [m.to_json() for m in self.missed],
            "interrupted": self.interrupted,
            "cram": self.cram,
        }


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """What a session is about to show, and the estimate of how long it takes."""

    plan: Plan
    cram: bool = False
    on_hold: Hold | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "review_cards": self.plan.reviews,
            "new_cards": self.plan.new,
            "reviews_left": self.plan.reviews_left,
            "estimate_minutes": self.plan.minutes,
            "budget_minutes": round(self.plan.budget_seconds / 60),
            "cram": self.cram,
            "on_hold_until": iso(self.on_hold.ends_on) if self.on_hold else None,
        }


class DrillIO(Protocol):
    """The terminal side of a session. ``None`` from a read means end of input."""

    def show_plan(self, plan: SessionPlan) -> None: ...

    def nothing_due(
        self, next_due: dt.date | None, today: dt.date, on_hold: Hold | None = None
    ) -> None: ...

    def show_prompt(self, item: QueueItem, position: int, total: int) -> None: ...

    def read_answer(self) -> str | None: ...

    def show_answer(self, item: QueueItem, answer: str, grading: Grading | None) -> None: ...

    def read_grade(self, *, can_undo: bool, suggested: int | None) -> GradeChoice | None: ...

    def show_recorded(self, recorded: Recorded) -> None: ...

    def show_undone(self, item: QueueItem) -> None: ...

    def show_retired(self, item: QueueItem) -> None: ...

    def show_summary(self, summary: Summary) -> None: ...


@dataclass(slots=True)
class _Graded:
    position: int
    recorded: Recorded
    redrill_added: bool


@dataclass
class DrillSession:
    """One sitting of one rep. Build it, then :meth:`run` it with an IO.

    ``minutes`` is this session's budget (the rep's own, else the default,
    when ``None``); ``paced=False`` takes everything (cram). ``picker`` replaces
    the queue with a chosen subset in a chosen order (prep before a call).
    """

    db: Database
    rep_name: str
    clock: Clock
    scope: Scope = field(default_factory=Scope)
    new_cards: int | None = None
    limit: int | None = None
    cram: bool = False
    grader: Grader | None = None
    minutes: int | None = None
    paced: bool = True
    picker: Picker | None = None
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    queue: list[QueueItem] = field(default_factory=list)
    plan: SessionPlan | None = None
    _graded: list[_Graded] = field(default_factory=list)
    _missed: list[MissedPoint] = field(default_factory=list)
    _rep: int = 0
    _estimate: Estimate = field(default_factory=Estimate)
    _planned_seconds: float = 0.0
    _started: dt.datetime | None = None

    # -- the queue ----------------------------------------------------------------
    def build_queue(self) -> list[QueueItem]:
        """Due reviews (most overdue first), then new cards, cut to the budget."""
        today = self.clock.today
        with self.db.transaction(write=True) as conn:
            self._rep = read.ensure_rep(conn, self.rep_name, self.clock.now())
            hold = reps.current_hold(conn, self._rep, today)
            budget = self.minutes or reps.daily_minutes(conn, self._rep)
            self._estimate = estimate(*read.timing_samples(conn, self._rep))
            if self.picker is not None:
                picked = self.picker(conn, self._rep, today, self.scope)
                first = plan(0, len(picked), budget, _all_reviews(self._estimate))
                ids, kinds = picked[: first.new], [QueueKind.CRAM] * first.new
                session_plan = Plan(0, len(ids), 0, first.budget_seconds, self._estimate)
            elif self.cram:
                ids = queue.cram_card_ids(conn, self.scope, self.limit)
                kinds = [QueueKind.CRAM] * len(ids)
                session_plan = Plan(0, len(ids), 0, budget * 60, _all_reviews(self._estimate))
            else:
                due = queue.due_card_ids(conn, self._rep, today, self.scope, self.limit)
                room = None if self.limit is None else max(0, self.limit - len(due))
                if self.new_cards is not None:
                    total = self.new_cards if room is None else min(room, self.new_cards)
                    new = queue.new_card_ids(conn, self._rep, today, self.scope, total)
                else:
                    new = queue.new_card_ids(conn, self._rep, today, self.scope)[:room]
                if self.paced:
                    session_plan = plan(len(due), len(new), budget, self._estimate)
                else:
                    session_plan = Plan(len(due), len(new), 0, budget * 60, self._estimate)
                due, new = due[: session_plan.reviews], new[: session_plan.new]
                ids = [*due, *new]
                kinds = [QueueKind.REVIEW] * len(due) + [QueueKind.NEW] * len(new)
            views = read.card_views(conn, ids)
            revised = revisions.relearning(conn, self._rep, ids)
        self.queue = [
            QueueItem(views[i], k, revised.get(i)) for i, k in zip(ids, kinds, strict=True)
        ]
        self.plan = SessionPlan(
            session_plan, self.cram, hold if hold and hold.covers(today) else None
        )
        self._planned_seconds = session_plan.seconds
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

    # -- the session --------------------------------------------------------------
    def run(self, io: DrillIO) -> Summary:
        """Drill until the queue is empty, input ends or the rep presses Ctrl-C."""
        self._started = self.clock.now()
        if not self.queue:
            self.build_queue()
        assert self.plan is not None
        if not self.queue:
            io.nothing_due(self.next_due(), self.clock.today, self.plan.on_hold)
            return self.summary()
        io.show_plan(self.plan)
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
        try:
            recorded = self._save(item, grade, answer, grading)
        except RetiredCard:
            # Retired from its deck while on screen: not graded, as `review` refuses it too.
            self.queue = [
                q
                for i, q in enumerate(self.queue)
                if i <= position or q.card.db_id != item.card.db_id
            ]
            io.show_retired(item)
            return
        # Committed: only now may the next card appear.
        if grading is not None:
            self._missed.extend(
                MissedPoint(item.card.ref, p.label) for p in grading.points if not p.hit
            )
        redrill = needs_redrill(grade)
        if redrill:
            self.queue.append(QueueItem(item.card, QueueKind.REDRILL))
            self._make_room(position)
        self._graded.append(_Graded(position, recorded, redrill))
        io.show_recorded(recorded)

    def _save(self, item: QueueItem, grade: int, answer: str, grading: Grading | None) -> Recorded:
        with self.db.transaction(write=True) as conn:
            return record.record_grade(
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

    def _make_room(self, position: int) -> None:
        """A re-drill costs a review: drop new cards not shown yet until the plan fits."""
        self._planned_seconds += self._estimate.review
        if not self.paced or self.plan is None:
            return
        budget = self.plan.plan.budget_seconds
        index = len(self.queue) - 1
        while self._planned_seconds > budget and index > position:
            if self.queue[index].kind is QueueKind.NEW:
                del self.queue[index]
                self._planned_seconds -= self._estimate.new
            index -= 1

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
            self._planned_seconds -= self._estimate.review
        item = self.queue[last.position]
        self._missed = [m for m in self._missed if m.card != item.card.ref]
        io.show_undone(item)
        return last.position

    # -- the summary ----------------------------------------------------------------
    def summary(self, *, interrupted: bool = False) -> Summary:
        first_grades: dict[int, int] = {}
        for graded in self._graded:
            card = self.queue[graded.position].card.db_id
            first_grades.setdefault(card, graded.recorded.grade)
        decks = tuple(sorted({i.card.deck for i in self.queue}))
        tags = {tag for item in self.queue for tag in item.card.tags}
        today = self.clock.today
        with self.db.transaction(write=True) as conn:
            rep = read.rep_id(conn, self.rep_name)
            progress = tuple(deck_progress(conn, rep, today, Scope(decks=decks))) if decks else ()
            tomorrow = today + dt.timedelta(days=1)
            due_tomorrow = read.due_count(conn, rep, tomorrow) if rep else 0
            left = read.due_count(conn, rep, today) if rep else 0
            met = read.days_met(conn, rep, today)
            celebrations = self._celebrations(conn, rep, progress, tags, met) if rep else ()
        recorded = [g.recorded for g in self._graded]
        newly = sum(r.newly_mastered for r in recorded)
        if newly:
            celebrations = (
                f"{newly} card{'s' if newly != 1 else ''} newly mastered",
                *celebrations,
            )
        started = self._started or self.clock.now()
        return Summary(
            cards=len(first_grades),
            grades=len(recorded),
            correct=sum(is_correct(g) for g in first_grades.values()),
            newly_mastered=newly,
            lost_mastery=sum(r.lost_mastery for r in recorded),
            decks=progress,
            due_tomorrow=due_tomorrow,
            days_met=met,
            interrupted=interrupted,
            cram=self.cram,
            redrills=sum(
                1 for g in self._graded if self.queue[g.position].kind is QueueKind.REDRILL
            ),
            reviews_left=0 if self.cram else left,
            seconds=max(0.0, (self.clock.now() - started).total_seconds()),
            celebrations=celebrations,
            missed=tuple(dict.fromkeys(self._missed)),
        )

    def _celebrations(
        self,
        conn: Connection,
        rep: int,
        progress: tuple[DeckProgress, ...],
        tags: set[str],
        met: int,
    ) -> tuple[str, ...]:
        """What was reached for the first time: a whole deck or tag mastered, a best."""
        today, found = self.clock.today, []
        for deck in progress:
            complete = deck.active_cards and deck.mastered == deck.active_cards
            if complete and reps.first_time(conn, rep, "deck", deck.deck, today):
                found.append(f"All {deck.active_cards} {deck.deck} cards mastered")
        for tag in tag_progress(conn, rep, tags):
            if tag.complete and reps.first_time(conn, rep, "tag", tag.tag, today):
                found.append(f"All {tag.active_cards} {tag.tag} cards mastered")
        if reps.raise_best_days_met(conn, rep, met, self.clock.now()) and met >= PERSONAL_BEST_FROM:
            found.append(f"New personal best: {met} days met in the last {DAYS_MET_WINDOW}")
        return tuple(found)


def _all_reviews(estimate: Estimate) -> Estimate:
    """Practice shows cards already known: every card costs a review."""
    return Estimate(
        estimate.review, estimate.review, estimate.review_measured, estimate.review_measured
    )
