"""Rebuilds: a build with nothing changed loads no rendering library and reads each image's
header once; the cheap path still notices a changed source."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from evidencekit.assets.images import capture_time, count_pixels, read_header
from evidencekit.assets.sources import sha256_file
from evidencekit.pipeline import BuildOptions, build
from tests.conftest import MINIMAL, make_jpeg, make_png, write_case

# What the first build needs and a kept one must not load (slow imports).
HEAVY = ("weasyprint", "pikepdf", "fontTools", "pypdfium2", "markdown_it")

_KEPT = """
import json, sys
from pathlib import Path
from evidencekit.pipeline import build, BuildOptions
r = build(Path(sys.argv[1]), BuildOptions(out_dir=Path(sys.argv[2])))
print(json.dumps({"warnings": r.warnings, "stages": list(r.stages),
                  "loaded": [m for m in sys.argv[3:] if m in sys.modules]}))
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("rebuild")
    manifest = write_case(folder / "case", MINIMAL, {"shot.png": None})
    out = folder / "out"
    build(manifest, BuildOptions(out_dir=out))
    return manifest, out


def _kept_run(manifest: Path, out: Path) -> dict[str, list[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", _KEPT, str(manifest), str(out), *HEAVY],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_nothing_changed_loads_no_renderer(built: tuple[Path, Path]) -> None:
    manifest, out = built
    run = _kept_run(manifest, out)
    assert "up to date" in run["stages"]
    assert any("nothing changed" in w for w in run["warnings"])
    assert run["loaded"] == []


def test_a_changed_source_is_rebuilt(built: tuple[Path, Path]) -> None:
    manifest, out = built
    shot = manifest.parent / "shot.png"
    before = shot.read_bytes()
    try:
        make_png(shot, color="#eed")
        stages = build(manifest, BuildOptions(out_dir=out)).stages
        assert "up to date" not in stages and "render" in stages
        record = json.loads((out / "T-1.evidence.json").read_text(encoding="utf-8"))
        assert {s["path"]: s["sha256"] for s in record["sources"]}["shot.png"] == sha256_file(shot)
    finally:
        shot.write_bytes(before)


def test_one_header_read_gives_pixels_and_capture_time(tmp_path: Path) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    photo = make_jpeg(tmp_path / "p.jpg", (300, 200), exif_time="2025:10:04 10:05:12")
    total, (when, how) = read_header(photo, "p.jpg", 7, tz)
    assert total == count_pixels(photo, "p.jpg", 7) == 7 + 300 * 200
    assert (when, how) == capture_time(photo, "p.jpg", tz)
    assert how == "exif" and when is not None and when.hour == 10
    # Without a time zone the capture time is not looked for (the manifest states it).
    assert read_header(photo, "p.jpg", 0, None) == (300 * 200, (None, ""))


# The standard (ITU T.81 Annex K) luminance DC table: what an encoder without optimised
# Huffman tables writes.
_ANNEX_K_DC = bytes([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0])


def _huffman_tables(jpeg: bytes) -> list[bytes]:
    """The 16 code-length counts of every Huffman table (DHT segments before the scan)."""
    out, at = [], 2
    while at + 4 <= len(jpeg) and jpeg[at] == 0xFF and jpeg[at + 1] != 0xDA:
        size = int.from_bytes(jpeg[at + 2 : at + 4], "big")
        if jpeg[at + 1] == 0xC4:
            seg, k = jpeg[at + 4 : at + 2 + size], 0
            while k < len(seg):
                counts = seg[k + 1 : k + 17]
                out.append(counts)
                k += 17 + sum(counts)
        at += 2 + size
    return out


def test_screenshots_a_step_below_photos_with_optimised_tables(tmp_path: Path) -> None:
    from PIL import Image

    from evidencekit.assets.images import SCREEN_QUALITY_STEP
    from evidencekit.assets.jobs import _run_image_job, image_job
    from evidencekit.fit import ImageSettings
    from evidencekit.model import SourceFile

    shot = make_png(tmp_path / "shot.png", (1080, 2400))
    photo = tmp_path / "photo.jpg"
    Image.open(shot).convert("RGB").save(photo, "JPEG", quality=95)
    box = (180.0, 195.0)
    made = {}
    for src in (shot, photo):  # as the build prepares them: image jobs into the cache
        sf = SourceFile(path=src, rel=src.name, location="case.yaml:1:1: evidence[0]")
        job = image_job(sf, box, ImageSettings(200, 80), tmp_path / "cache", ())
        made[src.name] = (job, _run_image_job(job))
    assert made["shot.png"][1].details["quality"] == 80 - SCREEN_QUALITY_STEP
    assert made["photo.jpg"][1].details["quality"] == 80
    for job, img in made.values():
        data = (job.folder / img.parts[0].name).read_bytes()
        tables = _huffman_tables(data)
        assert tables and _ANNEX_K_DC not in tables  # tables made for this image
        assert img.parts[0].width_px == 691  # 200 dpi over the printed width


def test_redacted_renditions_keep_their_quality(tmp_path: Path) -> None:
    from evidencekit.assets.images import prepare_image

    shot = make_png(tmp_path / "shot.png", (300, 600))
    box = (10_000.0, 10_000_000.0)
    img = prepare_image(shot, "shot.png", tmp_path, "r", box_mm=box, quality=92)
    assert img.details["quality"] == 92
