"""PDF evidence: open (password, repair), count pages, and normalise pages for inclusion.

Included pages are never rasterised: each is drawn into the dossier as a form XObject, so
vector text stays text. Before that, form fields get appearance streams and annotations are
flattened into the page, so the page shows what a reader shows.

Every byte of a source PDF is untrusted: names and strings are decoded defensively, odd page
boxes and rotations are normalised the way readers show them (and reported), and whatever the
PDF library raises on a hostile file becomes a PdfSourceError.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from evidencekit.messages import Msg, reason
from evidencekit.pdf.fonts import (
    FontSubstitutionError,
    embed_substitutes,
    font_dicts,
    font_label,
    is_unembedded,
)

# What the PDF library (qpdf underneath) may raise on a hostile or broken file.
_LIBRARY_ERRORS = (
    pikepdf.PdfError,
    RuntimeError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    NotImplementedError,
    OverflowError,
    RecursionError,
    UnicodeDecodeError,
)
_LETTER = (0.0, 0.0, 612.0, 792.0)  # what readers show for a page without a usable MediaBox
_MAX_SIDE = 14400.0  # PDF's own limit on a page side (200 inches at UserUnit 1)


class PdfSourceError(Exception):
    """A PDF that cannot be included; `reason` is password | damaged."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class PdfInfo:
    """What validation needs to know about a source PDF."""

    pages: int
    encrypted: bool
    repaired: bool
    notes: tuple[str, ...] = ()  # findings to report as warnings (odd boxes, PDFium)


@dataclass(frozen=True)
class NormalisedPdf:
    """Selected pages ready to be drawn in, held in memory (a decrypted copy never touches
    the disk, so a killed build cannot leave one behind)."""

    data: bytes
    index: list[int]  # per requested page, its index in `data`
    sizes: list[tuple[float, float]]  # per requested page, its displayed size in points
    substituted: list[str] = field(default_factory=list)  # standard fonts given a substitute
    unembedded: list[str] = field(default_factory=list)  # fonts still not embedded


def _damaged(detail: object) -> PdfSourceError:
    msg = Msg("pdf.damaged", why=str(detail))
    return PdfSourceError(msg, "damaged")


def _via_pdfium(path: Path) -> tuple[bytes, bool] | None:
    """An unencrypted copy made by PDFium (and whether the file was encrypted), for a file
    qpdf cannot open but PDFium can: owner-password-only files with odd encryption
    dictionaries, some damaged files."""
    from evidencekit.pdf.raster import decrypted_copy

    return decrypted_copy(path)


def _open(path: Path, password: str) -> tuple[pikepdf.Pdf, bool, str]:
    """Open with qpdf; for an owner-password-only file qpdf cannot read, with PDFium.
    Returns (pdf, repaired, note)."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pdf = pikepdf.open(path, password=password)
            try:
                len(pdf.pages)  # reading the page tree completes qpdf's repair, if any
            except BaseException:
                pdf.close()
                raise
        return pdf, bool(caught) or bool(pdf.get_warnings()), ""
    except pikepdf.PasswordError as e:
        if not password and (copy := _via_pdfium(path)) is not None:
            return _open_bytes(copy[0]), False, _PROTECTED
        msg = Msg("pdf.wrong_password") if password else Msg("pdf.encrypted")
        raise PdfSourceError(msg, "password") from e
    except _LIBRARY_ERRORS as e:
        if not password and (copy := _via_pdfium(path)) is not None:
            data, encrypted = copy
            if encrypted:
                return _open_bytes(data), False, _PROTECTED
            note = Msg("pdf.read_by_pdfium")
            return _open_bytes(data), False, note
        raise _damaged(str(e).replace(f"{path}: ", "")) from e


_PROTECTED = Msg("pdf.protected")


def _open_bytes(data: bytes) -> pikepdf.Pdf:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pdf = pikepdf.open(io.BytesIO(data))
            len(pdf.pages)
            return pdf
    except _LIBRARY_ERRORS as e:
        raise _damaged(e) from e


def _inherited(page: pikepdf.Dictionary, key: str) -> object:
    """A page attribute, looked up through the page tree as readers do (cycles bounded)."""
    node: object = page
    for _ in range(64):
        if not isinstance(node, pikepdf.Dictionary):
            return None
        if key in node:
            return node.get(key)
        node = node.get("/Parent")
    return None


def _rect(value: object) -> tuple[float, float, float, float] | None:
    """Four finite numbers, ordered (readers accept any corner order); None otherwise."""
    if not isinstance(value, pikepdf.Array) or len(value) != 4:
        return None
    nums: list[float] = []
    for item in value:
        try:
            number = float(item)
        except (TypeError, ValueError):
            return None
        if not math.isfinite(number):
            return None
        nums.append(number)
    x0, y0, x1, y1 = nums
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _area(r: tuple[float, float, float, float]) -> float:
    return (r[2] - r[0]) * (r[3] - r[1])


@dataclass(frozen=True)
class _Geometry:
    media: tuple[float, float, float, float]
    crop: tuple[float, float, float, float] | None  # None: the whole MediaBox
    rotate: int
    notes: list[str]

    @property
    def size(self) -> tuple[float, float]:
        box = self.crop or self.media
        w, h = box[2] - box[0], box[3] - box[1]
        return (h, w) if self.rotate % 180 else (w, h)


def _geometry(page: pikepdf.Dictionary, number: int) -> _Geometry:
    """The page's boxes and rotation as a reader shows the page, and what was odd."""
    notes: list[str] = []
    media = _rect(_inherited(page, "/MediaBox"))
    if media is None or _area(media) <= 0:
        what = Msg("pdf.no_mediabox") if media is None else Msg("pdf.zero_mediabox")
        notes.append(Msg("pdf.page_letter", n=number, what=what))
        media = _LETTER
    if max(media[2] - media[0], media[3] - media[1]) > _MAX_SIDE:
        notes.append(Msg("pdf.page_too_large", n=number))
    crop_value = _inherited(page, "/CropBox")
    crop = None
    if crop_value is not None:
        given = _rect(crop_value)
        if given is not None:
            crop = (
                max(given[0], media[0]),
                max(given[1], media[1]),
                min(given[2], media[2]),
                min(given[3], media[3]),
            )
        if crop is None or crop[2] <= crop[0] or crop[3] <= crop[1]:
            notes.append(Msg("pdf.bad_cropbox", n=number))
            crop = None
    rotate_value = _inherited(page, "/Rotate")
    rotate = 0
    if rotate_value is not None:
        try:
            raw = float(rotate_value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raw = math.nan
        if not math.isfinite(raw) or raw != int(raw) or int(raw) % 90:
            notes.append(Msg("pdf.bad_rotate", n=number))
        else:
            rotate = int(raw) % 360
    return _Geometry(media, crop, rotate, notes)


def _apply(page: pikepdf.Dictionary, geo: _Geometry) -> None:
    """Write the geometry on the page itself (no inheritance left for the drawing code)."""
    page.MediaBox = pikepdf.Array(list(geo.media))
    if geo.crop is None:
        if "/CropBox" in page:
            del page["/CropBox"]
    else:
        page.CropBox = pikepdf.Array(list(geo.crop))
    page.Rotate = geo.rotate
    for key in ("/TrimBox", "/BleedBox", "/ArtBox"):  # unused here; odd values only confuse
        if key in page:
            del page[key]


def _page_notes(pdf: pikepdf.Pdf) -> list[str]:
    """Odd boxes and rotations, for validation to report as warnings."""
    notes = [n for i, page in enumerate(pdf.pages, 1) for n in _geometry(page.obj, i).notes]
    if len(notes) > 5:
        notes = [*notes[:5], Msg("pdf.more_findings", n=len(notes) - 5)]
    return notes


def inspect_pdf(path: Path, password: str = "") -> PdfInfo:
    """Open the PDF (repairing what qpdf can) and count its pages."""
    pdf, repaired, note = _open(path, password)
    with pdf:
        try:
            count = len(pdf.pages)
            notes = _page_notes(pdf) if count else []
            encrypted = bool(pdf.is_encrypted)
        except _LIBRARY_ERRORS as e:
            msg = Msg("pdf.page_tree", why=str(e))
            raise PdfSourceError(msg, "damaged") from e
        if count == 0:
            msg = Msg("pdf.no_pages")
            raise PdfSourceError(msg, "damaged")
        if note:
            notes.insert(0, note)
        return PdfInfo(pages=count, encrypted=encrypted, repaired=repaired, notes=tuple(notes))


def normalise_pdf(path: Path, password: str, pages: list[int], pdfa: bool = False) -> NormalisedPdf:
    """The selected pages (0-based), decrypted, forms and annotations flattened, boxes and
    rotation made explicit; for PDF/A, standard fonts get an embedded substitute."""
    pdf, _, _ = _open(path, password)
    with pdf, warnings.catch_warnings():
        # qpdf's remarks about the source (unreachable widgets, ...) are not ours to raise
        warnings.simplefilter("ignore")
        try:
            return _normalise(pdf, pages, pdfa)
        except FontSubstitutionError as e:
            raise PdfSourceError(reason(e), "font") from e
        except _LIBRARY_ERRORS as e:
            raise _damaged(e) from e


def _normalise(pdf: pikepdf.Pdf, pages: list[int], pdfa: bool) -> NormalisedPdf:
    if "/AcroForm" in pdf.Root:
        pdf.generate_appearance_streams()  # filled form values become visible content
    pdf.flatten_annotations(mode="all")
    if "/AcroForm" in pdf.Root:
        del pdf.Root["/AcroForm"]
    wanted = sorted(set(pages))
    sizes: dict[int, tuple[float, float]] = {}
    for i in wanted:
        geo = _geometry(pdf.pages[i].obj, i + 1)
        _apply(pdf.pages[i].obj, geo)
        sizes[i] = geo.size
    for i in reversed(range(len(pdf.pages))):
        if i not in sizes:
            del pdf.pages[i]
    for page in pdf.pages:
        page.as_form_xobject()  # fails here, naming the file, rather than when drawn in
    substituted = embed_substitutes(pdf) if pdfa else []
    missing = sorted({font_label(f) for f in font_dicts(pdf) if is_unembedded(f)}) if pdfa else []
    out = io.BytesIO()
    pdf.save(out, encryption=False, deterministic_id=True)
    data = out.getvalue()
    if pdfa and not missing:
        _check_pdfa_pages(data)
    return NormalisedPdf(
        data=data,
        index=[wanted.index(p) for p in pages],
        sizes=[sizes[p] for p in pages],
        substituted=substituted,
        unembedded=missing,
    )


def _check_pdfa_pages(data: bytes) -> None:
    """Refuse, by file, pages the PDF/A-3b validator will not pass in the dossier: the
    document-level parts (metadata, output intent) are ours, so they are prepared first."""
    from pikepdf import pdfa

    from evidencekit.pdf.attach import _drop_empty_resources
    from evidencekit.pdf.overlay import Placement, place_pages

    # Check the pages as the dossier will hold them: drawn as form XObjects into blank pages
    # of a new document (the source's catalog, trailer and page dictionaries stay behind).
    with pikepdf.open(io.BytesIO(data)) as src, pikepdf.new() as shell:
        count = len(src.pages)
        for _ in range(count):
            shell.add_blank_page(page_size=(595, 842))
        blank = io.BytesIO()
        shell.save(blank)
    rect = (20.0, 20.0, 575.0, 822.0)
    placed = place_pages(blank.getvalue(), [Placement(n + 1, rect, data, n) for n in range(count)])
    with pikepdf.open(io.BytesIO(placed)) as pdf:
        _drop_empty_resources(pdf)  # as attach_files does for the dossier
        pdfa.prepare(pdf, "3b")
        report = pdfa.check(pdf, "3b")
    if report.verdict != "pass":
        findings = "; ".join(str(f) for f in report.findings[:4])
        more = len(report.findings) - 4
        if more > 0:
            findings += f"; and {more} more"
        msg = Msg("pdf.not_pdfa", findings=str(findings))
        raise PdfSourceError(msg, "pdfa")


def parse_pages(spec: str, count: int) -> list[int]:
    """'1-3,7' -> [0, 1, 2, 6]; raise ValueError naming the bad part."""
    out: list[int] = []
    for part in spec.replace(" ", "").split(","):
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        try:
            a = int(lo)
            b = int(hi) if sep else a
        except ValueError as e:
            msg = Msg("pages.bad_part", part=part)
            raise ValueError(msg) from e
        if a < 1 or b < a:
            msg = Msg("pages.bad_range", part=part)
            raise ValueError(msg)
        if b > count:
            msg = Msg("pages.no_page", page=b, count=count)
            raise ValueError(msg)
        out.extend(range(a - 1, b))
    if not out:
        msg = Msg("pages.none")
        raise ValueError(msg)
    return out


def unembedded_fonts(path: Path | bytes) -> list[str]:
    """Names of fonts a (normalised) PDF uses without embedding them (PDF/A forbids them)."""
    source = io.BytesIO(path) if isinstance(path, bytes) else path
    with pikepdf.open(source) as pdf:
        return sorted({font_label(f) for f in font_dicts(pdf) if is_unembedded(f)})
