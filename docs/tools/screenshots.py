"""The screenshots in docs/reports.md: the HTML report in headless Chromium, the XLSX printed.

    python docs/tools/screenshots.py [--db PATH] [--out docs/images]

Simulates the team of ``simulate_team.py`` on the bundled decks (unless
``--db`` names a database it already built), writes the HTML and XLSX reports
through the front door, then:

- screenshots the HTML page at 1280 px in Debian's Chromium, driven by
  Playwright (``apt-get install chromium``; never a downloaded browser);
- prints the workbook to PDF with LibreOffice (``apt-get install
  libreoffice-calc``) and turns two pages into PNG with pdftoppm
  (``poppler-utils``);
- shrinks the PNGs to a palette with pngquant (``apt-get install pngquant``)
  when it is there: about a third of the size, the same to the eye.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from simulate_team import UNTIL, simulate  # noqa: E402

import repdrill  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1 , EXCLUDE ::1",
]


def need(tool: str, package: str) -> str:
    found = shutil.which(tool)
    if found is None:
        sys.exit(f"{tool} is missing: apt-get install -y {package}")
    return found


def html_shots(page: Path, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        view = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
        view.goto(page.as_uri())
        # Measured before any shot: a full-page shot lays the page out again.
        clips = {
            # The headline and the first heatmaps, as a manager opens the page.
            "report-html.png": _clip(view, "header", "#heatmaps h3:nth-of-type(3)"),
            # The wide heatmap in its scrolling box (rep column kept), and the trend.
            "report-html-trend.png": _clip(view, "#heatmaps h3:nth-of-type(4)", "#reps h2"),
        }
        for name, clip in clips.items():
            view.screenshot(path=str(out / name), clip=clip, full_page=True)
        browser.close()


def _clip(view: object, start: str, end: str) -> dict[str, float]:
    """The page from the top of ``start`` to the top of ``end``, the whole width."""
    top = view.locator(start).first.bounding_box()  # type: ignore[attr-defined]
    bottom = view.locator(end).first.bounding_box()  # type: ignore[attr-defined]
    return {"x": 0, "y": top["y"] - 12, "width": 1265, "height": bottom["y"] - top["y"]}


def xlsx_shots(book: Path, out: Path, work: Path) -> None:
    office = need("libreoffice", "libreoffice-calc")
    need("pdftoppm", "poppler-utils")
    profile = (work / "office-profile").as_uri()
    subprocess.run(
        [office, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(work), str(book)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    pdf = work / f"{book.stem}.pdf"
    pages = _pages(pdf)
    for name, wanted in (
        ("report-xlsx-summary", "Mastery report"),
        ("report-xlsx-heatmap", "Heatmap: mastery by rep and tag"),
    ):
        number = next(
            i for i, text in enumerate(pages, start=1) if text.lstrip().startswith(wanted)
        )
        subprocess.run(
            ["pdftoppm", "-png", "-r", "64", "-f", str(number), "-l", str(number), "-singlefile",
             str(pdf), str(out / name)],
            check=True,
        )  # fmt: skip


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.split("\f")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a database simulate_team.py built (default: build one)")
    parser.add_argument("--out", type=Path, default=HERE.parent / "images")
    args = parser.parse_args()
    need(CHROMIUM, "chromium")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        db = args.db or f"sqlite:///{work / 'team.db'}"
        if args.db is None:
            simulate(db, until=UNTIL)
        with repdrill.open(db, user="maria", today=UNTIL) as rd:
            report = rd.report()
        page, book = work / "mastery.html", work / "mastery.xlsx"
        with page.open("w", encoding="utf-8") as handle:
            report.write(handle, "html")
        report.write_xlsx(book)
        html_shots(page, args.out)
        xlsx_shots(book, args.out, work)
    shots = sorted(args.out.glob("report-*.png"))
    if shutil.which("pngquant"):
        subprocess.run(
            [
                "pngquant",
                "--quality",
                "70-90",
                "--speed",
                "1",
                "--force",
                "--ext",
                ".png",
                *map(str, shots),
            ],
            check=True,
        )
    for shot in shots:
        print(f"{shot} {shot.stat().st_size // 1024} KB")
    print(f"as of {UNTIL.isoformat()}, generated {dt.date.today().isoformat()}")


if __name__ == "__main__":
    main()
