"""Page images of the finished dossier (PDFium through pypdfium2), for image-only platforms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pypdfium2


def iter_page_images(pdf_bytes: bytes, dpi: int) -> Iterator[Any]:
    """Yield each page as a PIL image at `dpi`, one at a time (memory stays bounded)."""
    doc = pypdfium2.PdfDocument(pdf_bytes)
    try:
        for i in range(len(doc)):
            page = doc[i]
            try:
                bitmap = page.render(scale=dpi / 72)
                yield bitmap.to_pil()
            finally:
                page.close()
    finally:
        doc.close()
