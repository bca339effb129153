"""Property tests for the PDF reader: mutated PDF bytes give clean errors only.

The seeds are real PDFs written without compression (so mutations hit objects, names, numbers,
boxes and fonts, not only stream data); the reader, the normaliser (page boxes, rotation,
forms, the font walk and the standard-font substitution) and the page-range parser must
either succeed or raise their own error, never anything else.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pikepdf
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.pdf.postprocess import font_names
from evidencekit.pdf.sources import (
    PdfSourceError,
    inspect_pdf,
    normalise_pdf,
    parse_pages,
    unembedded_fonts,
)


def _seed(rotate: object, fonts: dict[str, str], box: list[object]) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(400, 600))
    page = pdf.pages[0].obj
    page.MediaBox = pikepdf.Array(box)
    page.CropBox = pikepdf.Array([10, 10, 390, 590])
    page.Rotate = rotate
    page.Resources = pikepdf.Dictionary(
        Font=pikepdf.Dictionary(
            {
                key: pikepdf.Dictionary(
                    Type=pikepdf.Name.Font,
                    Subtype=pikepdf.Name.Type1,
                    BaseFont=pikepdf.Name(name),
                    Encoding=pikepdf.Name.WinAnsiEncoding,
                )
                for key, name in fonts.items()
            }
        )
    )
    page.Contents = pdf.make_stream(
        b"BT /F1 12 Tf 40 500 Td (Proof of delivery) Tj ET "
        b"BT /F2 12 Tf 40 480 Td (4) Tj ET q 1 0 0 1 0 0 cm 0 0 m 100 100 l S Q"
    )
    pdf.docinfo["/Title"] = pikepdf.String("Waybill SF1234567890")
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


SEEDS = [
    _seed(90, {"/F1": "/Helvetica", "/F2": "/ZapfDingbats"}, [0, 0, 400, 600]),
    _seed(0, {"/F1": "/Arial,Bold", "/F2": "/Symbol"}, [400, 600, 0, 0]),
    _seed(-270, {"/F1": "/Times-Roman", "/F2": "/Courier"}, [0, 0, 400, 600]),
]
NASTY = [
    b"-1",
    b"0",
    b"4294967297",
    b"99999999999999999999999",
    b"-0.0",
    b"3.4e38",
    b"/#FF#FE",
    b"/Helvetica",
    b"/ZapfDingbats",
    b"(\xff\xfe\x00)",
    b"null",
    b"[",
    b"]",
    b"<<",
    b">>",
    b"1 0 R",
    b"9 9 R",
    b"/Parent",
    b"/Differences [1 /#FF /Euro]",
    b"",
]


@st.composite
def mutated_pdf(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        if not data:  # cut away by an earlier step
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["token", "bytes", "delete", "truncate"]))
        if kind == "token":
            end = at + draw(st.integers(0, 12))
            data[at:end] = draw(st.sampled_from(NASTY))
        elif kind == "bytes":
            data[at : at + 4] = draw(st.binary(min_size=1, max_size=4))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        else:
            del data[max(at, 9) :]
    return bytes(data)


@settings(max_examples=120)
@given(mutated_pdf(), st.booleans())
def test_mutated_pdfs_give_clean_errors(data: bytes, pdfa: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(data)
        try:
            info = inspect_pdf(path)
            pages = parse_pages(f"1-{info.pages}", info.pages)
            norm = normalise_pdf(path, "", pages, pdfa=pdfa)
        except PdfSourceError:
            return
        assert len(norm.index) == len(pages)
        assert all(w > 0 and h > 0 for w, h in norm.sizes)
        # the font walks read what the normaliser wrote: any name, any bytes
        assert isinstance(unembedded_fonts(norm.data), list)
        assert isinstance(font_names(norm.data), list)


@given(st.text(max_size=30), st.integers(1, 10_000))
def test_page_ranges_give_clean_errors(spec: str, count: int) -> None:
    try:
        pages = parse_pages(spec, count)
    except ValueError:
        return
    assert pages and all(0 <= p < count for p in pages)
