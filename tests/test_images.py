"""Images: capture time from metadata, hazards refused with the file named, slicing."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from evidencekit.assets.images import (
    MAX_PIXELS,
    MIN_PRINT_DPI,
    capture_time,
    cut_image,
    plan_image,
    prepare_image,
)
from evidencekit.errors import EvidenceError

from .conftest import MINIMAL, make_jpeg, make_png, run_cli, write_case

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_exif_time_with_offset(tmp_path: Path) -> None:
    p = make_jpeg(tmp_path / "a.jpg", exif_time="2025:10:03 14:05:00", offset="+08:00")
    when, how = capture_time(p, "a.jpg", SHANGHAI)
    assert how == "exif" and when is not None
    assert when.isoformat() == "2025-10-03T14:05:00+08:00"


def test_png_creation_time(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Creation Time", "2025-10-04T11:20:00+08:00")
    p = tmp_path / "c.png"
    Image.new("RGB", (50, 50), "white").save(p, pnginfo=info)
    when, how = capture_time(p, "c.png", SHANGHAI)
    assert how == "png-metadata" and when is not None and when.hour == 11


def test_no_metadata_falls_back_to_mtime_marked(tmp_path: Path, minimal_case: Path) -> None:
    proc = run_cli("build", "-q", str(minimal_case), "-o", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    ev = (tmp_path / "o/T-1.evidence.json").read_text(encoding="utf-8")
    assert '"captured_how": "file-mtime"' in ev


def test_truncated_image_refused_with_location(tmp_path: Path) -> None:
    data = (make_png(tmp_path / "ok.png", (800, 800))).read_bytes()
    m = write_case(tmp_path / "case", MINIMAL, {"shot.png": data[: len(data) // 2]})
    proc = run_cli("build", "-q", str(m))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "evidence[0].files[0]" in proc.stderr and "shot.png" in proc.stderr
    assert "damaged or truncated" in proc.stderr
    assert not (tmp_path / "case/out").exists()  # nothing half-written


def test_decompression_bomb_refused(tmp_path: Path) -> None:
    # A tiny file that claims a huge canvas: a 1-bit PNG, cheap to write.
    side = int(MAX_PIXELS**0.5) + 1000
    p = tmp_path / "bomb.png"
    Image.new("1", (side, side), 0).save(p, optimize=True)
    assert p.stat().st_size < 5_000_000
    with pytest.raises(EvidenceError, match="decompression bomb"):
        prepare_image(p, "bomb.png", tmp_path, "x", box_mm=(170, 200))


def test_long_screenshot_parts_and_overlap(tmp_path: Path) -> None:
    src = make_png(tmp_path / "long.png", (1080, 12000))
    out = prepare_image(src, "long.png", tmp_path, "long", box_mm=(178, 195), overlap=0.04)
    parts = out.parts
    assert len(parts) >= 3
    assert [p.part for p in parts] == list(range(1, len(parts) + 1))
    assert all(p.parts == len(parts) for p in parts)
    # Never shrunk below a readable width; each part fits the box.
    assert all(abs(p.width_mm - 178 * 0.6) < 0.01 and p.height_mm <= 195.01 for p in parts)
    total_mm = sum(p.height_mm for p in parts)
    assert total_mm > 12000 / 1080 * parts[0].width_mm  # parts overlap


def test_phone_screenshot_kept_whole(tmp_path: Path) -> None:
    src = make_png(tmp_path / "phone.png", (1080, 2400))
    out = prepare_image(src, "phone.png", tmp_path, "p", box_mm=(178, 195))
    assert len(out.parts) == 1
    part = out.parts[0]
    # effective resolution: at least 150 dpi at printed size, never above the 200 dpi cap
    dpi = part.width_px / (part.width_mm / 25.4)
    assert 150 <= dpi <= 201


BOX = (178.0, 185.0)  # A4's content box less the band and caption (assets/prepare.py)


@pytest.mark.parametrize("paper", ["A4", "Letter"])
@pytest.mark.parametrize("size", [(1080, 2400), (1080, 2520), (1170, 2532), (1290, 2796)])
def test_a_phone_screenshot_is_one_screen_on_either_paper(
    paper: str, size: tuple[int, int]
) -> None:
    """On Letter paper (the US platforms' profiles) a 20:9 screenshot had been cut into two
    parts 110 mm wide, each on a page of its own; whole it is 75 mm wide, two to a row."""
    from evidencekit.assets.images import cut_image
    from evidencekit.render import content_box_mm

    w, h = content_box_mm(paper)
    print_w, parts = cut_image("shot.png", *size, (w, h - 72), 0.04)
    assert len(parts) == 1
    assert 70 <= print_w <= w / 2  # two to a row


def _dpi(w: int, print_w: float) -> float:
    return w / (print_w / 25.4)


def test_a_tiny_image_is_not_blown_up_to_the_page_width() -> None:
    # Pillow's 8×8 exif_gps.jpg had been printed 178 mm wide: a black square across the page.
    print_w, slices = cut_image("icon.png", 8, 8, BOX, 0.04)
    assert print_w == pytest.approx(8 / MIN_PRINT_DPI * 25.4)  # 4.2 mm: twice its 96-dpi size
    assert slices == [(0, 8)]


@pytest.mark.parametrize(
    ("size", "width_mm"),
    [
        ((200, 150), 200 / 48 * 25.4),  # a thumbnail: 106 mm, not 178 mm at 29 dpi
        ((120, 90), 120 / 48 * 25.4),
        ((320, 240), 320 / 48 * 25.4),
        ((60, 200), 60 / 48 * 25.4),  # small and tall: whole, not two parts at 107 mm
        ((150, 400), 185 * 150 / 400),  # whole at the box's height (55 dpi), not two parts
    ],
)
def test_a_small_image_is_printed_at_most_twice_its_size(
    size: tuple[int, int], width_mm: float
) -> None:
    w, h = size
    print_w, slices = cut_image("small.png", w, h, BOX, 0.04)
    assert print_w == pytest.approx(width_mm)
    assert slices == [(0, h)]
    assert _dpi(w, print_w) >= MIN_PRINT_DPI - 1e-6


@pytest.mark.parametrize(
    ("size", "width_mm"),
    [
        ((1080, 2400), 185 * 1080 / 2400),  # a phone screenshot: fitted to the height
        ((4000, 3000), 178.0),  # a photo: the box's width
        ((340, 255), 178.0),  # just enough pixels for the width at 48 dpi
        ((1080, 12000), 178 * 0.6),  # a long screenshot: parts at 60 % of the box
    ],
)
def test_an_ordinary_image_keeps_its_size(size: tuple[int, int], width_mm: float) -> None:
    print_w, _ = cut_image("ordinary.png", *size, BOX, 0.04)
    assert print_w == pytest.approx(width_mm)


def test_a_narrow_long_image_is_cut_at_its_own_width() -> None:
    # 120 px wide: parts 63.5 mm wide (48 dpi), each a page high; at 107 mm it had been cut
    # into 28 parts of 224 rows, each blown up.
    w, h = 120, 6000
    print_w, slices = cut_image("strip.png", w, h, BOX, 0.04)
    assert print_w == pytest.approx(w / MIN_PRINT_DPI * 25.4)
    heights = [bottom - top for top, bottom in slices]
    assert len(slices) == 18
    assert max(heights) - min(heights) <= 1  # spread evenly: no sliver
    assert all(print_w * rows / w <= BOX[1] + 0.01 for rows in heights)  # each fits the box
    assert min(heights) * print_w / w > BOX[1] - 1  # and fills it
    assert slices[0][0] == 0 and slices[-1][1] == h
    assert all(b[0] < a[1] for a, b in itertools.pairwise(slices))  # overlapping


@given(
    st.integers(min_value=1, max_value=4000),
    st.integers(min_value=1, max_value=20000),
    st.sampled_from([BOX, (170.0, 200.0), (183.9, 167.4)]),
)
def test_no_image_is_printed_coarser_than_48_dpi(w: int, h: int, box: tuple[float, float]) -> None:
    try:
        print_w, slices = cut_image("x.png", w, h, box, 0.04)
    except EvidenceError:
        return  # too many parts: refused, with the file named
    assert _dpi(w, print_w) >= MIN_PRINT_DPI - 1e-6
    assert print_w <= box[0] + 1e-9
    assert slices[0][0] == 0 and slices[-1][1] == h
    assert all(print_w * (bottom - top) / w <= box[1] + 0.01 for top, bottom in slices)


def test_small_images_are_prepared_as_planned_never_upsampled(tmp_path: Path) -> None:
    # The plan (layout) and the prepared parts agree, and a small image's pixels are kept as
    # they are: it is drawn larger, not resampled larger.
    from evidencekit.checks import _image_parts

    for name, size in (("tiny.png", (8, 8)), ("thumb.png", (200, 150)), ("strip.png", (120, 6000))):
        src = tmp_path / name
        Image.effect_noise(size, 60).convert("RGB").save(src)
        plan = plan_image(src, name, name[:4], box_mm=BOX).image
        made = prepare_image(src, name, tmp_path, name[:4], box_mm=BOX)
        got = [(p.name, p.width_mm, p.height_mm) for p in made.parts]
        assert got == [(p.name, p.width_mm, p.height_mm) for p in plan.parts]
        assert all(p.width_px == size[0] for p in made.parts)
        assert all(p.height_px <= size[1] for p in made.parts)
        # validate's forecast cuts it the same way
        forecast = _image_parts(name, *size, BOX, 200)
        assert [round(w, 2) for w, _, _ in forecast] == [p.width_mm for p in made.parts]
        assert all(dpi == pytest.approx(MIN_PRINT_DPI) for _, _, dpi in forecast)


def test_large_scan_decoded_within_a_few_hundred_mb(tmp_path: Path) -> None:
    # A 60 MP PNG holds 240 MB decoded (Pillow keeps RGB in 4 bytes); converting and
    # flattening it at full size doubled that. Measured in a fresh process.
    src = tmp_path / "scan.png"
    img = Image.new("L", (7800, 7700), 255)
    for y in range(0, 7700, 40):
        img.paste(0, (0, y, 7800, y + 2))
    img.convert("RGB").save(src, compress_level=1)
    del img
    # VmHWM, not ru_maxrss: the latter keeps the forking pytest process's peak across exec.
    code = (
        "import re, sys, time; from pathlib import Path\n"
        "from evidencekit.assets.images import prepare_image\n"
        "t = time.monotonic()\n"
        "out = prepare_image(Path(sys.argv[1]), 'scan.png', Path(sys.argv[2]), 's',"
        " box_mm=(178.0, 185.0))\n"
        "hwm = re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text())[1]\n"
        "print(int(hwm) // 1024, round(time.monotonic() - t, 1), len(out.parts))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(src), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    peak_mb, _seconds, parts = proc.stdout.split()
    assert int(parts) == 1
    assert int(peak_mb) < 400, proc.stdout


def test_pixel_budget_per_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The real budget is 10 GP; a small one keeps the files small, same code path.
    from evidencekit.assets import images
    from evidencekit.pipeline import BuildOptions, build

    monkeypatch.setattr(images, "MAX_CASE_PIXELS", 500_000)
    files: dict[str, bytes | str | None] = {"a.png": None, "b.png": None, "c.png": None}
    m = write_case(tmp_path / "c", MINIMAL.replace("[shot.png]", "[a.png, b.png, c.png]"), files)
    with pytest.raises(EvidenceError) as caught:
        build(m, BuildOptions(out_dir=tmp_path / "out"))  # 3 × 320 000 pixels
    assert caught.value.file == "b.png"
    assert caught.value.location.endswith("case.yaml:9:20: evidence[0].files[1]")
    assert "640,000 pixels, over the 500,000-pixel limit per case" in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_a_long_file_list_starts_under_its_exhibits_band(tmp_path: Path) -> None:
    # An exhibit of 90 screenshots lists its files in its table's last row: a row longer than
    # a page had been moved to the next page whole, leaving the band and two rows alone on
    # the exhibit's first page (dossier.css.j2: table.meta tr.files).
    from pypdf import PdfReader

    from evidencekit.pipeline import BuildOptions, build

    names = [f"shots/s{k:03d}.png" for k in range(90)]
    case = (
        "evidencekit: 1\n"
        "case: {id: FILES-1, title: 多文件, profile: generic, language: zh-CN}\n"
        "evidence:\n"
        "  - {kind: chat, title: 聊天截图, files: [shots/*.png]}\n"
    )
    manifest = write_case(tmp_path / "case", case, dict.fromkeys(names))
    result = build(manifest, BuildOptions(out_dir=tmp_path / "out"))
    texts = [p.extract_text() or "" for p in PdfReader(result.pdf_path).pages]
    band = next(i for i, text in enumerate(texts) if "FILES-1 证据A" in text)  # page header
    assert "证据A 聊天截图" in texts[band]  # the band
    assert "s000.png" in texts[band].replace("\u200b", "")
    assert "s089.png" in "".join(texts[band + 1 :]).replace("\u200b", "")
