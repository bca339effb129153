"""Every image format and hazard (issue: images), on real files made here."""

from __future__ import annotations

import gc
import io
import json
import struct
import warnings
from pathlib import Path
from zoneinfo import ZoneInfo

import pikepdf
import pillow_heif
import pytest
from PIL import Image, ImageCms, ImageDraw, ImageOps

from evidencekit.assets import images
from evidencekit.assets.images import prepare_image
from evidencekit.errors import EvidenceError

from .conftest import MINIMAL, run_cli, write_case

pillow_heif.register_heif_opener()
BOX = (178.0, 185.0)


def quadrants(size: tuple[int, int] = (120, 80)) -> Image.Image:
    """Red top-left, green top-right, blue bottom-left, white bottom-right."""
    w, h = size
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, w // 2 - 1, h // 2 - 1), fill=(255, 0, 0))
    d.rectangle((w // 2, 0, w - 1, h // 2 - 1), fill=(0, 255, 0))
    d.rectangle((0, h // 2, w // 2 - 1, h - 1), fill=(0, 0, 255))
    return img


def shown(tmp_path: Path, src: Path, **kw: object) -> Image.Image:
    out = prepare_image(src, src.name, tmp_path, "t", box_mm=BOX, **kw)  # type: ignore[arg-type]
    return Image.open(tmp_path / out.parts[0].name).convert("RGB")


def near(a: tuple[int, ...], b: tuple[int, ...], tol: int = 40) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=False))


def corners(img: Image.Image) -> list[tuple[int, ...]]:
    w, h = img.size
    return [
        img.getpixel((w // 4, h // 4)),
        img.getpixel((3 * w // 4, h // 4)),  # type: ignore[list-item]
        img.getpixel((w // 4, 3 * h // 4)),
        img.getpixel((3 * w // 4, 3 * h // 4)),
    ]


# EXIF orientation n: how the stored pixels must be transformed to display upright.
_STORE = {
    1: lambda im: im,
    2: lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    3: lambda im: im.transpose(Image.Transpose.ROTATE_180),
    4: lambda im: im.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
    5: lambda im: im.transpose(Image.Transpose.TRANSPOSE),
    6: lambda im: im.transpose(Image.Transpose.ROTATE_90),
    7: lambda im: im.transpose(Image.Transpose.TRANSVERSE),
    8: lambda im: im.transpose(Image.Transpose.ROTATE_270),
}


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation(tmp_path: Path, orientation: int) -> None:
    upright = quadrants()
    stored = _STORE[orientation](upright)
    exif = Image.Exif()
    exif[0x0112] = orientation
    src = tmp_path / "o.jpg"
    stored.save(src, "JPEG", quality=95, exif=exif.tobytes())
    img = shown(tmp_path, src)
    assert img.width > img.height  # displayed landscape, like the upright original
    expect = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)]
    assert all(near(c, e) for c, e in zip(corners(img), expect, strict=True)), corners(img)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "BMP", "GIF", "TIFF", "HEIF", "AVIF"])
def test_formats(tmp_path: Path, fmt: str) -> None:
    src = tmp_path / f"q.{fmt.lower().replace('heif', 'heic')}"
    quadrants((200, 140)).save(src, fmt, **({"quality": 95} if fmt in ("HEIF", "AVIF") else {}))
    img = shown(tmp_path, src)
    expect = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)]
    assert all(near(c, e, 60) for c, e in zip(corners(img), expect, strict=True)), corners(img)


def test_cmyk_with_icc_to_srgb(tmp_path: Path) -> None:
    src = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (100, 100), (0, 255, 255, 0)).save(src, "JPEG")  # pure red ink
    assert near(shown(tmp_path, src).getpixel((50, 50)), (255, 0, 0), 80)  # type: ignore[arg-type]
    # A wide-gamut (non-sRGB) profile is honoured: the same numbers look different in sRGB.
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    src2 = tmp_path / "srgb.png"
    Image.new("RGB", (40, 40), (10, 200, 30)).save(src2, icc_profile=srgb)
    assert near(shown(tmp_path, src2).getpixel((20, 20)), (10, 200, 30), 6)  # type: ignore[arg-type]


def test_16_bit_palette_and_transparency(tmp_path: Path) -> None:
    src = tmp_path / "g16.png"
    Image.new("I;16", (60, 40), 65535).save(src)
    assert near(shown(tmp_path, src).getpixel((5, 5)), (255, 255, 255), 2)  # type: ignore[arg-type]
    pal = tmp_path / "p.png"
    quadrants().convert("P").save(pal)
    assert near(corners(shown(tmp_path, pal))[0], (255, 0, 0))
    rgba = tmp_path / "a.png"
    Image.new("RGBA", (60, 40), (0, 0, 0, 0)).save(rgba)
    assert near(shown(tmp_path, rgba).getpixel((5, 5)), (255, 255, 255), 2)  # type: ignore[arg-type]


def test_animated_gif_first_frame_marked(tmp_path: Path) -> None:
    src = tmp_path / "anim.gif"
    frames = [Image.new("RGB", (80, 60), c) for c in ((255, 0, 0), (0, 0, 255))]
    frames[0].save(src, save_all=True, append_images=frames[1:], duration=100, loop=0)
    out = prepare_image(src, "anim.gif", tmp_path, "g", box_mm=BOX)
    assert out.animated and "animated: first frame shown" in out.note
    img = Image.open(tmp_path / out.parts[0].name).convert("RGB")
    assert near(img.getpixel((10, 10)), (255, 0, 0))  # type: ignore[arg-type]


def test_multipage_tiff_every_page(tmp_path: Path) -> None:
    src = tmp_path / "scan.tif"
    pages = [Image.new("RGB", (80, 110), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    pages[0].save(src, save_all=True, append_images=pages[1:])
    out = prepare_image(src, "scan.tif", tmp_path, "s", box_mm=BOX)
    assert [p.frame for p in out.parts] == [1, 2, 3] and "3 pages" in out.note
    got = [Image.open(tmp_path / p.name).convert("RGB").getpixel((5, 5)) for p in out.parts]
    assert all(
        near(g, e)
        for g, e in zip(
            got,
            [(255, 0, 0), (0, 255, 0), (0, 0, 255)],  # type: ignore[arg-type]
            strict=True,
        )
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("shot.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not a readable image"),
        ("shot.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 garbage", "damaged or truncated"),
        ("shot.jpg", b"GIF89a....", "not a JPG image (its content does not match its name)"),
        ("shot.heic", b"\x00\x00\x00\x18ftypavif", "not a HEIC image"),
    ],
)
def test_corrupt_and_mislabelled_refused(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    m = write_case(tmp_path / "c", MINIMAL.replace("shot.png", name), {name: content})
    proc = run_cli("build", "-q", str(m))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "evidence[0].files[0]" in proc.stderr and name in proc.stderr
    assert message in proc.stderr, proc.stderr


def test_redaction_burned_into_embedded_pixels(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    secret = Image.new("RGB", (600, 400), (250, 250, 250))
    ImageDraw.Draw(secret).rectangle((100, 100, 299, 199), fill=(255, 0, 0))  # the secret
    secret.save(folder / "shot.png")
    m = write_case(
        folder, MINIMAL + "    redact:\n      - {file: shot.png, boxes: [[90, 90, 220, 120]]}\n"
    )
    proc = run_cli("build", "-q", str(m), "--embed-originals")
    assert proc.returncode == 0, proc.stderr
    with pikepdf.open(folder / "out/T-1.pdf") as pdf:
        images = [
            pikepdf.PdfImage(o)
            for o in pdf.objects
            if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == pikepdf.Name.Image
        ]
        assert len(images) == 1
        pil = images[0].as_pil_image().convert("RGB")
        assert pdf.attachments.keys() and "shot.png" not in pdf.attachments  # original withheld
    raw = pil.tobytes()
    pixels = [raw[i : i + 3] for i in range(0, len(raw), 3)]
    reds = sum(1 for px in pixels if px[0] > 200 and px[1] < 80 and px[2] < 80)
    assert reds == 0
    w, h = pil.size
    assert near(pil.getpixel((int(w * 150 / 600), int(h * 150 / 400))), (0, 0, 0), 30)  # type: ignore[arg-type]
    ev = json.loads((folder / "out/T-1.evidence.json").read_text(encoding="utf-8"))
    src = ev["sources"][0]
    assert src["rendition"]["redacted_boxes"] == [[90, 90, 220, 120]]
    assert len(src["sha256"]) == 64 and len(src["rendition"]["parts"][0]["sha256"]) == 64
    bad = write_case(
        tmp_path / "d",
        MINIMAL + "    redact:\n      - {file: shot.png, boxes: [[500, 0, 200, 10]]}\n",
        {"shot.png": None},
    )
    proc = run_cli("validate", str(bad))
    assert proc.returncode == 1 and "evidence[0].redact[0].boxes[0]" in proc.stderr


def test_cache_reuses_prepared_images(tmp_path: Path, minimal_case: Path) -> None:
    cache = tmp_path / "cache"
    env = {"EVIDENCEKIT_CACHE_DIR": str(cache), "SOURCE_DATE_EPOCH": "1700000000"}
    first = run_cli("build", "-q", str(minimal_case), "-o", str(tmp_path / "a"), env=env)
    assert first.returncode == 0
    entries = list((cache / "images").glob("*/*/meta.json"))
    assert len(entries) == 1
    stamp = entries[0].stat().st_mtime_ns
    second = run_cli("build", "-q", str(minimal_case), "-o", str(tmp_path / "b"), env=env)
    assert second.returncode == 0
    assert entries[0].stat().st_mtime_ns == stamp  # not re-made
    assert (tmp_path / "a/T-1.pdf").read_bytes() == (tmp_path / "b/T-1.pdf").read_bytes()
    img = Image.open(minimal_case.parent / "shot.png")
    img.putpixel((0, 0), (1, 2, 3))
    img.save(minimal_case.parent / "shot.png")
    third = run_cli("build", "-q", str(minimal_case), "-o", str(tmp_path / "c"), env=env)
    assert third.returncode == 0
    assert len(list((cache / "images").glob("*/*/meta.json"))) == 2


def test_phone_screenshot_legible_resolution(tmp_path: Path) -> None:
    src = tmp_path / "phone.png"
    quadrants((1080, 2400)).save(src)
    out = prepare_image(src, "phone.png", tmp_path, "p", box_mm=BOX)
    part = out.parts[0]
    dpi = part.width_px / (part.width_mm / 25.4)
    assert 195 <= dpi <= 201  # at least 195 dpi on paper: 10 px text stays readable


def test_png_kept_only_when_clearly_smaller(tmp_path: Path) -> None:
    flat = tmp_path / "flat.png"
    img = Image.new("RGB", (800, 1200), "white")
    d = ImageDraw.Draw(img)
    for y in range(0, 1200, 40):
        d.text((20, y), "order 3456789012345678901 paid 299.00", fill="black")
    img.save(flat)
    out = prepare_image(flat, "flat.png", tmp_path, "f", box_mm=BOX)
    data = (tmp_path / out.parts[0].name).read_bytes()
    assert out.parts[0].name.endswith((".png", ".jpg"))
    assert len(data) < 400_000


# --- files from the wild (issues #10 and #17): every byte is untrusted -----------------------


def test_png_colour_key_transparency_on_rgb_and_grey(tmp_path: Path) -> None:
    rgb = quadrants()
    rgb.info["transparency"] = (0, 255, 0)  # tRNS colour key: pure green is see-through
    src = tmp_path / "key.png"
    rgb.save(src, transparency=(0, 255, 0))
    expect = [(255, 0, 0), (255, 255, 255), (0, 0, 255), (255, 255, 255)]
    assert all(near(c, e) for c, e in zip(corners(shown(tmp_path, src)), expect, strict=True))
    grey = Image.new("L", (60, 40), 0)
    ImageDraw.Draw(grey).rectangle((30, 0, 59, 39), fill=128)
    src2 = tmp_path / "greykey.png"
    grey.save(src2, transparency=0)
    img = shown(tmp_path, src2)
    assert near(img.getpixel((5, 20)), (255, 255, 255), 2)  # type: ignore[arg-type]
    assert near(img.getpixel((50, 20)), (128, 128, 128), 4)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mode", "value", "expect"),
    [
        ("I;16B", 32768, 128),  # 16-bit big-endian TIFF (scanners, microscopes)
        ("I;16", 65535, 255),
        ("I;16", 0, 0),
        ("I", 200, 200),  # 32-bit integer holding 8-bit values
        ("I", 40000, 156),  # ... holding 16-bit values
        ("F", 0.5, 128),  # normalised float
    ],
)
def test_deep_greyscale_tiff(tmp_path: Path, mode: str, value: float, expect: int) -> None:
    img = Image.new(mode, (60, 40), value)
    ImageDraw.Draw(img).rectangle((0, 0, 9, 9), fill=0)
    src = tmp_path / "deep.tif"
    img.save(src)
    with Image.open(src) as check:
        assert check.mode == mode  # the file really is in that mode
    out = shown(tmp_path, src)
    assert near(out.getpixel((40, 30)), (expect, expect, expect), 3), out.getpixel((40, 30))  # type: ignore[arg-type]


def test_grey_alpha_one_bit_and_palette_alpha(tmp_path: Path) -> None:
    la = Image.new("LA", (60, 40), (0, 0))  # black but fully transparent
    ImageDraw.Draw(la).rectangle((30, 0, 59, 39), fill=(0, 255))
    la.save(tmp_path / "la.png")
    img = shown(tmp_path, tmp_path / "la.png")
    assert near(img.getpixel((5, 5)), (255, 255, 255), 2)  # type: ignore[arg-type]
    assert near(img.getpixel((50, 5)), (0, 0, 0), 2)  # type: ignore[arg-type]
    bits = Image.new("1", (60, 40), 1)
    ImageDraw.Draw(bits).rectangle((0, 0, 29, 39), fill=0)
    bits.save(tmp_path / "bits.png")
    img = shown(tmp_path, tmp_path / "bits.png")
    assert near(img.getpixel((5, 5)), (0, 0, 0), 2) and near(img.getpixel((50, 5)), (255,) * 3, 2)  # type: ignore[arg-type]
    rgba = Image.new("RGBA", (60, 40), (255, 0, 0, 255))
    ImageDraw.Draw(rgba).rectangle((30, 0, 59, 39), fill=(0, 0, 255, 0))
    rgba.quantize(colors=4, method=Image.Quantize.FASTOCTREE).save(tmp_path / "pa.png")
    with Image.open(tmp_path / "pa.png") as check:
        assert check.mode == "P" and "transparency" in check.info
    img = shown(tmp_path, tmp_path / "pa.png")
    assert near(img.getpixel((5, 5)), (255, 0, 0)) and near(img.getpixel((50, 5)), (255,) * 3)  # type: ignore[arg-type]


def test_mpo_is_one_photo_not_animated(tmp_path: Path) -> None:
    src = tmp_path / "stereo.jpg"
    left, right = quadrants(), quadrants().transpose(Image.Transpose.ROTATE_180)
    left.save(src, "MPO", save_all=True, append_images=[right])
    with Image.open(src) as check:
        assert check.format == "MPO" and getattr(check, "n_frames", 1) == 2
    out = prepare_image(src, src.name, tmp_path, "m", box_mm=BOX)
    assert not out.animated and "animated" not in out.note and len(out.parts) == 1
    assert near(corners(Image.open(tmp_path / out.parts[0].name).convert("RGB"))[0], (255, 0, 0))


def _exif_block(*entries: bytes) -> bytes:
    """A little-endian EXIF block written byte by byte (Pillow will not write broken ones)."""
    head = b"Exif\x00\x00II*\x00\x08\x00\x00\x00" + struct.pack("<H", len(entries))
    return head + b"".join(entries) + b"\0" * 4


_SHORT_6 = struct.pack("<HHIHH", 0x0112, 3, 1, 6, 0)
_PAST_END = struct.pack("<HHII", 0x010E, 2, 400, 5000)  # ASCII data beyond the block


@pytest.mark.parametrize(
    ("entries", "portrait"),
    [
        ((_SHORT_6, _PAST_END), True),  # a corrupt tag beside a valid orientation (a warning)
        ((struct.pack("<HHIHH", 0x0112, 3, 1, 9, 0),), False),  # out of range
        ((struct.pack("<HHIHH", 0x0112, 3, 1, 0, 0),), False),
        ((struct.pack("<HHI2s2x", 0x0112, 2, 2, b"6\0"),), False),  # text, not a number
        ((struct.pack("<HHIHH", 0x0112, 3, 2, 6, 6),), True),  # two values: Pillow keeps one
        ((struct.pack("<HHII", 0x0112, 3, 1, 5000),), False),  # value past the end
    ],
)
def test_malformed_exif_orientation(
    tmp_path: Path, entries: tuple[bytes, ...], portrait: bool
) -> None:
    src = tmp_path / "o.jpg"
    quadrants().save(src, "JPEG", quality=95, exif=_exif_block(*entries))
    img = shown(tmp_path, src)
    assert (img.height > img.width) is portrait


def test_every_tiff_page_redacted_and_counted(tmp_path: Path) -> None:
    src = tmp_path / "scan.tif"
    pages = []
    for colour in ((255, 255, 255), (230, 230, 230), (200, 200, 255)):
        page = Image.new("RGB", (300, 400), colour)
        ImageDraw.Draw(page).rectangle((50, 50, 149, 99), fill=(255, 0, 0))  # a phone number
        pages.append(page)
    pages[0].save(src, save_all=True, append_images=pages[1:])
    out = prepare_image(src, src.name, tmp_path, "s", box_mm=BOX, redact=((40, 40, 120, 70),))
    assert [p.frame for p in out.parts] == [1, 2, 3]
    for part in out.parts:
        page = Image.open(tmp_path / part.name).convert("RGB")
        sx = page.width / 300
        assert near(page.getpixel((int(100 * sx), int(75 * sx))), (0, 0, 0), 30), part.frame  # type: ignore[arg-type]
        raw = page.tobytes()
        reds = [
            raw[i : i + 3]
            for i in range(0, len(raw), 3)
            if raw[i] > 200 and raw[i + 1] < 80 and raw[i + 2] < 80
        ]
        assert not reds, part.frame
    assert "1 area(s) redacted on each of the 3 pages" in out.note
    assert out.details["redacted_areas"] == 3


def test_redaction_box_outside_the_image_refused(tmp_path: Path) -> None:
    src = tmp_path / "s.png"
    quadrants().save(src)
    with pytest.raises(EvidenceError, match=r"outside the image \(120×80"):
        prepare_image(src, "s.png", tmp_path, "s", box_mm=BOX, redact=((500, 500, 10, 10),))


def test_multipage_tiff_pixel_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The real budget is 300 MP; a small one keeps the test file small, same code path.
    monkeypatch.setattr(images, "MAX_FILE_PIXELS", 50_000)
    src = tmp_path / "many.tif"
    pages = [Image.new("1", (200, 100), 1) for _ in range(3)]  # 60 000 pixels in all
    pages[0].save(src, save_all=True, append_images=pages[1:], compression="group4")
    with pytest.raises(EvidenceError, match="60,000 pixels, over the 50,000-pixel limit per file"):
        prepare_image(src, "many.tif", tmp_path, "m", box_mm=BOX)


def test_one_pixel_wide_strip_refused_not_sliced(tmp_path: Path) -> None:
    src = tmp_path / "strip.png"
    Image.new("L", (1, 100_000), 0).save(src)
    with pytest.raises(EvidenceError, match=r"1×100000 pixels: .* page parts \(at most 60\)"):
        prepare_image(src, "strip.png", tmp_path, "s", box_mm=BOX)
    # A real long chat screenshot is still sliced.
    long = tmp_path / "chat.png"
    Image.new("RGB", (1080, 30_000), "white").save(long)
    assert 10 < len(prepare_image(long, "chat.png", tmp_path, "c", box_mm=BOX).parts) <= 60


def test_refused_file_is_closed(tmp_path: Path) -> None:
    data = io.BytesIO()
    quadrants((400, 400)).save(data, "PNG")
    src = tmp_path / "cut.png"
    src.write_bytes(data.getvalue()[:300])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(EvidenceError, match="damaged or truncated"):
            prepare_image(src, "cut.png", tmp_path, "c", box_mm=BOX)
        gc.collect()
    assert not [w for w in seen if issubclass(w.category, ResourceWarning)]


@pytest.mark.parametrize("fmt", ["TIFF", "JPEG", "WEBP"])
def test_image_size_is_the_displayed_size(tmp_path: Path, fmt: str) -> None:
    # Pillow's TIFF reader applies the orientation itself and reports the displayed size;
    # turning it again made image_size() disagree with the rendered page (Pillow's corpus).
    exif = Image.Exif()
    exif[0x0112] = 6
    src = tmp_path / f"o.{fmt.lower()}"
    quadrants((120, 80)).save(src, fmt, exif=exif.tobytes())
    with Image.open(src) as im:
        expected = ImageOps.exif_transpose(im).size
    assert expected == (80, 120)
    assert images.image_size(src, src.name) == expected
    assert prepare_image(src, src.name, tmp_path, "o", box_mm=BOX).source_px == expected


def test_large_jpeg_decoded_scaled_and_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 200 MP phone photo (Samsung) decodes at 1/8 by DCT scaling: the decoded-pixel limit
    # applies to what is decoded, not to the stored size. Scaled down here: the same path.
    monkeypatch.setattr(images, "MAX_PIXELS", 1_000_000)
    photo = Image.new("RGB", (3000, 2000), (250, 250, 250))
    ImageDraw.Draw(photo).rectangle((1000, 600, 1299, 699), fill=(255, 0, 0))  # a face
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: the boxes are in displayed pixels
    src = tmp_path / "big.jpg"
    photo.transpose(Image.Transpose.ROTATE_90).save(src, quality=95, exif=exif.tobytes())
    assert images.image_size(src, "big.jpg") == (3000, 2000)
    out = prepare_image(
        src, "big.jpg", tmp_path, "b", box_mm=(60, 60), redact=((990, 590, 320, 120),)
    )
    assert out.source_px == (3000, 2000)  # the displayed size, as the layout planned it
    assert out.parts[0].width_px < 3000 and out.parts[0].width_px > out.parts[0].height_px
    shot = Image.open(tmp_path / out.parts[0].name).convert("RGB")
    raw = shot.tobytes()
    reds = [i for i in range(0, len(raw), 3) if raw[i] > 180 and raw[i + 1] < 120]
    assert not reds and "1 area(s) redacted" in out.note
    png = tmp_path / "big.png"
    photo.save(png)  # a PNG decodes whole: the limit applies to its size
    with pytest.raises(EvidenceError, match="over the 1,000,000-pixel limit"):
        prepare_image(png, "big.png", tmp_path, "p", box_mm=(60, 60))


def test_multipage_tiff_of_large_pages_refused_before_decoding(tmp_path: Path) -> None:
    # Four 90 MP pages: each under the per-image limit, 360 MP together (G4: 10 MB on disk).
    src = tmp_path / "scan.tif"
    page = Image.new("1", (9500, 9500), 1)
    page.save(src, save_all=True, append_images=[page] * 3, compression="group4")
    del page
    with pytest.raises(EvidenceError, match=r"4 pages hold 361,000,000 pixels, over the"):
        prepare_image(src, "scan.tif", tmp_path, "s", box_mm=BOX)
    with pytest.raises(EvidenceError, match="limit per file"):
        images.count_pixels(src, "scan.tif")


def test_jpeg_header_bomb_is_an_evidence_error(tmp_path: Path) -> None:
    # A 30 kB JPEG whose frame header claims 25 000 × 20 000: Pillow's own check warns
    # (a warning is an error under pytest); it must be a clean refusal naming the file.
    buf = io.BytesIO()
    quadrants((64, 64)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 25_000, 20_000)
    src = tmp_path / "bomb.jpg"
    src.write_bytes(bytes(data))
    for call in (
        lambda: images.image_size(src, "bomb.jpg"),
        lambda: images.capture_time(src, "bomb.jpg", ZoneInfo("UTC")),
        lambda: prepare_image(src, "bomb.jpg", tmp_path, "b", box_mm=BOX),
    ):
        with pytest.raises(EvidenceError, match="decompression bomb") as caught:
            call()
        assert caught.value.file == "bomb.jpg"


def test_tiff_redaction_recorded_truly_in_evidence_json(tmp_path: Path) -> None:
    from evidencekit.pipeline import BuildOptions, build

    folder = tmp_path / "c"
    folder.mkdir()
    pages = [Image.new("RGB", (300, 400), c) for c in ("white", "#eee")]
    for page in pages:
        ImageDraw.Draw(page).rectangle((50, 50, 149, 99), fill=(255, 0, 0))
    pages[0].save(folder / "scan.tif", save_all=True, append_images=pages[1:])
    text = MINIMAL.replace("shot.png", "scan.tif")
    m = write_case(
        folder, text + "    redact:\n      - {file: scan.tif, boxes: [[40, 40, 120, 70]]}\n"
    )
    result = build(m, BuildOptions(out_dir=tmp_path / "out"))
    ev = json.loads(result.json_path.read_text(encoding="utf-8"))
    (src,) = ev["sources"]
    assert src["rendition"]["redacted_areas"] == 2
    assert "1 area(s) redacted on each of the 2 pages" in src["shown_as"]
    with pikepdf.open(result.pdf_path) as pdf:
        shots = [
            pikepdf.PdfImage(o).as_pil_image().convert("RGB")
            for o in pdf.objects
            if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == pikepdf.Name.Image
        ]
    assert len(shots) == 2
    for shot in shots:
        raw = shot.tobytes()
        assert not [i for i in range(0, len(raw), 3) if raw[i] > 200 and raw[i + 1] < 80]


def test_multipage_tiff_with_orientation_turned_once(tmp_path: Path) -> None:
    # Pillow's TIFF reader turns each page when it loads it; turning it again on pages
    # reached by seeking showed every page of a sideways scan on its side.
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = [_STORE[6](quadrants()) for _ in range(3)]
    src = tmp_path / "sideways.tif"
    stored[0].save(src, save_all=True, append_images=stored[1:], exif=exif.tobytes())
    out = prepare_image(src, src.name, tmp_path, "s", box_mm=BOX)
    assert len(out.parts) == 3
    expect = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)]
    for part in out.parts:
        img = Image.open(tmp_path / part.name).convert("RGB")
        assert img.width > img.height, part.frame
        assert all(near(c, e) for c, e in zip(corners(img), expect, strict=True)), part.frame


def test_truncated_image_refused_after_weasyprint_import(tmp_path: Path) -> None:
    # Importing WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process: in
    # a build (and in the fit ladder's second pass) a cut-off photo was shown half grey.
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES
    data = io.BytesIO()
    quadrants((400, 400)).save(data, "JPEG")
    src = tmp_path / "cut.jpg"
    src.write_bytes(data.getvalue()[: len(data.getvalue()) // 2])
    with pytest.raises(EvidenceError, match="damaged or truncated"):
        prepare_image(src, "cut.jpg", tmp_path, "c", box_mm=BOX)
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # WeasyPrint's own setting left as it was
