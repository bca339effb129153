"""Reserved slots: a page made elsewhere is drawn into the box the main render kept for it."""

from __future__ import annotations

import io

import pypdf

from evidencekit.pdf.overlay import Placement, place_pages
from evidencekit.render.weasy import render_pdf


def test_slot_receives_page_as_text() -> None:
    source = render_pdf("<p>INCLUDED PAGE 你好</p>", {}, identifier=b"1" * 32).pdf
    main = render_pdf(
        "<style>@page{size:A4;margin:20mm} .slot{display:block;break-before:page}</style>"
        "<p>first</p><div class='slot' id='s1' style='height:200mm'></div><p>after</p>",
        {},
        identifier=b"2" * 32,
    )
    page, *rect = main.boxes["s1"]
    assert page == 2
    x0, y0, x1, y1 = rect
    assert 0 < x0 < x1 and 0 < y0 < y1 and abs((y1 - y0) - 200 / 25.4 * 72) < 1
    out = place_pages(main.pdf, [Placement(page, (x0, y0, x1, y1), source)])
    reader = pypdf.PdfReader(io.BytesIO(out))
    assert len(reader.pages) == main.pages
    assert "INCLUDED PAGE 你好" in reader.pages[1].extract_text()
    assert "INCLUDED" not in reader.pages[0].extract_text()
