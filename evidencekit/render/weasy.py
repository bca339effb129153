"""The WeasyPrint call, with a URL fetcher that serves only the build's prepared files.

The only module that imports WeasyPrint (lazily: it is slow to import).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import multiprocessing
import pickle
import re
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from evidencekit.waiting import do_waiting

ASSET_SCHEME = "evk"
ASSET_BASE = f"{ASSET_SCHEME}://build/"


def harfbuzz_subset_available() -> bool:
    """WeasyPrint subsets fonts 5-10x faster with libharfbuzz-subset; say when it is missing.
    Asked of WeasyPrint, which has looked for it as it loaded (ctypes.util.find_library
    would run ldconfig again: 0.1 s before every build's layout)."""
    from weasyprint.text import ffi

    return ffi.harfbuzz_subset is not None


def renderer_versions() -> list[str]:
    """WeasyPrint's and its PDF writer's versions, and whether fonts are cut by HarfBuzz."""
    import pydyf
    import weasyprint

    return [weasyprint.__version__, pydyf.__version__, str(harfbuzz_subset_available())]


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


def ua_stylesheet() -> str:
    """WeasyPrint's user-agent stylesheet without its rules for every element's pseudo-elements
    that the dossier never shows: notes and footnotes (no `float: footnote` here), and
    markers other than a list item's. It styles `::marker`, `::footnote-call`, ... of each
    element of the document; a 50-order proof has 80 000 elements, and those styles took
    a third of WeasyPrint's cascade. The pages are the same, pixel for pixel
    (tests/test_parts.py)."""
    import weasyprint.html

    ua = weasyprint.html.UA.replace("\n::marker {", "\nli::marker {")
    return re.sub(r"^::(?:footnote|note)-[a-z]+ \{[^}\n]*\}\n", "", ua, flags=re.M)


def load_renderer() -> None:
    """Load WeasyPrint and its stylesheet in this process (about 0.7 s): a build gives it to
    evidencekit/waiting.py, to be done while its exports are parsed elsewhere."""
    _html_class()


@functools.cache
def _html_class() -> Any:
    """weasyprint.HTML with the stylesheet above (made once, before the parts are forked)."""
    import weasyprint
    from weasyprint.css.counters import CounterStyle

    # Its own counter styles: the UA's @counter-style rules are already in UA_COUNTER_STYLE.
    sheet = weasyprint.CSS(string=ua_stylesheet(), counter_style=CounterStyle())

    class HTML(weasyprint.HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [sheet]

    return HTML


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
    html_class = _html_class()
    doc = html_class(string=html, base_url=ASSET_BASE, url_fetcher=BuildFetcher()).render()
    laid = _laid(doc.pages, refused)
    laid.document = doc
    return write_rendered(laid, identifier=identifier, pdfa=pdfa) if write else laid


_SECTION = re.compile(r'(?=<section class="part )')


def _sections(html: str) -> tuple[str, list[str]]:
    """The document's head and its top-level part sections (each starts a page); no sections
    when anything stands outside them."""
    head, body = html.split("<body>", 1) if "<body>" in html else ("", "")
    pieces = _SECTION.split(body.rsplit("</body>", 1)[0])
    return head, pieces[1:] if len(pieces) > 1 and not pieces[0].strip() else []


def _document(head: str, sections: list[str]) -> str:
    return f"{head}<body>{''.join(sections)}</body></html>"


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


@dataclass(frozen=True)
class Keep:
    """What of a laid-out part is the dossier's: all but its last `tail` pages (the pages
    showing only the page numbers, render/context.py: Part)."""

    tail: int = 0
    # Its page references were laid out as stand-ins of as many digits as the numbers may
    # need (render/context.py: _numbered): it is written once they are written in (`fill`).
    numbers: bool = False


class Job(Protocol):
    """A part being laid out (PartJob, ForkedPart, JobGroup)."""

    html: str

    def laid(self) -> Rendered: ...
    def kept(self) -> Rendered: ...
    def fill(self, numbers: dict[str, str]) -> None: ...
    def pdfs(self) -> list[bytes]: ...
    def cancel(self) -> None: ...
    @property
    def pages(self) -> int: ...


class PartJob:
    """One part laid out, then written when its PDF is asked for (all its pages; `keep` says
    which are the dossier's). In-process; see `ForkedPart` for one laid out and written in a
    process of its own while the caller goes on."""

    def __init__(self, html: str, assets: dict[str, Path | bytes], identifier: bytes,
                 pdfa: bool, keep: Keep, key: str | None = None) -> None:  # fmt: skip
        self.html, self.assets, self.identifier, self.pdfa, self.keep = (
            html, assets, identifier, pdfa, keep
        )  # fmt: skip
        self.key = key  # kept under it once written (render/partcache.py)
        self._laid: Rendered | None = None
        self._pdfs: list[bytes] | None = None
        self._numbers: dict[str, str] | None = None

    def laid(self) -> Rendered:
        """Page count, anchors and boxes (the part's own page numbers)."""
        if self._laid is None:
            self._laid = render_pdf(
                self.html, self.assets, identifier=self.identifier, pdfa=self.pdfa, write=False
            )
        return self._laid

    def fill(self, numbers: dict[str, str]) -> None:
        """The page number of each stand-in's anchor, written in before the part is written."""
        self._numbers = numbers

    def pdfs(self) -> list[bytes]:
        """The kept pages as PDFs: links to anchors they lack wait for `pdf.join`."""
        if self._pdfs is None:
            laid = self.laid()
            document, laid.document = laid.document, None
            if self.keep.numbers:
                fill_numbers(document, self._filled())
            self._pdfs = [write_part(document, self.identifier, self.pdfa)]
            _keep(self.key, laid, self._pdfs)
        return self._pdfs

    def _filled(self) -> dict[str, str]:
        if self._numbers is None:
            msg = "a part laid out with stand-in page numbers is written only once they are known"
            raise RuntimeError(msg)
        return self._numbers

    def kept(self) -> Rendered:
        """Its layout without the `keep.tail` pages that are not the dossier's."""
        laid = self.laid()
        return replace(laid, pages=laid.pages - self.keep.tail, document=None)

    def cancel(self) -> None:
        """Not needed after all."""
        self._laid = None

    @property
    def pages(self) -> int:
        """The dossier's pages it holds."""
        return self.kept().pages


class ForkedPart(PartJob):
    """A part laid out and written in a forked process: its layout comes back as soon as it is
    laid out, its PDFs when written, so the next part is laid out meanwhile. Forked, not
    spawned, as the image jobs: WeasyPrint is loaded already and a script
    without a __main__ guard is not run again. The results go through files (a pipe holds
    64 KiB: a process waiting to hand over its layout would not be writing); only "done" goes
    through the pipe (and, to a part laid out with stand-ins, its page numbers: Keep.numbers).
    A process that fails is followed by the same work here, where errors are reported."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._dir = Path(tempfile.mkdtemp(prefix="evidencekit-part-"))
        self._failed = False
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe(duplex=False)
        # The page numbers the child waits for before writing (Keep.numbers).
        orders, self._orders = context.Pipe(duplex=False)
        self._proc = context.Process(target=self._run, args=(child, orders), daemon=True)
        self._proc.start()
        child.close()
        orders.close()

    def _run(self, conn: Any, orders: Any) -> None:
        try:
            laid = render_pdf(
                self.html, self.assets, identifier=self.identifier, pdfa=self.pdfa, write=False
            )
            document, laid.document = laid.document, None
            (self._dir / "laid").write_bytes(pickle.dumps(laid))
            conn.send("laid")
            if self.keep.numbers:
                fill_numbers(document, orders.recv())
            pdfs = [write_part(document, self.identifier, self.pdfa)]
            (self._dir / "pdfs").write_bytes(pickle.dumps(pdfs))
            conn.send("pdfs")
            _keep(self.key, laid, pdfs)  # after handing them over: a few files written
        except BaseException:  # reported by the parent's own attempt
            conn.send("failed")
        finally:
            conn.close()

    def _receive(self, what: str) -> Any:
        """The child's `what`, or None when it failed (or was stopped)."""
        if not self._failed:
            do_waiting(self._conn.poll)  # evidencekit/waiting.py: what it can do meanwhile
            try:
                said = self._conn.recv()
            except (EOFError, OSError):
                said = "failed"
            if said == what:
                return pickle.loads((self._dir / what).read_bytes())  # our own child's
            self._failed = True
            self.cancel()
        return None

    def laid(self) -> Rendered:
        if self._laid is None:
            got = self._receive("laid")
            self._laid = got if got is not None else super().laid()
        return self._laid

    def fill(self, numbers: dict[str, str]) -> None:
        super().fill(numbers)
        if self.keep.numbers and not self._failed:
            with contextlib.suppress(OSError):  # a child that is gone: written here instead
                self._orders.send(numbers)

    def pdfs(self) -> list[bytes]:
        if self._pdfs is None:
            self.laid()
            if self.keep.numbers:
                self._filled()  # the child waits for them
            got = self._receive("pdfs")
            if got is None:  # laid out again here, to be written here
                self._laid = None
                return super().pdfs()
            self._pdfs = got
            self._finish()
        return self._pdfs

    def cancel(self) -> None:
        if self._proc.is_alive():
            self._proc.kill()
        self._finish()

    def _finish(self) -> None:
        self._proc.join()
        self._conn.close()
        self._orders.close()
        shutil.rmtree(self._dir, ignore_errors=True)


class KeptPart(PartJob):
    """A part as an earlier build laid it out and wrote it (render/partcache.py)."""

    def __init__(self, html: str, keep: Keep, laid: Rendered, pdfs: list[bytes]) -> None:
        super().__init__(html, {}, b"", False, keep)
        self._laid = laid
        self._pdfs = pdfs

    def cancel(self) -> None:
        """Nothing runs."""


def _keep(key: str | None, laid: Rendered, pdfs: list[bytes]) -> None:
    if key is not None:
        from evidencekit.render.partcache import save_part

        save_part(key, laid, pdfs)


def start_part(
    html: str,
    assets: dict[str, Path | bytes],
    *,
    identifier: bytes,
    pdfa: bool = False,
    keep: Keep | None = None,
    forked: bool = True,
    kept: bool = False,
) -> PartJob:
    """Lay a part out (and write it when asked): in a process of its own when `forked`.
    `kept`: a part after the front matter, taken from an earlier build when its HTML is the
    same and kept for the next (render/partcache.py); not one written with page numbers
    filled in (Keep.numbers), which its HTML does not give."""
    keep = keep or Keep()
    key = None
    if kept and not keep.numbers:
        from evidencekit.render.partcache import load_part, part_key

        key = part_key(html, pdfa, keep.tail)
        got = load_part(key) if key is not None else None
        if got is not None:
            return KeptPart(html, keep, *got)
    _html_class()  # WeasyPrint and its stylesheet loaded once here, not in every forked process
    kind = ForkedPart if forked else PartJob
    return kind(html, assets, identifier, pdfa, keep, key)


class JobGroup:
    """A part laid out in pieces (render/context.py: the front matter by its sections), each a
    job of its own; laid out, written and stopped as one."""

    def __init__(self, html: str, jobs: list[PartJob]) -> None:
        self.html, self.jobs = html, jobs

    def laid(self) -> Rendered:
        return joined_layout([job.laid() for job in self.jobs])

    def kept(self) -> Rendered:
        return joined_layout([job.kept() for job in self.jobs])

    def fill(self, numbers: dict[str, str]) -> None:
        for job in self.jobs:
            job.fill(numbers)

    def pdfs(self) -> list[bytes]:
        return [pdf for job in self.jobs for pdf in job.pdfs()]

    def cancel(self) -> None:
        for job in self.jobs:
            job.cancel()

    @property
    def pages(self) -> int:
        return sum(job.pages for job in self.jobs)


# What laying a document out costs besides its sections, as bytes of their HTML (its style
# sheet, its fonts, its process): about 0.3 s, as 15 kB of an index or a timeline.
PIECE_BYTES = 16_000


def split_sections(html: str, groups: int, flow: str = "") -> list[str]:
    """html cut into up to `groups` documents of whole top-level sections, in order and of
    lengths as even as can be (the longest as short as can be, then the others as even); never
    before a section of class `flow` (it goes on on the page before; the others start a
    page). [html] when it is not made so."""
    head, sections = _sections(html)
    if groups < 2 or len(sections) < 2:
        return [html]
    sizes = [len(s) for s in sections]
    own = PIECE_BYTES  # each document's own cost: a tiny one is not worth a process
    starts = [0] + [
        i for i in range(1, len(sections)) if not (flow and _has_class(sections[i], flow))
    ]
    if len(starts) < 2:
        return [html]
    total = [0, *itertools.accumulate(sizes)]

    @functools.cache
    def best(first: int, left: int) -> tuple[int, int, tuple[int, ...]]:
        """(longest, sum of squares, starts) of sections[first:] in up to `left` documents."""
        whole = total[-1] - total[first] + own
        found: tuple[int, int, tuple[int, ...]] = (whole, whole * whole, (first,))
        if left > 1:
            for cut in (c for c in starts if c > first):
                size = total[cut] - total[first] + own
                longest, squares, rest = best(cut, left - 1)
                option = (max(size, longest), size * size + squares, (first, *rest))
                found = min(found, option)
        return found

    cuts = [*best(0, groups)[2], len(sections)]
    return [_document(head, sections[a:b]) for a, b in itertools.pairwise(cuts)]


def split_before(html: str, name: str) -> list[str]:
    """html cut in two documents before its first top-level section of class `name`, when
    other sections come before it; [html] otherwise."""
    head, sections = _sections(html)
    cut = next((i for i, s in enumerate(sections) if _has_class(s, name)), 0)
    if not cut:
        return [html]
    return [_document(head, sections[:cut]), _document(head, sections[cut:])]


def starts_with(html: str, name: str) -> bool:
    """Whether a document's first top-level section has class `name`."""
    sections = _sections(html)[1]
    return bool(sections) and _has_class(sections[0], name)


def _has_class(section: str, name: str) -> bool:
    """Whether a section's opening tag has class `name`."""
    m = re.match(r'<section class="([^"]*)"', section)
    return m is not None and name in m.group(1).split()


GOTO = "evk-goto:"


def write_part(document: Any, identifier: bytes, pdfa: bool) -> bytes:
    """A laid-out part as a PDF. A link to an anchor the part lacks is written as an
    `evk-goto:<anchor>` URI (WeasyPrint would drop it); `pdf.join` makes it a link to the named
    destination again."""
    here = {name for page in document.pages for name in page.anchors}
    for page in document.pages:
        page.links = [
            ("external", GOTO + target, *rest)
            if kind == "internal" and target not in here
            else (kind, target, *rest)
            for kind, target, *rest in page.links
        ]
    return _write_pdf(document, identifier, pdfa)


PAGE_REF = "pn"  # the class of a page reference's stand-in (render/context.py: page_refs)


def fill_numbers(document: Any, numbers: dict[str, str]) -> None:
    """Write each page reference's number over its stand-in in a laid-out document.

    The front matter is laid out before its own length is known, with stand-ins of as many
    digits as any number may need (render/context.py: _numbered); its length then gives the
    numbers. Each stand-in is a text box of its own (class `pn`, `data-ref` its anchor): its
    text is shaped again as WeasyPrint shapes it when drawing (Layout.reactivate), the boxes
    after it on its line move by the difference (or the line is aligned again, when centred or
    set right), and the page's links are gathered again. A number never has more digits than its
    stand-in, so no line grows."""
    from weasyprint.anchors import gather_anchors

    for page in document.pages:
        if _fill_box(page._page_box, numbers):
            page.links = []
            gather_anchors(page._page_box, {}, page.links, [], {None: []})


def _fill_box(box: Any, numbers: dict[str, str]) -> bool:
    from weasyprint.formatting_structure import boxes

    children = getattr(box, "children", None) or []
    lines = [child for child in children if isinstance(child, boxes.LineBox)]
    filled = False
    for child in children:
        if isinstance(child, boxes.LineBox):
            filled = _fill_line(child, numbers, box.width, child is lines[-1]) or filled
        else:
            filled = _fill_box(child, numbers) or filled
    return filled


def _fill_line(line: Any, numbers: dict[str, str], available: float, last: bool) -> bool:
    from weasyprint.formatting_structure import boxes
    from weasyprint.text.line_break import line_size

    filled = False
    for chain in _chains(line):
        box = chain[-1]
        element = box.element
        if not isinstance(box, boxes.TextBox) or element is None:
            continue
        if element.get("class") != PAGE_REF or element.get("data-ref") not in numbers:
            continue
        text = numbers[element.get("data-ref")]
        layout = box.pango_layout
        layout.text = text
        layout.reactivate(box.style)
        first, _ = layout.get_first_line()
        width, _ = line_size(first, box.style)
        layout.deactivate()
        dx = width - box.width
        box.text, box.width = text, width
        for parent, child in itertools.pairwise(chain):
            if parent is not line:
                parent.width += dx
            siblings = parent.children
            for after in siblings[siblings.index(child) + 1 :]:
                after.translate(dx)
        was = _offset(line, available, last)
        line.width += dx
        shift = _offset(line, available, last) - was
        for child in line.children:
            child.translate(shift)
        filled = True
    return filled


def _chains(line: Any) -> list[list[Any]]:
    """Each leaf box of a line, with the boxes from the line down to it."""
    chains: list[list[Any]] = []
    stack: list[list[Any]] = [[line]]
    while stack:
        chain = stack.pop()
        children = getattr(chain[-1], "children", None)
        if children:
            stack += [[*chain, child] for child in reversed(children)]
        elif len(chain) > 1:
            chains.append(chain)
    return chains


def _offset(line: Any, available: float, last: bool) -> float:
    """Where WeasyPrint set the line's boxes for its `text-align` (layout/inline.py:
    text_align; left to right)."""
    style = line.style
    if line.width >= available or style["direction"] == "rtl":
        return 0.0
    align = style["text_align_all"]
    if last and style["text_align_last"] != "auto":
        align = style["text_align_last"]
    if align in ("left", "right"):
        align = "start" if align == "left" else "end"
    if align not in ("center", "end"):
        return 0.0
    offset = float(available - line.width)
    return offset / 2 if align == "center" else offset


def joined_layout(parts: list[Rendered]) -> Rendered:
    """Where each anchor of the parts lands in the dossier they make, in order (the first of a
    name wins, as in one document)."""
    anchors: dict[str, int] = {}
    boxes: dict[str, tuple[int, float, float, float, float]] = {}
    offset = 0
    refused: list[str] = []
    for laid in parts:
        for name, page in laid.anchors.items():
            if name not in anchors:
                anchors[name] = offset + page
                boxes[name] = (offset + page, *laid.boxes[name][1:])
        offset += laid.pages
        refused += laid.refused_urls
    return Rendered(pdf=b"", pages=offset, anchors=anchors, boxes=boxes, refused_urls=refused)


def write_rendered(laid: Rendered, *, identifier: bytes, pdfa: bool = False) -> Rendered:
    """Write the PDF of a document laid out with write=False."""
    doc, laid.document = laid.document, None
    laid.pdf = _write_pdf(doc, identifier, pdfa)
    return laid


def _write_pdf(document: Any, identifier: bytes, pdfa: bool) -> bytes:
    pdf = document.write_pdf(pdf_identifier=identifier, pdf_variant="pdf/a-3b" if pdfa else None)
    assert pdf is not None
    return bytes(pdf)
