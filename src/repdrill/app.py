"""The front door: :func:`open` a database as a rep, then call one method per job.

Everything the ``repdrill`` command does is a method here; the CLI parses
options, makes one call and renders what comes back. Each method owns its
transaction (a grade is committed before the method returns) and returns a
frozen value whose ``to_json()`` is exactly what the matching ``--json``
prints.

In team mode (a PostgreSQL database where ``repdrill team setup`` ran) the
rep is the login the connection uses: naming anyone else is refused here,
before anything runs, and the database refuses the rest by itself.

>>> import repdrill
>>> with repdrill.open("drill.db", user="ana") as rd:  # doctest: +SKIP
...     rd.load(["decks/"])
...     rd.review("objection-handling/price-too-high", 4).interval
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from repdrill import config
from repdrill.cards import CardView, HistoryEntry, Names, Nudge, Scope, iso, names_of
from repdrill.errors import ConfigError, PermissionDenied, RepdrillError, RetiredCard
from repdrill.schedule.replay import Schedule
from repdrill.schedule.rules import is_leech, is_mastered
from repdrill.schedule.sm2 import SM2State
from repdrill.standing import DEFAULT_DAILY_MINUTES, Hold, Status

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from repdrill.decks.sheets import Sheet
    from repdrill.decks.validate import Validation
    from repdrill.drill import DrillIO, DrillSession, Summary
    from repdrill.grading import GradeResult
    from repdrill.reports.brief import Brief
    from repdrill.reports.delivery import Mail, Webhook
    from repdrill.reports.health import HealthReport
    from repdrill.reports.report import MatrixBy, Report, ReportScope
    from repdrill.reports.wordings import LearntWordings
    from repdrill.store.backup import Backup
    from repdrill.store.check import DatabaseCheck
    from repdrill.store.engine import Database
    from repdrill.store.load import LoadResult, Progress, Retired
    from repdrill.store.log import Exported, ImportResult
    from repdrill.store.record import Recorded
    from repdrill.store.team import (
        Hardened,
        Identity,
        LoginAdded,
        LoginRemoved,
        RosterLoad,
        TeamList,
        TeamSetup,
    )

PathArg = str | os.PathLike[str]


def open(
    db: PathArg | None = None,
    *,
    user: str | None = None,
    today: dt.date | None = None,
) -> Repdrill:
    """Open a repdrill database as one rep, on one day.

    ``db`` is a SQLite file path or any SQLAlchemy URL; without it,
    ``REPDRILL_DB``, else ``repdrill.db`` in the user data directory (created
    on first use). ``user`` is the rep; without it ``REPDRILL_USER``, else
    the login name. In team mode the rep is the database login, and a
    ``user`` naming someone else raises :class:`repdrill.PermissionDenied`
    at the first call that connects. ``today`` drives all scheduling;
    without it ``REPDRILL_TODAY``, else the real date. Nothing is connected
    until a method needs the database.
    """
    url = config.database_url(str(db) if db is not None else os.environ.get(config.DB_ENV))
    given = user if user is not None else os.environ.get(config.USER_ENV)
    rep = config.rep_name(given)
    if today is None and os.environ.get(config.TODAY_ENV):
        today = config.parse_today(os.environ[config.TODAY_ENV])
    return Repdrill(url, rep, config.Clock.read(today), user_given=given is not None)


@dataclass(frozen=True, slots=True)
class CardDetail:
    """A card, the rep's schedule for it and every logged review: ``card show``."""

    card: CardView
    rep: str
    schedule: Schedule | None
    history: tuple[HistoryEntry, ...]

    @property
    def mastered(self) -> bool:
        interval = self.schedule.state.interval if self.schedule else None
        return is_mastered(interval, self.card.min_interval_days)

    @property
    def leech(self) -> bool:
        return bool(self.schedule and is_leech(self.schedule.lapses))

    def to_json(self) -> dict[str, object]:
        schedule = self.schedule
        state = schedule.state if schedule else SM2State()
        return {
            **self.card.to_json(),
            "rep": self.rep,
            "repetitions": state.repetitions,
            "easiness": float(state.easiness),
            "interval": state.interval,
            "due": iso(schedule.due) if schedule else None,
            "last_review": iso(schedule.last_review_date) if schedule else None,
            "mastered": self.mastered,
            "lapses": schedule.lapses if schedule else 0,
            "leech": self.leech,
            "history": [h.to_json() for h in self.history],
        }


@dataclass(frozen=True, slots=True)
class CardList:
    """The cards a rep can name, in deck order: ``card list``."""

    cards: tuple[CardView, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "cards": [
                {
                    **c.identity(),
                    "type": c.type,
                    "tags": list(c.tags),
                    "prompt": c.prompt,
                }
                for c in self.cards
            ]
        }


@dataclass(frozen=True, slots=True)
class HoldStatus:
    """A rep's hold after ``hold`` or ``hold --clear`` (``None``: not on hold)."""

    rep: str
    hold: Hold | None

    def to_json(self) -> dict[str, object]:
        hold = self.hold.to_json() if self.hold else {"on_hold_from": None, "on_hold_until": None}
        return {"rep": self.rep, **hold}


@dataclass(frozen=True, slots=True)
class Settings:
    """A rep's own settings, kept in the database."""

    rep: str
    daily_minutes: int
    default: bool
    hold: Hold | None = None

    def to_json(self) -> dict[str, object]:
        return {"rep": self.rep, "daily_minutes": self.daily_minutes, "default": self.default}


@dataclass(frozen=True, slots=True)
class Undone:
    """What ``undo`` did: the grade taken back and the card's restored schedule."""

    card: CardView
    review_id: str
    schedule: Schedule | None

    def to_json(self) -> dict[str, object]:
        return {
            **self.card.identity(),
            "undoes": self.review_id,
            "interval": self.schedule.state.interval if self.schedule else 0,
            "due": iso(self.schedule.due) if self.schedule else None,
        }


class Repdrill:
    """One rep's view of one repdrill database, on one day. Make it with :func:`open`."""

    def __init__(
        self, url: str, user: str, clock: config.Clock, *, user_given: bool = True
    ) -> None:
        self.url = url
        self.user = user
        self.clock = clock
        self._user_given = user_given
        self._db: Database | None = None
        self._who: Identity | None = None

    @property
    def today(self) -> dt.date:
        return self.clock.today

    def __repr__(self) -> str:
        return f"<Repdrill {self.user} on {self.today.isoformat()}>"

    def __enter__(self) -> Repdrill:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the database engine; the next call opens it again."""
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def database(self) -> Database:
        """The database, connected and migrated on first use."""
        if self._db is None:
            self._db = self._connect(migrate=True)
        return self._db

    @property
    def identity(self) -> Identity:
        """Who the connection is: its login, and in team mode what it may do."""
        self.database  # noqa: B018 - connecting is what finds out
        assert self._who is not None
        return self._who

    def _connect(self, *, migrate: bool) -> Database:
        """Open the database, find out who we are there, and upgrade its schema if asked.

        In team mode the rep is the login, and only the owner upgrades (then
        grants what the upgrade added, by running team setup again).
        """
        from repdrill.store import team
        from repdrill.store.engine import Database
        from repdrill.store.migrations import head_revision

        db = Database.open(self.url, migrate=False)
        try:
            revision = db.revision()
            who = team.identity(db)
            head = head_revision()
            if migrate and revision != head:
                if who.restricted:
                    raise ConfigError(
                        f"this database's schema is at revision {revision}, this repdrill needs "
                        f"{head}: its owner upgrades it by running any repdrill command once"
                    )
                _upgrade(db, head, who)
                if who.team_mode:
                    team.refresh_after_upgrade(db)
            if who.restricted and who.role is not None:
                if self._user_given and self.user != who.role:
                    raise PermissionDenied(
                        f"in team mode you are the login you connect as ('{who.role}'), "
                        f"so --user {self.user} is refused; connect as {self.user} instead"
                    )
                self.user = who.role
        except BaseException:
            db.close()
            raise
        self._who = who
        return db

    def _require_rep(self) -> None:
        """In team mode only reps drill, grade and set their pace (the owner may too)."""
        who = self.identity
        if who.restricted and "rep" not in who.kinds:
            raise PermissionDenied(
                f"{who.role} is not a rep in this database ({who.describe()}): "
                "only reps drill and record grades"
            )

    # -- decks ---------------------------------------------------------------
    def validate(
        self,
        paths: Sequence[PathArg],
        *,
        strict: bool = False,
        against: str | None = None,
        database: bool = False,
    ) -> Validation:
        """Check deck files, rosters and the tag taxonomy; review-by dates against today.

        ``against`` (a git commit such as ``HEAD~1``) and ``database`` compare each
        card with its earlier version: a message changed while its revision
        stayed is a warning, a revision lowered a problem. Only ``database``
        touches the database.
        """
        from repdrill.decks.history import Earlier, from_git
        from repdrill.decks.validate import validate

        earlier: list[Earlier] = [from_git(against)] if against else []
        if database:
            from repdrill.store.revisions import from_database

            earlier.append(from_database(self.database))
        return validate(paths, strict=strict, today=self.today, earlier=earlier)

    def load(
        self, paths: Sequence[PathArg], *, dry_run: bool = False, progress: Progress | None = None
    ) -> LoadResult:
        """Load or update the decks under ``paths``, all or nothing; edits keep progress."""
        from repdrill.store.load import load

        return load(self.database, paths, now=self.clock.now(), dry_run=dry_run, progress=progress)

    def export_deck(self, deck: str) -> Sheet:
        """A loaded deck's active cards as one table, for reviewers who live in spreadsheets."""
        from repdrill.decks.sheets import sheet_of
        from repdrill.store import read

        with self.database.transaction() as conn:
            read.check_decks(conn, [deck])
            cards = read.list_cards(conn, Scope(decks=(deck,)))
            dates = read.review_by_dates(conn, deck)
        return sheet_of(deck, cards, dates)

    def retire_deck(self, deck: str, *, dry_run: bool = False) -> Retired:
        """Retire every card of a dropped or renamed deck; history is kept."""
        from repdrill.store.load import retire_deck

        return retire_deck(self.database, deck, now=self.clock.now(), dry_run=dry_run)

    # -- a rep's cards -----------------------------------------------------------
    def review(self, card: str, grade: int, *, answer: str | None = None) -> Recorded:
        """Record one grade, exactly as the drill records it; typed answers are graded."""
        from repdrill.store import read
        from repdrill.store.record import record_grade

        self._require_rep()
        with self.database.transaction(write=True) as conn:
            view = read.find_card(conn, card)
            if view.retired:
                raise RetiredCard(view.ref)
            rep = read.ensure_rep(conn, self.user, self.clock.now())
            grading = None
            if answer:
                # The grader (and its fuzzy matching) only for a typed answer.
                from repdrill.grading import grade_answer

                grading = grade_answer(view, answer, rep=self.user)
            return record_grade(
                conn,
                rep=rep,
                card=view,
                grade=grade,
                clock=self.clock,
                answer=grading.picked_text if grading and grading.picked_text else answer,
                suggested_grade=grading.suggested_grade if grading else None,
                points_hit=grading.points_hit if grading else (),
            )

    def undo(self, review_id: str) -> Undone:
        """Take back one of the rep's grades; the log keeps both and an ``undo`` entry."""
        from repdrill.errors import NotFound
        from repdrill.store import read
        from repdrill.store.record import undo

        self._require_rep()
        with self.database.transaction(write=True) as conn:
            rep = read.rep_id(conn, self.user)
            if rep is None:
                raise NotFound(f"no grade {review_id} to undo for {self.user}")
            card, schedule = undo(conn, rep=rep, review_uuid=review_id, clock=self.clock)
        return Undone(card, review_id, schedule)

    def card(self, card: str) -> CardDetail:
        """A card's text, the rep's SM-2 state for it and its whole history."""
        from repdrill.store import read

        with self.database.transaction() as conn:
            view = read.find_card(conn, card)
            rep = read.rep_id(conn, self.user)
            schedule = read.schedule_of(conn, rep, view.db_id)
            history = read.history(conn, rep, view.db_id)
        return CardDetail(view, self.user, schedule, tuple(history))

    def cards(self, *, deck: Names = None, tag: Names = None) -> CardList:
        """The active cards in scope, in deck order, as the ids commands accept."""
        from repdrill.store import read

        scope = Scope.of(deck, tag)
        with self.database.transaction() as conn:
            read.check_decks(conn, scope.decks)
            return CardList(tuple(read.list_cards(conn, scope)))

    def status(self, *, deck: Names = None, tag: Names = None) -> Status:
        """What is due, new and mastered in each deck, and the rep's days met."""
        from repdrill.store import read, reps
        from repdrill.store.standing import deck_progress

        scope = Scope.of(deck, tag)
        with self.database.transaction() as conn:
            if not scope.everything:
                read.check_scope(conn, scope)
            rep = read.rep_id(conn, self.user)
            decks = deck_progress(conn, rep, self.today, scope)
            met = read.days_met(conn, rep, self.today)
            hold = reps.current_hold(conn, rep, self.today)
            minutes = reps.daily_minutes(conn, rep)
        return Status.of(self.user, self.today, met, decks, hold, minutes)

    def grade(self, card: str, answer: str) -> GradeResult:
        """Grade a typed answer against a card's key points; records nothing."""
        from repdrill.grading import GradeResult, grade_answer
        from repdrill.store import read

        with self.database.transaction() as conn:
            view = read.find_card(conn, card)
        if not view.key_points and not view.choices:
            raise RepdrillError(f"{view.ref} has no key_points to grade against")
        grading = grade_answer(view, answer, rep=self.user)
        if view.choices and grading is None:
            from repdrill.choices import lettered

            letters = ", ".join(letter for letter, _index in lettered(view, self.user))
            raise RepdrillError(
                f"'{answer}' names no choice of {view.ref}; answer with a letter ({letters}) "
                "or a choice's text"
            )
        return GradeResult(view, answer, grading)

    def drill(
        self,
        io: DrillIO,
        *,
        deck: Names = None,
        tag: Names = None,
        new: int | None = None,
        limit: int | None = None,
        minutes: int | None = None,
        cram: bool = False,
    ) -> Summary:
        """Run today's drill through ``io``, cut to the rep's daily budget.

        ``minutes`` replaces the rep's budget for this session. With ``cram``,
        every card in scope is practised in deck order and the schedule is
        untouched (no budget). Each grade is committed before the next card is
        shown.
        """
        from repdrill.drill import DrillSession

        return self._session(
            DrillSession,
            io,
            scope=Scope.of(deck, tag),
            new_cards=new,
            limit=limit,
            minutes=minutes,
            cram=cram,
            paced=not cram,
        )

    def prep(
        self, io: DrillIO, *, deck: Names = None, tag: Names = None, minutes: int | None = None
    ) -> Summary:
        """Practise before a call: the cards in scope, weakest first, within ``minutes``.

        Logged as cram, so the schedule is untouched. The summary's ``missed``
        lists the key points the rep missed, to remember.
        """
        from repdrill.drill import DrillSession
        from repdrill.store.queue import prep_card_ids

        return self._session(
            DrillSession,
            io,
            scope=Scope.of(deck, tag),
            minutes=minutes,
            cram=True,
            picker=prep_card_ids,
        )

    def _session(self, session: type[DrillSession], io: DrillIO, **options: Any) -> Summary:
        from repdrill.grading import SessionGrader
        from repdrill.store import read

        if options.get("minutes") is not None:
            from repdrill.store.reps import check_minutes

            check_minutes(options["minutes"])
        self._require_rep()
        with self.database.transaction() as conn:
            read.check_scope(conn, options["scope"])
        drill = session(
            db=self.database,
            rep_name=self.user,
            clock=self.clock,
            grader=SessionGrader(self.user),
            **options,
        )
        return drill.run(io)

    # -- the rep's own settings --------------------------------------------------
    def due(self) -> Nudge:
        """Reviews due and new cards waiting: what ``repdrill due`` prints."""
        from repdrill.store import read, reps
        from repdrill.store.standing import deck_progress

        with self.database.transaction() as conn:
            rep = read.rep_id(conn, self.user)
            hold = reps.current_hold(conn, rep, self.today)
            if hold is not None and hold.covers(self.today):
                return Nudge(self.user, self.today, 0, 0, hold.ends_on)
            due = read.due_count(conn, rep, self.today) if rep is not None else 0
            new = sum(d.new_available for d in deck_progress(conn, rep, self.today))
        return Nudge(self.user, self.today, due, new)

    def hold(self, until: dt.date, *, start: dt.date | None = None) -> HoldStatus:
        """Go on hold (time off) from ``start`` (today) through ``until``.

        Nothing is due on hold and hold days count as days met. Afterwards
        the cards that fell due come back spread over the following days by
        the daily budget, most overdue first; intervals are not shortened.
        """
        from repdrill.store import read, reps

        self._require_rep()
        with self.database.transaction(write=True) as conn:
            rep = read.ensure_rep(conn, self.user, self.clock.now())
            hold = Hold(start or self.today, until)
            reps.set_hold(conn, rep, hold, self.today, self.clock.now())
        return HoldStatus(self.user, hold)

    def clear_hold(self) -> HoldStatus:
        """End the current hold (days already on hold stay counted) and drop planned ones."""
        from repdrill.store import read, reps

        self._require_rep()
        with self.database.transaction(write=True) as conn:
            rep = read.rep_id(conn, self.user)
            if rep is not None:
                reps.clear_hold(conn, rep, self.today)
        return HoldStatus(self.user, None)

    def settings(self) -> Settings:
        """The rep's settings: the daily budget in minutes."""
        from repdrill.store import read, reps

        with self.database.transaction() as conn:
            rep = read.rep_id(conn, self.user)
            minutes = reps.daily_minutes(conn, rep)
            hold = reps.current_hold(conn, rep, self.today)
        return Settings(self.user, minutes, minutes == DEFAULT_DAILY_MINUTES, hold)

    def set_daily_minutes(self, minutes: int | None) -> Settings:
        """Set the rep's daily budget (``None``: back to the default); it follows the rep."""
        from repdrill.store import read, reps

        self._require_rep()
        with self.database.transaction(write=True) as conn:
            rep = read.ensure_rep(conn, self.user, self.clock.now())
            reps.set_daily_minutes(conn, rep, minutes, self.clock.now())
        return self.settings()

    # -- managers and authors ------------------------------------------------------
    def report(
        self,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        deck: Names = None,
        tag: Names = None,
        rep: Names = None,
        team: str | None = None,
        roster: PathArg | None = None,
        by: MatrixBy = "namespace",
        max_overdue: int | None = None,
        since_revision: bool = False,
    ) -> Report:
        """Who has mastered what: the report every export format renders.

        The period defaults to the 12 weeks ending today. ``team`` takes its
        reps from the roster (``roster``, else ``teams.yaml`` here or at the
        root of this git checkout; in team mode, the database's roster). A
        manager in team mode gets the reps of the teams they manage, and the
        report names those teams. ``by`` picks the matrix columns:
        ``namespace`` (every tag, one matrix per namespace), ``tag`` (tags
        without one), ``deck``, or one namespace (``competitor``). A rep with
        more than ``max_overdue`` cards overdue (default 10), or no drill in
        7 days, is behind. ``since_revision`` adds who has relearned each
        revised card since its latest revision, whatever the period.
        """
        from repdrill.reports.report import build_report

        with self.database.transaction() as conn:
            scope = self._report_scope(
                conn,
                since=since,
                until=until,
                deck=deck,
                tag=tag,
                rep=rep,
                team=team,
                roster=roster,
                max_overdue=max_overdue,
                by=by,
                since_revision=since_revision,
            )
            return build_report(conn, scope, generated_at=self.clock.now())

    def brief(
        self,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        deck: Names = None,
        tag: Names = None,
        rep: Names = None,
        team: str | None = None,
        roster: PathArg | None = None,
        max_overdue: int | None = None,
        link: str | None = None,
        send: Sequence[Webhook | Mail] = (),
        dry_run: bool = False,
    ) -> Brief:
        """The report's headline as a short message, sent to each of ``send``.

        Takes the scope of :meth:`report`; ``link`` points readers to the full
        report. Each webhook gets a Slack-compatible body, each mail a text
        and an HTML part. If a send fails, :class:`repdrill.DeliveryError` says
        which and carries the brief (``undelivered``), so it is never lost;
        with ``dry_run`` nothing is sent.
        """
        from repdrill.reports.brief import Brief
        from repdrill.reports.delivery import deliver
        from repdrill.reports.report import build_headline

        with self.database.transaction() as conn:
            scope = self._report_scope(
                conn,
                since=since,
                until=until,
                deck=deck,
                tag=tag,
                rep=rep,
                team=team,
                roster=roster,
                max_overdue=max_overdue,
            )
            headline = build_headline(conn, scope)
        brief = Brief(scope, self.clock.now(), headline, link=link, dry_run=dry_run)
        # The transaction is over before any network call: a slow server holds no lock.
        return brief if dry_run or not send else deliver(brief, send)

    def _report_scope(
        self,
        conn: Connection,
        *,
        since: dt.date | None,
        until: dt.date | None,
        deck: Names,
        tag: Names,
        rep: Names,
        team: str | None,
        roster: PathArg | None,
        max_overdue: int | None,
        by: MatrixBy | None = None,
        since_revision: bool = False,
    ) -> ReportScope:
        """What a report or a brief covers; checks the decks and resolves the reps."""
        from repdrill.reports.report import DEFAULT_WEEKS, ReportScope
        from repdrill.schedule.rules import MAX_OVERDUE_CARDS
        from repdrill.store import read

        end = until or self.today
        start = since or end - dt.timedelta(days=7 * DEFAULT_WEEKS - 1)
        if start > end:
            raise RepdrillError(f"the period starts ({start}) after it ends ({end})")
        if max_overdue is not None and max_overdue < 0:
            raise RepdrillError(f"a threshold of overdue cards is 0 or more, not {max_overdue}")
        cards = Scope.of(deck, tag)
        read.check_decks(conn, cards.decks)
        reps, teams = self._report_reps(conn, names_of(rep), team, roster)
        return ReportScope(
            until=end,
            since=start,
            cards=cards,
            reps=reps,
            team=team,
            teams=teams,
            matrix_by=by or "namespace",
            max_overdue=MAX_OVERDUE_CARDS if max_overdue is None else max_overdue,
            since_given=since is not None,
            since_revision=since_revision,
        )

    def _report_reps(
        self, conn: Connection, reps: tuple[str, ...], team: str | None, roster: PathArg | None
    ) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
        """The reps a report covers (``None``: every rep it may see), and the teams named."""
        from repdrill.store import team as teams_store

        who = self.identity
        if who.restricted and "manager" in who.kinds:
            if roster is not None:
                raise RepdrillError(
                    "--roster is not read in team mode: a manager's teams are the database's"
                )
            managed = teams_store.managed_teams(conn)
            if not managed:
                raise PermissionDenied(
                    f"{who.role} manages no team in this database; its owner adds one with: "
                    f"repdrill team add-manager {who.role} --team TEAM"
                )
            if team is not None:
                if team not in managed:
                    raise PermissionDenied(
                        f"{who.role} does not manage team '{team}' (yours: {', '.join(managed)})"
                    )
                managed = {team: managed[team]}
            members: Sequence[str] = sorted({r for names in managed.values() for r in names})
            outside = [r for r in reps if r not in members]
            if outside:
                raise PermissionDenied(
                    f"{', '.join(outside)}: not on the teams {who.role} manages "
                    f"({', '.join(managed)})"
                )
            return tuple(r for r in members if not reps or r in reps), tuple(managed)
        if team is None:
            return reps or None, ()
        if who.team_mode and roster is None:
            members = teams_store.roster_team(conn, team)
        else:
            members = _roster_file_team(team, roster)
        return tuple(r for r in members if not reps or r in reps), (team,)

    def deck_health(
        self,
        *,
        deck: Names = None,
        paths: Sequence[PathArg] = (),
        since: dt.date | None = None,
        limit: int = 10,
    ) -> HealthReport:
        """Where decks fail the team: failing cards, missed key points, unreviewed cards."""
        from repdrill.errors import InvalidInput
        from repdrill.reports.health import deck_health
        from repdrill.store import read

        names = list(names_of(deck))
        if paths:
            checked = self.validate(paths)
            if checked.problems:
                raise InvalidInput(checked.problems)
            names += [d.id for d in checked.decks]
        with self.database.transaction() as conn:
            read.check_decks(conn, names)
            return deck_health(conn, names, today=self.today, since=since, limit=limit)

    def deck_wordings(
        self, *, deck: Names = None, since: dt.date | None = None, limit: int = 5
    ) -> LearntWordings:
        """Wordings reps' overrides say covered key points the grader missed, most used first."""
        from repdrill.reports.wordings import learnt_wordings
        from repdrill.store import read

        names = list(names_of(deck))
        with self.database.transaction() as conn:
            read.check_decks(conn, names)
            return learnt_wordings(conn, names, since=since, limit=limit)

    # -- review logs ------------------------------------------------------------------
    def export_log(
        self, out: IO[str], *, since: dt.date | None = None, rep: Names = None
    ) -> Exported:
        """Write the review log to ``out`` as JSON Lines, oldest first."""
        from repdrill.store.log import export_reviews

        with self.database.transaction() as conn:
            return export_reviews(conn, out, since=since, reps=names_of(rep))

    def import_log(
        self, sources: Iterable[PathArg | IO[str] | IO[bytes]], *, strict: bool = False
    ) -> ImportResult:
        """Merge exported logs (paths, ``-`` for stdin, or open files) into this database.

        Files are read a line at a time, however long they are.
        """
        from repdrill.store.log import import_reviews

        return import_reviews(self.database, _opened(sources), now=self.clock.now(), strict=strict)

    # -- team mode (PostgreSQL) ----------------------------------------------------------
    def team_setup(self, *, dry_run: bool = False) -> TeamSetup:
        """Create this database's group roles, grants and row-level security (the owner)."""
        from repdrill.store import team

        with self.database.transaction(write=True) as conn:
            result = team.setup(conn, dry_run=dry_run)
            if dry_run:
                conn.rollback()
        self._forget_identity()
        return result

    def team_setup_sql(self) -> str:
        """The SQL ``team_setup`` runs, with this database's group roles filled in."""
        from repdrill.store import team

        with self.database.transaction() as conn:
            return team.setup_sql(team.setup_groups(conn))

    def team_harden(self, *, dry_run: bool = False) -> Hardened:
        """Let only a superuser undo the log's protection (run as a superuser)."""
        from repdrill.store import team

        with self.database.transaction(write=True) as conn:
            result = team.harden(conn, dry_run=dry_run)
            if dry_run:
                conn.rollback()
        return result

    def add_rep(
        self, name: str, *, password: str | None = None, dry_run: bool = False
    ) -> LoginAdded:
        """Create a rep's login (or give an existing repdrill login the rep role)."""
        return self._add(name, "rep", password=password, dry_run=dry_run)

    def add_manager(
        self,
        name: str,
        *,
        team: str,
        can_import: bool = False,
        password: str | None = None,
        dry_run: bool = False,
    ) -> LoginAdded:
        """Make ``name`` a manager of ``team`` (an importer too, with ``can_import``)."""
        return self._add(
            name, "manager", team=team, can_import=can_import, password=password, dry_run=dry_run
        )

    def add_author(
        self, name: str, *, password: str | None = None, dry_run: bool = False
    ) -> LoginAdded:
        """Create a deck author's login: load and retire decks, read deck health."""
        return self._add(name, "author", password=password, dry_run=dry_run)

    def _add(
        self,
        name: str,
        kind: str,
        *,
        password: str | None,
        dry_run: bool,
        team: str | None = None,
        can_import: bool = False,
    ) -> LoginAdded:
        from repdrill.store.team import add_person

        with self.database.transaction(write=True) as conn:
            result = add_person(
                conn,
                name,
                kind,
                now=self.clock.now(),
                team=team,
                can_import=can_import,
                password=password,
                dry_run=dry_run,
            )
            if dry_run:
                conn.rollback()
        return result

    def team_remove(self, name: str, *, dry_run: bool = False) -> LoginRemoved:
        """Take a login's roles here away (and drop it); the rep's history stays."""
        from repdrill.store import team

        with self.database.transaction(write=True) as conn:
            result = team.remove_person(conn, name, dry_run=dry_run)
            if dry_run:
                conn.rollback()
        return result

    def team_list(self) -> TeamList:
        """Who has which role in this database, and the database's roster."""
        from repdrill.store import team

        with self.database.transaction() as conn:
            return team.team_list(conn)

    def team_load(self, roster: PathArg | None = None, *, dry_run: bool = False) -> RosterLoad:
        """Make the database's roster equal ``teams.yaml`` (found as ``report`` finds it)."""
        from repdrill.decks.roster import read_roster
        from repdrill.store import team

        read = read_roster(_find_roster(roster))
        with self.database.transaction(write=True) as conn:
            result = team.load_roster(conn, read, dry_run=dry_run)
            if dry_run:
                conn.rollback()
        return result

    def _forget_identity(self) -> None:
        """After setup, the next call finds out afresh who the connection is."""
        if self._db is not None and self._who is not None:
            from repdrill.store import team

            self._who = team.identity(self._db)

    # -- whoever runs the database -------------------------------------------------------
    def check_database(self) -> DatabaseCheck:
        """Integrity, schema revision, the log's triggers, and every state against its log.

        The database is not upgraded first: an old schema is reported as such.
        """
        from repdrill.store.check import check

        if self._db is not None:
            return check(self._db, self.identity)
        db = self._connect(migrate=False)
        try:
            assert self._who is not None
            return check(db, self._who)
        finally:
            db.close()

    def backup(self, path: PathArg, *, force: bool = False) -> Backup:
        """Copy a SQLite database to ``path`` while reps drill; for PostgreSQL, the command.

        The copy is written beside ``path`` and renamed into place, so ``path``
        never holds half a backup.
        """
        from repdrill.store.backup import backup

        db = self._db or self._connect(migrate=False)
        try:
            return backup(db, Path(path), force=force)
        finally:
            if db is not self._db:
                db.close()


def _upgrade(db: Database, head: str, who: Identity) -> None:
    from sqlalchemy.exc import DBAPIError

    try:
        db.migrate()
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0]
        raise ConfigError(
            f"cannot bring the schema to revision {head} as {who.role or 'this user'}: {reason}"
        ) from None


def _find_roster(roster: PathArg | None) -> Path:
    from repdrill.decks.roster import find_roster

    path = Path(roster) if roster is not None else find_roster()
    if path is None:
        raise RepdrillError(
            "a team needs a roster: teams.yaml in this directory or at the root of the "
            "deck repository, or --roster FILE"
        )
    return path


def _roster_file_team(team: str, roster: PathArg | None) -> tuple[str, ...]:
    from repdrill.decks.roster import read_roster

    return read_roster(_find_roster(roster)).team(team).reps


def _opened(
    sources: Iterable[PathArg | IO[str] | IO[bytes]],
) -> Iterator[tuple[str, IO[str] | IO[bytes]]]:
    """Log sources as (name, open file), each opened only when its turn comes and then closed.

    Paths and stdin are read as bytes, so that the import decodes each line
    itself; open files are read as they are.
    """
    for source in sources:
        if not isinstance(source, str | os.PathLike):
            yield getattr(source, "name", "<stream>"), source
        elif str(source) == "-":
            yield "<stdin>", getattr(sys.stdin, "buffer", sys.stdin)
        else:
            try:
                handle = Path(source).open("rb")  # noqa: SIM115 (closed below, after its turn)
            except OSError as error:
                raise RepdrillError(f"cannot read {source}: {error.strerror or error}") from None
            with handle:
                yield str(source), handle
