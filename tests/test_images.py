"""Images: capture time from metadata, hazards refused with the file named, slicing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, PngImagePlugin

from evidencekit.assets.images import MAX_PIXELS, capture_time, prepare_image
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
