"""Offline OCR (--ocr): phone numbers and mask terms burned out of screenshots, a searchable
text layer where the words are seen, and a screenshot filed under the wrong order warned about.

One build of generated chat screenshots with known text serves the whole module (OCR is the
slow part: a handful of small screenshots)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader
from typer.testing import CliRunner

from evidencekit.cli import app
from evidencekit.manifest import load_case
from evidencekit.ocr import ocr_case
from evidencekit.ocr.engine import read_text
from evidencekit.pipeline import BuildOptions, build
from tests.conftest import write_case
from tests.ocr_screens import Screen, chat_screenshot

ORDER_A = "3456789012345678901"
ORDER_B = "3456789012345678902"
WAYBILL = "SF1234567890123"
TERM = "张三丰"
SIZE = (720, 1280)  # a small phone, few lines: OCR of the module stays within seconds
SMALL: dict[str, Any] = {"size": SIZE, "font_px": 28, "filler": 3}

CASE = f"""\
evidencekit: 1
case:
  id: OCR-1
  title: 识别测试
  profile: generic
  language: zh-CN
  timezone: Asia/Shanghai
  orders:
    - {{id: "{ORDER_A}", amount: 299.00, currency: CNY}}
    - {{id: "{ORDER_B}", amount: 99.00, currency: CNY}}
  privacy:
    mask: [phone]
    mask_terms: ["{TERM}"]
evidence:
  - kind: chat
    title: 订单A 聊天截图
    order: "{ORDER_A}"
    files: [chat/a1.png, chat/a2.png]
  - kind: chat
    title: 订单B 聊天截图
    order: "{ORDER_B}"
    files: [chat/b1.png]
  - kind: shipping
    title: 物流
    order: "{ORDER_A}"
    tracking_number: {WAYBILL}
    carrier: 顺丰速运
    files: [ship/waybill.png]
output:
  embed_originals: true
"""


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("ocr")
    manifest = write_case(folder, CASE)
    screens = {
        # a1 shows its own order; a2 is filed under A but shows B (the misfiled one)
        "chat/a1.png": chat_screenshot(
            folder / "chat/a1.png", 1, orders=(ORDER_A,), phones=4, terms=(TERM,), **SMALL
        ),
        "chat/a2.png": chat_screenshot(
            folder / "chat/a2.png", 2, orders=(ORDER_B,), phones=4, **SMALL
        ),
        "chat/b1.png": chat_screenshot(
            folder / "chat/b1.png", 3, orders=(ORDER_B,), phones=4, **SMALL
        ),
        "ship/waybill.png": chat_screenshot(
            folder / "ship/waybill.png", 4, waybills=(WAYBILL,), phones=1, **SMALL
        ),
    }
    result = build(manifest, BuildOptions(out_dir=folder / "out", ocr=True))
    record = json.loads(result.json_path.read_text(encoding="utf-8"))
    return {"manifest": manifest, "screens": screens, "result": result, "record": record}


def _renditions(made: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["path"]: s.get("rendition", {}) for s in made["record"]["sources"]}


def _phones(made: dict[str, Any]) -> list[tuple[str, Screen, str]]:
    return [(rel, s, p) for rel, s in made["screens"].items() for p in s.phones]


def test_phone_numbers_are_found_and_recorded(made: dict[str, Any]) -> None:
    rend = _renditions(made)
    found = total = 0
    for rel, screen in made["screens"].items():
        masks = rend[rel]["ocr"]["masked"]
        phones = [m for m in masks if m["rule"] == "phone"]
        total += len(screen.phones)
        # each planted phone is found when a phone mask box covers where it was drawn
        for p in screen.phones:
            x0, y0, x1, y1 = screen.boxes[p]
            if any(
                m["box"][0] <= x0
                and m["box"][1] <= y0 + 2
                and m["box"][0] + m["box"][2] >= x1
                and m["box"][1] + m["box"][3] >= y1 - 2
                for m in phones
            ):
                found += 1
        if TERM in screen.boxes:
            assert any(m["rule"] == "term" for m in masks), rel
    assert total == 13
    assert found / total >= 0.98, f"{found}/{total} phone numbers found"


def _pdf_images(pdf: Path) -> list[Image.Image]:
    """The screenshot-shaped images the dossier embeds, once each."""
    out: dict[tuple[int, int], Image.Image] = {}
    with pikepdf.open(pdf) as doc:
        for page in doc.pages:
            for _, raw in page.get_images().items():
                if raw.objgen in out:
                    continue
                img = pikepdf.PdfImage(raw).as_pil_image().convert("L")
                if abs(img.height / img.width - SIZE[1] / SIZE[0]) < 0.02:
                    out[raw.objgen] = img
    return list(out.values())


def _closest(images: list[Image.Image], source: Path) -> Image.Image:
    """The embedded image that shows this source (least mean difference)."""

    def distance(img: Image.Image) -> float:
        with Image.open(source) as src:
            ref = src.convert("L").resize(img.size)
        return float(ImageStat.Stat(ImageChops.difference(img, ref)).mean[0])

    return min(images, key=distance)


def _dark(img: Image.Image) -> float:
    """Share of near-black pixels (a greyscale image)."""
    return sum(img.histogram()[:60]) / (img.width * img.height)


def test_phone_pixels_are_burned_out_in_the_pdf(made: dict[str, Any]) -> None:
    images = _pdf_images(made["result"].pdf_path)
    assert len(images) == len(made["screens"])
    burned = total = 0
    for rel, screen in made["screens"].items():
        img = _closest(images, screen.path)
        scale = img.width / SIZE[0]
        for secret in (*screen.phones, *([TERM] if TERM in screen.boxes else [])):
            x0, y0, x1, y1 = (round(v * scale) for v in screen.boxes[secret])
            region = img.crop((x0, y0, x1, y1))
            dark = _dark(region)
            total += 1
            burned += dark > 0.97
            if secret == TERM:
                assert dark > 0.97, f"{rel}: {TERM} still visible"
        # only the secrets are burned: most of the screenshot stays light
        assert _dark(img) < 0.1, rel
    assert burned / total >= 0.98, f"{burned}/{total} burned out"


def test_rendered_page_shows_no_phone_number(made: dict[str, Any]) -> None:
    """OCR of the screenshot as a reader sees it on the page: its order id is legible, none
    of its phone numbers is."""
    scale = 200 / 72
    pdf = pdfium.PdfDocument(made["result"].pdf_path)
    try:
        text_pages = [pdf[k].get_textpage().get_text_range() for k in range(len(pdf))]
        page = pdf[next(i for i, t in enumerate(text_pages) if "订单A" in t and "a1.png" in t)]
        image = next(o for o in page.get_objects() if o.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE)
        left, bottom, right, top = image.get_bounds()
        height = page.get_height()
        bitmap = page.render(scale=scale).to_pil()
    finally:
        pdf.close()
    crop = (left * scale, (height - top) * scale, right * scale, (height - bottom) * scale)
    shot = made["manifest"].parent / "shot-on-page.png"
    bitmap.crop(tuple(round(v) for v in crop)).save(shot)
    seen = "".join(ln.text for ln in read_text(shot, shot.name, width=2000).lines)
    digits = re.sub(r"\D", "", seen)
    assert ORDER_A in digits  # the OCR could read the screenshot on the page
    screen = made["screens"]["chat/a1.png"]
    assert len(screen.phones) == 4
    for p in screen.phones:
        assert p not in digits and p[3:] not in digits and p[:7] not in digits
    assert TERM not in seen


def _over_images(pdf_path: Path, needle: str) -> list[float]:
    """Where needle's text lies over an image: its height from the image's top, as a
    fraction of the image's height (one entry per hit over an image)."""
    out = []
    pdf = pdfium.PdfDocument(pdf_path)
    try:
        for k in range(len(pdf)):
            page = pdf[k]
            tp = page.get_textpage()
            images = [o for o in page.get_objects() if o.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE]
            search = tp.search(needle)
            while images and (hit := search.get_next()):
                boxes = [tp.get_charbox(i) for i in range(hit[0], hit[0] + hit[1])]
                cx = (min(b[0] for b in boxes) + max(b[2] for b in boxes)) / 2
                cy = (min(b[1] for b in boxes) + max(b[3] for b in boxes)) / 2
                for image in images:
                    left, bottom, right, top = image.get_bounds()
                    if left < cx < right and bottom < cy < top:
                        out.append((top - cy) / (top - bottom))
    finally:
        pdf.close()
    return out


def test_order_ids_are_searchable_where_they_are_seen(made: dict[str, Any]) -> None:
    pdf = made["result"].pdf_path
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    compact = re.sub(r"\s+", "", text)
    for rel, screen in made["screens"].items():
        for p in screen.phones:
            assert p not in compact, f"{rel}: {p} in the text layer"
        assert any(p[:3] + "****" + p[-4:] in compact for p in screen.phones), rel
    assert TERM not in compact and "收件人＊＊＊" in compact
    # the cover names the orders too: count only the text lying over the screenshots
    assert len(_over_images(pdf, ORDER_A)) == 1  # a1
    assert len(_over_images(pdf, ORDER_B)) == 2  # a2, b1
    # the waybill (also named in its exhibit's header band, above the image) at the height
    # it is drawn in the screenshot
    fractions = _over_images(pdf, WAYBILL)
    expected = _line_fraction(made["screens"]["ship/waybill.png"], WAYBILL)
    assert len(fractions) == 1, fractions
    assert abs(fractions[0] - expected) < 0.03, (fractions, expected)


def _line_fraction(screen: Screen, needle: str) -> float:
    """Where the line holding needle is drawn, as a fraction of the screenshot's height."""
    k = next(i for i, ln in enumerate(screen.lines) if needle in ln)
    font_px = 28
    y = round(font_px * 3.5) + k * (round(font_px * 1.6) + round(font_px * 0.9))
    return (y + font_px / 2) / SIZE[1]


def test_misfiled_screenshot_is_warned_about(made: dict[str, Any]) -> None:
    warnings = made["result"].warnings
    misfiled = [w for w in warnings if "filed under order" in w]
    assert len(misfiled) == 1, warnings
    assert "chat/a2.png" in misfiled[0] and ORDER_B in misfiled[0]
    # validate says the same, from the OCR cache
    res = CliRunner().invoke(app, ["validate", "--ocr", str(made["manifest"])])
    assert res.exit_code == 0, res.output
    assert "chat/a2.png 归在订单" in res.output  # a Chinese case: its language


def test_index_shows_what_screenshots_contain(made: dict[str, Any]) -> None:
    rend = _renditions(made)
    assert rend["chat/a1.png"]["ocr"]["found"]["orders"] == [ORDER_A]
    assert rend["ship/waybill.png"]["ocr"]["found"]["waybills"] == [WAYBILL]
    index = PdfReader(made["result"].pdf_path).pages[1].extract_text()
    compact = re.sub(r"\s+", "", index)
    assert "图片识别" in compact and f"{WAYBILL}✓" in compact and f"{ORDER_B}（非本单）" in compact


def test_without_ocr_nothing_changes(made: dict[str, Any], tmp_path: Path) -> None:
    """The same kind of case built without --ocr: no text over the image, no OCR record, no
    reading; a warning names the images the privacy rules cannot reach."""
    one = CASE.split("  - kind: chat\n    title: 订单B")[0].replace(
        "files: [chat/a1.png, chat/a2.png]", "files: [chat/a1.png]"
    )
    manifest = write_case(tmp_path, one)
    (tmp_path / "chat").mkdir()
    (tmp_path / "chat/a1.png").write_bytes(made["screens"]["chat/a1.png"].path.read_bytes())
    result = build(manifest, BuildOptions(out_dir=tmp_path / "out"))
    assert "ocr" not in result.stages
    assert _over_images(result.pdf_path, ORDER_A) == []
    record = json.loads(result.json_path.read_text(encoding="utf-8"))
    assert "ocr" not in json.dumps(record["sources"])
    unmasked = [w for w in result.warnings if "stay unmasked" in w]
    assert len(unmasked) == 1 and "1 image(s) stay unmasked (chat/a1.png)" in unmasked[0]
    res = CliRunner().invoke(app, ["validate", str(manifest)])
    assert res.exit_code == 0 and "张图片未打码" in res.output  # in the case language


def test_no_privacy_rules_no_warning(tmp_path: Path) -> None:
    manifest = write_case(
        tmp_path, CASE.split("  privacy:")[0] + "evidence:" + CASE.split("evidence:")[1]
    )
    for rel in ("chat/a1.png", "chat/a2.png", "chat/b1.png", "ship/waybill.png"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (40, 60), "white").save(tmp_path / rel)
    assert ocr_case(load_case(manifest), False) == ({}, [])


def test_cached_ocr_is_reused(made: dict[str, Any]) -> None:
    """The second read comes from the cache (same lines, no engine)."""
    import time

    case = load_case(made["manifest"])
    start = time.perf_counter()
    pages, _ = ocr_case(case, True)
    assert time.perf_counter() - start < 2.0
    assert pages["chat/a1.png"].found.orders == (ORDER_A,)


def test_embedded_originals_leave_masked(made: dict[str, Any]) -> None:
    """--embed-originals must not undo the masks: the screenshot leaves burned out."""
    from evidencekit.pdf.attach import list_attachments

    attached = list_attachments(made["result"].pdf_path)
    assert not any(n.replace("__", "/") in made["screens"] for n in attached)
    name = next(n for n in attached if n.startswith("chat__a1.png.redacted."))
    img = Image.open(io.BytesIO(attached[name][0])).convert("L")
    screen = made["screens"]["chat/a1.png"]
    for secret in (*screen.phones, TERM):
        assert _dark(img.crop(screen.boxes[secret])) > 0.97, secret
    assert _renditions(made)["chat/a1.png"]["ocr"]["masked"]
    went = {s["path"]: s.get("outgoing", {}) for s in made["record"]["sources"]}
    assert went["chat/a1.png"]["how"] == "masked"
