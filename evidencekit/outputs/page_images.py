"""Page images: every page as an image, on request or for image-only platforms."""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Generator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from evidencekit.assets.images import FitHints, encode_page, encoded_size, tile_stream
from evidencekit.errors import LimitError
from evidencekit.messages import Msg
from evidencekit.model import Case
from evidencekit.outputs import PageImageOptions
from evidencekit.outputs.platform import suggestions
from evidencekit.pdf.raster import PageDrawer, iter_page_images
from evidencekit.render import PAPER_MM

MIN_READABLE_DPI = 96  # below this, 8-9 pt text on a page image is no longer legible
MAX_SHEET_PIXELS = 40_000_000  # one sheet in memory: 120 MB of RGB at most
# Pages per job. Each job searches its first page afresh (about five more encodes than a page
# that follows another) and the next pages from there, so an image never depends on how many
# processes made them. 20, not 12: the 148 Taobao proof pages in 8 jobs, not 13, about 0.3 s
# sooner on two cores (the last job, shorter, still ends near the others).
CHUNK = 20


def _sheet_plan(case: Case, pages: int, per_sheet: int, dpi: int) -> tuple[int, int, int]:
    """Columns, rows and the rendering dpi of a sheet of per_sheet pages: at most `dpi`, and
    small enough that the sheet stays under MAX_SHEET_PIXELS; LimitError when that means the
    text would fall below MIN_READABLE_DPI."""
    cols = math.ceil(math.sqrt(per_sheet))
    rows = math.ceil(per_sheet / cols)
    w_mm, h_mm = PAPER_MM.get(case.profile.paper, PAPER_MM["A4"])
    page_sq_in = (w_mm / 25.4) * (h_mm / 25.4)
    fit = math.floor(math.sqrt(MAX_SHEET_PIXELS / (cols * rows * page_sq_in)))
    sheet_dpi = min(dpi, fit)
    if sheet_dpi < MIN_READABLE_DPI:
        lim = case.profile.limits
        most = max(1, int(MAX_SHEET_PIXELS // (page_sq_in * MIN_READABLE_DPI**2)))
        msg = Msg(
            "limit.sheets",
            profile=case.profile.name,
            pages=pages,
            files=lim.files,
            per_sheet=per_sheet,
            dpi=sheet_dpi,
            need=MIN_READABLE_DPI,
            factor=MIN_READABLE_DPI / max(sheet_dpi, 1),
            fit=most * (lim.files or 1),
            over=pages - most * (lim.files or 1),
            hint=suggestions(case.profile),
        )
        raise LimitError(msg)
    return cols, rows, sheet_dpi


def page_images(
    case: Case,
    pdf: bytes,
    pages: int,
    opts: PageImageOptions,
    folders: dict[int, str] | None = None,
    workers: int | None = None,
) -> dict[str, bytes]:
    """Page images: on request, or always for image-only platforms, then sized to their
    per-image and total byte caps and combined into sheets when the file count is capped.
    `folders` (page -> folder) puts each order's pages under pages/<order-id>/, the rest
    under pages/common/.

    Pages are rendered and placed one at a time: memory holds one sheet and one page (per
    worker: `workers` processes, default one per core, encode single pages). Sheets whose
    pages would end below MIN_READABLE_DPI are refused (LimitError)."""
    profile = case.profile
    cid = case.info.id
    only_images = profile.output == "images"
    if not (opts.wanted or only_images):
        return {}
    lim = profile.limits
    fmt = opts.format
    if only_images and fmt not in profile.formats:
        fmt = "jpeg" if "jpeg" in profile.formats else "png"
    ext = "jpg" if fmt == "jpeg" else "png"
    dpi = min(opts.dpi, lim.dpi or opts.dpi)
    per_sheet = 1
    if only_images and lim.files and pages > lim.files:
        per_sheet = math.ceil(pages / lim.files)
    count = math.ceil(pages / per_sheet)
    caps = [c for c in (lim.image_bytes, lim.file_bytes) if c] if only_images else []
    if only_images and lim.total_bytes:
        caps.append(lim.total_bytes // count)
    cap = min(caps) if caps else None
    out: dict[str, bytes] = {}

    def keep(name: str, data: bytes, readable: float, batch: int) -> None:
        if only_images and readable < min(dpi, MIN_READABLE_DPI) - 0.5:
            msg = Msg(
                "limit.sheet_dpi",
                profile=profile.name,
                name=name,
                batch=batch,
                mb=(cap or 0) / 1e6,
                dpi=readable,
                need=MIN_READABLE_DPI,
                factor=MIN_READABLE_DPI / readable,
                hint=suggestions(profile),
            )
            raise LimitError(msg)
        out[name] = data

    if per_sheet == 1:
        encoded = _encode_pages(pdf, pages, dpi, fmt, cap, workers)
        try:
            for n, (data, readable) in enumerate(encoded, start=1):
                folder = f"{folders.get(n, 'common')}/" if folders else ""
                keep(f"pages/{folder}{cid}-p{n:03d}.{ext}", data, readable, 1)
        finally:
            encoded.close()  # a page over the limit: the workers stop now
        return out
    cols, _rows, sheet_dpi = _sheet_plan(case, pages, per_sheet, dpi)
    rendered = iter_page_images(pdf, sheet_dpi)
    hints = FitHints()
    try:
        for first in range(1, pages + 1, per_sheet):
            last = min(first + per_sheet - 1, pages)
            batch = last - first + 1
            sheet_cols = min(cols, batch)
            sheet = tile_stream(
                itertools.islice(rendered, batch), sheet_cols, math.ceil(batch / sheet_cols)
            )
            if sheet is None:
                break
            data, readable = _fitted(sheet, fmt, cap, sheet_dpi, dpi, hints)
            keep(f"pages/{cid}-p{first:03d}-{last:03d}.{ext}", data, readable, batch)
    finally:
        close = getattr(rendered, "close", None)  # a generator: release the PDF now
        if close:
            close()
    return out


def _encode_pages(
    pdf: bytes, pages: int, dpi: int, fmt: str, cap: int | None, workers: int | None
) -> Generator[tuple[bytes, float], None, None]:
    """Every page encoded under `cap`, in page order: (bytes, readable dpi). Jobs of CHUNK
    pages run over the cores (rasterising and JPEG encoding are most of an image-only
    build's time beyond the layout); the images are the same with any number of workers."""
    chunks = [range(k, min(k + CHUNK, pages)) for k in range(0, pages, CHUNK)]
    n = min(workers or os.cpu_count() or 1, len(chunks))
    if n < 2:
        for chunk in chunks:
            yield from _encode_chunk(pdf, chunk, dpi, fmt, cap)
        return
    with ProcessPoolExecutor(max_workers=n) as pool:
        futures: list[Future[list[tuple[bytes, float]]]] = [
            pool.submit(_encode_chunk, pdf, chunk, dpi, fmt, cap) for chunk in chunks
        ]
        try:
            for future in futures:
                yield from future.result()
        finally:  # a page over the limit (or an error) stops what has not begun
            pool.shutdown(wait=True, cancel_futures=True)


def _encode_chunk(
    pdf: bytes, chunk: range, dpi: int, fmt: str, cap: int | None
) -> list[tuple[bytes, float]]:
    """The pages of one job, each searched from what the pages before it took; each drawn
    afresh at the resolutions the search tries (the full size only when it is tried)."""
    out: list[tuple[bytes, float]] = []
    hints = FitHints()
    floor = _floor_scale(cap, dpi, dpi)
    with PageDrawer(pdf) as drawer:
        for i in chunk:

            def redraw(scale: float, i: int = i) -> Any:
                return drawer.draw(i, dpi * scale)

            data, _ = encode_page(None, fmt, cap, dpi, hints, redraw, floor)
            out.append((data, encoded_size(data)[0] * 72 / drawer.width(i)))
    return out


def _fitted(
    sheet: Any, fmt: str, cap: int | None, sheet_dpi: int, dpi: int, hints: FitHints
) -> tuple[bytes, float]:
    """A sheet encoded under `cap`: (bytes, readable dpi). `hints`: what the sheet before
    took (see encode_page), updated."""
    floor = _floor_scale(cap, dpi, sheet_dpi)
    data, _ = encode_page(sheet, fmt, cap, sheet_dpi, hints, None, floor)
    readable = sheet_dpi * encoded_size(data)[0] / sheet.width
    sheet.close()
    return data, readable


def _floor_scale(cap: int | None, dpi: int, drawn_dpi: int) -> float | None:
    """The readable floor as a scale of what is drawn at `drawn_dpi`, when a cap may bring
    the image below it: one of the resolution steps (encode_page). They go down by 15 %, from
    150 dpi from 108 to 92 dpi, past pages (dense text) that fit the cap at 96-108 dpi."""
    floor = min(dpi, MIN_READABLE_DPI)
    return floor / drawn_dpi if cap and floor < drawn_dpi else None
