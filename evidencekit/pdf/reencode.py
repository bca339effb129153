"""The finished dossier's image streams: where they are drawn, what they weigh, and re-encoding
them at a lower resolution or JPEG quality without laying the pages out again.

Pillow is used here, not through assets.images, because it works on streams pikepdf decodes
out of a finished PDF, not on source files.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pikepdf
from PIL import Image, JpegImagePlugin

_INCLUDED = "/EvkPage"  # resource names pdf.overlay gives included PDF pages
_MAX_DEPTH = 8  # form XObjects nested deeper than this are not followed (hostile files)


@dataclass
class ImageUse:
    """One image XObject of ours: the pages that draw it and its largest drawn size."""

    stream: pikepdf.Stream
    pages: set[int] = field(default_factory=set)  # 1-based
    width_pt: float = 0.0
    height_pt: float = 0.0

    @property
    def size(self) -> int:
        return len(self.stream.read_raw_bytes())


@dataclass
class PageWeight:
    """What one page draws, by kind: the objects it uses (each counted where first used)."""

    images: set[tuple[int, int]] = field(default_factory=set)
    included: set[tuple[int, int]] = field(default_factory=set)  # streams of included PDFs
    fonts: set[tuple[int, int]] = field(default_factory=set)  # font program streams
    content: int = 0  # bytes of the page's own content streams (text, tables, rules)


def _mul(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, ...]:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _font_programs(font: pikepdf.Object) -> Iterator[pikepdf.Stream]:
    """The embedded font files of a font dictionary (descendants of Type0 fonts included)."""
    if not isinstance(font, pikepdf.Dictionary):
        return
    fonts = [font]
    for d in font.get("/DescendantFonts", pikepdf.Array()):
        if isinstance(d, pikepdf.Dictionary):
            fonts.append(d)
    for f in fonts:
        desc = f.get("/FontDescriptor")
        if isinstance(desc, pikepdf.Dictionary):
            for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                prog = desc.get(key)
                if isinstance(prog, pikepdf.Stream):
                    yield prog


def _walk(
    stream: pikepdf.Object,
    resources: pikepdf.Object,
    ctm: tuple[float, ...],
    page: int,
    included: bool,
    depth: int,
    uses: dict[tuple[int, int], ImageUse],
    weight: PageWeight,
) -> None:
    """Follow one content stream: images drawn (with their size), forms, fonts."""
    if depth > _MAX_DEPTH or not isinstance(resources, pikepdf.Dictionary):
        return
    fonts = resources.get("/Font")
    if isinstance(fonts, pikepdf.Dictionary):
        for _, font in fonts.items():
            for prog in _font_programs(font):
                (weight.included if included else weight.fonts).add(prog.objgen)
    xobjects = resources.get("/XObject")
    if not isinstance(xobjects, pikepdf.Dictionary):
        xobjects = pikepdf.Dictionary()
    stack: list[tuple[float, ...]] = []
    try:
        ops = pikepdf.parse_content_stream(stream, "q Q cm Do")
    except (pikepdf.PdfError, TypeError, ValueError):
        return  # unreadable content draws nothing we can re-encode
    for instr in ops:
        operands, name = instr.operands, str(instr.operator)
        if name == "q":
            stack.append(ctm)
        elif name == "Q":
            ctm = stack.pop() if stack else ctm
        elif name == "cm" and len(operands) == 6:
            try:
                ctm = _mul(tuple(float(x) for x in operands), ctm)
            except (TypeError, ValueError):
                continue
        elif name == "Do" and operands:
            key = str(operands[0])
            xobj = xobjects.get(key)
            if not isinstance(xobj, pikepdf.Stream):
                continue
            subtype = xobj.get("/Subtype")
            if subtype == pikepdf.Name.Image:
                if included:
                    weight.included.add(xobj.objgen)
                    continue
                weight.images.add(xobj.objgen)
                use = uses.setdefault(xobj.objgen, ImageUse(xobj))
                use.pages.add(page)
                use.width_pt = max(use.width_pt, math.hypot(ctm[0], ctm[1]))
                use.height_pt = max(use.height_pt, math.hypot(ctm[2], ctm[3]))
            elif subtype == pikepdf.Name.Form:
                inner = included or key.startswith(_INCLUDED)
                if inner:
                    weight.included.add(xobj.objgen)
                matrix = xobj.get("/Matrix")
                m = ctm
                if isinstance(matrix, pikepdf.Array) and len(matrix) == 6:
                    try:
                        m = _mul(tuple(float(x) for x in matrix), ctm)
                    except (TypeError, ValueError):
                        m = ctm
                res = xobj.get("/Resources", resources)
                _walk(xobj, res, m, page, inner, depth + 1, uses, weight)


def survey(pdf: pikepdf.Pdf) -> tuple[dict[tuple[int, int], ImageUse], list[PageWeight]]:
    """Every image the dossier itself draws (not those inside included PDFs), with its pages
    and drawn size, and per page the objects it uses."""
    uses: dict[tuple[int, int], ImageUse] = {}
    weights: list[PageWeight] = []
    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    for n, page in enumerate(pdf.pages, start=1):
        weight = PageWeight()
        contents = page.obj.get("/Contents")
        streams = contents if isinstance(contents, pikepdf.Array) else [contents]
        weight.content = sum(
            len(s.read_raw_bytes()) for s in streams if isinstance(s, pikepdf.Stream)
        )
        resources = page.obj.get("/Resources", pikepdf.Dictionary())
        _walk(page.obj, resources, identity, n, False, 0, uses, weight)
        weights.append(weight)
    return uses, weights


def drawn_dpi(use: ImageUse) -> float:
    """The resolution an image is drawn at (its finer axis); 0 when unknown."""
    w, h = int(use.stream.get("/Width", 0)), int(use.stream.get("/Height", 0))
    if w <= 0 or h <= 0 or use.width_pt <= 0 or use.height_pt <= 0:
        return 0.0
    return max(w * 72 / use.width_pt, h * 72 / use.height_pt)


def drawn_images(pdf_bytes: bytes) -> list[tuple[int, float, int]]:
    """(bytes, drawn dpi, JPEG quality or 0) of each of the dossier's own image streams."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        uses, _ = survey(pdf)
        return [(u.size, drawn_dpi(u), jpeg_quality(u.stream)) for u in uses.values()]


# libjpeg's luminance table at quality 50 (ITU T.81 K.1), the base of its quality scaling.
_STD_LUMA_SUM = sum(
    (16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
     14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
     18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
     49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99)
)  # fmt: skip


def jpeg_quality(stream: pikepdf.Stream) -> int:
    """The libjpeg quality a JPEG stream was written at, estimated from its luminance table
    (screenshots are prepared a few steps below photos); 0 when not a JPEG or not readable."""
    if stream.get("/Filter") != pikepdf.Name.DCTDecode:
        return 0
    try:
        with Image.open(io.BytesIO(stream.read_raw_bytes())) as im:
            tables = getattr(im, "quantization", None) or {}
            luma = tables.get(0)
    except (OSError, ValueError, SyntaxError):
        return 0
    if not luma:
        return 0
    scale = 100 * sum(luma) / _STD_LUMA_SUM  # libjpeg: 200 - 2q above q50, 5000 / q below
    quality = (200 - scale) / 2 if scale <= 100 else 5000 / scale
    return max(1, min(100, round(quality)))


def _target(use: ImageUse, dpi: int) -> tuple[int, int] | None:
    """The pixel size for `dpi` at the drawn size; None when the image is already that small."""
    w, h = int(use.stream.get("/Width", 0)), int(use.stream.get("/Height", 0))
    if w <= 0 or h <= 0 or use.width_pt <= 0 or use.height_pt <= 0:
        return None
    scale = min(dpi * use.width_pt / 72 / w, dpi * use.height_pt / 72 / h)
    if scale >= 0.98:
        return None
    return max(1, round(w * scale)), max(1, round(h * scale))


def _opened(use: ImageUse) -> Image.Image | None:
    """The image of a stream, not yet decoded when it is a JPEG; None when it cannot be
    re-encoded as one (masks, odd colour spaces)."""
    stream = use.stream
    if any(k in stream for k in ("/SMask", "/Mask", "/Decode")) or stream.get("/ImageMask"):
        return None  # JPEG has no alpha or decode array; such an image keeps its stream
    try:
        image = pikepdf.PdfImage(stream).as_pil_image()
    except (pikepdf.PdfError, NotImplementedError, ValueError, OSError):
        return None
    if image.mode not in ("RGB", "L"):
        return None  # CMYK, palette with odd colour spaces: leave as they are
    return image


def _reencoded(
    image: Image.Image, size: tuple[int, int] | None, quality: int, was: int
) -> bytes | None:
    """The image as a JPEG of `size` (None: as it is) and `quality`; None when it would not get
    smaller than `was` bytes. Pillow decodes, resizes and encodes without the GIL: images are
    done in threads."""
    # Keep the chroma sampling the image was prepared with (screenshots are 4:4:4 so small
    # coloured text stays legible); a lossless image is a screenshot or a graphic: 4:4:4.
    sampling = JpegImagePlugin.get_sampling(image) if image.format == "JPEG" else 0
    try:
        if size is not None:
            # Bilinear, as the images were prepared: at these factors (1.3-2x) text as legible
            # as with Lanczos, in half the time of the whole re-encode, and 8 % fewer bytes.
            image = image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
        buf = io.BytesIO()
        extra = {"subsampling": sampling} if sampling in (0, 1, 2) else {}
        image.save(buf, "JPEG", quality=quality, optimize=True, **extra)
    except (OSError, ValueError):
        return None  # a stream that does not decode keeps its bytes
    data = buf.getvalue()
    return data if len(data) < was else None


def reencode_images(pdf_bytes: bytes, dpi: int, quality: int) -> bytes:
    """The PDF with each of its own images re-encoded at `dpi` (of its drawn size) and JPEG
    `quality`, where that makes it smaller; pages, text and included PDFs stay as they are."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        uses, _ = survey(pdf)
        # Read from the PDF here (pikepdf is not shared between threads); re-encoded in threads.
        todo = [(use, image) for use in uses.values() if (image := _opened(use)) is not None]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            made = list(
                pool.map(
                    lambda job: _reencoded(job[1], _target(job[0], dpi), quality, job[0].size),
                    todo,
                )
            )
        for (use, _), data in zip(todo, made, strict=True):
            if data is None:
                continue
            with Image.open(io.BytesIO(data)) as im:
                width, height, mode = im.width, im.height, im.mode
            stream = use.stream
            stream.write(data, filter=pikepdf.Name.DCTDecode)
            stream.Width, stream.Height = width, height
            stream.ColorSpace = pikepdf.Name.DeviceGray if mode == "L" else pikepdf.Name.DeviceRGB
            stream.BitsPerComponent = 8
            if "/DecodeParms" in stream:
                del stream["/DecodeParms"]
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()


def page_weights(pdf_bytes: bytes) -> list[dict[str, int]]:
    """Bytes per page by what takes them: the dossier's images, included PDFs, fonts, and the
    page's own text and tables; an object drawn on several pages counts where first used."""
    out: list[dict[str, int]] = []
    seen: set[tuple[int, int]] = set()
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        _, weights = survey(pdf)

        def first(objs: set[tuple[int, int]]) -> int:
            new = objs - seen
            seen.update(new)
            return sum(len(pdf.get_object(o).read_raw_bytes()) for o in new)

        for w in weights:
            out.append(
                {
                    "images": first(w.images),
                    "included PDFs": first(w.included),
                    "fonts": first(w.fonts),
                    "text and tables": w.content,
                }
            )
    return out
