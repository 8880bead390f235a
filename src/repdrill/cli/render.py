"""Rich tables that more than one command prints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table

    from repdrill.reports.report import MissedPoint


def missed_points_table(points: Sequence[MissedPoint], title: str, *, deck: bool) -> Table:
    """Key points and their miss rates; ``deck`` prefixes each card with its deck."""
    from rich.table import Table
    from rich.text import Text

    from repdrill._text import visible

    table = Table(title=title, title_justify="left")
    for column in ("card", "key point", "missed", "attempts"):
        table.add_column(column, justify="right" if column in ("missed", "attempts") else "left")
    for m in points:
        card = f"{m.deck}/{m.card}" if deck else m.card
        table.add_row(card, Text(visible(m.point)), f"{m.miss_percent:.0f}%", str(m.attempts))
    return table
