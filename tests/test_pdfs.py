"""PDF evidence: included page for page, numbered and stamped; attachments; PDF/A; images."""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import pikepdf
import pypdf
import pypdfium2
import pytest
import weasyprint
from PIL import ImageOps

from evidencekit.pipeline import BuildOptions, BuildResult, build

from .conftest import invoke_cli, run_cli, write_case


def html_pdf(body: str, size: str = "A4") -> bytes:
    css = f"<style>@page{{size:{size};margin:15mm}} body{{font-family:'Noto Sans CJK SC'}}</style>"
    return weasyprint.HTML(string=css + body).write_pdf()


def make_pdfs(folder: Path) -> None:
    docs = folder / "docs"
    docs.mkdir(parents=True)
    pages = "".join(
        f"<h1 style='break-before:page'>Policy page {i} 退换货政策</h1>" for i in range(1, 6)
    )
    (docs / "multi.pdf").write_bytes(html_pdf(pages))
    (docs / "letter.pdf").write_bytes(html_pdf("<h1>US Letter invoice 7781</h1>", "Letter"))
    (docs / "receipt.pdf").write_bytes(html_pdf("<p>RECEIPT 80mm total 299.00</p>", "80mm 200mm"))
    with pikepdf.open(io.BytesIO(html_pdf("<h1>ROTATED WAYBILL</h1>", "A5 landscape"))) as p:
        p.pages[0].Rotate = 90
        p.save(docs / "rotated.pdf")
    with pikepdf.open(io.BytesIO(html_pdf("<h1>Secret invoice 4410</h1>"))) as p:
        p.save(docs / "enc.pdf", encryption=pikepdf.Encryption(user="pw123", owner="own"))
    with pikepdf.open(io.BytesIO(html_pdf("<h1>Repaired notice 5521</h1>"))) as p:
        p.save(docs / "damaged.pdf", object_stream_mode=pikepdf.ObjectStreamMode.disable)
    raw = (docs / "damaged.pdf").read_bytes()
    (docs / "damaged.pdf").write_bytes(re.sub(rb"startxref\s+\d+", b"startxref\n999", raw))
    with pikepdf.open(io.BytesIO(html_pdf("<p>Delivery form</p>"))) as p:
        widget = p.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Widget,
                FT=pikepdf.Name.Tx,
                T=pikepdf.String("signer"),
                V=pikepdf.String("SIGNED BY ZHANG"),
                Rect=[100, 600, 400, 630],
                F=4,
                P=p.pages[0].obj,
                DA=pikepdf.String("/Helv 12 Tf 0 g"),
            )
        )
        link = p.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Link,
                Rect=[100, 500, 300, 520],
                A=pikepdf.Dictionary(
                    S=pikepdf.Name.URI, URI=pikepdf.String("https://evil.example")
                ),
            )
        )
        p.pages[0].Annots = p.make_indirect(pikepdf.Array([widget, link]))
        helv = pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
        p.Root.AcroForm = pikepdf.Dictionary(
            Fields=pikepdf.Array([widget]),
            NeedAppearances=True,
            DR=pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=helv)),
        )
        p.save(docs / "form.pdf")


CASE = """\
evidencekit: 1
case: {id: PD-1, title: PDF 证据, profile: generic}
evidence:
  - {kind: document, title: Refund policy, files: [docs/multi.pdf], pages: "1-3,5"}
  - kind: shipping
    title: Invoice, receipt and waybill
    files: [docs/letter.pdf, docs/receipt.pdf, docs/rotated.pdf]
  - {kind: document, title: Encrypted invoice, files: [docs/enc.pdf], password_env: EVK_TEST_PW}
  - {kind: document, title: Repaired notice, files: [docs/damaged.pdf]}
  - {kind: document, title: Signed form, files: [docs/form.pdf]}
"""
INCLUDED = 4 + 3 + 1 + 1 + 1
ENV = {"EVK_TEST_PW": "pw123", "SOURCE_DATE_EPOCH": "1700000000"}


@pytest.fixture(scope="module")
def pdf_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pdfs")
    make_pdfs(folder)
    return write_case(folder, CASE)


@pytest.fixture(scope="module")
def built(pdf_case: Path) -> Path:
    out = pdf_case.parent / "full"
    proc = invoke_cli(
        "build", "-q", str(pdf_case), "-o", str(out), "--embed-originals", "--page-images", env=ENV
    )
    assert proc.returncode == 0, proc.stderr
    assert "docs/damaged.pdf: the PDF was damaged and has been repaired" in proc.stderr
    return out


def texts(pdf: Path) -> list[str]:
    return [(p.extract_text() or "") for p in pypdf.PdfReader(pdf).pages]


def test_included_pages_numbered_and_searchable(built: Path) -> None:
    pages = texts(built / "PD-1.pdf")
    ev = json.loads((built / "PD-1.evidence.json").read_text(encoding="utf-8"))
    total = len(pages)
    assert ev["outputs"][0]["pages"] == total
    markers = [
        "Policy page 1",
        "Policy page 2",
        "Policy page 3",
        "Policy page 5",
        "US Letter invoice 7781",
        "RECEIPT 80mm",
        "ROTATED WAYBILL",
        "Secret invoice 4410",
        "Repaired notice 5521",
        "SIGNED BY ZHANG",
    ]
    hits = {m: [n for n, t in enumerate(pages, 1) if m in t] for m in markers}
    assert all(len(v) == 1 for v in hits.values()), hits
    assert not any("Policy page 4" in t for t in pages)  # pages: 1-3,5
    # Each exhibit's range is its included pages: the first shares the header band's page.
    for ex, want in zip(ev["exhibits"], (4, 3, 1, 1, 1), strict=True):
        start, end = ex["pages"]
        assert end - start + 1 == want
    rendered_only = total - INCLUDED
    assert rendered_only >= 4  # cover, index, timeline, appendix share the rest
    reader = pypdf.PdfReader(built / "PD-1.pdf")
    assert reader.page_labels == [str(i) for i in range(1, total + 1)]
    for n, text in enumerate(pages, 1):
        flat = text.replace("\n", " ")
        assert "PD-1" in flat and f"PD1-{n:06d}" in flat and f"page {n} of {total}" in flat


def test_rotated_page_shown_as_a_reader_sees_it(built: Path) -> None:
    pages = texts(built / "PD-1.pdf")
    n = next(i for i, t in enumerate(pages) if "ROTATED WAYBILL" in t)
    doc = pypdfium2.PdfDocument(str(built / "PD-1.pdf"))
    img = doc[n].render(scale=0.5).to_pil().convert("L")
    # Ignore header and footer bands; the rotated heading is a tall, narrow column of ink.
    w, h = img.size
    body = ImageOps.invert(img.crop((0, int(h * 0.1), w, int(h * 0.88))))
    box = body.point(lambda v: 255 if v > 80 else 0).getbbox()
    assert box is not None
    assert (box[3] - box[1]) > 2 * (box[2] - box[0]), box


def test_no_external_links_or_scripts(built: Path) -> None:
    with pikepdf.open(built / "PD-1.pdf") as pdf:
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                action = annot.get("/A")
                assert action is None or action.get("/S") != pikepdf.Name.URI


PDFA_CASE = CASE.replace("  - {kind: document, title: Signed form, files: [docs/form.pdf]}\n", "")


@pytest.fixture(scope="module")
def pdfa_built(pdf_case: Path) -> Path:
    manifest = write_case(pdf_case.parent / "pdfa", PDFA_CASE, {})
    for f in (pdf_case.parent / "docs").iterdir():
        (manifest.parent / "docs").mkdir(exist_ok=True)
        (manifest.parent / "docs" / f.name).write_bytes(f.read_bytes())
    proc = invoke_cli(
        "build", "-q", str(manifest), "--pdfa", "--embed-originals", "--page-images", env=ENV
    )
    assert proc.returncode == 0, proc.stderr
    return manifest.parent / "out"


def test_pdfa_validates(pdfa_built: Path, pdf_case: Path, tmp_path: Path) -> None:
    from pikepdf import pdfa

    report = pdfa.validate_written(pdfa_built / "PD-1.pdf", "3b")
    assert report.verdict == "pass", [str(f) for f in report.findings]
    with pikepdf.open(pdfa_built / "PD-1.pdf") as pdf:
        assert len(pdf.attachments) == 7  # evidence JSON + 6 originals
    # deterministic with PDF/A and originals too
    again = run_cli(
        "build",
        "-q",
        str(pdfa_built.parent / "case.yaml"),
        "--pdfa",
        "--embed-originals",
        "--page-images",
        "-o",
        str(tmp_path),
        env=ENV,
    )
    assert again.returncode == 0
    for name in ("PD-1.pdf", "PD-1.evidence.json", "SHA256SUMS", "pages/PD-1-p001.jpg"):
        assert (tmp_path / name).read_bytes() == (pdfa_built / name).read_bytes(), name
    # The form's non-embedded Helvetica gets an embedded substitute: PDF/A holds it too.
    with_form = invoke_cli(
        "build", "-q", str(pdf_case), "--pdfa", "-o", str(tmp_path / "x"), env=ENV
    )
    assert with_form.returncode == 0, with_form.stderr
    report = pdfa.validate_written(tmp_path / "x" / "PD-1.pdf", "3b")
    assert report.verdict == "pass", [str(f) for f in report.findings]


def test_attachments(built: Path) -> None:
    ev = json.loads((built / "PD-1.evidence.json").read_text(encoding="utf-8"))
    with pikepdf.open(built / "PD-1.pdf") as pdf:
        af = {str(spec.get("/UF") or spec.get("/F")) for spec in pdf.Root.AF}
        got = {
            name: (
                bytes(spec.get_file().read_bytes()),
                str(spec.obj.get("/AFRelationship")),
                str(spec.get_file().mime_type),
            )
            for name, spec in pdf.attachments.items()
        }
    embedded = json.loads(got.pop("PD-1.evidence.json")[0])
    sidecar = dict(ev)
    sidecar.pop("outputs")
    assert embedded == sidecar
    by_hash = {s["sha256"]: s["path"] for s in ev["sources"]}
    assert len(got) == len(ev["sources"]) == 7
    for name, (data, rel, mime) in got.items():
        assert rel == "/Source" and name in af
        assert by_hash[hashlib.sha256(data).hexdigest()].replace("/", "__") == name
        assert mime == "application/pdf"


def test_page_images(built: Path) -> None:
    ev = json.loads((built / "PD-1.evidence.json").read_text(encoding="utf-8"))
    images = sorted((built / "pages").glob("PD-1-p*.jpg"))
    assert len(images) == ev["outputs"][0]["pages"]
    listed = {o["path"] for o in ev["outputs"]}
    assert {f"pages/{p.name}" for p in images} <= listed
    from PIL import Image

    with Image.open(images[0]) as im:
        assert im.format == "JPEG" and abs(im.width - 8.27 * 150) < 3  # A4 at 150 dpi


def test_deterministic_with_every_option(pdf_case: Path, built: Path, tmp_path: Path) -> None:
    proc = run_cli(
        "build",
        "-q",
        str(pdf_case),
        "-o",
        str(tmp_path),
        "--embed-originals",
        "--page-images",
        env=ENV,
    )
    assert proc.returncode == 0, proc.stderr
    for name in ("PD-1.pdf", "PD-1.evidence.json", "SHA256SUMS", "pages/PD-1-p001.jpg"):
        assert (tmp_path / name).read_bytes() == (built / name).read_bytes(), name


def test_encrypted_without_password_is_refused(pdf_case: Path) -> None:
    proc = invoke_cli("validate", str(pdf_case), env={"EVK_TEST_PW": "nope"})
    assert proc.returncode == 1
    assert re.search(
        r"case\.yaml:\d+:\d+: evidence\[2\]\.password_env: docs/enc\.pdf: the PDF "
        r"is encrypted and the password is wrong",
        proc.stderr,
    ), proc.stderr
    unset = invoke_cli("validate", str(pdf_case), env={"EVK_TEST_PW": "pw123"})
    assert unset.returncode == 0, unset.stderr


def test_pdf_refusals(tmp_path: Path) -> None:
    make_pdfs(tmp_path)
    (tmp_path / "docs/broken.pdf").write_bytes(b"%PDF-1.7\n garbage without objects")
    m = write_case(
        tmp_path,
        """\
        evidencekit: 1
        case: {id: PD-2, title: t}
        evidence:
          - {kind: document, title: A, files: [docs/multi.pdf], pages: "2-9"}
          - {kind: document, title: B, files: [docs/enc.pdf]}
          - {kind: document, title: C, files: [docs/broken.pdf]}
          - {kind: document, title: D, files: [docs/letter.pdf], password_env: EVK_UNSET_VAR}
        """,
    )
    proc = invoke_cli("validate", str(m))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    err = proc.stderr
    assert re.search(
        r"case\.yaml:4:\d+: evidence\[0\]\.pages: docs/multi\.pdf: page 9 does not "
        r"exist: the PDF has 5 pages",
        err,
    ), err
    assert re.search(
        r"evidence\[1\]\.files\[0\]: docs/enc\.pdf: the PDF is encrypted; name the "
        r"environment variable",
        err,
    ), err
    assert re.search(r"evidence\[2\]\.files\[0\]: docs/broken\.pdf: the PDF is damaged", err), err
    assert re.search(
        r"evidence\[3\]\.password_env: the environment variable 'EVK_UNSET_VAR' "
        r"is not set",
        err,
    ), err


def test_image_only_profile_gets_capped_images(tmp_path: Path) -> None:
    make_pdfs(tmp_path)
    (tmp_path / "imgs.yaml").write_text(
        "title: Image-only test\nformats: [jpeg, png]\noutput: images\n"
        "limits: {image_bytes: 120000, files: 3, total_bytes: 330000}\n",
        encoding="utf-8",
    )
    m = write_case(
        tmp_path,
        """\
        evidencekit: 1
        case: {id: IM-1, title: 图片平台, profile: ./imgs.yaml}
        evidence:
          - {kind: document, title: Policy, files: [docs/multi.pdf]}
        """,
    )
    proc = invoke_cli("build", "-q", str(m), "-o", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    images = sorted((tmp_path / "o/pages").iterdir())
    assert 1 <= len(images) <= 3
    assert all(p.stat().st_size <= 110_000 for p in images)
    assert sum(p.stat().st_size for p in images) <= 330_000
    pages = len(pypdf.PdfReader(tmp_path / "o/IM-1.pdf").pages)
    _first, last = re.match(r"IM-1-p(\d+)-(\d+)\.jpg", images[-1].name).groups()  # type: ignore[union-attr]
    assert int(last) == pages


# --- PDFs from the wild: standard fonts, odd names, boxes and rotations, protection ---

ONE_DOC = """\
evidencekit: 1
case: {id: W-1, title: Wild PDF, profile: generic}
evidence:
  - {kind: shipping, title: Proof of delivery, files: [pod.pdf]}
"""


def hand_pdf(fonts: dict[str, pikepdf.Dictionary], content: bytes) -> pikepdf.Pdf:
    """A one-page PDF written by hand: a content stream using the given font resources."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(fonts))
    page.Contents = pdf.make_stream(content)
    return pdf


def type1(name: str, **extra: object) -> pikepdf.Dictionary:
    return pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name(name), **extra
    )


def build_one(folder: Path, data: bytes, pdfa: bool = False) -> BuildResult:
    manifest = write_case(folder, ONE_DOC, {"pod.pdf": data})
    return build(manifest, BuildOptions(out_dir=folder / "out", pdfa=pdfa))


STANDARD_FONTS_CONTENT = b"""
BT /F1 14 Tf 50 780 Td (Delivered to J\\351r\\364me \\225 signed) Tj ET
BT /F2 14 Tf 50 750 Td (4 5 n) Tj ET
BT /F3 14 Tf 50 720 Td (abg) Tj ET
BT /F4 14 Tf 50 690 Td (Arial bold total 299.00) Tj ET
BT /F5 14 Tf 50 660 Td (Times euro \\001) Tj ET
BT /F6 10 Tf 50 630 Td (Courier tracking SF123) Tj ET
BT /F7 10 Tf 50 600 Td (Helvetica oblique) Tj ET
"""


def standard_fonts_pdf() -> bytes:
    fonts = {
        "/F1": type1("/Helvetica", Encoding=pikepdf.Name.WinAnsiEncoding),
        "/F2": type1("/ZapfDingbats"),
        "/F3": type1("/Symbol"),
        "/F4": pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.TrueType,
            BaseFont=pikepdf.Name("/Arial,Bold"),
            Encoding=pikepdf.Name.WinAnsiEncoding,
        ),
        "/F5": type1(
            "/Times-Roman",
            Encoding=pikepdf.Dictionary(Differences=pikepdf.Array([1, pikepdf.Name.Euro])),
        ),
        "/F6": pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.TrueType,
            BaseFont=pikepdf.Name("/ABCDEF+CourierNewPS-BoldMT"),
        ),
        "/F7": type1("/Helvetica-Oblique"),
    }
    with hand_pdf(fonts, STANDARD_FONTS_CONTENT) as pdf:
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def test_standard_fonts_get_embedded_substitutes_for_pdfa(tmp_path: Path) -> None:
    from pikepdf import pdfa

    result = build_one(tmp_path / "case", standard_fonts_pdf(), pdfa=True)
    report = pdfa.validate_written(result.pdf_path, "3b")
    assert report.verdict == "pass", [str(f) for f in report.findings]
    embedded = {}
    sizes: dict[str, int] = {}
    with pikepdf.open(result.pdf_path) as pdf:
        for xobj in pdf.objects:  # the included page is a form XObject; its fonts are direct
            if not (isinstance(xobj, pikepdf.Stream) and xobj.get("/Subtype") == "/Form"):
                continue
            for _, obj in xobj.get("/Resources", {}).get("/Font", {}).items():
                desc = obj.get("/FontDescriptor")
                if desc is not None and "/FontFile3" in desc:
                    embedded["/" + str(obj.BaseFont).split("+")[-1]] = obj
                    sizes[str(obj.BaseFont)] = len(desc.FontFile3.read_raw_bytes())
    for name in (
        "/NimbusSans-Regular",
        "/NimbusSans-Bold",
        "/NimbusSans-Italic",
        "/D050000L",
        "/StandardSymbolsPS",
        "/NimbusRoman-Regular",
        "/NimbusMonoPS-Bold",
    ):
        assert name in embedded, sorted(embedded)
        font = embedded[name]
        assert font.FontDescriptor.FontFile3.Subtype == pikepdf.Name.Type1C
        assert re.fullmatch(r"/[A-Z]{6}\+" + name[1:], str(font.BaseFont))
        # subset to the glyphs its encoding reaches: a fraction of the whole font
        assert sizes[str(font.BaseFont)] < 25_000, name
        assert len(font.Widths) == int(font.LastChar) - int(font.FirstChar) + 1
    # The widths are the substitute's own: 'A' in Helvetica's metrics is 667 units.
    sans = embedded["/NimbusSans-Regular"]
    assert int(sans.Widths[ord("A") - int(sans.FirstChar)]) == 667
    assert embedded["/D050000L"].FontDescriptor.Flags & 4  # symbolic
    text = " ".join(texts(result.pdf_path))
    assert "Delivered to Jérôme" in text and "Arial bold total 299.00" in text


def test_font_without_substitute_is_refused_by_name(tmp_path: Path) -> None:
    from evidencekit.errors import EvidenceError

    with hand_pdf({"/F1": type1("/Ubuntu-Regular")}, b"BT /F1 12 Tf 50 700 Td (x) Tj ET") as pdf:
        out = io.BytesIO()
        pdf.save(out)
    with pytest.raises(EvidenceError) as e:
        build_one(tmp_path / "case", out.getvalue(), pdfa=True)
    assert re.search(
        r"case\.yaml:\d+:\d+: evidence\[0\]\.files\[0\]: pod\.pdf: the PDF uses fonts it does "
        r"not embed \(Ubuntu-Regular\)",
        str(e.value),
    ), str(e.value)


def test_pdfa_lists_every_refused_pdf(tmp_path: Path) -> None:
    """--pdfa names every included PDF it must refuse at once, not only the first."""
    from evidencekit.errors import ManifestError

    docs = {}
    for font in ("Ubuntu-Regular", "Cantarell-Bold"):
        with hand_pdf({"/F1": type1(f"/{font}")}, b"BT /F1 12 Tf 50 700 Td (x) Tj ET") as pdf:
            out = io.BytesIO()
            pdf.save(out)
        docs[f"{font}.pdf"] = out.getvalue()
    text = ONE_DOC.replace("files: [pod.pdf]", "files: [Ubuntu-Regular.pdf, shot.png]")
    text += "  - {kind: document, title: Policy, files: [Cantarell-Bold.pdf]}\n"
    manifest = write_case(tmp_path, text, {**docs, "shot.png": None})
    with pytest.raises(ManifestError) as e:
        build(manifest, BuildOptions(out_dir=tmp_path / "out", pdfa=True))
    assert [p.path.rsplit(": ", 1)[-1] for p in e.value.problems] == [
        "evidence[0].files[0]",
        "evidence[1].files[0]",
    ]
    said = str(e.value)
    assert "Ubuntu-Regular.pdf: the PDF uses fonts it does not embed (Ubuntu-Regular)" in said
    assert "Cantarell-Bold.pdf: the PDF uses fonts it does not embed (Cantarell-Bold)" in said
    assert "不允许" in e.value.render("zh-CN")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("Helvetica", "NimbusSans-Regular"),
        ("Helvetica-BoldOblique", "NimbusSans-BoldItalic"),
        ("ArialMT", "NimbusSans-Regular"),
        ("Arial,Bold", "NimbusSans-Bold"),
        ("Arial-BoldItalicMT", "NimbusSans-BoldItalic"),
        ("XYZABC+Arial-ItalicMT", "NimbusSans-Italic"),
        ("Times-Roman", "NimbusRoman-Regular"),
        ("TimesNewRoman,BoldItalic", "NimbusRoman-BoldItalic"),
        ("TimesNewRomanPS-BoldMT", "NimbusRoman-Bold"),
        ("Times New Roman", "NimbusRoman-Regular"),
        ("Courier", "NimbusMonoPS-Regular"),
        ("CourierNewPS-ItalicMT", "NimbusMonoPS-Italic"),
        ("Courier-BoldOblique", "NimbusMonoPS-BoldItalic"),
        ("Symbol", "StandardSymbolsPS"),
        ("ZapfDingbats", "D050000L"),
        ("ArialNarrow", None),
        ("Helvetica-Condensed", None),
        ("LiberationSans", None),
        ("SymbolMT-Extra", None),
    ],
)
def test_standard_font_aliases(name: str, want: str | None) -> None:
    from evidencekit.pdf.fonts import substitute_for

    assert substitute_for(name) == want


def _non_utf8_font_pdf() -> bytes:
    with hand_pdf({"/F1": type1("/BadXXXXXXFont")}, b"BT /F1 12 Tf 50 700 Td (odd) Tj ET") as pdf:
        out = io.BytesIO()
        pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    data = out.getvalue().replace(b"/BadXXXXXXFont", b"/Bad#FF#FEFont")
    assert b"/Bad#FF#FEFont" in data
    return data


def test_font_name_not_utf8(tmp_path: Path) -> None:
    from evidencekit.errors import EvidenceError

    result = build_one(tmp_path / "plain", _non_utf8_font_pdf())
    assert result.pages >= 5
    with pytest.raises(EvidenceError, match=r"pod\.pdf: the PDF uses fonts .*\(Bad#ff#feFont\)"):
        build_one(tmp_path / "pdfa", _non_utf8_font_pdf(), pdfa=True)


def _boxed(change: str) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(400, 600))
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=type1("/Helvetica")))
    page.Contents = pdf.make_stream(b"BT /F1 20 Tf 40 300 Td (BOXMARK 42) Tj ET")
    obj = page.obj
    if change == "missing":
        del obj["/MediaBox"]
    elif change == "inverted":
        obj.MediaBox = pikepdf.Array([400, 600, 0, 0])
    elif change == "zero":
        obj.MediaBox = pikepdf.Array([0, 0, 0, 600])
    elif change == "huge":
        obj.MediaBox = pikepdf.Array([0, 0, 90000, 90000])
    elif change == "crop_outside":
        obj.CropBox = pikepdf.Array([1000, 1000, 2000, 2000])
    elif change == "non_numeric":
        obj.MediaBox = pikepdf.Array([0, 0, pikepdf.Name.A, pikepdf.String("x")])
    elif change == "rotate_negative":
        obj.Rotate = -90
    elif change == "rotate_450":
        obj.Rotate = 450
    elif change == "rotate_45":
        obj.Rotate = 45
    elif change == "rotate_name":
        obj.Rotate = pikepdf.Name.Left
    elif change == "rotate_inherited":
        pdf.Root.Pages.Rotate = 270
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("change", "size", "warning"),
    [
        ("missing", (612, 792), None),  # qpdf supplies US Letter, as readers do
        ("inverted", (400, 600), None),
        ("zero", (612, 792), "MediaBox of zero area"),
        ("huge", (90000, 90000), "larger than PDF allows"),
        ("crop_outside", (400, 600), "CropBox outside its MediaBox"),
        ("non_numeric", (612, 792), None),  # qpdf replaces it by US Letter
        ("rotate_negative", (600, 400), None),
        ("rotate_450", (600, 400), None),
        ("rotate_45", (400, 600), "invalid /Rotate"),
        ("rotate_name", (400, 600), "invalid /Rotate"),
        ("rotate_inherited", (600, 400), None),
    ],
)
def test_odd_page_boxes_and_rotation(
    tmp_path: Path, change: str, size: tuple[int, int], warning: str | None
) -> None:
    from evidencekit.pdf.sources import inspect_pdf, normalise_pdf

    path = tmp_path / "odd.pdf"
    path.write_bytes(_boxed(change))
    info = inspect_pdf(path)
    if warning:
        assert any(warning in n for n in info.notes), info.notes
    else:
        assert not info.notes
    norm = normalise_pdf(path, "", [0])
    assert norm.sizes == [size]
    result = build_one(tmp_path / "case", path.read_bytes())
    assert not warning or any(warning in w for w in result.warnings), result.warnings
    pages = texts(result.pdf_path)
    assert sum("BOXMARK 42" in t for t in pages) == 1  # drawn in, never a blank page


def test_owner_password_only_opens_and_leaves_no_decrypted_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    import evidencekit.pdf.postprocess as postprocess

    with pikepdf.open(io.BytesIO(html_pdf("<h1>Print protected 3321</h1>"))) as p:
        out = io.BytesIO()
        p.save(
            out,
            encryption=pikepdf.Encryption(
                user="",
                owner="owner-secret",
                allow=pikepdf.Permissions(extract=False, modify_other=False, print_highres=False),
            ),
        )
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    on_disk: list[str] = []
    real = postprocess.draw_pages

    def spy(pdf: object, placements: list[object], sources: object) -> None:
        # While pages are drawn in (a kill here is the worst case): no PDF in the temp folder.
        on_disk.extend(
            str(f) for f in temp.rglob("*") if f.is_file() and f.read_bytes()[:5] == b"%PDF-"
        )
        drawn.append(len(placements))
        real(pdf, placements, sources)  # type: ignore[arg-type]

    drawn: list[int] = []
    monkeypatch.setattr(postprocess, "draw_pages", spy)  # as the build's assembly calls it
    result = build_one(tmp_path / "case", out.getvalue())
    assert any("Print protected 3321" in t for t in texts(result.pdf_path))
    assert drawn and on_disk == []


def test_protected_pdf_qpdf_refuses_opens_with_pdfium(tmp_path: Path) -> None:
    # Owner-password-only AES-256 whose encryption dictionary lacks /OE: qpdf refuses it,
    # PDFium (like most readers) opens it without asking; included with a warning.
    with pikepdf.open(io.BytesIO(html_pdf("<h1>Carrier receipt 7745</h1>"))) as p:
        out = io.BytesIO()
        p.save(
            out,
            encryption=pikepdf.Encryption(user="", owner="owner-secret", R=6),
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
        )
    data = out.getvalue()
    assert b"/OE " in data
    data = data.replace(b"/OE ", b"/XX ", 1)
    with pytest.raises(pikepdf.PdfError):
        pikepdf.open(io.BytesIO(data))
    result = build_one(tmp_path / "case", data)
    assert any("opened with PDFium" in w for w in result.warnings), result.warnings
    assert any("Carrier receipt 7745" in t for t in texts(result.pdf_path))


def test_substituted_fonts_build_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    manifest = write_case(tmp_path / "case", ONE_DOC, {"pod.pdf": standard_fonts_pdf()})
    first = build(manifest, BuildOptions(out_dir=tmp_path / "a", pdfa=True))
    second = build(manifest, BuildOptions(out_dir=tmp_path / "b", pdfa=True))
    assert first.pdf_path.read_bytes() == second.pdf_path.read_bytes()
