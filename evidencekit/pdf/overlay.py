"""Place pages made elsewhere (included PDFs, fast-rendered tables) into reserved slots.

The main render reserves a blank box (a "slot") for each such page, so page numbers, page
furniture, the index and bookmarks already count it; here the page's content is drawn into
the slot's box as a form XObject — vector text stays text and stays extractable.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import pikepdf


@dataclass(frozen=True)
class Placement:
    """Draw page `source_page` (0-based) of `source` into `rect` on page `page` (1-based)."""

    page: int
    rect: tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points
    source: Path | bytes
    source_page: int = 0
    password: str = ""


def place_pages(pdf_bytes: bytes, placements: list[Placement]) -> bytes:
    """Overlay every placement (scaled to fit its box, aspect kept, centred); return the PDF."""
    if not placements:
        return pdf_bytes
    with contextlib.ExitStack() as sources, pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        draw_pages(pdf, placements, sources)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def draw_pages(
    pdf: pikepdf.Pdf, placements: list[Placement], sources: contextlib.ExitStack
) -> None:
    """place_pages on an open PDF; the source PDFs are opened onto `sources`, which must stay
    open until `pdf` is saved (their page content is copied when it is written)."""
    opened: dict[object, pikepdf.Pdf] = {}
    for n, pl in enumerate(placements):
        key = pl.source if isinstance(pl.source, Path) else id(pl.source)
        if key not in opened:
            src = pl.source if isinstance(pl.source, Path) else io.BytesIO(pl.source)
            opened[key] = sources.enter_context(pikepdf.open(src, password=pl.password))
        page = pikepdf.Page(pdf.pages[pl.page - 1])
        # Like Page.add_overlay, but with a fixed resource name: add_overlay picks a
        # random one, and builds must be byte-identical.
        other = pikepdf.Page(opened[key].pages[pl.source_page])
        formx = pdf.copy_foreign(other.as_form_xobject())
        name = pikepdf.Name(f"/EvkPage{n}")
        page.add_resource(formx, pikepdf.Name.XObject, name)
        placed = page.calc_form_xobject_placement(
            formx, name, pikepdf.Rectangle(*pl.rect), allow_shrink=True, allow_expand=True
        )
        page.contents_add(b"q\n", prepend=True)
        page.contents_add(b"Q\n" + placed, prepend=False)
        page.contents_coalesce()
