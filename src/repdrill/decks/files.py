"""Finding and reading the YAML files behind decks and rosters.

Directories are walked for ``*.yaml`` and ``*.yml``; team rosters
(``teams.yaml``) and the tag taxonomy (``repdrill.yaml``) are told apart from
decks by name, and found at the root of the deck repository. Files are read as bytes,
whole, within a size limit: parsing is :mod:`repdrill.decks.parse`.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from repdrill.decks._yaml import MAX_FILE_BYTES
from repdrill.errors import NotFound, Problem

DECK_SUFFIXES = (".yaml", ".yml")
#: Files with these names hold team rosters, not decks; directory walks skip them.
ROSTER_NAMES = ("teams.yaml", "teams.yml")
#: Files with these names hold the deck repository's tag taxonomy, not decks.
TAXONOMY_NAMES = ("repdrill.yaml", "repdrill.yml")
_NOT_DECKS = ROSTER_NAMES + TAXONOMY_NAMES


@dataclass(frozen=True, slots=True)
class DeckFile:
    """A deck file's bytes and their hash, before parsing."""

    path: str
    data: bytes

    @property
    def sha256(self) -> str:
        return file_hash(self.data)


def file_hash(data: bytes) -> str:
    # The format version is part of the hash so that files validated by an older
    # release are parsed again after an upgrade instead of being skipped.
    return hashlib.sha256(b"repdrill-deck-1\0" + data).hexdigest()


def find_deck_files(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Expand files and directories into deck file paths, in a stable order.

    Directories are walked for ``*.yaml`` and ``*.yml``, skipping hidden
    entries. A file named explicitly is taken whatever its suffix. Team rosters
    (``teams.yaml``) and taxonomies (``repdrill.yaml``) are never decks. A path is
    listed once even when named twice.
    """
    return [p for p in _yaml_files(paths) if os.path.basename(p) not in _NOT_DECKS]


def find_roster_files(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """The team rosters (``teams.yaml``) among ``paths`` and under its directories."""
    return [p for p in _yaml_files(paths) if os.path.basename(p) in ROSTER_NAMES]


def find_taxonomy_files(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """The tag taxonomies (``repdrill.yaml``) among ``paths`` and under its directories."""
    return [p for p in _yaml_files(paths) if os.path.basename(p) in TAXONOMY_NAMES]


def find_at_root(names: Sequence[str], start: Path | None = None) -> Path | None:
    """The first of ``names`` in ``start`` (default: here), else at its git checkout's root."""
    here = (start or Path.cwd()).resolve()
    for name in names:
        if (here / name).is_file():
            return here / name
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=here,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    for name in names:
        candidate = Path(top) / name
        if top and candidate.is_file():
            return candidate
    return None


def _yaml_files(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    found: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(
                    os.path.join(root, name)
                    for name in sorted(files)
                    if name.endswith(DECK_SUFFIXES) and not name.startswith(".")
                )
        else:
            found.append(str(path))
    seen: set[str] = set()
    unique = []
    for name in found:
        key = os.path.realpath(name)
        if key not in seen:
            seen.add(key)
            unique.append(name)
    return unique


class NotRegular(OSError):
    """A path that is not a regular file: a FIFO or a device would block or never end."""


def read_regular(path: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` + 1 of them.

    The file is opened without blocking and checked before anything is read,
    so a FIFO named ``deck.yaml`` is refused instead of waiting forever for a
    writer, and a device is refused instead of read without end.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular(f"{path} is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit + 1)
    finally:
        os.close(fd)


def read_named(path: str, what: str) -> bytes:
    """The bytes of a file a command was pointed at (a roster, a taxonomy).

    Raises :class:`~repdrill.errors.NotFound` naming ``what`` and why it
    cannot be read: missing, unreadable, or not a regular file.
    """
    try:
        return read_regular(path)
    except NotRegular:
        raise NotFound(f"cannot read {what} {path}: not a regular file") from None
    except OSError as error:
        raise NotFound(f"cannot read {what} {path}: {error.strerror or error}") from None


def read_file(path: str) -> tuple[DeckFile | None, Problem | None]:
    """Read a deck file's bytes, refusing oversized, unreadable or non-regular files."""
    try:
        data = read_regular(path)
    except NotRegular:
        return None, Problem(path, 1, 1, "not a regular file (a FIFO, device or socket)")
    except OSError as error:
        return None, Problem(path, 1, 1, f"cannot read file: {error.strerror or error}")
    if len(data) > MAX_FILE_BYTES:
        return None, Problem(
            path,
            1,
            1,
            f"file is over {MAX_FILE_BYTES // 2**20} MiB; deck files are limited to "
            f"{MAX_FILE_BYTES // 2**20} MiB (split the deck)",
        )
    return DeckFile(path, data), None
