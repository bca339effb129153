"""The per-order proof table (逐单举证一览) and the cover's summary, as plain template data."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

from evidencekit.i18n import t
from evidencekit.model import Case, Gap, OrderProof

OK, BAD = "✓", "✗"

# The table column a gap is shown in (its kind, and for a missing row its source).
_COLUMN = {
    "no_row:orders": "placed",
    "no_row:payments": "paid",
    "no_row:shipments": "waybill",
    "no_waybill": "waybill",
    "shared_waybill": "waybill",
    "amount": "paid",
    "shipped_before_paid": "paid",
    "no_trace": "pickup",
    "no_pickup": "pickup",
    "signed_before_shipped": "signed",
    "no_signature": "signed",
    "city": "address",
    "no_chat": "chat",
    "no_photos": "photos",
}
COLUMNS = ("buyer", "placed", "paid", "waybill", "pickup", "signed", "address", "chat", "photos")
# The exhibit a column links to: the source that shows it.
_SOURCE = {
    "buyer": "orders",
    "placed": "orders",
    "paid": "payments",
    "waybill": "shipments",
    "pickup": "traces",
    "signed": "traces",
    "address": "traces",
    "chat": "chats",
    "photos": "photos",
}


def gap_column(gap: Gap) -> str:
    return _COLUMN.get(f"{gap.kind}:{gap.sources[0]}") or _COLUMN.get(gap.kind, "placed")


def _time(value: Any, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""


def _values(p: OrderProof, tz: ZoneInfo, lang: str) -> dict[str, str]:
    paid = _time(p.paid_at, tz)
    amount = p.paid_amount if p.paid_amount is not None else p.amount
    if amount is not None:
        paid = f"{paid} ({amount})" if paid else str(amount)
    signed = _time(p.signed_at, tz)
    if p.signer:
        signed = f"{signed} · {p.signer}"
    return {
        "buyer": p.buyer,
        "placed": _time(p.placed_at, tz),
        "paid": paid,
        "waybill": " ".join(x for x in (p.carrier, p.waybill) if x),
        "pickup": _time(p.picked_up_at, tz),
        "signed": signed,
        "address": p.delivered_at_place if p.address_match else "",
        "chat": t("proof_files", lang, n=p.chats) if p.chats else "",
        "photos": t("proof_files", lang, n=p.photos) if p.photos else "",
    }


def proof_context(case: Case, tz: ZoneInfo) -> dict[str, Any] | None:
    """Rows of the per-order proof table and the summary; None without a proof: block."""
    if not case.proof:
        return None
    lang = case.language
    rows = []
    counts: Counter[str] = Counter()
    for p in case.proof:
        by_column: dict[str, list[str]] = {}
        for gap in p.gaps:
            by_column.setdefault(gap_column(gap), []).append(gap.text(lang))
            counts[gap.kind] += 1
        anchors = dict(reversed(p.exhibits))  # source -> its first exhibit
        values = _values(p, tz, lang)
        cells = []
        for col in COLUMNS:
            gaps = by_column.get(col, [])
            text = "；".join(gaps) if lang == "zh-CN" else "; ".join(gaps)
            value = values[col]
            cells.append(
                {
                    "mark": BAD if gaps else (OK if value else ""),
                    "text": text or value or t("proof_none", lang),
                    "ok": not gaps and bool(value),
                    "bad": bool(gaps),
                    "href": anchors.get(_SOURCE[col], ""),
                }
            )
        first = p.exhibits[0][1] if p.exhibits else ""
        last = p.exhibits[-1][1] if p.exhibits else ""
        rows.append(
            {
                "id": p.id,
                "complete": p.complete,
                "anchor": first,
                "end": f"{last}-end" if last else "",
                "cells": cells,
            }
        )
    complete = sum(1 for p in case.proof if p.complete)
    sep = "、" if lang == "zh-CN" else ", "
    gap_list = sep.join(f"{t(f'gapk_{k}', lang)} {n}" for k, n in counts.items())
    return {
        "rows": rows,
        "columns": [t(f"proof_{c}", lang) for c in COLUMNS],
        "summary": t("proof_summary", lang, n=len(case.proof), complete=complete),
        "gaps": t("proof_gap_counts", lang, list=gap_list) if gap_list else "",
        "heads": {
            p.exhibits[0][1]: t("proof_order", lang, id=p.id) for p in case.proof if p.exhibits
        },
        "members": {a for p in case.proof for _, a in p.exhibits},
    }


def order_records(case: Case, anchors: dict[str, int]) -> list[dict[str, object]]:
    """The evidence JSON's `orders`: id, complete, gaps (in the dossier's language), pages."""
    out: list[dict[str, object]] = []
    for p in case.proof:
        pages = None
        if p.exhibits:
            pages = [anchors[p.exhibits[0][1]], anchors[f"{p.exhibits[-1][1]}-end"]]
        out.append(
            {
                "id": p.id,
                "complete": p.complete,
                "gaps": [g.text(case.language) for g in p.gaps],
                "pages": pages,
            }
        )
    return out


def order_folder(order_id: str) -> str:
    """An order id as one plain output folder or file name part."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", order_id).lstrip("._-")[:100]
    return name or "order"


def order_folders(record: dict[str, object]) -> dict[int, str]:
    """Page -> the folder of the order whose section holds it (from the evidence JSON)."""
    out: dict[int, str] = {}
    orders = record.get("orders") or []
    assert isinstance(orders, list)
    for o in orders:
        if o.get("pages"):
            first, last = o["pages"]
            for page in range(first, last + 1):
                out[page] = order_folder(str(o["id"]))
    return out


def order_text(case: Case, p: OrderProof) -> str:
    """One order's proof in a few sentences, for the form's text field."""
    tz = ZoneInfo(case.timezone)
    zh = case.language == "zh-CN"
    v = _values(p, tz, case.language)
    parts: list[str] = []
    if zh:
        parts.append(f"订单 {p.id}" + (f"（买家 {p.buyer}）" if p.buyer else ""))
        if v["placed"]:
            parts.append(f"{v['placed']} 下单")
        if v["paid"]:
            parts.append(f"付款 {v['paid']}")
        if p.waybill:
            parts.append(f"{p.carrier}运单 {p.waybill}")
        if v["pickup"]:
            parts.append(f"{v['pickup']} 揽收")
        if p.signed_at:
            parts.append(f"{v['signed']} 签收")
        if p.address_match:
            parts.append("签收地与收货地址一致")
        if p.chats:
            parts.append("附与买家的聊天记录")
        if p.photos:
            parts.append("附发货前实拍照片")
        text = "，".join(parts) + "。"
        if p.gaps:
            text += "说明：" + "；".join(g.text(case.language) for g in p.gaps) + "。"
        return text
    parts.append(f"Order {p.id}" + (f" (buyer {p.buyer})" if p.buyer else ""))
    if v["placed"]:
        parts.append(f"placed {v['placed']}")
    if v["paid"]:
        parts.append(f"paid {v['paid']}")
    if p.waybill:
        parts.append(f"shipped with {p.carrier} {p.waybill}".replace("  ", " "))
    if v["pickup"]:
        parts.append(f"picked up {v['pickup']}")
    if p.signed_at:
        parts.append(f"signed {v['signed']}")
    if p.address_match:
        parts.append("delivered in the consignee's city")
    if p.chats:
        parts.append("chat with the buyer attached")
    if p.photos:
        parts.append("photos before shipping attached")
    text = ", ".join(parts) + "."
    if p.gaps:
        text += " Notes: " + "; ".join(g.text(case.language) for g in p.gaps) + "."
    return text
