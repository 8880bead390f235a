"""Benchmark: the grader's agreement with sales coaches' grades.

    python bench/grading.py [--labels tests/data/labelled_answers.yaml] [--verbose]

Grades every labelled typed answer against its card's key points and red
flags and prints, each next to its aim: the share of suggestions within one
grade of the coach's, the exact agreement, the share of the coach's right
answers (4-5) suggested two or more grades lower, and the share of all
answers suggested two or more grades higher. Then the confusion table (coach's
grade by row, suggested grade by column) and agreement by kind of answer.
The coaches' grades are fixed; only the grader moves.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from repdrill.decks.parse import Card  # noqa: E402
from repdrill.decks.validate import validate  # noqa: E402
from repdrill.grading import grade_card  # noqa: E402

#: The aims: within one grade, exact, and at most this share two or more above the coach.
AIM_WITHIN_ONE = 0.90
AIM_EXACT = 0.62
AIM_TOO_HIGH = 0.01


@dataclass(frozen=True)
class Outcome:
    card: str
    kind: str
    answer: str
    coach: int
    suggested: int

    @property
    def off(self) -> int:
        return self.suggested - self.coach


@dataclass(frozen=True)
class Agreement:
    """The figures the aims are about, for any subset of the outcomes."""

    total: int
    within_one: float
    exact: float
    #: Of the coach's right answers (4-5), the share suggested two or more lower.
    right_too_low: float
    right_answers: int
    #: Of all answers, the share suggested two or more higher.
    too_high: float

    @classmethod
    def of(cls, outcomes: Sequence[Outcome]) -> Agreement:
        total = len(outcomes) or 1
        right = [o for o in outcomes if o.coach >= 4]
        return cls(
            total=len(outcomes),
            within_one=sum(abs(o.off) <= 1 for o in outcomes) / total,
            exact=sum(o.off == 0 for o in outcomes) / total,
            right_too_low=sum(o.off <= -2 for o in right) / (len(right) or 1),
            right_answers=len(right),
            too_high=sum(o.off >= 2 for o in outcomes) / total,
        )


def load_cards(decks: Path) -> dict[str, tuple[Card, str]]:
    """Every card of the decks under ``decks`` by ``deck/card``, with its deck's language."""
    return {
        f"{deck.id}/{card.id}": (card, deck.language)
        for deck in validate([decks]).decks
        for card in deck.cards
    }


def evaluate(labels: Path, decks: Path) -> list[Outcome]:
    cards = load_cards(decks)
    outcomes = []
    for item in yaml.safe_load(labels.read_text())["answers"]:
        card, language = cards[item["card"]]
        grading = grade_card(card, item["answer"], language=language)
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
    figures = Agreement.of(outcomes)
    total = len(outcomes)
    print(f"labelled answers: {total}")
    print(
        f"within one grade:             {figures.within_one:6.1%}  (aim: >= {AIM_WITHIN_ONE:.0%})"
    )
    print(f"exact:                        {figures.exact:6.1%}  (aim: >= {AIM_EXACT:.0%})")
    print(
        f"coach-right (4-5) 2+ below:   {figures.right_too_low:6.1%}  "
        f"(of {figures.right_answers} right answers)"
    )
    print(f"two or more above the coach:  {figures.too_high:6.1%}  (aim: <= {AIM_TOO_HIGH:.0%})")
    constant = max(sum(abs(o.coach - g) <= 1 for o in outcomes) for g in range(6))
    print(f"floor, the best constant suggestion: {constant / total:.1%} within one")
    table = Counter((o.coach, o.suggested) for o in outcomes)
    print("\nconfusion (rows: coach, columns: suggested)")
    print("        " + "".join(f"{g:>5}" for g in range(6)))
    for coach in range(6):
        print(f"  {coach:>3}   " + "".join(f"{table[(coach, s)] or '.':>5}" for s in range(6)))
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_kind[o.kind].append(o)
    print("\nby kind of answer      n  within one   exact   2+ below   2+ above")
    for kind, items in sorted(by_kind.items()):
        f = Agreement.of(items)
        below = sum(o.off <= -2 for o in items) / len(items)
        print(
            f"  {kind:<16} {len(items):>5}   {f.within_one:8.1%} {f.exact:7.1%}"
            f"   {below:8.1%}   {f.too_high:8.1%}"
        )
    if args.verbose:
        print("\noff by more than one:")
        for o in outcomes:
            if abs(o.off) > 1:
                print(f"  coach {o.coach} suggested {o.suggested} [{o.kind}] {o.card}:")
                print(f"    {o.answer}")


if __name__ == "__main__":
    main()
