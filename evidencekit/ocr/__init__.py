"""Offline OCR of screenshots and photos (`--ocr` / `output.ocr`): a searchable text layer,
privacy masks burned into the pixels, and cross-checks of what the images show."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from evidencekit.assets.privacy import Masker
from evidencekit.assets.sources import sha256_file
from evidencekit.caches import cache_dir
from evidencekit.checks import misfiled_orders
from evidencekit.errors import EvidenceError
from evidencekit.i18n import t
from evidencekit.messages import Msg
from evidencekit.model import Case, ChatEvidence, ShippingEvidence, SourceFile
from evidencekit.ocr.chat import ChatMessage, chat_messages
from evidencekit.ocr.engine import OCR_VERSION, OcrJob, OcrResult, TextLine, run_jobs
from evidencekit.ocr.scan import Found, Known, Mask, char_weight, find, mask_lines

if TYPE_CHECKING:  # the transcript reader loads the export code: only for chat messages
    from evidencekit.assets.transcripts import Message

__all__ = [
    "OcrPage",
    "TextLine",
    "image_files",
    "ocr_case",
    "ocr_messages",
    "ocr_warnings",
    "read_case",
    "text_layer",
    "unmasked_warning",
]


def ocr_cache_dir() -> Path | None:
    """Beside the prepared-image cache (EVIDENCEKIT_CACHE_DIR; 'off': no cache)."""
    return cache_dir("ocr")


def ocr_case(
    case: Case, on: bool, progress: Callable[[str, int, int], None] | None = None
) -> tuple[dict[str, OcrPage], list[str]]:
    """With OCR on: every image read, masked and cross-checked, and the warnings that gives;
    off: nothing read, and a warning when privacy masks cannot reach the images."""
    if not on:
        note = unmasked_warning(case)
        return {}, [note] if note else []
    pages = read_case(case, ocr_cache_dir(), progress)
    return pages, ocr_warnings(case, pages)


@dataclass(frozen=True)
class OcrPage:
    """What one image was read to show, after masking."""

    rel: str
    size: tuple[int, int]  # displayed pixels the boxes refer to
    lines: tuple[TextLine, ...]  # masked text, for the text layer
    masks: tuple[Mask, ...]  # burned out of the pixels
    found: Found
    frames: int = 1  # >1: a multi-page image OCR did not read
    # a chat screenshot with no transcript beside it: the messages read off it
    messages: tuple[ChatMessage, ...] = ()

    @property
    def mask_boxes(self) -> tuple[tuple[int, int, int, int], ...]:
        """The masks as redaction boxes, clipped to the image."""
        w, h = self.size
        out = []
        for m in self.masks:
            x, y, bw, bh = m.box
            x0, y0 = max(0, x), max(0, y)
            x1, y1 = min(w, x + bw), min(h, y + bh)
            if x1 > x0 and y1 > y0:
                out.append((x0, y0, x1 - x0, y1 - y0))
        return tuple(out)

    def record(self) -> dict[str, Any]:
        """The evidence JSON's account of it: masks (rule and box) and what was found."""
        found = self.found
        return {
            "engine": f"rapidocr-onnxruntime (evidencekit ocr v{OCR_VERSION})",
            "lines": len(self.lines),
            "masked": [{"rule": m.rule, "box": list(m.box)} for m in self.masks],
            "found": {
                k: list(v)
                for k, v in (
                    ("orders", found.orders),
                    ("other_ids", found.other_ids),
                    ("waybills", found.waybills),
                    ("amounts", found.amounts),
                    ("matched_amounts", found.matched_amounts),
                )
                if v
            },
            **(
                {
                    "recognised_messages": [
                        {"at": m.at.isoformat() if m.at else None, "role": m.role, "text": m.text}
                        for m in self.messages
                    ]
                }
                if self.messages
                else {}
            ),
        }


def image_files(case: Case) -> list[SourceFile]:
    """The case's images (screenshots and photos; PDFs are not read), once each."""
    seen: dict[str, SourceFile] = {}
    for ex in case.exhibits:
        for sf in ex.files:
            if sf.rel not in ex.pdf_pages:
                seen.setdefault(sf.rel, sf)
    return list(seen.values())


def known(case: Case) -> Known:
    """The order ids, waybills and amounts of the case, to match screenshots against."""
    orders = [o.id for o in case.info.orders] + [p.id for p in case.proof]
    waybills = [p.waybill for p in case.proof if p.waybill]
    waybills += [
        ex.item.tracking_number
        for ex in case.exhibits
        if isinstance(ex.item, ShippingEvidence) and ex.item.tracking_number
    ]
    amounts: list[Decimal] = [o.amount for o in case.info.orders if o.amount is not None]
    amounts += [p.amount for p in case.proof if p.amount is not None]
    return Known(tuple(dict.fromkeys(orders)), tuple(dict.fromkeys(waybills)), tuple(set(amounts)))


def read_case(
    case: Case, cache: Path | None, progress: Callable[[str, int, int], None] | None = None
) -> dict[str, OcrPage]:
    """OCR every image of the case (cached by content hash under `cache`, in parallel),
    then mask and cross-check: rel -> OcrPage."""
    files = image_files(case)
    jobs = []
    for sf in files:
        sha = sha256_file(sf.path)
        entry = cache / sha[:2] / f"{sha}-v{OCR_VERSION}.json" if cache else None
        jobs.append(OcrJob(sf.path, sf.rel, entry))
    try:
        results = run_jobs(jobs, progress)
    except EvidenceError as e:
        where = next((sf.location for sf in files if sf.rel == e.file), "")
        raise EvidenceError(str(e).split(": ", 1)[-1], file=e.file, location=where) from e
    facts = known(case)
    pages: dict[str, OcrPage] = {}
    for sf, result in zip(files, results, strict=True):
        pages[sf.rel] = _page(sf.rel, result, Masker(case.info.privacy), facts)
    return _with_messages(case, pages)


def _with_messages(case: Case, pages: dict[str, OcrPage]) -> dict[str, OcrPage]:
    """Chat exhibits of screenshots alone (no transcript): their messages, read in file order,
    each kept with the screenshot it was read off."""
    tz = ZoneInfo(case.timezone)
    for ex in case.exhibits:
        if not isinstance(ex.item, ChatEvidence) or ex.transcript_file is not None:
            continue
        shots = [pages[sf.rel] for sf in ex.files if sf.rel in pages and pages[sf.rel].frames == 1]
        messages = chat_messages([(p.rel, p.size, p.lines) for p in shots], tz)
        for p in shots:
            if not p.messages:
                mine = tuple(m for m in messages if m.file == p.rel)
                pages[p.rel] = replace(p, messages=mine)
    return pages


def ocr_messages(pages: Iterable[OcrPage], language: str) -> list[Message]:
    """The dated messages read off an exhibit's chat screenshots, for the timeline."""
    from evidencekit.assets.transcripts import Message

    return [
        Message(m.at, t(f"role_{m.role}", language), m.text, m.role)
        for page in pages
        for m in page.messages
        if m.at is not None
    ]


def _page(rel: str, result: OcrResult, masker: Masker, facts: Known) -> OcrPage:
    lines, masks = mask_lines(result.lines, masker, facts.orders + facts.waybills)
    found = find(result.lines, facts, lines)
    return OcrPage(rel, result.size, lines, masks, found, result.frames)


def ocr_warnings(case: Case, pages: dict[str, OcrPage]) -> list[str]:
    """Screenshots filed under one order that show another order of the case; multi-page
    images OCR does not read (privacy masks cannot reach them)."""
    out: list[str] = []
    skipped = [rel for rel, page in pages.items() if page.frames > 1]
    if skipped:
        out.append(Msg("ocr.multipage_skipped", files=", ".join(skipped)))
    for ex in case.exhibits:
        if not ex.orders:
            continue
        for sf in ex.files:
            page = pages.get(sf.rel)
            if page is None:
                continue
            if others := misfiled_orders(ex.orders, page.found.orders):
                out.append(
                    Msg(
                        "ocr.misfiled",
                        location=sf.location,
                        file=sf.rel,
                        filed=", ".join(ex.orders),
                        shown=", ".join(others),
                    )
                )
    return out


def unmasked_warning(case: Case) -> str | None:
    """Without OCR, privacy masks cannot reach the images: say which stay unmasked."""
    privacy = case.info.privacy
    if privacy is None or not (privacy.mask or privacy.mask_terms):
        return None
    names = [sf.rel for sf in image_files(case)]
    if not names:
        return None
    more = Msg("ocr.more", n=len(names) - 5) if len(names) > 5 else ""
    return Msg("ocr.unmasked", n=len(names), shown=", ".join(names[:5]), more=more)


def text_layer(
    page: OcrPage, span: tuple[float, float], width_mm: float, height_mm: float
) -> list[dict[str, Any]]:
    """The words over one image part (rows `span` of the image, as fractions), placed in % of
    the part's box, with a font size (mm) and a horizontal stretch that make each line cover
    the words it stands for, so selection and search find them where they are seen."""
    w, h = page.size
    top, bottom = span
    if not (w and h and bottom > top):
        return []
    out = []
    for line in page.lines:
        x, y, bw, bh = line.box
        cy = (y + bh / 2) / h
        if not top <= cy < bottom and not (bottom >= 1.0 and cy >= 1.0):
            continue
        size = bh / h / (bottom - top) * height_mm * 0.8
        natural = sum(char_weight(c) for c in line.text) * size
        out.append(
            {
                "text": line.text,
                "left": round(100 * x / w, 3),
                "top": round(100 * ((y + bh * 0.1) / h - top) / (bottom - top), 3),
                "size": round(size, 3),
                "stretch": round(bw / w * width_mm / natural, 3) if natural else 1.0,
            }
        )
    return out


def ocr_summary(pages: Iterable[OcrPage], language: str, filed: tuple[str, ...] = ()) -> str:
    """One line for the index: the orders, waybills and amounts an exhibit's images show
    (✓: the exhibit's own order, or one of the case's waybills and amounts; an order other
    than the one the exhibit is filed under is marked)."""
    other = t("ocr_other_order", language)
    found: dict[str, list[str]] = {}
    for page in pages:
        f = page.found
        for key, values in (
            ("orders", [o + (other if filed and o not in filed else " ✓") for o in f.orders]),
            ("waybills", [w + " ✓" for w in f.waybills]),
            ("amounts", [a + (" ✓" if a in f.matched_amounts else "") for a in f.amounts]),
            ("other_ids", f.other_ids),
        ):
            bucket = found.setdefault(key, [])
            bucket.extend(v for v in values if v not in bucket)
    parts = [f"{t('ocr_' + k, language)} {', '.join(v[:4])}" for k, v in found.items() if v]
    if not parts:
        return ""
    colon = "：" if language == "zh-CN" else ": "
    return t("ocr_found", language) + colon + " · ".join(parts)
