"""PDF evidence: open (password, repair), count pages, and normalise pages for inclusion.

Included pages are never rasterised: each is drawn into the dossier as a form XObject, so
vector text stays text. Before that, form fields get appearance streams and annotations are
flattened into the page, so the page shows what a reader shows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import pikepdf


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


def _open(path: Path, password: str) -> tuple[pikepdf.Pdf, bool]:
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pdf = pikepdf.open(path, password=password)
            len(pdf.pages)  # reading the page tree completes qpdf's repair, if any
        return pdf, bool(caught) or bool(pdf.get_warnings())
    except pikepdf.PasswordError as e:
        msg = (
            "the PDF is encrypted and the password is wrong"
            if password
            else "the PDF is encrypted; name the environment variable holding its password "
            "with password_env: (e.g. password_env: POLICY_PDF_PASSWORD)"
        )
        raise PdfSourceError(msg, "password") from e
    except pikepdf.PdfError as e:
        detail = str(e).replace(f"{path}: ", "")
        msg = f"the PDF is damaged beyond repair ({detail}); ask the sender for a new copy"
        raise PdfSourceError(msg, "damaged") from e


def inspect_pdf(path: Path, password: str = "") -> PdfInfo:
    """Open the PDF (repairing what qpdf can) and count its pages."""
    pdf, repaired = _open(path, password)
    with pdf:
        try:
            count = len(pdf.pages)
        except pikepdf.PdfError as e:
            msg = f"the PDF's page tree is damaged ({e})"
            raise PdfSourceError(msg, "damaged") from e
        if count == 0:
            msg = "the PDF has no pages"
            raise PdfSourceError(msg, "damaged")
        return PdfInfo(pages=count, encrypted=pdf.is_encrypted, repaired=repaired)


def normalise_pdf(
    path: Path, password: str, pages: list[int], out: Path
) -> tuple[list[int], list[tuple[float, float]]]:
    """Write the selected pages (0-based) to `out`, decrypted, forms and annotations flattened;
    return, per selected page, its index in `out` and its displayed size in points."""
    pdf, _ = _open(path, password)
    with pdf:
        if "/AcroForm" in pdf.Root:
            pdf.generate_appearance_streams()  # filled form values become visible content
        pdf.flatten_annotations(mode="all")
        if "/AcroForm" in pdf.Root:
            del pdf.Root["/AcroForm"]
        wanted = sorted(set(pages))
        for i in reversed(range(len(pdf.pages))):
            if i not in wanted:
                del pdf.pages[i]
        sizes = []
        for page in pdf.pages:
            box = page.cropbox if "/CropBox" in page else page.mediabox
            w = float(box[2]) - float(box[0])
            h = float(box[3]) - float(box[1])
            rotate = int(page.get("/Rotate", 0)) % 180
            sizes.append((h, w) if rotate else (w, h))
        pdf.save(out, encryption=False, deterministic_id=True)
        return [wanted.index(p) for p in pages], [sizes[wanted.index(p)] for p in pages]


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
            msg = f"{part!r} is not a page or a range like 1-3"
            raise ValueError(msg) from e
        if a < 1 or b < a:
            msg = f"{part!r} is not a valid range"
            raise ValueError(msg)
        if b > count:
            msg = f"page {b} does not exist: the PDF has {count} pages"
            raise ValueError(msg)
        out.extend(range(a - 1, b))
    if not out:
        msg = "no pages selected"
        raise ValueError(msg)
    return out


def unembedded_fonts(path: Path) -> list[str]:
    """Names of fonts a (normalised) PDF uses without embedding them (PDF/A forbids them)."""
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()

    def walk(resources: object) -> None:
        if not isinstance(resources, pikepdf.Dictionary):
            return
        fonts = resources.get("/Font")
        if isinstance(fonts, pikepdf.Dictionary):
            for _, font in fonts.items():
                if not isinstance(font, pikepdf.Dictionary):
                    continue
                target: pikepdf.Object = font
                if font.get("/Subtype") == pikepdf.Name.Type0:
                    target = font.DescendantFonts[0]
                desc = target.get("/FontDescriptor")
                embedded = isinstance(desc, pikepdf.Dictionary) and any(
                    k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")
                )
                if not embedded and font.get("/Subtype") != pikepdf.Name.Type3:
                    found.add(str(font.get("/BaseFont", "/unnamed"))[1:])
        xobjects = resources.get("/XObject")
        if isinstance(xobjects, pikepdf.Dictionary):
            for _, xo in xobjects.items():
                if isinstance(xo, pikepdf.Stream) and xo.objgen not in seen:
                    seen.add(xo.objgen)
                    walk(xo.get("/Resources"))

    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            walk(page.get("/Resources"))
    return sorted(found)
