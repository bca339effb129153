"""Post-process the rendered PDF: images and included pages into their slots, page labels,
no scripts, deterministic save."""

from __future__ import annotations

import contextlib
import io

import pikepdf

from evidencekit.pdf.fonts import decode_name
from evidencekit.pdf.images import PreparedJpeg, swap_placeholders
from evidencekit.pdf.join import join_parts
from evidencekit.pdf.overlay import Placement, draw_pages
from evidencekit.pdf.sharefonts import share_fonts


def assemble_pdf(
    parts: list[bytes],
    images: dict[str, PreparedJpeg],
    placements: list[Placement],
    numbers: int | None = None,
) -> bytes:
    """The laid-out parts made one PDF in one pikepdf session and one save (not one per step):
    joined (pdf.join) with one program for each font they share (pdf.sharefonts), prepared
    images swapped into their slots, included pages drawn into theirs, page numbers stamped on
    (`numbers`: the dossier's page count; the pages after them show only their numbers,
    numbers.html.j2), page labels, no scripts."""
    with contextlib.ExitStack() as sources, pikepdf.open(io.BytesIO(parts[0])) as pdf:
        others = [sources.enter_context(pikepdf.open(io.BytesIO(part))) for part in parts[1:]]
        join_parts(pdf, others)
        if others:  # before included PDFs bring fonts of their own
            share_fonts(pdf)
        stamps = _take_numbers(pdf, numbers) if numbers is not None else []
        swap_placeholders(pdf, images)
        draw_pages(pdf, placements, sources)
        _stamp(pdf, stamps)
        _finish(pdf)
        return _save(pdf)  # before the included PDFs close: their pages are copied now


def _take_numbers(pdf: pikepdf.Pdf, pages: int) -> list[pikepdf.Object]:
    """The pages after the dossier's `pages`, each showing only a page number, taken out of
    the page tree as forms."""
    forms = [page.as_form_xobject() for page in pdf.pages[pages:]]
    del pdf.pages[pages:]
    return forms


def _stamp(pdf: pikepdf.Pdf, forms: list[pikepdf.Object]) -> None:
    """Each page number drawn over its page, as a form named after the page: WeasyPrint's
    pages share one resource dictionary, and pikepdf's add_overlay names forms at random (the
    same dossier would not be the same bytes)."""
    if not forms:
        return
    for n, (page, form) in enumerate(zip(pdf.pages, forms, strict=True), start=1):
        name = f"/EvkNumber{n}"  # not /EvkPage…: pdf.overlay names included pages so
        if "/Resources" not in page.obj:
            page.obj.Resources = pikepdf.Dictionary()
        if "/XObject" not in page.obj.Resources:
            page.obj.Resources.XObject = pikepdf.Dictionary()
        page.obj.Resources.XObject[name] = form
        page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
        page.contents_add(pdf.make_stream(f"Q\nq {name} Do Q\n".encode()))


def _finish(pdf: pikepdf.Pdf) -> None:
    pdf.Root.PageLabels = pikepdf.Dictionary(
        Nums=pikepdf.Array([0, pikepdf.Dictionary(S=pikepdf.Name.D)])
    )
    # Defence in depth: a dossier never carries scripts or auto-actions.
    for key in ("/OpenAction", "/AA"):
        if key in pdf.Root:
            del pdf.Root[key]
    names = pdf.Root.get("/Names")
    if names is not None and "/JavaScript" in names:
        del names["/JavaScript"]


def _save(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(
        out,
        deterministic_id=True,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    return out.getvalue()


def page_count(pdf_bytes: bytes) -> int:
    """Number of pages."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        return len(pdf.pages)


def font_names(pdf_bytes: bytes) -> list[str]:
    """Base names of the fonts embedded in the PDF (subset prefixes removed), sorted."""
    names: set[str] = set()
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.Font:
                base = decode_name(obj.get("/BaseFont"))  # names from included PDFs: any bytes
                if base and obj.get("/Subtype") != pikepdf.Name.Type0:
                    names.add(base.split("+", 1)[-1])
    return sorted(names)
