"""Fitting a case to a platform's limits, per-field files, text fields, init and warnings."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pypdf
import pytest
from PIL import Image

from evidencekit.manifest import load_case
from evidencekit.outputs.platform import MANIFEST_FIELDS
from evidencekit.pipeline import BuildOptions, build
from evidencekit.profiles import load_profile, profile_names

from .conftest import invoke_cli, write_case


def noisy_photo(path: Path, size: tuple[int, int] = (1600, 1200), seed: int = 1) -> None:
    """A photo-like image that compresses badly (so sizes matter)."""
    rnd = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    small = Image.new("RGB", (size[0] // 8, size[1] // 8))
    small.putdata(
        [
            (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
            for _ in range(small.width * small.height)
        ]
    )
    small.resize(size, Image.Resampling.BICUBIC).save(path, "JPEG", quality=95)


def profile_file(folder: Path, **limits: int) -> None:
    lines = "".join(f"  {k}: {v}\n" for k, v in limits.items())
    (folder / "tight.yaml").write_text(
        "title: Tight test platform\npaper: A4\nlanguage: en\nformats: [pdf]\n"
        "reasons: {not_received: [not received]}\nexpected: {not_received: [shipping]}\n"
        f"limits:\n{lines}  text_chars: {{summary: 300}}\n  text_min_chars: {{summary: 2}}\n",
        encoding="utf-8",
    )


CASE = """\
evidencekit: 1
case:
  id: FIT-1
  title: Fit test
  profile: ./tight.yaml
  dispute: {reason: Item not received, requested_outcome: Decide for the merchant}
  statement: |
    The parcel was delivered to the address on the order. {long}
evidence:
  - kind: product
    title: Photos
    files: [photos/*.jpg]
"""


def make_fit_case(folder: Path, photos: int) -> Path:
    for i in range(photos):
        noisy_photo(folder / f"photos/{i}.jpg", seed=i)
    return write_case(folder, CASE.replace("{long}", "More words here. " * 60))


def test_ladder_steps_down_until_it_fits(tmp_path: Path) -> None:
    manifest = make_fit_case(tmp_path / "c", 3)
    profile_file(tmp_path / "c")
    first = invoke_cli("build", "-q", str(manifest), "-o", str(tmp_path / "free"))
    assert first.returncode == 0, first.stderr
    free_size = (tmp_path / "free/FIT-1.pdf").stat().st_size
    # A limit below the first build's size but reachable with lower DPI/quality.
    profile_file(tmp_path / "c", total_bytes=int(free_size * 0.6))
    proc = invoke_cli("build", str(manifest), "-o", str(tmp_path / "fit"))
    assert proc.returncode == 0, proc.stderr
    assert "fitted to the tight limits" in proc.stderr
    size = (tmp_path / "fit/FIT-1.pdf").stat().st_size
    assert size <= int(free_size * 0.6)
    ev = json.loads((tmp_path / "fit/FIT-1.evidence.json").read_text(encoding="utf-8"))
    assert ev["fit"]["steps"] and "dpi" in ev["fit"]["final"]


def test_cannot_fit_exits_3_with_figures(tmp_path: Path) -> None:
    manifest = make_fit_case(tmp_path / "c", 3)
    profile_file(tmp_path / "c", total_bytes=60_000)
    proc = invoke_cli("build", str(manifest), "-o", str(tmp_path / "o"))
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert re.search(
        r"tight: total size \d+\.\d\d MB, limit 0\.06 MB after the last step", proc.stderr
    ), proc.stderr
    assert "the largest exhibits: Exhibit A" in proc.stderr
    assert not (tmp_path / "o/FIT-1.pdf").exists()
    # Exit 3 keeps what was made: a draft (never the upload name) and its figures.
    draft = tmp_path / "o/FIT-1.draft.pdf"
    assert draft.exists() and str(draft) in proc.stderr
    assert "what takes the bytes: images" in proc.stderr
    pages = len(pypdf.PdfReader(draft).pages)
    report = json.loads((tmp_path / "o/FIT-1.fit-report.json").read_text(encoding="utf-8"))
    assert report["pages"] == pages and report["bytes"] == draft.stat().st_size
    assert report["dominant"] == "images"
    (ex,) = report["exhibits"]
    assert ex["exhibit"] == "Exhibit A" and ex["pages"] == 3 and ex["dominant"] == "images"
    assert ex["bytes"] > 0.5 * report["bytes"]
    text = (tmp_path / "o/FIT-1.fit-report.txt").read_text(encoding="utf-8")
    assert "Exhibit A" in text and "limit 0.06 MB" in text
    # Once the case fits, the draft and its report go.
    profile_file(tmp_path / "c")
    again = invoke_cli("build", "-q", str(manifest), "-o", str(tmp_path / "o"))
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "o/FIT-1.pdf").exists()
    assert not list((tmp_path / "o").glob("FIT-1.*draft*")) + list(
        (tmp_path / "o").glob("*fit-report*")
    )


def test_page_cap_is_reported_not_silently_cut(tmp_path: Path) -> None:
    manifest = make_fit_case(tmp_path / "c", 2)
    profile_file(tmp_path / "c", pages_per_file=2)
    proc = invoke_cli("build", str(manifest), "-o", str(tmp_path / "o"))
    assert proc.returncode == 3
    assert re.search(r"tight: pages \d+, limit 2 \(FIT-1\.pdf\)", proc.stderr), proc.stderr


def test_text_field_trimmed_and_written(tmp_path: Path) -> None:
    manifest = make_fit_case(tmp_path / "c", 1)
    profile_file(tmp_path / "c")
    proc = invoke_cli("build", "-q", str(manifest), "-o", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "o/FIT-1.summary.txt").read_text(encoding="utf-8").rstrip("\n")
    assert 2 <= len(text) <= 300
    assert text.startswith("Request: Decide for the merchant")
    assert text.endswith("(full text in the attached PDF)")
    sums = (tmp_path / "o/SHA256SUMS").read_text()
    assert "FIT-1.summary.txt" in sums and "FIT-1.tight.json" in sums


def test_expected_evidence_warning(tmp_path: Path) -> None:
    manifest = make_fit_case(tmp_path / "c", 1)
    profile_file(tmp_path / "c")
    proc = invoke_cli("validate", str(manifest))
    assert proc.returncode == 0
    assert re.search(
        r"warning: case\.yaml:\d+:\d+: case\.dispute\.reason: a 'not_received' "
        r"dispute usually needs shipping evidence",
        proc.stderr,
    ), proc.stderr


def test_stripe_one_file_per_field(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    noisy_photo(folder / "p.jpg", (800, 600))
    manifest = write_case(
        folder,
        """\
        evidencekit: 1
        case: {id: ST-1, title: Stripe test, profile: stripe,
               dispute: {reason: product_not_received}}
        evidence:
          - {kind: product, title: Listing, files: [p.jpg]}
          - kind: shipping
            title: Tracking
            carrier: UPS
            events: [{at: 2025-10-01T10:00:00, location: NYC, status: Delivered}]
          - {kind: note, title: Note, description: hello}
        """,
    )
    proc = invoke_cli("build", "-q", str(manifest), "-o", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    profile = load_profile("stripe")
    if profile.output != "categories":
        pytest.skip("stripe profile data does not ask for per-field files")
    evidence = json.loads((tmp_path / "o/ST-1.stripe.json").read_text(encoding="utf-8"))
    files = {v: k for k, v in evidence.items() if k in profile.categories}  # file -> field
    assert files and set(files.values()) <= set(profile.categories)
    main_pages = len(pypdf.PdfReader(tmp_path / "o/ST-1.pdf").pages)
    counted = 0
    for name in files:
        reader = pypdf.PdfReader(tmp_path / "o" / name)
        counted += len(reader.pages)
        text = reader.pages[0].extract_text()
        assert "ST-1" in text
        if profile.limits.file_bytes:
            assert (tmp_path / "o" / name).stat().st_size <= profile.limits.file_bytes
    assert counted == main_pages
    shipping = next(n for n, f in files.items() if "shipping" in profile.categories[f])
    assert "Tracking" in pypdf.PdfReader(tmp_path / "o" / shipping).pages[0].extract_text()


@pytest.mark.parametrize("name", profile_names())
def test_init_then_build_every_profile(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "case-1"
    proc = invoke_cli("init", str(folder), "--profile", name)
    assert proc.returncode == 0, proc.stderr
    assert (folder / "statement.md").exists() and (folder / "product").is_dir()
    case = load_case(folder / "case.yaml")  # validates
    assert case.profile.name == name
    result = build(folder / "case.yaml")  # in-process: the CLI path is tested above
    assert result.pdf_path == (folder / "out/case-1.pdf").resolve() and result.pages >= 4
    # never overwrite an existing case
    again = invoke_cli("init", str(folder), "--profile", name)
    assert again.returncode == 2 and "never overwrites" in again.stderr


def test_volumes_when_the_page_cap_bites(tmp_path: Path) -> None:
    manifest = make_fit_case(tmp_path / "c", 6)
    profile_file(tmp_path / "c", pages_per_file=5)
    proc = invoke_cli("build", "-q", str(manifest), "-o", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    main = pypdf.PdfReader(tmp_path / "o/FIT-1.pdf")
    volumes = sorted((tmp_path / "o").glob("FIT-1.vol*.pdf"))
    assert len(volumes) >= 2
    seen: list[int] = []
    for n, vol in enumerate(volumes, start=1):
        reader = pypdf.PdfReader(vol)
        assert len(reader.pages) <= 5
        first = reader.pages[0].extract_text()
        assert f"Volume {n} of {len(volumes)}" in first
        labels = reader.page_labels
        assert labels[0] == "volume index"
        for label, page in zip(labels[1:], reader.pages[1:], strict=True):
            number = int(label)
            seen.append(number)
            assert f"page {number} of {len(main.pages)}" in page.extract_text()
    assert seen == list(range(1, len(main.pages) + 1))  # continuous across volumes
    ev = json.loads((tmp_path / "o/FIT-1.evidence.json").read_text(encoding="utf-8"))
    assert {o["path"] for o in ev["outputs"]} >= {v.name for v in volumes}


PROFILE_CASE = """\
evidencekit: 1
case: {id: PR-1, title: Profile test 测试, dispute: {reason: not as described}}
evidence:
  - {kind: product, title: Photo, files: [photo.jpg]}
  - {kind: chat, title: Screens, files: [s1.png, s2.png]}
  - kind: shipping
    title: Tracking
    events: [{at: 2025-10-01T10:00:00, location: Hangzhou, status: Delivered 已签收}]
  - {kind: note, title: Note, description: "A **short** note."}
"""


# Every profile with its default form, and the forms with limits of their own (Taobao's, which
# Tmall shares, and Stripe's Mastercard page cap).
PROFILE_FORMS = [(n, None) for n in profile_names()] + [
    *[("taobao", f) for f in list(load_profile("taobao").forms)[1:]],
    ("stripe", "mastercard"),
]


@pytest.mark.parametrize(("name", "form"), PROFILE_FORMS)
def test_every_profile_meets_its_limits(tmp_path: Path, name: str, form: str | None) -> None:
    from .conftest import make_png

    folder = tmp_path / "c"
    noisy_photo(folder / "photo.jpg", (1600, 1200))
    make_png(folder / "s1.png", (1080, 2400))
    make_png(folder / "s2.png", (1080, 2400))
    manifest = write_case(folder, PROFILE_CASE)
    result = build(manifest, BuildOptions(profile=name, form=form, out_dir=tmp_path / "o"))
    profile = load_profile(name, form=form)
    lim = profile.limits
    out = tmp_path / "o"
    ev = json.loads((out / "PR-1.evidence.json").read_text(encoding="utf-8"))
    want = (612, 792) if profile.paper == "Letter" else (595, 842)
    box = pypdf.PdfReader(result.pdf_path).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == want
    if profile.output == "images":
        images = sorted((out / "pages").iterdir())
        assert images and (not lim.files or len(images) <= lim.files)
        total = 0
        for p in images:
            size = p.stat().st_size
            total += size
            assert not lim.image_bytes or size <= lim.image_bytes
            with Image.open(p) as im:
                fmt = {"JPEG": "jpeg", "PNG": "png"}[im.format or ""]
                assert fmt in profile.formats
                dpi = im.info.get("dpi", (0, 0))[0]
                assert not lim.dpi or dpi <= lim.dpi + 1
                assert dpi >= 96  # still legible: never shrunk below 96 dpi at printed size
        assert not lim.total_bytes or total <= lim.total_bytes
    elif profile.output == "categories":
        files = [o for o in ev["outputs"] if o["path"].endswith(".pdf") and o["path"] != "PR-1.pdf"]
        assert files
        for o in files:
            assert not lim.file_bytes or o["size"] <= lim.file_bytes
            assert not lim.pages_per_file or o["pages"] <= lim.pages_per_file
        assert not lim.total_bytes or sum(o["size"] for o in files) <= lim.total_bytes
    else:
        pdf = ev["outputs"][0]
        assert not lim.file_bytes or pdf["size"] <= lim.file_bytes
        assert not lim.pages_per_file or pdf["pages"] <= lim.pages_per_file
        assert "pdf" in profile.formats
    texts = {}
    for field_name in {*lim.text_chars, *lim.text_bytes}:
        path = out / f"PR-1.{field_name}.txt"
        if field_name in MANIFEST_FIELDS and not path.exists():
            continue  # a field only manifest data fills (customer e-mail): none in this case
        texts[field_name] = text = path.read_text(encoding="utf-8").rstrip("\n")
        assert lim.text_min_chars.get(field_name, 0) <= len(text)
        assert len(text) <= lim.text_chars.get(field_name, len(text))
        assert len(text.encode()) <= lim.text_bytes.get(field_name, len(text.encode()))
    if lim.text_chars or lim.text_bytes:
        assert set(texts) - MANIFEST_FIELDS, "the account goes into the form's catch-all field"
    assert not lim.text_total_chars or sum(map(len, texts.values())) <= lim.text_total_chars
    if profile.output == "images" and lim.files:
        pages = len(pypdf.PdfReader(result.pdf_path).pages)
        said = [w for w in ev["warnings"] if "combined into" in w]
        assert bool(said) == (pages > lim.files), ev["warnings"]
    if profile.file_names:
        rule = profile.file_names
        for o in ev["outputs"]:
            base = o["path"].rpartition("/")[2]
            assert not rule.max_chars or len(base) <= rule.max_chars, base
            assert rule.spaces or " " not in base, base
    if profile.pdfa:
        from pikepdf import pdfa

        assert pdfa.validate_written(result.pdf_path, "3b").verdict == "pass"


def _readme() -> str:
    from .conftest import ROOT

    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_profile_table_is_the_profile_data() -> None:
    from evidencekit.profiles import profile_table

    assert profile_table() in _readme()


def test_plain_text_of_markdown_keeps_word_breaks() -> None:
    from evidencekit.render.markdown import markdown_to_text

    assert markdown_to_text("shipped on\nSeptember 12 with **UPS**\n\n- one\n- two") == (
        "shipped on September 12 with UPS\n- one\n- two"
    )
