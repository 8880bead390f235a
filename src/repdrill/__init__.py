"""repdrill: spaced-repetition drills for sales teams, as a Python library.

>>> import repdrill
>>> with repdrill.open("drill.db", user="ana") as rd:  # doctest: +SKIP
...     rd.load(["decks/"])
...     rd.review("objection-handling/price-too-high", 4).due

:func:`open` returns a :class:`Repdrill`; its methods return the values
named in ``__all__``, each with ``to_json()``. Those names and the errors
are the public API (docs/python-api.md); the modules behind them are
internal and may change. Names are imported on first use, so that
``import repdrill`` (and ``repdrill --help``) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

#: Public name -> the module that defines it.
_HOMES = {
    "open": "repdrill.app",
    "Repdrill": "repdrill.app",
    "CardDetail": "repdrill.app",
    "CardList": "repdrill.app",
    "Undone": "repdrill.app",
    "HoldStatus": "repdrill.app",
    "Settings": "repdrill.app",
    "Nudge": "repdrill.cards",
    "Hold": "repdrill.standing",
    "SessionPlan": "repdrill.drill",
    "MissedPoint": "repdrill.drill",
    "Plan": "repdrill.schedule.pacing",
    "Estimate": "repdrill.schedule.pacing",
    "CardView": "repdrill.cards",
    "HistoryEntry": "repdrill.cards",
    "Revised": "repdrill.cards",
    "Sheet": "repdrill.decks.sheets",
    "Scope": "repdrill.cards",
    "Validation": "repdrill.decks.validate",
    "LoadResult": "repdrill.store.load",
    "DeckChanges": "repdrill.store.load",
    "Retired": "repdrill.store.load",
    "Recorded": "repdrill.store.record",
    "Status": "repdrill.standing",
    "DeckProgress": "repdrill.standing",
    "Exported": "repdrill.store.log",
    "ImportResult": "repdrill.store.log",
    "LineProblem": "repdrill.store.log",
    "GradeResult": "repdrill.grading",
    "Grading": "repdrill.grading",
    "PointResult": "repdrill.grading",
    "DrillIO": "repdrill.drill",
    "DrillAction": "repdrill.drill",
    "GradeChoice": "repdrill.drill",
    "QueueItem": "repdrill.drill",
    "QueueKind": "repdrill.drill",
    "Summary": "repdrill.drill",
    "TeamSetup": "repdrill.store.team",
    "Hardened": "repdrill.store.team",
    "LoginAdded": "repdrill.store.team",
    "LoginRemoved": "repdrill.store.team",
    "TeamList": "repdrill.store.team",
    "Person": "repdrill.store.team",
    "RosterTeam": "repdrill.store.team",
    "RosterLoad": "repdrill.store.team",
    "RosterChange": "repdrill.store.team",
    "Identity": "repdrill.store.team",
    "DatabaseCheck": "repdrill.store.check",
    "Mismatch": "repdrill.store.check",
    "Backup": "repdrill.store.backup",
    "Report": "repdrill.reports.report",
    "Brief": "repdrill.reports.brief",
    "Webhook": "repdrill.reports.delivery",
    "Mail": "repdrill.reports.delivery",
    "HealthReport": "repdrill.reports.health",
    "DeckHealth": "repdrill.reports.health",
    "ReviewKind": "repdrill.schedule.replay",
    "Schedule": "repdrill.schedule.replay",
    "SM2State": "repdrill.schedule.sm2",
    "RepdrillError": "repdrill.errors",
    "ConfigError": "repdrill.errors",
    "NotFound": "repdrill.errors",
    "UnknownDeck": "repdrill.errors",
    "UnknownCard": "repdrill.errors",
    "AmbiguousCard": "repdrill.errors",
    "EmptyScope": "repdrill.errors",
    "RetiredCard": "repdrill.errors",
    "GradeError": "repdrill.errors",
    "PermissionDenied": "repdrill.errors",
    "DatabaseUnusable": "repdrill.errors",
    "TeamError": "repdrill.errors",
    "DeliveryError": "repdrill.errors",
    "InvalidInput": "repdrill.errors",
    "Problem": "repdrill.errors",
}

__all__ = [
    "AmbiguousCard",
    "Backup",
    "Brief",
    "CardDetail",
    "CardList",
    "CardView",
    "ConfigError",
    "DatabaseCheck",
    "DatabaseUnusable",
    "DeckChanges",
    "DeckHealth",
    "DeckProgress",
    "DeliveryError",
    "DrillAction",
    "DrillIO",
    "EmptyScope",
    "Estimate",
    "Exported",
    "GradeChoice",
    "GradeError",
    "GradeResult",
    "Grading",
    "Hardened",
    "HealthReport",
    "HistoryEntry",
    "Hold",
    "HoldStatus",
    "Identity",
    "ImportResult",
    "InvalidInput",
    "LineProblem",
    "LoadResult",
    "LoginAdded",
    "LoginRemoved",
    "Mail",
    "Mismatch",
    "MissedPoint",
    "NotFound",
    "Nudge",
    "PermissionDenied",
    "Person",
    "Plan",
    "PointResult",
    "Problem",
    "QueueItem",
    "QueueKind",
    "Recorded",
    "Repdrill",
    "RepdrillError",
    "Report",
    "Retired",
    "RetiredCard",
    "ReviewKind",
    "Revised",
    "RosterChange",
    "RosterLoad",
    "RosterTeam",
    "SM2State",
    "Schedule",
    "Scope",
    "SessionPlan",
    "Settings",
    "Sheet",
    "Status",
    "Summary",
    "TeamError",
    "TeamList",
    "TeamSetup",
    "Undone",
    "UnknownCard",
    "UnknownDeck",
    "Validation",
    "Webhook",
    "open",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'repdrill' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


if TYPE_CHECKING:
    from repdrill.app import CardDetail, CardList, HoldStatus, Repdrill, Settings, Undone, open
    from repdrill.cards import CardView, HistoryEntry, Nudge, Revised, Scope
    from repdrill.decks.sheets import Sheet
    from repdrill.decks.validate import Validation
    from repdrill.drill import (
        DrillAction,
        DrillIO,
        GradeChoice,
        MissedPoint,
        QueueItem,
        QueueKind,
        SessionPlan,
        Summary,
    )
    from repdrill.errors import (
        AmbiguousCard,
        ConfigError,
        DatabaseUnusable,
        DeliveryError,
        EmptyScope,
        GradeError,
        InvalidInput,
        NotFound,
        PermissionDenied,
        Problem,
        RepdrillError,
        RetiredCard,
        TeamError,
        UnknownCard,
        UnknownDeck,
    )
    from repdrill.grading import GradeResult, Grading, PointResult
    from repdrill.reports.brief import Brief
    from repdrill.reports.delivery import Mail, Webhook
    from repdrill.reports.health import DeckHealth, HealthReport
    from repdrill.reports.report import Report
    from repdrill.schedule.pacing import Estimate, Plan
    from repdrill.schedule.replay import ReviewKind, Schedule
    from repdrill.schedule.sm2 import SM2State
    from repdrill.standing import DeckProgress, Hold, Status
    from repdrill.store.backup import Backup
    from repdrill.store.check import DatabaseCheck, Mismatch
    from repdrill.store.load import DeckChanges, LoadResult, Retired
    from repdrill.store.log import Exported, ImportResult, LineProblem
    from repdrill.store.record import Recorded
    from repdrill.store.team import (
        Hardened,
        Identity,
        LoginAdded,
        LoginRemoved,
        Person,
        RosterChange,
        RosterLoad,
        RosterTeam,
        TeamList,
        TeamSetup,
    )
