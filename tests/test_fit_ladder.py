"""The fit ladder without re-rendering: one layout, image streams re-encoded in the finished PDF."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pypdf
import pytest
from PIL import Image

from evidencekit import pipeline
from evidencekit.checks import FORECAST_TOLERANCE, forecast
from evidencekit.fit import (
    ImageBytes,
    ImageSettings,
    Tried,
    choose_step,
    fit_ladder,
    predicted_bytes,
)
from evidencekit.manifest import load_case
from evidencekit.outputs.platform import Violation
from evidencekit.pdf.reencode import jpeg_quality
from evidencekit.pipeline import BuildOptions, build

from .conftest import run_cli, write_case
from .test_fit import make_fit_case, noisy_photo, profile_file


def _build_counting(manifest: Path, out: Path) -> tuple[Any, int]:
    """Build in-process, counting calls of the render stage (layout + WeasyPrint)."""
    calls = [0]
    real = pipeline._render

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline, "_render", counting)
        mp.setenv("SOURCE_DATE_EPOCH", "1764547200")  # same build time: pages comparable
        result = build(manifest, BuildOptions(out_dir=out, force=True))
    return result, calls[0]


@pytest.fixture(scope="module")
def ladder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("ladder")
    manifest = make_fit_case(folder / "c", 3)
    profile_file(folder / "c")
    free, free_renders = _build_counting(manifest, folder / "free")
    limit = int(free.pdf_size * 0.4)  # 200 → 150 dpi is not enough: two steps down at least
    profile_file(folder / "c", total_bytes=limit)
    fitted, fit_renders = _build_counting(manifest, folder / "fit")
    profile_file(folder / "c")  # back to no limits, for the forecast
    yield {
        "manifest": manifest,
        "free": free,
        "fitted": fitted,
        "limit": limit,
        "renders": (free_renders, fit_renders),
    }


def test_a_fit_of_two_steps_renders_once(ladder: dict[str, Any]) -> None:
    fitted = ladder["fitted"]
    assert ladder["renders"] == (1, 1)
    assert fitted.pdf_size <= ladder["limit"]
    ev = json.loads(fitted.json_path.read_text(encoding="utf-8"))
    steps = fit_ladder(None)
    final = next(n for n, s in enumerate(steps) if s.describe() == ev["fit"]["final"])
    assert final >= 2, ev["fit"]  # the case needs two steps down; it is still laid out once
    assert any("fitted to the tight limits" in w for w in fitted.warnings)


def test_the_layout_does_not_change(ladder: dict[str, Any]) -> None:
    free = pypdf.PdfReader(ladder["free"].pdf_path)
    fitted = pypdf.PdfReader(ladder["fitted"].pdf_path)
    assert len(free.pages) == len(fitted.pages)
    for a, b in zip(free.pages, fitted.pages, strict=True):
        assert a.extract_text() == b.extract_text()
        assert a.mediabox == b.mediabox
    # The images are the same images, smaller: same count, drawn at the same places.
    with pikepdf.open(ladder["free"].pdf_path) as f0, pikepdf.open(ladder["fitted"].pdf_path) as f1:
        for p0, p1 in zip(f0.pages, f1.pages, strict=True):
            i0, i1 = dict(p0.get_images()), dict(p1.get_images())
            assert i0.keys() == i1.keys()
            for name, im in i1.items():
                assert im.Filter == pikepdf.Name.DCTDecode
                assert im.Width <= i0[name].Width and im.Height <= i0[name].Height
                assert abs(im.Width / im.Height - i0[name].Width / i0[name].Height) < 0.01


def test_forecast_is_within_its_tolerance_of_the_build(ladder: dict[str, Any]) -> None:
    free = ladder["free"]
    fc = forecast(load_case(ladder["manifest"]))
    low, high = FORECAST_TOLERANCE
    assert low <= free.pages / fc.pages <= high, (free.pages, fc.pages)
    assert low <= free.pdf_size / fc.bytes <= high, (free.pdf_size, fc.bytes)


def test_validate_warns_when_stripe_caps_will_bite(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    for i in range(14):  # full-size photos: over 4.3 MB at full quality
        noisy_photo(folder / f"photos/big-{i}.jpg", (1600, 1200), seed=i)
    for i in range(40):  # one page each: the catch-all file passes the 49-page cap
        noisy_photo(folder / f"photos/small-{i}.jpg", (320, 240), seed=100 + i)
    manifest = write_case(
        folder,
        """\
        evidencekit: 1
        case: {id: ST-OVER, title: Over the caps, profile: stripe,
               dispute: {reason: product_not_received}}
        evidence:
          - {kind: product, title: Photos, files: [photos/*.jpg]}
          - {kind: note, title: Note, description: hello}
        """,
    )
    proc = run_cli("validate", str(manifest))
    assert proc.returncode == 0, proc.stderr
    assert re.search(
        r"warning: forecast: about \d+ pages, [\d.]+ MB; over the stripe limit of 4\.30 MB "
        r"at full image quality: the build will shrink images .*Exhibit A",
        proc.stderr,
    ), proc.stderr
    assert re.search(
        r"the uncategorized_file file would have about \d+ pages, limit 49: "
        r"the build would exit 3",
        proc.stderr,
    ), proc.stderr


def test_the_estimate_starts_from_each_images_own_quality() -> None:
    # A screenshot prepared at q75 loses less at the q70 step than a photo prepared at q80.
    steps = fit_ladder(None)
    photo = predicted_bytes([ImageBytes(1000, 100.0, 80)], steps[0], ImageSettings(120, 70))
    screen = predicted_bytes([ImageBytes(1000, 100.0, 75)], steps[0], ImageSettings(120, 70))
    unknown = predicted_bytes([ImageBytes(1000, 100.0)], steps[0], ImageSettings(120, 70))
    assert screen > photo == unknown
    # No step raises a quality: an image already below the step's keeps its bytes.
    assert predicted_bytes([ImageBytes(1000, 100.0, 60)], steps[0], ImageSettings(120, 70)) == 1000


def test_jpeg_quality_read_from_the_stream() -> None:
    pdf = pikepdf.new()
    noise = Image.effect_noise((32, 32), 40).convert("RGB")
    for q in (45, 75, 80, 92):
        buf = io.BytesIO()
        noise.save(buf, "JPEG", quality=q, optimize=True)
        stream = pikepdf.Stream(pdf, buf.getvalue())
        stream.Filter = pikepdf.Name.DCTDecode
        assert jpeg_quality(stream) == q
    assert jpeg_quality(pikepdf.Stream(pdf, b"not an image")) == 0


def test_the_step_is_chosen_from_measured_image_bytes() -> None:
    steps = fit_ladder(None)
    tried = Tried(None, [], {}, [ImageBytes(900_000, 200.0)], 1_000_000)
    over = [Violation("total_bytes", 1_000_000, 470_000)]
    # 90 % images drawn at 200 dpi: 150 dpi saves too little, 120 dpi at quality 70 enough
    # (JPEG bytes shrink slower than the pixel count: 120 dpi alone is not).
    first = choose_step(tried, over, steps, 0)
    assert steps[first] == ImageSettings(120, 70)
    assert choose_step(tried, [Violation("total_bytes", 1_000_000, 400_000)], steps, 0) > first
    # That step saved less than estimated (40 %, not 55 %): the estimate is scaled down.
    still = [Violation("total_bytes", 600_000, 400_000)]
    assert choose_step(tried, still, steps, first, saved=0.4) == len(steps) - 1
    closer = [Violation("total_bytes", 450_000, 400_000)]
    assert choose_step(tried, closer, steps, first, saved=0.55) == first + 2
    # Nothing measured: one step at a time.
    assert choose_step(Tried(None, [], {}), over, steps, 0) == 1
