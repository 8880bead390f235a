"""``repdrill validate`` (repdrill.decks.validate): decks and rosters, for editors, hooks and CI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from conftest import DECKS, ROOT, Cli


def test_validate_good_decks(plain_cli: Cli) -> None:
    result = plain_cli("validate", str(DECKS))
    assert result.exit_code == 0
    assert all(": warning: " in line for line in result.stdout.splitlines())
    assert "2 decks and 1 taxonomy valid" in result.stderr  # repdrill.yaml at the root


def test_validate_reports_every_problem_in_every_file(
    plain_cli: Cli, write_deck: Callable[..., Path]
) -> None:
    one = write_deck("one", raw="id: one\ntitle: One\ncards:\n  - {id: a, prompt: p, answer: on}\n")
    two = write_deck(
        "two",
        raw="id: two\ntitle: Two\ncards:\n  - {id: b, prompt: p}\n  - {id: b, prompt: q, answer: x, colour: red}\n",
    )
    result = plain_cli("validate", str(one.parent))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{one}:4:32: card 'a': answer: YAML reads 'on' as a boolean; quote it to keep it as text: \"on\"",
        f"{two}:4:5: card 'b': missing required key 'answer'",
        f"{two}:5:5: card id 'b' is used twice in this deck (first at line 4)",
        f"{two}:5:35: card 'b': unknown key 'colour'; expected one of: id, prompt, answer, type, tags, key_points, red_flags, explanation, source, choices, correct, revision, review_by",
    ]
    assert "4 problems in 2 of 2 files" in result.stderr


def test_validate_json(plain_cli: Cli, write_deck: Callable[..., Path]) -> None:
    path = write_deck(
        "one", raw="id: one\ntitle: One\ncards:\n  - {id: a, prompt: p, answer: no}\n"
    )
    result = plain_cli("validate", "--format", "json", str(path))
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False and data["files"] == 1
    assert data["problems"][0] == {
        "path": str(path),
        "line": 4,
        "column": 32,
        "message": "card 'a': answer: YAML reads 'no' as a boolean; quote it to keep it as text: \"no\"",
    }


def test_validate_github_annotations(plain_cli: Cli, write_deck: Callable[..., Path]) -> None:
    path = write_deck(
        "one", raw="id: one\ntitle: One\ncards:\n  - {id: a, prompt: p, answer: 100%}\n"
    )
    result = plain_cli("validate", "--format", "github", str(path))
    assert result.exit_code == 0  # 100% is text
    bad = write_deck("two", raw="id: two\ntitle: T\ncards:\n  - {id: a, prompt: p, answer: 1.5}\n")
    result = plain_cli("validate", "-f", "github", str(bad))
    assert result.exit_code == 1
    assert result.stdout.startswith(
        f"::error file={bad},line=4,col=32,title=repdrill::card 'a': answer"
    )


def test_validate_usage_errors(plain_cli: Cli, tmp_path: Path) -> None:
    assert plain_cli("validate").exit_code == 2
    assert plain_cli("validate", str(tmp_path / "missing.yaml")).exit_code == 2
    assert plain_cli("validate", "--format", "xml", str(DECKS)).exit_code == 2


def test_validate_empty_directory_fails(plain_cli: Cli, tmp_path: Path) -> None:
    result = plain_cli("validate", str(tmp_path))
    assert result.exit_code == 1 and "no deck files" in result.stderr


def test_pre_commit_hook_definition_runs_validate() -> None:

    hooks = yaml.safe_load((Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "repdrill-validate")
    assert hook["entry"] == "repdrill validate"
    assert hook["language"] == "python"
    assert "yaml" in hook["types"]


def test_validate_checks_rosters_too(plain_cli: Cli, tmp_path: Path) -> None:
    roster = tmp_path / "teams.yaml"
    roster.write_text("teams:\n  - name: west\n    reps: [ana, ana]\n    lead: x\n")
    result = plain_cli("validate", str(tmp_path))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{roster}:3:17: team 'west': rep 'ana' is listed twice",
        f"{roster}:4:5: team 'west': unknown key 'lead'; expected one of: name, manager, reps, description",
    ]
    listed = json.loads(plain_cli("validate", str(tmp_path), "--format", "json").stdout)
    assert listed["valid"] is False and listed["rosters"] == [str(roster)]
    shipped = plain_cli("validate", str(DECKS), str(ROOT / "teams.yaml"), "--format", "json")
    assert shipped.exit_code == 0
    assert [Path(p).name for p in json.loads(shipped.stdout)["rosters"]] == ["teams.yaml"]


# -- review-by dates, revisions and changes of message ---------------------------------

PRICING = """\
id: pricing
title: Pricing
owner: enablement@ledgerline.example
review_by: {deck_review}
cards:
  - id: per-invoice
    revision: {revision}
    prompt: What does Ledgerline cost?
    answer: $2.80 an invoice, against about $12 for manual processing.
    key_points: ["$2.80 an invoice", manual processing]
    review_by: "2026-06-30"
  - id: sync
    prompt: How often do we sync?
    answer: Every 15 minutes.
    key_points: [every 15 minutes]
"""


def pricing(path: Path, revision: int = 1, deck_review: str = "2026-12-31", **edits: str) -> Path:
    text = PRICING.format(revision=revision, deck_review=deck_review)
    for old, new in edits.items():
        text = text.replace(old.replace("_", " "), new)
    path.write_text(text)
    return path


def test_review_by_dates_that_have_come_are_warnings_and_strict_fails(
    plain_cli: Cli, tmp_path: Path
) -> None:
    deck = pricing(tmp_path / "pricing.yaml", deck_review="2026-03-02")
    ok = plain_cli("validate", str(deck), REPDRILL_TODAY="2026-03-01")
    assert ok.exit_code == 0 and "review_by" not in ok.stdout
    due = plain_cli("validate", str(deck), REPDRILL_TODAY="2026-07-01")
    assert due.exit_code == 0
    assert due.stdout.splitlines()[:2] == [
        f"{deck}:4:12: warning: deck 'pricing': review_by 2026-03-02 has passed; review the "
        "deck with its owner (enablement@ledgerline.example) and set the next review_by",
        f"{deck}:11:16: warning: card 'per-invoice': review_by 2026-06-30 has passed; review "
        "the card with its owner (enablement@ledgerline.example) and set the next review_by",
    ]
    today = plain_cli("validate", str(deck), REPDRILL_TODAY="2026-03-02")
    assert "review_by 2026-03-02 is today" in today.stdout
    strict = plain_cli("validate", "--strict", str(deck), REPDRILL_TODAY="2026-07-01")
    assert strict.exit_code == 1 and "errors with --strict" in strict.stderr


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("revision", "0", "card 'a': revision must be between 1 and 1000000, not 0"),
        ("revision", "two", "card 'a': revision must be a whole number, not the text 'two'"),
        (
            "review_by",
            "2026-02-30",
            "card 'a': review_by must be a day as YYYY-MM-DD (2026-06-30), not '2026-02-30'",
        ),
        ("review_by", "next week", "card 'a': review_by must be a day as YYYY-MM-DD"),
        ("review_by", "2026-06-30 10:00:00", "card 'a': review_by must be a day as YYYY-MM-DD"),
    ],
)
def test_bad_revisions_and_dates_are_located(
    plain_cli: Cli, write_deck: Callable[..., Path], key: str, value: str, message: str
) -> None:
    from conftest import card_yaml

    deck = write_deck("alpha", [card_yaml("a", **{key: value})])
    result = plain_cli("validate", str(deck))
    assert result.exit_code == 1
    assert f"{deck}:7:" in result.stdout and message in result.stdout


def git(repository: Path, *args: str) -> None:
    import subprocess

    subprocess.run(
        ["git", "-c", "user.name=Enablement", "-c", "user.email=e@example.com", *args],
        cwd=repository,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    root = tmp_path / "enablement"
    (root / "decks").mkdir(parents=True)
    git(root, "init", "-q")
    pricing(root / "decks" / "pricing.yaml")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "Pricing deck")
    return root


def test_against_a_git_commit_a_changed_price_without_a_revision_warns(
    plain_cli: Cli, repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repository)
    pricing(repository / "decks" / "pricing.yaml", **{"$2.80": "$2.40"})
    git(repository, "commit", "-q", "-am", "New price")
    result = plain_cli("validate", "--against", "HEAD~1", "decks/")
    assert result.exit_code == 0
    assert (
        "decks/pricing.yaml:7:15: warning: card 'per-invoice': the message looks changed since "
        "HEAD~1 (price $2.80 → $2.40; key point '$2.80 an invoice' → '$2.40 an invoice') but "
        "its revision is still 1: raise it to 2 if reps must relearn the card, or leave it "
        "for a correction"
    ) in result.stdout
    assert "'sync'" not in result.stdout
    assert plain_cli("validate", "--strict", "--against", "HEAD~1", "decks/").exit_code == 1
    # Raised: no warning. A rewording: no warning.
    pricing(repository / "decks" / "pricing.yaml", revision=2, **{"$2.80": "$2.40"})
    assert "looks changed" not in plain_cli("validate", "--against", "HEAD~1", "decks/").stdout
    pricing(
        repository / "decks" / "pricing.yaml",
        **{"Every 15 minutes.": "Every fifteen minutes, both ways."},
    )
    reworded = plain_cli("validate", "--against", "HEAD~1", "decks/")
    assert "card 'sync'" in reworded.stdout  # the figure 15 is gone
    pricing(repository / "decks" / "pricing.yaml", **{"How often": "How frequently"})
    assert "looks changed" not in plain_cli("validate", "--against", "HEAD~1", "decks/").stdout


def test_against_a_commit_a_lowered_revision_is_an_error(
    plain_cli: Cli, repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repository)
    pricing(repository / "decks" / "pricing.yaml", revision=3)
    git(repository, "commit", "-q", "-am", "Revision 3")
    pricing(repository / "decks" / "pricing.yaml", revision=2)
    result = plain_cli("validate", "--against", "HEAD", "decks/")
    assert result.exit_code == 1
    assert (
        "decks/pricing.yaml:7:15: card 'per-invoice': revision 2 is lower than revision 3 in "
        "HEAD; revisions only go up"
    ) in result.stdout


def test_against_a_new_file_or_a_bad_ref(
    plain_cli: Cli, repository: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repository)
    pricing(repository / "decks" / "new.yaml").write_text(
        (repository / "decks" / "new.yaml").read_text().replace("id: pricing", "id: new")
    )
    assert plain_cli("validate", "--against", "HEAD", "decks/").exit_code == 0
    bad = plain_cli("validate", "--against", "no-such-branch", "decks/")
    assert bad.exit_code == 1
    assert "Error: --against no-such-branch: git knows no commit 'no-such-branch' here" in (
        bad.stderr
    )
    outside = tmp_path / "loose.yaml"
    pricing(outside)
    result = plain_cli("validate", "--against", "HEAD", str(outside))
    assert result.exit_code == 1 and "is not in a git checkout" in result.stderr


def test_against_the_database(cli: Cli, tmp_path: Path) -> None:
    deck = pricing(tmp_path / "pricing.yaml")
    assert cli("load", str(deck)).exit_code == 0
    pricing(deck, **{"$2.80": "$2.40", "manual processing": "manual processing, Acme Spend"})
    result = cli("validate", "--db", str(deck))
    assert result.exit_code == 0, result.output
    assert (
        f"{deck}:7:15: warning: card 'per-invoice': the message looks changed since the "
        "version in the database (price $2.80 → $2.40; name Acme Spend added; key point "
        "removed: '$2.80 an invoice'; key point added: '$2.40 an invoice'; key point added: "
        "'Acme Spend') but its revision is still 1"
    ) in result.stdout
    pricing(deck, revision=2, **{"$2.80": "$2.40"})
    assert cli("load", str(deck)).exit_code == 0
    pricing(deck, revision=1)
    lowered = cli("validate", "--db", str(deck))
    assert lowered.exit_code == 1
    assert (
        f"{deck}:7:15: card 'per-invoice': revision 1 is lower than revision 2 in the version "
        "in the database; revisions only go up"
    ) in lowered.stdout
    # A deck the database does not have is compared with nothing.
    other = tmp_path / "other.yaml"
    other.write_text(deck.read_text().replace("id: pricing", "id: other"))
    assert cli("validate", "--db", str(other)).exit_code == 0
