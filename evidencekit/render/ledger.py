"""Large tables as a ledger: fixed-width columns in a CJK monospace font, pre-paginated.

WeasyPrint lays out an HTML table at 12-15 ms a row (a 3 000-row export: 40 s); the same rows as
lines of preformatted text take under 1 ms a row. Columns line up because the font (Noto Sans
Mono CJK) gives CJK characters exactly two ASCII widths. Pages are cut here, so every page
repeats the header and says which rows it holds; a row is never split across pages.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape

MARK = "▶"


def text_width(text: str) -> int:
    """Display width in monospace cells (East Asian wide and full-width characters count 2)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" and ord(c) > 0x7F else 1 for c in text)


def wrap(text: str, width: int) -> list[str]:
    """Cut text into lines of at most `width` cells at spaces or CJK characters; a word wider
    than the line is cut (never drops a character)."""
    text = text.replace("\n", " ")
    pieces: list[str] = []
    line, used = "", 0
    for word in re.findall(
        r"\s+|[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff]+", text
    ):
        w = text_width(word)
        if word.isspace():
            if line and used + w <= width:
                line, used = line + word, used + w
            elif line:
                pieces.append(line)
                line, used = "", 0
            continue
        if used + w > width and line.strip():
            pieces.append(line.rstrip())
            line, used = "", 0
        if w > width:
            for ch in word:
                cw = text_width(ch)
                if used + cw > width and line:
                    pieces.append(line)
                    line, used = "", 0
                line, used = line + ch, used + cw
            continue
        line, used = line + word, used + w
    pieces.append(line.rstrip() if line.strip() else line)
    return pieces


def pad(text: str, width: int) -> str:
    return text + " " * (width - text_width(text))


@dataclass(frozen=True)
class LedgerPage:
    """One page of a ledger: its note and the preformatted lines (escaped HTML)."""

    note: str
    html: Markup


def column_widths(headers: list[str], rows: list[list[str]], line_chars: int) -> list[int]:
    """Natural widths: tokens (ids, amounts, dates) whole, text capped at 40 cells."""
    from evidencekit.render.tables import TEXT_MAX, is_token

    widths = []
    for i, h in enumerate(headers):
        values = [r[i] for r in rows if i < len(r)]
        longest = max([text_width(v) for v in values] or [0])
        cap = longest if all(is_token(v) or not v for v in values) else TEXT_MAX
        # A header up to 20 cells stays on one line: wrapped headers interleave when read back.
        head = text_width(h) if text_width(h) <= 20 else max(text_width(w) for w in h.split())
        widths.append(max(2, head, min(longest, cap, line_chars - 6)))
    return widths


def column_groups(
    headers: list[str], widths: list[int], keys: tuple[str, ...], line_chars: int
) -> list[list[int]]:
    """Columns that fit a line together: all of them, or parts that each repeat the key."""
    from evidencekit.render.tables import Column, split_columns

    cols = [
        Column(i, h, w, w, False, "") for i, (h, w) in enumerate(zip(headers, widths, strict=True))
    ]
    key = [0, *(i for i, h in enumerate(headers) if h in keys)]
    return split_columns(cols, list(dict.fromkeys(key)), line_chars - 3, 2)


def ledger_pages(
    headers: list[str],
    rows: list[list[str]],
    highlighted: list[bool],
    note: str,
    line_chars: int,
    first_lines: int,
    page_lines: int,
    keys: tuple[str, ...] = (),
    part_note: str = "{k}/{m} {key}",
) -> list[LedgerPage]:
    """Pages of the ledger; a table wider than the line is cut into column parts, each part
    repeating the key column and starting on a new page (never a clipped value)."""
    widths = column_widths(headers, rows, line_chars)
    groups = column_groups(headers, widths, keys, line_chars)
    if len(groups) == 1:
        return _ledger_part(
            headers, rows, highlighted, note, widths, line_chars, first_lines, page_lines
        )
    pages: list[LedgerPage] = []
    for k, group in enumerate(groups, 1):
        key = ", ".join(headers[i] for i in group if i in groups[0])
        label = part_note.format(k=k, m=len(groups), key=key)
        if k == 1:  # the first part repeats nothing: just "part 1 of m"
            label = label.split(",")[0].split("，")[0]
        part_note_text = note + " · " + label.replace("{", "{{").replace("}", "}}")
        # A part starts under the previous one when there is room for its header and a few
        # rows: a part a page left most of each last page blank.
        used = str(pages[-1].html).count("\n") + 3 if pages else 0
        room = (page_lines if k > 1 else first_lines) - used
        part = _ledger_part(
            [headers[i] for i in group],
            [[r[i] if i < len(r) else "" for i in group] for r in rows],
            highlighted,
            part_note_text,
            [widths[i] for i in group],
            line_chars,
            room if k > 1 and room >= 12 else (first_lines if k == 1 else page_lines),
            page_lines,
        )
        if k > 1 and room >= 12:
            first = part.pop(0)
            joined = Markup('\n\n<span class="part">%s</span>\n') % first.note
            pages[-1] = LedgerPage(pages[-1].note, pages[-1].html + joined + first.html)
        pages += part
    return pages


def _ledger_part(
    headers: list[str],
    rows: list[list[str]],
    highlighted: list[bool],
    note: str,
    widths: list[int],
    line_chars: int,
    first_lines: int,
    page_lines: int,
) -> list[LedgerPage]:
    """Paginate rows into pages of at most `page_lines` lines (`first_lines` on the first)."""
    any_hl = any(highlighted)

    def render(cells: list[str], mark: str) -> list[str]:
        wrapped = [wrap(c, w) for c, w in zip(cells, widths, strict=True)]
        height = max(len(w) for w in wrapped)
        out = []
        for k in range(height):
            parts = [pad(w[k] if k < len(w) else "", widths[i]) for i, w in enumerate(wrapped)]
            lead = ((mark if k == 0 else "  ") + " ") if any_hl else ""
            out.append((lead + "  ".join(parts)).rstrip())
        return out

    head = render(headers, "  ")  # header lines carry an empty marker column
    rule = "─" * min(line_chars // 2, (sum(widths) + 2 * len(widths) + 2) // 2)
    pages: list[LedgerPage] = []
    total = len(rows)
    i = 0
    capacity = first_lines
    while i < total:
        lines: list[Markup] = []
        used = len(head) + 1
        start = i
        while i < total:
            block = render(rows[i], (MARK if highlighted[i] else "  "))
            if used + len(block) > capacity and i > start:
                break
            for line in block:
                lines.append(
                    Markup('<b class="hl">%s</b>') % line if highlighted[i] else escape(line)
                )
            used += len(block)
            i += 1
        body = Markup("\n").join([*(escape(h) for h in head), escape(rule), *lines])
        pages.append(LedgerPage(note.format(a=start + 1, b=i, n=total), body))
        capacity = page_lines
    if not rows:
        body = Markup("\n").join([*(escape(h) for h in head), escape(rule)])
        pages.append(LedgerPage(note.format(a=0, b=0, n=0), body))
    return pages


@dataclass(frozen=True)
class ChatLine:
    """A message for the compact transcript layout."""

    day: str
    head: str
    text: str
    right: bool


def chat_pages(
    messages: list[ChatLine], note: str, line_chars: int, first_lines: int, page_lines: int
) -> list[LedgerPage]:
    """Long transcripts as preformatted pages: buyer on the left, seller on the right, a rule
    at each new day; like the ledger, ~1 ms a line instead of ~5 ms a laid-out bubble."""
    width = int(line_chars * 0.62)
    indent = " " * (line_chars - width)
    pages: list[LedgerPage] = []
    lines: list[Markup] = []
    capacity = first_lines
    count_start = 0
    used = 0
    for n, m in enumerate(messages):
        block: list[Markup] = []
        if m.day:
            label = f" {m.day} "
            side = max(2, (line_chars - text_width(label)) // 2)
            block.append(
                Markup('<span class="day">%s</span>')
                % ("─" * (side // 1) + label + "─" * side)[:line_chars]
            )
        lead = indent if m.right else ""
        body = [pad(m.head, width)] + [
            " " + pad(p, width - 1) for para in m.text.split("\n") for p in wrap(para, width - 2)
        ]
        # One span a message keeps layout fast; a right-hand message needs one a line, so the
        # indent before each line stays outside the shading.
        if m.right:
            block.extend(Markup('%s<span class="r">%s</span>') % (lead, line) for line in body)
        else:
            block.append(Markup('<span class="l">%s</span>') % "\n".join(body))
        height = (1 if m.day else 0) + len(body)  # lines this message takes
        if lines and used + height > capacity:
            pages.append(
                LedgerPage(
                    note.format(a=count_start + 1, b=n, n=len(messages)), Markup("\n").join(lines)
                )
            )
            lines, capacity, count_start, used = [], page_lines, n, 0
        lines.extend(block)
        used += height
    pages.append(
        LedgerPage(
            note.format(a=count_start + 1, b=len(messages), n=len(messages)),
            Markup("\n").join(lines),
        )
    )
    return pages
