"""Docs that cannot drift: every command, deck key, report key and log key is documented."""

from __future__ import annotations

import json
import re

import pytest
import typer
from typer.main import get_command

from conftest import DECKS, ROOT, Cli
from repdrill.cli import app
from repdrill.decks import format as deckformat
from repdrill.store.log import OPTIONAL, REQUIRED

DOCS = ROOT / "docs"


def commands() -> list[tuple[str, object]]:
    """Every leaf command as (its full name, its click command)."""
    found = []

    def walk(group: object, prefix: str) -> None:
        for name, command in sorted(group.commands.items()):  # type: ignore[attr-defined]
            full = f"{prefix} {name}".strip()
            if hasattr(command, "commands"):
                walk(command, full)
            else:
                found.append((full, command))

    walk(get_command(app), "")
    return found


COMMANDS = commands()


def test_the_command_list_is_complete() -> None:
    names = {name for name, _ in COMMANDS}
    assert {"drill", "card show", "log import", "deck health", "report", "grade"} <= names


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_is_documented_with_help_and_an_example(name: str, command: object) -> None:
    text = (DOCS / "commands.md").read_text()
    assert f"## repdrill {name}\n" in text
    help_text = command.help or ""  # type: ignore[attr-defined]
    assert len(help_text) > 40
    assert "Example" in help_text


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_option_is_documented(name: str, command: object) -> None:
    text = (DOCS / "commands.md").read_text()
    section = text.split(f"## repdrill {name}\n", 1)[1].split("\n## ", 1)[0]
    for param in command.params:  # type: ignore[attr-defined]
        if isinstance(param, typer.core.TyperOption) and param.name != "help":
            assert param.opts[0] in section, f"{name}: {param.opts[0]} is not documented"


def test_every_command_runs_its_help(plain_cli: Cli) -> None:
    for name, _ in COMMANDS:
        result = plain_cli(*name.split(), "--help")
        assert result.exit_code == 0 and "Usage:" in result.stdout


@pytest.mark.parametrize(
    "field",
    [*deckformat.DECK_FIELDS, *deckformat.CARD_FIELDS, *deckformat.MASTERY_FIELDS],
    ids=lambda f: f.name,
)
def test_every_deck_key_is_documented(field: deckformat.Field) -> None:
    assert f"`{field.name}`" in (DOCS / "deck-format.md").read_text()


def test_every_report_key_is_documented(plain_cli: Cli) -> None:
    plain_cli("load", str(DECKS))
    plain_cli("review", "price-too-high", "--grade", "5", "--answer", "total cost of ownership")
    data = json.loads(plain_cli("report", "--format", "json").stdout)
    text = (DOCS / "reports.md").read_text()
    shape = text.split("## The JSON shape", 1)[1]
    for key in _keys(data):
        # Quoted as a JSON key in the documented shape, not merely a substring of prose.
        assert f'"{key}":' in shape, key
    for table in _tables():
        assert f"`{table.name}`" in text, table.name  # type: ignore[attr-defined]
        for column in table.columns:  # type: ignore[attr-defined]
            assert f'"{column}":' in shape or f"`{column}`" in text, column


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _tables() -> list[object]:
    import datetime as dt

    from repdrill.reports.report import Report, ReportScope

    empty = Report(
        scope=ReportScope.weeks_back(dt.date(2026, 3, 2)),
        generated_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
        active_cards=0,
        reps=[],
        groups=[],
        matrix=[],
        hardest=[],
        trend=[],
        missed_points=[],
    )
    return empty.tables()  # type: ignore[return-value]


def test_every_log_line_key_is_documented() -> None:
    text = (DOCS / "team-mode.md").read_text()
    for key in (*REQUIRED, *OPTIONAL):
        assert f"| `{key}` |" in text


def test_readme_links_resolve() -> None:
    readme = (ROOT / "README.md").read_text()
    for link in re.findall(r"\]\(((?:docs/)[^)]+)\)", readme):
        assert (ROOT / link).exists(), link
    assert "<!-- main-command -->" in readme and "<!-- test-command -->" in readme


def test_grading_doc_states_the_constants() -> None:
    from repdrill import grading

    text = (DOCS / "grading.md").read_text()
    for name in ("POINT_COVERAGE", "WINDOW_SLACK", "PREFIX_SHARE", "FUZZY_THRESHOLD", "SHORT_WORD"):
        assert name in text
    assert f"at least **{grading.FUZZY_THRESHOLD}**" in text
    assert f"**{grading.WINDOW_SLACK} words longer**" in text
