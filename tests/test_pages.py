"""No wasted pages: one-page ranges read "p. 6", included PDFs start under their header band,
no nearly empty appendix or screenshot pages. Checked by structure and text per page."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from evidencekit.pipeline import BuildOptions, build
from evidencekit.render.weasy import render_pdf

from .conftest import make_png, write_case

CASE = """\
evidencekit: 1
case:
  id: T-P
  title: Pages
  profile: generic
  language: {lang}
evidence:
  - kind: product
    title: Listing
    files: [shot.png]
    source: shop back office
    proves: the listing
  - kind: document
    title: Invoice
    files: [invoice.pdf]
    source: tax system
    proves: the invoice
"""


def _invoice(path: Path, pages: int) -> Path:
    """A real text PDF of full pages, each headed INCLUDED PAGE n."""
    html = "<style>@page { size: A4; margin: 20mm }</style>" + "".join(
        f"<section style='break-before: page'><h1>INCLUDED PAGE {n}</h1>"
        f"<p>{'Invoice line. ' * 200}</p></section>"
        for n in range(1, pages + 1)
    )
    path.write_bytes(render_pdf(html, {}, identifier=b"1" * 32).pdf)
    return path


KINDS = ('id="index"', 'id="ex-', 'id="integrity"')  # front matter, exhibits, appendix


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[bool, ...], Any]]:
    """Every part the build starts laying out: (its kinds, its job)."""
    import evidencekit.pipeline as pipeline

    real = pipeline.start_part
    started: list[tuple[tuple[bool, ...], Any]] = []

    def spy(html: str, assets: dict[str, Path], **kw: Any) -> Any:
        job = real(html, assets, **kw)
        started.append((tuple(k in html for k in KINDS), job))
        return job

    monkeypatch.setattr(pipeline, "start_part", spy)
    return started


def _build(tmp_path: Path, lang: str, pdf_pages: int = 2) -> list[str]:
    folder = tmp_path / "case"
    folder.mkdir(parents=True)
    _invoice(folder / "invoice.pdf", pdf_pages)
    make_png(folder / "shot.png", (400, 300))
    m = write_case(folder, CASE.format(lang=lang))
    result = build(m, BuildOptions(out_dir=tmp_path / "out"))
    return [p.extract_text() or "" for p in PdfReader(result.pdf_path).pages]


@pytest.mark.parametrize(("lang", "one"), [("en", "p. {n}"), ("zh-CN", "第 {n} 页")])
def test_one_page_exhibit_reads_p_n_not_n_n(tmp_path: Path, lang: str, one: str) -> None:
    pages = _build(tmp_path, lang)
    listing = next(n for n, p in enumerate(pages, 1) if "Listing" in p and "shot.png" in p)
    invoice = next(n for n, p in enumerate(pages, 1) if "INCLUDED PAGE 1" in p)
    index = next(p for p in pages if "SHA-256" in p and ("Evidence index" in p or "证据目录" in p))
    assert one.format(n=listing) in index
    assert f"{listing}–{listing}" not in index
    assert f"{invoice}–{invoice + 1}" in index  # a longer exhibit keeps its range


def test_front_matter_and_exhibits_laid_out_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whole passes laid the 50-order proof dossier out twice over, its index and timeline
    # (pages of page references, each laid out three times by WeasyPrint) in every pass.
    passes = _spy(monkeypatch)
    pages = _build(tmp_path, "en", pdf_pages=2)
    # The exhibits and the appendix until the included PDF's first page settles under its
    # header band, then the front matter once (its page references written in when its own
    # length is known, render/weasy.py: fill_numbers), then the page numbers of all: never two
    # of them at once, and the front matter never counted first.
    # The appendix is a piece of its own, laid out once: the exhibits' second pass left its HTML
    # as it was.
    exhibits, appendix, front = (False, True, False), (False, False, True), (True, False, False)
    numbers = (False, False, False)
    assert [kinds for kinds, _ in passes] == [exhibits, appendix, exhibits, front, numbers]
    # Each part alone, without page numbers: the page numbers of all 7 pages are laid out last,
    # on 7 pages of their own (stamped on when the parts are joined).
    assert [job.laid().pages for _, job in passes[1:]] == [1, 3, 3, 7] and len(pages) == 7
    index = next(p for p in pages if "Evidence index" in p and "SHA-256" in p)
    listing = next(n for n, p in enumerate(pages, 1) if "Listing" in p and "shot.png" in p)
    invoice = next(n for n, p in enumerate(pages, 1) if "INCLUDED PAGE 1" in p)
    assert f"p. {listing}" in index and f"{invoice}–{invoice + 1}" in index
    assert all(f"page {n} of 7" in p for n, p in enumerate(pages, 1))
    reader = PdfReader(tmp_path / "out" / "T-P.pdf")
    targets = {str(a.get_object().get("/Dest")) for a in reader.pages[1].get("/Annots") or []}
    assert {"ex-A", "ex-B", "ex-B-end"} <= targets  # the index links into the exhibits


def test_rebuild_lays_each_part_out_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # With the previous build's front matter and appendix lengths, nothing is laid out with
    # stand-in numbers: the exhibits (until they settle), the front matter, the appendix.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1760000000")  # the same build time twice
    first = _build(tmp_path, "en", pdf_pages=2)
    passes = _spy(monkeypatch)
    result = build(
        tmp_path / "case" / "case.yaml", BuildOptions(out_dir=tmp_path / "out", force=True)
    )
    again = [p.extract_text() or "" for p in PdfReader(result.pdf_path).pages]
    # With last build's exhibit pages and page count, the front matter is laid out at the same
    # time as the exhibits and the appendix (the included PDF's first page settles under its
    # band in a second pass, the appendix's HTML unchanged), and kept: their numbers held.
    exhibits, appendix, front = (False, True, False), (False, False, True), (True, False, False)
    numbers = (False, False, False)
    assert [kinds for kinds, _ in passes] == [front, exhibits, appendix, exhibits, numbers]
    assert [job.laid().pages for _, job in passes] == [3, 4, 1, 3, 7]
    assert again == first
    assert all(f"page {n} of 7" in p for n, p in enumerate(again, 1))
    record = json.loads((tmp_path / "out" / "T-P.evidence.json").read_text(encoding="utf-8"))
    layout = record["layout"]
    assert layout.pop("appendix_html_sha256")
    assert layout == {"front_pages": 3, "appendix_pages": 1, "appendix_tight": False}


def test_front_matter_laid_out_again_when_its_stand_ins_are_too_short(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stand-ins of one digit for a dossier of more than nine pages (as a front matter longer
    # than nine backs would need): laid out again with two, and every number right.
    import evidencekit.render.context as context

    monkeypatch.setattr(context, "_digits", lambda back_pages: 1)
    passes = _spy(monkeypatch)
    pages = _build(tmp_path, "en", pdf_pages=6)
    assert sum(1 for (front, _, _), _ in passes if front) == 2
    assert len(pages) > 9
    assert all(f"page {n} of {len(pages)}" in p for n, p in enumerate(pages, 1))
    index = next(p for p in pages if "Evidence index" in p and "SHA-256" in p)
    invoice = next(n for n, p in enumerate(pages, 1) if "INCLUDED PAGE 1" in p)
    assert f"{invoice}–{invoice + 5}" in index


def test_rebuild_is_byte_identical_to_a_first_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Laid out in three parts from the previous lengths or in two from scratch: the same bytes.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1760000000")
    _build(tmp_path, "zh-CN", pdf_pages=2)
    first = (tmp_path / "out" / "T-P.pdf").read_bytes()
    build(tmp_path / "case" / "case.yaml", BuildOptions(out_dir=tmp_path / "out", force=True))
    assert (tmp_path / "out" / "T-P.pdf").read_bytes() == first


def test_rebuild_after_the_front_matter_grew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The previous lengths are a guess: a front matter longer and an appendix shorter than
    # last time are laid out again, with numbers that hold.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1760000000")
    first = _build(tmp_path, "en", pdf_pages=2)
    m = tmp_path / "case" / "case.yaml"
    record = tmp_path / "out" / "T-P.evidence.json"
    data = json.loads(record.read_text(encoding="utf-8"))
    for ex in data["exhibits"]:  # as if the front matter had been 1 page, the appendix 3
        ex["pages"] = [ex["pages"][0] - 2, ex["pages"][1] - 2]
    data["layout"].update(front_pages=1, appendix_pages=3)
    record.write_text(json.dumps(data), encoding="utf-8")
    result = build(m, BuildOptions(out_dir=tmp_path / "out", force=True))
    again = [p.extract_text() or "" for p in PdfReader(result.pdf_path).pages]
    assert again == first


def test_overridden_front_template_lays_out_whole(tmp_path: Path) -> None:
    # A case's own index template may use page references of its own: whole passes then.
    folder = tmp_path / "case"
    (folder / "templates").mkdir(parents=True)
    (folder / "templates" / "index.html.j2").write_text(
        '<section class="part index" id="index" data-label="Index"><h1>My index</h1>'
        '{% for ex in exhibits %}<p>{{ ex.label }} <a class="pageref" href="#{{ ex.anchor }}">'
        "</a></p>{% endfor %}</section>",
        encoding="utf-8",
    )
    make_png(folder / "shot.png", (400, 300))
    _invoice(folder / "invoice.pdf", 1)
    result = build(write_case(folder, CASE.format(lang="en")), BuildOptions(out_dir=tmp_path / "o"))
    pages = [p.extract_text() or "" for p in PdfReader(result.pdf_path).pages]
    mine = next(p for p in pages if "My index" in p)
    listing = next(n for n, p in enumerate(pages, 1) if "Listing" in p and "shot.png" in p)
    assert f"Exhibit A {listing}" in mine


def test_included_pdf_starts_under_its_header_band(tmp_path: Path) -> None:
    pages = _build(tmp_path, "en", pdf_pages=2)
    head = next(
        n
        for n, p in enumerate(pages, 1)
        if "Exhibit B" in p and "Evidence index" not in p and "Exhibits at a glance" not in p
    )
    assert "tax system" in pages[head - 1]  # the header band
    # The exhibit's first page holds the header band and the PDF's first page, scaled.
    assert "INCLUDED PAGE 1" in pages[head - 1]
    assert "INCLUDED PAGE 2" in pages[head]
    # front matter (cover, index, timeline), Listing, Invoice x2, appendix: nothing else.
    assert len(pages) == 7
    one = _build(tmp_path / "one", "en", pdf_pages=1)
    assert len(one) == 6
    first = next(p for p in one if "INCLUDED PAGE 1" in p)
    assert "tax system" in first


APPENDIX_CASE = """\
evidencekit: 1
case:
  id: T-A
  title: Appendix
  profile: generic
  language: en
evidence:
  - kind: product
    title: Photos
    files: ['photo_*.png']
    source: camera
    proves: the goods
"""


def test_appendix_never_ends_on_a_nearly_empty_page(tmp_path: Path) -> None:
    # 16 files: set as before, the 16th row and "How to verify" spilled onto a page of their own.
    folder = tmp_path / "case"
    for i in range(16):
        make_png(folder / f"photo_{i:03d}.png", (120, 90))
    m = write_case(folder, APPENDIX_CASE)
    result = build(m, BuildOptions(out_dir=tmp_path / "out"))
    pages = [p.extract_text() or "" for p in PdfReader(result.pdf_path).pages]
    appendix = [p for p in pages if "Every source file this dossier shows" in p or "verify" in p]
    start = pages.index(appendix[0])
    tail = pages[start:]
    rows = [p.count("the dossier shows a re-encoded copy") for p in tail]
    assert sum(rows) == 16
    assert "How to verify" in tail[-1]
    assert len(tail) == 1 or rows[-1] >= 3, rows


def test_rebuild_sets_the_same_appendix_tighter_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The appendix lays out as last time (other hashes and digits only): set tighter at once,
    # not laid out loose first, and the PDF is what a first build of the same files makes.
    # Another row: measured again.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1760000000")
    folder = tmp_path / "case"
    for i in range(16):
        make_png(folder / f"photo_{i:03d}.png", (120, 90))
        # Capture times (file times) with seconds: a time at :00 is shown without them, and
        # then the appendix's text is not the same but for its digits (the test failed once
        # a minute).
        os.utime(folder / f"photo_{i:03d}.png", (1760000007 + i, 1760000007 + i))
    m = write_case(folder, APPENDIX_CASE)
    out = tmp_path / "out"
    passes = _spy(monkeypatch)
    build(m, BuildOptions(out_dir=out))
    record = json.loads((out / "T-A.evidence.json").read_text(encoding="utf-8"))
    assert record["layout"]["appendix_tight"] is True
    # The first build lays the appendix out loose, then tighter; the exhibits once: the
    # appendix is laid out again on its own.
    assert sum(1 for (_, exhibits, _), _ in passes if exhibits) == 1
    assert sum(1 for (_, _, appendix), _ in passes if appendix) == 2
    passes.clear()

    def appendix_passes() -> int:  # the appendix, a piece of its own
        n = sum(1 for (_, _, appendix), _ in passes if appendix)
        passes.clear()
        return n

    make_png(folder / "photo_003.png", (120, 91))  # another image: another hash and size
    os.utime(folder / "photo_003.png", (1760000101, 1760000101))  # another time, with seconds
    again = build(m, BuildOptions(out_dir=out)).pdf_path.read_bytes()
    assert appendix_passes() == 1
    first_build = build(m, BuildOptions(out_dir=tmp_path / "cold")).pdf_path.read_bytes()
    assert again == first_build
    passes.clear()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1770000000")  # another build time, in <meta> too
    build(m, BuildOptions(out_dir=out, force=True))
    assert appendix_passes() == 1
    make_png(folder / "photo_016.png", (120, 90))
    again = build(m, BuildOptions(out_dir=out)).pdf_path.read_bytes()
    # Measured again (laid out loose, not set tighter at once), as a first build decides.
    assert appendix_passes() == 1
    cold = build(m, BuildOptions(out_dir=tmp_path / "cold2")).pdf_path.read_bytes()
    assert again == cold


@pytest.mark.parametrize("height", [4200, 4700, 5400, 6100, 9000])
def test_long_screenshot_has_no_short_last_slice(tmp_path: Path, height: int) -> None:
    from evidencekit.assets.images import prepare_image

    src = make_png(tmp_path / "long.png", (1080, height))
    out = prepare_image(src, "long.png", tmp_path, "l", box_mm=(178, 185), overlap=0.04)
    heights = [p.height_mm for p in out.parts]
    assert len(heights) >= 2
    # Slices spread evenly: the last one is as tall as the others (never a sliver on a page).
    assert max(heights) - min(heights) < 0.5, heights
    # And no more parts than needed: one fewer could not cover the image with the overlap.
    covered = (len(heights) - 1) * heights[0] * (1 - 0.04) + heights[0] * 0.04
    assert covered < height / 1080 * out.parts[0].width_mm
