"""Images, the held-out-like case of issue #13: 200 phone screenshots (1080×2400 PNG, varied
content: chat text, photos in bubbles, product pages; realistic PNG sizes; RGB, or with
BENCH_SCREENSHOTS=android 4 in 5 RGBA as Android saves them), one 1080×12 000 scrolling
screenshot and 4 camera photos (4032×3024 JPEG with EXIF), generic profile.

Prints, in one run: the cold build (empty cache) beside img2pdf of the same images (ratio), the
rebuild after one screenshot changed, the rebuild with nothing changed, peak RSS, PDF size,
bench_fit's per-field sum beside the dossier, and which targets are met; with BENCH_BASELINE
(a folder holding an earlier evidencekit package) the same builds of that version, for CPU
seconds before and after in the same period. Each build is a fresh child process; the machine
may be loaded, so the ratios and CPU seconds are the figures to read.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import FONT, evidencekit_cmd, size_mb, timed, write_image_manifest

W, H = 1080, 2400
TARGETS = {"ratio": 1.0, "one": 3.0, "none": 1.0, "rss": 600.0, "pdf": 25.0}


def _photo(size: tuple[int, int], rnd: random.Random) -> Image.Image:
    """A smooth, photo-like picture with sensor noise (PNG cannot compress it well)."""
    w, h = size
    small = Image.new("RGB", (max(2, w // 16), max(2, h // 16)))
    base = [rnd.randrange(40, 220) for _ in range(3)]
    small.putdata(
        [
            tuple(min(255, max(0, c + rnd.randrange(-50, 50))) for c in base)  # type: ignore[misc]
            for _ in range(small.width * small.height)
        ]
    )
    img = small.resize(size, Image.Resampling.BICUBIC)
    noise = Image.effect_noise(size, 10).convert("RGB")
    return Image.blend(img, noise, 0.08)


def screenshot(path: Path, n: int, height: int = H, android: bool = False) -> None:
    """A phone screenshot: status bar, then chat bubbles, photos or a product page."""
    rnd = random.Random(n)
    font = ImageFont.truetype(FONT, 34, index=2)
    small = ImageFont.truetype(FONT, 26, index=2)
    style = n % 4  # 0, 1: chat; 2: chat with photos; 3: product page
    img = Image.new("RGB", (W, height), "#ededed" if style != 3 else "white")
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, W, 90), fill="#f7f7f7")
    d.text((40, 25), f"{9 + n % 12}:{n % 60:02d}", font=small, fill="black")
    d.text((W - 200, 25), "5G  87%", font=small, fill="black")
    y = 130
    if style == 3:
        img.paste(_photo((W, 1100), rnd), (0, y))
        y += 1140
        d.text((40, y), f"商品 {n} 深蓝色 纯棉 可能存在轻微色差", font=font, fill="black")
        d.text((40, y + 70), f"¥{rnd.randrange(50, 900)}.00", font=font, fill="#e4393c")
        y += 160
    k = 0
    while y < height - 160:
        left = k % 2 == 0
        x0, x1 = (40, 700) if left else (380, 1040)
        if style == 2 and k % 3 == 1:
            pic = _photo((560, 420), rnd)
            img.paste(pic, (x0 + 20, y))
            y += 450
        else:
            lines = 1 + rnd.randrange(3)
            d.rounded_rectangle(
                (x0, y, x1, y + 40 + 48 * lines), 18, fill="white" if left else "#9eea6a"
            )
            for j in range(lines):
                words = "".join(
                    rnd.choice("颜色尺码发货退款签收物流快递请问亲您好已经") for _ in range(14)
                )
                d.text((x0 + 28, y + 20 + 48 * j), f"{words}{n}-{k}", font=font, fill="black")
            y += 70 + 48 * lines
        k += 1
    # Android saves screenshots as RGBA (every pixel opaque), iOS as RGB. img2pdf passes
    # RGB PNG data through but must decode RGBA: the RGB case is the harder reference.
    (img.convert("RGBA") if android and n % 5 else img).save(path)


def photo(path: Path, seed: int) -> None:
    """A 12 MP camera photo with EXIF orientation and capture time."""
    rnd = random.Random(seed)
    img = _photo((4032, 3024), rnd)
    exif = Image.Exif()
    exif[0x0112] = (1, 6, 3, 8)[seed % 4]
    exif[0x0132] = f"2025:10:0{seed + 1} 10:05:12"
    img.save(path, "JPEG", quality=90, exif=exif.tobytes())


def make_case(folder: Path, android: bool = False) -> Path:
    (folder / "chat").mkdir(parents=True, exist_ok=True)
    (folder / "photos").mkdir(exist_ok=True)
    other = _other_variant(folder)
    shots = [(f"chat/Screenshot_{i + 1:03d}.png", i, H) for i in range(200)]
    for rel, n, height in [*shots, ("long.png", 999, 12000)]:
        p = folder / rel
        if p.exists():
            continue
        if (other / rel).exists():  # the same picture, saved in this variant's mode
            with Image.open(other / rel) as img:
                (img.convert("RGBA") if android and n % 5 else img.convert("RGB")).save(p)
        else:
            screenshot(p, n, height, android=android)
    for i in range(4):
        p = folder / "photos" / f"IMG_{i:04d}.jpg"
        if p.exists():
            continue
        if (other / "photos" / p.name).exists():
            p.write_bytes((other / "photos" / p.name).read_bytes())
        else:
            photo(p, i)
    return write_image_manifest(folder, "FAST-1")


def _folder(android: bool) -> Path:
    name = "evidencekit-bench-images-fast" + ("-android" if android else "")
    return Path(tempfile.gettempdir()) / name


def _other_variant(folder: Path) -> Path:
    return _folder(not folder.name.endswith("-android"))


def _run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of the child and its workers, peak RSS MB). On a loaded
    machine the wall time mostly measures the others: the CPU time is the steadier figure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, rss = timed(cmd, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, rss


def _img2pdf_cmd(images: list[Path], out: Path) -> list[str]:
    code = (
        "import sys, img2pdf; open(sys.argv[1], 'wb').write("
        "img2pdf.convert(sys.argv[2:], rotation=img2pdf.Rotation.ifvalid))"
    )
    return [sys.executable, "-c", code, str(out), *(str(p) for p in images)]


def _builds(manifest: Path, tmp: Path, env: dict[str, str]) -> dict[str, float]:
    """Cold (empty cache), one screenshot changed, nothing changed: wall and CPU seconds,
    peak RSS, PDF size and pages."""
    env = {**env, "EVIDENCEKIT_CACHE_DIR": str(tmp / "cache")}
    out = tmp / "out"
    build = evidencekit_cmd("build", "-q", str(manifest), "-o", str(out))
    if "PYTHONPATH" in env:  # the baseline: not the package in the folder the bench runs in
        build.insert(1, "-P")
    # The build first: a child's peak RSS is reported only while it is the largest so far.
    cold, cold_cpu, rss = _run(build, env)
    ev = json.loads((out / "FAST-1.evidence.json").read_text(encoding="utf-8"))
    fig = {"cold": cold, "cold_cpu": cold_cpu, "rss": rss, "pdf": size_mb(out / "FAST-1.pdf")}
    fig["pages"] = ev["outputs"][0]["pages"]
    changed = manifest.parent / "chat" / "Screenshot_007.png"
    original = changed.read_bytes()
    try:
        with Image.open(changed) as img:
            edited = img.copy()
        edited.putpixel((0, 0), (random.randrange(256), 0, 0, 255)[: len(edited.mode)])
        edited.save(changed)
        fig["one"], fig["one_cpu"], _ = _run(build, env)
    finally:
        changed.write_bytes(original)  # the inputs stay those of the cold build
    _run(build, env)  # back to the cold build's inputs
    fig["none"], fig["none_cpu"], _ = _run(build, env)
    return fig


def _fields() -> tuple[list[str], bool | None]:
    """bench_fit's figures (Stripe per-field files beside the dossier, the fit ladder beside
    one build) and whether the per-field target is met."""
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("bench_fit.py"))],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode:
        return [*lines, f"bench_fit failed: {proc.stderr.strip()[-300:]}"], None
    per_field = next((line for line in lines if line.startswith("per-field")), "")
    return lines, ("NOT met" not in per_field) if per_field else None


def main() -> None:
    android = os.environ.get("BENCH_SCREENSHOTS") == "android"
    # BENCH_BASELINE: a folder holding an earlier evidencekit package (e.g. `git archive`
    # of a commit): its builds run in the same period, so CPU seconds compare before/after.
    baseline = os.environ.get("BENCH_BASELINE")
    inputs = _folder(android)
    inputs.mkdir(exist_ok=True)
    start = time.perf_counter()
    manifest = make_case(inputs, android)
    raw = [*sorted((inputs / "chat").glob("*.png")), inputs / "long.png"]
    raw += sorted((inputs / "photos").glob("*.jpg"))
    print(
        f"inputs ready in {time.perf_counter() - start:.0f} s ({len(raw)} images, "
        f"{sum(p.stat().st_size for p in raw) / 1e6:.0f} MB; kept in {inputs.name}/); "
        "figures taken on a shared machine: compare the ratios and CPU seconds"
    )
    with tempfile.TemporaryDirectory() as tmp:
        fig = _builds(manifest, Path(tmp) / "now", {})
        reference, ref_cpu, _ = _run(_img2pdf_cmd(raw, Path(tmp) / "ref.pdf"))
        ratio = fig["cold"] / reference
        print(
            f"cold build: {fig['cold']:.1f} s ({fig['cold_cpu']:.1f} s CPU); img2pdf of the "
            f"same images: {reference:.1f} s ({ref_cpu:.1f} s CPU); ratio {ratio:.2f}× wall, "
            f"{fig['cold_cpu'] / ref_cpu:.2f}× CPU (target ≤ {TARGETS['ratio']:.1f}×)"
        )
        print(
            f"peak RSS {fig['rss']:.0f} MB (target ≤ {TARGETS['rss']:.0f}); PDF "
            f"{fig['pdf']:.1f} MB (target ≤ {TARGETS['pdf']:.0f}; img2pdf "
            f"{size_mb(Path(tmp) / 'ref.pdf'):.0f} MB), {fig['pages']:.0f} pages"
        )
        print(
            f"rebuild, one screenshot changed: {fig['one']:.1f} s ({fig['one_cpu']:.1f} s CPU) "
            f"(target ≤ {TARGETS['one']:.0f} s)"
        )
        print(
            f"rebuild, nothing changed: {fig['none']:.1f} s ({fig['none_cpu']:.1f} s CPU) "
            f"(target ≤ {TARGETS['none']:.0f} s)"
        )
        field_lines, fields_met = _fields()
        for line in field_lines:
            print(f"fit bench: {line}")
        if baseline:
            old = _builds(manifest, Path(tmp) / "base", {"PYTHONPATH": baseline})
            print(
                "CPU seconds, baseline → now (same run): "
                + "; ".join(
                    f"{name} {old[k]:.1f} → {fig[k]:.1f}"
                    for name, k in (
                        ("cold", "cold_cpu"),
                        ("one changed", "one_cpu"),
                        ("nothing changed", "none_cpu"),
                    )
                )
                + f"; PDF {old['pdf']:.1f} → {fig['pdf']:.1f} MB"
            )
        met = {
            "cold ≤ 1.0× img2pdf": ratio <= TARGETS["ratio"],
            "one changed ≤ 3 s": fig["one"] <= TARGETS["one"],
            "nothing changed ≤ 1 s": fig["none"] <= TARGETS["none"],
            "peak RSS ≤ 600 MB": fig["rss"] <= TARGETS["rss"],
            "PDF ≤ 25 MB": fig["pdf"] <= TARGETS["pdf"],
        }
        if fields_met is not None:
            met["per-field sum ≤ 1.1× dossier"] = fields_met
        print("targets: " + "; ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in met.items()))


if __name__ == "__main__":
    main()
