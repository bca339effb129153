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

from .conftest import run_cli, write_case


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
    proc = run_cli(
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
    proc = run_cli(
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
    # A PDF whose fonts are not embedded cannot go into PDF/A: refused, naming it.
    refused = run_cli("build", "-q", str(pdf_case), "--pdfa", "-o", str(tmp_path / "x"), env=ENV)
    assert refused.returncode == 1
    assert re.search(
        r"case\.yaml:\d+:\d+: evidence\[4\]\.files\[0\]: docs/form\.pdf: the PDF "
        r"uses fonts it does not embed \(Helvetica\)",
        refused.stderr,
    ), refused.stderr


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
    proc = run_cli("validate", str(pdf_case), env={"EVK_TEST_PW": "nope"})
    assert proc.returncode == 1
    assert re.search(
        r"case\.yaml:\d+:\d+: evidence\[2\]\.password_env: docs/enc\.pdf: the PDF "
        r"is encrypted and the password is wrong",
        proc.stderr,
    ), proc.stderr
    unset = run_cli("validate", str(pdf_case), env={"EVK_TEST_PW": "pw123"})
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
    proc = run_cli("validate", str(m))
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
    proc = run_cli("build", "-q", str(m), "-o", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    images = sorted((tmp_path / "o/pages").iterdir())
    assert 1 <= len(images) <= 3
    assert all(p.stat().st_size <= 110_000 for p in images)
    assert sum(p.stat().st_size for p in images) <= 330_000
    pages = len(pypdf.PdfReader(tmp_path / "o/IM-1.pdf").pages)
    _first, last = re.match(r"IM-1-p(\d+)-(\d+)\.jpg", images[-1].name).groups()  # type: ignore[union-attr]
    assert int(last) == pages
