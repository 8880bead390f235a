"""One self-contained HTML page: inline CSS, the heatmap, an inline SVG trend chart.

No scripts, fonts or images are fetched: the file reads the same offline, in
an e-mail attachment or on a shared drive.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import IO

from repdrill.reports.report import Report, Table

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem;
       color: #1d2430; max-width: 1200px; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
p.meta { color: #5b6576; margin-top: 0; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { padding: .3rem .6rem; border: 1px solid #d9dee7; text-align: right; }
th { background: #f3f5f9; font-weight: 600; }
td.text, th.text { text-align: left; }
table.heatmap td { min-width: 3.2rem; text-align: center; font-variant-numeric: tabular-nums; }
.empty { color: #9aa3b2; }
svg text { font: 11px system-ui, sans-serif; fill: #5b6576; }
"""


def _colour(percent: float) -> str:
    """Red (0%) through amber (50%) to green (100%), light enough for dark text."""
    hue = 120 * max(0.0, min(percent, 100.0)) / 100
    return f"hsl({hue:.0f}, 70%, 78%)"


def _value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.1f}"
    return escape(str(value))


def _table(table: Table, text_columns: set[str]) -> str:
    if not table.rows:
        return '<p class="empty">None in this period.</p>'
    head = "".join(
        f'<th class="{"text" if c in text_columns else ""}">{escape(c.replace("_", " "))}</th>'
        for c in table.columns
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"text" if c in text_columns else ""}">{_value(v)}</td>'
            for c, v in zip(table.columns, row, strict=True)
        )
        + "</tr>"
        for row in table.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _heatmap(report: Report) -> str:
    head = '<th class="text">rep</th>' + "".join(f"<th>{escape(g)}</th>" for g in report.groups)
    rows = []
    for rep in report.reps:
        cells = []
        for group in report.groups:
            cell = report.cell(rep.rep, group)
            if cell is None or cell.active_cards == 0:
                cells.append('<td class="empty">-</td>')
                continue
            title = f"{cell.mastered} of {cell.active_cards} mastered"
            cells.append(
                f'<td style="background:{_colour(cell.percent)}" title="{title}">'
                f"{cell.percent:.0f}%</td>"
            )
        rows.append(f'<tr><td class="text">{escape(rep.rep)}</td>{"".join(cells)}</tr>')
    body = "".join(rows)
    return f'<table class="heatmap"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def trend_svg(report: Report, width: int = 640, height: int = 220) -> str:
    """Mastery % per week as an inline SVG line chart."""
    points = report.trend
    if not points:
        return '<p class="empty">No weeks in this period.</p>'
    left, right, top, bottom = 44, 16, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(points) - 1)

    def y(percent: float) -> float:
        return top + plot_h * (1 - percent / 100)

    coords = [(left + i * step, y(p.percent)) for i, p in enumerate(points)]
    grid = "".join(
        f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e4e8ef"/>'
        f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v}%</text>'
        for v in (0, 25, 50, 75, 100)
    )
    labels = "".join(
        f'<text x="{x:.1f}" y="{height - 12}" text-anchor="middle">{p.week_ending:%d %b}</text>'
        for (x, _), p in zip(coords, points, strict=True)
        if len(points) <= 16 or points.index(p) % 2 == 0
    )
    line = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in coords)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="3.5" fill="#2f6fdb">'
        f"<title>{p.week_ending.isoformat()}: {p.percent:.1f}% "
        f"({p.mastered} of {p.possible})</title>"
        "</circle>"
        for (x, yy), p in zip(coords, points, strict=True)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Mastery percent by week">'
        f'{grid}<polyline fill="none" stroke="#2f6fdb" stroke-width="2.5" points="{line}"/>'
        f"{dots}{labels}</svg>"
    )


def write_html(report: Report, out: IO[str]) -> None:
    scope = report.scope
    tables = {t.name: t for t in report.tables()}
    title = "Mastery report" + (f": {scope.team_label}" if scope.team_label else "")
    meta = (
        f"{scope.since.isoformat()} to {scope.until.isoformat()}"
        f" · {report.active_cards} active cards · {len(report.reps)} reps"
        f" · generated {report.generated_at:%Y-%m-%d %H:%M %Z}"
    )
    filters = ", ".join(
        [*(f"deck {d}" for d in scope.cards.decks), *(f"tag {t}" for t in scope.cards.tags)]
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{escape(meta)}{escape(" · " + filters) if filters else ""}</p>',
        f"<h2>Mastery by rep and {escape(scope.matrix_by)}</h2>",
        _heatmap(report),
        "<h2>Mastery by week</h2>",
        trend_svg(report),
        "<h2>Reps</h2>",
        _table(tables["reps"], {"rep", "last_active"}),
        "<h2>Hardest cards</h2>",
        _table(tables["hardest_cards"], {"deck", "card", "prompt"}),
        "<h2>Key points missed most</h2>",
        _table(tables["missed_points"], {"deck", "card", "key_point"}),
        "<h2>Revised cards: relearning since the revision</h2>",
        _table(tables["revised_cards"], {"deck", "card", "revised_on"}),
    ]
    if scope.since_revision:
        parts += [
            "<h2>Who has relearned each revised card</h2>",
            _table(tables["relearning"], {"rep", "deck", "card", "revised_on", "status"}),
        ]
    parts.append("</body></html>")
    out.write("\n".join(parts) + "\n")
