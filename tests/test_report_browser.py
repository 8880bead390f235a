"""The HTML report in a real browser: Debian's headless Chromium, driven by Playwright.

The page is laid out by the browser and measured with real boxes: it fits a
1280 px screen without scrolling sideways (a wide heatmap scrolls in its own
box, the rep column staying put), every rep name is visible and whole, the
trend chart's labels are inside its box, and it prints on A4 landscape with
the wide heatmap turned round.

Playwright drives the system browser (``/usr/bin/chromium``, or
``REPDRILL_CHROMIUM``); it never downloads one. Without a browser the tests
are skipped with the reason, unless ``REPDRILL_REQUIRE_BROWSER=1`` (as
``.ci/run`` sets), which makes them fail instead.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import repdrill
from conftest import DECKS, TODAY

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = os.environ.get("REPDRILL_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("REPDRILL_REQUIRE_BROWSER") == "1"
SCREEN = {"width": 1280, "height": 800}
#: A4 landscape (297 mm) less the page's 12 mm margins, in CSS pixels.
PAPER_WIDTH = round((297 - 24) / 25.4 * 96)
#: Playwright passes most quiet switches itself; these make sure no request
#: leaves the machine (every host but loopback resolves to nothing). Never
#: --disable-features here: a repeated switch replaces Playwright's own list.
LAUNCH_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-pings",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1 , EXCLUDE ::1",
]
REPS = (
    "alexandra.konstantinou@ledgerline.example",
    "ben",
    "carla",
    "dev",
    "erin",
    "femi",
    "gita",
)
EPS = 0.5


def _unavailable(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"REPDRILL_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    driver = sync_playwright().start()
    try:
        launched = driver.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=LAUNCH_ARGS,
            # Keep real scrollbars: the page then gets the 1265 px a desktop gives it.
            ignore_default_args=["--hide-scrollbars"],
        )
    except Exception:
        driver.stop()
        raise
    yield launched
    launched.close()
    driver.stop()


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML report of the bundled decks and seven reps, one with a long name."""
    where = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{where / 'team.db'}"
    with repdrill.open(url, user="enablement", today=TODAY) as rd:
        rd.load([DECKS])
        cards = [c.ref for c in rd.cards().cards]
    for offset, rep in enumerate(REPS):
        for back in (40, 39, 33, 17 + offset):
            day = TODAY - dt.timedelta(days=back)
            with repdrill.open(url, user=rep, today=day) as rd:
                for index, card in enumerate(cards[offset * 4 : offset * 4 + 20]):
                    rd.review(card, 5 if (index + back) % 5 else 2)
    with repdrill.open(url, user="carla", today=TODAY - dt.timedelta(days=2)) as rd:
        rd.hold(TODAY + dt.timedelta(days=5))
    page = where / "mastery.html"
    with repdrill.open(url, user="manager", today=TODAY) as rd, page.open("w") as out:
        rd.report().write(out, "html")
    return page


@pytest.fixture
def page(browser: Any, report_page: Path) -> Iterator[Any]:
    context = browser.new_context(viewport=SCREEN, device_scale_factor=1)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    requests: list[str] = []
    opened.on("request", lambda request: requests.append(request.url))
    opened.goto(report_page.as_uri())
    yield opened
    context.close()
    assert not errors
    assert requests == [report_page.as_uri()]  # one self-contained file


JS_WIDTHS = """() => ({
  client: document.documentElement.clientWidth,
  doc: document.documentElement.scrollWidth,
  body: document.body.scrollWidth,
  boxes: [...document.querySelectorAll('.scroll')]
    .filter(b => b.checkVisibility())
    .map(b => ({scroll: b.scrollWidth, client: b.clientWidth})),
})"""

# Each label: its box, whether its text is wider than the room it has, whether it
# is visible and on top at its centre (not covered by the cells scrolling under it).
JS_LABELS = """(selector) => [...document.querySelectorAll(selector)]
  .filter(el => el.checkVisibility())
  .map(el => {
    el.scrollIntoView({block: 'center', inline: 'nearest'});
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    const range = document.createRange();
    range.selectNodeContents(el);
    const text = range.getBoundingClientRect();
    const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return {text: el.textContent, left: r.left, right: r.right, width: text.width, room,
            scroll: el.scrollWidth, client: el.clientWidth,
            onTop: !!hit && (hit === el || el.contains(hit)),
            viewport: document.documentElement.clientWidth};
  })"""

JS_OVERFLOWING = """(selector) => [...document.querySelectorAll(selector)]
  .filter(el => el.checkVisibility() && el.scrollWidth > el.clientWidth)
  .map(el => ({text: el.textContent, scroll: el.scrollWidth, client: el.clientWidth}))"""

JS_SVG = """() => {
  const svg = document.querySelector('figure.chart svg');
  const box = svg.getBoundingClientRect();
  return {box: {left: box.left, top: box.top, right: box.right, bottom: box.bottom},
          labels: [...svg.querySelectorAll('text')].map(t => {
            const r = t.getBoundingClientRect();
            return {text: t.textContent, cls: t.getAttribute('class'),
                    left: r.left, top: r.top, right: r.right, bottom: r.bottom};
          })};
}"""

ROW_LABELS = "table.heatmap th.label[scope=row]"


def cut_labels(labels: list[dict[str, Any]]) -> list[str]:
    """The labels that are cut, outside the screen, or covered: with why."""
    bad = []
    for label in labels:
        why = []
        if label["left"] < -EPS or label["right"] > label["viewport"] + EPS:
            why.append(f"outside the screen [{label['left']:.0f}, {label['right']:.0f}]")
        if label["width"] > label["room"] + EPS or label["scroll"] > label["client"]:
            why.append(f"cut: text {label['width']:.1f} px in {label['room']:.1f} px")
        if not label["onTop"]:
            why.append("covered")
        if why:
            bad.append(f"{label['text']!r}: {'; '.join(why)}")
    return bad


def svg_problems(data: dict[str, Any]) -> list[str]:
    box = data["box"]
    return [
        f"{label['text']!r} at [{label['left']:.1f}, {label['right']:.1f}] x "
        f"[{label['top']:.1f}, {label['bottom']:.1f}]"
        for label in data["labels"]
        if label["left"] < box["left"] - EPS
        or label["right"] > box["right"] + EPS
        or label["top"] < box["top"] - EPS
        or label["bottom"] > box["bottom"] + EPS
        or label["right"] - label["left"] <= 0
    ]


def test_the_page_fits_1280_pixels_and_the_wide_heatmap_scrolls_in_its_box(page: Any) -> None:
    widths = page.evaluate(JS_WIDTHS)
    assert widths["client"] == 1265  # 1280 less a real scrollbar
    assert widths["doc"] <= widths["client"] and widths["body"] <= widths["client"], widths
    # Not true by accident: the 39 plain tags are wider than their box, which scrolls.
    assert any(box["scroll"] > box["client"] for box in widths["boxes"]), widths


def test_every_rep_name_is_visible_and_whole(page: Any) -> None:
    labels = page.evaluate(JS_LABELS, ROW_LABELS)
    assert sorted({label["text"] for label in labels}) == sorted(REPS)
    assert len(labels) == 4 * len(REPS)  # four heatmaps on screen
    assert cut_labels(labels) == []
    reps_column = page.evaluate(JS_LABELS, "#reps td.label")
    assert [label["text"] for label in reps_column] == list(REPS)
    assert cut_labels(reps_column) == []
    # Scrolled all the way right, the rep column stays at its box's left edge.
    scrolled = page.evaluate(
        "() => [...document.querySelectorAll('.scroll')].map(b => "
        "{ b.scrollLeft = b.scrollWidth; return b.scrollLeft; })"
    )
    assert max(scrolled) > 0
    assert cut_labels(page.evaluate(JS_LABELS, ROW_LABELS)) == []
    assert page.evaluate(JS_OVERFLOWING, "table.heatmap th, table.heatmap td") == []


def test_the_trend_chart_labels_are_inside_its_box(page: Any) -> None:
    data = page.evaluate(JS_SVG)
    classes = [label["cls"] for label in data["labels"]]
    assert classes.count("y-tick") == 5 and classes.count("x-tick") >= 2
    assert svg_problems(data) == []


def test_the_checks_see_a_broken_page(page: Any) -> None:
    """A negative control: break the layout on purpose, and each check must say so."""
    page.add_style_tag(
        content=".scroll { overflow: visible !important; }"
        " th.label { max-width: 40px !important; overflow: hidden !important;"
        " white-space: nowrap !important; }"
    )
    page.evaluate("document.querySelector('figure.chart text').setAttribute('x', '-40')")
    widths = page.evaluate(JS_WIDTHS)
    assert widths["doc"] > widths["client"]
    assert any("cut" in problem for problem in cut_labels(page.evaluate(JS_LABELS, ROW_LABELS)))
    assert svg_problems(page.evaluate(JS_SVG))


def test_it_prints_on_a4_landscape_with_the_wide_heatmap_turned_round(
    page: Any, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": PAPER_WIDTH, "height": 700})
    page.emulate_media(media="print")
    assert page.locator(".screen-only").first.is_hidden()
    assert page.locator(".print-only").first.is_visible()
    widths = page.evaluate(JS_WIDTHS)
    assert widths["doc"] <= widths["client"], widths  # nothing is cut at the page's edge
    assert page.evaluate(JS_OVERFLOWING, "table.heatmap th, table.heatmap td") == []
    # The 39 plain tags go down the page, the reps across; every label whole.
    headers = page.evaluate(
        "() => [...document.querySelectorAll('.print-only thead th.group')].map(t => t.textContent)"
    )
    assert headers == list(REPS)
    tags = page.evaluate(JS_LABELS, ".print-only th.label[scope=row]")
    assert len(tags) == 39 and cut_labels(tags) == []
    assert cut_labels(page.evaluate(JS_LABELS, ".print-only th.group")) == []
    pdf = tmp_path / "mastery.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    # A4 landscape: 842 x 595 points.
    assert b"/MediaBox [0 0 842 595]" in data or b"/MediaBox [0 0 841.91998 594.95996]" in data
