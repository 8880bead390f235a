"""One meaning per JSON key: every key any command emits is in docs/json-keys.md, and
every ``--json`` prints exactly the ``to_json()`` of the value the front door returned."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import repdrill
from conftest import DECKS, ROOT, TEAM_ROSTER, TODAY, Cli, TeamDB, on
from repdrill.cli import output
from scripted import UNDO, ScriptedIO

GLOSSARY = ROOT / "docs" / "json-keys.md"


def documented() -> set[str]:
    keys: set[str] = set()
    for cell in re.findall(r"^\| ([^|]+) \|", GLOSSARY.read_text(), re.M):
        keys.update(re.findall(r"`([a-z_0-9]+)`", cell))
    return keys


def keys_of(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from keys_of(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from keys_of(inner)


@pytest.fixture
def busy(plain_cli: Cli, tmp_path: Path) -> Cli:
    """A database with reviews, typed answers, an undo, a retired deck and three reps."""
    cli = plain_cli
    assert cli("load", str(DECKS)).exit_code == 0
    for rep in ("ana", "ben", "carla"):
        for offset in range(4):
            day = (TODAY + dt.timedelta(days=offset)).isoformat()
            cli(
                "review",
                "price-too-high",
                "-g",
                "1",
                "-a",
                "we are the cheapest, total cost of ownership",
                REPDRILL_USER=rep,
                REPDRILL_TODAY=day,
            )
    cli("drill", "--limit", "1", input="\n2\n\nu\n\n5\n", REPDRILL_USER="ana")
    return cli


PLANS = """\
id: plans
title: Plans
language: en
cards:
  - id: sso-plan
    prompt: Which plan includes SSO?
    answer: Growth.
    choices: [Starter, {text: Growth, why: SSO starts at Growth.}]
    correct: Growth
"""


def emitted(cli: Cli, tmp_path: Path, write_deck: Callable[..., Path]) -> list[Any]:
    broken = write_deck("broken", raw="id: Broken\ntitle: x\ncards: []\n")
    other = write_deck("other", ["one", "two"])
    documents: list[Any] = []

    def run(*args: str, **env: str) -> Any:
        result = cli(*args, **env)
        assert result.stdout.strip(), (args, result.output)
        documents.append(json.loads(result.stdout))
        return documents[-1]

    run("status", "--json")
    run("card", "show", "price-too-high", "--json")
    run("card", "list", "--json")
    run("review", "no-budget", "-g", "4", "-a", "payback in five months", "--json")
    run("grade", "price-too-high", "-a", "not the cheapest, TCO", "--json")
    run("load", str(other), "--json")
    run("deck", "retire", "other", "--json")
    run("validate", "--format", "json", str(DECKS), str(broken), str(ROOT / "teams.yaml"))
    until = (TODAY + dt.timedelta(days=5)).isoformat()
    run("report", "--format", "json", "--until", until)
    run("deck", "health", "--json", REPDRILL_TODAY=until)
    run("due", "--json")
    run("config", "list", "--json")
    run("hold", "--until", until, "--json")
    # A card mastered a week ago and lost since, for the headline's losing cards.
    quick = write_deck(
        "quick",
        raw="id: quick\ntitle: Quick\nmastery:\n  min_interval_days: 6\ncards:\n"
        "  - id: q\n    prompt: P?\n    answer: A.\n    tags: [price]\n",
    )
    cli("load", str(quick))
    for back, grade in ((20, "5"), (19, "5"), (2, "1")):
        day = (TODAY - dt.timedelta(days=back)).isoformat()
        cli("review", "quick/q", "-g", grade, REPDRILL_USER="gus", REPDRILL_TODAY=day)
    brief = run("brief", "--format", "json")
    assert brief["summary"]["losing_cards"] and brief["summary"]["reps_on_hold"]
    plans = write_deck("plans", raw=PLANS)
    lint = write_deck(
        "lint", raw="id: lint\ntitle: Lint\ncards:\n  - id: a\n    prompt: P?\n    answer: A.\n"
    )
    run("validate", "--format", "json", str(lint))
    run("load", str(plans), "--json")
    run("review", "sso-plan", "-g", "1", "-a", "Starter", "--json")
    run("grade", "sso-plan", "-a", "Growth", "--json")
    run("deck", "health", "--deck", "plans", "--json")
    cli(
        "review", "price-too-high", "-g", "5", "-a", "Look at the all-in spend over the life of it."
    )
    run("deck", "wordings", "--json")
    deck_copy = tmp_path / "objection-handling.yaml"
    deck_copy.write_text((DECKS / "objection-handling.yaml").read_text())
    run("deck", "wordings", "--apply", str(deck_copy), "--json")
    revised = write_deck(
        "pricing",
        raw="id: pricing\ntitle: Pricing\nowner: enablement\nreview_by: 2026-01-31\ncards:\n"
        "  - id: per-invoice\n    prompt: Price?\n    answer: $2.80 an invoice.\n"
        "    review_by: 2026-02-28\n",
    )
    run("load", str(revised), "--json")
    cli("review", "pricing/per-invoice", "-g", "5")
    revised.write_text(revised.read_text().replace("$2.80", "$2.40") + "    revision: 2\n")
    run("load", str(revised), "--json")
    run("deck", "health", "--deck", "pricing", "--json")
    run("report", "--format", "json", "--since-revision")
    exported = cli("log", "export").stdout
    documents += [json.loads(line) for line in exported.splitlines()]
    lines = tmp_path / "log.jsonl"
    lines.write_text(exported + "not json\n")
    run("log", "import", str(lines), "--json")
    run("db", "check", "--json")
    run("db", "backup", str(tmp_path / "backup.db"), "--json")
    return documents


def team_documents(team: TeamDB) -> list[Any]:
    """What the team and db commands print on a PostgreSQL team database."""
    owner = team.cli()
    documents = []
    for args in (
        ["team", "setup", "--json"],
        ["team", "load", str(team.roster(TEAM_ROSTER)), "--json"],
        ["team", "add-rep", "zoe", "--json"],
        ["team", "add-manager", "max", "--team", "west", "--import", "--json"],
        ["team", "add-author", "ada", "--json"],
        ["team", "list", "--json"],
        ["team", "remove", "ada", "--json"],
        ["db", "check", "--json"],
        ["db", "backup", "team.dump", "--json"],
    ):
        result = owner(*args)
        assert result.exit_code == 0, (args, result.output)
        documents.append(json.loads(result.stdout))
    with repdrill.open(team.server.url(team.name), today=TODAY) as superuser:
        documents.append(superuser.team_harden(dry_run=True).to_json())
    return documents


def library_values(db_url: str) -> list[Any]:
    with on(db_url, TODAY, user="dev") as rd:
        io = ScriptedIO(["", 5, "", UNDO, "", 4])
        summary = rd.drill(io, limit=2)
        undone = rd.undo(rd.review("no-budget", 2).review_id)
        exported = rd.export_log(__import__("io").StringIO())
        prep = rd.prep(ScriptedIO(["total cost", 3]), tag="competitor:acme")
        sheet = rd.export_deck("objection-handling")
    assert io.plan is not None
    return [
        summary.to_json(),
        undone.to_json(),
        exported.to_json(),
        io.plan.to_json(),
        prep.to_json(),
        sheet.to_json(),
    ]


@pytest.mark.postgres
def test_every_emitted_key_is_in_the_glossary_and_no_other(
    busy: Cli, tmp_path: Path, write_deck: Callable[..., Path], team_db: TeamDB
) -> None:
    documents = emitted(busy, tmp_path, write_deck)
    documents += library_values(busy.env["REPDRILL_DB"])
    documents += team_documents(team_db)
    used = {key for document in documents for key in keys_of(document)}
    glossary = documented()
    assert sorted(used - glossary) == [], (
        f"keys missing from docs/json-keys.md: {sorted(used - glossary)}"
    )
    assert sorted(glossary - used) == [], "keys in docs/json-keys.md that nothing emits"


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The values the CLI handed to print_json, in order."""
    values: list[Any] = []
    real = output.print_json

    def capture(value: Any) -> None:
        values.append(value)
        real(value)

    monkeypatch.setattr(output, "print_json", capture)
    for module in ("cards", "db", "decks", "drilling", "grading", "logs"):
        monkeypatch.setattr(f"repdrill.cli.{module}.print_json", capture)
    return values


@pytest.mark.parametrize(
    "args",
    [
        ["status", "--json"],
        ["card", "show", "price-too-high", "--json"],
        ["card", "list", "--json"],
        ["review", "no-budget", "--grade", "4", "--json"],
        ["grade", "no-budget", "-a", "what do you spend today", "--json"],
        ["deck", "health", "--json"],
        ["load", str(DECKS), "--json"],
        ["db", "check", "--json"],
        ["log", "import", "-", "--json"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_json_output_is_exactly_to_json(busy: Cli, captured: list[Any], args: list[str]) -> None:
    result = busy(*args)
    assert result.exit_code == 0, result.output
    (value,) = captured
    assert json.loads(result.stdout) == value.to_json()


def test_report_json_is_the_report_value(busy: Cli) -> None:
    printed = json.loads(busy("report", "--format", "json").stdout)
    with repdrill.open(busy.env["REPDRILL_DB"], user="ana", today=TODAY) as rd:
        value = rd.report().to_json()
    printed.pop("generated_at")
    value.pop("generated_at")
    assert printed == value


def test_status_and_card_show_match_the_api(busy: Cli) -> None:
    with repdrill.open(busy.env["REPDRILL_DB"], user="ana", today=TODAY) as rd:
        assert json.loads(busy("status", "--json").stdout) == rd.status().to_json()
        shown = json.loads(busy("card", "show", "price-too-high", "--json").stdout)
        assert shown == rd.card("price-too-high").to_json()


@pytest.mark.postgres
def test_team_json_output_is_exactly_to_json(
    team_db: TeamDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    values: list[Any] = []
    real = output.print_json

    def capture(value: Any) -> None:
        values.append(value)
        real(value)

    monkeypatch.setattr("repdrill.cli.team.print_json", capture)
    owner = team_db.cli()
    for args in (
        ["team", "setup", "--json"],
        ["team", "load", str(team_db.roster(TEAM_ROSTER)), "--json"],
        ["team", "add-rep", "zoe", "--json"],
        ["team", "list", "--json"],
        ["team", "remove", "zoe", "--json"],
    ):
        result = owner(*args)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == values[-1].to_json()
