"""Layout stays bounded: long unbroken fields, page images one page at a time."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pypdf
import pytest

from evidencekit.assets.images import encoded_size
from evidencekit.errors import LimitError
from evidencekit.manifest import load_case
from evidencekit.model import Case
from evidencekit.outputs.page_images import (
    MAX_SHEET_PIXELS,
    MIN_READABLE_DPI,
    PageImageOptions,
    page_images,
)
from evidencekit.render import BREAK_EVERY, MAX_TEXT_CHARS, bound_layout, breakable

from .conftest import MINIMAL, invoke_cli, write_case


def _runs_without_break(html: str) -> int:
    """Longest run of text characters with no tag, entity-aware, between break chances."""
    longest = 0
    for text in re.split(r"<[^>]*>", html):
        for run in re.split(r"\s+", text):
            longest = max(longest, len(re.sub(r"&#?[A-Za-z0-9]+;", "x", run)))
    return longest


def test_long_runs_get_breaks_and_are_cut() -> None:
    html = f"<td>{'A' * 200_000}</td><p>{'長' * 30_000}</p>"
    out = bound_layout(html, "en")
    assert _runs_without_break(out) <= BREAK_EVERY
    assert len(out) < 2 * (2 * MAX_TEXT_CHARS + 2_000)
    assert f"({200_000 - MAX_TEXT_CHARS:,} more characters, see the source file)" in out
    assert f"({30_000 - MAX_TEXT_CHARS:,} more characters" in out
    assert "另有" in bound_layout(html, "zh-CN")


def test_entities_tags_and_styles_untouched() -> None:
    html = (
        "<style>.x{background:url(" + "y" * 200 + ")}</style>"
        '<p class="' + "c" * 100 + '">' + "a&amp;b" * 50 + "</p><p>short words stay</p>"
    )
    out = bound_layout(html)
    assert out.startswith("<style>.x{background:url(" + "y" * 200 + ")}</style>")
    assert '<p class="' + "c" * 100 + '">' in out
    assert "&amp;" in out and not re.search(r"&(?!amp;)", out.replace("<wbr>", ""))
    assert out.replace("<wbr>", "") == html
    assert bound_layout("<p>short words stay</p>") == "<p>short words stay</p>"


def test_breakable_runs_keep_their_breaks_without_elements() -> None:
    # A SHA-256 cell: zero-width spaces every 16 digits (breakable), and where a <wbr> went
    # (every BREAK_EVERY characters of the run) a zero-width space too: the lines break as
    # they did, without an element and a pseudo-element per break.
    digest = "93afb6f9429735234d310b8cca180da276ead21b03cc7b6db93537960435d6fe"
    out = bound_layout(f'<td class="sha">{breakable(digest)}</td>')
    assert "<wbr>" not in out
    cell = out.removeprefix('<td class="sha">').removesuffix("</td>")
    assert cell.replace("\u200b", "") == digest
    places = [n for n, c in enumerate(cell.replace("\u200b", "|")) if c == "|"]
    assert [p - k for k, p in enumerate(places)] == [16, 32, 46, 48]  # digits before each
    # Runs with no zero-width space still get <wbr> (separate text boxes, see bound_layout).
    assert "<wbr>" in bound_layout("<p>" + "a" * 100 + "</p>")


def test_white_space_between_table_tags_dropped() -> None:
    html = (
        "<table>\n<colgroup><col>\n</colgroup>\n<thead><tr><th>a</th>\n</tr></thead>\n<tbody>\n"
        "<tr>\n<td> x </td>\n<td>\n</td>\n<td>\u00a0</td><td><b>a</b> <b>b</b></td>\n</tr>\n"
        "</tbody>\n</table>\n<p> y </p>"
    )
    assert bound_layout(html) == (
        "<table><colgroup><col></colgroup><thead><tr><th>a</th></tr></thead><tbody>"
        "<tr><td> x </td><td>\n</td><td>\u00a0</td><td><b>a</b> <b>b</b></td></tr>"
        "</tbody></table>\n<p> y </p>"
    )  # within a cell (white space, a no-break space) and outside tables: as it was


LONG = 200_000  # the longest Markdown the manifest accepts
FIELD = 20_000  # the longest one-line field (title, proves) the manifest accepts


def test_huge_unbreakable_fields_build_quickly(tmp_path: Path) -> None:
    cell = "C" * 30_000  # under a spreadsheet cell's 32 767 characters, which the reader caps
    message = "M" * 30_000
    m = write_case(
        tmp_path / "case",
        f"""\
        evidencekit: 1
        case:
          id: BIG-1
          title: {"T" * FIELD}
          profile: generic
          statement: statement.md
        evidence:
          - kind: product
            title: {"L" * FIELD}
            proves: {"P" * FIELD}
            files: [shot.png]
          - kind: transaction
            title: Orders
            table: {{file: orders.csv}}
          - kind: chat
            title: Chat
            transcript: chat.csv
        """,
        {
            "shot.png": None,
            "statement.md": "S" * (LONG - 1) + "\n",
            "orders.csv": f"order,note\n1,{cell}\n",
            "chat.csv": f"time,sender,message\n2025-10-04T10:00:00,buyer,{message}\n",
        },
    )
    started = time.perf_counter()
    proc = invoke_cli("build", "-q", str(m))
    seconds = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr
    assert seconds < 120, seconds  # minutes per field before; generous for a loaded machine
    reader = pypdf.PdfReader(tmp_path / "case/out/BIG-1.pdf")
    assert len(reader.pages) < 150
    text = "".join(p.extract_text() for p in reader.pages)
    assert "more characters, see the source file" in text
    assert "PPPPPPPPPPPP" in text and "CCCCCCCCCCCC" in text and "MMMMMMMMMMMM" in text


# --- Page images: one page at a time, never below a readable resolution. ---


def _text_pdf(pages: int, lines: int = 60) -> bytes:
    """A real Letter-size PDF whose pages are dense with text, like a dossier's."""
    import io
    import random

    import pikepdf

    rng = random.Random(7)
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    for _ in range(pages):
        rows = []
        for _ in range(lines):
            words = (
                "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(7))
                for _ in range(12)
            )
            rows.append(f"({' '.join(words)}) '")
        content = "BT /F1 9 Tf 11 TL 40 760 Td " + " ".join(rows) + " ET"
        page = pdf.add_blank_page(page_size=(612, 792))
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.Contents = pdf.make_stream(content.encode())
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def _case(tmp_path: Path, profile: str) -> Case:
    m = write_case(tmp_path / "case", MINIMAL, {"shot.png": None})
    return load_case(m, profile=profile)


def _dpi_of(data: bytes) -> float:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return float(img.info["dpi"][0])


def test_unreadable_sheets_refused(tmp_path: Path) -> None:
    # eBay takes 5 images in 1.75 MB: 20 dense pages, 4 to a sheet, would need to shrink to
    # about 80 dpi to fit (57 dpi shipped before, with no word said).
    case = _case(tmp_path, "ebay")
    with pytest.raises(LimitError, match=r"dpi needed to read the text") as info:
        page_images(case, _text_pdf(20), 20, PageImageOptions())
    assert "ebay" in str(info.value) and "4 page(s)" in str(info.value)


def test_too_many_pages_per_sheet_refused_before_rendering(tmp_path: Path) -> None:
    # 2 000 pages on 5 images: 400 pages a sheet, 10 GB of pixels before; refused up front.
    case = _case(tmp_path, "ebay")
    started = time.perf_counter()
    with pytest.raises(LimitError) as info:
        page_images(case, _text_pdf(2000, lines=1), 2000, PageImageOptions())
    assert time.perf_counter() - started < 60
    text = str(info.value)
    assert "400 pages per image" in text and "too many" in text and "96 dpi" in text, text


def test_readable_sheets_made_one_page_at_a_time(tmp_path: Path) -> None:
    case = _case(tmp_path, "ebay")
    pdf = _text_pdf(12, lines=8)  # light pages: 3 to a sheet fit the caps at full resolution
    out = page_images(case, pdf, 12, PageImageOptions())
    assert len(out) <= 5 and sum(len(d) for d in out.values()) <= 1_750_000
    for name, data in out.items():
        assert name.startswith("pages/T-1-p") and name.endswith(".jpg")
        assert _dpi_of(data) >= MIN_READABLE_DPI
        w, h = encoded_size(data)
        assert w * h <= MAX_SHEET_PIXELS
    assert sorted(out)[-1].endswith("-012.jpg")
