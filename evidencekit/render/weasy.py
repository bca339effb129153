"""The WeasyPrint call, with a URL fetcher that serves only the build's prepared files.

The only module that imports WeasyPrint (lazily: it is slow to import).
"""

from __future__ import annotations

import ctypes.util
import logging
import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ASSET_SCHEME = "evk"
ASSET_BASE = f"{ASSET_SCHEME}://build/"


def harfbuzz_subset_available() -> bool:
    """WeasyPrint subsets fonts 5-10x faster with libharfbuzz-subset; say when it is missing."""
    return ctypes.util.find_library("harfbuzz-subset") is not None


@dataclass
class Rendered:
    """The rendered PDF and where each anchor landed (1-based page numbers)."""

    pdf: bytes
    pages: int
    anchors: dict[str, int]
    # Anchor boxes in PDF points, origin bottom-left: name -> (page, x0, y0, x1, y1).
    boxes: dict[str, tuple[int, float, float, float, float]] = field(default_factory=dict)
    refused_urls: list[str] = field(default_factory=list)
    fonts: list[str] = field(default_factory=list)
    document: Any = None  # the laid-out document while not yet written (write=False)
    identifier: bytes = b""  # the PDF identifier it is to be written with


def render_pdf(
    html: str,
    assets: dict[str, Path | bytes],
    *,
    identifier: bytes,
    pdfa: bool = False,
    write: bool = True,
) -> Rendered:
    """Lay out html and write the PDF; only `evk://build/<name>` URLs from assets are served
    (a file, or bytes such as an image slot's placeholder).

    write=False lays out only (anchors and boxes); `write_rendered` writes it later."""
    import weasyprint
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    refused: list[str] = []

    class BuildFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url.startswith(ASSET_BASE):
                name = url[len(ASSET_BASE) :]
                asset = assets.get(name)
                if asset is not None:
                    mime = "image/jpeg" if name.endswith(".jpg") else "application/octet-stream"
                    data = asset if isinstance(asset, bytes) else asset.read_bytes()
                    return URLFetcherResponse(url, data, {"Content-Type": mime})
            refused.append(url)
            msg = f"evidencekit does not fetch {url!r}"
            raise ValueError(msg)

    wlog = logging.getLogger("weasyprint")
    wlog.setLevel(logging.ERROR)  # its warnings about refused URLs are reported by us
    doc = weasyprint.HTML(string=html, base_url=ASSET_BASE, url_fetcher=BuildFetcher()).render()
    laid = _laid(doc.pages, refused)
    laid.document = doc
    laid.identifier = identifier
    return write_rendered(laid, identifier=identifier, pdfa=pdfa) if write else laid


# Below this much HTML a document is laid out here: starting a process that loads WeasyPrint
# costs about a second.
COUNT_IN_WORKERS = 100_000
_SECTION = re.compile(r'(?=<section class="part )')


def count_pages(html: str, assets: dict[str, Path | bytes], workers: int) -> int:
    """The number of pages of html (laid out only to be counted). Each of its top-level
    sections starts a page, so a long document is counted by sections in up to `workers`
    processes; laid out here when it is short or not made of such sections."""
    head, body = html.split("<body>", 1) if "<body>" in html else ("", "")
    pieces = _SECTION.split(body.rsplit("</body>", 1)[0])
    sections = pieces[1:] if pieces and not pieces[0].strip() else []
    if workers < 2 or len(sections) < 2 or len(html) < COUNT_IN_WORKERS:
        return _pages_of(html, assets)
    groups: list[list[str]] = [[] for _ in range(min(workers, len(sections)))]
    for section in sorted(sections, key=len, reverse=True):  # the longest first, to the lightest
        min(groups, key=lambda g: sum(map(len, g))).append(section)
    docs = [f"{head}<body>{''.join(g)}</body></html>" for g in groups]
    # fork, as the image jobs' pool: a spawned worker would run the caller's script again when
    # it lacks a __main__ guard (build() is callable as a library), and would load WeasyPrint
    # again. The workers only lay out; they touch nothing another thread holds.
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(max_workers=len(docs), mp_context=context) as pool:
            return sum(pool.map(_pages_of, docs, [assets] * len(docs)))
    except Exception:  # a worker that failed: count here, where errors are reported
        return _pages_of(html, assets)


def _pages_of(html: str, assets: dict[str, Path | bytes]) -> int:
    return render_pdf(html, assets, identifier=b"0" * 32, write=False).pages


def _laid(pages: list[Any], refused: list[str]) -> Rendered:
    """Where each anchor landed on laid-out pages."""
    anchors: dict[str, int] = {}
    boxes: dict[str, tuple[int, float, float, float, float]] = {}
    px = 0.75  # CSS px -> PDF points
    for number, page in enumerate(pages, start=1):
        for name, (x0, y0, x1, y1) in page.anchors.items():
            if name in anchors:
                continue
            anchors[name] = number
            top = page.height * px
            boxes[name] = (number, x0 * px, top - y1 * px, x1 * px, top - y0 * px)
    return Rendered(pdf=b"", pages=len(pages), anchors=anchors, boxes=boxes, refused_urls=refused)


def join_rendered(parts: list[tuple[Rendered, int, int | None]]) -> Rendered:
    """One document of the pages [start:stop] of each part (laid out with write=False), in
    order; links between them resolve when it is written."""
    pages = [p for laid, start, stop in parts for p in laid.document.pages[start:stop]]
    joined = _laid(pages, [url for laid, _, _ in parts for url in laid.refused_urls])
    first = parts[0][0]
    joined.document = first.document.copy(pages)  # the first part's metadata: the same <head>
    # The first part's (the front matter's, which names every source by its hash and every
    # exhibit's pages): the same however the rest was cut into parts.
    joined.identifier = first.identifier
    return joined


def write_rendered(laid: Rendered, *, identifier: bytes, pdfa: bool = False) -> Rendered:
    """Write the PDF of a document laid out with write=False."""
    doc, laid.document = laid.document, None
    pdf = doc.write_pdf(pdf_identifier=identifier, pdf_variant="pdf/a-3b" if pdfa else None)
    assert pdf is not None
    laid.pdf = pdf
    return laid
