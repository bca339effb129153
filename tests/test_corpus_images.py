"""Pillow's own test images (about 740 with a suffix evidencekit accepts) through the real
image path: each is rendered or refused with an EvidencekitError naming the file; never another
exception, never more than 60 s, never a wrong rotation (issue #10).

`make corpus` (tests/corpora.py) fetches the corpus once; it runs in-process over a process pool.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pikepdf
import pytest
from PIL import Image, ImageOps

from evidencekit.assets.images import capture_time, image_size, prepare_image
from evidencekit.errors import EvidencekitError
from evidencekit.manifest import IMAGE_SUFFIXES

from .corpora import corpus_files

LIMIT_S = 60.0  # per file, from the issue
BUILD_EVERY = 40  # a real build for every 40th file, plus the odd ones below
# Files whose kind the build path must see once whatever the sampling: orientation, MPO,
# multi-page and 16-bit TIFF, colour keys, CMYK, animation, HEIF/AVIF.
ODD = (
    "hopper_orientation_6.jpg",
    "g4_orientation_5.tif",
    "sugarshack_bad_mpo_header.jpg",
    "avif/hopper.heif",
    "multipage.tiff",
    "16bit.MM.deflate.tif",
    "rgb_trns.png",
    "l_trns.png",
    "pil_sample_cmyk.jpg",
    "apng/num_plays.png",
    "iss634.gif",
    "avif/exif.avif",
    "flower.webp",
)
BOX = (178.0, 185.0)
TZ = ZoneInfo("Asia/Shanghai")
MANIFEST = """\
evidencekit: 1
case:
  id: CORPUS-1
  title: Corpus file
  profile: generic
  timezone: Asia/Shanghai
evidence:
  - kind: product
    title: Corpus image
    files: ["{name}"]
"""


@dataclass
class Outcome:
    rel: str
    status: str  # rendered | refused | crash | wrong-rotation
    seconds: float
    detail: str = ""
    built: str = ""  # "" (not built) | rendered | refused | crash
    oriented: bool = False  # an EXIF orientation other than 1 was checked


def _expected_orientation(path: Path) -> tuple[int, int] | None:
    """Displayed size as Pillow's exif_transpose gives it, for files with an orientation."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                if im.getexif().get(0x0112, 1) in (1, None):
                    return None
                shown = ImageOps.exif_transpose(im)
                return shown.size
    except Exception:  # Pillow itself cannot tell: nothing to compare against
        return None


def _build(path: Path, rel: str) -> tuple[str, str]:
    from evidencekit.pipeline import BuildOptions, build

    folder = Path(tempfile.mkdtemp(prefix="corpus-"))
    try:
        name = "evidence" + path.suffix
        shutil.copyfile(path, folder / name)
        (folder / "case.yaml").write_text(MANIFEST.format(name=name), encoding="utf-8")
        try:
            result = build(folder / "case.yaml", BuildOptions(out_dir=folder / "out"))
        except EvidencekitError as e:
            if name not in str(e):
                return "crash", f"refusal does not name the file: {e}"
            return "refused", str(e)[:200]
        with pikepdf.open(result.pdf_path) as pdf:
            images = [
                o
                for o in pdf.objects
                if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == pikepdf.Name.Image
            ]
            if len(pdf.pages) < 3 or not images:
                return "crash", f"{len(pdf.pages)} pages, {len(images)} images in the dossier"
        return "rendered", ""
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(job: tuple[Path, str, bool]) -> Outcome:
    """One corpus file through image_size, capture_time and prepare_image (and a build)."""
    path, rel, with_build = job
    unraisable: list[str] = []
    sys.unraisablehook = lambda u: unraisable.append(f"{u.exc_type.__name__}: {u.exc_value}")
    os.environ["EVIDENCEKIT_CACHE_DIR"] = "off"
    start = time.monotonic()
    out = Outcome(rel, "rendered", 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # as under pytest: a leaked warning is a failure
        try:
            size = image_size(path, rel)
            when, how = capture_time(path, rel, TZ)
            if when is not None and when.utcoffset() is None:
                out.status, out.detail = "crash", f"naive capture time {when!r} ({how})"
            with tempfile.TemporaryDirectory() as tmp:
                prepared = prepare_image(path, rel, Path(tmp), "c", box_mm=BOX)
            expected = _expected_orientation(path)
            if expected is not None:
                out.oriented = True
                got_w, got_h = prepared.source_px
                exp_w, exp_h = expected
                if size != expected or abs(got_w / got_h - exp_w / exp_h) > 0.05 * exp_w / exp_h:
                    out.status = "wrong-rotation"
                    out.detail = f"size {size}, prepared {prepared.source_px}, shown {expected}"
        except EvidencekitError as e:
            out.status = "refused"
            out.detail = str(e)[:200]
            if rel not in str(e):
                out.status, out.detail = "crash", f"refusal does not name the file: {e}"
        except BaseException as e:  # what this suite exists to catch
            out.status, out.detail = "crash", f"{type(e).__name__}: {str(e)[:300]}"
        if with_build and out.status in ("rendered", "refused"):
            try:
                out.built, detail = _build(path, rel)
            except BaseException as e:
                out.built, detail = "crash", f"{type(e).__name__}: {str(e)[:300]}"
            if out.built == "crash":
                out.status, out.detail = "crash", f"build: {detail}"
    gc.collect()
    if unraisable and out.status != "crash":
        out.status, out.detail = "crash", "; ".join(unraisable)[:300]  # e.g. an unclosed file
    out.seconds = time.monotonic() - start
    return out


def test_pillow_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    files = corpus_files("pillow", IMAGE_SUFFIXES)  # suffixes matched case-insensitively
    root = next(p for p in files[0].parents if p.name == "images")
    jobs = []
    for k, path in enumerate(files):
        rel = path.relative_to(root).as_posix()
        jobs.append((path, rel, k % BUILD_EVERY == 0 or rel in ODD))
    assert len(files) > 700, f"only {len(files)} corpus images: is the corpus complete?"
    assert all(any(rel == odd for _, rel, _ in jobs) for odd in ODD), "an odd file is missing"
    started = time.monotonic()
    workers = max(2, min(4, os.cpu_count() or 2))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(_run, jobs, chunksize=4, timeout=600))
    wall = time.monotonic() - started
    counts: Counter[str] = Counter(o.status for o in outcomes)
    built: Counter[str] = Counter(o.built for o in outcomes if o.built)
    slowest = max(outcomes, key=lambda o: o.seconds)
    summary: dict[str, Any] = {
        "tried": len(outcomes),
        "rendered": counts["rendered"],
        "refused": counts["refused"],
        "orientation checked": sum(o.oriented for o in outcomes),
        "built": f"{sum(built.values())} ({built['rendered']} ok, {built['refused']} refused)",
        "cpu": f"{sum(o.seconds for o in outcomes):.0f} s "
        f"(builds {sum(o.seconds for o in outcomes if o.built):.0f} s)",
        "slowest": f"{slowest.rel} {slowest.seconds:.1f} s",
        "wall": f"{wall:.0f} s on {workers} workers",
    }
    with capsys.disabled():
        print("\npillow corpus: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    bad = [o for o in outcomes if o.status not in ("rendered", "refused")]
    slow = [o for o in outcomes if o.seconds > LIMIT_S]
    assert not bad, "\n".join(f"{o.rel}: {o.status}: {o.detail}" for o in bad)
    assert not slow, "\n".join(f"{o.rel}: {o.seconds:.1f} s" for o in slow)
    assert counts["rendered"] + counts["refused"] == len(files)  # none lost on the way
    assert counts["rendered"] > 0.85 * len(files)
    assert built["rendered"] >= 20
