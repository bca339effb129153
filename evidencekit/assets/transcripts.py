"""Chat exports (CSV, JSON, plain text) to a list of messages with aware times."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from evidencekit.assets.exports import build_cached, build_export, header_key, parse_time
from evidencekit.assets.privacy import Masker
from evidencekit.assets.tables import parse_csv
from evidencekit.assets.text import Decoded, decode, guess_note
from evidencekit.errors import EvidenceError
from evidencekit.messages import Msg, reason
from evidencekit.model import SourceFile

TIME_KEYS = ("time", "timestamp", "date", "at", "时间", "发送时间")
SENDER_KEYS = ("sender", "from", "name", "nick", "user", "发送人", "发送者", "昵称")
TEXT_KEYS = ("message", "text", "content", "body", "msg", "内容", "消息", "消息内容")
ROLE_KEYS = ("role", "side", "角色")
# Whose conversation a message belongs to, in a shop-wide export (the customer's account).
PEER_KEYS = ("conversation", "peer", "customer", "会话", "对方", "客户", "买家")
_TXT_HEAD = re.compile(r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}[ T]\d{1,2}:\d{2}(?::\d{2})?)\s+(.+?)\s*$")


@dataclass(frozen=True)
class Message:
    """One chat message."""

    at: datetime
    sender: str
    text: str
    role: str  # buyer | seller | platform | other
    peer: str = ""  # the conversation's other party, when the export says (PEER_KEYS)


def _parse_time(raw: str, tz: ZoneInfo) -> datetime:
    return parse_time(raw, tz)


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        return ""


def _pick(row: dict[str, str], keys: tuple[str, ...]) -> str | None:
    lowered = {k.strip().lower(): v for k, v in row.items() if k}
    for k in keys:
        if k in lowered:
            return lowered[k]
    return None


def _decode(sf: SourceFile, encoding: str | None) -> Decoded:
    try:  # a shop-wide export is named for every order: decoded once per build
        return build_cached(
            sf.path, ("decoded", encoding), lambda: decode(sf.path.read_bytes(), encoding)
        )
    except ValueError as e:
        raise EvidenceError(reason(e), file=sf.rel, location=sf.location) from e
    except OSError as e:
        msg = Msg("file.unreadable", why=e.strerror)
        raise EvidenceError(msg, file=sf.rel, location=sf.location) from e


def transcript_warnings(sf: SourceFile, encoding: str | None = None) -> list[str]:
    """What `validate` should say about a transcript (a guessed encoding)."""
    decoded = _decode(sf, encoding)
    return [guess_note(sf.rel, decoded.encoding)] if decoded.guessed else []


def read_transcript(
    sf: SourceFile,
    tz: ZoneInfo,
    participants: dict[str, str],
    masker: Masker | None = None,
    encoding: str | None = None,
    peer: str = "",
) -> list[Message]:
    """Messages in file order; times without an offset are read in the case time zone. With
    `peer`, only that customer's conversation in a shop-wide export (see conversation), masked
    alone: `masker` counts what the exhibit shows. The file is read once per build."""
    rows = build_cached(sf.path, ("messages", encoding, str(tz)), lambda: _rows(sf, tz, encoding))
    mask = masker or Masker(None)
    messages = [
        Message(at, sender, body, _side(role, participants.get(sender)), peer_of)
        for at, sender, body, role, peer_of in rows
    ]
    if peer:
        messages = conversation(messages, peer)
    return [
        Message(
            m.at,
            mask.text(m.sender) if m.sender not in participants else m.sender,
            mask.text(m.text),
            m.role,
            m.peer,
        )
        for m in messages
    ]


def _side(role: str | None, given: str | None) -> str:
    side = (role or given or "other").strip().lower()
    if side not in ("buyer", "seller", "platform", "other"):
        side = {"买家": "buyer", "卖家": "seller", "客服": "seller", "平台": "platform"}.get(
            side, "other"
        )
    return side


def _rows(
    sf: SourceFile, tz: ZoneInfo, encoding: str | None
) -> tuple[tuple[datetime, str, str, str | None, str], ...]:
    """(time, sender, text, role column, peer) of every message, unmasked."""
    decoded = _decode(sf, encoding)
    suffix = sf.path.suffix.lower()
    text = decoded.text
    if suffix != ".csv":  # the CSV reader keeps line ends inside quoted messages
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    rows: list[tuple[str, str, str, str | None, str]] = []  # time, sender, text, role, where
    peers: list[str] = []  # the peer of each row, when the export has a PEER_KEYS column
    if suffix == ".json":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as e:
            msg = Msg("chat.bad_json", why=f"{type(e).__name__}: {str(e)[:200]}")
            raise EvidenceError(msg, file=sf.rel, location=sf.location) from e
        items = data.get("messages", data) if isinstance(data, dict) else data
        if not isinstance(items, list):
            msg = Msg("chat.not_a_list")
            raise EvidenceError(msg, file=sf.rel, location=sf.location)
        for n, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            row = {str(k): "" if v is None else _text(v) for k, v in item.items()}
            rows.append(
                (
                    _pick(row, TIME_KEYS) or "",
                    _pick(row, SENDER_KEYS) or "",
                    _pick(row, TEXT_KEYS) or "",
                    _pick(row, ROLE_KEYS),
                    Msg("chat.message_n", n=n + 1),
                )
            )
            peers.append(_pick(row, PEER_KEYS) or "")
    elif suffix == ".csv":
        try:
            raw, lines = parse_csv(text)
            export = build_export(raw, lines, encoding=decoded.encoding)
        except ValueError as e:
            raise EvidenceError(reason(e), file=sf.rel, location=sf.location) from e
        keys = [header_key(h) for h in export.header]

        def column(names: tuple[str, ...]) -> int | None:
            return next((keys.index(k) for k in names if k in keys), None)

        t_i, s_i, m_i = column(TIME_KEYS), column(SENDER_KEYS), column(TEXT_KEYS)
        r_i = column(ROLE_KEYS)
        p_i = column(PEER_KEYS)
        if t_i is None or s_i is None or m_i is None:
            msg = Msg("chat.csv_columns", names=", ".join(export.header))
            raise EvidenceError(msg, file=sf.rel, location=sf.location)
        for n, r in zip(export.lines, export.rows, strict=True):
            role = r[r_i] if r_i is not None else None
            rows.append((r[t_i], r[s_i], r[m_i], role, Msg("chat.line_n", n=n)))
            peers.append(r[p_i] if p_i is not None else "")
    else:
        current: list[str] | None = None
        for n, line in enumerate(text.split("\n"), start=1):
            head = _TXT_HEAD.match(line)
            if head:
                current = [head[1], head[2], "", Msg("chat.line_n", n=n)]
                rows.append((current[0], current[1], "", None, current[3]))
            elif rows:
                t, s, body, role, where = rows[-1]
                rows[-1] = (t, s, f"{body}\n{line}" if body else line, role, where)
            elif line.strip():
                msg = Msg("chat.bad_header", n=n)
                raise EvidenceError(msg, file=sf.rel, location=sf.location)
    out: list[tuple[datetime, str, str, str | None, str]] = []
    peers += [""] * (len(rows) - len(peers))  # plain text has no peer column
    for (raw_time, sender, body, role, where), peer in zip(rows, peers, strict=True):
        try:
            at = _parse_time(raw_time, tz)
        except ValueError as e:
            msg = Msg("chat.bad_time", where=where, value=raw_time[:100])
            raise EvidenceError(msg, file=sf.rel, location=sf.location) from e
        out.append((at, sender.strip(), body.strip("\n"), role, peer.strip()))
    if not out:
        msg = Msg("chat.empty")
        raise EvidenceError(msg, file=sf.rel, location=sf.location)
    return tuple(out)


def conversation(messages: list[Message], buyer: str) -> list[Message]:
    """One buyer's conversation in a chat export shared by many buyers: the buyer's own
    messages and the shop's replies to them. Where the export names each message's peer
    (conversation) that decides; else a shop or platform message belongs to the buyer who
    wrote last before it (buyers' messages have role buyer or other)."""
    out: list[Message] = []
    last_customer = ""
    for m in messages:
        if m.peer:
            if m.peer == buyer or m.sender == buyer:
                out.append(m)
            continue
        if m.role in ("buyer", "other"):
            last_customer = m.sender
            if m.sender == buyer:
                out.append(m)
        elif last_customer == buyer:
            out.append(m)
    return out
