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
    _relink(src, dst, pages, offset)
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


def _named_pages(src: pikepdf.Pdf) -> dict[str, tuple[int, pikepdf.Array]]:
    """Named destination -> (0-based page of src, its destination array)."""
    names = src.Root.get("/Names")
    if not isinstance(names, pikepdf.Dictionary) or "/Dests" not in names:
        return {}
    index: dict[tuple[int, int], int] = {p.obj.objgen: i for i, p in enumerate(src.pages)}
    out = {}
    for name, value in pikepdf.NameTree(names.Dests).items():
        dest = value.get("/D") if isinstance(value, pikepdf.Dictionary) else value
        if isinstance(dest, pikepdf.Array) and len(dest):
            page = index.get(dest[0].objgen)
            if page is not None:
                out[name] = (page, dest)
    return out


def _relink(src: pikepdf.Pdf, dst: pikepdf.Pdf, pages: list[int], offset: int) -> None:
    """Links of the copied pages (dst from `offset` on) keep working: a named destination
    on a held page is carried over; a link to a page the new file lacks is removed (a
    per-field file's index then links only to pages it holds)."""
    named = _named_pages(src)
    held = {n - 1: offset + i for i, n in enumerate(pages)}  # src page -> dst page
    tree = pikepdf.NameTree.new(dst)
    for page in dst.pages[offset:]:
        annots = page.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        kept = pikepdf.Array()
        for annot in annots:
            dest = annot.get("/Dest")
            if annot.get("/Subtype") != pikepdf.Name.Link or not isinstance(dest, pikepdf.String):
                kept.append(annot)  # outside links and other annotations stay as they are
                continue
            target = named.get(str(dest))
            if target is None or target[0] not in held:
                continue
            if str(dest) not in tree:
                where = [dst.pages[held[target[0]]].obj, *list(target[1])[1:]]
                tree[str(dest)] = dst.make_indirect(pikepdf.Array(where))
            kept.append(annot)
        page.Annots = kept
    if len(tree.keys()):
        dst.Root.Names = pikepdf.Dictionary(Dests=tree.obj)


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
