"""Cross-checks a reviewer would make: the evidence a dispute reason calls for."""

from __future__ import annotations

from datetime import datetime

from evidencekit.model import Gap, OrderProof, Profile

REASON_LABELS = {
    "not_received": ("未收到货", "not received"),
    "not_as_described": ("与描述不符", "not as described"),
    "fraud": ("虚假交易/欺诈", "fraud / fake transaction"),
}


def reason_class(profile: Profile, reason: str | None) -> str | None:
    """The profile's reason class (not_received, ...) whose words appear in the reason."""
    if not reason:
        return None
    text = reason.lower()
    for cls, words in profile.reasons.items():
        if any(w.lower() in text for w in words):
            return cls
    return None


def missing_expected(profile: Profile, reason: str | None, kinds: set[str]) -> list[str]:
    """Evidence kinds the profile expects for this dispute reason that the case lacks."""
    cls = reason_class(profile, reason)
    if cls is None:
        return []
    return [k for k in profile.expected.get(cls, []) if k not in kinds]


def describe_reason(cls: str, language: str) -> str:
    zh, en = REASON_LABELS.get(cls, (cls, cls.replace("_", " ")))
    return zh if language == "zh-CN" else en


# ---------------------------------------------------------------- per-order proof


def order_gaps(
    order: OrderProof,
    configured: dict[str, str],
    shared_with: list[str],
    traced: bool,
) -> tuple[Gap, ...]:
    """What a reviewer or a fraud analyst would hold against one order's proof.

    `configured`: proof source -> its file or pattern (only configured sources are checked);
    `shared_with`: the other orders shipped under the same waybill; `traced`: a trace was found.
    """
    gaps: list[Gap] = []
    have = set(order.sources)
    for src in ("orders", "payments", "shipments"):
        if src in configured and src not in have:
            gaps.append(Gap("no_row", (src,), (("file", configured[src]),)))
    # No waybill: on its shipment row, or anywhere when traces are wanted and no list gives it.
    wants_waybill = "traces" in configured and "shipments" not in configured
    if not order.waybill and ("shipments" in have or wants_waybill):
        gaps.append(Gap("no_waybill", ("shipments",)))
    if "traces" in configured and order.waybill and not traced:
        gaps.append(Gap("no_trace", ("traces",), (("waybill", order.waybill),)))
    if (
        order.amount is not None
        and order.paid_amount is not None
        and (order.amount != order.paid_amount)
    ):
        detail = (("paid", str(order.paid_amount)), ("amount", str(order.amount)))
        gaps.append(Gap("amount", ("orders", "payments"), detail))
    shipped = order.shipped_at or order.picked_up_at
    shipped_by = "shipments" if order.shipped_at else "traces"
    if shipped and order.paid_at and shipped < order.paid_at:
        detail = (("shipped", _short(shipped)), ("paid", _short(order.paid_at)))
        gaps.append(Gap("shipped_before_paid", (shipped_by, "payments"), detail))
    if shipped and order.signed_at and order.signed_at < shipped:
        detail = (("signed", _short(order.signed_at)), ("shipped", _short(shipped)))
        gaps.append(Gap("signed_before_shipped", ("traces", shipped_by), detail))
    if traced and order.picked_up_at is None:
        gaps.append(Gap("no_pickup", ("traces",), (("waybill", order.waybill),)))
    if traced and order.signed_at is None:
        gaps.append(Gap("no_signature", ("traces",), (("waybill", order.waybill),)))
    if shared_with:
        detail = (("waybill", order.waybill), ("others", ", ".join(shared_with)))
        gaps.append(Gap("shared_waybill", ("shipments",), detail))
    if order.address_match is False:
        detail = (("place", order.delivered_at_place), ("address", order.address))
        gaps.append(Gap("city", ("traces", "orders"), detail))
    if "chats" in configured and not order.chats:
        gaps.append(Gap("no_chat", ("chats",), (("file", configured["chats"]),)))
    if "photos" in configured and not order.photos:
        gaps.append(Gap("no_photos", ("photos",), (("file", configured["photos"]),)))
    return tuple(gaps)


def _short(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------- what screenshots show


def misfiled_orders(filed: tuple[str, ...], shown: tuple[str, ...]) -> tuple[str, ...]:
    """The orders an image shows that it is not filed under (only the case's own orders count:
    a screenshot naming its own order and an unrelated number is fine)."""
    return tuple(o for o in shown if o not in filed)
