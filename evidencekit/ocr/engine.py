"""Reading text off screenshots and photos: RapidOCR (PP-OCR models run by onnxruntime,
shipped inside the wheel, so it works offline), cached by the image's content hash.

The only module that imports rapidocr_onnxruntime and numpy.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidencekit.errors import EvidenceError
from evidencekit.messages import Msg

# Bump when what read_text returns changes (engine settings, scaling, tiling): cache key.
OCR_VERSION = 2
# Lines are recognised on crops of the image read at most this wide: recognition resizes
# every line to 48 px high, so its cost does not depend on this, only its accuracy does.
OCR_WIDTH = 1280
# Text is found on the image shrunk to at most this short side: phone text is 40-55 px high
# on a 1080-1440 px wide screen, still 20+ px here, and detection costs a quarter of what it
# does at full size.
DET_SIDE = 544
# Detection runs on bands this high (in detection pixels; a long scrolling screenshot is never
# shrunk to fit, a phone screen fits in one); neighbouring bands overlap so a line cut by one
# band is whole in the next.
BAND = 1280
OVERLAP = 160


@dataclass(frozen=True)
class TextLine:
    """One recognised line: its text and box (x, y, w, h) in the image's displayed pixels."""

    text: str
    box: tuple[int, int, int, int]
    score: float


@dataclass(frozen=True)
class OcrResult:
    """What one image was read to contain."""

    size: tuple[int, int]  # displayed pixels (after EXIF orientation)
    lines: tuple[TextLine, ...]
    frames: int = 1  # pages of a multi-page TIFF: not read (masks would hit every page)


@dataclass(frozen=True)
class OcrJob:
    """One image to read (picklable, for the process pool)."""

    path: Path
    rel: str
    cache_file: Path | None  # None: no cache (EVIDENCEKIT_CACHE_DIR=off)


_ENGINE: Any = None
_ENGINE_PID = 0


def _engine() -> Any:
    """One RapidOCR per process (loading the models takes about a second); a forked worker
    makes its own rather than use a session copied from its parent."""
    global _ENGINE, _ENGINE_PID
    if _ENGINE is None or os.getpid() != _ENGINE_PID:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as e:
            msg = Msg("ocr.no_engine")
            raise EvidenceError(msg) from e
        # Upright screenshots: no angle classifier (photos are EXIF-oriented before reading).
        # One thread per process: the pool spreads images over the cores instead.
        _ENGINE = RapidOCR(
            use_cls=False,
            max_side_len=BAND + 2 * DET_SIDE,
            det_limit_type="max",
            intra_op_num_threads=1,
            inter_op_num_threads=1,
        )
        _ENGINE_PID = os.getpid()
    return _ENGINE


def det_scale(size: tuple[int, int]) -> float:
    """How much the image OCR reads is shrunk to find its text lines in."""
    return min(1.0, DET_SIDE / max(1, min(size)))


def bands(height: int) -> list[tuple[int, int, int, int]]:
    """The bands of a detection image `height` rows high: (top, bottom) read, and (lo, hi) the
    rows where a line's centre must lie to be taken from this band (no line twice)."""
    if height <= BAND:
        return [(0, height, 0, height)]
    tops = list(range(0, height - OVERLAP, BAND - OVERLAP))
    out = []
    for k, top in enumerate(tops):
        bottom = min(height, top + BAND)
        lo = top + OVERLAP // 2 if k else 0
        hi = bottom - OVERLAP // 2 if k < len(tops) - 1 else height
        out.append((top, bottom, lo, hi))
    return out


def read_text(path: Path, rel: str, width: int = OCR_WIDTH) -> OcrResult:
    """Recognise the text lines of one image (first page of a multi-page file), read at most
    `width` pixels wide: lines found on a shrunk copy, recognised on crops of the image."""
    import cv2  # comes with rapidocr_onnxruntime
    import numpy as np

    from evidencekit.assets.images import ocr_pixels  # Pillow: only where OCR runs

    rgb, full, frames = ocr_pixels(path, rel, width)
    if frames > 1:
        return OcrResult(full, (), frames)
    scale = full[0] / rgb.width
    bgr = np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])
    ds = det_scale(rgb.size)
    det, sx, sy = bgr, 1.0, 1.0
    if ds < 1.0:
        size = (max(1, round(rgb.width * ds)), max(1, round(rgb.height * ds)))
        det = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
        sx, sy = rgb.width / size[0], rgb.height / size[1]  # the rounded sizes' own ratios
    engine = _engine()
    lines: list[TextLine] = []
    for top, bottom, lo, hi in bands(det.shape[0]):
        found = _run(rel, engine, np.ascontiguousarray(det[top:bottom]), use_rec=False)
        boxes = [
            np.array([[x * sx, (y + top) * sy] for x, y in points], dtype=np.float32)
            for points in found or []
            if lo <= (min(p[1] for p in points) + max(p[1] for p in points)) / 2 + top < hi
        ]
        # One line at a time: on one thread that beats batches, which pad every line to the
        # widest of the batch.
        for points, crop in zip(boxes, engine.get_crop_img_list(bgr, boxes), strict=True):
            ((text, score),) = _run(rel, engine, crop, use_det=False)
            if float(score) < engine.text_score or not str(text).strip():
                continue
            x0, y0 = max(0.0, float(points[:, 0].min())), max(0.0, float(points[:, 1].min()))
            x1 = min(float(rgb.width), float(points[:, 0].max()))
            y1 = min(float(rgb.height), float(points[:, 1].max()))
            x0, y0, x1, y1 = x0 * scale, y0 * scale, x1 * scale, y1 * scale
            lines.append(
                TextLine(
                    str(text),
                    (round(x0), round(y0), max(1, round(x1 - x0)), max(1, round(y1 - y0))),
                    round(float(score), 3),
                )
            )
    lines.sort(key=lambda ln: (ln.box[1], ln.box[0]))
    return OcrResult(full, tuple(lines))


def _run(rel: str, engine: Any, pixels: Any, **steps: bool) -> Any:
    """One call of the engine (detection or recognition alone, never the angle classifier)."""
    try:
        found, _ = engine(pixels, use_cls=False, **steps)
    except Exception as e:  # the engine's own failures on odd pixels, never the user's
        msg = Msg("ocr.failed", why=type(e).__name__)
        raise EvidenceError(msg, file=rel) from e
    return found


def _to_json(result: OcrResult) -> str:
    lines = [{"text": ln.text, "box": list(ln.box), "score": ln.score} for ln in result.lines]
    body = {"v": OCR_VERSION, "size": list(result.size), "lines": lines, "frames": result.frames}
    return json.dumps(body, ensure_ascii=False, sort_keys=True)


def load_cached(cache_file: Path | None) -> OcrResult | None:
    """A cached result, or None (missing, damaged or from another OCR version)."""
    if cache_file is None:
        return None
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
        if data.get("v") != OCR_VERSION:
            return None
        lines = tuple(
            TextLine(
                str(d["text"]), (d["box"][0], d["box"][1], d["box"][2], d["box"][3]), d["score"]
            )
            for d in data["lines"]
        )
        return OcrResult((data["size"][0], data["size"][1]), lines, int(data.get("frames", 1)))
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None


def run_job(job: OcrJob) -> OcrResult:
    """Read one image into its cache file (written whole, then renamed: atomic)."""
    cached = load_cached(job.cache_file)
    if cached is not None:
        return cached
    result = read_text(job.path, job.rel)
    if job.cache_file is None:
        return result
    job.cache_file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=job.cache_file.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(_to_json(result))
    os.replace(tmp, job.cache_file)
    return result


def run_jobs(
    jobs: list[OcrJob], progress: Callable[[str, int, int], None] | None = None
) -> list[OcrResult]:
    """Read every image, cached ones from the cache, the rest over the cores."""
    results: list[OcrResult | None] = [load_cached(j.cache_file) for j in jobs]
    todo = [i for i, r in enumerate(results) if r is None]
    done = len(jobs) - len(todo)
    if progress:
        progress("ocr", done, len(jobs))
    workers = min(os.cpu_count() or 1, len(todo))
    if workers <= 1:
        for i in todo:
            results[i] = run_job(jobs[i])
            done += 1
            if progress:
                progress("ocr", done, len(jobs))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(run_job, jobs[i]): i for i in todo}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                done += 1
                if progress:
                    progress("ocr", done, len(jobs))
    return [r for r in results if r is not None]
