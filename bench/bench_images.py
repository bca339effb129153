"""Images: 200 phone screenshots (1080×2400 PNG, Chinese text), one 1080×12 000 scrolling
screenshot and 20 camera photos (4032×3024 JPEG with EXIF orientation).

Prints cold build (empty cache), warm rebuild (nothing changed), rebuild after one screenshot
changed, peak RSS, PDF size and pages; beside them, in the same run, img2pdf on the same images
(the floor for an image-only PDF) and a naive single WeasyPrint document of the raw images.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import evidencekit_cmd, screenshot, size_mb, timed, write_image_manifest


def photo(path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    small = Image.new("RGB", (504, 378))
    small.putdata(
        [
            (rnd.randrange(90, 200), rnd.randrange(70, 170), rnd.randrange(50, 140))
            for _ in range(504 * 378)
        ]
    )
    img = small.resize((4032, 3024), Image.Resampling.BICUBIC)
    exif = Image.Exif()
    exif[0x0112] = (1, 3, 6, 8)[seed % 4]
    img.save(path, "JPEG", quality=88, exif=exif.tobytes())


def make_case(folder: Path) -> Path:
    (folder / "chat").mkdir(parents=True, exist_ok=True)
    (folder / "photos").mkdir(exist_ok=True)
    for i in range(200):
        p = folder / "chat" / f"{i + 1:03d}.png"
        if not p.exists():
            screenshot(p, i)
    if not (folder / "long.png").exists():
        screenshot(folder / "long.png", 999, 12000)
    for i in range(20):
        p = folder / "photos" / f"IMG_{i:04d}.jpg"
        if not p.exists():
            photo(p, i)
    return write_image_manifest(folder, "IMG-1")


def main() -> None:
    inputs = Path(tempfile.gettempdir()) / "evidencekit-bench-images"
    inputs.mkdir(exist_ok=True)
    start = time.perf_counter()
    manifest = make_case(inputs)
    print(
        f"inputs ready in {time.perf_counter() - start:.0f} s (kept in {inputs.name}/ for reruns)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        env = {"EVIDENCEKIT_CACHE_DIR": str(Path(tmp) / "cache")}
        out = Path(tmp) / "out"
        cold, rss = timed(evidencekit_cmd("build", "-q", str(manifest), "-o", str(out)), env)
        ev = json.loads((out / "IMG-1.evidence.json").read_text(encoding="utf-8"))
        pdf = out / "IMG-1.pdf"
        print(
            f"cold build: {cold:.1f} s, peak RSS {rss:.0f} MB, {ev['outputs'][0]['pages']} pages,"
            f" {size_mb(pdf):.1f} MB  (targets: ≤ 15 s, ≤ 600 MB, ≤ 25 MB)"
        )
        warm, _ = timed(evidencekit_cmd("build", "-q", str(manifest), "-o", str(out)), env)
        print(f"warm rebuild, nothing changed: {warm:.1f} s  (target ≤ 3 s)")
        changed = inputs / "chat" / "007.png"
        img = Image.open(changed)
        img.putpixel((0, 0), (random.randrange(256), 0, 0))
        img.save(changed)
        one, _ = timed(evidencekit_cmd("build", "-q", str(manifest), "-o", str(out)), env)
        print(f"rebuild, one screenshot changed: {one:.1f} s  (target ≤ 6 s)")
        raw = [
            *sorted((inputs / "chat").glob("*.png")),
            inputs / "long.png",
            *sorted((inputs / "photos").glob("*.jpg")),
        ]
        import img2pdf

        t = time.perf_counter()
        floor = img2pdf.convert([str(p) for p in raw])
        print(
            f"reference img2pdf (raw images, no layout): {time.perf_counter() - t:.1f} s, "
            f"{len(floor) / 1e6:.1f} MB"
        )
        if os.environ.get("BENCH_SKIP_NAIVE"):
            return
        import weasyprint

        html = "".join(
            f'<img src="{p.as_uri()}" style="max-width:100%;max-height:250mm">' for p in raw
        )
        t = time.perf_counter()
        naive = weasyprint.HTML(string=html).write_pdf()
        naive_s = time.perf_counter() - t
        print(
            f"reference naive WeasyPrint document of the raw images: {naive_s:.1f} s, "
            f"{len(naive) / 1e6:.1f} MB  (cold build is {naive_s / cold:.1f}× faster; "
            "target ≥ 5×)"
        )


if __name__ == "__main__":
    main()
