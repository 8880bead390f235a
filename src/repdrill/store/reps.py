"""A rep's own settings, holds for time off, and achievements.

None of this is the review log: a budget can change, a hold can be moved or
cleared. The log stays the record of what happened; these say how the rep
wants to be paced and what has been celebrated already.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Connection, delete, exists, insert, select, update

from repdrill.errors import RepdrillError
from repdrill.schedule.rules import covers_clause, days_on_hold
from repdrill.standing import DEFAULT_DAILY_MINUTES, Hold
from repdrill.store import tables as t
from repdrill.store._sql import insert_ignoring_duplicates

MINUTES_RANGE = range(1, 601)


def check_minutes(minutes: int) -> int:
    if minutes not in MINUTES_RANGE:
        raise RepdrillError(
            f"a daily budget is {MINUTES_RANGE.start} to {MINUTES_RANGE.stop - 1} minutes, "
            f"not {minutes}"
        )
    return minutes


# -- settings -------------------------------------------------------------------


def daily_minutes(conn: Connection, rep: int | None) -> int:
    """The rep's daily budget in minutes (the default until they set one)."""
    if rep is None:
        return DEFAULT_DAILY_MINUTES
    value = conn.scalar(
        select(t.rep_settings.c.daily_minutes).where(t.rep_settings.c.rep_id == rep)
    )
    return DEFAULT_DAILY_MINUTES if value is None else int(value)


def _ensure_settings(conn: Connection, rep: int, now: dt.datetime) -> None:
    conn.execute(
        insert_ignoring_duplicates(conn, t.rep_settings).values(
            rep_id=rep, daily_minutes=None, best_days_met=0, updated_at=now
        )
    )


def set_daily_minutes(conn: Connection, rep: int, minutes: int | None, now: dt.datetime) -> None:
    """Set the rep's budget; ``None`` goes back to the default."""
    if minutes is not None:
        check_minutes(minutes)
    _ensure_settings(conn, rep, now)
    conn.execute(
        update(t.rep_settings)
        .where(t.rep_settings.c.rep_id == rep)
        .values(daily_minutes=minutes, updated_at=now)
    )


def best_days_met(conn: Connection, rep: int) -> int:
    value = conn.scalar(
        select(t.rep_settings.c.best_days_met).where(t.rep_settings.c.rep_id == rep)
    )
    return int(value or 0)


def raise_best_days_met(conn: Connection, rep: int, days: int, now: dt.datetime) -> bool:
    """Record ``days`` as the rep's best if it beats the old best; say whether it did."""
    if days <= best_days_met(conn, rep):
        return False
    _ensure_settings(conn, rep, now)
    conn.execute(
        update(t.rep_settings)
        .where(t.rep_settings.c.rep_id == rep)
        .values(best_days_met=days, updated_at=now)
    )
    return True


# -- holds ------------------------------------------------------------------------


def current_hold(conn: Connection, rep: int | None, today: dt.date) -> Hold | None:
    """The hold covering today, else the next one planned, else ``None``."""
    if rep is None:
        return None
    h = t.holds.c
    row = conn.execute(
        select(h.starts_on, h.ends_on)
        .where(h.rep_id == rep, h.ends_on >= today)
        .order_by(h.starts_on)
        .limit(1)
    ).first()
    return None if row is None else Hold(row[0], row[1])


def on_hold(conn: Connection, rep: int | None, day: dt.date) -> bool:
    hold = current_hold(conn, rep, day)
    return hold is not None and hold.covers(day)


def on_hold_clause(rep_id: object, day: dt.date) -> object:
    """SQL: the rep in ``rep_id`` is on hold on ``day``."""
    h = t.holds.c
    return exists().where(h.rep_id == rep_id, covers_clause(h.starts_on, h.ends_on, day))


def holds_covering(
    conn: Connection, day: dt.date, reps: Iterable[int] | None = None
) -> dict[int, Hold]:
    """Each rep on hold on ``day``, with the hold (for reports)."""
    h = t.holds.c
    query = select(h.rep_id, h.starts_on, h.ends_on).where(
        covers_clause(h.starts_on, h.ends_on, day)
    )
    if reps is not None:
        query = query.where(h.rep_id.in_(list(reps)))
    return {rep: Hold(start, end) for rep, start, end in conn.execute(query)}


def set_hold(conn: Connection, rep: int, hold: Hold, today: dt.date, now: dt.datetime) -> Hold:
    """Put the rep on hold, replacing any current or planned hold."""
    if hold.ends_on < hold.starts_on:
        raise RepdrillError(
            f"a hold ends on or after it starts: --from {hold.starts_on} is after "
            f"--until {hold.ends_on}"
        )
    if hold.ends_on < today:
        raise RepdrillError(f"--until {hold.ends_on} has passed; a hold ends today or later")
    _end_holds_from(conn, rep, today)
    conn.execute(
        insert(t.holds).values(
            rep_id=rep, starts_on=hold.starts_on, ends_on=hold.ends_on, created_at=now
        )
    )
    return hold


def clear_hold(conn: Connection, rep: int, today: dt.date) -> Hold | None:
    """End the current hold yesterday (days already off stay counted) and drop planned ones."""
    hold = current_hold(conn, rep, today)
    _end_holds_from(conn, rep, today)
    return hold


def _end_holds_from(conn: Connection, rep: int, today: dt.date) -> None:
    h = t.holds.c
    yesterday = today - dt.timedelta(days=1)
    conn.execute(delete(t.holds).where(h.rep_id == rep, h.starts_on >= today))
    conn.execute(
        update(t.holds)
        .where(h.rep_id == rep, h.starts_on < today, h.ends_on >= today)
        .values(ends_on=yesterday)
    )


def hold_days(conn: Connection, rep: int, since: dt.date, until: dt.date) -> set[dt.date]:
    """The days from ``since`` through ``until`` the rep was on hold."""
    h = t.holds.c
    spans = conn.execute(
        select(h.starts_on, h.ends_on).where(
            h.rep_id == rep, h.ends_on >= since, h.starts_on <= until
        )
    )
    return days_on_hold(spans, since, until)


# -- achievements -----------------------------------------------------------------


def first_time(conn: Connection, rep: int, kind: str, subject: str, day: dt.date) -> bool:
    """Record an achievement; ``True`` only the first time it is reached."""
    a = t.achievements.c
    known = conn.scalar(
        select(a.achieved_on).where(a.rep_id == rep, a.kind == kind, a.subject == subject)
    )
    if known is not None:
        return False
    conn.execute(
        insert_ignoring_duplicates(conn, t.achievements).values(
            rep_id=rep, kind=kind, subject=subject, achieved_on=day
        )
    )
    return True
