"""Decks from spreadsheets and back: ``repdrill deck import`` and ``deck export``.

Objection lists and battlecards live in spreadsheets before they live in git.
A sheet (CSV, or the first worksheet of an XLSX workbook) holds one card per
row, its columns named by the header row: ``id``, ``prompt``, ``answer``,
``key_points`` and ``red_flags`` (one point per line, or separated by ``;``;
alternative wordings of one point separated by `` | ``), ``tags`` (separated
by commas), ``type``, ``explanation``, ``source``, ``choices`` and ``correct``,
``revision`` and ``review_by``. Headers are matched loosely (``Key points`` is
``key_points``).

Import writes the deck in the documented format: block scalars for multi-line
text, quotes where YAML would misread a value. A card without an id gets one
made from its prompt (slugged, unique in the deck); importing into an existing
deck file keeps the ids already there, matched by the id column or by the
prompt, and what the sheet has no column for. Every bad row is reported as
``FILE:ROW: message`` and nothing is written unless all rows are good. The
text written always parses back as the same deck.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import yaml

from repdrill._spreadsheet import XLSX_OPTIONS, csv_cell, from_csv_cell
from repdrill._text import describe, unsafe_characters
from repdrill.cards import Points
from repdrill.decks import format as fmt
from repdrill.decks._yaml import MAX_FILE_BYTES
from repdrill.decks.files import NotRegular, read_file, read_regular
from repdrill.decks.parse import Deck, parse_deck
from repdrill.decks.taxonomy import Taxonomy
from repdrill.errors import InvalidInput, Problem, RepdrillError

#: The columns a sheet may have, in the order export writes them.
COLUMNS = (
    "id",
    "type",
    "prompt",
    "answer",
    "key_points",
    "red_flags",
    "tags",
    "explanation",
    "source",
    "choices",
    "correct",
    "revision",
    "review_by",
)
REQUIRED_COLUMNS = ("prompt", "answer")
#: Rows read at most: ten times the largest deck the format is measured with.
MAX_ROWS = 100_000
#: Words an id made from a prompt keeps, and its longest length.
SLUG_WORDS, SLUG_LENGTH = 6, 48
ALTERNATIVES = " | "
_HEADER_SPACE = re.compile(r"[\s\-]+")
_TAG_SEPARATORS = re.compile(r"[,;\s]+")


@dataclass(frozen=True, slots=True)
class RowProblem(Problem):
    """A bad row of a sheet: ``FILE:ROW: message`` (rows count from 1, the header)."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class SheetCard(Protocol):
    """What export reads of a card: a deck file's card or a loaded card alike."""

    @property
    def id(self) -> str: ...
    @property
    def type(self) -> str | None: ...
    @property
    def prompt(self) -> str: ...
    @property
    def answer(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def key_points(self) -> Points: ...
    @property
    def red_flags(self) -> Points: ...
    @property
    def explanation(self) -> str | None: ...
    @property
    def source(self) -> str | None: ...
    @property
    def choices(self) -> tuple[str, ...]: ...
    @property
    def correct(self) -> int | None: ...
    @property
    def why(self) -> tuple[str | None, ...]: ...
    @property
    def revision(self) -> int: ...


# -- export ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sheet:
    """A deck as one table: a header of :data:`COLUMNS` and one row per card."""

    deck: str
    columns: tuple[str, ...]
    rows: list[tuple[object, ...]]
    #: Cards whose choices carry a ``why``, which a sheet has no column for.
    whys_left_out: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "deck": self.deck,
            "columns": list(self.columns),
            "rows": [
                [_cell_text(v) if isinstance(v, dt.date) else v for v in r] for r in self.rows
            ],
        }

    def write_csv(self, out: IO[str]) -> None:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow(["" if value is None else _cell_text(csv_cell(value)) for value in row])

    def write_xlsx(self, path: str) -> None:
        import xlsxwriter

        workbook = xlsxwriter.Workbook(path, XLSX_OPTIONS)
        bold = workbook.add_format({"bold": True, "bg_color": "#F3F5F9", "border": 1})
        wrapped = workbook.add_format({"text_wrap": True, "valign": "top"})
        sheet = workbook.add_worksheet(self.deck[:31])
        sheet.write_row(0, 0, self.columns, bold)
        for r, row in enumerate(self.rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    sheet.write_blank(r, c, None)
                elif isinstance(value, int):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, _cell_text(value), wrapped)
        for c, column in enumerate(self.columns):
            wide = column in ("prompt", "answer", "key_points", "red_flags", "explanation")
            sheet.set_column(c, c, 60 if wide else max(12, len(column) + 2))
        sheet.freeze_panes(1, 0)
        workbook.close()


def sheet_of(
    deck: str, cards: Sequence[SheetCard], review_by: dict[str, dt.date] | None = None
) -> Sheet:
    """The table ``deck export`` writes; ``review_by`` gives each card's date, by card id."""
    dates = review_by or {}
    with_choices = any(card.choices for card in cards)
    columns = tuple(c for c in COLUMNS if with_choices or c not in ("choices", "correct"))
    rows = []
    for card in cards:
        values: dict[str, object] = {
            "id": card.id,
            "type": card.type,
            "prompt": card.prompt,
            "answer": card.answer,
            "key_points": _points_cell(card.key_points),
            "red_flags": _points_cell(card.red_flags),
            "tags": ", ".join(card.tags) or None,
            "explanation": card.explanation,
            "source": card.source,
            "choices": "\n".join(card.choices) or None,
            "correct": card.choices[card.correct] if card.correct is not None else None,
            "revision": card.revision,
            "review_by": dates.get(card.id),
        }
        rows.append(tuple(values[c] for c in columns))
    lost = tuple(card.id for card in cards if any(w is not None for w in card.why))
    return Sheet(deck, columns, rows, lost)


def export_file(path: str) -> Sheet:
    """The sheet of a deck file; raises :class:`InvalidInput` when the file is not valid."""
    deck = _read_deck(path)
    dates = {card.id: card.review_by for card in deck.cards if card.review_by is not None}
    return sheet_of(deck.id, deck.cards, dates)


def _points_cell(points: Points) -> str | None:
    return "\n".join(ALTERNATIVES.join(point) for point in points) or None


def _cell_text(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


# -- import ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Imported:
    """What ``deck import`` wrote (or, in a dry run, would write)."""

    deck: Deck
    text: str
    path: str | None
    #: Card ids kept from the existing deck file, new ones, and ones the sheet dropped.
    kept: tuple[str, ...] = ()
    new: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    dry_run: bool = False


@dataclass(slots=True)
class _Row:
    number: int
    values: dict[str, object]


@dataclass(slots=True)
class _Reading:
    path: str
    problems: list[RowProblem] = field(default_factory=list)
    #: The columns the header names.
    columns: set[str] = field(default_factory=set)

    def problem(self, row: int, message: str) -> None:
        self.problems.append(RowProblem(self.path, row, 0, message))


def import_sheet(
    path: str,
    *,
    deck_id: str | None = None,
    title: str | None = None,
    card_type: str | None = None,
    into: str | None = None,
    dry_run: bool = False,
    taxonomy: Taxonomy | None = None,
) -> Imported:
    """Read the sheet at ``path`` into a deck; ``into`` is the deck file it will replace.

    Raises :class:`InvalidInput` with every bad row (nothing is written then),
    tags the ``taxonomy`` refuses included, or with the problems of ``into``
    when that file is not a valid deck.
    """
    existing = _read_deck(into) if into is not None and Path(into).exists() else None
    deck_id = deck_id or (existing.id if existing else None)
    title = title or (existing.title if existing else None)
    if deck_id is None or title is None:
        raise RepdrillError("a new deck needs --id and --title (a slug, and its name for reps)")
    if not fmt.SLUG.match(deck_id):
        raise RepdrillError(
            f"--id '{deck_id}' is not a slug: use lowercase words joined by hyphens (pricing)"
        )
    if card_type is not None and card_type not in fmt.CARD_TYPES:
        raise RepdrillError(f"--type '{card_type}' is not one of: {', '.join(fmt.CARD_TYPES)}")
    reading = _Reading(path)
    rows = list(_rows(reading, path))
    cards = _cards(reading, rows, existing, card_type)
    _refuse(reading)
    document = _deck_document(deck_id, title, existing, cards)
    text = dump(document)
    written = into or f"{deck_id}.yaml"
    deck, problems = parse_deck(written, text.encode())
    if deck is None:  # pragma: no cover - every row was checked above
        raise InvalidInput(problems, f"the deck made from {path} does not validate")
    if taxonomy is not None:
        row_of = {card["id"]: card["_row"] for card in cards}
        for card in deck.cards:
            for _place, message in taxonomy.card_problems(card):
                reading.problem(row_of[card.id], message)
        _refuse(reading)
    before = {card.id for card in existing.cards} if existing else set()
    ids = [card.id for card in deck.cards]
    return Imported(
        deck=deck,
        text=text,
        path=into,
        kept=tuple(i for i in ids if i in before),
        new=tuple(i for i in ids if i not in before),
        dropped=tuple(c.id for c in existing.cards if c.id not in ids) if existing else (),
        dry_run=dry_run,
    )


def _refuse(reading: _Reading) -> None:
    """Raise :class:`InvalidInput` with every bad row, if there is one."""
    if reading.problems:
        count = len({problem.line for problem in reading.problems})
        raise InvalidInput(
            sorted(reading.problems, key=lambda p: p.line),
            f"{count} bad row{'s' if count != 1 else ''} in {reading.path}; nothing was written",
        )


def _read_deck(path: str) -> Deck:
    deck_file, problem = read_file(path)
    if deck_file is None:
        raise InvalidInput([problem] if problem else [])
    deck, problems = parse_deck(path, deck_file.data)
    if deck is None:
        raise InvalidInput(problems)
    return deck


def _rows(reading: _Reading, path: str) -> Iterator[_Row]:
    """The sheet's data rows with their values by column; header problems are row 1's."""
    records = _xlsx_records(path) if path.lower().endswith((".xlsx", ".xlsm")) else _csv(path)
    header: list[str | None] | None = None
    for number, record in enumerate(records, start=1):
        if number > MAX_ROWS:
            reading.problem(number, f"the sheet has more than {MAX_ROWS:,} rows; split it")
            return
        if header is None:
            header = _header(reading, record)
            reading.columns = {name for name in header if name is not None}
            continue
        if all(_blank(value) for value in record):
            continue
        values = {
            name: value
            for name, value in zip(header, record, strict=False)
            if name is not None and not _blank(value)
        }
        yield _Row(number, values)
    if header is None:
        reading.problem(1, "the sheet is empty; it needs a header row (prompt, answer, ...)")


def _csv(path: str) -> Iterator[list[object]]:
    try:
        text = _sheet_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RepdrillError(f"{path} is not UTF-8 text; save the sheet as 'CSV UTF-8'") from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield [from_csv_cell(value) for value in record]


def _xlsx_records(path: str) -> Iterator[list[object]]:
    # openpyxl takes 60-110 ms to import: only an XLSX import pays it.
    import zipfile

    import openpyxl

    data = _sheet_bytes(path)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise RepdrillError(f"cannot read {path} as an XLSX workbook: {error}") from None
    try:
        # Cells beyond the known columns (and a few blank ones) are never read.
        width = len(COLUMNS) + 8
        for record in workbook.worksheets[0].iter_rows(max_col=width, values_only=True):
            yield list(record)
    finally:
        workbook.close()


def _sheet_bytes(path: str) -> bytes:
    """The sheet file's bytes: a regular file within the size limit deck files have."""
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except NotRegular:
        raise RepdrillError(f"cannot read {path}: not a regular file") from None
    except OSError as error:
        raise RepdrillError(f"cannot read {path}: {error.strerror or error}") from None
    if len(data) > MAX_FILE_BYTES:
        raise RepdrillError(f"{path} is over {MAX_FILE_BYTES // 2**20} MiB; split the sheet")
    return data


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header(reading: _Reading, record: Sequence[object]) -> list[str | None]:
    names: list[str | None] = []
    for value in record:
        if _blank(value):
            names.append(None)
            continue
        raw = str(value).strip()
        name = _HEADER_SPACE.sub("_", raw.casefold())
        if name not in COLUMNS:
            close = difflib.get_close_matches(name, COLUMNS, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f"; columns: {', '.join(COLUMNS)}"
            reading.problem(1, f"unknown column '{raw}'{hint}")
            names.append(None)
        elif name in names:
            reading.problem(1, f"column '{raw}' is given twice")
            names.append(None)
        else:
            names.append(name)
    for required in REQUIRED_COLUMNS:
        if required not in names and not any(
            p.message.startswith("unknown") for p in reading.problems
        ):
            reading.problem(1, f"no '{required}' column; every card needs a prompt and an answer")
    return names


def _cards(
    reading: _Reading, rows: list[_Row], existing: Deck | None, card_type: str | None
) -> list[dict[str, Any]]:
    old = {card.id: card for card in existing.cards} if existing else {}
    by_prompt = {_fold(card.prompt): card.id for card in existing.cards} if existing else {}
    taken: dict[str, int] = {}
    cards = []
    for row in rows:
        card = _card(reading, row, card_type)
        if card is None:
            continue
        card_id = card.get("id") or by_prompt.get(_fold(card["prompt"]))
        if card_id is None:
            card_id = _unique(slug(card["prompt"]), taken, old)
        if card_id in taken:
            reading.problem(row.number, f"card id '{card_id}' is also used by row {taken[card_id]}")
            continue
        taken[card_id] = row.number
        before = old.get(card_id)
        if before is not None:
            card.update(_kept(before, card, reading.columns))
            if card.get("revision", 1) < before.revision:
                reading.problem(
                    row.number,
                    f"revision {card['revision']} is lower than revision {before.revision} "
                    f"of '{card_id}' in {existing.path if existing else ''}; revisions only go up",
                )
                continue
        card["id"] = card_id
        card["_row"] = row.number
        cards.append(card)
    if rows and not cards and not reading.problems:
        reading.problem(rows[0].number, "no card in the sheet")
    if not rows and not reading.problems:
        reading.problem(2, "the sheet has a header but no cards")
    return cards


def _cell(reading: _Reading, row: _Row, name: str) -> str | None:
    """A cell as text (numbers and dates as a sheet shows them), or ``None`` when blank."""
    value = row.values.get(name)
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    cell = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    unsafe = unsafe_characters(cell)
    if unsafe:
        reading.problem(
            row.number,
            f"{name}: {describe(unsafe[0][1])} is not allowed (terminal escapes and "
            "invisible characters would reach people's screens)",
        )
        return None
    return cell


def _card(reading: _Reading, row: _Row, card_type: str | None) -> dict[str, Any] | None:
    before = len(reading.problems)
    card: dict[str, Any] = {}

    def text(name: str) -> str | None:
        return _cell(reading, row, name)

    card_id = text("id")
    if card_id is not None:
        if fmt.SLUG.match(card_id):
            card["id"] = card_id
        else:
            reading.problem(
                row.number,
                f"id '{card_id}' is not a slug: lowercase words joined by hyphens "
                "(price-too-high), or leave it empty to make one from the prompt",
            )
    for name in REQUIRED_COLUMNS:
        value = text(name)
        if value is None:
            reading.problem(row.number, f"{name} is empty; every card needs a {name}")
        else:
            card[name] = value
    kind = text("type") or card_type
    if kind is not None:
        if kind in fmt.CARD_TYPES:
            card["type"] = kind
        else:
            reading.problem(row.number, f"type '{kind}' is not one of: {', '.join(fmt.CARD_TYPES)}")
    tags = _tags(reading, row.number, text("tags"))
    if tags:
        card["tags"] = tags
    for name in ("key_points", "red_flags"):
        points = _points(text(name))
        if points:
            card[name] = points
    for name in ("explanation", "source"):
        value = text(name)
        if value is not None:
            card[name] = value
    _choices(reading, row.number, text("choices"), text("correct"), card)
    _revision_and_date(reading, row.number, text("revision"), text("review_by"), card)
    return card if len(reading.problems) == before else None


def _revision_and_date(
    reading: _Reading, row: int, revision: str | None, review_by: str | None, card: dict[str, Any]
) -> None:
    if revision is not None:
        if revision.isdigit() and fmt.FIRST_REVISION <= int(revision) <= fmt.MAX_REVISION:
            card["revision"] = int(revision)
        else:
            reading.problem(row, f"revision '{revision}' is not a whole number from 1")
    if review_by is not None:
        try:
            if not fmt.DATE.match(review_by):
                raise ValueError(review_by)
            card["review_by"] = dt.date.fromisoformat(review_by)
        except ValueError:
            reading.problem(row, f"review_by '{review_by}' is not a day as YYYY-MM-DD")


def _tags(reading: _Reading, row: int, cell: str | None) -> list[str]:
    tags: list[str] = []
    for tag in _TAG_SEPARATORS.split(cell or ""):
        if not tag:
            continue
        if not fmt.TAG.match(tag):
            reading.problem(
                row,
                f"tag '{tag}' must be a slug (pricing) or namespace:value (competitor:acme), "
                "lowercase words joined by hyphens",
            )
        elif tag not in tags:
            tags.append(tag)
    return tags


def _split(cell: str | None) -> list[str]:
    """One item per line, or, in a one-line cell, per ``;``."""
    if not cell:
        return []
    parts = cell.split("\n") if "\n" in cell else cell.split(";")
    return [part.strip() for part in parts if part.strip()]


def _points(cell: str | None) -> list[str | list[str]]:
    points: list[str | list[str]] = []
    for item in _split(cell):
        wordings = [w.strip() for w in item.split("|") if w.strip()]
        points.append(wordings[0] if len(wordings) == 1 else wordings)
    return points


def _choices(
    reading: _Reading, row: int, cell: str | None, correct: str | None, card: dict[str, Any]
) -> None:
    choices = _split(cell)
    if not choices and correct is None:
        return
    if not fmt.MIN_CHOICES <= len(choices) <= fmt.MAX_CHOICES:
        reading.problem(
            row,
            f"choices must list {fmt.MIN_CHOICES} to {fmt.MAX_CHOICES} choices, not {len(choices)}",
        )
        return
    if correct is None:
        reading.problem(row, "a card with choices needs correct: the right choice's text")
        return
    if correct.isdigit() and 1 <= int(correct) <= len(choices):
        correct = choices[int(correct) - 1]
    match = [c for c in choices if c.casefold() == correct.casefold()]
    if not match:
        reading.problem(row, f"correct '{correct}' is not among the choices")
        return
    if "key_points" in card or "red_flags" in card:
        reading.problem(row, "a card with choices has no key_points or red_flags")
        return
    card["choices"] = choices
    card["correct"] = match[0]


def _kept(card: Any, row: dict[str, Any], columns: set[str]) -> dict[str, Any]:
    """What an existing card keeps over the row: what the sheet has no column for.

    A blank revision keeps the card's; a choice's ``why`` has no column, so the
    whys are kept while the choices read the same.
    """
    kept: dict[str, Any] = {}
    if "revision" not in row:
        kept["revision"] = card.revision
    if "type" not in columns and card.type:
        kept["type"] = card.type
    if "review_by" not in columns and card.review_by:
        kept["review_by"] = card.review_by
    if card.choices and ("choices" not in columns or row.get("choices") == list(card.choices)):
        whys = card.why or (None,) * len(card.choices)
        kept["choices"] = [
            {"text": text, "why": why} if why else text
            for text, why in zip(card.choices, whys, strict=True)
        ]
        if "choices" not in columns and card.correct is not None:
            kept["correct"] = card.choices[card.correct]
    return kept


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def slug(prompt: str) -> str:
    """An id from a prompt: its first words, ASCII, lowercase, joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", prompt).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    made = ""
    for word in words[:SLUG_WORDS]:
        if made and len(made) + 1 + len(word) > SLUG_LENGTH:
            break
        made = f"{made}-{word}" if made else word[:SLUG_LENGTH]
    return made or "card"


def _unique(made: str, taken: dict[str, int], old: dict[str, Any]) -> str:
    candidate, number = made, 2
    while candidate in taken or candidate in old:
        candidate = f"{made}-{number}"
        number += 1
    return candidate


# -- writing YAML -------------------------------------------------------------------------

_DECK_KEYS = ("description", "owner", "version", "language", "review_by")
_CARD_ORDER = (
    "id",
    "type",
    "tags",
    "revision",
    "review_by",
    "prompt",
    "answer",
    "key_points",
    "red_flags",
    "choices",
    "correct",
    "explanation",
    "source",
)


def _deck_document(
    deck_id: str, title: str, existing: Deck | None, cards: list[dict[str, Any]]
) -> dict[str, Any]:
    document: dict[str, Any] = {"id": deck_id, "title": title}
    if existing is not None:
        for key in _DECK_KEYS:
            value = getattr(existing, key)
            if value is not None and not (key == "language" and value == fmt.DEFAULT_LANGUAGE):
                document[key] = value
        mastery = {}
        if existing.min_interval_days != fmt.DEFAULT_MIN_INTERVAL_DAYS:
            mastery["min_interval_days"] = existing.min_interval_days
        if existing.new_per_day != fmt.DEFAULT_NEW_PER_DAY:
            mastery["new_per_day"] = existing.new_per_day
        if mastery:
            document["mastery"] = mastery
    document["cards"] = [
        {
            key: card[key]
            for key in _CARD_ORDER
            if key in card
            and card[key] is not None
            and not (key == "revision" and card[key] == fmt.FIRST_REVISION)
        }
        for card in cards
    ]
    return document


class _Flow(list[str]):
    """A list written inline: ``[a, b]``."""


class _Dumper(yaml.SafeDumper):
    """Block lists indented under their key, as the documented decks write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _text)
_Dumper.add_representer(_Flow, _flow)


def dump(document: dict[str, Any]) -> str:
    """The deck as YAML: blocks for multi-line text, inline lists for tags and alternatives."""
    cards = []
    for card in document["cards"]:
        shaped = dict(card)
        if "tags" in shaped:
            shaped["tags"] = _Flow(shaped["tags"])
        for name in ("key_points", "red_flags"):
            if name in shaped:
                shaped[name] = [_Flow(p) if isinstance(p, list) else p for p in shaped[name]]
        cards.append(shaped)
    text: str = yaml.dump(
        {**document, "cards": cards},
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=10**6,
        default_flow_style=False,
    )
    # PyYAML quotes any ':' inside a flow list; a tag such as competitor:acme needs
    # no quotes there, one YAML reads otherwise (1:30 is 90) keeps them.
    return _TAGS_LINE.sub(lambda line: _QUOTED_TAG.sub(_plain_tag, line.group(0)), text)


def _plain_tag(match: re.Match[str]) -> str:
    tag = match.group(1)
    plain = yaml.load(f"[{tag}]", Loader=yaml.SafeLoader) == [tag]
    return tag if plain else match.group(0)


_TAGS_LINE = re.compile(r"^    tags: \[.*\]$", re.MULTILINE)
_QUOTED_TAG = re.compile(r"'(" + fmt.TAG_PATTERN.strip("^$") + r")'")
