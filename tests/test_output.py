"""Where commands print (repdrill.cli.output): JSON on one line when piped, indented on request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import DECKS, Cli


def test_piped_json_is_one_line_and_pretty_indents_it(plain_cli: Cli) -> None:
    plain_cli("load", str(DECKS))
    compact = plain_cli("status", "--json").stdout
    assert compact.count("\n") == 1 and compact.endswith("}\n")
    pretty = plain_cli("--pretty", "status", "--json").stdout
    assert pretty.startswith('{\n  "rep": "ana"')
    assert json.loads(compact) == json.loads(pretty)


def test_report_json_to_a_file_is_one_line_unless_pretty(plain_cli: Cli, tmp_path: Path) -> None:
    plain_cli("load", str(DECKS))
    plain_cli("review", "price-too-high", "--grade", "4")
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    assert plain_cli("report", "--format", "json", "--output", str(one)).exit_code == 0
    assert plain_cli("--pretty", "report", "--format", "json", "--output", str(two)).exit_code == 0
    assert one.read_text(encoding="utf-8").count("\n") == 1
    assert two.read_text(encoding="utf-8").count("\n") > 50
    first, second = (json.loads(path.read_text(encoding="utf-8")) for path in (one, two))
    assert first.pop("generated_at") <= second.pop("generated_at")
    assert first == second
    piped = plain_cli("report", "--format", "json").stdout
    assert piped.count("\n") == 1


def test_due_json_follows_the_same_rule_on_its_fast_path(plain_cli: Cli) -> None:
    plain_cli("load", str(DECKS))
    env = {**os.environ, **plain_cli.env}
    for pretty, lines in (([], 1), (["--pretty"], 7)):
        done = subprocess.run(
            [sys.executable, "-m", "repdrill", *pretty, "due", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stdout.count("\n") >= lines
        assert (done.stdout.count("\n") == 1) is (not pretty)
        assert json.loads(done.stdout)["rep"] == "ana"
