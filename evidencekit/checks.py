"""Cross-checks a reviewer would make: the evidence a dispute reason calls for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from evidencekit.errors import EvidencekitError
from evidencekit.messages import Msg
from evidencekit.model import Case, Gap, OrderProof, Profile

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


# --- Before a long build: will the profile's caps bite? -----------------------------------

# Rough heights (mm) and bytes of what a page holds; measured on the examples and test cases.
_BAND_MM = 55.0  # the header band on an exhibit's first page
_ROW_MM = 6.0  # a table row, a tracking event
_MESSAGE_MM = 14.0  # a chat bubble
_FONT_BYTES = {"zh-CN": 300_000, "en": 40_000}  # embedded font subsets, whole dossier
_PAGE_BYTES = 4_000  # text, rules and tables of one page
FORECAST_TOLERANCE = (0.6, 1.5)  # build / forecast, pages and bytes, on the tested cases


@dataclass
class ExhibitForecast:
    """One exhibit's expected pages and bytes, and its drawn images for the fit ladder."""

    label: str
    kind: str
    pages: int = 0
    bytes: int = 0
    images: list[tuple[int, float]] = field(default_factory=list)  # (bytes, drawn dpi)


@dataclass
class Forecast:
    """Expected pages and bytes of the dossier, per exhibit."""

    pages: int
    bytes: int
    exhibits: list[ExhibitForecast]


def _lines(path: Path) -> int:
    try:
        with path.open("rb") as f:
            return max(0, sum(1 for _ in f) - 1)  # less the header
    except OSError:
        return 0


def _image_parts(
    rel: str, w: int, h: int, box: tuple[float, float], dpi: int
) -> list[tuple[float, float, float]]:
    """(printed width and height in mm, drawn dpi) of each page part: the build's own cut."""
    from evidencekit.assets.images import cut_image

    print_w, slices = cut_image(rel, w, h, box, 0.04)
    drawn = min(w / (print_w / 25.4), float(dpi))
    return [(print_w, print_w * (bottom - top) / w, drawn) for top, bottom in slices]


def _out_bpp(src_bytes: int, src_px: int, screenshot: bool) -> float:
    """Bytes per pixel after the build's JPEG re-encode (q80): a lossless screenshot grows
    about 2.5x from its PNG; a photo keeps its rate, or halves it from a high quality."""
    src = src_bytes / max(1, src_px)
    if screenshot:
        return min(0.25, max(0.06, src * 2.5))
    return min(src, max(0.15, src / 2))


def forecast(case: Case, dpi: int = 200) -> Forecast:
    """Pages and bytes the build will make, from image headers and file sizes, table rows,
    transcript lines and included PDF pages: no decoding, no layout."""
    from evidencekit.assets.images import image_size
    from evidencekit.render import content_box_mm

    box_w, box_h = content_box_mm(case.profile.paper)
    box = (box_w, box_h - 72)
    dpi = min(dpi, case.profile.limits.dpi or dpi)
    out: list[ExhibitForecast] = []
    for ex in case.exhibits:
        fc = ExhibitForecast(ex.label, ex.kind)
        pages, used = 1, _BAND_MM

        def room(mm: float) -> None:
            nonlocal pages, used
            if used + mm > box_h and used > 0:
                pages, used = pages + 1, 0.0
            used += mm

        rows = len(ex.events)
        if ex.table_file is not None:
            rows += _lines(ex.table_file.path)
        if ex.events_file is not None:
            rows += _lines(ex.events_file.path)
        for _ in range(rows):
            room(_ROW_MM)
        if ex.transcript_file is not None:
            for _ in range(_lines(ex.transcript_file.path)):
                room(_MESSAGE_MM)
        for sf in ex.files:
            size = sf.path.stat().st_size
            if sf.rel in ex.pdf_pages:
                for _ in ex.pdf_pages[sf.rel][0]:
                    room(box_h)
                fc.bytes += size
                continue
            try:
                w, h = image_size(sf.path, sf.rel)
                parts = _image_parts(sf.rel, w, h, box, dpi)
            except EvidencekitError:  # the build refuses it, with its name
                continue
            screen = sf.path.suffix.lower() in (".png", ".gif", ".bmp", ".webp")
            bpp = _out_bpp(size, w * h, screen)
            for width_mm, height_mm, drawn in parts:
                room(height_mm + 9)
                px = (drawn * width_mm / 25.4) * (drawn * height_mm / 25.4)
                fc.images.append((round(min(px, w * h) * bpp), drawn))
        fc.pages = pages
        fc.bytes += sum(b for b, _ in fc.images) + pages * _PAGE_BYTES
        out.append(fc)
    front = 4 + len(case.exhibits) // 25  # cover, index, timeline, appendix
    fonts = _FONT_BYTES.get(case.language, _FONT_BYTES["en"])
    total = sum(e.bytes for e in out) + front * _PAGE_BYTES + fonts
    return Forecast(sum(e.pages for e in out) + front, total, out)


def forecast_warnings(case: Case) -> list[str]:
    """What `validate` says before a long build when the profile's caps will likely bite."""
    from evidencekit.fit import ImageBytes, fit_ladder, predicted_bytes

    profile, lim = case.profile, case.profile.limits
    steps = fit_ladder(lim.dpi)
    try:
        fc = forecast(case, steps[0].dpi)
    except (EvidencekitError, OSError):
        return []  # a file that cannot be read is reported by the build, with its name
    images = [ImageBytes(b, d) for e in fc.exhibits for b, d in e.images]
    now = sum(b for e in fc.exhibits for b, _ in e.images)
    smallest = fc.bytes - now + predicted_bytes(images, steps[0], steps[-1])
    cap = min((x for x in (lim.total_bytes, lim.file_bytes) if x), default=0)
    if profile.output == "categories" and lim.file_bytes and lim.total_bytes:
        cap = lim.total_bytes  # per-field files: their sum is what the form takes
    out: list[str] = []
    largest = [
        e for e in sorted(fc.exhibits, key=lambda e: -e.bytes)[:3] if e.bytes > fc.bytes / 20
    ]
    top = ", ".join(f"{e.label} ~{e.bytes / 1e6:.1f} MB ({e.pages} p.)" for e in largest)
    head = Msg("forecast.head", pages=fc.pages, mb=fc.bytes / 1e6)
    common = {"head": head, "profile": profile.name, "cap": cap / 1e6, "top": top}
    if cap and smallest > cap:
        out.append(Msg("forecast.cannot_fit", smallest=smallest / 1e6, **common))
    elif cap and fc.bytes > cap:
        out.append(Msg("forecast.shrink", smallest=smallest / 1e6, **common))
    if profile.output == "categories" and lim.pages_per_file:
        for name, kinds in profile.categories.items():
            pages = sum(e.pages for e in fc.exhibits if e.kind in kinds)
            if pages > lim.pages_per_file:
                out.append(
                    Msg(
                        "forecast.field_pages",
                        head=head,
                        name=name,
                        pages=pages,
                        limit=lim.pages_per_file,
                    )
                )
    return out
