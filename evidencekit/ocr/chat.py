"""Chat screenshots to messages: the lines OCR read off a chat exhibit's screenshots (that has
no transcript) become messages: sender side by bubble position (left: the other side, right:
the shop), time from the centred time stamps above them.

Hand-written: no library reads chat layouts; the rules are few and geometric.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from evidencekit.ocr.engine import TextLine

# Status bar and title bar: the top of a phone screen (about 220 px of 2400) holds the clock
# and the other side's name, never a message.
HEADER = 0.09
# A time stamp stands in the middle: its centre within this share of the width of the middle.
MIDDLE = 0.12

_FULL = re.compile(
    r"^(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})日?\s*(上午|下午|晚上)?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?$"
)
_CLOCK = re.compile(r"^(昨天|今天)?\s*(上午|下午|晚上)?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?$")


@dataclass(frozen=True)
class ChatMessage:
    """One message read off a screenshot (text as masked for privacy)."""

    at: datetime | None  # None: no dated time stamp above it
    role: str  # buyer (left bubble) | seller (right bubble)
    text: str
    file: str


def _hour(hour: int, half: str | None) -> int:
    return hour + 12 if half in ("下午", "晚上") and hour < 12 else hour


def _stamp(text: str, last: datetime | None, tz: ZoneInfo) -> datetime | bool | None:
    """A time stamp line's time; None: a stamp that cannot be dated (a clock with no date
    seen before); False: not a time stamp."""
    s = unicodedata.normalize("NFKC", text).strip()
    if m := _FULL.match(s):
        y, mo, d, half, hh, mm, ss = m.groups()
        try:
            return datetime(
                int(y), int(mo), int(d), _hour(int(hh), half), int(mm), int(ss or 0), tzinfo=tz
            )
        except ValueError:
            return None
    if m := _CLOCK.match(s):
        day_word, half, hh, mm, ss = m.groups()
        if last is None:
            return None
        try:
            day: date = last.date() - timedelta(days=1 if day_word == "昨天" else 0)
            at = datetime.combine(day, datetime.min.time(), tzinfo=tz).replace(
                hour=_hour(int(hh), half), minute=int(mm), second=int(ss or 0)
            )
        except ValueError:
            return None
        # Stamps go forward: an earlier clock than the last stamp is on the next day.
        return at + timedelta(days=1) if at < last and day_word is None else at
    return False


def chat_messages(
    pages: list[tuple[str, tuple[int, int], tuple[TextLine, ...]]], tz: ZoneInfo
) -> list[ChatMessage]:
    """Messages of one chat exhibit: its screenshots (rel, size, lines) in file order."""
    out: list[ChatMessage] = []
    last: datetime | None = None
    for rel, (w, h), lines in pages:
        top = min(HEADER * h, 2 * HEADER * w)
        prev: TextLine | None = None
        for line in lines:
            x, y, bw, bh = line.box
            if y + bh / 2 < top:
                continue
            if abs(x + bw / 2 - w / 2) < MIDDLE * w:
                stamp = _stamp(line.text, last, tz)
                if stamp is not False:
                    last = stamp if isinstance(stamp, datetime) else last
                    prev = None
                    continue
            role = "buyer" if x < w - (x + bw) else "seller"
            # A line just under the previous one on the same side, starting where it
            # starts, continues its bubble.
            if (
                prev is not None
                and out
                and out[-1].role == role
                and y - (prev.box[1] + prev.box[3]) < 0.6 * bh
                and abs(x - prev.box[0]) < 0.5 * bh
            ):
                out[-1] = ChatMessage(out[-1].at, role, f"{out[-1].text} {line.text}", rel)
            else:
                out.append(ChatMessage(last, role, line.text, rel))
            prev = line
    return out
