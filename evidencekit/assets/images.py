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
import struct
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, cast

import pillow_heif
from PIL import (
    ExifTags,
    Image,
    ImageCms,
    ImageDraw,
    ImageFile,
    UnidentifiedImageError,
)

from evidencekit.assets.sources import MAX_CASE_PIXELS
from evidencekit.assets.vips import scaled_png
from evidencekit.errors import EvidenceError
from evidencekit.messages import Msg

# HEIC/HEIF (iPhone photos) through pillow-heif; AVIF is built into Pillow.
pillow_heif.register_heif_opener()

MAX_PIXELS = 100_000_000  # decoded, per image or page: refuse decompression bombs above this
# A JPEG decodes at 1/2 to 1/8 of its size (DCT scaling), so a 200 MP phone photo costs what a
# 12 MP one does; its own size may be larger. Pillow's check stays as the backstop.
MAX_JPEG_PIXELS = 400_000_000
Image.MAX_IMAGE_PIXELS = MAX_JPEG_PIXELS
MAX_FILE_PIXELS = 300_000_000  # all pages of one multi-page TIFF together
MAX_FRAMES = 200  # pages of a multi-page TIFF
MAX_SLICES = 60  # page parts of one long screenshot (a 1×100 000 strip would make 100 000)
# The coarsest an image is printed: twice its size at 96 dpi (an 8-px icon 4 mm, a 200-px
# thumbnail 106 mm wide), never stretched to the page width; photos and phone screenshots have
# the pixels to fill it and are not affected.
MIN_PRINT_DPI = 48
# An image at least this wide whole on one page is shown whole (cut_image): 10-pixel text of a
# 1080-pixel-wide phone screenshot is then 0.65 mm, its 40-pixel body text 2.6 mm (7 pt).
WHOLE_MM = 70.0
ENCODER_VERSION = 15  # bump when the output of prepare_image changes (cache key)
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
    # The rows of the whole image it shows, as fractions of its height (OCR text layer)
    span: tuple[float, float] = (0.0, 1.0)


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


# What Pillow and its plugins raise on malformed files and metadata blocks.
_DECODE_ERRORS = (
    OSError,
    EOFError,
    SyntaxError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    OverflowError,
    struct.error,
)


@contextmanager
def _untrusted(rel: str) -> Iterator[None]:
    """Pillow's complaints about odd files (corrupt EXIF, invalid APNG, malformed MPO) are not
    the user's business: ignore them; a decompression bomb and every decoding error become an
    EvidenceError naming the file (pytest turns warnings into errors, so they must not leak)."""
    # WeasyPrint sets this Pillow-wide when imported: a cut-off photo would then be shown
    # half grey instead of refused. Our sources are read strictly; restored afterwards.
    truncated_ok = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except EvidenceError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        msg = Msg("image.bomb")
        raise _refuse(rel, msg) from e
    except UnidentifiedImageError as e:
        raise _refuse(rel, Msg("image.unreadable")) from e
    except MemoryError as e:
        raise _refuse(rel, Msg("image.memory")) from e
    except (*_DECODE_ERRORS, RuntimeError) as e:
        # Pillow's plugins raise all of these on hostile headers (fuzzing corpora show it).
        msg = Msg("image.damaged", why=_clip(str(e)))
        raise _refuse(rel, msg) from e
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated_ok


def _clip(text: str, limit: int = 120) -> str:
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_pixels(rel: str, w: int, h: int, what: str = "image", limit: int = 0) -> None:
    limit = limit or MAX_PIXELS
    if w * h > limit:
        shown = Msg("image.the_image") if what == "image" else what
        msg = Msg("image.pixels", what=shown, w=w, h=h, limit=limit)
        raise _refuse(rel, msg)


def _open_scaled(
    path: Path, rel: str, *, load: bool = True, draft: tuple[int, int] | None = None
) -> tuple[Image.Image, tuple[int, int]]:
    """The opened image and its stored size (larger than img.size when DCT-scaled)."""
    with _untrusted(rel):
        img = Image.open(path)
        try:
            stored = img.size
            jpeg = img.format in ("JPEG", "MPO")
            _check_pixels(rel, *stored, limit=MAX_JPEG_PIXELS if jpeg else MAX_PIXELS)
            if draft and jpeg:
                # DCT scaling: a 12 MP photo decodes at 1/2 or 1/4 size, never below `draft`.
                img.draft("RGB", draft)
            if load:
                _check_pixels(rel, *img.size)  # what is really decoded
                img.load()
        except BaseException:
            img.close()  # an unclosed file is a ResourceWarning (an error under pytest)
            raise
    return img, stored


def _open(path: Path, rel: str, *, load: bool = True) -> Image.Image:
    return _open_scaled(path, rel, load=load)[0]


def _orientation(img: Image.Image) -> int:
    """EXIF orientation 1-8; anything else in a malformed EXIF block counts as upright."""
    if img.format == "PNG" and not {"exif", "xmp", "XML:com.adobe.xmp"} & set(img.info):
        return 1  # PNG's getexif() would decode the whole image looking for a late eXIf
    try:
        value = img.getexif().get(ExifTags.Base.Orientation, 1)
    except _DECODE_ERRORS:
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


# What each orientation needs to display upright. Pillow's ImageOps.exif_transpose does the
# same but then rewrites the EXIF block, which raises on malformed EXIF; we only need pixels.
_TRANSPOSE: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def image_size(path: Path, rel: str) -> tuple[int, int]:
    """Pixel size as displayed (after EXIF orientation), without decoding the pixels."""
    img = _open(path, rel, load=False)
    try:
        with _untrusted(rel):
            w, h = img.size
            if img.format == "TIFF":
                return w, h  # Pillow's TIFF reader reports, and loads, the displayed size
            return (h, w) if _orientation(img) in (5, 6, 7, 8) else (w, h)
    finally:
        img.close()


# --- capture time -------------------------------------------------------------------------

# Every method capture_time() may return; each has a label "how_<method>" in i18n.CATALOG.
CAPTURE_METHODS = ("exif", "png-metadata", "xmp", "filename")
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


def _text(raw: object) -> str | None:
    """A metadata value as text: bytes decoded leniently, NULs and padding dropped."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if not isinstance(raw, str):
        return None
    text = raw.replace("\x00", " ").strip()
    return text[:200] or None  # a date is short; a megabyte of garbage is not parsed


def _plausible(value: datetime | None, tz: tzinfo) -> datetime | None:
    """Aware, and between 1990 and a day from now; otherwise None (a camera's factory clock
    says 1970 or 2000-01-01, corrupted fields say year 0 or 9999)."""
    if value is None or not 1990 <= value.year <= datetime.now(UTC).year + 1:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=tz)  # no offset: read in the case time zone
    try:
        if not _EARLIEST <= value <= datetime.now(UTC) + timedelta(days=1):
            return None
    except OverflowError:
        return None
    return value


_DATE = re.compile(
    r"^(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?"
    r"(?:[.,]\d+)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def _offset(text: str | None) -> timezone | None:
    if not text:
        return None
    if text in ("Z", "z"):
        return UTC
    m = re.match(r"^([+-])(\d\d):?(\d\d)$", text)
    if not m or int(m[2]) > 14 or int(m[3]) > 59:
        return None
    delta = timedelta(hours=int(m[2]), minutes=int(m[3]))
    return timezone(delta if m[1] == "+" else -delta)


def _parse_time(text: str | None) -> datetime | None:
    """EXIF (2025:10:04 10:05:12), ISO 8601 or RFC 1123 (PNG's recommended form); or None."""
    if not text:
        return None
    if m := _DATE.match(text):
        try:
            naive = datetime(
                int(m[1]), int(m[2]), int(m[3]), int(m[4] or 0), int(m[5] or 0), int(m[6] or 0)
            )
        except ValueError:
            return None
        tz = _offset(m[7])
        return naive.replace(tzinfo=tz) if tz else naive
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _exif_time(img: Image.Image) -> datetime | None:
    if img.format == "PNG" and "exif" not in img.info:
        return None  # PNG's getexif() would decode the whole image looking for a late eXIf
    exif = img.getexif()
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    for when_tag, offset_tag, ifd in (
        (ExifTags.Base.DateTimeOriginal, ExifTags.Base.OffsetTimeOriginal, sub),
        (ExifTags.Base.DateTimeDigitized, ExifTags.Base.OffsetTimeDigitized, sub),
        (ExifTags.Base.DateTime, ExifTags.Base.OffsetTime, exif),
    ):
        value = _parse_time(_text(ifd.get(when_tag)))
        if value is None:
            continue
        if value.tzinfo is None:
            tz = _offset(_text(sub.get(offset_tag)))
            value = value.replace(tzinfo=tz) if tz else value
        return value
    return None


def _png_time(img: Image.Image) -> datetime | None:
    # img.info holds the text chunks before the pixels; img.text would decode the whole image.
    return _parse_time(_text(img.info.get("Creation Time")))


_XMP_DATE = re.compile(
    r"(?:xmp:CreateDate|photoshop:DateCreated|exif:DateTimeOriginal)"
    r"""\s*(?:=\s*["']([^"'<>]{1,64})["']|>\s*([^<]{1,64})<)"""
)


def _xmp_time(img: Image.Image) -> datetime | None:
    raw = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp")
    if raw is None and img.format == "TIFF":
        raw = getattr(img, "tag_v2", {}).get(700)  # TIFF keeps XMP in tag 700
    if isinstance(raw, tuple) and raw:
        raw = raw[0]
    if isinstance(raw, bytes):
        raw = raw[:1_000_000].decode("utf-8", "replace")
    if not isinstance(raw, str):
        return None
    m = _XMP_DATE.search(raw[:1_000_000])
    return _parse_time(_text(m[1] or m[2])) if m else None


# Phone, camera and messenger file names that carry the capture time. Local time unless noted.
_NAME_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # WeChat exports and saves: milliseconds since the epoch (UTC by definition)
    (re.compile(r"(?:mmexport|wx_camera_|microMsg\.)(\d{13})(?!\d)", re.I), "epoch-ms"),
    # Google Pixel: PXL_20251004_100512345 is in UTC
    (re.compile(r"PXL_(\d{4})(\d\d)(\d\d)_(\d\d)(\d\d)(\d\d)\d{0,3}", re.I), "utc"),
    # macOS: "Screenshot 2025-10-04 at 10.05.12" / "Screen Shot 2025-10-04 at 10.05.12 AM"
    (
        re.compile(
            r"(\d{4})-(\d\d)-(\d\d) at (\d{1,2})\.(\d\d)\.(\d\d)(?:\s*([AP])\.?M\.?)?", re.I
        ),
        "local",
    ),
    # MIUI and others: Screenshot_2025-10-04-10-05-12-345_com.tencent.mm
    (re.compile(r"(?<!\d)(\d{4})-(\d\d)-(\d\d)[-_ ](\d\d)[-_.](\d\d)[-_.](\d\d)(?!\d)"), "local"),
    # Android and cameras: IMG_20251004_100512, Screenshot_20251004-100512, 微信图片_20251004100512
    (re.compile(r"(?<!\d)(\d{4})(\d\d)(\d\d)[-_ ]?(\d\d)(\d\d)(\d\d)(?!\d)"), "local"),
)


def filename_time(name: str, tz: tzinfo) -> datetime | None:
    """Capture time from a screenshot or camera file name, aware (local names in tz); or None."""
    for pattern, kind in _NAME_PATTERNS:
        m = pattern.search(name)
        if not m:
            continue
        try:
            if kind == "epoch-ms":
                value = datetime.fromtimestamp(int(m[1]) / 1000, UTC).astimezone(tz)
            else:
                hour = int(m[4])
                if m.lastindex and m.lastindex >= 7 and m[7]:  # 12-hour clock
                    if not 1 <= hour <= 12:
                        continue
                    hour = hour % 12 + (12 if m[7].upper() == "P" else 0)
                value = datetime(int(m[1]), int(m[2]), int(m[3]), hour, int(m[5]), int(m[6]))
                value = value.replace(tzinfo=UTC if kind == "utc" else tz)
                if kind == "utc":
                    value = value.astimezone(tz)
        except (ValueError, OverflowError, OSError):
            continue
        if (found := _plausible(value, tz)) is not None:
            return found
    return None


def capture_time(path: Path, rel: str, tz: tzinfo) -> tuple[datetime | None, str]:
    """Aware capture time from EXIF, PNG metadata, XMP, else the file name; times without an
    offset are read in tz (the case time zone). (None, "") when nothing plausible is found."""
    img = _open(path, rel, load=False)  # metadata only: pixels are decoded when needed
    try:
        return _capture_time(img, path, rel, tz)
    finally:
        img.close()


def _capture_time(
    img: Image.Image, path: Path, rel: str, tz: tzinfo
) -> tuple[datetime | None, str]:
    for how, reader in (("exif", _exif_time), ("png-metadata", _png_time), ("xmp", _xmp_time)):
        with _untrusted(rel):
            try:
                found = reader(img)
            except _DECODE_ERRORS:
                found = None  # malformed metadata is no metadata: try the next source
        if (t := _plausible(found, tz)) is not None:
            return t, how
    if (t := filename_time(path.name, tz)) is not None:
        return t, "filename"
    return None, ""


def read_header(
    path: Path, rel: str, spent: int, tz: tzinfo | None
) -> tuple[int, tuple[datetime | None, str]]:
    """count_pixels and, with tz, capture_time, from one opening of the file's header."""
    img = _open(path, rel, load=False)
    try:
        total = _count_pixels(img, rel, spent)
        return total, (_capture_time(img, path, rel, tz) if tz is not None else (None, ""))
    finally:
        img.close()


# --- pixels -------------------------------------------------------------------------------


def _to_srgb(img: Image.Image) -> Image.Image:
    """Colour-manage to sRGB: CMYK and wide-gamut (Display P3) photos keep their colours."""
    icc = img.info.get("icc_profile")
    if icc and isinstance(icc, bytes) and img.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = "RGBA" if img.mode == "RGBA" else "RGB"
            out = ImageCms.profileToProfile(img, src, _SRGB, outputMode=mode)
            if out is not None:
                return out
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: fall back to Pillow's plain conversion
    return img


def _to_8bit(img: Image.Image) -> Image.Image:
    """16-bit, 32-bit integer and float greyscale to 8-bit L, keeping the tonal range."""
    if img.mode.startswith("I;16"):
        img = img.convert("I")  # every byte order; Pillow's point() refuses I;16B
        lo, hi = 0.0, 65535.0
    else:
        lo, hi = (float(v) for v in img.getextrema())  # type: ignore[arg-type]
        if img.mode == "F" and lo >= 0 and hi <= 1:
            lo, hi = 0.0, 1.0  # normalised float data
        elif lo >= 0 and hi <= 255:
            lo, hi = 0.0, 255.0
        elif lo >= 0 and hi <= 65535:
            lo, hi = 0.0, 65535.0
    scale = 255 / (hi - lo) if hi > lo else 1.0
    return img.convert("F").point(lambda v: (v - lo) * scale).convert("L")


def _flatten(img: Image.Image, side: int = 0, orientation: int | None = None) -> Image.Image:
    """Oriented, sRGB, 8-bit RGB without metadata; transparency (alpha, palette or tRNS
    colour key) flattened onto white. With side, a large image is first reduced by an integer
    factor, never below side pixels in either dimension (the print never needs more), so a
    100 MP scan is not converted and flattened at full size. `orientation` is the one the
    layout was planned with (read from the header); None reads it after loading."""
    img.load()  # first: Pillow's TIFF reader applies and drops the orientation when loading
    if orientation is None:
        orientation = _orientation(img)
    if side and img.mode in ("RGB", "RGBA", "L", "LA") and "transparency" not in img.info:
        factor = min(img.size) // side
        if factor >= 2:
            img = img.reduce(factor)  # box average; the final resize is Lanczos
    if img.mode == "La":
        img = img.convert("LA")  # Pillow converts premultiplied grey to nothing else
    transparent = "transparency" in img.info or img.mode in ("RGBA", "LA", "PA", "RGBa")
    if img.mode in ("RGBA", "LA") and "transparency" not in img.info:
        # Android saves screenshots as RGBA, every pixel opaque: nothing to flatten.
        transparent = img.getchannel("A").getextrema() != (255, 255)
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        img = _to_8bit(img)  # a colour key in 16-bit units no longer applies: dropped
        transparent = False
    else:
        img = _to_srgb(img)
    if transparent:
        rgba = img.convert("RGBA")  # applies a tRNS colour key on L and RGB too
        out = Image.new("RGB", rgba.size, "white")
        out.paste(rgba, mask=rgba.getchannel("A"))
    else:
        out = img if img.mode == "RGB" else img.convert("RGB")  # no copy of a large image
    if orientation in _TRANSPOSE:
        out = out.transpose(_TRANSPOSE[orientation])
    out.info = {}  # nothing from the source file travels on (e.g. a tRNS tuple into a PNG)
    return out


def _frame_count(img: Image.Image, rel: str) -> tuple[int, bool]:
    """(pages to show, animated): every page of a multi-page TIFF; one frame of an animation
    (flagged) and of an MPO (a stereo or depth pair from a camera or iPhone: one photo)."""
    count = getattr(img, "n_frames", 1)
    if not isinstance(count, int) or count < 1:
        count = 1
    if count > 1 and img.format == "TIFF":
        _tiff_pixels(img, rel, count)
        return count, False
    return 1, count > 1 and img.format != "MPO"


def _tiff_pixels(img: Image.Image, rel: str, count: int) -> int:
    """Pixels of every page, from the headers before any pixel is decoded; bounded."""
    if count > MAX_FRAMES:
        raise _refuse(rel, f"the TIFF has {count} pages (more than {MAX_FRAMES})")
    total = 0
    for k in range(count):
        img.seek(k)
        _check_pixels(rel, *img.size, what=Msg("image.page_n", n=k + 1))
        total += img.size[0] * img.size[1]
    img.seek(0)
    if total > MAX_FILE_PIXELS:
        msg = Msg("image.tiff_pixels", n=count, total=total, limit=MAX_FILE_PIXELS)
        raise _refuse(rel, msg)
    return total


def count_pixels(path: Path, rel: str, spent: int = 0) -> int:
    """spent plus the pixels this image stores (every page of a TIFF), read from the headers;
    refused when the case's images together exceed MAX_CASE_PIXELS."""
    img = _open(path, rel, load=False)
    try:
        return _count_pixels(img, rel, spent)
    finally:
        img.close()


def _count_pixels(img: Image.Image, rel: str, spent: int) -> int:
    with _untrusted(rel):
        count = getattr(img, "n_frames", 1)
        if img.format == "TIFF" and isinstance(count, int) and count > 1:
            total = spent + _tiff_pixels(img, rel, count)
        else:
            total = spent + img.size[0] * img.size[1]
    if total > MAX_CASE_PIXELS:
        msg = Msg("image.case_pixels", total=total, limit=MAX_CASE_PIXELS)
        raise _refuse(rel, msg)
    return total


# In the dossier, screenshots (and other lossless sources: flat colours, text) are encoded a
# step below the ladder's quality: at 200 dpi their text shows no difference between q75 and
# q80 (compared side by side at 100 %) and they are 9 % smaller; camera photos keep the
# ladder's quality. (Redacted renditions of originals keep theirs.)
SCREEN_QUALITY_STEP = 5
_LOSSLESS = frozenset({"PNG", "GIF", "BMP", "TIFF", "PPM", "ICO"})


def _encode(piece: Image.Image, quality: int) -> bytes:
    """Baseline JPEG, placed into the PDF as it is (DCTDecode, never re-encoded). 4:2:0
    chroma, screenshots too: at 200 dpi the letters are drawn by the full-resolution luma;
    4:4:4 cost 25-40 % more bytes (a 205-image case: 37 MB instead of 28) for no gain in
    legibility. Optimised Huffman tables: 5 % fewer bytes for 5 ms of a 100 ms image."""
    buf = io.BytesIO()
    piece.save(buf, "JPEG", quality=quality, subsampling=2, optimize=True)
    return buf.getvalue()


def cache_key(source_sha: str, params: dict[str, Any]) -> str:
    """Content address of a prepared image: the source's hash and every parameter."""
    blob = json.dumps({"v": ENCODER_VERSION, "src": source_sha, **params}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def cut_image(
    rel: str, w: int, h: int, box_mm: tuple[float, float], overlap: float
) -> tuple[float, list[tuple[int, int]]]:
    """Printed width (mm) and the (top, bottom) pixel rows of each part of a w×h image.

    No image is printed coarser than MIN_PRINT_DPI: a small one is shown at about its size,
    not blown up to the page width. A part is never narrower than 60 % of the box (or than
    the image may be printed), so a long screenshot stays readable: it is cut into parts
    rather than shrunk."""
    box_w, box_h = box_mm
    most_w = min(box_w, w / MIN_PRINT_DPI * 25.4)  # the widest it may be printed
    fit_w = min(most_w, box_h / (h / w))  # whole, on one page
    # Whole when that is at least 3/4 of a long screenshot's width (below), 45 % of the box,
    # or WHOLE_MM: a phone screenshot of 20:9 or 21:9 is one screen on Letter paper too (75 and
    # 72 mm wide), not two parts at 110 mm on two pages.
    if fit_w >= min(box_w * 0.45, most_w * 0.75, WHOLE_MM):
        return fit_w, [(0, h)]  # a photo, a phone screenshot, a small image
    # Long screenshot: keep a readable width (60 % of the box, at most as wide as it may be
    # printed), cut the height into parts that overlap a little, spread evenly so no part is
    # a sliver.
    print_w = min(box_w * 0.6, most_w)
    slice_h = max(1, int(box_h * w / print_w))
    count = max(2, math.ceil((h - slice_h) / (slice_h * (1 - overlap))) + 1)
    if count > MAX_SLICES:
        msg = Msg("image.too_long", w=w, h=h, n=count, max=MAX_SLICES)
        raise _refuse(rel, msg)
    step = (h - slice_h) / (count - 1)
    return print_w, [(round(k * step), min(h, round(k * step) + slice_h)) for k in range(count)]


@dataclass(frozen=True)
class _Frame:
    """One page of an image as the layout plans it: displayed size and its cut."""

    size: tuple[int, int]
    print_w: float
    slices: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class ImagePlan:
    """What the layout needs of an image, read from its header alone (no pixel decoded):
    every part's name and printed size. prepare_image makes exactly these parts."""

    image: PreparedImage  # parts without pixels (width_px, height_px 0; no sha256)
    frames: tuple[_Frame, ...]
    orientation: int | None  # as read from the header; None: applied by the reader (TIFF)
    # An 8-bit RGB or RGBA PNG of one frame, no colour key, upright: the phone screenshot
    # (an iPhone's with its Display P3 profile), which libvips may decode, colour-manage and
    # scale (assets/vips.py)
    plain_png: bool = False


def plan_image(
    path: Path, rel: str, stem: str, *, box_mm: tuple[float, float], overlap: float = 0.04
) -> ImagePlan:
    """The parts an image will be cut into and their printed size, from the header: the
    dossier is laid out with these while the pixels are prepared elsewhere."""
    img = _open(path, rel, load=False)
    sizes: list[tuple[int, int]] = []
    try:
        with _untrusted(rel):
            frames, animated = _frame_count(img, rel)
            tiff = img.format == "TIFF"
            orientation = None if tiff else _orientation(img)
            plain_png = (
                img.format == "PNG"
                and img.mode in ("RGB", "RGBA")
                and frames == 1
                and not animated
                and orientation == 1
                and "transparency" not in img.info
            )
            for fno in range(frames):
                if fno:
                    img.seek(fno)  # headers only: _frame_count bounded the pages
                w, h = img.size
                swap = orientation in (5, 6, 7, 8)  # TIFF reports the displayed size itself
                sizes.append((h, w) if swap else (w, h))
    finally:
        img.close()
    planned: list[_Frame] = []
    parts: list[ImagePart] = []
    for fno, (w, h) in enumerate(sizes, start=1):
        print_w, slices = cut_image(rel, w, h, box_mm, overlap)
        planned.append(_Frame((w, h), print_w, tuple(slices)))
        base = f"{stem}-f{fno}" if frames > 1 else stem
        for k, (top, bottom) in enumerate(slices, start=1):
            height_mm = print_w * (bottom - top) / w
            parts.append(
                ImagePart(
                    f"{base}-{k}.jpg",
                    0,
                    0,
                    k,
                    len(slices),
                    round(print_w, 2),
                    round(height_mm, 2),
                    fno,
                    frames,
                    span=(round(top / h, 6), round(bottom / h, 6)),
                )
            )
    image = PreparedImage(tuple(parts), sizes[0], "", animated)
    return ImagePlan(image, tuple(planned), orientation, plain_png)


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
    screen_quality: int | None = None,
) -> PreparedImage:
    """Fit an image to the content box; slice long screenshots into page-height parts, as
    plan_image planned them (same names, same printed sizes). `screen_quality`: the JPEG
    quality for lossless sources (screenshots), when it differs from a photo's.

    Redaction boxes are burned into the pixels first, on every page of a multi-page TIFF.
    """
    plan = plan_image(path, rel, stem, box_mm=box_mm, overlap=overlap)
    w, h = plan.image.source_px
    dpi = min(dpi, 300)
    if plan.plain_png and not redact and len(plan.frames[0].slices) == 1:
        made = _plain_png(
            path, out_dir, plan, dpi, quality if screen_quality is None else screen_quality
        )
        if made is not None:
            return made
    side = int(max(box_mm) / 25.4 * dpi) + 1
    img, stored = _open_scaled(path, rel, draft=(side, side))
    if screen_quality is not None and img.format in _LOSSLESS:
        quality = screen_quality
    parts: list[ImagePart] = []
    planned = iter(plan.image.parts)
    hits = [0] * len(redact)  # pages each box covered something on
    try:
        with _untrusted(rel):
            for fno, frame in enumerate(plan.frames, start=1):
                if fno > 1:
                    img.seek(fno - 1)  # one page decoded at a time: memory stays one page
                rgb = _flatten(img, side, plan.orientation)
                if redact:
                    # Boxes are in the source's displayed pixels; a DCT-scaled JPEG and a large
                    # image reduced by _flatten are smaller: scale them, rounding outwards so
                    # no edge of the secret survives. (Each TIFF page has its own size.)
                    src = stored if img.format in ("JPEG", "MPO") else img.size
                    swap = (rgb.width >= rgb.height) != (src[0] >= src[1])
                    full = src[::-1] if swap else src
                    sx, sy = rgb.width / full[0], rgb.height / full[1]
                    draw = ImageDraw.Draw(rgb)
                    for k, (x, y, bw, bh) in enumerate(redact):
                        x0, y0 = math.floor(x * sx), math.floor(y * sy)
                        x1, y1 = math.ceil((x + bw) * sx), math.ceil((y + bh) * sy)
                        inside = x0 < rgb.width and y0 < rgb.height
                        if inside and x1 > max(x0, 0) and y1 > max(y0, 0):
                            draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill="black")
                            hits[k] += 1
                for want, (piece, data) in zip(
                    [next(planned) for _ in frame.slices],
                    _slice(rgb, frame, dpi, quality),
                    strict=True,
                ):
                    (out_dir / want.name).write_bytes(data)
                    parts.append(
                        replace(
                            want,
                            width_px=piece[0],
                            height_px=piece[1],
                            sha256=hashlib.sha256(data).hexdigest(),
                        )
                    )
                del rgb
    finally:
        img.close()
    if missed := [list(b) for b, n in zip(redact, hits, strict=True) if n == 0]:
        # A box that covers nothing hides nothing: never report it as redacted.
        msg = Msg("image.boxes_outside", boxes=str(missed), w=w, h=h)
        raise _refuse(rel, msg)
    return _prepared(tuple(parts), plan.image, dpi, quality, redact, hits)


def _plain_png(
    path: Path, out_dir: Path, plan: ImagePlan, dpi: int, quality: int
) -> PreparedImage | None:
    """A plain PNG of one part decoded and scaled by libvips, encoded as every image is; None
    when libvips declines it (Pillow's path then prepares it)."""
    frame = plan.frames[0]
    size = _scaled(frame.size, _scale(frame.size[0], frame.print_w, dpi))
    pixels = scaled_png(path, size, frame.size)
    if pixels is None:
        return None
    data = _encode(Image.frombuffer("RGB", size, pixels, "raw", "RGB", 0, 1), quality)
    (out_dir / plan.image.parts[0].name).write_bytes(data)
    part = replace(
        plan.image.parts[0],
        width_px=size[0],
        height_px=size[1],
        sha256=hashlib.sha256(data).hexdigest(),
    )
    return _prepared((part,), plan.image, dpi, quality, (), [])


def _prepared(
    parts: tuple[ImagePart, ...],
    planned: PreparedImage,
    dpi: int,
    quality: int,
    redact: tuple[tuple[int, int, int, int], ...],
    hits: list[int],
) -> PreparedImage:
    """The prepared image with its note and details (what the evidence JSON records)."""
    (w, h), animated, frames = planned.source_px, planned.animated, planned.parts[-1].frames
    note = f"re-encoded as JPEG (q{quality}), at most {dpi} dpi"
    if animated:
        note += "; animated: first frame shown"
    if frames > 1:
        note += f"; {frames} pages, all shown"
    if redact:
        if frames == 1:
            note += f"; {len(redact)} area(s) redacted (burned into the pixels)"
        elif all(n == frames for n in hits):
            note += f"; {len(redact)} area(s) redacted on each of the {frames} pages"
        else:
            note += f"; {sum(hits)} area(s) redacted over the {frames} pages"
    details: dict[str, Any] = {
        "dpi_cap": dpi,
        "quality": quality,
        "parts": [
            {"name": p.name, "px": [p.width_px, p.height_px], "sha256": p.sha256} for p in parts
        ],
    }
    if redact:
        details["redacted_areas"] = sum(hits)  # box × page where it covered pixels
    return PreparedImage(parts, (w, h), note, animated, tuple(redact), details)


def _scaled(size: tuple[int, int], scale: float) -> tuple[int, int]:
    """The pixels a piece of `size` is scaled to (never enlarged)."""
    if scale >= 0.999:
        return size
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _scale(width_px: int, print_w: float, dpi: int) -> float:
    """How much an image `width_px` wide, printed `print_w` mm wide, is scaled: to at most
    `dpi` on paper."""
    px_per_mm = width_px / print_w
    return min(px_per_mm, dpi / 25.4) / px_per_mm


def _slice(
    rgb: Image.Image, frame: _Frame, dpi: int, quality: int
) -> Iterator[tuple[tuple[int, int], bytes]]:
    """Each planned part of one decoded page: its pixel size and JPEG bytes. The plan is in
    the header's pixels; a DCT-scaled or reduced decode is smaller, so rows are scaled."""
    w, h = rgb.size
    sy = h / frame.size[1]
    scale = _scale(w, frame.print_w, dpi)
    for top, bottom in frame.slices:
        y0, y1 = round(top * sy), min(h, max(round(top * sy) + 1, round(bottom * sy)))
        piece = rgb.crop((0, y0, w, y1)) if len(frame.slices) > 1 else rgb
        if (size := _scaled(piece.size, scale)) != piece.size:
            # Bilinear (Pillow's is a true area filter when reducing): screenshot text as
            # legible as with bicubic at these factors (1.5-3x), a third faster, and 5 %
            # fewer JPEG bytes; large reductions first go through a box filter (reducing_gap).
            piece = piece.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
        yield piece.size, _encode(piece, quality)


def save_prepared(img: PreparedImage, folder: Path) -> None:
    """Record a prepared image beside its parts (the cache's index entry)."""
    (folder / "meta.json").write_text(json.dumps(asdict(img), sort_keys=True), encoding="utf-8")


def load_prepared(folder: Path) -> PreparedImage | None:
    """A cached prepared image whose parts are all present, or None."""
    try:
        data = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        parts = tuple(
            ImagePart(**{**p, "span": tuple(p.get("span", (0.0, 1.0)))}) for p in data["parts"]
        )
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
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # damaged: prepared again


def ocr_pixels(path: Path, rel: str, width: int) -> tuple[Image.Image, tuple[int, int], int]:
    """What OCR reads: the first page as displayed (oriented, sRGB, flattened), at most
    `width` pixels wide; the displayed size of the source, which OCR boxes refer to; and
    the number of pages shown (a multi-page TIFF's)."""
    img, stored = _open_scaled(path, rel, draft=(width, width))
    try:
        with _untrusted(rel):
            frames, _ = _frame_count(img, rel)
            rgb = _flatten(img)
            # A DCT-scaled JPEG decodes smaller than stored; orientation may swap the sides.
            swap = (rgb.width >= rgb.height) != (stored[0] >= stored[1])
            full = stored[::-1] if swap else stored
            if rgb.width > width:
                size = (width, max(1, round(rgb.height * width / rgb.width)))
                rgb = rgb.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
            else:
                rgb = rgb.copy()  # _flatten may hand back the opened image itself
    finally:
        img.close()
    return rgb, (full[0], full[1]), frames


JPEG_QUALITIES = (85, 75, 65, 55, 45, 40)  # the page-image ladder, best first
SCALE_STEP = 0.85  # a page over its cap at the lowest quality: 15 % fewer pixels a side
MIN_SCALE = 0.35  # ... until the scale falls below this (then it is returned as it is)


@dataclass
class FitHints:
    """What the pages before took under a byte cap: their resolution steps (0 is full size,
    each step SCALE_STEP smaller), last last, and per step the JPEG quality. Pages of one
    dossier need nearly the same, so the search starts there (see encode_page)."""

    steps: list[int] = field(default_factory=list)
    quality: dict[int, int] = field(default_factory=dict)

    @property
    def step(self) -> int:
        """The step the page before took."""
        return self.steps[-1] if self.steps else 0

    def expected(self) -> int:
        """The step this page likely takes: the page before's, or when pages take turns
        (a, b, a: an order's records page, then its photos page) the other one."""
        last = self.steps[-3:]
        if len(last) == 3 and last[0] == last[2] != last[1]:
            return last[1]
        return self.step

    def took(self, step: int) -> None:
        self.steps = [*self.steps[-2:], step]


def page_scales(floor: float | None = None) -> list[float]:
    """The resolutions a page image steps down through to fit a byte cap, largest first:
    15 % smaller each, until one is under MIN_SCALE, with `floor` (the smallest readable
    scale) among them."""
    scales = [1.0]
    while scales[-1] >= MIN_SCALE:
        scales.append(scales[-1] * SCALE_STEP)
    if floor is not None and 0 < floor < 1 and floor not in scales:
        scales.append(floor)
        scales.sort(reverse=True)
    return scales


def encode_page(
    img: Image.Image | None,
    fmt: str,
    max_bytes: int | None = None,
    dpi: int = 150,
    hints: FitHints | None = None,
    redraw: Callable[[float], Image.Image] | None = None,
    floor: float | None = None,
) -> tuple[bytes, int]:
    """Encode a page image; with max_bytes, the highest JPEG quality of JPEG_QUALITIES that
    fits at the first scale of page_scales(floor) where one fits. Returns (bytes, quality
    used; 0 for PNG).

    `redraw(scale)` draws the page afresh at a scale (a PDF page: PDFium draws it in a
    fraction of the time Lanczos takes to resample the full-size image, and sharper);
    without it the image is resampled. With `redraw`, `img` may be None: the full size is
    drawn only when a step needs it. At the `floor` a drawn page that does not fit is tried
    resampled too.

    `hints` are tried first and updated. A page expected to need step s (FitHints.expected)
    starts there when step s - 1 does not fit even at the lowest quality (a smaller image of the
    same page is a smaller file, so no step before it fits either); otherwise it is searched
    from the top. Within a step the quality the page before took there is tried first.
    Either way the result is what the search from the top finds, in two to four encodes
    instead of up to six per step."""
    scales = page_scales(floor)
    drawn: list[Image.Image] = []  # the full-size image, once needed

    def full() -> Image.Image:
        if not drawn:
            if img is None and redraw is None:
                raise ValueError("encode_page needs an image or a way to draw it")
            first = img if img is not None else cast(Callable[[float], Image.Image], redraw)(1.0)
            direct = ("RGB", "RGBX") if fmt != "png" else ("RGB",)  # JPEG takes RGBX as it is
            drawn.append(first if first.mode in direct else first.convert("RGB"))
        return drawn[0]

    def scaled(step: int, soft: bool = False) -> Image.Image:
        scale = scales[step]
        if step == 0:
            return full()
        if redraw is not None and not soft:
            return redraw(scale)
        rgb = full()
        size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
        return rgb.resize(size, Image.Resampling.BILINEAR if soft else Image.Resampling.LANCZOS)

    def done(work: Image.Image) -> None:
        if not drawn or work is not drawn[0]:
            work.close()

    # At the floor a drawn page that does not fit is tried resampled (the smaller file).
    softened = redraw is not None and fmt != "png" and floor is not None

    step = 0
    expected = hints.expected() if hints is not None else 0
    if fmt != "png" and max_bytes is not None and expected > 0:
        above = scaled(expected - 1, softened and scales[expected - 1] == floor)
        probe = _jpeg(above, JPEG_QUALITIES[-1], round(dpi * scales[expected - 1]))
        if len(probe) > max_bytes:
            step = expected
        done(above)
    while True:
        work, scale = scaled(step), scales[step]
        if fmt == "png":
            buf = io.BytesIO()
            png = work if work.mode == "RGB" else work.convert("RGB")  # a drawn page: RGBX
            png.save(buf, "PNG", optimize=True, dpi=(dpi * scale, dpi * scale))
            data, quality = buf.getvalue(), 0
        else:
            start = hints.quality.get(step) if hints is not None else None
            data, quality = _fit_jpeg(work, max_bytes, round(dpi * scale), start)
        done(work)
        fits = max_bytes is None or len(data) <= max_bytes
        if not fits and softened and scale == floor:
            # PDFium draws text sharper than resampling does, and sharp edges cost JPEG
            # bytes: before a dense page goes below the readable floor, the floor resampled
            # (softer, about a tenth smaller) is tried too.
            soft = scaled(step, soft=True)
            softer, soft_quality = _fit_jpeg(soft, max_bytes, round(dpi * scale), start)
            soft.close()
            if max_bytes is not None and len(softer) <= max_bytes:
                data, quality, fits = softer, soft_quality, True
        if hints is not None and fits:
            hints.quality[step] = quality  # not when it did not fit: that says nothing
        if fits or step == len(scales) - 1:
            if hints is not None:
                hints.took(step)
            if drawn and drawn[0] is not img:
                drawn[0].close()
            return data, quality
        step += 1


def _jpeg(img: Image.Image, quality: int, dpi: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, optimize=True, dpi=(dpi, dpi))
    return buf.getvalue()


def _fit_jpeg(
    img: Image.Image, max_bytes: int | None, dpi: int, start: int | None
) -> tuple[bytes, int]:
    """The highest quality of JPEG_QUALITIES under max_bytes (else the lowest): `start`
    first, then its neighbour and the end of the ladder it points to (a page lighter or
    denser than the one before), then the steps between, halving them (JPEG bytes grow
    with the quality)."""

    def encode(quality: int) -> bytes:
        return _jpeg(img, quality, dpi)

    ladder = JPEG_QUALITIES
    last = len(ladder) - 1

    def between(over: int, fits: int, data: bytes) -> tuple[bytes, int]:
        """The best between ladder[over] (over the cap) and ladder[fits] (under it)."""
        while fits - over > 1:
            mid = (over + fits) // 2
            if len(got := encode(ladder[mid])) <= cast(int, max_bytes):
                fits, data = mid, got
            else:
                over = mid
        return data, ladder[fits]

    i = ladder.index(start) if max_bytes is not None and start in ladder else 0
    data = encode(ladder[i])
    if max_bytes is None:
        return data, ladder[i]
    if len(data) <= max_bytes:
        # One step up (a page like the one before stops there), then the top (a lighter one).
        if i == 0 or len(better := encode(ladder[i - 1])) > max_bytes:
            return data, ladder[i]
        if i == 1 or len(top := encode(ladder[0])) <= max_bytes:
            return (better, ladder[0]) if i == 1 else (top, ladder[0])
        return between(0, i - 1, better)
    if i == last:
        return data, ladder[last]
    if len(low := encode(ladder[last])) > max_bytes:
        return low, ladder[last]
    return between(i, last, low)


def tile_stream(pages: Iterable[Image.Image], columns: int, rows: int) -> Image.Image | None:
    """Several page images on one sheet, in reading order, with thin separators; pages are
    taken one at a time (only the sheet and one page are held); every cell has the first page's
    size. None when there are no pages."""
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


def slot_placeholder(name: str) -> bytes:
    """A tiny grey JPEG whose comment names an image part: what the layout draws in the
    part's box until pdf/images.py swaps the prepared JPEG in."""
    buf = io.BytesIO()
    comment = b"evidencekit-slot:" + name.encode()  # pdf/images.SLOT_MARK
    Image.new("RGB", (8, 8), "#dddddd").save(buf, "JPEG", quality=50, comment=comment)
    return buf.getvalue()
