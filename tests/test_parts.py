"""Parts laid out and written apart (render/weasy.py), joined into one PDF (pdf/join.py) with
their links, named destinations and outline, and page numbers stamped on."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pypdf import PdfReader

import evidencekit.render.weasy as weasy
import evidencekit.waiting as waiting
from evidencekit.pdf.postprocess import assemble_pdf

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
STYLE = "<style>@page { size: A5; margin: 15mm } h1 { bookmark-level: 1 }</style>"


def _html(body: str) -> str:
    return f"<html><head>{STYLE}</head><body>{body}</body></html>"


FRONT = _html(
    '<section id="index"><h1>Index</h1><p><a href="#ex-B">to B</a> <a href="#index">self</a>'
    '</p><p style="break-before: page"><a href="#ex-A">to A</a></p></section>'
)
BACK = _html(
    '<section id="ex-A"><h1>Exhibit A</h1><p><a href="#index">back to index</a></p></section>'
    '<section id="ex-B" style="break-before: page"><h1>Exhibit B</h1></section>'
)


def _targets(pdf: bytes) -> list[list[tuple[int, str]]]:
    """Per page: (target page, name) of each link."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        page_of = {p.objgen: i + 1 for i, p in enumerate(doc.pages)}
        names = pikepdf.NameTree(doc.Root.Names.Dests)
        out = []
        for page in doc.pages:
            links = []
            for annot in page.get("/Annots", []):
                assert "/A" not in annot  # no evk-goto: URI left
                name = str(annot.Dest)
                links.append((page_of[names[name][0].objgen], name))
            out.append(sorted(links))
        return out


@pytest.mark.parametrize("forked", [True, False])
def test_parts_join_with_links_between_them(forked: bool) -> None:
    jobs = [
        weasy.start_part(html, {}, identifier=b"1" * 32, forked=forked) for html in (FRONT, BACK)
    ]
    assert [job.pages for job in jobs] == [2, 2]
    laid = weasy.joined_layout([job.kept() for job in jobs])
    assert laid.anchors == {"index": 1, "ex-A": 3, "ex-B": 4}
    pdf = assemble_pdf([p for job in jobs for p in job.pdfs()], {}, [])
    assert _targets(pdf) == [
        [(1, "index"), (4, "ex-B")],
        [(3, "ex-A")],
        [(1, "index")],
        [],
    ]
    reader = PdfReader(io.BytesIO(pdf))
    marks = [(o.title, reader.get_destination_page_number(o) + 1) for o in reader.outline]  # type: ignore[union-attr]
    assert marks == [("Index", 1), ("Exhibit A", 3), ("Exhibit B", 4)]


def test_failed_process_is_laid_out_again_here(monkeypatch: pytest.MonkeyPatch) -> None:
    # A part whose process fails (here: WeasyPrint raising in the child only) is laid out and
    # written by the parent, where an error would be reported.
    parent = os.getpid()
    real = weasy.render_pdf

    def only_here(*args: object, **kw: object) -> weasy.Rendered:
        if os.getpid() != parent:
            raise MemoryError
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(weasy, "render_pdf", only_here)
    job = weasy.start_part(BACK, {}, identifier=b"1" * 32)
    assert job.laid().anchors == {"ex-A": 1, "ex-B": 2}
    (pdf,) = job.pdfs()
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2


def test_numbers_are_stamped_and_taken_out() -> None:
    # The page numbers are a part of their own after the others, a page for each page of the
    # dossier showing only its numbers: they leave the page tree and are drawn over the pages
    # they number, the same bytes every time.
    numbers = "".join(
        f'<div style="break-before: page; string-set: n attr(data-n)" data-n="p {n} of 3"></div>'
        for n in range(1, 4)
    )
    style = "<style>@page { size: A5; @bottom-center { content: string(n) } }</style>"
    front = f"<html><head>{style}</head><body><p>front</p></body></html>"
    tail = f"<html><head>{style}</head><body>{numbers}</body></html>"
    jobs = [
        weasy.start_part(html, {}, identifier=b"1" * 32, keep=weasy.Keep(tail))
        for html, tail in ((front, 0), (BACK, 0), (tail, 3))
    ]
    assert [job.pages for job in jobs] == [1, 2, 0]
    parts = [p for job in jobs for p in job.pdfs()]
    pdf = assemble_pdf(parts, {}, [], 3)
    assert pdf == assemble_pdf(parts, {}, [], 3)
    texts = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(texts) == 3
    assert all(f"p {n} of 3" in text for n, text in enumerate(texts, 1))
    assert "front" in texts[0] and "Exhibit B" in texts[2]


def test_split_sections_in_pieces_as_even_as_can_be() -> None:
    # The front matter's sizes in the 50-order proof (kB): a cover, an index, a proof table
    # and a timeline.
    sections = [
        '<section class="part cover" id="cover">' + "c" * 1_000 + "</section>",
        '<section class="part index" id="index">' + "i" * 105_000 + "</section>",
        '<section class="part proof" id="proof">' + "p" * 34_000 + "</section>",
        '<section class="part timeline" id="timeline">' + "t" * 140_000 + "</section>",
    ]
    html = "<html><head></head><body>" + "".join(sections) + "</body></html>"

    def shape(pieces: list[str]) -> list[int]:
        assert "".join(p.split("<body>")[1] for p in pieces).count("</section>") == 4
        return [p.count('class="part ') for p in pieces]

    assert shape(weasy.split_sections(html, 2)) == [3, 1]  # 140 and 140 kB
    # The longest as short as can be (the timeline), then the others as even; a cover alone
    # is not worth a process of its own.
    assert shape(weasy.split_sections(html, 3)) == [2, 1, 1]
    assert shape(weasy.split_sections(html, 9)) == [2, 1, 1]
    assert weasy.split_sections(html, 1) == [html]
    assert weasy.split_sections("<p>no sections</p>", 2) == ["<p>no sections</p>"]


def test_split_sections_never_cuts_before_a_flow_section() -> None:
    sections = [
        '<section class="part exhibit" id="ex-A-1">' + "a" * 100 + "</section>",
        '<section class="part exhibit flow" id="ex-A-2">' + "a" * 3000 + "</section>",
        '<section class="part exhibit flow" id="ex-A-3">' + "a" * 100 + "</section>",
        '<section class="part exhibit" id="ex-B-1">' + "b" * 500 + "</section>",
        '<section class="part appendix" id="integrity">' + "z" * 100 + "</section>",
    ]
    html = "<html><head></head><body>" + "".join(sections) + "</body></html>"
    # About equal halves would cut inside order A (before ex-A-3); the cut comes before ex-B-1.
    assert 'id="ex-A-3"' in weasy.split_sections(html, 2)[1]
    first, second = weasy.split_sections(html, 2, flow="flow")
    assert first.count("<section ") == 3
    assert second.split("<body>")[1].startswith('<section class="part exhibit" id="ex-B-1">')
    only_flow = html.replace('class="part exhibit"', 'class="part exhibit flow"', 2)
    only_flow = only_flow.replace('class="part appendix"', 'class="part appendix flow"')
    assert weasy.split_sections(only_flow, 2, flow="flow") == [only_flow]


def _outline(pdf: Path) -> list[tuple[int, str, int]]:
    """(level, title, page) of every outline item, in order."""
    with pikepdf.open(pdf) as doc, doc.open_outline() as outline:
        page_of = {p.objgen: i + 1 for i, p in enumerate(doc.pages)}
        names = pikepdf.NameTree(doc.Root.Names.Dests)
        out: list[tuple[int, str, int]] = []

        def walk(items: list[pikepdf.OutlineItem], level: int) -> None:
            for item in items:
                dest = item.destination
                target = names[str(dest)] if isinstance(dest, pikepdf.String) else dest
                out.append((level, item.title, page_of[target[0].objgen]))
                walk(item.children, level + 1)

        walk(outline.root, 1)
        assert int(doc.Root.Outlines.Count) == len(out)  # every item open, counted once
        return out


def _links(pdf: Path) -> list[tuple[int, str]]:
    with pikepdf.open(pdf) as doc:
        return [
            (i, str(annot.get("/Dest", annot.get("/A", {}).get("/URI", ""))))
            for i, page in enumerate(doc.pages, 1)
            for annot in page.get("/Annots", [])
        ]


def test_a_long_back_in_two_pieces_joins_into_the_same_dossier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exhibits of the per-order example laid out in two processes (cut where an order
    starts a page): the same pages, text, links and outline as laid out in one; the order items
    of the second piece under the one "Exhibits" item."""
    import shutil

    import evidencekit.pipeline as pipeline
    import evidencekit.render.context as context
    from evidencekit.pipeline import BuildOptions, build

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    case = tmp_path / "case"
    shutil.copytree(EXAMPLES / "taobao-fake-orders", case, ignore=shutil.ignore_patterns("out"))
    started: list[str] = []
    real = pipeline.start_part

    def spy(html: str, assets: dict[str, Path], **kw: Any) -> Any:
        started.append(html)
        return real(html, assets, **kw)

    monkeypatch.setattr(pipeline, "start_part", spy)
    built = {}
    for name, limit in (("one", 10**9), ("two", 0)):
        monkeypatch.setattr(context, "BACK_IN_PIECES", limit)
        started.clear()
        opts = BuildOptions(out_dir=tmp_path / name, profile="generic")
        built[name] = build(case / "case.yaml", opts).pdf_path
        # The exhibits in one piece or two (from the first exhibit, or not), the appendix in a
        # piece of its own.
        pieces = [h for h in started if '<section class="part exhibit' in h]
        assert not any('id="integrity"' in h for h in pieces)
        # An exhibit's anchor is on its first block: the sections carry no id, so the elements
        # in them share computed styles (exhibit.html.j2).
        assert not any(re.search(r'<section class="part exhibit[^>]* id="', h) for h in pieces)
        first = re.search(
            r'<section class="part exhibit[^>]*>\s*<div class="(?:order-head|band)" id="([^"]+)"',
            pieces[0],
        )
        assert first is not None
        starts = {f'id="{first.group(1)}"' in h for h in pieces}
        assert starts == ({True} if name == "one" else {True, False})
    one, two = built["one"], built["two"]
    texts = [[p.extract_text() for p in PdfReader(f).pages] for f in (one, two)]
    assert texts[0] == texts[1]
    assert _links(one) == _links(two)
    outline = _outline(two)
    assert outline == _outline(one)
    # One font program for each font, though the parts embedded one each (pdf/sharefonts.py).
    assert all(len(objs) == 1 for objs in _programs(two.read_bytes()).values())
    exhibits = [item for item in outline if item[0] == 1 and item[1] == "证据材料"]
    assert len(exhibits) == 1
    assert sum(1 for level, title, _ in outline if level == 2 and title.startswith("订单")) >= 4


def test_trimmed_user_agent_sheet_draws_the_same_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WeasyPrint's own stylesheet without the notes' and non-list markers' rules, which styled
    two pseudo-elements of every element (render/weasy.py: ua_stylesheet): the example's pages,
    with its statement's lists and their markers, are the same pixels as with the whole sheet."""
    import shutil

    import weasyprint

    from evidencekit.pipeline import BuildOptions, build

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    case = tmp_path / "case"
    shutil.copytree(
        EXAMPLES / "taobao-not-as-described", case, ignore=shutil.ignore_patterns("out")
    )
    built = {}
    for name, html_class in (("trimmed", weasy._html_class()), ("whole", weasyprint.HTML)):
        monkeypatch.setattr(weasy, "_html_class", lambda c=html_class: c)
        built[name] = build(case / "case.yaml", BuildOptions(out_dir=tmp_path / name)).pdf_path
    trimmed, whole = (built[k].read_bytes() for k in ("trimmed", "whole"))
    assert _pixels(trimmed) == _pixels(whole)
    sheet = weasy.ua_stylesheet()
    assert "li::marker" in sheet
    assert not re.search(r"^::", sheet, re.M)  # no rule for every element's pseudo-elements


def test_page_numbers_part_draws_what_the_page_box_draws(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page numbers laid out as a part of their own, in the flow of pages whose area is the
    bottom margin's band (dossier.css.j2: @page numbers), look as the page box's own margin
    boxes draw them in a dossier laid out whole (a case with templates of its own)."""
    import shutil

    import pypdfium2

    from evidencekit.pipeline import BuildOptions, build
    from evidencekit.render import packaged_templates

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    apart = tmp_path / "apart"
    shutil.copytree(
        EXAMPLES / "taobao-not-as-described", apart, ignore=shutil.ignore_patterns("out")
    )
    whole = tmp_path / "whole"
    shutil.copytree(apart, whole)
    (whole / "templates").mkdir()  # templates of its own: laid out whole, numbered by @page
    shutil.copy(packaged_templates() / "cover.html.j2", whole / "templates")
    bands = []
    for folder in (apart, whole):
        pdf = build(folder / "case.yaml", BuildOptions(out_dir=folder / "out")).pdf_path
        doc = pypdfium2.PdfDocument(pdf)
        try:
            pages = [doc[i].render(scale=2).to_pil().convert("L") for i in range(len(doc))]
        finally:
            doc.close()
        # The bottom margin (20 of 297 mm) without its right corner (the version, drawn apart).
        bands.append(
            [
                p.crop((0, p.height * 277 // 297, p.width * 2 // 3, p.height)).tobytes()
                for p in pages
            ]
        )
    assert len(bands[0]) == len(bands[1]) > 10
    assert bands[0] == bands[1]


CJK = "<style>@page { size: A6; margin: 10mm } body { font-family: 'Noto Sans CJK SC' }</style>"


def _programs(pdf: bytes) -> dict[str, set[tuple[int, int]]]:
    """The font program objects of each font name."""
    from evidencekit.pdf.sharefonts import _type0_fonts

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        out: dict[str, set[tuple[int, int]]] = {}
        for font, descriptor, key in _type0_fonts(doc):
            out.setdefault(str(font.BaseFont), set()).add(descriptor[key].objgen)
        return out


def _parts_in_chinese() -> list[bytes]:
    bodies = ("<h1>证据目录</h1><p>订单记录、付款记录、发货记录</p>",
              "<h1>物流轨迹</h1><p>快件已签收，签收人：本人。聊天记录 12345</p>")  # fmt: skip
    jobs = [
        weasy.start_part(f"<html><head>{CJK}</head><body>{b}</body></html>", {},
                         identifier=b"1" * 32, forked=False)
        for b in bodies
    ]  # fmt: skip
    return [p for job in jobs for p in job.pdfs()]


def test_parts_share_one_program_of_each_font() -> None:
    """Each part embeds its own subset of Noto Sans CJK; the joined dossier has one, with the
    glyphs of both, and looks and reads the same."""
    import evidencekit.pdf.postprocess as postprocess

    parts = _parts_in_chinese()
    shared = assemble_pdf(parts, {}, [])
    with pytest.MonkeyPatch.context() as m:
        m.setattr(postprocess, "share_fonts", lambda pdf: None)
        apart = assemble_pdf(parts, {}, [])
    assert any(len(objs) == 2 for objs in _programs(apart).values())
    assert all(len(objs) == 1 for objs in _programs(shared).values())
    assert len(shared) < len(apart)
    assert _pixels(shared) == _pixels(apart)
    texts = [[p.extract_text() for p in PdfReader(io.BytesIO(f)).pages] for f in (shared, apart)]
    assert texts[0] == texts[1] and "签收人" in texts[0][1]


def test_fonts_stay_apart_when_the_installed_font_is_not_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import evidencekit.pdf.sharefonts as sharefonts

    monkeypatch.setattr(sharefonts, "_installed", lambda name: None)
    pdf = assemble_pdf(_parts_in_chinese(), {}, [])
    assert any(len(objs) == 2 for objs in _programs(pdf).values())
    assert "物流轨迹" in PdfReader(io.BytesIO(pdf)).pages[1].extract_text()


def _pixels(pdf: bytes) -> list[bytes]:
    import pypdfium2

    doc = pypdfium2.PdfDocument(pdf)
    return [page.render(scale=2).to_pil().convert("L").tobytes() for page in doc]


FILLED = """<html><head><style>@page {{ size: A6; margin: 10mm }}
table {{ table-layout: fixed; width: 100% }} td {{ border: 0.5pt solid #999; white-space: nowrap }}
.c {{ text-align: center }}
.r {{ text-align: right }}</style></head><body>
<h1 id="x">Target</h1>
<table>
<tr><td>第 <a href="#x">{a}</a> 页</td><td class="c">{b}–{c} more text after</td></tr>
<tr><td class="r"><a href="#x">证据A-5, 第 {a} 页</a></td><td>{c}</td></tr>
</table>{more}
</body></html>"""
WRAPPED = """<p>Exhibit C, <a href="#x">p. {b}</a> and a line that goes on and on until it wraps
onto the next line where <a href="#x">p. {c}</a> stands.</p>"""


@pytest.mark.parametrize("forked", [False, True])
def test_numbers_written_over_stand_ins_read_as_laid_out(forked: bool) -> None:
    # A front matter laid out before its length is known: page references are stand-ins of as
    # many digits as a number may need, written over once known (render/weasy.py:
    # fill_numbers); the page then reads and looks as if laid out with the numbers, in a line
    # set left, centred or right, and its links cover the numbers.
    def span(ref: str, text: str) -> str:
        return f'<span class="pn" data-ref="{ref}">{text}</span>'

    numbers = {"a": "7", "b": "42", "c": "108"}
    stand_in = FILLED.format(**{k: span(k, "8888") for k in numbers}, more="")
    direct = FILLED.format(**{k: span(k, v) for k, v in numbers.items()}, more="")
    job = weasy.start_part(
        stand_in, {}, identifier=b"1" * 32, keep=weasy.Keep(numbers=True), forked=forked
    )
    job.fill(numbers)
    filled = job.pdfs()[0]
    laid = weasy.start_part(direct, {}, identifier=b"1" * 32, forked=False).pdfs()[0]
    assert PdfReader(io.BytesIO(filled)).pages[0].extract_text() == (
        PdfReader(io.BytesIO(laid)).pages[0].extract_text()
    )
    assert _pixels(filled) == _pixels(laid)

    def links(pdf: bytes) -> list[list[float]]:
        page = PdfReader(io.BytesIO(pdf)).pages[0]
        return [[round(float(v), 2) for v in a.get_object()["/Rect"]] for a in page["/Annots"]]

    assert links(filled) == links(laid)
    # In running text the lines break where the stand-ins broke them; the numbers are in.
    wrapped = WRAPPED.format(b=span("b", "8888"), c=span("c", "8888"))
    job = weasy.start_part(
        FILLED.format(a="", b="", c="", more=wrapped), {}, identifier=b"1" * 32,
        keep=weasy.Keep(numbers=True), forked=forked,
    )  # fmt: skip
    job.fill(numbers)
    text = PdfReader(io.BytesIO(job.pdfs()[0])).pages[0].extract_text()
    assert "p. 42" in text and "p. 108" in text and "8888" not in text


def test_stand_ins_are_written_only_once_filled() -> None:
    job = weasy.start_part(
        FILLED.format(a="", b="", c="", more=""), {}, identifier=b"1" * 32,
        keep=weasy.Keep(numbers=True), forked=False,
    )  # fmt: skip
    with pytest.raises(RuntimeError):
        job.pdfs()


def test_work_given_for_the_wait_is_done_once_while_a_part_is_laid_out() -> None:
    # The main process would wait idle for its parts: what comes after the layout is made
    # meanwhile (pipeline.py: the appendix's key, the register's modules); a task that fails
    # is left for its caller to meet again.
    done: list[str] = []

    def fails() -> None:
        done.append("fails")
        raise ValueError("met again by its caller")

    waiting.while_waiting(lambda: done.append("first"))
    waiting.while_waiting(fails)
    waiting.while_waiting(lambda: done.append("after"))
    job = weasy.start_part(BACK, {}, identifier=b"2" * 32, forked=True)
    try:
        assert job.laid().pages == 2
        assert done == ["first", "fails", "after"]
        job.pdfs()
        assert done == ["first", "fails", "after"]  # once
    finally:
        job.cancel()
    waiting.while_waiting(lambda: done.append("never"))
    waiting.forget_waiting()  # the build is over
    second = weasy.start_part(BACK, {}, identifier=b"2" * 32, forked=True)
    try:
        second.laid()
    finally:
        second.cancel()
    assert "never" not in done


def test_work_for_the_wait_stops_when_what_is_awaited_has_come() -> None:
    # The first wait of a build (its exports) is short: once they are in, the rest of the
    # work waits for the long waits (the parts), not the build.
    done: list[str] = []
    for name in ("renderer", "register", "key"):
        waiting.while_waiting(lambda name=name: done.append(name))  # type: ignore[misc]
    waiting.do_waiting(lambda: "renderer" in done)
    assert done == ["renderer"]
    waiting.do_waiting(lambda: False)
    assert done == ["renderer", "register", "key"]
    waiting.do_waiting()
    assert done == ["renderer", "register", "key"]
