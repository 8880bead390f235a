"""The report on a terminal, with Rich: the headline first, then heatmaps that fit.

Nothing is ever squeezed into an ellipsis. Each heatmap (one per tag
namespace) is shown as reps by tags when that fits the terminal's width,
else transposed (tags by reps), else as a list of its weakest cells; the
reps table drops its least needed columns before it would cut one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.console import Group
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from repdrill._text import visible
from repdrill.reports.brief import headline_lines
from repdrill.reports.exporters._heat import LEGEND, cell_text, grid, worst_cells
from repdrill.reports.report import MatrixBlock, MatrixCell, Report, RepStanding

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

WORST_CELLS = 10


class _RichFlavour:
    """The headline's mark-up as Rich console markup."""

    def bold(self, text: str) -> str:
        return f"[bold]{text}[/bold]"

    def code(self, text: str) -> str:
        return f"[cyan]{self.escape(text)}[/cyan]"

    def escape(self, text: str) -> str:
        return escape(visible(text))

    def link(self, url: str, text: str) -> str:
        return f"{text}: {self.escape(url)}"


def print_report(report: Report, console: Console) -> None:
    """The whole report, fitted to ``console.width``."""
    scope = report.scope
    described = scope.describe()
    console.print(
        f"[bold]Mastery report[/] {scope.since.isoformat()} to {scope.until.isoformat()}"
        + (f" · {escape(visible(described))}" if described else "")
        + f" · {report.active_cards} active cards · {len(report.reps)} reps",
        soft_wrap=False,
    )
    if scope.since_revision:
        # The view for a launch: who has relearned what, and nothing else.
        _print_revisions(report, console)
        return
    if not report.reps:
        console.print("No reps in scope yet.")
        return
    if report.headline is not None:
        for line in headline_lines(report.headline, _RichFlavour()):
            console.print(line)
    blocks = report.blocks()
    for block in blocks:
        console.print()
        console.print(_heatmap(report, block, console))
    if blocks:
        console.print(LEGEND, style="dim")
    console.print()
    console.print(_reps_table(report.reps, console))
    _print_trend(report, console)
    _print_hardest(report, console)
    _print_missed(report, console)
    if report.revised_cards:
        _print_revisions(report, console)


def _table(title: str | None = None) -> Table:
    """A compact table: a rule under the header, one space between columns, no edges."""
    return Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        collapse_padding=True,
        pad_edge=False,
        show_edge=False,
    )


def fits(renderable: RenderableType, console: Console) -> bool:
    """Whether ``renderable`` needs no more than the console's width.

    Measured without a width limit: Rich clamps a measurement to the width it is
    given, and would then squeeze the cells instead.
    """
    unlimited = console.options.update(max_width=10_000)
    return Measurement.get(console, unlimited, renderable).maximum <= console.width


def _heatmap(report: Report, block: MatrixBlock, console: Console) -> RenderableType:
    title = f"Mastery by rep and {block.title}"
    for transposed in (False, True):
        table = _grid_table(report, block, title, transposed=transposed)
        if fits(table, console):
            return table
    return _worst_table(report, block, title, console.width)


def _cell(cell: MatrixCell | None) -> Text:
    text = cell_text(cell)
    if cell is None or not cell.active_cards:
        return Text(text, style="dim")
    colour = "red" if cell.percent < 34 else "yellow" if cell.percent < 67 else "green"
    return Text(text, style=f"dim {colour}" if cell.few_cards else colour)


def _grid_table(report: Report, block: MatrixBlock, title: str, *, transposed: bool) -> Table:
    laid = grid(report, block, transposed=transposed)
    table = _table(title)
    table.add_column(laid.corner, no_wrap=True)
    for column in laid.columns:
        table.add_column(visible(column), justify="right", no_wrap=True)
    for label, cells in laid.rows:
        table.add_row(Text(visible(label)), *(_cell(c) for c in cells))
    return table


def _worst_table(report: Report, block: MatrixBlock, title: str, width: int) -> RenderableType:
    cells = worst_cells(report, block, WORST_CELLS)
    groups = set(block.groups)
    total = sum(1 for c in report.matrix if c.group in groups and c.active_cards)
    table = _table()
    table.add_column("rep", overflow="fold")
    table.add_column("deck" if block.namespace == "deck" else block.title, overflow="fold")
    table.add_column("mastered", justify="right", no_wrap=True)
    for cell in cells:
        table.add_row(Text(visible(cell.rep)), Text(visible(block.label(cell.group))), _cell(cell))
    note = (
        f"{len(block.groups)} columns do not fit {width} columns: a wider terminal, "
        "--format html, or --by with a narrower view shows the whole matrix."
    )
    return Group(
        Text(f"{title}: the {len(cells)} weakest of {total} cells", style="italic"),
        table,
        Text(note, style="dim"),
    )


#: The reps table's columns: header, how to show a rep, and whether it may be
#: dropped on a narrow terminal (the last droppable first).
_RepColumn = tuple[str, Callable[[RepStanding], str], bool]
_REP_COLUMNS: Sequence[_RepColumn] = (
    ("mastered", lambda r: f"{r.mastered}/{r.active_cards} ({r.mastery_percent:.0f}%)", False),
    ("due", lambda r: str(r.due), False),
    ("overdue", lambda r: str(r.overdue), False),
    ("last active", lambda r: r.last_active.isoformat() if r.last_active else "never", False),
    ("days met", lambda r: str(r.days_met), True),
    ("reviews", lambda r: str(r.reviews), True),
    (
        "correct",
        lambda r: "-" if r.correct_percent is None else f"{r.correct_percent:.0f}%",
        True,
    ),
    (
        "agree",
        lambda r: "-" if r.agreement_percent is None else f"{r.agreement_percent:.0f}%",
        True,
    ),
)


def _status(rep: RepStanding) -> str:
    if rep.on_hold_until is not None:
        return f"on hold to {rep.on_hold_until:%m-%d}"
    return "behind" if rep.behind else ""


def _reps_table(reps: list[RepStanding], console: Console) -> RenderableType:
    """The reps as a table, its optional columns dropped until it fits; else one rep a line."""
    columns = list(_REP_COLUMNS)
    while True:
        table = _table("Reps")
        table.add_column("rep", no_wrap=True)
        for header, _show, _optional in columns:
            table.add_column(header, justify="right", no_wrap=True)
        table.add_column("status", no_wrap=True)
        for rep in reps:
            status = _status(rep)
            table.add_row(
                Text(visible(rep.rep)),
                *(show(rep) for _header, show, _optional in columns),
                Text(status, style="bold red" if status == "behind" else "yellow"),
            )
        if fits(table, console):
            return table
        droppable = [i for i, (_h, _s, optional) in enumerate(columns) if optional]
        if not droppable:
            return _reps_list(reps)
        del columns[droppable[-1]]


def _reps_list(reps: list[RepStanding]) -> RenderableType:
    """Each rep's name on its own line and the figures under it: for names too long to
    share a line with a table."""
    lines: list[RenderableType] = [Text("Reps", style="italic")]
    for rep in reps:
        figures = " · ".join(f"{header} {show(rep)}" for header, show, _ in _REP_COLUMNS)
        status = _status(rep)
        lines.append(Text(visible(rep.rep), style="bold"))
        lines.append(Text(f"  {figures}" + (f" · {status}" if status else "")))
    return Group(*lines)


def _print_trend(report: Report, console: Console) -> None:
    if report.trend_note:
        console.print()
        console.print(report.trend_note, style="dim")
    if not report.trend:
        return
    trend = _table("Mastery by week")
    trend.add_column("week ending", no_wrap=True)
    trend.add_column("mastered", justify="right", no_wrap=True)
    trend.add_column("", no_wrap=True)
    for point in report.trend:
        bar = "█" * round(point.percent / 4)
        trend.add_row(point.week_ending.isoformat(), f"{point.percent:.1f}%", bar)
    console.print(trend)


def _print_hardest(report: Report, console: Console) -> None:
    if not report.hardest:
        return
    hard = _table("Hardest cards (lapse rate in the period)")
    hard.add_column("card", overflow="fold")
    hard.add_column("lapses", justify="right", no_wrap=True)
    hard.add_column("reviews", justify="right", no_wrap=True)
    hard.add_column("prompt", overflow="fold", ratio=1)
    for h in report.hardest:
        hard.add_row(
            Text(visible(f"{h.deck}/{h.card}")),
            f"{h.lapse_percent:.0f}%",
            str(h.reviews),
            Text(visible(h.prompt)),
        )
    console.print(hard)


def _print_missed(report: Report, console: Console) -> None:
    if not report.missed_points:
        return
    table = _table("Key points missed most")
    table.add_column("card", overflow="fold")
    table.add_column("key point", overflow="fold", ratio=1)
    table.add_column("missed", justify="right", no_wrap=True)
    table.add_column("attempts", justify="right", no_wrap=True)
    for m in report.missed_points:
        table.add_row(
            Text(visible(f"{m.deck}/{m.card}")),
            Text(visible(m.point)),
            f"{m.miss_percent:.0f}%",
            str(m.attempts),
        )
    console.print(table)


def _print_revisions(report: Report, console: Console) -> None:
    """The revised cards and, with --since-revision, who has relearned each one."""
    if not report.revised_cards:
        console.print("No card in scope has been revised.")
        return
    revised = _table("Revised cards: reps to relearn, reviewed since, re-mastered")
    revised.add_column("card", overflow="fold")
    revised.add_column("revised", no_wrap=True)
    for column in ("relearn", "since", "re-mastered"):
        revised.add_column(column, justify="right", no_wrap=True)
    for r in report.revised_cards:
        revised.add_row(
            Text(visible(f"{r.deck}/{r.card}")),
            f"{r.revision} on {r.revised_on.isoformat()}",
            str(r.relearn_reps),
            str(r.reviewed_reps),
            f"{r.remastered_reps} ({r.remastered_percent:.0f}%)",
        )
    console.print()
    console.print(revised)
    if not report.scope.since_revision:
        return
    if not report.relearning:
        console.print("Nobody had reviewed the revised cards before their revision.")
        return
    who = _table("Who has relearned each revised card")
    who.add_column("card", overflow="fold")
    who.add_column("rep", overflow="fold")
    who.add_column("status", no_wrap=True)
    who.add_column("reviews since", justify="right", no_wrap=True)
    who.add_column("last review", no_wrap=True)
    for row in report.relearning:
        style = {"re-mastered": "green", "relearning": "yellow"}.get(row.status, "red")
        who.add_row(
            Text(visible(f"{row.deck}/{row.card}")),
            Text(visible(row.rep)),
            Text(row.status, style=style),
            str(row.reviews_since),
            row.last_review.isoformat() if row.last_review else "-",
        )
    console.print()
    console.print(who)
