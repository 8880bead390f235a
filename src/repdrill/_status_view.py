"""How ``repdrill status`` looks: one Rich table and a few lines under it.

The ``status`` command and its fast path (:mod:`repdrill.fastcli`, which
answers before Typer is imported) both print through :func:`print_status`,
so they print the same. It needs Rich's console, table and text, nothing
more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from repdrill.standing import Status


def print_status(standing: Status, console: Console) -> None:
    """The status table, then the hold, days met and what to do next."""
    from rich.table import Table
    from rich.text import Text

    if not standing.decks:
        console.print("No decks loaded yet. Load some with: repdrill load decks/")
        return
    table = Table(title=f"{standing.rep} · {standing.today.isoformat()}", title_justify="left")
    table.add_column("Deck")
    table.add_column("Due", justify="right")
    table.add_column("New", justify="right")
    table.add_column("Mastered", justify="right")
    table.add_column("Leeches", justify="right")
    table.add_column("Next due")
    for p in standing.decks:
        due = Text(str(p.due), style="bold yellow" if p.due else "")
        if p.overdue:
            due.append(f" ({p.overdue} overdue)")
        table.add_row(
            Text(p.deck),
            due,
            str(p.new_available),
            f"{p.mastered}/{p.active_cards} ({p.mastery_percent:.0f}%)",
            Text(str(p.leeches), style="red" if p.leeches else ""),
            "now" if p.due else (p.next_due.isoformat() if p.next_due else "-"),
        )
    console.print(table)
    if standing.on_hold and standing.hold is not None:
        console.print(
            f"[green]On hold through {standing.hold.ends_on.isoformat()}[/]: nothing is due; "
            "days on hold count as days met."
        )
    elif standing.hold is not None:
        console.print(
            f"On hold from {standing.hold.starts_on.isoformat()} "
            f"through {standing.hold.ends_on.isoformat()}."
        )
    console.print(
        f"Days met in the last {standing.days_met_window}: [bold]{standing.days_met}[/]"
        f" · daily budget {standing.daily_minutes} min"
    )
    if standing.due or standing.new_available:
        console.print("Drill now: [bold]repdrill drill[/]")
