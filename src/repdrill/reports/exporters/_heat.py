"""The heatmap's cells and grids, shared by every renderer.

A block (one tag namespace, the plain tags, or the decks) is a grid of reps
by groups, or transposed (groups by reps) when that reads better: the longer
side goes down the page. Every cell says its share and of how many cards, and
a cell over too few cards to mean much is marked.
"""

from __future__ import annotations

from dataclasses import dataclass

from repdrill.reports.report import MIN_CELL_CARDS, MatrixBlock, MatrixCell, Report

FEW_MARK = "*"
LEGEND = (
    f"Each cell: the share of the cards mastered, of how many cards; {FEW_MARK} fewer than "
    f"{MIN_CELL_CARDS} cards, too few to read much into."
)


def cell_text(cell: MatrixCell | None) -> str:
    """``67% of 3``; ``100% of 1*`` for a cell over too few cards; ``-`` for none."""
    if cell is None or cell.active_cards == 0:
        return "-"
    mark = FEW_MARK if cell.few_cards else ""
    return f"{cell.percent:.0f}% of {cell.active_cards}{mark}"


def worst_cells(report: Report, block: MatrixBlock, limit: int = 10) -> list[MatrixCell]:
    """The weakest cells of a block: lowest share first, cells with enough cards first."""
    groups = set(block.groups)
    cells = [c for c in report.matrix if c.group in groups and c.active_cards]
    cells.sort(key=lambda c: (c.few_cards, c.percent, -c.active_cards, c.rep, c.group))
    return cells[:limit]


@dataclass(frozen=True, slots=True)
class Grid:
    """A block laid out: a corner label, column headers, and labelled rows of cells."""

    corner: str
    columns: list[str]
    rows: list[tuple[str, list[MatrixCell | None]]]
    transposed: bool


def grid(report: Report, block: MatrixBlock, *, transposed: bool) -> Grid:
    reps = [r.rep for r in report.reps]
    group_word = "deck" if block.namespace == "deck" else (block.namespace or "tag")
    if transposed:
        return Grid(
            group_word,
            reps,
            [(block.label(g), [report.cell(rep, g) for rep in reps]) for g in block.groups],
            True,
        )
    return Grid(
        "rep",
        [block.label(g) for g in block.groups],
        [(rep, [report.cell(rep, g) for g in block.groups]) for rep in reps],
        False,
    )


def reps_down(report: Report, block: MatrixBlock, most_across: int) -> bool:
    """Reps as rows unless the groups would not fit across and the reps would."""
    groups, reps = len(block.groups), len(report.reps)
    return groups <= most_across or reps > most_across or reps >= groups
