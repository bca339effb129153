"""Page images of the finished dossier (PDFium through pypdfium2), for image-only platforms."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class PageDrawer:
    """An open PDF whose pages are drawn as PIL images at any resolution, as often as asked;
    only the page drawn last is kept open (memory stays bounded). A context manager."""

    def __init__(self, pdf_bytes: bytes) -> None:
        import pypdfium2  # loads PDFium: only when page images are made

        self._doc = pypdfium2.PdfDocument(pdf_bytes)
        self._page: tuple[int, Any] | None = None

    def __len__(self) -> int:
        return len(self._doc)

    def draw(self, i: int, dpi: float) -> Any:
        """The 0-based page i at `dpi`: an RGBX image on PDFium's own pixels (RGB would be a
        copy with the bytes reordered, a third of the time PDFium takes to draw the page;
        JPEG encodes RGBX as RGB, to the same bytes)."""
        bitmap = self._open(i).render(scale=dpi / 72, rev_byteorder=True, prefer_bgrx=True)
        return bitmap.to_pil()

    def width(self, i: int) -> float:
        """The 0-based page i's width in points."""
        return float(self._open(i).get_width())

    def _open(self, i: int) -> Any:
        if self._page is None or self._page[0] != i:
            self._close_page()
            self._page = (i, self._doc[i])
        return self._page[1]

    def _close_page(self) -> None:
        if self._page is not None:
            self._page[1].close()
            self._page = None

    def close(self) -> None:
        self._close_page()
        self._doc.close()

    def __enter__(self) -> PageDrawer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iter_page_images(pdf_bytes: bytes, dpi: int, pages: range | None = None) -> Iterator[Any]:
    """Yield each page (or the 0-based `pages`) as a PIL image at `dpi`, one at a time
    (memory stays bounded)."""
    with PageDrawer(pdf_bytes) as drawer:
        for i in pages if pages is not None else range(len(drawer)):
            yield drawer.draw(i, dpi)


def decrypted_copy(path: Path) -> tuple[bytes, bool] | None:
    """An unencrypted copy of a PDF that opens without a user password, made by PDFium
    (for files qpdf refuses), and whether the file was encrypted; None when PDFium cannot
    open it either. Kept in memory."""
    import pypdfium2

    try:
        doc = pypdfium2.PdfDocument(path)
    except (pypdfium2.PdfiumError, OSError, ValueError):
        return None
    try:
        encrypted = pypdfium2.raw.FPDF_GetSecurityHandlerRevision(doc.raw) != -1
        out = io.BytesIO()
        doc.save(out, flags=pypdfium2.raw.FPDF_REMOVE_SECURITY)
        return out.getvalue(), encrypted
    except (pypdfium2.PdfiumError, OSError, ValueError):
        return None
    finally:
        doc.close()
