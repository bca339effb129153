"""Untrusted text stays text; the renderer loads nothing from outside the build."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pypdf
import pytest

from evidencekit.render.markdown import markdown_to_html
from evidencekit.render.weasy import render_pdf

from .conftest import MINIMAL, invoke_cli, make_png, write_case

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
    proc = invoke_cli("build", "-q", str(m))
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
    proc = invoke_cli("build", "-q", str(m))
    assert proc.returncode == 0, proc.stderr
    assert "refused" in proc.stderr
    text_all = "".join(
        p.extract_text() for p in pypdf.PdfReader(tmp_path / "case/out/T-1.pdf").pages
    )
    assert "custom appendix" in text_all


# --- Hostile templates (issue #17): a case's templates/ folder is untrusted code. ---


def _case_with_template(tmp_path: Path, files: dict[str, str]) -> Path:
    m = write_case(tmp_path / "case", MINIMAL, {"shot.png": None})
    tpl = tmp_path / "case/templates"
    tpl.mkdir(exist_ok=True)
    for name, text in files.items():
        (tpl / name).write_text(text, encoding="utf-8")
    return m


def _pdf_text(pdf: Path) -> str:
    return "".join(p.extract_text() for p in pypdf.PdfReader(pdf).pages)


@pytest.mark.parametrize(
    "payload",
    [
        '{{ lipsum.__globals__["os"].popen("cat /etc/hostname").read() }}',
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ t.__globals__ }}",
        "{% set x = case.__class__ %}{{ x.__init__ }}",
    ],
)
def test_template_cannot_run_code(tmp_path: Path, payload: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-42")
    m = _case_with_template(tmp_path, {"cover.html.j2": f"<p>hello</p>\n{payload}\n"})
    proc = invoke_cli("build", "-q", str(m))
    assert proc.returncode == 1, proc.stderr  # the case's own template: invalid input
    assert "Traceback" not in proc.stderr
    assert "templates/cover.html.j2:2" in proc.stderr, proc.stderr
    assert "sandbox" in proc.stderr or "undefined" in proc.stderr, proc.stderr
    assert not (tmp_path / "case/out/T-1.pdf").exists()


def test_template_cannot_mutate_context(tmp_path: Path) -> None:
    m = _case_with_template(tmp_path, {"cover.html.j2": "<p>x</p>\n{{ case.parties.append(1) }}\n"})
    proc = invoke_cli("build", "-q", str(m))
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "templates/cover.html.j2:2" in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    "include",
    ["/etc/passwd", "../../secret.txt", "../secret.txt", "./cover.html.j2", "a\\..\\b"],
)
def test_template_include_outside_refused(tmp_path: Path, include: str) -> None:
    (tmp_path / "secret.txt").write_text("TOPSECRET-42")
    m = _case_with_template(
        tmp_path, {"appendix.html.j2": f'<p>custom</p>\n{{% include "{include}" %}}\n'}
    )
    proc = invoke_cli("build", "-q", str(m))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "TOPSECRET" not in proc.stderr and "root:" not in proc.stderr
    assert "templates/appendix.html.j2:2" in proc.stderr, proc.stderr
    assert "refused" in proc.stderr, proc.stderr
    assert not (tmp_path / "case/out/T-1.pdf").exists()


def test_template_symlink_outside_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.html"
    secret.write_text("<p>TOPSECRET-42</p>")
    m = _case_with_template(tmp_path, {"appendix.html.j2": '{% include "leak.html" %}\n'})
    (tmp_path / "case/templates/leak.html").symlink_to(secret)
    proc = invoke_cli("build", "-q", str(m))
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "outside the case folder" in proc.stderr, proc.stderr
    assert "TOPSECRET" not in proc.stderr
    # A symlinked override of a packaged template is refused the same way.
    (tmp_path / "case/templates/appendix.html.j2").unlink()
    (tmp_path / "case/templates/appendix.html.j2").symlink_to(secret)
    proc = invoke_cli("build", "-q", str(m))
    assert proc.returncode != 0 and "outside the case folder" in proc.stderr, proc.stderr


def test_template_symlink_inside_case_works(tmp_path: Path) -> None:
    m = _case_with_template(tmp_path, {"appendix.html.j2": '{% include "part.html" %}\n'})
    (tmp_path / "case/snippets").mkdir()
    (tmp_path / "case/snippets/part.html").write_text("<p>custom part inside</p>")
    (tmp_path / "case/templates/part.html").symlink_to(tmp_path / "case/snippets/part.html")
    proc = invoke_cli("build", "-q", str(m))
    assert proc.returncode == 0, proc.stderr
    assert "custom part inside" in _pdf_text(tmp_path / "case/out/T-1.pdf")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("<p>x</p>\n\n{% if %}\n", "syntax error"),
        ("<p>x</p>\n{{ no_such_value }}\n", "undefined"),
        ("<p>x</p>\n{{ 1 / 0 }}\n", "ZeroDivisionError"),
        ("<p>x</p>\n{{ case.title + 1 }}\n", "TypeError"),
        ('<p>x</p>\n{% include "cover.html.j2" %}\n', "RecursionError"),
    ],
)
def test_template_errors_name_file_and_line(tmp_path: Path, text: str, words: str) -> None:
    m = _case_with_template(tmp_path, {"cover.html.j2": text})
    proc = invoke_cli("build", "-q", str(m))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    line = text.count("\n", 0, text.rindex("{")) + 1
    assert f"templates/cover.html.j2:{line}" in proc.stderr, proc.stderr
    assert words in proc.stderr, proc.stderr


def test_template_not_utf8_is_clean_error(tmp_path: Path) -> None:
    m = _case_with_template(tmp_path, {})
    (tmp_path / "case/templates/cover.html.j2").write_bytes(b"<p>\xff\xfe caf\xe9</p>")
    proc = invoke_cli("build", "-q", str(m))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "cover.html.j2" in proc.stderr and "UTF-8" in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    "markup",
    [
        '<link rel="stylesheet" href="file:///etc/passwd">',
        '<img src="http://127.0.0.1:9/pixel.png">',
        "<style>@import url('file:///etc/passwd'); @import 'https://evil.example/x.css';</style>",
        "<style>p { background: url('file:///etc/hostname'); }"
        " @font-face { font-family: X; src: url('http://127.0.0.1:9/f.ttf'); }</style>",
        "<p style=\"background-image: url('../../secret.png')\">x</p>",
        '<object data="file:///etc/passwd"></object><iframe src="file:///etc/passwd"></iframe>',
        '<embed src="file:///etc/passwd"><svg><image href="file:///etc/passwd"/></svg>',
    ],
)
def test_template_override_fetches_nothing(tmp_path: Path, markup: str) -> None:
    make_png(tmp_path / "secret.png", color="#f00")
    m = _case_with_template(tmp_path, {"appendix.html.j2": f"{markup}<p>custom appendix</p>\n"})
    proc = invoke_cli("build", "-q", str(m))
    assert proc.returncode == 0, proc.stderr
    assert "refused" in proc.stderr, proc.stderr
    pdf = tmp_path / "case/out/T-1.pdf"
    text_all = _pdf_text(pdf)
    assert "custom appendix" in text_all
    assert "root:" not in text_all
    with pikepdf.open(pdf) as doc:
        images = [
            o
            for o in doc.objects
            if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == pikepdf.Name.Image
        ]
        assert len(images) == 1  # only the case's own screenshot
