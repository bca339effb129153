"""Per-field files (Stripe) hold only their own pages' bytes: images, fonts, no stray CJK font."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pikepdf
import pypdf
import pytest

from evidencekit.pdf.reencode import survey
from evidencekit.pipeline import BuildOptions, build

from .conftest import make_png, write_case
from .test_fit import noisy_photo

_CJK = re.compile(r"[\u3400-\u9fff]")

BIG = """\
evidencekit: 1
case: {id: ST-BIG, title: Stripe bigger case, profile: stripe,
       dispute: {reason: product_not_received}}
evidence:
  - {kind: product, title: Listing photos, files: [photos/*.jpg]}
  - kind: shipping
    title: Tracking
    carrier: UPS
    events: [{at: 2025-10-01T10:00:00, location: NYC, status: Delivered}]
    files: [pod.jpg]
  - kind: chat
    title: Messages with the buyer
    files: [chat/*.png]
    description: "买家确认已收到包裹（客服聊天记录）"
  - {kind: note, title: Note, description: plain English only}
"""


def _per_field(out: Path, dossier: str) -> list[Path]:
    return sorted(p for p in out.glob("*.pdf") if p.name != dossier and ".draft." not in p.name)


def _only_what_pages_use(path: Path) -> None:
    """Every image and font program in the file is drawn by one of its pages."""
    with pikepdf.open(path) as pdf:
        uses, weights = survey(pdf)
        drawn_images = set(uses)
        drawn_fonts = set().union(*(w.fonts for w in weights))
        images, programs, cjk = set(), set(), []
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                continue
            if obj.get("/Subtype") == pikepdf.Name.Image:
                images.add(obj.objgen)
            if obj.get("/Type") == pikepdf.Name.FontDescriptor:
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in obj:
                        programs.add(obj[key].objgen)
                if "CJK" in str(obj.get("/FontName", "")):
                    cjk.append(str(obj.FontName))
        assert images == drawn_images, path.name
        assert programs == drawn_fonts, path.name
        text = "".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
        if not _CJK.search(text):
            assert not cjk, f"{path.name} has no Chinese text but carries {cjk}"


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stripe-big")
    for i in range(4):
        noisy_photo(folder / f"photos/{i}.jpg", (1400, 1050), seed=10 + i)
    noisy_photo(folder / "pod.jpg", (1200, 900), seed=20)
    for i in range(3):
        make_png(folder / f"chat/{i}.png", (1080, 2400), color=f"#e{i}e{i}f{i}")
    manifest = write_case(folder, BIG)
    build(manifest, BuildOptions(out_dir=folder / "out"))
    return folder / "out"


def test_stripe_example_fields_hold_only_their_pages(built_examples: dict[str, Path]) -> None:
    out = built_examples["stripe-not-received"]
    dossier = next(p for p in out.glob("*.pdf") if p.name.count(".") == 1)
    files = _per_field(out, dossier.name)
    assert len(files) >= 3
    for f in files:
        _only_what_pages_use(f)
    total = sum(f.stat().st_size for f in files)
    assert total <= 1.1 * dossier.stat().st_size, (total, dossier.stat().st_size)


def test_bigger_case_fields_hold_only_their_pages(big: Path) -> None:
    files = _per_field(big, "ST-BIG.pdf")
    mapping = json.loads((big / "ST-BIG.stripe.json").read_text(encoding="utf-8"))
    # stripe.json is the Disputes API evidence object: file fields name the files written.
    named = {v for v in mapping.values() if isinstance(v, str) and v.endswith(".pdf")}
    assert {f.name for f in files} == named
    for f in files:
        _only_what_pages_use(f)
    chat = next(f for f in files if "customer_communication" in f.name)
    with pikepdf.open(chat) as pdf:  # the one field with Chinese text keeps its font
        assert any(
            "CJK" in str(o.get("/FontName", ""))
            for o in pdf.objects
            if isinstance(o, pikepdf.Dictionary)
        )
    total = sum(f.stat().st_size for f in files)
    assert total <= 1.1 * (big / "ST-BIG.pdf").stat().st_size
