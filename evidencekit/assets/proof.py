"""Per-order proof, reading side: exports indexed by order id, and the facts a trace holds.

Every export is read with `read_export` (headers under preambles, cleaned cells; parsed once
per build) and indexed on its order id column; the manifest stage asks it for one order's
rows and values. Errors are ValueError with a message the caller locates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from pathlib import Path

from evidencekit.assets.exports import (
    Export,
    find_column,
    header_key,
    normalize_id,
    parse_time,
    read_export,
)
from evidencekit.messages import Msg
from evidencekit.model import ShippingEvent

# Shipped-time headers: not an export role elsewhere, so recognised here.
SHIPPED = (
    "发货时间",
    "发货日期",
    "出库时间",
    "shippedat",
    "shipdate",
    "shippeddate",
    "fulfilledat",
)
PICKUP = re.compile(
    r"揽收|揽件|已收取|收件|取件|收寄|picked up|pickup|pick-up|accepted|collected", re.IGNORECASE
)
DELIVERED = re.compile(r"签收|妥投|已送达|delivered|signed for", re.IGNORECASE)
_SIGNER = re.compile(
    r"(?:签收人|签收者)\s*[:：是为]?\s*([^\s，,。；;)）]+)|signed (?:for )?by:?\s*([^,.;]+)",
    re.IGNORECASE,
)
_CITY = re.compile(r"([\u4e00-\u9fff]{2,8}?(?:市|自治州|州|盟|地区))")
_PROVINCE = re.compile(r"^[\u4e00-\u9fff]{2,7}?(?:省|自治区)")
_MUNICIPAL = ("北京", "上海", "天津", "重庆", "香港", "澳门")


def column_named(header: tuple[str, ...], name: str) -> int | None:
    """The column with this header (exactly, or compared loosely)."""
    if name in header:
        return header.index(name)
    key = header_key(name)
    keys = [header_key(h) for h in header]
    return keys.index(key) if key in keys else None


@dataclass(frozen=True)
class SourceTable:
    """An export indexed by order id."""

    export: Export
    id_col: int
    roles: dict[str, int]  # role -> column
    by_id: dict[str, tuple[int, ...]]  # normalised order id -> row numbers

    @property
    def id_header(self) -> str:
        return self.export.header[self.id_col]

    def rows_of(self, order_id: str) -> list[tuple[str, ...]]:
        return [self.export.rows[i] for i in self.by_id.get(normalize_id(order_id), ())]

    def value(self, order_id: str, role: str) -> str:
        """The first non-empty cell of `role` in the order's rows."""
        col = self.roles.get(role)
        if col is None:
            return ""
        return next((r[col] for r in self.rows_of(order_id) if r[col]), "")


def open_source(
    path: Path,
    *,
    sheet: str | None,
    encoding: str | None,
    id_header: str | None,
    columns: dict[str, str],
    roles: tuple[str, ...],
) -> SourceTable:
    """Read an export and index it on its order id column; ValueError names what is missing."""
    expect = [x for x in (id_header, *columns.values()) if x]
    export = read_export(path, sheet, encoding, expect=expect)
    header = export.header
    if id_header is not None:
        id_col = column_named(header, id_header)
        if id_col is None:
            msg = Msg("export.no_id_column", name=id_header, names=", ".join(header))
            raise ValueError(msg)
    else:
        id_col = find_column(header, "order_id")
        if id_col is None:
            msg = Msg("export.no_order_id_column", names=", ".join(header))
            raise ValueError(msg)
    found: dict[str, int] = {}
    for role in roles:
        if role in columns:
            i = column_named(header, columns[role])
            if i is None:
                msg = Msg(
                    "export.no_column", name=columns[role], role=role, names=", ".join(header)
                )
                raise ValueError(msg)
        elif role == "shipped":
            i = next((column_named(header, n) for n in SHIPPED if column_named(header, n)), None)
        else:
            i = find_column(header, role)
        if i is not None and i != id_col:
            found[role] = i
    by_id = {k: v for k, v in export.ids(id_col).items() if k}
    return SourceTable(export, id_col, found, by_id)


def read_order_ids(
    path: Path, column: str | None, sheet: str | None, encoding: str | None
) -> list[str]:
    """The order ids a list of flagged orders holds, in file order, without repeats."""
    table = open_source(
        path, sheet=sheet, encoding=encoding, id_header=column, columns={}, roles=()
    )
    seen: dict[str, str] = {}
    for row in table.export.rows:
        value = row[table.id_col]
        if normalize_id(value):
            seen.setdefault(normalize_id(value), value)
    if not seen:
        raise ValueError(Msg("export.no_order_ids", name=table.id_header))
    return list(seen.values())


def parse_amount(text: str) -> Decimal | None:
    """199.00, ¥1,299.00, 1 299,00 CNY → Decimal; None when it is not a number."""
    t = re.sub(r"[^\d.,\-]", "", text)
    if re.fullmatch(r"-?\d{1,3}(?:\.\d{3})*,\d{1,2}", t):  # 1.299,00
        t = t.replace(".", "").replace(",", ".")
    t = t.replace(",", "")
    try:
        return Decimal(t) if t else None
    except InvalidOperation:
        return None


def parse_when(text: str, tz: tzinfo) -> datetime | None:
    """An export's time cell, aware in the case zone; None when blank or unreadable."""
    if not text.strip():
        return None
    try:
        return parse_time(text, tz)
    except ValueError:
        return None


def city_of(text: str) -> str:
    """The city a Chinese address or scan location names (上海市浦东新区… → 上海), or ''."""
    rest = _PROVINCE.sub("", text.strip())
    for m in _MUNICIPAL:
        if rest.startswith(m):
            return m
    found = _CITY.search(rest)
    if not found:
        return ""
    return re.sub(r"(?:市|自治州|州|盟|地区)$", "", found[1]) or found[1]


def signer_of(status: str) -> str:
    """Who signed, when the carrier's status says it (签收人：本人 → 本人)."""
    m = _SIGNER.search(status)
    return (m[1] or m[2] or "").strip() if m else ""


@dataclass(frozen=True)
class TraceFacts:
    """What a reviewer reads from a trace: pickup, signature, where it ended."""

    picked_up_at: datetime | None
    signed_at: datetime | None
    signer: str
    place: str


def trace_facts(events: list[ShippingEvent]) -> TraceFacts:
    """Pickup and signature scans of one waybill's events."""
    ordered = sorted(events, key=lambda e: e.at)
    # 签收 lines name the 收件人: a delivery scan is never the pickup.
    pickup = next(
        (e for e in ordered if PICKUP.search(e.status) and not DELIVERED.search(e.status)), None
    )
    signed = next((e for e in ordered if DELIVERED.search(e.status)), None)
    last = signed or (ordered[-1] if ordered else None)
    place = ""
    if last is not None:
        place = last.location or last.status
    return TraceFacts(
        pickup.at if pickup else None,
        signed.at if signed else None,
        signer_of(signed.status) if signed else "",
        place,
    )
