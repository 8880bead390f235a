"""The report's views fit: on a terminal at 80 and 200 columns, no cell is cut to an
ellipsis and no rep name is cut; in Markdown and HTML each heatmap is a namespace."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from rich.console import Console

import repdrill
from conftest import DECKS, TODAY
from repdrill.reports.exporters.terminal import print_report
from repdrill.reports.report import Report

#: Seven reps: the bundled decks' 39 plain tags do not fit 80 columns either way round.
REPS = (
    "alexandra.k",
    "ben",
    "carla",
    "dev",
    "erin",
    "femi",
    "gita",
)


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The bundled decks (53 tags in three namespaces and plain) and seven reps' reviews."""
    url = f"sqlite:///{tmp_path_factory.mktemp('views') / 'views.db'}"
    with repdrill.open(url, user="enablement", today=TODAY) as rd:
        rd.load([DECKS])
        cards = [c.ref for c in rd.cards().cards]
    for offset, rep in enumerate(REPS):
        # Intervals of 1, 6, 16 and 43 days: the cards graded 5 each time are mastered.
        for back in (40, 39, 33, 17):
            day = TODAY - dt.timedelta(days=back)
            with repdrill.open(url, user=rep, today=day) as rd:
                for index, card in enumerate(cards[offset * 5 : offset * 5 + 16]):
                    rd.review(card, 5 if (index + offset + back) % 5 else 2)
    return url


def built(url: str, **options: object) -> Report:
    with repdrill.open(url, user="manager", today=TODAY) as rd:
        return rd.report(**options)  # type: ignore[arg-type]


def render(report: Report, width: int) -> str:
    out = io.StringIO()
    print_report(report, Console(file=out, width=width, color_system=None, legacy_windows=False))
    return out.getvalue()


@pytest.mark.parametrize("width", [80, 200])
def test_nothing_is_cut_on_a_terminal(bundled: str, width: int) -> None:
    text = render(built(bundled), width)
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width
    for rep in REPS:
        # Each name whole on a line: never cut, never folded.
        assert re.search(rf"(^|\s){re.escape(rep)}(\s|$)", text, re.M), rep
    for heading in ("competitor", "persona", "stage", "tag"):
        assert f"Mastery by rep and {heading}" in text


def test_at_80_columns_a_wide_namespace_lists_its_weakest_cells(bundled: str) -> None:
    narrow, wide = render(built(bundled), 80), render(built(bundled), 200)
    assert "Mastery by rep and tag: the 10 weakest of" in narrow
    assert "39 columns do not fit 80 columns" in narrow
    # At 200 columns the same matrix fits, transposed: tags down, reps across.
    assert "weakest of" not in wide
    assert re.search(r"^tag\s+alexandra\.k\s+ben\s", wide, re.M)
    # The three namespaces fit as they are at both widths: reps down, tags across.
    for text in (narrow, wide):
        assert re.search(r"^rep\s+acme\s+billbot\s+paywise\s+status-quo$", text, re.M)


def test_cells_carry_their_card_count_and_mark_too_few(bundled: str) -> None:
    text = render(built(bundled, by="competitor"), 80)
    # competitor:acme has 3 cards, billbot 2 (too few: marked).
    assert re.search(r"\d+% of 3 ", text) and re.search(r"\d+% of 2\*", text)
    assert re.search(r"\* fewer\s+than\s+3\s+cards", text)
    assert "Mastery by rep and persona" not in text  # --by shows that one view


def test_terminal_headers_are_words(bundled: str) -> None:
    text = render(built(bundled), 200)
    assert "last active" in text and "days met" in text
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text.split("Mastery by week")[0].split("Reps")[-1])


def test_markdown_has_a_matrix_per_namespace_the_long_side_down(bundled: str) -> None:
    out = io.StringIO()
    built(bundled).write(out, "md")
    text = out.getvalue()
    assert text.index("## Summary") < text.index("## Mastery by rep and competitor")
    assert "| rep | acme | billbot | paywise | status-quo |" in text
    # 39 plain tags, 7 reps: tags down.
    assert f"| tag | {' | '.join(REPS)} |" in text


def test_html_heatmaps_scroll_in_their_box_and_print_the_long_side_down(
    bundled: str, tmp_path: Path
) -> None:
    out = io.StringIO()
    built(bundled).write(out, "html")
    page = out.getvalue()
    # Four heatmaps, the wide one with a printed version.
    assert page.count('<table class="heatmap">') == 5
    assert page.count('class="scroll screen-only"') == 1 and page.count('class="print-only"') == 1
    assert "@media print" in page and "@page { size: A4 landscape" in page
    assert "<script" not in page and "<link" not in page and "https://" not in page


def test_a_long_rep_name_is_never_cut_at_80_columns(bundled: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'long.db'}"
    with repdrill.open(url, user="enablement", today=TODAY) as rd:
        rd.load([DECKS])
    long_name = "alexandra.konstantinou-van-der-berg@ledgerline.example"
    for rep in (long_name, "ben"):
        with repdrill.open(url, user=rep, today=TODAY) as rd:
            rd.review("price-too-high", 4)
    text = render(built(url), 80)
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 80
    assert re.search(rf"^{re.escape(long_name)}$", text, re.M)  # the reps, one a line
    assert "the 10 weakest of" in text
