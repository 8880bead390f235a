"""Benchmark: the grader's agreement with a sales coach's grades.

    python bench/grading.py [--labels tests/data/labelled_answers.yaml] [--verbose]

Grades every labelled typed answer against its card's key points and red
flags and prints the share of suggestions within one grade of the coach's
(aim: at least 85%), the exact agreement, the confusion table (coach's grade
by row, suggested grade by column) and agreement by kind of answer.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from repdrill.decks.parse import Card  # noqa: E402
from repdrill.decks.validate import validate  # noqa: E402
from repdrill.grading import grade_text  # noqa: E402


@dataclass(frozen=True)
class Outcome:
    card: str
    kind: str
    answer: str
    coach: int
    suggested: int


def evaluate(labels: Path, decks: Path) -> list[Outcome]:
    cards: dict[str, Card] = {
        f"{deck.id}/{card.id}": card for deck in validate([decks]).decks for card in deck.cards
    }
    outcomes = []
    for item in yaml.safe_load(labels.read_text())["answers"]:
        card = cards[item["card"]]
        grading = grade_text(card.key_points, card.red_flags, item["answer"])
        suggested = grading.suggested_grade if grading else 0
        outcomes.append(
            Outcome(item["card"], item["kind"], item["answer"], item["grade"], suggested)
        )
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--labels", type=Path, default=ROOT / "tests/data/labelled_answers.yaml")
    parser.add_argument("--decks", type=Path, default=ROOT / "decks")
    parser.add_argument("--verbose", action="store_true", help="list answers off by more than one")
    args = parser.parse_args()
    outcomes = evaluate(args.labels, args.decks)
    total = len(outcomes)
    within = sum(abs(o.coach - o.suggested) <= 1 for o in outcomes)
    exact = sum(o.coach == o.suggested for o in outcomes)
    print(f"labelled answers: {total}")
    print(f"within one grade: {within}/{total} = {within / total:.1%} (aim: 85%)")
    print(f"exact:            {exact}/{total} = {exact / total:.1%}")
    constant = max(sum(abs(o.coach - g) <= 1 for o in outcomes) for g in range(6))
    print(f"baseline, the best constant suggestion: {constant / total:.1%} within one")
    table = Counter((o.coach, o.suggested) for o in outcomes)
    print("\nconfusion (rows: coach, columns: suggested)")
    print("        " + "".join(f"{g:>5}" for g in range(6)))
    for coach in range(6):
        print(f"  {coach:>3}   " + "".join(f"{table[(coach, s)] or '.':>5}" for s in range(6)))
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_kind[o.kind].append(o)
    print("\nby kind of answer (within one grade)")
    for kind, items in sorted(by_kind.items()):
        ok = sum(abs(o.coach - o.suggested) <= 1 for o in items)
        print(f"  {kind:<10} {ok:>3}/{len(items):<3} {ok / len(items):6.1%}")
    if args.verbose:
        print("\noff by more than one:")
        for o in outcomes:
            if abs(o.coach - o.suggested) > 1:
                print(f"  coach {o.coach} suggested {o.suggested} [{o.kind}] {o.card}:")
                print(f"    {o.answer}")


if __name__ == "__main__":
    main()
