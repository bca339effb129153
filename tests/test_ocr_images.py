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
