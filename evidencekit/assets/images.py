"""Images: decode, orient, slice long screenshots, downsample and re-encode for the dossier.

The only module that imports Pillow.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from evidencekit.errors import EvidenceError

MAX_PIXELS = 100_000_000  # refuse decompression bombs above this many pixels
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass(frozen=True)
class ImagePart:
    """One prepared image (a whole image or one slice of a long screenshot)."""

    name: str  # file name in the build's asset folder
    width_px: int
    height_px: int
    part: int  # 1-based
    parts: int
    width_mm: float
    height_mm: float


@dataclass(frozen=True)
class PreparedImage:
    """An image ready for the renderer, with what was done to it."""

    parts: tuple[ImagePart, ...]
    source_px: tuple[int, int]
    note: str  # e.g. "re-encoded as JPEG at 200 dpi"


def _open(path: Path, rel: str, *, load: bool = True) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)
            w, h = img.size
            if w * h > MAX_PIXELS:
                msg = (
                    f"image is {w}×{h} pixels, over the {MAX_PIXELS:,}-pixel limit "
                    "(refused as a possible decompression bomb); scale it down"
                )
                raise EvidenceError(msg, file=rel)
            if load:
                img.load()
    except EvidenceError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        msg = "image is too large (refused as a possible decompression bomb); scale it down"
        raise EvidenceError(msg, file=rel) from e
    except UnidentifiedImageError as e:
        raise EvidenceError("not a readable image", file=rel) from e
    except (OSError, SyntaxError, ValueError) as e:
        msg = f"the image is damaged or truncated ({e}); re-export or re-capture it"
        raise EvidenceError(msg, file=rel) from e
    return img


def _exif_time(img: Image.Image) -> datetime | None:
    exif = img.getexif()
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    raw = sub.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if not raw:
        return None
    try:
        value = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = sub.get(ExifTags.Base.OffsetTimeOriginal) or sub.get(ExifTags.Base.OffsetTime)
    if offset and (m := re.match(r"^([+-])(\d\d):(\d\d)$", str(offset).strip("\x00 "))):
        delta = timedelta(hours=int(m[2]), minutes=int(m[3]))
        value = value.replace(tzinfo=timezone(delta if m[1] == "+" else -delta))
    return value


def _png_time(img: Image.Image) -> datetime | None:
    info = getattr(img, "text", None) or img.info
    raw = info.get("Creation Time") if isinstance(info, dict) else None
    if not raw:
        return None
    text = str(raw).strip()
    for fmt in (None, "%Y:%m:%d %H:%M:%S", "%a, %d %b %Y %H:%M:%S %z"):
        try:
            return datetime.fromisoformat(text) if fmt is None else datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def capture_time(path: Path, rel: str) -> tuple[datetime | None, str]:
    """Capture time from EXIF (DateTimeOriginal + OffsetTimeOriginal) or PNG metadata."""
    img = _open(path, rel, load=False)  # metadata only: pixels are decoded when needed
    try:
        t = _exif_time(img)
        if t:
            return t, "exif"
        t = _png_time(img)
        if t:
            return t, "png-metadata"
        return None, ""
    except (OSError, SyntaxError, ValueError) as e:
        msg = f"the image is damaged or truncated ({e}); re-export or re-capture it"
        raise EvidenceError(msg, file=rel) from e
    finally:
        img.close()


def _flatten(img: Image.Image) -> Image.Image:
    img = ImageOps.exif_transpose(img) or img
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        bg = Image.new("RGB", rgba.size, "white")
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        return img.point(lambda v: v / 256).convert("L").convert("RGB")
    return img.convert("RGB")


def prepare_image(
    path: Path,
    rel: str,
    out_dir: Path,
    stem: str,
    *,
    box_mm: tuple[float, float],
    dpi: int = 200,
    overlap: float = 0.04,
    quality: int = 85,
) -> PreparedImage:
    """Fit an image to the content box; slice long screenshots into page-height parts.

    A part is never narrower than the full content width allows, so a long screenshot stays
    readable: it is cut into parts rather than shrunk.
    """
    img = _open(path, rel)
    try:
        rgb = _flatten(img)
    finally:
        img.close()
    w, h = rgb.size
    box_w, box_h = box_mm
    # Printed width: the whole box width, unless the image's height would not fit then
    # and it is not long enough to be worth slicing.
    ratio_box = box_h / box_w
    ratio_img = h / w
    fit_height_w = box_h / ratio_img
    if ratio_img <= ratio_box:
        print_w = box_w
        slices = [(0, h)]
    elif fit_height_w >= box_w * 0.45:
        print_w = fit_height_w  # an ordinary portrait photo or phone screenshot: fit by height
        slices = [(0, h)]
    else:
        # Long screenshot: keep a readable width (60 % of the box), cut the height into parts
        # that overlap a little, spread evenly so no part is a sliver.
        print_w = box_w * 0.6
        slice_h = int(box_h * w / print_w)
        count = max(2, math.ceil((h - slice_h) / (slice_h * (1 - overlap))) + 1)
        step = (h - slice_h) / (count - 1)
        slices = [(round(k * step), min(h, round(k * step) + slice_h)) for k in range(count)]
    px_per_mm_out = min(w / print_w, dpi / 25.4)
    scale = px_per_mm_out / (w / print_w)
    parts = []
    for k, (top, bottom) in enumerate(slices, start=1):
        piece = rgb.crop((0, top, w, bottom)) if len(slices) > 1 else rgb
        if scale < 0.999:
            size = (max(1, round(piece.width * scale)), max(1, round(piece.height * scale)))
            piece = piece.resize(size, Image.Resampling.LANCZOS)
        name = f"{stem}-{k}.jpg"
        buf = io.BytesIO()
        piece.save(buf, "JPEG", quality=quality, optimize=True, subsampling=0)
        (out_dir / name).write_bytes(buf.getvalue())
        height_mm = print_w * (bottom - top) / w
        parts.append(
            ImagePart(
                name,
                piece.width,
                piece.height,
                k,
                len(slices),
                round(print_w, 2),
                round(height_mm, 2),
            )
        )
    note = f"re-encoded as JPEG (q{quality}), at most {dpi} dpi"
    return PreparedImage(tuple(parts), (w, h), note)


def encode_page(
    img: Image.Image, fmt: str, max_bytes: int | None = None, dpi: int = 150
) -> tuple[bytes, int]:
    """Encode a page image; with max_bytes, step JPEG quality (85 → 40) and then the
    resolution down until it fits. Returns (bytes, quality used; 0 for PNG)."""
    rgb = img.convert("RGB")
    scale = 1.0
    while True:
        work = (
            rgb
            if scale == 1.0
            else rgb.resize(
                (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))),
                Image.Resampling.LANCZOS,
            )
        )
        if fmt == "png":
            buf = io.BytesIO()
            work.save(buf, "PNG", optimize=True, dpi=(dpi * scale, dpi * scale))
            data, quality = buf.getvalue(), 0
        else:
            for quality in (85, 75, 65, 55, 45, 40):
                buf = io.BytesIO()
                work.save(
                    buf,
                    "JPEG",
                    quality=quality,
                    optimize=True,
                    dpi=(round(dpi * scale), round(dpi * scale)),
                )
                data = buf.getvalue()
                if max_bytes is None or len(data) <= max_bytes:
                    break
        if max_bytes is None or len(data) <= max_bytes or scale < 0.35:
            return data, quality
        scale *= 0.85


def tile_pages(pages: list[Image.Image], columns: int, rows: int) -> Image.Image:
    """Several page images on one sheet, in reading order, with thin separators."""
    w = max(p.width for p in pages)
    h = max(p.height for p in pages)
    gap = max(4, w // 100)
    sheet = Image.new(
        "RGB", (columns * w + (columns - 1) * gap, rows * h + (rows - 1) * gap), "#888888"
    )
    for k, page in enumerate(pages):
        x = (k % columns) * (w + gap)
        y = (k // columns) * (h + gap)
        sheet.paste(page.convert("RGB"), (x, y))
    return sheet
