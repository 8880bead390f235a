"""deck wordings: what reps' overrides teach the key points, as a list, a YAML patch, an edit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import DECKS, Cli

PARAPHRASE = (
    "Fair push. What's in the Acme quote, sync and matching? "
    "Look at the all-in spend over the life of the contract. Harlow got to 2.80."
)


def test_overrides_teach_wordings(cli: Cli, tmp_path: Path) -> None:
    deck = tmp_path / "objection-handling.yaml"
    shutil.copy(DECKS / "objection-handling.yaml", deck)
    cli("load", str(deck))
    for rep in ("ana", "ben"):
        result = cli(
            "--user", rep, "review", "price-too-high", "--grade", "5", "--answer", PARAPHRASE
        )
        assert result.exit_code == 0, result.output
    data = json.loads(cli("deck", "wordings", "--json").stdout)
    tco = next(p for p in data["points"] if p["key_point"].startswith("total cost of ownership"))
    assert tco["ref"] == "objection-handling/price-too-high"
    top = tco["wordings"][0]
    assert "all-in spend over the life of the contract" in top["wording"]
    assert top["rep_count"] == 2 and top["answer_count"] == 2
    patch = cli("deck", "wordings", "--yaml").stdout
    assert "- [total cost of ownership, TCO, " in patch
    dry = cli("deck", "wordings", "--apply", str(deck))
    assert "Dry run" in dry.stdout and "all-in spend" not in deck.read_text()
    before = deck.read_text()
    cli("deck", "wordings", "--apply", str(deck), "--no-dry-run")
    after = deck.read_text()
    assert "all-in spend over the life of the contract" in after
    # Everything but the edited point lines is kept, comments and layout included.
    changed = [a for a, b in zip(after.splitlines(), before.splitlines(), strict=True) if a != b]
    assert changed and all(line.lstrip().startswith("- [") for line in changed)
    assert cli("validate", str(deck)).exit_code == 0


def test_nothing_to_learn_yet(cli: Cli) -> None:
    cli("load", str(DECKS))
    assert "No overrides yet" in cli("deck", "wordings").stdout
    assert json.loads(cli("deck", "wordings", "--json").stdout) == {"points": []}
