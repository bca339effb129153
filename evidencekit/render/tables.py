"""Tables laid out by their content: widths from the values, never a clipped cell.

Ids, amounts, dates and codes (tokens) never break; text wraps at words or CJK characters.
Empty columns are left out (and named). Columns that do not fit the page are split into parts:
the first keeps the key columns (id, highlight/where columns, dates, amounts), each further part
repeats the id column. The rows in dispute of such a table also get a record card (field → value).
Widths are estimated in character units rather than measured: WeasyPrint's automatic table
layout measures every cell and took 32 s for a 48×99 export; a fixed layout from these widths
takes a fraction of that.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from evidencekit.render.ledger import text_width

TOKEN_MAX = 40  # a longer value without spaces is text (URLs, notes) and may break
CJK_TOKEN = 8  # a value with CJK characters up to this wide (4 characters) is a token
WORD_MAX = 16  # a text column is never narrower than its longest word, up to this
TEXT_MIN = 10  # nor narrower than this (or its natural width)
TEXT_MAX = 40  # a text column is not made wider than this (it wraps)
CARD_ROWS = 5  # at most this many rows in dispute become record cards (3 when none is marked)
DATE = re.compile(
    r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s?(?:Z|UTC|[+-]\d{2}:?\d{2})?"
)
AMOUNT = re.compile(r"(?:[A-Z]{3} ?)?[-+]?[$¥€£￥]?[-+]?\d[\d,]*(?:\.\d+)?(?: ?[A-Z]{3})?")


def is_token(value: str) -> bool:
    """A value that must stay on one line: no spaces (or a date/amount with one), not too long."""
    if not value or text_width(value) > TOKEN_MAX:
        return False
    if text_width(value) > CJK_TOKEN and any(text_width(c) == 2 for c in value):
        return False  # Chinese text breaks between characters; 交易成功 stays whole
    return not any(c.isspace() for c in value) or bool(
        DATE.fullmatch(value) or AMOUNT.fullmatch(value)
    )


def words(value: str) -> list[str]:
    """Pieces a text may not be broken inside: words, with each CJK character on its own."""
    return re.findall(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff]+", value)


def token_width(value: str) -> float:
    """Width in units of ~0.6 em: capitals and W/M are wider than digits."""
    return sum(1.2 if (c.isupper() or c in "mwMW%@") else 1.0 for c in value) + sum(
        1 for c in value if text_width(c) == 2
    )


@dataclass(frozen=True)
class Column:
    index: int
    name: str
    minimum: float  # units: never narrower (longest token or word)
    natural: float  # units: the width it would like (capped for text)
    token: bool  # every value is a token: nowrap
    kind: str  # "date", "amount" or ""


def measure(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[Column]:
    cols = []
    for i, name in enumerate(headers):
        values = [r[i] for r in rows if i < len(r) and r[i].strip()]
        token = bool(values) and all(is_token(v) for v in values)
        # A date with a time may wrap between the two (line breaking never splits 2025-09-08
        # or 21:14:07 themselves): a column of such pairs is half as wide.
        if token and all(DATE.fullmatch(v) and " " in v for v in values):
            token = False
        # Headers are bold: a little wider than the same letters in the body.
        head_word = 1.15 * max((token_width(w) for w in words(name)), default=1) + 0.5
        if any(text_width(c) == 2 for c in name):  # a CJK header: up to 4 characters a line
            head_word = max(head_word, 1.15 * min(token_width(name), 8))
        if token:
            longest = max(token_width(v) for v in values)
            minimum = max(longest, min(head_word, WORD_MAX))
            natural = max(longest, min(token_width(name), TEXT_MAX))
        else:
            word = max((token_width(w) for v in values for w in words(v)), default=1)
            minimum = max(min(word, WORD_MAX), min(head_word, WORD_MAX))
            longest = max((token_width(v) for v in values), default=1)
            natural = max(minimum, min(max(longest, token_width(name)), TEXT_MAX))
            minimum = max(minimum, min(natural, TEXT_MIN))  # never a column of stacked letters
        kind = ""
        if values and sum(bool(DATE.fullmatch(v)) for v in values) >= 0.8 * len(values):
            kind = "date"
        elif values and sum(bool(AMOUNT.fullmatch(v)) for v in values) >= 0.8 * len(values):
            kind = "amount" if any("." in v for v in values) else ""
        cols.append(Column(i, name, minimum, natural, token, kind))
    return cols


def key_columns(cols: list[Column], keys: Sequence[str]) -> list[int]:
    """The id-like first column, the highlight/where columns, two dates and two amounts."""
    out = [0] if cols else []
    out += [c.index for c in cols if c.name in keys]
    out += [c.index for c in cols if c.kind == "date"][:2]
    out += [c.index for c in cols if c.kind == "amount"][:2]
    return list(dict.fromkeys(out))


def split_columns(
    cols: list[Column], keys: list[int], budget: float, gap: float
) -> list[list[int]]:
    """Column groups that each fit `budget`: the first with the keys, the others repeating the
    first key (the row's id). One group when everything fits."""

    def cost(group: list[int]) -> float:
        return sum(cols[i].minimum + gap for i in group)

    every = [c.index for c in cols]
    if cost(every) <= budget or not cols:
        return [every]
    repeat = keys[:1]
    first = list(keys)
    while len(first) > 1 and cost(first) > budget:
        first.pop()
    groups: list[list[int]] = []
    current, base = first, len(first)
    for i in every:
        if i in first:
            continue
        if len(current) > base and cost([*current, i]) > budget:
            groups.append(current)
            current, base = list(repeat), len(repeat)
        current.append(i)
    groups.append(current)
    return [sorted(g) for g in groups]


def allot(cols: list[Column], group: list[int], budget: float, gap: float) -> list[float]:
    """Widths (units) for a group: minimum first, then the room left towards natural widths."""
    widths = [cols[i].minimum for i in group]
    room = budget - sum(w + gap for w in widths)
    wants = [cols[i].natural - cols[i].minimum for i in group]
    if room > 0 and sum(wants) > 0:
        share = min(1.0, room / sum(wants))
        widths = [w + x * share for w, x in zip(widths, wants, strict=True)]
    return widths


MARKER_PT = 12.0  # the column of ▶ before rows in dispute (4.2 mm)


@dataclass(frozen=True)
class TablePart:
    """One table on the page: its columns (names, width %, nowrap flags) and rows."""

    headers: tuple[str, ...]
    widths: tuple[float, ...]  # percent of the table width
    tokens: tuple[bool, ...]
    rows: tuple[tuple[str, ...], ...]
    repeats: tuple[str, ...]  # the key columns repeated from the first part (empty on the first)


@dataclass(frozen=True)
class TableLayout:
    parts: tuple[TablePart, ...]
    cards: tuple[tuple[tuple[str, str], ...], ...]  # per row in dispute: (field, value) pairs
    dropped: tuple[str, ...]  # empty columns left out
    # The marker column's width (▶ before a row in dispute), percent of the table width: the
    # parts' columns share the rest (all of it when no row is marked).
    marker: float = 0.0


def drop_empty(
    headers: Sequence[str], rows: Sequence[Sequence[str]]
) -> tuple[list[str], list[list[str]], list[str]]:
    """The table without columns that are empty in every row, and the names left out."""
    keep = [i for i in range(len(headers)) if any(i < len(r) and r[i].strip() for r in rows)]
    if not keep or not rows:
        return list(headers), [list(r) for r in rows], []
    dropped = [h for i, h in enumerate(headers) if i not in keep]
    return (
        [headers[i] for i in keep],
        [[r[i] if i < len(r) else "" for i in keep] for r in rows],
        dropped,
    )


def layout_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    highlighted: Sequence[bool],
    keys: Sequence[str],
    width_pt: float,
    font_pt: float,
) -> TableLayout:
    """Lay a table out for a content box `width_pt` wide in a font of `font_pt`."""
    heads, body, dropped = drop_empty(headers, rows)
    cols = measure(heads, body)
    unit = font_pt * 0.6
    gap = 3 * 72 / 25.4 / unit + 0.3  # cell padding (1.5 mm a side) and border
    marker_pt = MARKER_PT if any(highlighted) else 0.0
    budget = (width_pt - marker_pt) / unit
    groups = split_columns(cols, key_columns(cols, keys), budget, gap)
    marked = [r for r, h in zip(body, highlighted, strict=True) if h]
    if not marked and len(body) <= 3:  # a filtered table of an order or two reads as cards
        marked = body
    cards: list[tuple[tuple[str, str], ...]] = []
    if len(groups) > 1 and 0 < len(marked) <= CARD_ROWS:
        cards = [tuple((h, v) for h, v in zip(heads, r, strict=True) if v.strip()) for r in marked]
        if len(marked) == len(body):  # the cards are the whole table
            return TableLayout((), tuple(cards), tuple(dropped))
    parts = []
    marker = round(100 * marker_pt / width_pt, 2) if width_pt > 0 else 0.0
    for n, group in enumerate(groups):
        widths = allot(cols, group, budget, gap)
        total = sum(widths) or 1
        parts.append(
            TablePart(
                headers=tuple(heads[i] for i in group),
                # Rounded down: widths summing to more than the table widen it into the margin.
                widths=tuple(math.floor((100 - marker) * w / total * 100) / 100 for w in widths),
                tokens=tuple(cols[i].token for i in group),
                rows=tuple(tuple(r[i] for i in group) for r in body),
                repeats=tuple(heads[i] for i in group if i in groups[0]) if n else (),
            )
        )
    return TableLayout(tuple(parts), tuple(cards), tuple(dropped), marker)
