"""One self-contained HTML page: the headline, heatmaps that fit, an inline SVG trend chart.

No scripts, fonts or images are fetched: the file reads the same offline, in
an e-mail attachment or on a shared drive. On a screen the page fits 1280
pixels: a wide heatmap scrolls inside its own box, the rep column staying in
view. On paper (A4 landscape) a heatmap too wide for the page is printed with
its longer side down, and in slices of columns that each repeat the labels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from html import escape
from typing import IO

from repdrill.reports.brief import Html, headline_lines
from repdrill.reports.exporters._heat import FEW_MARK, LEGEND, Grid, grid, reps_down
from repdrill.reports.report import (
    MIN_CELL_CARDS,
    MatrixBlock,
    MatrixCell,
    Report,
    Table,
    signed,
)

#: Columns of cells a printed heatmap holds before it is sliced.
PRINT_ACROSS = 12

STYLE = """
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #fff; color: #1d2430;
       font: 14px/1.45 "Liberation Sans", Arial, Helvetica, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.5rem; margin: 0 0 .2rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1.4rem 0 .4rem; }
p { margin: .3rem 0; }
.meta, .note, .legend { color: #5b6576; }
.figures { display: flex; flex-wrap: wrap; gap: .75rem; margin: .6rem 0 .8rem; }
.figure { border: 1px solid #d9dee7; border-radius: 6px; padding: .45rem .9rem; min-width: 9.5rem; }
.figure .value { display: block; font-size: 1.55rem; font-weight: 700; }
.figure .what { color: #5b6576; }
.figure.alert .value { color: #b3261e; }
ul.headline { margin: .4rem 0; padding-left: 1.2rem; }
ul.headline li { margin: .2rem 0; }
code { font-family: "Liberation Mono", Menlo, Consolas, monospace; font-size: .92em; }
.scroll { overflow-x: auto; width: fit-content; max-width: 100%; border: 1px solid #d9dee7; }
table { border-collapse: separate; border-spacing: 0; }
th, td { padding: .3rem .5rem; text-align: right; white-space: nowrap;
         border-bottom: 1px solid #e4e8ef; border-right: 1px solid #e4e8ef; }
th { background: #f3f5f9; font-weight: 600; vertical-align: bottom; }
th.text, td.text { text-align: left; }
td.wrap { white-space: normal; min-width: 16rem; }
table.data th { white-space: normal; }
table.heatmap th.group { white-space: normal; overflow-wrap: break-word; text-align: center;
                         min-width: 5.2rem; }
.label { position: sticky; left: 0; z-index: 1; background: #fff; text-align: left;
         box-shadow: 1px 0 0 #c9d0db; }
thead .label { background: #f3f5f9; z-index: 2; }
tbody th { vertical-align: middle; }
td.cell { text-align: center; font-variant-numeric: tabular-nums; }
td.cell .n { display: block; font-size: .75rem; color: #3d4757; }
td.few { background-image: repeating-linear-gradient(135deg, transparent 0 6px,
                           rgba(255, 255, 255, .5) 6px 8px); }
td.none { color: #9aa3b2; }
.empty { color: #9aa3b2; }
figure.chart { margin: .5rem 0; max-width: 760px; }
figure.chart svg { display: block; width: 100%; height: auto; }
svg text { font: 11px "Liberation Sans", Arial, sans-serif; fill: #5b6576; }
.print-only { display: none; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { font-size: 9pt; }
  main { max-width: none; padding: 0; }
  .screen-only { display: none !important; }
  .print-only { display: block; }
  .scroll { overflow: visible; border: none; }
  .label { position: static; box-shadow: none; }
  th { white-space: normal; }
  th, td { padding: .15rem .3rem; }
  table.data td.label { white-space: normal; overflow-wrap: anywhere; min-width: 7rem; }
  h2, h3 { break-after: avoid; }
  tr, .figure, figure.chart { break-inside: avoid; }
  td.cell, th, .figure { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _colour(percent: float) -> str:
    """Red (0%) through amber (50%) to green (100%), light enough for dark text."""
    hue = 120 * max(0.0, min(percent, 100.0)) / 100
    return f"hsl({hue:.0f}, 70%, 78%)"


def _value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value + 0.0:.1f}"
    return escape(str(value))


def _table(table: Table, text_columns: Collection[str], wrap: Collection[str] = ()) -> str:
    if not table.rows:
        return '<p class="empty">None in this period.</p>'

    def kind(column: str, first: bool) -> str:
        classes = ["text"] if column in text_columns else []
        classes += ["label"] if first else []
        classes += ["wrap"] if column in wrap else []
        return f' class="{" ".join(classes)}"' if classes else ""

    head = "".join(
        f'<th{kind(c, i == 0)} scope="col">{escape(label)}</th>'
        for i, (c, label) in enumerate(zip(table.columns, table.labels, strict=True))
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{kind(c, i == 0)}>{_value(v)}</td>"
            for i, (c, v) in enumerate(zip(table.columns, row, strict=True))
        )
        + "</tr>"
        for row in table.rows
    )
    return (
        f'<div class="scroll"><table class="data"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _cell(cell: MatrixCell | None) -> str:
    if cell is None or cell.active_cards == 0:
        return '<td class="cell none">-</td>'
    few = cell.few_cards
    title = f"{cell.mastered} of {cell.active_cards} cards mastered" + (
        f"; fewer than {MIN_CELL_CARDS} cards" if few else ""
    )
    return (
        f'<td class="cell{" few" if few else ""}" style="background-color:{_colour(cell.percent)}"'
        f' title="{title}">{cell.percent:.0f}%'
        f'<span class="n">of {cell.active_cards}{FEW_MARK if few else ""}</span></td>'
    )


def _grid_table(laid: Grid, columns: slice = slice(None)) -> str:
    headers = laid.columns[columns]
    head = f'<th class="label" scope="col">{escape(laid.corner)}</th>' + "".join(
        f'<th class="group" scope="col">{escape(h)}</th>' for h in headers
    )
    rows = "".join(
        f'<tr><th class="label" scope="row">{escape(label)}</th>'
        + "".join(_cell(c) for c in cells[columns])
        + "</tr>"
        for label, cells in laid.rows
    )
    return f'<table class="heatmap"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def _heatmap(report: Report, block: MatrixBlock) -> str:
    """On screen reps by groups in a scrolling box; on paper the longer side down, sliced."""
    screen = grid(report, block, transposed=False)
    title = f"<h3>Mastery by rep and {escape(block.title)}</h3>"
    if len(screen.columns) <= PRINT_ACROSS:
        return f'{title}<div class="scroll">{_grid_table(screen)}</div>'
    paper = grid(report, block, transposed=not reps_down(report, block, PRINT_ACROSS))
    slices = [
        _grid_table(paper, slice(start, start + PRINT_ACROSS))
        for start in range(0, len(paper.columns), PRINT_ACROSS)
    ]
    return (
        f'{title}<div class="scroll screen-only">{_grid_table(screen)}</div>'
        f'<div class="print-only">{"".join(slices)}</div>'
    )


def trend_svg(report: Report, width: int = 760, height: int = 240) -> str:
    """Mastery % per week as an inline SVG line chart, every label inside its box."""
    points = report.trend
    if not points:
        return '<p class="empty">No weeks to show.</p>'
    left, right, top, bottom = 48, 30, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(points) - 1)

    def y(percent: float) -> float:
        return top + plot_h * (1 - percent / 100)

    coords = [(left + i * step, y(p.percent)) for i, p in enumerate(points)]
    grid_lines = "".join(
        f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e4e8ef"/>'
        f'<text class="y-tick" x="{left - 8}" y="{y(v) + 4:.1f}" text-anchor="end">{v}%</text>'
        for v in (0, 25, 50, 75, 100)
    )
    every = max(1, -(-len(points) // 10))
    labels = "".join(
        f'<text class="x-tick" x="{x:.1f}" y="{height - 12}" text-anchor="middle">'
        f"{p.week_ending:%d %b}</text>"
        for i, ((x, _), p) in enumerate(zip(coords, points, strict=True))
        if i % every == 0 or i == len(points) - 1
    )
    line = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in coords)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="3.5" fill="#2f6fdb">'
        f"<title>week ending {p.week_ending.isoformat()}: {p.percent:.1f}% "
        f"({p.mastered} of {p.possible} rep-card pairs)</title></circle>"
        for (x, yy), p in zip(coords, points, strict=True)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="Team mastery by week">'
        f"<title>Team mastery by week</title>{grid_lines}"
        f'<polyline fill="none" stroke="#2f6fdb" stroke-width="2.5" points="{line}"/>'
        f"{dots}{labels}</svg>"
    )


def _summary(report: Report) -> str:
    headline = report.headline
    if headline is None:
        return ""
    since = report.scope.since.isoformat()
    behind = len(headline.behind)
    figures = [
        ("", f"{headline.mastery_percent:.1f}%", "team mastery"),
        ("", signed(headline.change_7d), "points in 7 days"),
        ("", signed(headline.change_period), f"points since {since}"),
        (" alert" if behind else "", str(behind), "rep behind" if behind == 1 else "reps behind"),
        ("", str(len(headline.on_hold)), "on hold"),
    ]
    boxes = "".join(
        f'<div class="figure{extra}"><span class="value">{escape(value)}</span>'
        f'<span class="what">{escape(what)}</span></div>'
        for extra, value, what in figures
    )
    items = "".join(f"<li>{line}</li>" for line in headline_lines(headline, Html()))
    return (
        f'<section id="summary"><h2>Summary</h2><div class="figures">{boxes}</div>'
        f'<ul class="headline">{items}</ul></section>'
    )


def write_html(report: Report, out: IO[str]) -> None:
    scope = report.scope
    tables = {t.name: t for t in report.tables()}
    described = scope.describe()
    title = "Mastery report" + (f": {described}" if described else "")
    meta = (
        f"{scope.since.isoformat()} to {scope.until.isoformat()}"
        f" · {report.active_cards} active cards · {len(report.reps)} reps"
        f" · generated {report.generated_at:%Y-%m-%d %H:%M %Z}"
    )
    blocks = report.blocks()
    heatmaps = "".join(_heatmap(report, block) for block in blocks)
    note = f'<p class="note">{escape(report.trend_note)}</p>' if report.trend_note else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body><main>",
        f'<header><h1>{escape(title)}</h1><p class="meta">{escape(meta)}</p></header>',
        _summary(report),
        '<section id="heatmaps"><h2>Mastery heatmaps</h2>',
        f'<p class="legend">{escape(LEGEND)}</p>' if blocks else "",
        heatmaps or '<p class="empty">No reps or no cards in scope.</p>',
        "</section>",
        f'<section id="trend"><h2>Mastery by week</h2>{note}',
        f'<figure class="chart">{trend_svg(report)}</figure></section>',
        '<section id="reps"><h2>Reps</h2>',
        _table(tables["reps"], {"rep", "last_active", "on_hold_until"}),
        "</section>",
        '<section id="hardest"><h2>Hardest cards</h2>',
        _table(tables["hardest_cards"], {"deck", "card", "prompt"}, {"prompt"}),
        "</section>",
        '<section id="missed"><h2>Key points missed most</h2>',
        _table(tables["missed_points"], {"deck", "card", "key_point"}, {"key_point"}),
        "</section>",
        '<section id="revised"><h2>Revised cards: relearning since the revision</h2>',
        _table(tables["revised_cards"], {"deck", "card", "revised_on"}),
        "</section>",
    ]
    if scope.since_revision:
        parts += [
            '<section id="relearning"><h2>Who has relearned each revised card</h2>',
            _table(tables["relearning"], {"rep", "deck", "card", "revised_on", "status"}),
            "</section>",
        ]
    parts.append("</main></body></html>")
    out.write("\n".join(part for part in parts if part) + "\n")
