"""Cut the dossier into per-field files (platforms that take one file per evidence field)."""

from __future__ import annotations

import io

import pikepdf


def extract_pages(pdf_bytes: bytes, pages: list[int]) -> bytes:
    """A new PDF with the given 1-based pages, in order; labels keep the dossier's numbers."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as src, pikepdf.new() as dst:
        for n in pages:
            dst.pages.append(src.pages[n - 1])
        # Page labels show the dossier's own page numbers, so "p. 7" still means page 7.
        nums = pikepdf.Array()
        for i, n in enumerate(pages):
            if i == 0 or pages[i - 1] != n - 1:
                nums.append(i)
                nums.append(pikepdf.Dictionary(S=pikepdf.Name.D, St=n))
        dst.Root.PageLabels = pikepdf.Dictionary(Nums=nums)
        if "/Info" in src.trailer:
            dst.docinfo = dst.copy_foreign(src.docinfo)  # type: ignore[assignment]
        out = io.BytesIO()
        dst.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()


def page_count(pdf_bytes: bytes) -> int:
    """Number of pages."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        return len(pdf.pages)
