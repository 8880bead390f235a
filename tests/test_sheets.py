"""``deck import`` and ``deck export`` (repdrill.decks.sheets): decks from spreadsheets and back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path

import openpyxl
import pytest
import yaml

from conftest import DECKS, Cli
from repdrill.decks.parse import parse_deck
from repdrill.decks.sheets import slug


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def parsed(path: Path):  # type: ignore[no-untyped-def]
    deck, problems = parse_deck(str(path), path.read_bytes())
    assert deck is not None, problems
    return deck


HEADER = ["Prompt", "Answer", "Key points", "Tags", "id"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_then_import_gives_the_same_bundled_decks(
    plain_cli: Cli, tmp_path: Path, kind: str
) -> None:
    assert plain_cli("load", str(DECKS)).exit_code == 0
    for name in ("objection-handling", "product-messaging"):
        original = parsed(DECKS / f"{name}.yaml")
        sheet = tmp_path / f"{name}.{kind}"
        # From the database by deck id; the file gives the same table.
        exported = plain_cli("deck", "export", name, "--format", kind, "-o", str(sheet))
        assert exported.exit_code == 0, exported.output
        deck = tmp_path / f"{name}.yaml"
        imported = plain_cli(
            "deck", "import", str(sheet), "--id", name, "--title", original.title, "-o", str(deck)
        )
        assert imported.exit_code == 0, imported.output
        assert f"Wrote {name} to {deck}: 30 cards (0 ids kept; 30 new)." in imported.stderr
        again = parsed(deck)
        assert again.cards == original.cards
        assert plain_cli("validate", str(deck)).exit_code == 0
    from_file = plain_cli("deck", "export", str(DECKS / "objection-handling.yaml"))
    from_db = plain_cli("deck", "export", "objection-handling")
    assert from_file.stdout == from_db.stdout


def test_import_writes_the_documented_format(
    plain_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # outside this repository and its taxonomy
    sheet = write_csv(
        tmp_path / "objections.csv",
        [
            [*HEADER, "Red flags", "type", "review_by"],
            [
                'The CFO says: "Too expensive."',
                "Fair question.\nWhat does the other quote include?",
                "what's included | like for like; TCO",
                "price, competitor:acme",
                "",
                "discount",
                "",
                "2026-09-30",
            ],
            ["Is it encrypted?", "Yes", "AES-256", "security", "", "", "fact", ""],
            ["Which version?", "2026.11", "", "", "", "", "", ""],
            ['The CFO says: "Too expensive!"', "1:30", "", "", "", "", "", ""],
        ],
    )
    result = plain_cli(
        "deck",
        "import",
        str(sheet),
        "--id",
        "objections",
        "--title",
        "Objections",
        "--type",
        "objection",
    )
    assert result.exit_code == 0, result.output
    text = result.stdout
    document = yaml.safe_load(text)
    cards = document["cards"]
    assert [c["id"] for c in cards] == [
        "the-cfo-says-too-expensive",
        "is-it-encrypted",
        "which-version",
        "the-cfo-says-too-expensive-2",
    ]
    assert (
        "    answer: |-\n      Fair question.\n      What does the other quote include?\n" in text
    )
    assert "      - [what's included, like for like]\n      - TCO\n" in text
    assert "    tags: [price, competitor:acme]\n" in text
    assert cards[1]["answer"] == "Yes" and cards[2]["answer"] == "2026.11"
    assert cards[3]["answer"] == "1:30"
    assert (cards[0]["type"], cards[1]["type"]) == ("objection", "fact")
    deck, problems = parse_deck("objections.yaml", text.encode())
    assert deck is not None, problems
    assert deck.cards[0].review_by == dt.date(2026, 9, 30)
    assert deck.cards[0].red_flags == (("discount",),)


def test_bad_rows_are_reported_and_nothing_is_written(plain_cli: Cli, tmp_path: Path) -> None:
    sheet = write_csv(
        tmp_path / "bad.csv",
        [
            [*HEADER, "revision", "review_by", "type"],
            ["Good?", "Yes.", "", "", "", "", "", ""],
            ["", "No prompt.", "", "", "", "", "", ""],
            ["Bad tag?", "A.", "", "Competitor Acme", "", "", "", ""],
            ["Bad id?", "A.", "", "", "Bad Id", "two", "next week", "pitch"],
        ],
    )
    out = tmp_path / "deck.yaml"
    result = plain_cli("deck", "import", str(sheet), "--id", "d", "--title", "D", "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{sheet}:3: prompt is empty; every card needs a prompt",
        f"{sheet}:4: tag 'Competitor' must be a slug (pricing) or namespace:value "
        "(competitor:acme), lowercase words joined by hyphens",
        f"{sheet}:4: tag 'Acme' must be a slug (pricing) or namespace:value (competitor:acme), "
        "lowercase words joined by hyphens",
        f"{sheet}:5: id 'Bad Id' is not a slug: lowercase words joined by hyphens "
        "(price-too-high), or leave it empty to make one from the prompt",
        f"{sheet}:5: type 'pitch' is not one of: objection, messaging, fact, scenario",
        f"{sheet}:5: revision 'two' is not a whole number from 1",
        f"{sheet}:5: review_by 'next week' is not a day as YYYY-MM-DD",
        f"Error: 3 bad rows in {sheet}; nothing was written",
    ]
    assert not out.exists()
    write_csv(sheet, [HEADER, ["One?", "A.", "", "", "same"], ["Two?", "B.", "", "", "same"]])
    twice = plain_cli("deck", "import", str(sheet), "--id", "d", "--title", "D")
    assert f"{sheet}:3: card id 'same' is also used by row 2" in twice.stderr


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            ["prompt", "answer", "keypoints"],
            "1: unknown column 'keypoints'; did you mean 'key_points'?",
        ),
        (["prompt", "reply"], "1: unknown column 'reply'; columns: id, type, prompt"),
        (["prompt", "tags"], "1: no 'answer' column; every card needs a prompt and an answer"),
        (["prompt", "answer", "Prompt"], "1: column 'Prompt' is given twice"),
    ],
)
def test_headers_are_checked(
    plain_cli: Cli, tmp_path: Path, header: list[str], message: str
) -> None:
    sheet = write_csv(tmp_path / "s.csv", [header, ["P?"] * len(header)])
    result = plain_cli("deck", "import", str(sheet), "--id", "d", "--title", "D")
    assert result.exit_code == 1
    assert f"{sheet}:{message}" in result.stderr


def test_reimporting_an_edited_sheet_keeps_the_card_ids(plain_cli: Cli, tmp_path: Path) -> None:
    deck = tmp_path / "objections.yaml"
    deck.write_text(
        "id: objections\ntitle: Objections\nowner: enablement\nmastery:\n  new_per_day: 3\n"
        "cards:\n"
        "  - id: price-too-high\n    revision: 3\n    prompt: Too expensive?\n    answer: Compare.\n"
        "  - id: no-budget\n    prompt: No budget?\n    answer: Payback.\n"
        "  - id: dropped\n    prompt: Old?\n    answer: Old.\n"
    )
    sheet = write_csv(
        tmp_path / "edited.csv",
        [
            ["id", "prompt", "answer"],
            ["", "Too  expensive?", "Compare like for like."],  # matched by prompt
            ["no-budget", "No budget this year?", "Payback in five months."],  # by id
            ["", "Brand new objection?", "A new answer."],
        ],
    )
    refused = plain_cli("deck", "import", str(sheet), "-o", str(deck))
    assert refused.exit_code == 1 and "exists; use --force" in refused.stderr
    dry = plain_cli("deck", "import", str(sheet), "-o", str(deck), "--dry-run")
    assert dry.exit_code == 0
    assert (
        f"Would write objections to {deck}: 3 cards (2 ids kept; 1 new; 1 dropped: dropped). "
        "Dry run: nothing was written."
    ) in dry.stderr
    assert "dropped" in deck.read_text()
    done = plain_cli("deck", "import", str(sheet), "-o", str(deck), "--force")
    assert done.exit_code == 0, done.output
    again = parsed(deck)
    assert [c.id for c in again.cards] == ["price-too-high", "no-budget", "brand-new-objection"]
    assert again.cards[0].revision == 3  # the sheet has no revision column: kept
    assert again.cards[0].answer == "Compare like for like."
    assert (again.owner, again.new_per_day, again.title) == ("enablement", 3, "Objections")
    # A lower revision in the sheet would make the next load fail: refused here.
    write_csv(sheet, [["id", "prompt", "answer", "revision"], ["price-too-high", "P?", "A.", "2"]])
    lowered = plain_cli("deck", "import", str(sheet), "-o", str(deck), "--force")
    assert lowered.exit_code == 1
    assert "revision 2 is lower than revision 3 of 'price-too-high'" in lowered.stderr


def test_an_xlsx_sheet_with_typed_cells(plain_cli: Cli, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["prompt", "answer", "key_points", "revision", "review_by", "choices", "correct"])
    sheet.append(["Uptime?", 99.9, "99.9%", 2, dt.datetime(2026, 6, 30), None, None])
    sheet.append(["Which plan has SSO?", "Growth.", None, None, None, "Starter\nGrowth", 2])
    sheet.append([None] * 7)
    path = tmp_path / "facts.xlsx"
    book.save(path)
    result = plain_cli("deck", "import", str(path), "--id", "facts", "--title", "Facts")
    assert result.exit_code == 0, result.output
    deck, problems = parse_deck("facts.yaml", result.stdout.encode())
    assert deck is not None, problems
    uptime, sso = deck.cards
    assert (uptime.answer, uptime.revision, uptime.review_by) == ("99.9", 2, dt.date(2026, 6, 30))
    assert (sso.choices, sso.correct) == (("Starter", "Growth"), 1)
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a workbook")
    failed = plain_cli("deck", "import", str(broken), "--id", "x", "--title", "X")
    assert failed.exit_code == 1 and "cannot read" in failed.stderr


def test_import_needs_a_deck_id_and_title(plain_cli: Cli, tmp_path: Path) -> None:
    sheet = write_csv(tmp_path / "s.csv", [["prompt", "answer"], ["P?", "A."]])
    missing = plain_cli("deck", "import", str(sheet))
    assert missing.exit_code == 1 and "a new deck needs --id and --title" in missing.stderr
    wrong = plain_cli("deck", "import", str(sheet), "--id", "Bad Id", "--title", "T")
    assert wrong.exit_code == 1 and "--id 'Bad Id' is not a slug" in wrong.stderr
    latin = tmp_path / "latin.csv"
    latin.write_bytes("prompt,answer\nÉté?,Oui.\n".encode("latin-1"))
    encoded = plain_cli("deck", "import", str(latin), "--id", "x", "--title", "X")
    assert encoded.exit_code == 1 and "not UTF-8 text" in encoded.stderr


def test_semicolon_sheets_from_european_excel(plain_cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "eu.csv"
    path.write_text("prompt;answer;tags\nPreis?;2,40 €;price\n", encoding="utf-8-sig")
    result = plain_cli("deck", "import", str(path), "--id", "eu", "--title", "EU")
    assert result.exit_code == 0, result.output
    card = yaml.safe_load(result.stdout)["cards"][0]
    assert (card["id"], card["answer"], card["tags"]) == ("preis", "2,40 €", ["price"])


def test_export_from_the_database_carries_revisions_and_review_dates(
    cli: Cli, tmp_path: Path
) -> None:
    deck = tmp_path / "pricing.yaml"
    deck.write_text(
        "id: pricing\ntitle: Pricing\ncards:\n"
        "  - id: per-invoice\n    revision: 2\n    review_by: 2026-06-30\n"
        "    prompt: Price?\n    answer: $2.40 an invoice.\n    key_points: [[$2.40, two forty]]\n"
        "  - id: sso\n    prompt: SSO?\n    answer: Growth.\n"
        "    choices: [Starter, {text: Growth, why: From Growth up.}]\n    correct: Growth\n"
    )
    assert cli("load", str(deck)).exit_code == 0
    result = cli("deck", "export", "pricing")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert (rows[0]["revision"], rows[0]["review_by"], rows[0]["key_points"]) == (
        "2",
        "2026-06-30",
        "$2.40 | two forty",
    )
    assert (rows[1]["choices"], rows[1]["correct"]) == ("Starter\nGrowth", "Growth")
    assert "no column for a choice's why; left out for sso" in result.stderr
    out = tmp_path / "pricing.xlsx"
    assert cli("deck", "export", "pricing", "-f", "xlsx").exit_code == 2  # needs --output
    assert cli("deck", "export", "pricing", "-f", "xlsx", "-o", str(out)).exit_code == 0
    assert cli("deck", "export", "pricing", "-f", "xlsx", "-o", str(out)).exit_code == 1
    assert cli("deck", "export", "pricing", "-f", "xlsx", "-o", str(out), "--force").exit_code == 0
    book = openpyxl.load_workbook(out)
    assert [c.value for c in book["pricing"][1]][:3] == ["id", "type", "prompt"]
    # Back into the deck file: the why is kept while the choices read the same.
    imported = cli("deck", "import", str(out), "-o", str(deck), "--force")
    assert imported.exit_code == 0, imported.output
    again = parsed(deck)
    assert again.cards[1].why == (None, "From Growth up.")
    assert again.cards[0].revision == 2
    assert cli("deck", "export", "nope").exit_code == 1


def test_ids_made_from_prompts() -> None:
    assert slug('The CFO says: "Your price is 40% higher than Acme Spend."') == (
        "the-cfo-says-your-price-is"
    )
    assert slug("Ça coûte combien ?") == "ca-coute-combien"
    assert slug("¿?") == "card"
    assert len(slug("word " * 3 + "x" * 80)) <= 48


def test_tags_are_checked_against_the_taxonomy_of_the_repository(
    plain_cli: Cli, tmp_path: Path
) -> None:
    (tmp_path / "repdrill.yaml").write_text("tags:\n  persona: [cfo, controller]\n")
    sheet = write_csv(
        tmp_path / "s.csv",
        [["prompt", "answer", "tags"], ["P?", "A.", "persona:cfo"], ["Q?", "B.", "persona:cf0"]],
    )
    out = tmp_path / "deck.yaml"
    result = plain_cli("deck", "import", str(sheet), "--id", "d", "--title", "D", "-o", str(out))
    assert result.exit_code == 1
    assert f"{sheet}:3: tag 'persona:cf0' is not in" in result.stderr
    assert "did you mean 'persona:cfo'?" in result.stderr
    assert not out.exists()


def test_hostile_sheets_are_refused_in_one_line(plain_cli: Cli, tmp_path: Path) -> None:
    escaped = write_csv(tmp_path / "esc.csv", [["prompt", "answer"], ["P?", "A\x1b[2J."]])
    result = plain_cli("deck", "import", str(escaped), "--id", "d", "--title", "D")
    assert result.exit_code == 1
    assert f"{escaped}:2: answer: U+001B ESCAPE is not allowed" in result.stderr
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    blocked = plain_cli("deck", "import", str(fifo), "--id", "d", "--title", "D")
    assert blocked.exit_code == 1 and "not a regular file" in blocked.stderr
