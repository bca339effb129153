"""Every image format and hazard (issue: images), on real files made here."""

from __future__ import annotations

import json
from pathlib import Path

import pikepdf
import pillow_heif
import pytest
from PIL import Image, ImageCms, ImageDraw

from evidencekit.assets.images import prepare_image

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
