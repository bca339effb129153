"""Layout stays bounded: long unbroken fields, page images one page at a time."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pypdf

from evidencekit.render import BREAK_EVERY, MAX_TEXT_CHARS, bound_layout

from .conftest import run_cli, write_case


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


LONG = 200_000


def test_huge_unbreakable_fields_build_quickly(tmp_path: Path) -> None:
    cell = "C" * 100_000  # under the CSV reader's own field limit
    message = "M" * 100_000
    m = write_case(
        tmp_path / "case",
        f"""\
        evidencekit: 1
        case:
          id: BIG-1
          title: {"T" * LONG}
          profile: generic
          statement: statement.md
        evidence:
          - kind: product
            title: {"L" * LONG}
            proves: {"P" * LONG}
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
            "statement.md": "S" * LONG + "\n",
            "orders.csv": f"order,note\n1,{cell}\n",
            "chat.csv": f"time,sender,message\n2025-10-04T10:00:00,buyer,{message}\n",
        },
    )
    started = time.perf_counter()
    proc = run_cli("build", "-q", str(m))
    seconds = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr
    assert seconds < 120, seconds  # minutes per field before; generous for a loaded machine
    reader = pypdf.PdfReader(tmp_path / "case/out/BIG-1.pdf")
    assert len(reader.pages) < 150
    text = "".join(p.extract_text() for p in reader.pages)
    assert "more characters, see the source file" in text
    assert "PPPPPPPPPPPP" in text and "CCCCCCCCCCCC" in text and "MMMMMMMMMMMM" in text
