"""Pillow's own test images (about 740 with a suffix evidencekit accepts) through the real
image path: each is rendered or refused with an EvidencekitError naming the file; never another
exception, never more than 60 s, never a wrong rotation (issue #10). A sample goes on through
real builds, eight files a dossier (a build's own pages cost more than an image's).

`make corpus` (tests/corpora.py) fetches the corpus once; it runs in-process over a process pool.
"""

from __future__ import annotations

import gc
import json
import os
import re
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
"""
MANIFEST_ITEM = """\
  - kind: product
    title: {stem}
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


BUILD_BATCH = 8  # images per sample dossier: a build's own pages cost more than an image
NAMED = re.compile(r"^case\.yaml:\d+:\d+: evidence\[(\d+)\]\.files\[0\]: (e\d{3})\.", re.MULTILINE)


def _build_batch(jobs: list[tuple[Path, str]]) -> list[tuple[str, str, str]]:
    """Build the images as the exhibits of one dossier: (rel, rendered | refused | crash,
    detail) for each. A refusal names its file and manifest location: that file is taken out
    and the rest built again. Anything else is built again file by file, to pin it on one."""
    from evidencekit.pipeline import BuildOptions, build

    os.environ["EVIDENCEKIT_CACHE_DIR"] = "off"
    left = {f"e{i:03d}": job for i, job in enumerate(jobs)}
    out: list[tuple[str, str, str]] = []
    folder = Path(tempfile.mkdtemp(prefix="corpus-"))
    try:
        while left:
            order = list(left)  # evidence[i] is the i-th file still left
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            items = ""
            for stem, (path, _) in left.items():
                shutil.copyfile(path, folder / (stem + path.suffix))
                items += MANIFEST_ITEM.format(stem=stem, name=stem + path.suffix)
            (folder / "case.yaml").write_text(MANIFEST + items, encoding="utf-8")
            problem = ""
            try:
                result = build(folder / "case.yaml", BuildOptions(out_dir=folder / "out"))
            except EvidencekitError as e:
                named = {
                    m[2]
                    for m in NAMED.finditer(str(e))
                    if int(m[1]) < len(order) and order[int(m[1])] == m[2]
                }
                for stem in named:
                    out.append((left.pop(stem)[1], "refused", str(e)[:200]))
                if named:
                    continue
                problem = f"refusal does not name the file: {e}"
            except BaseException as e:
                problem = f"{type(e).__name__}: {str(e)[:300]}"
            else:
                problem = _check_images(result.pdf_path, result.json_path, list(left))
            if problem and len(left) > 1:
                for job in left.values():
                    out += _build_batch([job])
            else:
                status = "crash" if problem else "rendered"
                out += [(rel, status, problem) for _, rel in left.values()]
            break
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return out


def _check_images(pdf_path: Path, json_path: Path, stems: list[str]) -> str:
    """'' if every exhibit's pages hold an image, else what is wrong."""
    record = json.loads(json_path.read_text(encoding="utf-8"))
    pages = {ex["title"]: ex["pages"] for ex in record["exhibits"]}
    with pikepdf.open(pdf_path) as pdf:
        for stem in stems:
            if stem not in pages:
                return f"no exhibit {stem} in the dossier"
            first, last = pages[stem]
            if not any(_has_image(pdf.pages[n - 1].obj) for n in range(first, last + 1)):
                return f"no image on pages {first}-{last} of {len(pdf.pages)}"
    return ""


def _has_image(holder: pikepdf.Object, depth: int = 0) -> bool:
    """An image drawn by a page, directly or through its form XObjects."""
    xobjects = holder.get("/Resources", {}).get("/XObject", {})
    for x in xobjects.values():
        if x.get("/Subtype") == pikepdf.Name.Image:
            return True
        if x.get("/Subtype") == pikepdf.Name.Form and depth < 4 and _has_image(x, depth + 1):
            return True
    return False


def _run(job: tuple[Path, str]) -> Outcome:
    """One corpus file through image_size, capture_time and prepare_image."""
    path, rel = job
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
    gc.collect()
    # What survives is frozen: the next file's collection walks only the objects it made
    # (a full walk over WeasyPrint's and Pillow's modules took 0.1 s a file, 3/4 of the run).
    gc.freeze()
    if unraisable and out.status != "crash":
        out.status, out.detail = "crash", "; ".join(unraisable)[:300]  # e.g. an unclosed file
    out.seconds = time.monotonic() - start
    return out


def _timed_batch(jobs: list[tuple[Path, str]]) -> tuple[list[tuple[str, str, str]], float]:
    start = time.monotonic()
    return _build_batch(jobs), time.monotonic() - start


def test_pillow_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    files = corpus_files("pillow", IMAGE_SUFFIXES)  # suffixes matched case-insensitively
    root = next(p for p in files[0].parents if p.name == "images")
    jobs = [(path, path.relative_to(root).as_posix()) for path in files]
    sampled = {rel for k, (_, rel) in enumerate(jobs) if k % BUILD_EVERY == 0 or rel in ODD}
    assert len(files) > 700, f"only {len(files)} corpus images: is the corpus complete?"
    assert all(any(rel == odd for _, rel in jobs) for odd in ODD), "an odd file is missing"
    started = time.monotonic()
    workers = max(2, min(4, os.cpu_count() or 2))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(_run, jobs, chunksize=4, timeout=600))
        # The sample (rendered or refused alike) through real builds, a few files a dossier.
        to_build = [
            j
            for j, o in zip(jobs, outcomes, strict=True)
            if j[1] in sampled and o.status in ("rendered", "refused")
        ]
        batches = [to_build[i : i + BUILD_BATCH] for i in range(0, len(to_build), BUILD_BATCH)]
        builds = list(pool.map(_timed_batch, batches, timeout=600))
    wall = time.monotonic() - started
    by_rel = {o.rel: o for o in outcomes}
    for results, _ in builds:
        for rel, built, detail in results:
            o = by_rel[rel]
            o.built = built
            if built == "crash" and o.status in ("rendered", "refused"):
                o.status, o.detail = "crash", f"build: {detail}"
    counts: Counter[str] = Counter(o.status for o in outcomes)
    built_counts: Counter[str] = Counter(o.built for o in outcomes if o.built)
    slowest = max(outcomes, key=lambda o: o.seconds)
    summary: dict[str, Any] = {
        "tried": len(outcomes),
        "rendered": counts["rendered"],
        "refused": counts["refused"],
        "orientation checked": sum(o.oriented for o in outcomes),
        "built": f"{sum(built_counts.values())} in {len(batches)} dossiers "
        f"({built_counts['rendered']} ok, {built_counts['refused']} refused)",
        "cpu": f"{sum(o.seconds for o in outcomes):.0f} s "
        f"(builds {sum(t for _, t in builds):.0f} s)",
        "slowest": f"{slowest.rel} {slowest.seconds:.1f} s",
        "wall": f"{wall:.0f} s on {workers} workers",
    }
    with capsys.disabled():
        print("\npillow corpus: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    bad = [o for o in outcomes if o.status not in ("rendered", "refused")]
    slow = [o for o in outcomes if o.seconds > LIMIT_S]
    slow_builds = [(b, t) for b, t in zip(batches, builds, strict=True) if t[1] > LIMIT_S]
    assert not bad, "\n".join(f"{o.rel}: {o.status}: {o.detail}" for o in bad)
    assert not slow, "\n".join(f"{o.rel}: {o.seconds:.1f} s" for o in slow)
    assert not slow_builds, [([rel for _, rel in b], f"{t[1]:.0f} s") for b, t in slow_builds]
    assert counts["rendered"] + counts["refused"] == len(files)  # none lost on the way
    assert sorted(o.rel for o in outcomes if o.built) == sorted(rel for _, rel in to_build)
    assert counts["rendered"] > 0.85 * len(files)
    assert built_counts["rendered"] >= 20
