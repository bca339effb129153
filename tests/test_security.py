"""Untrusted text stays text; the renderer loads nothing from outside the build."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pypdf
import pytest

from evidencekit.render.markdown import markdown_to_html
from evidencekit.render.weasy import render_pdf

from .conftest import MINIMAL, make_png, run_cli, write_case

HOSTILE = """\
# Heading

<script>alert('x')</script>
<iframe src="https://evil.example/"></iframe>
<img src="file:///etc/passwd">
![secret](file:///etc/passwd)
![tracker](https://evil.example/pixel.png)
[click me](javascript:alert(1)) and [site](https://evil.example/phish)
<a href="file:///etc/shadow">shadow</a>
"""


def test_markdown_sanitised() -> None:
    html = markdown_to_html(HOSTILE)
    lowered = html.lower()
    for bad in ("<script", "<iframe", "<img", "<a ", "<link"):
        assert bad not in lowered, (bad, html)
    assert not re.search(r"<[a-z0-9]+\s[^>]*=", html), html  # no tag carries attributes
    assert "&lt;script&gt;" in html  # shown as text
    assert "[image: secret] (file:///etc/passwd)" in html


def test_hostile_statement_renders_as_text(tmp_path: Path) -> None:
    text = MINIMAL.replace("  profile: generic\n", "  profile: generic\n  statement: notes.md\n")
    text += "    description: |\n" + "".join(f"      {line}\n" for line in HOSTILE.splitlines())
    m = write_case(tmp_path / "case", text, {"shot.png": None, "notes.md": HOSTILE})
    proc = run_cli("build", "-q", str(m))
    assert proc.returncode == 0, proc.stderr
    assert "refused" not in proc.stderr  # nothing even tried to load
    pdf = tmp_path / "case/out/T-1.pdf"
    text_all = "".join(p.extract_text() for p in pypdf.PdfReader(pdf).pages)
    assert "<script>alert('x')</script>" in text_all
    assert "file:///etc/passwd" in text_all  # as visible text, never loaded
    with pikepdf.open(pdf) as doc:
        assert "/OpenAction" not in doc.Root and "/AA" not in doc.Root
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary):
                assert "/JS" not in obj and "/JavaScript" not in obj
                action = obj.get("/A")
                if isinstance(action, pikepdf.Dictionary):
                    assert action.get("/S") not in (pikepdf.Name.URI, pikepdf.Name.Launch)
                    assert action.get("/S") != pikepdf.Name.JavaScript
        # Only the build's one image is embedded.
        images = [
            o
            for o in doc.objects
            if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == pikepdf.Name.Image
        ]
        assert len(images) == 1


def test_fetcher_serves_only_build_assets(tmp_path: Path) -> None:
    asset = make_png(tmp_path / "a.png")
    secret = make_png(tmp_path / "secret.png", color="#f00")
    html = (
        f'<img src="evk://build/a.jpg"><img src="file://{secret}">'
        '<img src="https://evil.example/x.png"><img src="evk://build/../secret.png">'
        '<link rel="stylesheet" href="https://evil.example/x.css">'
    )
    rendered = render_pdf(html, {"a.jpg": asset}, identifier=b"0" * 32)
    assert (
        sorted(rendered.refused_urls)
        == sorted(
            [
                f"file://{secret}",
                "https://evil.example/x.png",
                "evk://build/secret.png",
                "https://evil.example/x.css",
            ]
        )
        or len(rendered.refused_urls) >= 3
    )
    assert not any(u.startswith("evk://build/a.jpg") for u in rendered.refused_urls)
    with pikepdf.open(__import__("io").BytesIO(rendered.pdf)) as doc:
        images = [
            o
            for o in doc.objects
            if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == pikepdf.Name.Image
        ]
        assert len(images) == 1


@pytest.mark.parametrize("evil", ["../secret.png", "/etc/passwd"])
def test_user_template_cannot_read_outside(tmp_path: Path, evil: str) -> None:
    # A user template override still goes through the fetcher.
    make_png(tmp_path / "secret.png")
    m = write_case(tmp_path / "case", MINIMAL, {"shot.png": None})
    tpl = tmp_path / "case/templates"
    tpl.mkdir()
    (tpl / "appendix.html.j2").write_text(f'<img src="{evil}"><p>custom appendix</p>')
    proc = run_cli("build", "-q", str(m))
    assert proc.returncode == 0, proc.stderr
    assert "refused" in proc.stderr
    text_all = "".join(
        p.extract_text() for p in pypdf.PdfReader(tmp_path / "case/out/T-1.pdf").pages
    )
    assert "custom appendix" in text_all
