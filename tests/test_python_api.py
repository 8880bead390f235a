"""The front door (repdrill.app): docs/python-api.md runs, and a script outside the project works."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import repdrill
from conftest import DECKS, ROOT

DOC = ROOT / "docs" / "python-api.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh directory holding a copy of the bundled decks, with no REPDRILL_* set."""
    shutil.copytree(DECKS, tmp_path / "decks")
    for name in ("REPDRILL_DB", "REPDRILL_USER", "REPDRILL_TODAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_page_has_examples() -> None:
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("code", EXAMPLES, ids=[f"example-{i + 1}" for i in range(len(EXAMPLES))])
def test_every_example_runs(code: str, workdir: Path) -> None:
    exec(compile(code, str(DOC), "exec"), {"__name__": "__example__"})


def test_a_script_outside_the_project_needs_only_open(tmp_path: Path) -> None:
    script = tmp_path / "drill_four_days.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import datetime as dt
            import json

            import repdrill

            start = dt.date(2026, 3, 2)
            for day in (0, 1, 7, 23):
                with repdrill.open("team.db", user="dev", today=start + dt.timedelta(days=day)) as rd:
                    if day == 0:
                        rd.load([{str(DECKS)!r}])
                    rd.review("objection-handling/no-budget", 5)
            with repdrill.open("team.db", user="dev", today=start + dt.timedelta(days=23)) as rd:
                card = rd.card("objection-handling/no-budget")
                report = rd.report(rep="dev").to_json()
            print(json.dumps({{"interval": card.schedule.state.interval,
                               "mastered": report["reps"][0]["mastered_cards"]}}))
            """
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPDRILL_")}
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == '{"interval": 45, "mastered": 1}'


def test_all_names_the_public_api_and_each_resolves() -> None:
    assert "open" in repdrill.__all__ and "Repdrill" in repdrill.__all__
    for name in repdrill.__all__:
        assert getattr(repdrill, name) is not None, name
    with pytest.raises(AttributeError):
        repdrill.no_such_name  # noqa: B018


def test_importing_repdrill_imports_no_database_code() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import repdrill, sys; print('sqlalchemy' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "False"


def test_open_takes_the_environment_like_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPDRILL_DB", str(tmp_path / "env.db"))
    monkeypatch.setenv("REPDRILL_USER", "erin")
    monkeypatch.setenv("REPDRILL_TODAY", "2026-04-01")
    with repdrill.open() as rd:
        assert (rd.user, rd.today.isoformat()) == ("erin", "2026-04-01")
        assert rd.url.endswith("env.db")
    with repdrill.open(tmp_path / "other.db", user="femi") as rd:
        assert rd.user == "femi" and rd.url.endswith("other.db")
    monkeypatch.setenv("REPDRILL_TODAY", "not a date")
    with pytest.raises(repdrill.ConfigError):
        repdrill.open()
