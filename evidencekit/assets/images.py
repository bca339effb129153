"""Images: decode every format a phone or PC makes, orient, manage colour, redact, slice long
screenshots, downsample and re-encode for the dossier.

The only module that imports Pillow (and pillow-heif for iPhone HEIC photos).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pillow_heif
from PIL import (
    ExifTags,
    Image,
    ImageCms,
    ImageDraw,
    ImageOps,
    ImageSequence,
    UnidentifiedImageError,
)

from evidencekit.errors import EvidenceError

# HEIC/HEIF (iPhone photos) through pillow-heif; AVIF is built into Pillow.
pillow_heif.register_heif_opener()

MAX_PIXELS = 100_000_000  # refuse decompression bombs above this many pixels
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
MAX_FRAMES = 200  # pages of a multi-page TIFF
ENCODER_VERSION = 5  # bump when the output of prepare_image changes (cache key)
_SRGB = ImageCms.createProfile("sRGB")


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
    frame: int = 1  # 1-based page of a multi-page TIFF
    frames: int = 1
    sha256: str = ""  # of the encoded bytes the dossier embeds


@dataclass(frozen=True)
class PreparedImage:
    """An image ready for the renderer, with what was done to it."""

    parts: tuple[ImagePart, ...]
    source_px: tuple[int, int]
    note: str  # e.g. "re-encoded as JPEG at 200 dpi"
    animated: bool = False
    redacted: tuple[tuple[int, int, int, int], ...] = ()
    details: dict[str, Any] = field(default_factory=dict)


def _refuse(rel: str, msg: str) -> EvidenceError:
    return EvidenceError(msg, file=rel)


def _open(
    path: Path, rel: str, *, load: bool = True, draft: tuple[int, int] | None = None
) -> Image.Image:
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
                raise _refuse(rel, msg)
            if draft and img.format == "JPEG":
                # DCT scaling: a 12 MP photo decodes at 1/2 or 1/4 size, never below `draft`.
                img.draft("RGB", draft)
            if load:
                img.load()
    except EvidenceError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        msg = "image is too large (refused as a possible decompression bomb); scale it down"
        raise _refuse(rel, msg) from e
    except UnidentifiedImageError as e:
        raise _refuse(rel, "not a readable image (unknown or damaged format)") from e
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        msg = f"the image is damaged or truncated ({e}); re-export or re-capture it"
        raise _refuse(rel, msg) from e
    return img


def image_size(path: Path, rel: str) -> tuple[int, int]:
    """Pixel size as displayed (after EXIF orientation), without decoding the pixels."""
    img = _open(path, rel, load=False)
    try:
        w, h = img.size
        if img.format == "PNG" and "exif" not in img.info:
            return w, h
        orientation = img.getexif().get(ExifTags.Base.Orientation, 1)
        return (h, w) if orientation in (5, 6, 7, 8) else (w, h)
    except (OSError, SyntaxError, ValueError) as e:
        msg = f"the image is damaged or truncated ({e}); re-export or re-capture it"
        raise _refuse(rel, msg) from e
    finally:
        img.close()


def _exif_time(img: Image.Image) -> datetime | None:
    if img.format == "PNG" and "exif" not in img.info:
        return None  # PNG's getexif() would decode the whole image looking for a late eXIf
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


def _parse_time(text: str) -> datetime | None:
    text = text.strip()
    for fmt in (None, "%Y:%m:%d %H:%M:%S", "%a, %d %b %Y %H:%M:%S %z"):
        try:
            if fmt is None:
                return datetime.fromisoformat(text.replace("Z", "+00:00"))
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _png_time(img: Image.Image) -> datetime | None:
    # img.info holds the text chunks before the pixels; img.text would decode the whole image.
    raw = img.info.get("Creation Time")
    return _parse_time(str(raw)) if raw else None


_XMP_DATE = re.compile(
    r"(?:xmp:CreateDate|photoshop:DateCreated|exif:DateTimeOriginal)"
    r"(?:=\"([^\"]+)\"|>([^<]+)<)"
)


def _xmp_time(img: Image.Image) -> datetime | None:
    raw = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp")
    if not raw:
        return None
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    m = _XMP_DATE.search(text)
    return _parse_time(m[1] or m[2]) if m else None


def capture_time(path: Path, rel: str) -> tuple[datetime | None, str]:
    """Capture time from EXIF (DateTimeOriginal + OffsetTimeOriginal), PNG metadata or XMP."""
    img = _open(path, rel, load=False)  # metadata only: pixels are decoded when needed
    try:
        for how, reader in (("exif", _exif_time), ("png-metadata", _png_time), ("xmp", _xmp_time)):
            t = reader(img)
            if t:
                return t, how
        return None, ""
    except (OSError, SyntaxError, ValueError) as e:
        msg = f"the image is damaged or truncated ({e}); re-export or re-capture it"
        raise _refuse(rel, msg) from e
    finally:
        img.close()


def _to_srgb(img: Image.Image) -> Image.Image:
    """Colour-manage to sRGB: CMYK and wide-gamut (Display P3) photos keep their colours."""
    icc = img.info.get("icc_profile")
    if icc and img.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = "RGBA" if img.mode == "RGBA" else "RGB"
            out = ImageCms.profileToProfile(img, src, _SRGB, outputMode=mode)
            if out is not None:
                return out
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: fall back to Pillow's plain conversion
    return img


def _flatten(img: Image.Image) -> Image.Image:
    """Oriented, sRGB, 8-bit RGB; transparency flattened onto white."""
    img = ImageOps.exif_transpose(img) or img
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        img = img.point(lambda v: v / 256).convert("L")
    img = _to_srgb(img)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        bg = Image.new("RGB", rgba.size, "white")
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    return img.convert("RGB")


def _frames(img: Image.Image, rel: str) -> tuple[list[Image.Image], bool]:
    """Every page of a multi-page TIFF; the first frame of an animated GIF/WebP (flagged)."""
    count = getattr(img, "n_frames", 1)
    if count > 1 and img.format == "TIFF":
        if count > MAX_FRAMES:
            raise _refuse(rel, f"the TIFF has {count} pages (more than {MAX_FRAMES})")
        return [frame.copy() for frame in ImageSequence.Iterator(img)], False
    return [img], count > 1


def _encode(piece: Image.Image, quality: int, screenshot: bool) -> tuple[bytes, str]:
    """JPEG; for flat screenshots also an optimised palette PNG, kept only when clearly smaller
    (WeasyPrint re-compresses PNGs, slowly). 4:2:0 chroma: at 200 dpi, 4:4:4 cost 30-40 % more
    bytes (a 221-image case grew from 26 to 40 MB) for no gain in legibility of dark text."""
    buf = io.BytesIO()
    piece.save(buf, "JPEG", quality=quality, optimize=True, subsampling=0 if screenshot else 2)
    jpeg = buf.getvalue()
    if screenshot and piece.width * piece.height <= 6_000_000:
        colours = piece.getcolors(maxcolors=256)
        if colours is not None:
            pal = piece.quantize(colors=len(colours))
            buf = io.BytesIO()
            pal.save(buf, "PNG", optimize=True)
            if len(buf.getvalue()) < 0.7 * len(jpeg):
                return buf.getvalue(), "png"
    return jpeg, "jpg"


def cache_key(source_sha: str, params: dict[str, Any]) -> str:
    """Content address of a prepared image: the source's hash and every parameter."""
    blob = json.dumps({"v": ENCODER_VERSION, "src": source_sha, **params}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


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
    redact: tuple[tuple[int, int, int, int], ...] = (),
) -> PreparedImage:
    """Fit an image to the content box; slice long screenshots into page-height parts.

    A part is never narrower than 60 % of the box, so a long screenshot stays readable: it is
    cut into parts rather than shrunk. Redaction boxes are burned into the pixels first.
    """
    dpi = min(dpi, 300)
    side = int(max(box_mm) / 25.4 * dpi) + 1
    img = _open(path, rel, draft=None if redact else (side, side))
    try:
        frames, animated = _frames(img, rel)
        prepared = [_flatten(f) for f in frames]
    finally:
        img.close()
    screenshot = path.suffix.lower() in (".png", ".gif", ".bmp", ".webp") and not animated
    parts: list[ImagePart] = []
    for fno, rgb in enumerate(prepared, start=1):
        if redact and fno == 1:
            draw = ImageDraw.Draw(rgb)
            for x, y, w, h in redact:
                draw.rectangle((x, y, x + w - 1, y + h - 1), fill="black")
        parts.extend(
            _slice(
                rgb,
                out_dir,
                f"{stem}-f{fno}" if len(prepared) > 1 else stem,
                box_mm,
                dpi,
                overlap,
                quality,
                screenshot,
                fno,
                len(prepared),
            )
        )
    w, h = prepared[0].size
    kinds = sorted({p.name.rsplit(".", 1)[1].upper().replace("JPG", "JPEG") for p in parts})
    note = f"re-encoded as {'/'.join(kinds)} (q{quality}), at most {dpi} dpi"
    if animated:
        note += "; animated: first frame shown"
    if len(prepared) > 1:
        note += f"; {len(prepared)} pages, all shown"
    if redact:
        note += f"; {len(redact)} area(s) redacted (burned into the pixels)"
    details = {
        "dpi_cap": dpi,
        "quality": quality,
        "parts": [
            {"name": p.name, "px": [p.width_px, p.height_px], "sha256": p.sha256} for p in parts
        ],
    }
    return PreparedImage(tuple(parts), (w, h), note, animated, tuple(redact), details)


def _slice(
    rgb: Image.Image,
    out_dir: Path,
    stem: str,
    box_mm: tuple[float, float],
    dpi: int,
    overlap: float,
    quality: int,
    screenshot: bool,
    frame: int,
    frames: int,
) -> list[ImagePart]:
    w, h = rgb.size
    box_w, box_h = box_mm
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
            piece = piece.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        data, ext = _encode(piece, quality, screenshot)
        name = f"{stem}-{k}.{ext}"
        (out_dir / name).write_bytes(data)
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
                frame,
                frames,
                hashlib.sha256(data).hexdigest(),
            )
        )
    return parts


def save_prepared(img: PreparedImage, folder: Path) -> None:
    """Record a prepared image beside its parts (the cache's index entry)."""
    (folder / "meta.json").write_text(json.dumps(asdict(img), sort_keys=True), encoding="utf-8")


def load_prepared(folder: Path) -> PreparedImage | None:
    """A cached prepared image whose parts are all present, or None."""
    try:
        data = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    parts = tuple(ImagePart(**p) for p in data["parts"])
    if not all((folder / p.name).is_file() for p in parts):
        return None
    return PreparedImage(
        parts,
        tuple(data["source_px"]),
        data["note"],
        data["animated"],
        tuple(tuple(b) for b in data["redacted"]),
        data["details"],
    )


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


def tile_stream(pages: Iterable[Image.Image], columns: int, rows: int) -> Image.Image | None:
    """Like tile_pages, but takes pages one at a time (only the sheet and one page are held);
    every cell has the first page's size. None when there are no pages."""
    sheet = None
    w = h = gap = 0
    for k, page in enumerate(pages):
        if sheet is None:
            w, h = page.size
            gap = max(4, w // 100)
            size = (columns * w + (columns - 1) * gap, rows * h + (rows - 1) * gap)
            sheet = Image.new("RGB", size, "#888888")
        fitted = page if page.size == (w, h) else page.resize((w, h), Image.Resampling.LANCZOS)
        sheet.paste(fitted.convert("RGB"), ((k % columns) * (w + gap), (k // columns) * (h + gap)))
        page.close()
    return sheet


def encoded_size(data: bytes) -> tuple[int, int]:
    """Pixel size of an encoded image (header only)."""
    with Image.open(io.BytesIO(data)) as img:
        return img.size
