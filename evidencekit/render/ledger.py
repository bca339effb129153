"""Large tables as a ledger: fixed-width columns in a CJK monospace font, pre-paginated.

WeasyPrint lays out an HTML table at 12-15 ms a row (a 3 000-row export: 40 s); the same rows as
lines of preformatted text take under 1 ms a row. Columns line up because the font (Noto Sans
Mono CJK) gives CJK characters exactly two ASCII widths. Pages are cut here, so every page
repeats the header and says which rows it holds; a row is never split across pages.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape

MARK = "▶"


def text_width(text: str) -> int:
    """Display width in monospace cells (East Asian wide and full-width characters count 2)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" and ord(c) > 0x7F else 1 for c in text)


def wrap(text: str, width: int) -> list[str]:
    """Cut text into pieces of at most `width` cells (never drops a character)."""
    text = text.replace("\n", " ")
    pieces, line, used = [], "", 0
    for ch in text:
        w = text_width(ch)
        if used + w > width and line:
            pieces.append(line)
            line, used = "", 0
        line += ch
        used += w
    pieces.append(line)
    return pieces


def pad(text: str, width: int) -> str:
    return text + " " * (width - text_width(text))


@dataclass(frozen=True)
class LedgerPage:
    """One page of a ledger: its note and the preformatted lines (escaped HTML)."""

    note: str
    html: Markup


def column_widths(headers: list[str], rows: list[list[str]], line_chars: int) -> list[int]:
    """Natural widths (capped at 40), shrunk widest-first until the line fits."""
    widths = [
        min(40, max([text_width(h)] + [text_width(r[i]) for r in rows]))
        for i, h in enumerate(headers)
    ]
    widths = [max(w, 2) for w in widths]
    budget = line_chars - 3 - 2 * (len(headers) - 1)  # marker column and separators
    while sum(widths) > budget and max(widths) > 6:
        i = widths.index(max(widths))
        widths[i] -= 1
    return widths


def ledger_pages(
    headers: list[str],
    rows: list[list[str]],
    highlighted: list[bool],
    note: str,
    line_chars: int,
    first_lines: int,
    page_lines: int,
) -> list[LedgerPage]:
    """Paginate rows into pages of at most `page_lines` lines (`first_lines` on the first)."""
    widths = column_widths(headers, rows, line_chars)
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
