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
