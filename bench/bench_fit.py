"""Fitting to a platform: the Stripe per-field files beside the dossier, and the fit ladder's
time beside one build of the same case (the ladder lays out once and re-encodes images).

Targets (issue 13): per-field sum <= 1.1x the dossier; the whole ladder <= 1.5x one build.
Figures are wall-clock on a shared machine: compare the ratios, taken in the same run.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import screenshot

from evidencekit import pipeline
from evidencekit.pipeline import BuildOptions, build

CASE = """\
evidencekit: 1
case:
  id: FIT-BENCH
  title: Fit bench
  profile: {profile}
  dispute: {{reason: product_not_received, requested_outcome: Decide for the merchant}}
evidence:
  - {{kind: product, title: Listing photos, files: [photos/*.jpg]}}
  - {{kind: chat, title: Messages with the buyer, files: [chat/*.png]}}
  - {{kind: transaction, title: Orders, table: {{file: orders.csv}}}}
  - kind: shipping
    title: Tracking
    carrier: UPS
    events: [{{at: 2025-10-01T10:00:00, location: NYC, status: Delivered}}]
    files: [pod.jpg]
"""

TIGHT = """\
title: Tight bench platform
paper: Letter
language: en
formats: [pdf]
limits: {limits}
"""


def photo(path: Path, seed: int, size: tuple[int, int] = (2400, 1800)) -> None:
    """A camera-like photo: smooth colour fields with fine grain."""
    rnd = random.Random(seed)
    small = Image.new("RGB", (48, 36))
    small.putdata([tuple(rnd.randrange(256) for _ in range(3)) for _ in range(48 * 36)])
    img = small.resize(size, Image.Resampling.BICUBIC)
    grain = Image.effect_noise(size, 24).convert("RGB")
    img = Image.blend(img, grain, 0.15).filter(ImageFilter.SMOOTH)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "JPEG", quality=90)


def make_case(folder: Path) -> Path:
    for i in range(12):
        photo(folder / f"photos/{i:02d}.jpg", i)
    photo(folder / "pod.jpg", 99, (1600, 1200))
    (folder / "chat").mkdir(parents=True, exist_ok=True)
    for i in range(6):
        screenshot(folder / f"chat/{i}.png", i)
    rows = ["order,placed,amount,status"]
    rows += [f"10{i:04d},2025-09-{1 + i % 28:02d} 10:00,{19 + i}.00,paid" for i in range(120)]
    (folder / "orders.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    manifest = folder / "case.yaml"
    manifest.write_text(CASE.format(profile="stripe"), encoding="utf-8")
    return manifest


def counted_build(manifest: Path, out: Path) -> tuple[float, int, pipeline.BuildResult]:
    calls = [0]
    real = pipeline._render

    def counting(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    pipeline._render = counting  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        result = build(manifest, BuildOptions(out_dir=out, force=True))
        return time.perf_counter() - start, calls[0], result
    finally:
        pipeline._render = real


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="evk-bench-fit-") as tmp:
        folder = Path(tmp) / "case"
        manifest = make_case(folder)
        one, _, stripe = counted_build(manifest, Path(tmp) / "stripe")
        dossier = stripe.pdf_size
        fields = [p for p in stripe.extra_files if p.suffix == ".pdf"]
        field_sum = sum(p.stat().st_size for p in fields)
        ratio = field_sum / dossier
        print(
            f"stripe build          {one:6.1f} s  {stripe.pages} pages, "
            f"dossier {dossier / 1e6:.2f} MB"
        )
        print(
            f"per-field files       {len(fields)} files, sum {field_sum / 1e6:.2f} MB = "
            f"{ratio:.2f}x the dossier (target <= 1.1x: {'met' if ratio <= 1.1 else 'NOT met'})"
        )
        # The same case against a limit that needs several steps of the ladder (the image
        # cache is warm for both builds).
        (folder / "tight.yaml").write_text(TIGHT.format(limits="{}"), "utf-8")
        manifest.write_text(CASE.format(profile="./tight.yaml"), encoding="utf-8")
        free, _, _ = counted_build(manifest, Path(tmp) / "free")
        limit = f"{{total_bytes: {int(dossier * 0.35)}}}"
        (folder / "tight.yaml").write_text(TIGHT.format(limits=limit), "utf-8")
        ladder, renders, fitted = counted_build(manifest, Path(tmp) / "fit")
        steps = [w for w in fitted.warnings if w.startswith("fitted")]
        print(f"one build (no limit)  {free:6.1f} s")
        print(
            f"fit ladder            {ladder:6.1f} s = {ladder / free:.2f}x one build "
            f"(target <= 1.5x: {'met' if ladder / free <= 1.5 else 'NOT met'}); "
            f"renders {renders}, {fitted.pdf_size / 1e6:.2f} MB"
        )
        if steps:
            print(f"  {steps[0]}")


if __name__ == "__main__":
    main()
