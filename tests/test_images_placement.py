"""Images placed into their reserved slots (issue #13): the layout draws placeholders while
the images are prepared; pdf/images.py swaps in the prepared JPEG bytes as they are."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pikepdf
import pypdf
import pytest
from PIL import Image, ImageDraw

from evidencekit.assets.images import load_prepared, plan_image, prepare_image, slot_placeholder
from evidencekit.errors import RenderError
from evidencekit.i18n import t
from evidencekit.pdf.images import SLOT_MARK, PreparedJpeg, slot_name
from evidencekit.pdf.postprocess import assemble_pdf
from evidencekit.pipeline import BuildOptions, build
from evidencekit.render.weasy import render_pdf

from .conftest import MINIMAL, write_case

CASE = """\
evidencekit: 1
case: {id: PL-1, title: 图片放置, profile: generic, language: zh-CN}
evidence:
  - kind: chat
    title: 聊天截图
    files: [shots/a.png, shots/b.png, shots/same-pixels.png, long.png]
    redact:
      - {file: shots/b.png, boxes: [[100, 300, 400, 120]]}
  - kind: product
    title: 实拍照片
    files: [sideways.jpg]
"""

MM = 72 / 25.4


def _screen(colour: str, label: str, size: tuple[int, int] = (1080, 2400)) -> Image.Image:
    img = Image.new("RGB", size, colour)
    d = ImageDraw.Draw(img)
    for y in range(0, size[1], 200):
        d.rectangle((40, y + 20, 700, y + 120), fill="white")
        d.text((60, y + 50), f"{label} {y}", fill="black")
    return img


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One build of a case with every kind of image part; cache in its own folder."""
    import os

    root = tmp_path_factory.mktemp("placement")
    folder = root / "case"
    (folder / "shots").mkdir(parents=True)
    _screen("#ededed", "a").save(folder / "shots/a.png")
    _screen("#9eea6a", "b").convert("RGBA").save(folder / "shots/b.png")  # Android: RGBA
    # The same pixels as a.png, encoded differently: another source, the same placed JPEG.
    _screen("#ededed", "a").save(folder / "shots/same-pixels.png", compress_level=1)
    long = Image.new("RGB", (1080, 9000))
    for k in range(9):  # bands: each part of the long screenshot shows its own rows
        ImageDraw.Draw(long).rectangle((0, k * 1000, 1080, k * 1000 + 999), fill=(k * 28, 60, 90))
    long.save(folder / "long.png")
    upright = Image.new("RGB", (800, 600), (220, 30, 30))
    ImageDraw.Draw(upright).rectangle((400, 0, 799, 599), fill=(30, 30, 220))  # right: blue
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned; shown upright
    upright.transpose(Image.Transpose.ROTATE_90).save(
        folder / "sideways.jpg", quality=95, exif=exif.tobytes()
    )
    manifest = write_case(folder, CASE)
    cache = root / "cache"
    old = os.environ.get("EVIDENCEKIT_CACHE_DIR")
    os.environ["EVIDENCEKIT_CACHE_DIR"] = str(cache)
    try:
        result = build(manifest, BuildOptions(out_dir=root / "out"))
    finally:
        os.environ["EVIDENCEKIT_CACHE_DIR"] = old or ""
        if old is None:
            del os.environ["EVIDENCEKIT_CACHE_DIR"]
    record = json.loads(result.json_path.read_text(encoding="utf-8"))
    parts = {s["path"]: s["rendition"]["parts"] for s in record["sources"] if "rendition" in s}
    return {"pdf": result.pdf_path, "cache": cache, "parts": parts, "record": record}


def _placed(pdf_path: Path) -> list[tuple[int, bytes, pikepdf.Matrix, pikepdf.Object]]:
    """Every image drawn: (page number, raw stream, its matrix on the page, the object)."""
    out = []
    with pikepdf.open(pdf_path) as pdf:
        for n, page in enumerate(pdf.pages, start=1):
            xobjects = page.Resources.get("/XObject", {})
            ctm = pikepdf.Matrix()
            stack = []
            for operands, op in pikepdf.parse_content_stream(page):
                if op == pikepdf.Operator("q"):
                    stack.append(ctm)
                elif op == pikepdf.Operator("Q"):
                    ctm = stack.pop()
                elif op == pikepdf.Operator("cm"):
                    ctm = pikepdf.Matrix(*[float(v) for v in operands]) @ ctm
                elif op == pikepdf.Operator("Do"):
                    x = xobjects[operands[0]]
                    if x.get("/Subtype") == pikepdf.Name.Image:
                        out.append((n, bytes(x.read_raw_bytes()), ctm, x.objgen))
    return out


def _by_sha(built: dict[str, Any]) -> dict[str, list[tuple[int, bytes, pikepdf.Matrix, Any]]]:
    out: dict[str, list[tuple[int, bytes, pikepdf.Matrix, Any]]] = {}
    for drawn in _placed(built["pdf"]):
        out.setdefault(hashlib.sha256(drawn[1]).hexdigest(), []).append(drawn)
    return out


def test_placed_images_are_the_prepared_jpeg_bytes(built: dict[str, Any]) -> None:
    drawn = _by_sha(built)
    for rel, parts in built["parts"].items():
        for part in parts:
            (cached,) = built["cache"].glob(f"images/*/*/{part['name']}")
            data = cached.read_bytes()
            assert hashlib.sha256(data).hexdigest() == part["sha256"], rel
            assert part["sha256"] in drawn, f"{rel}: {part['name']} not drawn"
            raw = drawn[part["sha256"]][0][1]
            assert raw == data  # passed through: not decoded, not re-encoded
    with pikepdf.open(built["pdf"]) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == pikepdf.Name.Image:
                assert obj.Filter == pikepdf.Name.DCTDecode
                assert SLOT_MARK not in obj.read_raw_bytes()  # no placeholder left


def test_each_image_in_its_box_on_its_page(built: dict[str, Any]) -> None:
    drawn = _by_sha(built)
    reader = pypdf.PdfReader(built["pdf"])
    with pikepdf.open(built["pdf"]) as pdf:
        media = [float(v) for v in pdf.pages[0].MediaBox]
    seen: dict[str, int] = {}  # identical JPEGs: the n-th drawing is the n-th source
    for rel, parts in built["parts"].items():
        for k, part in enumerate(parts, start=1):
            n = seen[part["sha256"]] = seen.get(part["sha256"], -1) + 1
            page, _raw, m, _og = drawn[part["sha256"]][n]
            # The box the layout planned: the part's printed size, upright, on the page.
            planned = plan_image(
                Path(built["pdf"]).parents[1] / "case" / rel, rel, "x", box_mm=_box(built)
            ).image.parts[k - 1]
            assert m.a == pytest.approx(planned.width_mm * MM, abs=0.05), rel
            assert m.d == pytest.approx(planned.height_mm * MM, abs=0.05), rel
            assert m.b == m.c == 0
            assert m.e > 0 and m.e + m.a < media[2] and m.f > 0 and m.f + m.d < media[3]
            text = reader.pages[page - 1].extract_text()
            assert rel in text  # the caption under the image is on the same page
            if len(parts) > 1:
                assert t("part", "zh-CN", k=k, n=len(parts)) in text


def _box(built: dict[str, Any]) -> tuple[float, float]:
    from evidencekit.render import content_box_mm

    w, h = content_box_mm("A4")
    return (w, h - 72)


def test_long_screenshot_parts_follow_each_other(built: dict[str, Any]) -> None:
    drawn = _by_sha(built)
    parts = built["parts"]["long.png"]
    assert len(parts) >= 2
    pages = [drawn[p["sha256"]][0][0] for p in parts]
    assert pages == sorted(pages) and len(set(pages)) == len(pages)
    firsts = []
    for p in parts:
        img = Image.open(io.BytesIO(drawn[p["sha256"]][0][1])).convert("RGB")
        firsts.append(img.getpixel((img.width // 2, 2))[0])
    assert firsts == sorted(firsts) and firsts[0] < firsts[-1]  # later parts show later rows


def test_redaction_and_orientation_in_the_placed_pixels(built: dict[str, Any]) -> None:
    drawn = _by_sha(built)
    (b,) = built["parts"]["shots/b.png"]
    img = Image.open(io.BytesIO(drawn[b["sha256"]][0][1])).convert("RGB")
    s = img.width / 1080
    box = img.crop((round(110 * s), round(310 * s), round(490 * s), round(410 * s)))
    assert max(hi for _lo, hi in box.getextrema()) < 40  # burned in black
    (photo,) = built["parts"]["sideways.jpg"]
    img = Image.open(io.BytesIO(drawn[photo["sha256"]][0][1])).convert("RGB")
    assert img.width > img.height  # upright, as EXIF orientation 6 says
    left, right = img.getpixel((5, img.height // 2)), img.getpixel((img.width - 5, 5))
    assert left[0] > 150 > left[2] and right[2] > 150 > right[0]


def test_identical_images_stored_once(built: dict[str, Any]) -> None:
    (a,) = built["parts"]["shots/a.png"]
    (same,) = built["parts"]["shots/same-pixels.png"]
    assert a["name"] != same["name"] and a["sha256"] == same["sha256"]
    objects = {og for og_list in _by_sha(built).values() for *_, og in og_list}
    shas = {p["sha256"] for parts in built["parts"].values() for p in parts}
    assert len(objects) == len(shas)  # one object per distinct JPEG, drawn twice
    assert len(_by_sha(built)[a["sha256"]]) == 2


def test_plan_matches_prepared_parts(tmp_path: Path) -> None:
    # The layout is made from the plan; the prepared parts must have its names and sizes.
    tiff = tmp_path / "scan.tif"
    pages = [Image.new("RGB", (600, 800), c) for c in ("red", "green")]
    pages[0].save(tiff, save_all=True, append_images=pages[1:])
    jpeg = tmp_path / "big.jpg"
    exif = Image.Exif()
    exif[0x0112] = 8
    Image.new("RGB", (4000, 3000), "#8a6").save(jpeg, quality=80, exif=exif.tobytes())
    long = tmp_path / "long.png"
    Image.new("RGBA", (720, 7000), (200, 200, 200, 255)).save(long)
    for src in (tiff, jpeg, long):
        plan = plan_image(src, src.name, "t", box_mm=(170, 200)).image
        made = prepare_image(src, src.name, tmp_path, "t", box_mm=(170, 200))
        want = [(p.name, p.width_mm, p.height_mm, p.part, p.frame) for p in plan.parts]
        assert [(p.name, p.width_mm, p.height_mm, p.part, p.frame) for p in made.parts] == want
        assert made.source_px == plan.source_px
        assert all(p.width_px > 0 and p.sha256 for p in made.parts)


def test_placeholder_without_an_image_is_an_error(tmp_path: Path) -> None:
    html = '<img src="evk://build/x-1.jpg" style="width: 50mm; height: 80mm">'
    laid = render_pdf(html, {"x-1.jpg": slot_placeholder("x-1.jpg")}, identifier=b"1" * 32)
    jpeg = tmp_path / "y.jpg"
    Image.new("RGB", (60, 90), "red").save(jpeg)
    other = PreparedJpeg(jpeg, 60, 90, hashlib.sha256(jpeg.read_bytes()).hexdigest())
    with pytest.raises(RenderError, match=r"x-1\.jpg"):
        assemble_pdf([laid.pdf], {"y-1.jpg": other}, [])
    placed = assemble_pdf([laid.pdf], {"x-1.jpg": other}, [])
    with pikepdf.open(io.BytesIO(placed)) as pdf:
        (image,) = pdf.pages[0].Resources.XObject.values()
        assert bytes(image.read_raw_bytes()) == jpeg.read_bytes()
        assert (int(image.Width), int(image.Height)) == (60, 90)
    assert slot_name(slot_placeholder("名字-1.jpg")) == "名字-1.jpg"
    assert slot_name(jpeg.read_bytes()) is None


@pytest.mark.parametrize(("rendering", "interpolate"), [("auto", True), ("pixelated", False)])
def test_placed_image_keeps_how_the_layout_draws_it(
    tmp_path: Path, rendering: str, interpolate: bool
) -> None:
    # The swapped-in image keeps the placeholder's drawing keys (CSS image-rendering).
    style = f"width: 50mm; height: 80mm; image-rendering: {rendering}"
    laid = render_pdf(
        f'<img src="evk://build/x-1.jpg" style="{style}">',
        {"x-1.jpg": slot_placeholder("x-1.jpg")},
        identifier=b"1" * 32,
    )
    jpeg = tmp_path / "x.jpg"
    Image.new("RGB", (60, 90), "red").save(jpeg)
    placed = assemble_pdf(
        [laid.pdf],
        {"x-1.jpg": PreparedJpeg(jpeg, 60, 90, hashlib.sha256(jpeg.read_bytes()).hexdigest())},
        [],
    )
    with pikepdf.open(io.BytesIO(placed)) as pdf:
        (image,) = pdf.pages[0].Resources.XObject.values()
        assert bool(image.get("/Interpolate", False)) is interpolate


def test_screenshots_sit_two_to_a_row(built: dict[str, Any]) -> None:
    """Portrait screenshots two to a row, each row a block of its own (render/context.py:
    _paired): a.png left, b.png right at the same height; the third starts the next row on the
    left. The long screenshot's parts, full width, follow below."""
    drawn = _by_sha(built)
    first = {rel: drawn[parts[0]["sha256"]] for rel, parts in built["parts"].items()}
    (a_page, _, a, _), (same_page, _, same, _) = first["shots/a.png"]  # same pixels: two drawings
    b_page, _, b, _ = first["shots/b.png"][0]
    assert a_page == b_page
    assert b.f == pytest.approx(a.f + a.d - b.d, abs=0.05)  # tops aligned
    assert b.e > a.e + a.a  # b to the right of a
    assert (same_page, same.e) != (a_page, a.e) or same.f < a.f  # not drawn over a
    assert same.e == pytest.approx(a.e, abs=0.05)  # the next row starts on the left


def test_pairs_group_half_images_in_twos() -> None:
    from evidencekit.render.context import _paired

    def half(n: int) -> dict[str, object]:
        return {"type": "image", "half": True, "n": n}

    whole = {"type": "image", "half": False, "n": 9}
    slot = {"type": "slot", "id": "s"}
    blocks = _paired([half(1), half(2), half(3), whole, half(4), slot, half(5), half(6)])
    assert [b["type"] for b in blocks] == ["pair", "pair", "image", "pair", "slot", "pair"]
    assert [[f["n"] for f in b["figures"]] for b in blocks if b["type"] == "pair"] == [  # type: ignore[attr-defined]
        [1, 2],
        [3],
        [4],
        [5, 6],
    ]


def test_a_tiny_wild_image_is_drawn_at_its_size(tmp_path: Path) -> None:
    # Pillow's 8×8 exif_gps.jpg had been drawn 178 mm wide (the content box): a black square
    # across the page. Twice its 96-dpi size is 4.2 mm (12 pt); its 8×8 pixels are kept.
    from evidencekit.render import content_box_mm

    from .corpora import corpus_dir

    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "exif_gps.jpg").write_bytes((corpus_dir("pillow") / "exif_gps.jpg").read_bytes())
    manifest = write_case(
        folder,
        """\
        evidencekit: 1
        case: {id: TINY-1, title: A tiny image, profile: generic, language: en}
        evidence:
          - {kind: product, title: Thumbnail, files: [exif_gps.jpg]}
        """,
    )
    result = build(manifest, BuildOptions(out_dir=tmp_path / "out"))
    ((page, raw, m, _),) = _placed(result.pdf_path)
    assert m.a == pytest.approx(8 / 48 * 72, abs=0.05)  # points wide
    assert m.d == pytest.approx(8 / 48 * 72, abs=0.05)
    assert m.a < content_box_mm("A4")[0] * MM / 20  # not the content's width
    with Image.open(io.BytesIO(raw)) as img:
        assert img.size == (8, 8)  # drawn larger, never resampled larger
    assert "exif_gps.jpg" in pypdf.PdfReader(result.pdf_path).pages[page - 1].extract_text()


def test_phone_screenshots_on_letter_paper_sit_whole_two_to_a_row(tmp_path: Path) -> None:
    """The Stripe profile (Letter): two 1080×2400 screenshots had been cut into two parts
    each, four pages 110 mm wide; now one row of two whole screens on one page."""
    folder = tmp_path / "case"
    folder.mkdir()
    for name in ("a.png", "b.png"):
        img = Image.new("RGB", (1080, 2400), "#ededed")
        ImageDraw.Draw(img).rectangle((40, 200, 1040, 400), fill="#9eea6a")
        img.save(folder / name)
    manifest = write_case(
        folder,
        """\
        evidencekit: 1
        case: {id: LTR-1, title: Chat, profile: stripe, language: en}
        evidence:
          - {kind: chat, title: Chat with the customer, files: [a.png, b.png]}
        """,
    )
    result = build(manifest, BuildOptions(out_dir=tmp_path / "out"))
    (a_page, _, a, _), (b_page, _, b, _) = sorted(_placed(result.pdf_path), key=lambda p: p[2].e)
    assert a_page == b_page  # one row, one page
    assert b.e > a.e + a.a  # side by side
    assert 70 * MM <= a.a <= 80 * MM  # whole, about 75 mm wide
    text = "".join(p.extract_text() for p in pypdf.PdfReader(result.pdf_path).pages)
    assert "part 1 of" not in text


def _cached_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    cache = tmp_path / "cache"
    monkeypatch.setenv("EVIDENCEKIT_CACHE_DIR", str(cache))
    img = Image.new("RGB", (1080, 2400), "#ededed")
    ImageDraw.Draw(img).rectangle((40, 200, 1040, 400), fill="#9eea6a")
    img.save(tmp_path / "shot.png")
    manifest = write_case(tmp_path, MINIMAL)
    build(manifest, BuildOptions(out_dir=tmp_path / "out"))
    (folder,) = {p.parent for p in (cache / "images").rglob("meta.json")}
    manifest.write_text(manifest.read_text().replace("Test case", "Test case, again"))
    return manifest, folder


def test_a_cached_image_that_was_altered_is_not_embedded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The evidence JSON gives each embedded part's hash: a prepared image altered in the cache
    would be embedded under the hash of what was prepared."""
    manifest, folder = _cached_case(tmp_path, monkeypatch)
    (jpeg,) = folder.glob("*.jpg")
    data = bytearray(jpeg.read_bytes())
    data[-100] ^= 0xFF
    jpeg.write_bytes(bytes(data))
    with pytest.raises(RenderError, match="does not match its record"):
        build(manifest, BuildOptions(out_dir=tmp_path / "out"))


def test_a_cached_image_record_out_of_shape_is_prepared_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest, folder = _cached_case(tmp_path, monkeypatch)
    (folder / "meta.json").write_text('{"parts": [{"bogus": 1}]}', encoding="utf-8")
    result = build(manifest, BuildOptions(out_dir=tmp_path / "out"))
    assert result.pdf_path is not None and result.pdf_path.is_file()
    assert load_prepared(folder) is not None  # made again, whole
