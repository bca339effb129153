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


def assemble_pdf(
    parts: list[bytes], images: dict[str, PreparedJpeg], placements: list[Placement]
) -> bytes:
    """The laid-out parts made one PDF in one pikepdf session and one save (not one per step):
    joined (pdf.join), prepared images swapped into their slots, included pages drawn into
    theirs, page labels, no scripts."""
    with contextlib.ExitStack() as sources, pikepdf.open(io.BytesIO(parts[0])) as pdf:
        others = [sources.enter_context(pikepdf.open(io.BytesIO(part))) for part in parts[1:]]
        join_parts(pdf, others)
        swap_placeholders(pdf, images)
        draw_pages(pdf, placements, sources)
        _finish(pdf)
        return _save(pdf)  # before the included PDFs close: their pages are copied now


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
