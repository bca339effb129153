"""What recognised text means for the case: privacy masks as pixel boxes, and the order ids,
waybills and amounts a screenshot shows."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from evidencekit.assets.privacy import Masker
from evidencekit.ocr.engine import TextLine


@dataclass(frozen=True)
class Mask:
    """One area burned out of an image: the rule that matched and the box (x, y, w, h)."""

    rule: str  # phone, id_card, email or term
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class Found:
    """Order ids, waybills and amounts read off one image."""

    orders: tuple[str, ...] = ()  # the case's orders it shows
    other_ids: tuple[str, ...] = ()  # order-like numbers that are no order of the case
    waybills: tuple[str, ...] = ()  # the case's waybills it shows
    amounts: tuple[str, ...] = ()  # money amounts shown, e.g. 299.00
    matched_amounts: tuple[str, ...] = ()  # those equal to an order's amount

    def __bool__(self) -> bool:
        return bool(self.orders or self.other_ids or self.waybills or self.amounts)


@dataclass(frozen=True)
class Known:
    """What the case knows, to match what the images show against."""

    orders: tuple[str, ...] = ()
    waybills: tuple[str, ...] = ()
    amounts: tuple[Decimal, ...] = ()


def char_weight(ch: str) -> float:
    """Approximate advance of a character in ems (Noto Sans CJK): only relative widths
    matter, to find where a match sits inside its line's box."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if ch.isspace():
        return 0.25
    if ch.isdigit():
        return 0.55
    if ch.isupper():
        return 0.62
    if ch.isalpha():
        return 0.5
    return 0.35


def span_box(line: TextLine, start: int, end: int) -> tuple[int, int, int, int]:
    """The box of characters start:end of a line, padded so estimates never leave an edge
    of the secret visible (a third of a character each side, a little above and below)."""
    weights = [char_weight(c) for c in line.text]
    total = sum(weights) or 1.0
    x, y, w, h = line.box
    left = x + w * sum(weights[:start]) / total
    right = x + w * sum(weights[:end]) / total
    pad_x, pad_y = 0.35 * h, 0.1 * h
    x0, x1 = max(x - 2, left - pad_x), min(x + w + 2, right + pad_x)
    y0, y1 = y - pad_y, y + h + pad_y
    return (round(x0), max(0, round(y0)), max(1, round(x1 - x0)), max(1, round(y1 - y0)))


def mask_lines(
    lines: tuple[TextLine, ...], masker: Masker, keep: tuple[str, ...] = ()
) -> tuple[tuple[TextLine, ...], tuple[Mask, ...]]:
    """The lines with matches replaced by their masked text, and the boxes to burn out;
    `keep`: the case's own order ids and waybills, no personal data even when an 18-digit
    order id looks like an ID card number."""
    out: list[TextLine] = []
    masks: list[Mask] = []
    kept = {_squash(k) for k in keep}
    for line in lines:
        spans = [s for s in masker.spans(line.text) if _squash(line.text[s[1] : s[2]]) not in kept]
        if not spans:
            out.append(line)
            continue
        text, last = [], 0
        for rule, start, end, masked in spans:
            masks.append(Mask(rule, span_box(line, start, end)))
            text += [line.text[last:start], masked]
            last = end
        text.append(line.text[last:])
        out.append(TextLine("".join(text), line.box, line.score))
    return tuple(out), tuple(masks)


def _squash(text: str) -> str:
    """Comparable form: NFKC (full-width digits and letters), no spaces or dashes, upper."""
    return re.sub(r"[\s\-_—]+", "", unicodedata.normalize("NFKC", text)).upper()


_DIGITS = re.compile(r"\d{12,30}")
_AMOUNT = re.compile(r"[¥￥]\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?|(\d+)\.(\d{2})(?!\d)\s*元")
# A date and clock time (a chat's time stamp) squashes into 12 digits: no order-like number.
_DATETIME = re.compile(
    r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?|\d{1,2}:\d{2}(?::\d{2})?"
)


def _blob(lines: tuple[TextLine, ...], dates: bool = True) -> str:
    """The lines squashed one by one (digits never run on from one line into the next);
    dates=False: date and time stamps left out."""
    return "\n".join(
        _squash(text if dates else _DATETIME.sub("|", text))
        for text in (unicodedata.normalize("NFKC", ln.text) for ln in lines)
    )


def find(lines: tuple[TextLine, ...], known: Known, masked: tuple[TextLine, ...] = ()) -> Found:
    """The case's orders and waybills an image shows, other order-like numbers (read from
    the `masked` lines when given: an ID card number is no order id to show), amounts."""
    blob = _blob(lines)
    masked_blob = _blob(masked or lines, dates=False)
    orders = tuple(o for o in known.orders if _squash(o) and _squash(o) in blob)
    waybills = tuple(w for w in known.waybills if _squash(w) and _squash(w) in blob)
    seen = {_squash(x) for x in (*orders, *waybills)}
    others: list[str] = []
    for run in _DIGITS.findall(masked_blob):
        if not any(run in s or s in run for s in seen) and run not in others:
            others.append(run)
    amounts: list[str] = []
    for ln in lines:
        for m in _AMOUNT.finditer(unicodedata.normalize("NFKC", ln.text)):
            raw = (m[1] + (m[2] or "")) if m[1] else f"{m[3]}.{m[4]}"
            try:
                value = Decimal(raw.replace(",", ""))
            except InvalidOperation:
                continue
            text = f"{value:.2f}"
            if text not in amounts:
                amounts.append(text)
    matched = tuple(a for a in amounts if Decimal(a) in known.amounts)
    return Found(orders, tuple(others), waybills, tuple(amounts), matched)
