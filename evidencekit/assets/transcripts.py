"""Chat exports (CSV, JSON, plain text) to a list of messages with aware times."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from evidencekit.assets.privacy import Masker
from evidencekit.assets.text import decode_text
from evidencekit.errors import EvidenceError
from evidencekit.model import SourceFile

TIME_KEYS = ("time", "timestamp", "date", "at", "时间", "发送时间")
SENDER_KEYS = ("sender", "from", "name", "nick", "user", "发送人", "发送者", "昵称")
TEXT_KEYS = ("message", "text", "content", "body", "msg", "内容", "消息", "消息内容")
ROLE_KEYS = ("role", "side", "角色")
_TXT_HEAD = re.compile(r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}[ T]\d{1,2}:\d{2}(?::\d{2})?)\s+(.+?)\s*$")


@dataclass(frozen=True)
class Message:
    """One chat message."""

    at: datetime
    sender: str
    text: str
    role: str  # buyer | seller | platform | other


def _parse_time(raw: str, tz: ZoneInfo) -> datetime:
    text = raw.strip().replace("/", "-").replace(".", "-", 2) if raw else ""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=tz)


def _pick(row: dict[str, str], keys: tuple[str, ...]) -> str | None:
    lowered = {k.strip().lower(): v for k, v in row.items() if k}
    for k in keys:
        if k in lowered:
            return lowered[k]
    return None


def read_transcript(
    sf: SourceFile, tz: ZoneInfo, participants: dict[str, str], masker: Masker | None = None
) -> list[Message]:
    """Messages in file order; times without an offset are read in the case time zone."""
    try:
        text, _ = decode_text(sf.path.read_bytes())
    except ValueError as e:
        raise EvidenceError(str(e), file=sf.rel, location=sf.location) from e
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    suffix = sf.path.suffix.lower()
    rows: list[tuple[str, str, str, str | None, str]] = []  # time, sender, text, role, where
    if suffix == ".json":
        try:
            data = json.loads(text)
        except ValueError as e:
            msg = f"not valid JSON ({e})"
            raise EvidenceError(msg, file=sf.rel, location=sf.location) from e
        items = data.get("messages", data) if isinstance(data, dict) else data
        if not isinstance(items, list):
            msg = 'expected a list of messages (or {"messages": [...]})'
            raise EvidenceError(msg, file=sf.rel, location=sf.location)
        for n, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            row = {str(k): "" if v is None else str(v) for k, v in item.items()}
            rows.append(
                (
                    _pick(row, TIME_KEYS) or "",
                    _pick(row, SENDER_KEYS) or "",
                    _pick(row, TEXT_KEYS) or "",
                    _pick(row, ROLE_KEYS),
                    f"message {n + 1}",
                )
            )
    elif suffix == ".csv":
        try:
            dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        fields = [f.strip().lower() for f in reader.fieldnames or []]
        if not (
            set(fields) & set(TIME_KEYS)
            and set(fields) & set(SENDER_KEYS)
            and set(fields) & set(TEXT_KEYS)
        ):
            msg = (
                f"a chat CSV needs time, sender and message columns; found: "
                f"{', '.join(reader.fieldnames or [])}"
            )
            raise EvidenceError(msg, file=sf.rel, location=sf.location)
        for n, row in enumerate(reader, start=2):
            rows.append(
                (
                    _pick(row, TIME_KEYS) or "",
                    _pick(row, SENDER_KEYS) or "",
                    _pick(row, TEXT_KEYS) or "",
                    _pick(row, ROLE_KEYS),
                    f"line {n}",
                )
            )
    else:
        current: list[str] | None = None
        for n, line in enumerate(text.split("\n"), start=1):
            head = _TXT_HEAD.match(line)
            if head:
                current = [head[1], head[2], "", f"line {n}"]
                rows.append((current[0], current[1], "", None, current[3]))
            elif rows:
                t, s, body, role, where = rows[-1]
                rows[-1] = (t, s, f"{body}\n{line}" if body else line, role, where)
            elif line.strip():
                msg = (
                    f"line {n} is not a message header; expected lines like "
                    "'2025-10-01 09:36 sender' followed by the message"
                )
                raise EvidenceError(msg, file=sf.rel, location=sf.location)
    mask = masker or Masker(None)
    out: list[Message] = []
    for raw_time, sender, body, role, where in rows:
        try:
            at = _parse_time(raw_time, tz)
        except ValueError as e:
            msg = f"{where}: not a valid date/time: {raw_time!r}"
            raise EvidenceError(msg, file=sf.rel, location=sf.location) from e
        sender = sender.strip()
        side = (role or participants.get(sender) or "other").strip().lower()
        if side not in ("buyer", "seller", "platform", "other"):
            side = {"买家": "buyer", "卖家": "seller", "客服": "seller", "平台": "platform"}.get(
                side, "other"
            )
        out.append(
            Message(
                at,
                mask.text(sender) if sender not in participants else sender,
                mask.text(body.strip("\n")),
                side,
            )
        )
    if not out:
        raise EvidenceError("the transcript holds no messages", file=sf.rel, location=sf.location)
    return out
