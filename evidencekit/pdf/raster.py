"""Page images of the finished dossier (PDFium through pypdfium2), for image-only platforms."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def iter_page_images(pdf_bytes: bytes, dpi: int, pages: range | None = None) -> Iterator[Any]:
    """Yield each page (or the 0-based `pages`) as a PIL image at `dpi`, one at a time
    (memory stays bounded)."""
    import pypdfium2  # loads PDFium: only when page images are made

    doc = pypdfium2.PdfDocument(pdf_bytes)
    try:
        for i in pages if pages is not None else range(len(doc)):
            page = doc[i]
            try:
                bitmap = page.render(scale=dpi / 72)
                yield bitmap.to_pil()
            finally:
                page.close()
    finally:
        doc.close()


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
