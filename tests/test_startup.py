"""Start-up: the read and single-grade commands import only what they use.

Each command runs in a fresh interpreter, as a rep types it, and then the
test looks at ``sys.modules``: SQLAlchemy's ORM (about 0.2 s to import) and
Alembic (0.3 s, needed only to upgrade an old schema) must never be among
them, and a review without a typed answer leaves the grader unimported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import DECKS, TODAY, Cli

#: Subprocesses: a second each.
pytestmark = pytest.mark.slow

NEVER = ("sqlalchemy.orm", "alembic")

COMMANDS = [
    ("status",),
    ("due",),
    ("review", "price-too-high", "--grade", "4"),
    ("card", "show", "price-too-high"),
    ("card", "list"),
    ("grade", "price-too-high", "--answer", "what does their quote include"),
]

PROBE = """
import json, sys
sys.argv = ["repdrill", *sys.argv[1:]]
from repdrill.__main__ import main
try:
    main()
except SystemExit as done:
    if done.code not in (0, None):
        raise
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def imported_by(db_url: str, *args: str) -> set[str]:
    env = {
        **os.environ,
        "REPDRILL_DB": db_url,
        "REPDRILL_USER": "ana",
        "REPDRILL_TODAY": TODAY.isoformat(),
        "NO_COLOR": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_read_and_grade_commands_never_import_the_orm_or_alembic(
    cli: Cli, db_url: str, args: tuple[str, ...]
) -> None:
    assert cli("load", str(DECKS)).exit_code == 0
    modules = imported_by(db_url, *args)
    assert not [m for m in modules if m.startswith(NEVER)]


def test_a_review_without_an_answer_leaves_the_grader_alone(cli: Cli, db_url: str) -> None:
    assert cli("load", str(DECKS)).exit_code == 0
    modules = imported_by(db_url, "review", "price-too-high", "--grade", "4")
    assert "repdrill.grading" not in modules and "rapidfuzz" not in modules


def test_help_imports_no_database_library(plain_cli: Cli, tmp_path: object) -> None:
    modules = imported_by(plain_cli.env["REPDRILL_DB"], "--help")
    assert not [m for m in modules if m.startswith(("sqlalchemy", "alembic", "psycopg"))]


@pytest.mark.parametrize(
    "args",
    [("status",), ("status", "--json"), ("status", "-d", "objection-handling", "--tag=price")],
    ids=["text", "json", "filtered"],
)
def test_status_on_sqlite_imports_neither_sqlalchemy_nor_typer(
    plain_cli: Cli, args: tuple[str, ...]
) -> None:
    assert plain_cli("load", str(DECKS)).exit_code == 0
    plain_cli("review", "price-too-high", "--grade", "4")
    modules = {m.split(".")[0] for m in imported_by(plain_cli.env["REPDRILL_DB"], *args)}
    assert not modules & {"sqlalchemy", "typer", "click", "alembic"}
    assert ("rich" in modules) == ("--json" not in args)  # Rich draws the table, and only it
