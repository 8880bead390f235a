"""Team rosters: ``teams.yaml`` at the root of the deck repository.

A roster is not a deck: deck directory walks skip it, and ``repdrill
validate`` checks it with the same strictness and located messages::

    teams:
      - name: west
        manager: maria@example.com
        reps: [ana, ben, carla]
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from repdrill._text import one_line
from repdrill.config import rep_name_problem
from repdrill.decks._yaml import (
    NodeReader,
    peek_text,
    read_document,
)
from repdrill.decks.files import (
    ROSTER_NAMES,
    NotRegular,
    find_at_root,
    find_roster_files,
    read_named,
    read_regular,
)
from repdrill.decks.format import SLUG
from repdrill.errors import InvalidInput, NotFound, Problem

TEAM_KEYS = ("name", "manager", "reps", "description")


@dataclass(frozen=True, slots=True)
class Team:
    name: str
    manager: str | None
    reps: tuple[str, ...]
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Roster:
    path: str
    teams: tuple[Team, ...]

    def team(self, name: str) -> Team:
        for team in self.teams:
            if team.name == name:
                return team
        known = ", ".join(t.name for t in self.teams) or "none"
        raise NotFound(f"no team '{name}' in {self.path}; teams: {known}")


def find_roster(start: Path | None = None) -> Path | None:
    """``teams.yaml`` in the current directory, else at the root of its git checkout."""
    return find_at_root(ROSTER_NAMES, start)


def parse_roster(path: str, data: bytes) -> tuple[Roster | None, list[Problem]]:
    """Parse and validate a roster, reporting every problem with its location."""
    return read_document(
        path,
        data,
        lambda reader, root: Roster(path, tuple(_read(reader, root))),
        "file is empty; a roster needs a 'teams' list",
    )


def read_roster(path: str | os.PathLike[str]) -> Roster:
    name = str(path)
    data = read_named(name, "roster")
    roster, problems = parse_roster(name, data)
    if roster is None:
        raise InvalidInput(problems, f"{len(problems)} problem(s) in the roster {name}")
    return roster


def _read(reader: NodeReader, root: yaml.Node) -> list[Team]:
    top = reader.mapping(root, "roster", ("teams",), ("teams",))
    if not top:
        return []
    items = reader.sequence(top["teams"].value, "teams")
    teams: list[Team] = []
    seen_teams: dict[str, int] = {}
    for index, node in enumerate(items or [], start=1):
        peeked = peek_text(node, "name")
        what = f"team '{peeked}'" if peeked else f"team {index}"
        entries = reader.mapping(node, what, TEAM_KEYS, ("name", "reps"))
        if entries is None:
            continue
        name = reader.text(entries["name"].value, f"{what}: name") if "name" in entries else None
        if name is not None and not SLUG.match(name):
            reader.problem(entries["name"].value, f"{what}: name must be a slug (west-coast)")
            name = None
        if name is not None and name in seen_teams:
            reader.problem(
                entries["name"].value,
                f"team '{name}' is defined twice (first at line {seen_teams[name]})",
            )
        manager = (
            reader.text(entries["manager"].value, f"{what}: manager")
            if "manager" in entries
            else None
        )
        description = (
            reader.text(entries["description"].value, f"{what}: description")
            if "description" in entries
            else None
        )
        reps = _reps(reader, entries["reps"].value, what) if "reps" in entries else ()
        if name is not None:
            seen_teams.setdefault(name, node.start_mark.line + 1)
            teams.append(Team(name, manager, reps, description))
    return teams


def _reps(reader: NodeReader, node: yaml.Node, what: str) -> tuple[str, ...]:
    items = reader.sequence(node, f"{what}: reps")
    reps: list[str] = []
    for item in items or []:
        rep = reader.text(item, f"{what}: rep")
        if rep is None:
            continue
        problem = rep_name_problem(rep)
        if problem:
            shown = one_line(repr(rep))
            reader.problem(item, f"{what}: rep {shown} is not a usable name: {problem}")
        elif rep in reps:
            reader.problem(item, f"{what}: rep '{rep}' is listed twice")
        else:
            reps.append(rep)
    if items is not None and not items:
        reader.problem(node, f"{what}: reps must list at least one rep")
    return tuple(reps)


def validate_rosters(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[str], list[Problem]]:
    """Validate the rosters among ``paths``: their file names, and every problem found."""
    names, problems = [], []
    for name in find_roster_files(paths):
        try:
            data = read_regular(name)
        except NotRegular:
            problems.append(Problem(name, 1, 1, "not a regular file (a FIFO, device or socket)"))
            continue
        except OSError as error:
            problems.append(Problem(name, 1, 1, f"cannot read file: {error.strerror or error}"))
            continue
        names.append(name)
        problems.extend(parse_roster(name, data)[1])
    return names, problems
