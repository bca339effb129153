"""Cut the dossier into per-field files (platforms that take one file per evidence field)."""

from __future__ import annotations

import io

import pikepdf

from evidencekit.pdf.subset import subset_fonts


def _copy_pages(src: pikepdf.Pdf, dst: pikepdf.Pdf, pages: list[int], nums: pikepdf.Array) -> bytes:
    """Append the 1-based pages of src to dst, labelled with the dossier's own page numbers
    (so "p. 7" still means page 7), copy the metadata and save deterministically. Each page
    keeps only the images and fonts it draws (WeasyPrint shares one resource dictionary across
    the dossier; copied as it is, every part would carry every image and font)."""
    offset = len(dst.pages)
    for i, n in enumerate(pages):
        dst.pages.append(src.pages[n - 1])
        dst.pages[-1].remove_unreferenced_resources()
        if i == 0 or pages[i - 1] != n - 1:
            nums.append(offset + i)
            nums.append(pikepdf.Dictionary(S=pikepdf.Name.D, St=n))
    dst.Root.PageLabels = pikepdf.Dictionary(Nums=nums)
    if "/Info" in src.trailer:
        dst.docinfo = dst.copy_foreign(src.docinfo)  # type: ignore[assignment]
    subset_fonts(dst)
    out = io.BytesIO()
    # Recompressed: WeasyPrint's Flate streams shrink by a tenth or more at pikepdf's level.
    dst.save(
        out,
        deterministic_id=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        recompress_flate=True,
    )
    return out.getvalue()


def extract_pages(pdf_bytes: bytes, pages: list[int]) -> bytes:
    """A new PDF with the given 1-based pages, in order; labels keep the dossier's numbers."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as src, pikepdf.new() as dst:
        return _copy_pages(src, dst, pages, pikepdf.Array())


def page_count(pdf_bytes: bytes) -> int:
    """Number of pages."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        return len(pdf.pages)


def plan_volumes(blocks: list[list[int]], cap: int) -> list[list[int]]:
    """Group page blocks (front matter, each exhibit, appendix) into volumes of at most `cap`
    pages, keeping each block whole when it fits in a volume of its own."""
    volumes: list[list[int]] = []
    current: list[int] = []
    for block in blocks:
        if current and len(current) + len(block) > cap:
            volumes.append(current)
            current = []
        while len(block) > cap:  # a block longer than a volume is cut at the cap
            if current:
                volumes.append(current)
                current = []
            volumes.append(block[:cap])
            block = block[cap:]
        current.extend(block)
    if current:
        volumes.append(current)
    return volumes


def assemble_volume(front: bytes, pdf_bytes: bytes, pages: list[int], front_label: str) -> bytes:
    """A volume: its own index page(s) first, then the dossier's pages with their numbers."""
    with (
        pikepdf.open(io.BytesIO(pdf_bytes)) as src,
        pikepdf.open(io.BytesIO(front)) as head,
        pikepdf.new() as dst,
    ):
        dst.pages.extend(head.pages)
        nums = pikepdf.Array()
        nums.append(0)
        nums.append(pikepdf.Dictionary(P=pikepdf.String(front_label)))
        return _copy_pages(src, dst, pages, nums)
