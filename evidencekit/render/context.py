"""Turn the resolved case and its prepared assets into the templates' context (plain data)."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from evidencekit import __version__
from evidencekit.assets.captured import WEAK_METHODS
from evidencekit.assets.images import PreparedImage
from evidencekit.assets.sources import SourceInfo
from evidencekit.assets.tables import PreparedTable
from evidencekit.assets.transcripts import Message
from evidencekit.i18n import t
from evidencekit.model import Case, Exhibit, ShippingEvidence, require_aware
from evidencekit.ocr import OcrPage, ocr_messages, ocr_summary, text_layer
from evidencekit.profiles import letter_view
from evidencekit.render import MARGIN_MM, MARKUP, PAPER_MM, content_box_mm
from evidencekit.render.ledger import ChatLine, LedgerPage, chat_pages, ledger_pages
from evidencekit.render.markdown import markdown_to_html
from evidencekit.render.proof import proof_context
from evidencekit.render.tables import TableLayout, drop_empty, layout_table
from evidencekit.render.weasy import (
    ASSET_BASE,
    PAGE_REF,
    Job,
    JobGroup,
    Keep,
    PartJob,
    Rendered,
    joined_layout,
    split_before,
    split_sections,
    starts_with,
)


@dataclass
class PreparedExhibit:
    """What the assets stage made for one exhibit."""

    exhibit: Exhibit
    images: list[tuple[str, PreparedImage]] = field(default_factory=list)  # (rel, prepared)
    table: PreparedTable | None = None
    messages: list[Message] = field(default_factory=list)
    masked: dict[str, int] = field(default_factory=dict)
    ocr: dict[str, OcrPage] = field(default_factory=dict)  # rel -> what OCR read (--ocr)
    # Pages drawn into reserved slots after rendering (pdf/overlay.py), in order.
    slots: list[Slot] = field(default_factory=list)


@dataclass(frozen=True)
class Slot:
    """A reserved box for one page made elsewhere; `id` is its HTML anchor."""

    id: str
    height_mm: float
    source: Path | bytes
    source_page: int = 0
    new_page: bool = True
    password: str = ""
    caption: str = ""
    rel: str = ""  # the source file it shows, to keep the manifest's file order
    page_number: int = 0  # 1-based page of the source PDF


@dataclass(frozen=True)
class PageLayout:
    """What one layout pass tells the next: the exhibits that fit on one page (their range
    reads "p. 6", not "6–6") and the room under the header band for an exhibit's first
    included PDF page (so no page holds the header alone)."""

    one_page: frozenset[str] = frozenset()  # exhibit anchors
    first_slot_mm: tuple[tuple[str, float], ...] = ()  # (slot id, height)
    tight_appendix: bool = False  # its last page would hold only a few lines: set it tighter
    # False: the pass lays out only what it measures (exhibits, appendix), which no other part
    # moves. The front matter's page references make WeasyPrint lay each of its pages out three
    # times, so it is laid out once, in the whole pass, when the exhibits have settled.
    whole: bool = False


@dataclass(frozen=True)
class Part:
    """What one pass lays out: the whole dossier, its front matter (cover, index, proof table,
    timeline), its exhibits, its integrity appendix, or its back (exhibits and appendix). A part
    is laid out on its own, without page numbers (they are stamped on the joined pages, see
    numbers.html.j2), so none waits for another's length. `pageno`: a stand-in for the page of
    each exhibit anchor the front matter refers to, laid out as a text box of its own (class
    `pn`) and written over once the front matter's length gives the numbers (render/weasy.py:
    fill_numbers); no page references left for WeasyPrint to resolve by laying each referring
    page out three times."""

    kind: str = "whole"  # whole | front | back | exhibits | appendix | numbers
    pageno: tuple[tuple[str, str], ...] = ()
    total: int = 0  # the dossier's pages: a part of kind `numbers` lays out their numbers

    @property
    def after_front(self) -> bool:
        """Never the first of the joined parts: its own document information is not the
        dossier's, so an earlier build's may stand for it (render/partcache.py)."""
        return self.kind in ("back", "exhibits", "appendix", "numbers")

    def keep(self) -> Keep:
        """Its last `total` pages are the page numbers, not pages of the dossier; with
        stand-ins, it is written once the numbers are written in."""
        return Keep(self.total, numbers=bool(self.pageno))


@dataclass(frozen=True)
class Lengths:
    """The previous build of the case, as its evidence record tells it: the front matter's
    length, the appendix's, and whether the appendix was set tighter."""

    front: int
    appendix: int
    tight: bool = False  # the appendix was set tighter
    # SHA-256 of the appendix's HTML laid out on its own, not tightened: the same HTML is set
    # tighter or not alike, so a rebuild takes the previous decision only when it matches.
    appendix_html: str = ""
    # Each exhibit's (label, first page, last page) and the page count: the front matter is
    # laid out with the exhibits that fit on one page then, and stand-ins as long as the
    # numbers then needed, while the back is (kept when the back gives the same).
    exhibits: tuple[tuple[str, int, int], ...] = ()
    total: int = 0

    @classmethod
    def from_record(cls, record: object) -> Lengths | None:
        """From an evidence record's `layout` entry; None when it has none that makes sense."""
        try:
            was = record["layout"]  # type: ignore[index]
            lengths = cls(
                int(was["front_pages"]),
                int(was["appendix_pages"]),
                was["appendix_tight"] is True,
                str(was["appendix_html_sha256"]),
            )
        except (ValueError, LookupError, TypeError):
            return None
        if lengths.front <= 0 or lengths.appendix <= 0:
            return None
        try:
            exhibits = tuple(
                (str(ex["label"]), int(ex["pages"][0]), int(ex["pages"][1]))
                for ex in record["exhibits"]  # type: ignore[index]
            )
            total = int(record["outputs"][0]["pages"])  # type: ignore[index]
        except (ValueError, LookupError, TypeError):
            return lengths
        return replace(lengths, exhibits=exhibits, total=total)

    def record(self) -> dict[str, object]:
        """The evidence record's `layout` entry."""
        return {
            "front_pages": self.front,
            "appendix_pages": self.appendix,
            "appendix_tight": self.tight,
            "appendix_html_sha256": self.appendix_html,
        }


@dataclass
class Render:
    """How the flows below lay a part out: its HTML, and a job that lays it out (and writes it)
    from that HTML. `started`: every job, so the caller can stop those not used."""

    html: Callable[[PageLayout, Part], str]
    start: Callable[[str, Part], PartJob]
    started: list[PartJob] = field(default_factory=list)

    def __call__(self, layout: PageLayout, part: Part, reuse: Job | None = None) -> Job:
        return self.started_from(self.html(layout, part), part, reuse)

    def started_from(self, html: str, part: Part, reuse: Job | None = None) -> Job:
        """The job of `part` from its HTML: the front matter by its sections in a process more
        than there are processors when it is long (they start pages; its references to its
        own pages are stand-ins too, FRONT_REFS), its page numbers stamped on later
        (numbers.html.j2), so no piece waits for another's length. The back's integrity
        appendix is a piece of its own (set tighter, it is laid out again alone), and a long
        back's exhibits are cut in two, only where an exhibit starts a page (a `flow` exhibit
        goes on on its order's page); the piece after the cut opens the outline's "Exhibits"
        item again (dossier.css.j2), and pdf/join.py merges the two. The pieces of `reuse`
        (the same part's previous pass) that have the same HTML go on; its others are
        stopped."""
        pieces = [html]
        if part.kind == "front" and len(html) >= FRONT_IN_PIECES:
            # One piece more than processors: its sections' layout costs differ per byte (an
            # index row more than a timeline row); the longest does not run on alone.
            pieces = split_sections(html, (os.cpu_count() or 1) + 1)
        elif part.kind == "back":
            exhibits, *appendix = split_before(html, "appendix")
            pieces = [exhibits]
            if len(exhibits) >= BACK_IN_PIECES:
                pieces = split_sections(exhibits, os.cpu_count() or 1, flow="flow")
            pieces += appendix
        going = {job.html: job for job in _pieces(reuse)} if reuse is not None else {}
        jobs = []
        for piece in pieces:
            job = going.pop(piece, None)
            if job is None:
                job = self.start(piece, part)
                self.started.append(job)
            jobs.append(job)
        for job in going.values():
            job.cancel()
        return jobs[0] if len(jobs) == 1 else JobGroup(html, jobs)


def _pieces(job: Job) -> list[PartJob]:
    return job.jobs if isinstance(job, JobGroup) else [job]  # type: ignore[list-item]


# A front matter this long (HTML) is laid out by its sections in pieces (Render.started_from).
FRONT_IN_PIECES = 100_000
# A back this long (HTML) is laid out in two pieces: worth a process more where layout takes
# long, as the proof of many orders (bench/bench_proof.py: 320 kB). A case of screenshots
# (bench/bench_images_fast.py: 123 kB, four exhibits) does not cut into even pieces. The pieces
# share their fonts once joined (pdf/sharefonts.py).
BACK_IN_PIECES = 200_000


@dataclass
class LaidOut:
    """The dossier laid out: where its anchors are (its pages numbered as a whole), the parts
    whose PDFs join into it, in order, and its lengths for the next build."""

    rendered: Rendered
    parts: list[Job]
    lengths: Lengths | None
    # The dossier's page count: as many pages after its own that are its page numbers, laid
    # out apart (numbers.html.j2); None: numbered whole.
    numbers: int | None = None

    def pdfs(self) -> list[bytes]:
        return [pdf for part in self.parts for pdf in part.pdfs()]


def lay_out_dossier(
    render: Render,
    prepared: list[PreparedExhibit],
    paper: str,
    user_dir: Path | None,
    previous: Lengths | None = None,
    key: Callable[[], str] = str,
) -> LaidOut:
    """Lay the dossier out, measuring as it goes (see PageLayout): front matter and the rest
    apart, each laid out about once (in processes of their own, render/weasy.py: ForkedPart,
    and written while the next is laid out), their PDFs joined later (pdf/join.py); whole passes
    when the case has templates of its own (they may not know `part`, `pageno` and `numbers`, or
    refer across the parts), or when the parts do not agree. `key()`: the appendix's
    (appendix_key; made when first needed), noted in the lengths returned; the previous
    decision to set it tighter holds only for the same."""
    if previous is not None and previous.appendix_html != key():
        previous = replace(previous, tight=False)  # measured again
    if user_dir is None or not any(user_dir.rglob("*.j2")):
        if previous is not None:
            apart = _lay_out_known(render, prepared, paper, previous)
        else:
            apart = _lay_out_apart(render, prepared, paper)
        if apart is not None:
            apart.lengths = apart.lengths and replace(apart.lengths, appendix_html=key())
            return apart
    layout = PageLayout()
    for n in range(4):  # exhibits alone until they settle (normally once), then the whole
        job = render(layout, Part("whole" if layout.whole else "back"))
        laid = job.laid()
        measured = measure_layout(prepared, laid.anchors, laid.boxes, paper, layout, n >= 2)
        if measured == layout:
            break
        job.cancel()
        layout = measured
    lengths = _lengths_of(laid, prepared, layout)
    lengths = lengths and replace(lengths, appendix_html=key())
    return LaidOut(joined_layout([laid]), [job], lengths)


def appendix_key(html: str) -> str:
    """SHA-256 of the appendix's HTML as it lays out, whatever its hashes and digits: each
    SHA-256 cell's 64 hex digits are set in a monospace font, and every font the packaged styles
    use has digits of one width (a case with styles of its own is laid out whole, without the
    previous lengths). So a changed source (new hash, new capture time) leaves the key as it
    was. Only text changes, and <meta> tags go; other tags and the styles are kept."""
    parts = MARKUP.split(html)
    sha = False  # within a SHA-256 cell (its digits may be cut into several texts by tags)
    for i, part in enumerate(parts):
        if i % 2:  # a tag or a style
            sha = part == '<td class="sha">' or (sha and part != "</td>")
            if part.startswith("<meta "):  # the build time, among others: laid out nowhere
                parts[i] = ""
        else:
            parts[i] = "" if sha else re.sub(r"\d", "0", part)
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def _lengths_of(
    laid: Rendered, prepared: list[PreparedExhibit], layout: PageLayout
) -> Lengths | None:
    """The front matter's and the appendix's lengths in a laid-out dossier (None when its
    templates left out the anchors they are read from)."""
    firsts = [
        laid.anchors[pe.exhibit.anchor] for pe in prepared if pe.exhibit.anchor in laid.anchors
    ]
    appendix = laid.anchors.get("integrity")
    if not firsts or appendix is None:
        return None
    return Lengths(min(firsts) - 1, laid.pages - appendix + 1, layout.tight_appendix)


def _settle_back(
    render: Render,
    prepared: list[PreparedExhibit],
    paper: str,
    layout: PageLayout,
    part: Part,
    first: Job | None = None,
) -> tuple[Job, PageLayout] | None:
    """Lay `part` (the back or the exhibits) out until what it measures settles (normally
    once; `first`: its first pass, started already); None when it does not. A pass lays out
    again only the pieces whose HTML changed (Render.started_from)."""
    job = first or render(layout, part)
    job, layout = _tighten_early(render, prepared, paper, layout, part, job)
    for n in range(3):
        back = job.laid()
        layout = measure_layout(prepared, back.anchors, back.boxes, paper, layout)
        if layout.whole:  # settled: `back` was laid out with what it measured
            return job, layout
        if n == 2:
            break
        job = render(layout, part, job)
    job.cancel()
    return None


def _tighten_early(
    render: Render,
    prepared: list[PreparedExhibit],
    paper: str,
    layout: PageLayout,
    part: Part,
    job: Job,
) -> tuple[Job, PageLayout]:
    """The appendix set tighter as soon as its own piece ends on a nearly empty page, while
    the exhibits are still laid out: what decides it is in the appendix alone, and its HTML
    depends on nothing the exhibits measure. (The images case's 200 screenshots: the tighter
    appendix is laid out beside them instead of after them.)"""
    if layout.tight_appendix or not isinstance(job, JobGroup):
        return job, layout
    appendix = job.jobs[-1]
    if not starts_with(appendix.html, "appendix"):
        return job, layout
    laid = appendix.laid()
    if not measure_layout(prepared, laid.anchors, laid.boxes, paper, layout).tight_appendix:
        return job, layout
    tighter = replace(layout, tight_appendix=True)
    return render(tighter, part, job), tighter


def _refs(prepared: list[PreparedExhibit]) -> list[str]:
    return [a for pe in prepared for a in (pe.exhibit.anchor, f"{pe.exhibit.anchor}-end")]


def _lay_out_apart(render: Render, prepared: list[PreparedExhibit], paper: str) -> LaidOut | None:
    """The exhibits and the appendix until they settle; then the front matter once, its page
    references written in when its own length is known (_numbered), while the back is written.
    None when the parts disagree."""
    settled = _settle_back(render, prepared, paper, PageLayout(), Part("back"))
    if settled is None:
        return None
    back, layout = settled
    return _numbered(render, prepared, paper, layout, back)


def _digits(back_pages: int) -> int:
    """Digits enough for every page number, for a front matter shorter than nine times the
    back (else laid out again with more, see _numbered)."""
    return len(str(back_pages)) + 1


# Anchors in the front matter that it refers to by page (the cover: the proof table).
FRONT_REFS = ("proof",)


def _stand_ins(refs: list[str], digits: int) -> Part:
    """The front matter with a stand-in of `digits` digits for each page reference (to the
    back, and to its own FRONT_REFS: its pieces are cut anywhere)."""
    return Part("front", tuple((a, "8" * digits) for a in [*refs, *FRONT_REFS]))


def _numbered(
    render: Render,
    prepared: list[PreparedExhibit],
    paper: str,
    layout: PageLayout,
    back: Job,
    early: Job | None = None,
) -> LaidOut | None:
    """The front matter laid out once, without waiting for its own length: each page
    reference is a stand-in of as many digits as any page number may have, and the numbers
    are written over them once its length gives them (render/weasy.py: fill_numbers); then
    the page numbers of all (numbers.html.j2), laid out apart once the page count is known.
    `early`: the front matter laid out with the previous build's lengths, kept when its HTML
    is the same."""
    local = back.laid().anchors
    refs = [a for a in _refs(prepared) if a in local]
    digits = _digits(back.pages)
    for _ in range(2):  # a second round only for a front matter as long as nine backs
        front = _reuse(early, _stand_ins(refs, digits), layout, render)
        total = front.pages + back.pages
        if len(str(total)) <= digits:
            own = front.kept().anchors
            pageno = tuple((a, str(front.pages + local[a])) for a in refs) + tuple(
                (a, str(own[a])) for a in FRONT_REFS if a in own
            )
            front.fill(dict(pageno))
            numbers = render(layout, Part("numbers", total=total))
            return _joined(prepared, paper, layout, pageno, [front, back], numbers)
        front.cancel()
        digits, early = len(str(total)), None
    return None


def _guess(prepared: list[PreparedExhibit], previous: Lengths) -> tuple[frozenset[str], int]:
    """The exhibits that fit on one page in the previous build, when it had the same ones, and
    its back's length: the front matter is laid out with them while the back is (kept when
    the back's own agree)."""
    was = {label: (first, last) for label, first, last in previous.exhibits}
    if len(was) != len(prepared) or any(pe.exhibit.label not in was for pe in prepared):
        return frozenset(), 0
    one = frozenset(pe.exhibit.anchor for pe in prepared if len(set(was[pe.exhibit.label])) == 1)
    return one, previous.total - previous.front


def _lay_out_known(
    render: Render,
    prepared: list[PreparedExhibit],
    paper: str,
    previous: Lengths,
) -> LaidOut | None:
    """With the previous build's lengths: the front matter (with last build's one-page
    exhibits, and stand-ins of as many digits as its page count needed) and the back at once,
    each in a process of its own; the front matter again only when those changed."""
    # Set tighter as last time when its HTML is the same (see Lengths), else measured again: as
    # a first build would decide.
    layout = PageLayout(tight_appendix=previous.tight)
    one, back_pages = _guess(prepared, previous)
    early = None
    if back_pages > 0:
        was = PageLayout(one, tight_appendix=previous.tight, whole=True)
        early = render(was, _stand_ins(_refs(prepared), _digits(back_pages)))
    settled = _settle_back(render, prepared, paper, layout, Part("back"))
    if settled is None:
        if early is not None:
            early.cancel()
        return None
    back, layout = settled
    return _numbered(render, prepared, paper, layout, back, early)


def _reuse(early: Job | None, part: Part, layout: PageLayout, render: Render) -> Job:
    """The part laid out early when its HTML is what `part` has now (the same stand-ins and
    what the exhibits measured), else `part` laid out now."""
    html = render.html(layout, part)
    if early is not None:
        if early.html == html:
            return early
        early.cancel()
    return render.started_from(html, part)


def _joined(
    prepared: list[PreparedExhibit],
    paper: str,
    layout: PageLayout,
    pageno: tuple[tuple[str, str], ...],
    parts: list[Job],
    numbers: Job,
) -> LaidOut | None:
    """The parts' pages as one dossier, when its page numbers are those written into the
    front matter and its one-page exhibits those the parts measured; else None. `numbers`:
    the page numbers of all, after them."""
    laid = joined_layout([job.kept() for job in parts])
    agree = all(laid.anchors.get(a) == int(n) for a, n in pageno)
    joined = measure_layout(prepared, laid.anchors, laid.boxes, paper, layout)
    if not agree or joined.one_page != layout.one_page:
        for job in [*parts, numbers]:
            job.cancel()
        return None
    return LaidOut(laid, [*parts, numbers], _lengths_of(laid, prepared, layout), laid.pages)


SLOT_CAPTION_MM = 9.0  # room for the caption line under an included page
SHORT_TAIL = 0.3  # an appendix page filled less than this share is a wasted page
MIN_FIRST_SLOT = 0.45  # a first page scaled below this share of the box: on its own page


def measure_layout(
    prepared: list[PreparedExhibit],
    anchors: dict[str, int],
    boxes: dict[str, tuple[int, float, float, float, float]],
    paper: str,
    previous: PageLayout | None = None,
    last: bool = False,
) -> PageLayout:
    """Read a layout pass: one-page exhibits, where each first slot's header band ends, and
    whether the appendix ends on a nearly empty page (once tightened, it stays tight). The
    next pass is whole once the exhibits' inputs settle, or when it is the `last`."""
    one = frozenset(
        pe.exhibit.anchor
        for pe in prepared
        if pe.exhibit.anchor in anchors
        and anchors[pe.exhibit.anchor] == anchors.get(f"{pe.exhibit.anchor}-end")
    )
    full = content_box_mm(paper)[1] - SLOT_CAPTION_MM
    firsts = []
    for pe in prepared:
        for sl in pe.slots:
            top = boxes.get(f"{sl.id}-top")
            if top is None:
                continue
            # The marker's bottom edge, in PDF points from the page bottom, to mm above the
            # bottom margin; less the caption line and 2 mm for rounding.
            room = top[2] / 72 * 25.4 - MARGIN_MM["bottom"] - SLOT_CAPTION_MM - 2
            if room >= full * MIN_FIRST_SLOT:
                firsts.append((sl.id, round(min(room, full), 1)))
    tight = bool(previous and previous.tight_appendix)
    end = boxes.get("integrity-end")
    if end is not None and end[0] > anchors.get("integrity", end[0]):
        page_h = PAPER_MM.get(paper, PAPER_MM["A4"])[1]
        used = page_h - MARGIN_MM["top"] - end[2] / 72 * 25.4
        tight = tight or used < content_box_mm(paper)[1] * SHORT_TAIL
    settled = previous is not None and (tuple(firsts), tight) == (
        previous.first_slot_mm,
        previous.tight_appendix,
    )
    return PageLayout(one, tuple(firsts), tight, whole=settled or last)


INDEX_FONT_PT = 8.0  # .index-table
NOTE_PT = 8.5  # .note (how a capture time was found, under it)
INDEX_PAD_PT = 3 * 72 / 25.4 + 0.5  # cell padding (1.5 mm a side) and border
_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
_LATIN_WORD = re.compile(r"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+")


def _pt(text: str, size: float = INDEX_FONT_PT) -> float:
    """Estimated width of a line of text: CJK 1 em, Latin letters and digits ~0.56 em."""
    wide = len(_WIDE.findall(text))
    return size * (wide + 0.56 * (len(text) - wide))


def index_widths(exhibits: list[dict[str, Any]], width_pt: float, lang: str) -> list[float]:
    """Column widths (percent) of the evidence index from its content: the label, kind,
    capture time and pages on one line; title, source and what it proves share the rest by
    what they hold, so a column nobody filled in stays narrow. A 300-exhibit index with fixed
    widths was 24 pages of five-line rows, and the index is laid out in every pass."""
    head = [t(h, lang) for h in ("no", "exhibit", "kind", "title", "source", "proves")]
    rows = [
        (
            str(k),
            ex["label"],
            ex["kind_label"],
            ex["title"],
            ex["source"] or "",
            " ".join(x for x in (ex["proves"], ex["ocr_found"]) if x),
            ex["captured"] or t("unknown", lang),
            ex["captured_how"],
        )
        for k, ex in enumerate(exhibits, start=1)
    ]

    def longest(i: int, cap: float = 1e9, size: float = INDEX_FONT_PT) -> float:
        return min(cap, max((_pt(r[i], size) for r in rows), default=0.0))

    def word(i: int) -> float:
        """The widest Latin word of a column (Chinese breaks anywhere, a word only at its
        ends): a column narrower than that breaks it mid-word ("Transacti-on")."""
        words = (w for r in rows for w in _LATIN_WORD.findall(r[i]))
        # A tenth over the estimate: capitals and "m" are wider than the average letter. An
        # address or URL longer than 8 em breaks at its punctuation anyway.
        return min(INDEX_FONT_PT * 8, max((_pt(w) * 1.1 for w in words), default=0.0))

    # Headers wrap after about four characters; body cells set the width.
    heads = [min(_pt(h, INDEX_FONT_PT * 1.05), INDEX_FONT_PT * 4.2) for h in head]
    fixed = {
        0: max(heads[0], longest(0)),
        1: max(heads[1], longest(1)),
        2: max(heads[2], longest(2, INDEX_FONT_PT * 4), word(2)),
        # The capture time, and under it how it was found, in the notes' larger type.
        6: max(longest(6), longest(7, NOTE_PT * 10, NOTE_PT), INDEX_FONT_PT * 4.2),
        7: _pt("888–888"),
        8: 12 * 0.6 * 6.5,  # 12 hex digits, 6.5 pt mono
    }
    wants = {
        3: max(heads[3], longest(3, INDEX_FONT_PT * 12)),
        4: max(heads[4], longest(4, INDEX_FONT_PT * 22)),
        5: max(heads[5], longest(5, INDEX_FONT_PT * 16)),
    }
    fixed = {i: w + 1.5 for i, w in fixed.items()}  # estimates, not measures: no wrap by a hair
    # Each shared column gets its widest word first, then a share of the rest by what it holds.
    # The fixed columns (times, pages, hashes) come first: floors shrink to what is left.
    floors = {i: min(max(word(i), heads[i]) + 1.5, wants[i]) for i in wants}
    left = max(width_pt - INDEX_PAD_PT * 9 - sum(fixed.values()), 0.0)
    if sum(floors.values()) > left:
        floors = {i: f * left / sum(floors.values()) for i, f in floors.items()}
    room = left - sum(floors.values())
    share = max(room, 0.0) / (sum(wants[i] - floors[i] for i in wants) or 1.0)
    widths = {**fixed, **{i: floors[i] + (w - floors[i]) * share for i, w in wants.items()}}
    total = sum(widths[i] + INDEX_PAD_PT for i in range(9))
    return [round(100 * (widths[i] + INDEX_PAD_PT) / total, 2) for i in range(9)]


def fmt_time(value: datetime | None, tz: ZoneInfo) -> str:
    """A time in the case time zone, to the minute (seconds when present); times are aware."""
    if value is None:
        return ""
    require_aware(value, "a time shown in the dossier")  # astimezone would guess a naive one
    local = value.astimezone(tz)
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")


def fmt_build_time(value: datetime, tz: ZoneInfo, tzname: str) -> str:
    """Generation time with its zone spelled out."""
    local = value.astimezone(tz)
    off = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} UTC{off[:3]}:{off[3:]} ({tzname})"


def fmt_date(value: datetime, tz: ZoneInfo, lang: str) -> str:
    """A letter's date: 2025年12月1日 / December 1, 2025 (two fixed forms: no locale library)."""
    d = value.astimezone(tz)
    if lang == "zh-CN":
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{_MONTHS[d.month - 1]} {d.day}, {d.year}"  # %B would follow the machine's locale


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


# A statement that already turns to its reader needs no salutation of ours.
_SALUTED = re.compile(r"^\s*(?:#+\s*)?(?:尊敬的|致\s*\S|Dear\b|To whom\b)", re.IGNORECASE)
# What a court's evidence list says each exhibit is, by kind (the manifest's presented_as wins).
PRESENTED = {
    "product": "printout",
    "transaction": "printout",
    "shipping": "printout",
    "chat": "printout",
    "document": "copy",
    "note": "original",
}


def letter_context(case: Case, build_time: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """The cover document for the profile's recipient, in the case language."""
    lang = case.language
    info = case.info
    view = letter_view(case.profile, lang, info.dispute, info.submitted_to)
    first = next(
        (
            ln
            for ln in (case.statement_text or "").splitlines()
            if ln.strip() and not ln.lstrip().startswith("# ")
        ),
        "",
    )
    return {
        "kind": view.kind,
        "title": view.title or t(f"doc_{view.kind}", lang),
        "recipient": view.recipient,
        "addressee": view.addressee,
        "salutation": "" if _SALUTED.match(first) else view.salutation or t("salutation", lang),
        "closing": t("closing", lang),
        "signer_label": t(
            f"signer_{view.kind}" if view.kind != "evidence_list" else "court_submitter", lang
        ),
        "signer": info.prepared_by or "",
        "date": fmt_date(build_time, tz, lang),
        "reason_label": view.reason_label or t("reason", lang),
        "reason": view.reason,
        "reason_given": view.reason_given,
        "outcome": view.outcome,
        "presented": {
            ex.anchor: t(f"presented_{ex.item.presented_as or PRESENTED[ex.kind]}", lang)
            for ex in case.exhibits
        },
    }


def _split(template: str) -> tuple[str, str]:
    a, _, b = template.partition("\0")
    return a, b


def exhibit_capture(
    pe: PreparedExhibit, infos: dict[str, SourceInfo], lang: str
) -> tuple[datetime | None, str]:
    """The exhibit's capture time (manifest, else the earliest of its files) and how."""
    ex = pe.exhibit
    if ex.captured_at:
        return ex.captured_at, "manifest"
    files = [*ex.files, *(x for x in (ex.table_file, ex.events_file, ex.transcript_file) if x)]
    known = [
        (infos[f.rel].captured_at, infos[f.rel].captured_how)
        for f in files
        if infos[f.rel].captured_at is not None
    ]
    if not known:
        return None, "unknown"
    strong = [k for k in known if k[1] not in WEAK_METHODS]
    known = strong or known  # a file time only when nothing better is known
    when, how = min(known, key=lambda x: x[0])  # type: ignore[arg-type,return-value]
    return when, how


DELIVERED = re.compile(r"签收|妥投|已送达|delivered|signed for", re.IGNORECASE)
LEDGER_ROWS = 120  # more rows than this: the fast ledger layout (see render/ledger.py)
CHAT_BUBBLES = 300  # more messages than this: the compact transcript layout (render/ledger.py)
CHAT_TIMELINE_EACH = 12  # up to this many messages: each on the timeline; more: a line a day


def chat_view(messages: list[Message], tz: ZoneInfo, lang: str) -> list[dict[str, object]]:
    """Messages for the template: a day separator where the day changes, text escaped."""
    out: list[dict[str, object]] = []
    day = None
    for m in messages:
        local = m.at.astimezone(tz)
        this_day = local.strftime("%Y-%m-%d")
        side = "right" if m.role == "seller" else ("center" if m.role == "platform" else "left")
        out.append(
            {
                "day": this_day if this_day != day else "",
                "time": local.strftime("%H:%M:%S" if local.second else "%H:%M"),
                "sender": m.sender,
                "role": t(f"role_{m.role}", lang),
                "side": side,
                "html": Markup("<br>").join(escape(m.text).split("\n")),
                # For a pre-line element: its line breaks without a <br> each to lay out (a
                # lone CR, which HTML reads as a line break, stays the space it showed as).
                "lines": escape(m.text.replace("\r\n", "\n").replace("\r", " ")),
                "text": m.text,
            }
        )
        day = this_day
    return out


def chat_lines(messages: list[Message], tz: ZoneInfo, lang: str) -> list[ChatLine]:
    """Messages for the compact layout."""
    out = []
    day = None
    for m in messages:
        local = m.at.astimezone(tz)
        this_day = local.strftime("%Y-%m-%d")
        clock = local.strftime("%H:%M:%S" if local.second else "%H:%M")
        role = t(f"role_{m.role}", lang)
        head = (
            f"{m.sender}（{role}） {clock}" if lang == "zh-CN" else f"{m.sender} ({role}) {clock}"
        )
        out.append(ChatLine(this_day if this_day != day else "", head, m.text, m.role == "seller"))
        day = this_day
    return out


def chat_timeline(messages: list[Message], tz: ZoneInfo, lang: str) -> list[tuple[datetime, str]]:
    """Timeline entries for a transcript: each message when few, else one line per day."""
    if len(messages) <= CHAT_TIMELINE_EACH:
        return [
            (
                m.at,
                f"{m.sender}：{m.text[:60]}" if lang == "zh-CN" else f"{m.sender}: {m.text[:60]}",
            )
            for m in messages
        ]
    days: dict[str, list[Message]] = {}
    for m in messages:
        days.setdefault(m.at.astimezone(tz).strftime("%Y-%m-%d"), []).append(m)
    out = []
    for msgs in days.values():
        counts = {r: sum(1 for m in msgs if m.role == r) for r in ("buyer", "seller")}
        out.append(
            (
                msgs[0].at,
                t("chat_day", lang, n=len(msgs), buyer=counts["buyer"], seller=counts["seller"]),
            )
        )
    return out


def short_order_ids(ids: list[str]) -> dict[str, str]:
    """Order id -> its shortest tail (4+ characters) that no other case order shares: '…8901'."""
    out = {}
    for oid in ids:
        n = 4
        while n < len(oid) and any(o != oid and o.endswith(oid[-n:]) for o in ids):
            n += 1
        out[oid] = oid if n >= len(oid) - 1 else "…" + oid[-n:]
    return out


def order_exhibits(case: Case, prepared: list[PreparedExhibit]) -> dict[str, Exhibit]:
    """Each order's own transaction exhibit: one naming it, else one whose rows show its id."""
    tx = [pe for pe in prepared if pe.exhibit.kind == "transaction"]
    out: dict[str, Exhibit] = {}
    for o in case.info.orders:
        named = next((pe.exhibit for pe in tx if o.id in pe.exhibit.orders), None)
        if named is None:  # rows are looked through only then (50 orders, 100 tables)
            named = next(
                (
                    pe.exhibit
                    for pe in tx
                    if pe.table and any(c.strip() == o.id for r in pe.table.rows for c in r)
                ),
                None,
            )
        if named is not None:
            out[o.id] = named
    return out


def _in_file_order(
    ex: Exhibit, images: list[dict[str, object]], slots: dict[str, list[dict[str, object]]]
) -> list[dict[str, object]]:
    """Images and included PDF pages in the order the manifest lists their files."""
    by_rel: dict[str, list[dict[str, object]]] = {}
    for img in images:
        by_rel.setdefault(str(img["rel"]), []).append(img)
    out: list[dict[str, object]] = []
    for f in ex.files:
        out.extend(by_rel.get(f.rel, []))
        out.extend(slots.get(f.rel, []))
    return _paired(out)


def _paired(blocks: list[dict[str, object]]) -> list[dict[str, object]]:
    """Half-width images two to a row, each row a block of its own ("pair"): WeasyPrint lays a
    run of inline figures in one block out again and again as pages break (the images case's
    200 screenshots: a third of its layout time); the rows of pairs look the same."""
    out: list[dict[str, object]] = []
    for b in blocks:
        last = out[-1] if out else None
        if b.get("half") and last and last["type"] == "pair" and len(last["figures"]) < 2:  # type: ignore[arg-type]
            last["figures"].append(b)  # type: ignore[attr-defined]
        elif b.get("half"):
            out.append({"type": "pair", "figures": [b]})
        else:
            out.append(b)
    return out


def page_box_context(case: Case, paper: str) -> dict[str, Any]:
    """What the page box and its numbers need."""
    return {
        "lang": case.language,
        "paper": paper,
        "margin": MARGIN_MM,
        # Where the page numbers' line starts (numbers.css.j2: 3 mm into the bottom margin).
        "numbers_top": PAPER_MM.get(paper, PAPER_MM["A4"])[1] - MARGIN_MM["bottom"] + 3,
        "bates_prefix": case.bates_prefix,
        "bates_digits": 6,
        "page_of": _page_of(case.language),
    }


def _page_of(lang: str) -> list[str]:
    """The words of "page N of M" around its two numbers: [before N, between, after M]."""
    return t("page_of", lang, n="\0", m="\0").split("\0")


def page_refs(part: Part) -> dict[str, Markup]:
    """The stand-in for the page of each anchor the part refers to: a text box of its own
    (render/weasy.py: fill_numbers), found by its anchor."""
    return {
        a: Markup('<span class="{}" data-ref="{}">{}</span>').format(PAGE_REF, a, n)
        for a, n in part.pageno
    }


def page_numbers(case: Case, lang: str, total: int) -> list[tuple[str, str]]:
    """Each page's Bates number and "page N of M", as the page box of a dossier laid out whole
    shows them (numbers.css.j2)."""
    of = _page_of(lang)
    return [
        (f"{case.bates_prefix}-{n:06d}", f"{of[0]}{n}{of[1]}{total}{of[2]}")
        for n in range(1, total + 1)
    ]


def build_context(
    case: Case,
    prepared: list[PreparedExhibit],
    infos: dict[str, SourceInfo],
    build_time: datetime,
    paper: str,
    layout: PageLayout | None = None,
    laying: Part | None = None,
    tables: dict[int, TableLayout] | None = None,
) -> dict[str, Any]:
    """The full template context; `layout` is what an earlier layout pass measured, `laying`
    what this pass lays out (by default: what `layout` says). `tables`: the exhibits' tables
    as an earlier pass of the same build set them out (by id of the exhibit), filled here: the
    context is made for each part and pass, and a table is measured cell by cell."""
    if laying is not None and laying.kind == "numbers":  # the page numbers: none of the rest
        return {**_document_context(case, build_time, paper), "part": "numbers",
                "numbers": page_numbers(case, case.language, laying.total)}  # fmt: skip
    lang = case.language
    tz = ZoneInfo(case.timezone)
    info = case.info
    box_w = content_box_mm(paper)[0]

    layout = layout or PageLayout()
    first_slot = dict(layout.first_slot_mm)
    exhibits = []
    timeline: list[tuple[datetime, int, str, str | None, str]] = []
    several = len(info.orders) > 1
    short = short_order_ids([o.id for o in info.orders])
    proof = proof_context(case, tz)
    order_heads: dict[str, str] = proof["heads"] if proof else {}
    members: set[str] = proof["members"] if proof else set()
    for pe in prepared:
        ex = pe.exhibit
        item = ex.item
        when, how = exhibit_capture(pe, infos, lang)
        images = []
        blocks: dict[str, list[dict[str, object]]] = {}
        for sl in pe.slots:
            blocks.setdefault(sl.rel, []).append(
                {
                    "type": "slot",
                    "id": sl.id,
                    "height_mm": first_slot.get(sl.id, sl.height_mm),
                    "new_page": sl.new_page and sl.id not in first_slot,
                    "caption": sl.caption,
                }
            )
        for rel, img in pe.images:
            for part in img.parts:
                caption = rel
                if part.parts > 1:
                    caption += " — " + t("part", lang, k=part.part, n=part.parts)
                images.append(
                    {
                        "type": "image",
                        "url": ASSET_BASE + part.name,
                        "caption": caption,
                        "rel": rel,
                        "width_mm": part.width_mm,
                        "half": part.parts == 1 and part.width_mm <= box_w * 0.495,
                        "height_mm": part.height_mm,
                        "words": text_layer(pe.ocr[rel], part.span, part.width_mm, part.height_mm)
                        if rel in pe.ocr and part.frame == 1
                        else [],
                    }
                )
        table_note = ""
        ledger: list[LedgerPage] = []
        table_view: TableLayout | None = None
        if pe.table is not None:
            tb = pe.table
            table_note = (
                t("rows_all", lang, total=tb.total_rows)
                if tb.shown_rows == tb.total_rows
                else t("rows_shown", lang, shown=tb.shown_rows, total=tb.total_rows)
            )
            if tb.matched_rows > tb.shown_rows:
                table_note += " · " + t(
                    "rows_limited", lang, shown=tb.shown_rows, matched=tb.matched_rows
                )
            heads, body, dropped = drop_empty(tb.headers, tb.rows)
            if dropped:
                table_note += " · " + t("cols_dropped", lang, names=", ".join(dropped))
            table_view = tables.get(id(pe)) if tables is not None else None
            if table_view is None:
                table_view = layout_table(
                    tb.headers, tb.rows, tb.highlighted, tb.keys, box_w / 25.4 * 72, 7.5
                )
                if tables is not None:
                    tables[id(pe)] = table_view
            if len(table_view.parts) > 1:
                table_note += " · " + t("cols_split", lang, n=len(heads), m=len(table_view.parts))
            # Too wide or too long: the ledger (monospace, cut into column parts by
            # evidencekit) is compact and fast; an HTML table of parts was 27 pages in 40 s.
            if len(tb.rows) > LEDGER_ROWS or len(table_view.parts) > 1:
                ledger = ledger_pages(
                    heads,
                    body,
                    list(tb.highlighted),
                    t("rows_page", lang, a="{a}", b="{b}", n="{n}")
                    + ("" if tb.shown_rows == tb.total_rows else " · " + table_note),
                    line_chars=int(box_w / 25.4 * 72 / 3.5) - 2,
                    first_lines=int((content_box_mm(paper)[1] - 85) / 25.4 * 72 / 9.6),
                    page_lines=int((content_box_mm(paper)[1] - 12) / 25.4 * 72 / 9.6),
                    keys=tb.keys,
                    part_note=t("cols_part", lang, k="{k}", m="{m}", repeat="{key}"),
                )
        ordered = sorted(ex.events, key=lambda e: e.at)
        final = next(
            (e for e in ordered if DELIVERED.search(e.status)), ordered[-1] if ordered else None
        )
        events = [
            {
                "time": fmt_time(e.at, tz),
                "location": e.location,
                "status": e.status,
                "final": e is final,
            }
            for e in ordered
        ]
        ship_compare = None
        if isinstance(item, ShippingEvidence):
            # The exhibit's own order(s), never another order's address.
            ship_tos = list(
                dict.fromkeys(o.ship_to for o in info.orders if o.id in ex.orders and o.ship_to)
            )
            if ship_tos and item.delivered_to:
                ship_compare = (" / ".join(ship_tos), item.delivered_to)
        # With several orders, entries say which order and waybill they belong to.
        tags: list[str] = []
        if several and ex.orders:
            tags.append(t("order_ref", lang, id=", ".join(short[o] for o in ex.orders)))
        if several and isinstance(item, ShippingEvidence) and item.tracking_number:
            tags.append(item.tracking_number)
        tag = " · ".join(tags)
        exhibits.append(
            {
                "id": ex.id,
                "label": ex.label,
                "anchor": ex.anchor,
                "one_page": ex.anchor in layout.one_page,
                "kind": ex.kind,
                "kind_label": t(f"kind_{ex.kind}", lang),
                "title": item.title,
                "source": item.source,
                "proves": item.proves,
                "description_html": markdown_to_html(item.description) if item.description else "",
                "captured": fmt_time(when, tz),
                "captured_how": t(f"how_{how}", lang) if when else "",
                "files": [
                    {"rel": f.rel, "sha256": infos[f.rel].sha256, "size": infos[f.rel].size}
                    for f in [
                        *ex.files,
                        *(x for x in (ex.table_file, ex.events_file, ex.transcript_file) if x),
                    ]
                ],
                "images": images,
                "ocr_found": ocr_summary(pe.ocr.values(), lang, ex.orders),
                "blocks": _in_file_order(ex, images, blocks),
                "table": pe.table if not ledger else None,
                "table_view": table_view,
                "ledger": ledger,
                "messages": chat_view(pe.messages, tz, lang)
                if len(pe.messages) <= CHAT_BUBBLES
                else [],
                "chat_pages": chat_pages(
                    chat_lines(pe.messages, tz, lang),
                    t("messages_page", lang, a="{a}", b="{b}", n="{n}"),
                    line_chars=int(box_w / 25.4 * 72 / 4.0) - 2,
                    first_lines=int((content_box_mm(paper)[1] - 85) / 25.4 * 72 / 10.8),
                    page_lines=int((content_box_mm(paper)[1] - 12) / 25.4 * 72 / 10.8),
                )
                if len(pe.messages) > CHAT_BUBBLES
                else [],
                "table_note": table_note,
                "table_has_highlight": bool(pe.table and any(pe.table.highlighted)),
                "events": events,
                "carrier": getattr(item, "carrier", None),
                "tracking_number": getattr(item, "tracking_number", None),
                "ship_compare": ship_compare,
                "orders": list(ex.orders) if several else [],
                "order_head": order_heads.get(ex.anchor, ""),
                "in_order": ex.anchor in members,
            }
        )
        if when and how not in WEAK_METHODS:  # a file time is no fact for the timeline
            timeline.append((when, 3, t("captured", lang, title=item.title), ex.anchor, ex.label))
        for e in ex.events:
            text = " ".join(x for x in (e.location, e.status) if x)
            text = f"{tag} · {text}" if tag else text
            timeline.append((e.at, 2, text, ex.anchor, ex.label))
        read = [] if pe.messages else ocr_messages(pe.ocr.values(), lang)  # marked as OCR
        for when_msg, text in chat_timeline(pe.messages or read, tz, lang):
            text = f"{t('ocr_read', lang)} · {text}" if read else text
            text = f"{tag} · {text}" if tag else text
            timeline.append((when_msg, 2, text, ex.anchor, ex.label))

    by_id = {ex.id: ex for ex in case.exhibits}
    own_exhibit = order_exhibits(case, prepared)

    for ev in info.timeline:
        ref = by_id.get(ev.exhibit) if ev.exhibit else None
        timeline.append((ev.at, 0, ev.event, ref.anchor if ref else None, ref.label if ref else ""))
    orders = []
    for o in info.orders:
        tx = own_exhibit.get(o.id)
        amount = f"{o.amount} {o.currency or ''}".strip() if o.amount is not None else ""
        orders.append(
            {
                "id": o.id,
                "placed": fmt_time(o.placed_at, tz),
                "amount": amount,
                "ship_to": o.ship_to,
            }
        )
        if o.placed_at:
            timeline.append(
                (
                    o.placed_at,
                    1,
                    t("order_placed", lang, id=o.id),
                    tx.anchor if tx else None,
                    tx.label if tx else "",
                )
            )
        if o.paid_at:
            timeline.append(
                (
                    o.paid_at,
                    1,
                    t("order_paid", lang, id=o.id),
                    tx.anchor if tx else None,
                    tx.label if tx else "",
                )
            )
    dispute = None
    if info.dispute:
        d = info.dispute
        dispute = {
            "reason": d.reason,
            "opened": fmt_time(d.opened_at, tz),
            "claim": d.claim,
            "requested_outcome": d.requested_outcome,
            "case_number": d.case_number,
        }
        if d.opened_at:
            timeline.append(
                (d.opened_at, 1, t("dispute_opened", lang, reason=d.reason or ""), None, "")
            )
    timeline.sort(key=lambda x: (x[0], x[1]))

    exhibit_labels: dict[str, list[str]] = {}
    for ex in case.exhibits:
        for f in [
            *ex.files,
            *(x for x in (ex.table_file, ex.events_file, ex.transcript_file) if x),
        ]:
            exhibit_labels.setdefault(f.rel, []).append(ex.label)
    image_rels = {rel for pe in prepared for rel, _ in pe.images}
    sources = []
    for sf in case.sources():
        si = infos[sf.rel]
        sources.append(
            {
                "rel": sf.rel,
                "size": si.size,
                "sha256": si.sha256,
                "captured": fmt_time(si.captured_at, tz),
                "how": t(f"how_{si.captured_how}", lang),
                "exhibits": ", ".join(exhibit_labels.get(sf.rel, [t("statement", lang)])),
                "note": t("shown_copy", lang) if sf.rel in image_rels else "",
            }
        )

    pshort = _split(t("page_short", lang, n="\0"))
    return {
        **_document_context(case, build_time, paper),
        "profile": case.profile,
        "pshort": pshort,
        "orders": orders,
        "dispute": dispute,
        "statement_html": markdown_to_html(case.statement_text) if case.statement_text else "",
        "statement_titled": bool(
            case.statement_text and case.statement_text.lstrip().startswith("# ")
        ),
        "colon": "：" if lang == "zh-CN" else ": ",
        "paren": ("（", "）") if lang == "zh-CN" else (" (", ")"),
        "exhibits": exhibits,
        "proof": proof,
        "letter": (letter := letter_context(case, build_time, tz)),
        "index_title": t("index_technical" if letter["kind"] == "evidence_list" else "index", lang),
        "index_widths": index_widths(exhibits, box_w / 25.4 * 72, lang),
        "appendix_tight": layout.tight_appendix,
        "part": laying.kind if laying else ("whole" if layout.whole else "back"),
        "pageno": page_refs(laying) if laying else {},
        "numbers": page_numbers(case, lang, laying.total if laying else 0),
        "timeline": [
            {"time": fmt_time(when, tz), "text": text, "anchor": anchor, "label": label}
            for when, _, text, anchor, label in timeline
        ],
        "timezone": case.timezone,
        "sources": sources,
        "build_time": fmt_build_time(build_time, tz, case.timezone),
    }


def _document_context(case: Case, build_time: datetime, paper: str) -> dict[str, Any]:
    """What every part's document head and page box need."""
    info = case.info
    subject = " · ".join(
        x
        for x in (
            info.dispute.reason if info.dispute else None,
            info.submitted_to,
            ", ".join(o.id for o in info.orders),
        )
        if x
    )
    return {
        **page_box_context(case, paper),
        "case": info,
        "footer_right": f"evidencekit {__version__}",
        "version": __version__,
        "build_time_iso": build_time.isoformat(),
        "subject": subject,
        "keywords": ", ".join([info.id, case.profile.name, *(o.id for o in info.orders)]),
    }
