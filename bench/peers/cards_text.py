"""Seeded fake flashcards about sales objection handling, about 900 bytes per card.

Shared by the peer scripts in this folder; it imports nothing from repdrill.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

_OBJECTIONS = [
    "Your price is higher than the other vendor we are talking to",
    "We already have a tool that does most of this",
    "Now is not a good time, call me back next quarter",
    "I need to run this by my boss and procurement first",
    "We tried something like this two years ago and it failed",
    "Our team is too busy to learn a new system right now",
    "Send me some information and I will get back to you",
    "The contract term is too long for us to commit",
    "I am not sure this will integrate with our current stack",
    "We do not have budget allocated for this in this fiscal year",
]
_CONTEXT = [
    "mid-market logistics buyer",
    "enterprise CFO",
    "startup founder",
    "IT director at a hospital",
    "regional retail chain owner",
    "VP of sales at a SaaS company",
    "school district purchasing officer",
    "manufacturing plant manager",
    "agency operations lead",
    "bank compliance officer",
]
_MOVES = [
    "Acknowledge the concern without arguing and restate it in their words.",
    "Ask an open question to find the real reason behind the objection.",
    "Quantify the cost of doing nothing over the next twelve months.",
    "Share a short story about a similar customer and the measured result.",
    "Reframe price as cost per user per day and compare it to one lost deal.",
    "Offer a small, time-boxed pilot with success criteria agreed up front.",
    "Identify every stakeholder who signs off and offer to brief them directly.",
    "Confirm the decision process, the timeline and what happens next.",
    "Isolate the objection: if we solved this, is there anything else stopping you?",
    "Trade, never give: any discount is exchanged for term, volume or a case study.",
    "Summarise the agreed value in one sentence and ask for the next commitment.",
    "Bring proof: a reference call, a security questionnaire or an ROI worksheet.",
]
_WORDS = (
    "pipeline quota renewal churn onboarding discovery champion budget "
    "timeline stakeholder procurement pilot rollout adoption margin "
    "forecast objection rebuttal value proof integration security"
).split()


def card(rng: random.Random, index: int, target: int = 900) -> tuple[str, str]:
    """(front, back) for card ``index``; together about ``target`` bytes."""
    front = (
        f"#{index} Objection ({rng.choice(_CONTEXT)}): "
        f'"{rng.choice(_OBJECTIONS)}." How do you respond?'
    )
    back = " ".join(f"{n}. {move}" for n, move in enumerate(rng.sample(_MOVES, 5), 1))
    while len(front) + len(back) + 1 < target:
        back += " " + rng.choice(_WORDS)
    return front, back[: max(1, target - len(front))]


def cards(count: int, seed: int = 42, target: int = 900) -> Iterator[tuple[str, str]]:
    rng = random.Random(seed)
    for index in range(count):
        yield card(rng, index, target)
