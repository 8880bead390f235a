"""``repdrill validate`` (repdrill.decks.validate): decks and rosters, for editors, hooks and CI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import yaml

from conftest import DECKS, ROOT, Cli


def test_validate_good_decks(plain_cli: Cli) -> None:
    result = plain_cli("validate", str(DECKS))
    assert result.exit_code == 0
    assert all(": warning: " in line for line in result.stdout.splitlines())
    assert "2 decks valid" in result.stderr


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
