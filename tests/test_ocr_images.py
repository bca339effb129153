"""Redaction boxes (and the masks OCR finds, which become such boxes) land where they were
given on every kind of image, including large ones the image stage reduces before encoding."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from evidencekit.assets.images import prepare_image


@pytest.mark.parametrize(("size", "fmt"), [((4000, 6000), "PNG"), ((6000, 4000), "PNG")])
def test_redaction_on_a_large_image_lands_where_given(
    tmp_path: Path, size: tuple[int, int], fmt: str
) -> None:
    src = tmp_path / f"big.{fmt.lower()}"
    Image.new("RGB", size, "white").save(src, fmt)
    w, h = size
    box = (w // 2 - 200, h // 2 - 200, 400, 400)  # the centre
    img = prepare_image(src, src.name, tmp_path, "s", box_mm=(180, 225), redact=(box,))
    part = img.parts[0]
    with Image.open(tmp_path / part.name) as out:
        grey = out.convert("L")
    assert grey.getpixel((grey.width // 2, grey.height // 2)) < 30  # burned out
    assert grey.getpixel((grey.width // 4, grey.height // 4)) > 225  # the rest untouched
    assert grey.getpixel((grey.width * 3 // 4 + 5, grey.height * 3 // 4 + 5)) > 225


def test_multi_page_tiff_is_not_read_and_said_so(tmp_path: Path) -> None:
    """OCR reads single images: masks from page 1 would be burned into every page."""
    from evidencekit.manifest import load_case
    from evidencekit.ocr import ocr_case
    from tests.conftest import write_case

    manifest = write_case(
        tmp_path,
        """\
        evidencekit: 1
        case: {id: T-2, title: t, profile: generic, privacy: {mask: [phone]}}
        evidence:
          - {kind: document, title: scan, files: [scan.tif]}
        """,
    )
    pages = [Image.new("RGB", (200, 300), c) for c in ("white", "grey")]
    pages[0].save(tmp_path / "scan.tif", save_all=True, append_images=pages[1:])
    read, notes = ocr_case(load_case(manifest), True)
    assert read["scan.tif"].frames == 2 and not read["scan.tif"].lines
    assert read["scan.tif"].mask_boxes == ()
    assert any("scan.tif (multi-page) not read" in n for n in notes)


def _same(a: str, b: str) -> bool:
    """Equal but for spaces and full-width forms (OCR reads ¥ as ￥)."""
    import unicodedata

    return unicodedata.normalize("NFKC", a).replace(" ", "") == unicodedata.normalize(
        "NFKC", b
    ).replace(" ", "")


def test_long_screenshot_read_in_bands_once_each(tmp_path: Path) -> None:
    """A scrolling screenshot is read in overlapping bands: every line once, where drawn."""
    from evidencekit.ocr.engine import bands, det_scale, read_text
    from tests.ocr_screens import chat_screenshot

    size = (720, 3400)
    shot = chat_screenshot(
        tmp_path / "long.png",
        7,
        orders=("3456789012345678901",),
        waybills=("SF1234567890123",),
        phones=2,
        size=size,
        font_px=28,
        filler=2,
        spacing=7.0,
    )
    # lines in all three bands, two of them where neighbouring bands overlap (band rows are
    # detection pixels: the image shrunk by det_scale)
    ds = det_scale(size)
    parts = bands(round(size[1] * ds))
    assert len(parts) == 3
    overlaps = [(parts[k + 1][0] / ds, parts[k][1] / ds) for k in range(2)]
    assert sum(a < t + 14 < b for t in shot.tops for a, b in overlaps) == 2
    lines = read_text(shot.path, shot.path.name).lines
    for text, top in zip(shot.lines, shot.tops, strict=True):
        hits = [ln for ln in lines if _same(ln.text, text)]
        assert len(hits) == 1, (text, [ln.text for ln in lines])
        assert abs(hits[0].box[1] + hits[0].box[3] / 2 - (top + 14)) < 20, text


def test_text_layer_follows_the_slices_of_a_long_screenshot() -> None:
    """Each part of a sliced screenshot carries the lines whose middle it shows, placed in
    the part's own box."""
    from evidencekit.ocr import OcrPage, TextLine, text_layer
    from evidencekit.ocr.scan import Found

    lines = tuple(TextLine(f"line {k}", (100, 100 + 1000 * k, 400, 40), 1.0) for k in range(4))
    page = OcrPage("long.png", (1000, 4000), lines, (), Found())
    parts = [(0.0, 0.52), (0.48, 1.0)]  # two parts overlapping by 4 %
    words = [text_layer(page, span, 100.0, 208.0) for span in parts]
    assert [w["text"] for w in words[0]] == ["line 0", "line 1"]
    assert [w["text"] for w in words[1]] == ["line 2", "line 3"]
    # line 2 (y 2100; type from 10 % of its box down) in the second part's own box
    assert abs(words[1][0]["top"] - 100 * (2104 / 4000 - 0.48) / 0.52) < 0.01
    assert words[0][0]["left"] == 10.0
    # 40 px of a 4000 px image shown 208 mm × 0.52 high: 4 mm line, 3.2 mm type
    assert abs(words[0][0]["size"] - 0.8 * 40 / 4000 / 0.52 * 208) < 0.01


def test_id_cards_masked_and_never_listed_order_ids_kept() -> None:
    """An ID card number read off a screenshot is burned out and never shown as an 'other
    number' in the index; the case's own 18-digit order id (ID-card shaped) stays."""
    from evidencekit.assets.privacy import Masker
    from evidencekit.model import Privacy
    from evidencekit.ocr import TextLine
    from evidencekit.ocr.scan import Known, find, mask_lines

    order, id_card = "345678901234567890", "11010119900307123X"
    lines = (
        TextLine(f"订单号：{order}", (10, 10, 500, 40), 1.0),
        TextLine(f"身份证 {id_card}", (10, 60, 500, 40), 1.0),
    )
    known = Known(orders=(order,))
    masked, masks = mask_lines(lines, Masker(Privacy(mask=["id_card"])), known.orders)
    assert [m.rule for m in masks] == ["id_card"] and masks[0].box[1] < 60 < sum(masks[0].box[1::2])
    assert masked[0].text == lines[0].text and id_card not in masked[1].text
    found = find(lines, known, masked)
    assert found.orders == (order,) and found.other_ids == ()


def test_damaged_images_named_in_the_error(tmp_path: Path) -> None:
    """A damaged screenshot ends in an EvidenceError naming it and its manifest place, also
    when it was read in a worker process."""
    import io

    from evidencekit.errors import EvidenceError
    from evidencekit.manifest import load_case
    from evidencekit.ocr import ocr_case
    from tests.conftest import write_case

    manifest = write_case(
        tmp_path,
        """\
        evidencekit: 1
        case: {id: T-3, title: t, profile: generic}
        evidence:
          - {kind: chat, title: chat, files: [a.png, b.png]}
        """,
    )
    buf = io.BytesIO()
    Image.effect_noise((300, 300), 60).save(buf, "PNG")
    for name in ("a.png", "b.png"):  # two: read in parallel when the machine has the cores
        (tmp_path / name).write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    case = load_case(manifest)
    with pytest.raises(EvidenceError) as info:
        ocr_case(case, True)
    assert info.value.file in ("a.png", "b.png")
    assert "case.yaml:4" in info.value.location and "evidence[0].files" in info.value.location
    assert "damaged or truncated" in str(info.value)


def test_phone_screen_with_small_text_read_whole(tmp_path: Path) -> None:
    """Lines are found on the screenshot shrunk (a phone screen in one band) and read off the
    full-size pixels: small (24 px) text on a 1080×2400 screen is read line by line, each line
    where it is drawn."""
    from evidencekit.ocr.engine import bands, det_scale, read_text
    from tests.ocr_screens import chat_screenshot

    size = (1080, 2400)
    assert len(bands(round(size[1] * det_scale(size)))) == 1 and det_scale(size) < 0.55
    shot = chat_screenshot(
        tmp_path / "phone.png", 11, orders=("3456789012345678901",), phones=3, font_px=24, filler=8
    )
    lines = read_text(shot.path, shot.path.name).lines
    for text, top in zip(shot.lines, shot.tops, strict=True):
        hits = [ln for ln in lines if _same(ln.text, text)]
        assert len(hits) == 1, (text, [ln.text for ln in lines])
        assert abs(hits[0].box[1] + hits[0].box[3] / 2 - (top + 13)) < 10, text
    for p in shot.phones:  # the line holding a phone number covers where it is drawn
        x0, y0, x1, y1 = shot.boxes[p]
        x, y, w, h = next(ln.box for ln in lines if p in ln.text.replace(" ", ""))
        assert x <= x0 + 4 and x + w >= x1 - 4 and y <= y0 + 2 and y + h >= y1 - 2
