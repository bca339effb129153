"""Plain PNG screenshots prepared through libvips (assets/vips.py): the same parts, sizes and
picture as Pillow's path, only the plainest files, and never in a process forked from one that
used libvips (it would wait for its worker threads forever)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, ImageDraw

from evidencekit.assets import images, vips
from evidencekit.assets.images import plan_image, prepare_image
from evidencekit.assets.jobs import ImageJob, _run_image_job
from evidencekit.errors import EvidenceError

from .conftest import MINIMAL, write_case
from .corpora import corpus_dir

BOX = (85.0, 240.0)  # half the content width: a portrait screenshot two to a row


def _screenshot(path: Path, mode: str = "RGB", **save: object) -> None:
    """A phone screenshot: coloured bars and lines of text-like strokes."""
    img = Image.new(mode, (1080, 2400), "#ededed")
    d = ImageDraw.Draw(img)
    for k in range(40):
        y = 100 + k * 55
        d.rectangle((40 + (k % 3) * 30, y, 1040, y + 40), fill=(30 * k % 256, 120, 200))
        for x in range(60, 1000, 23):
            d.line((x, y + 8, x + 11, y + 30), fill="black", width=3)
    img.save(path, **save)  # type: ignore[arg-type]


def _prepare(path: Path, out: Path) -> tuple[images.PreparedImage, Image.Image]:
    out.mkdir()
    made = prepare_image(path, path.name, out, "s", box_mm=BOX, quality=80, screen_quality=75)
    with Image.open(out / made.parts[0].name) as jpeg:
        return made, jpeg.convert("RGB")


def _psnr(a: Image.Image, b: Image.Image) -> float:
    import numpy as np

    x = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    return float(10 * np.log10(255**2 / max((x**2).mean(), 1e-9)))


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_a_plain_png_takes_libvips_and_shows_what_pillow_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    src = tmp_path / "Screenshot.png"
    _screenshot(src, mode)
    calls: list[Path] = []
    real = vips.scaled_png

    def spy(path: Path, size: tuple[int, int], source: tuple[int, int]) -> bytes | None:
        calls.append(path)
        return real(path, size, source)

    monkeypatch.setattr(images, "scaled_png", spy)
    fast, fast_px = _prepare(src, tmp_path / "fast")
    assert calls == [src]
    monkeypatch.setattr(images, "scaled_png", lambda *a: None)
    slow, slow_px = _prepare(src, tmp_path / "slow")
    # The same part, printed the same size, with the same pixels count; the same note.
    geometry = [(p.name, p.width_px, p.height_px, p.width_mm, p.height_mm) for p in fast.parts]
    assert geometry == [
        (p.name, p.width_px, p.height_px, p.width_mm, p.height_mm) for p in slow.parts
    ]
    assert fast.parts[0].width_px < 1080  # scaled to at most 200 dpi on paper
    assert fast.note == slow.note and "q75" in fast.note
    # The same picture: what differs is JPEG noise (Pillow's and libvips' triangle filters).
    assert _psnr(fast_px, slow_px) > 40


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_an_iphone_screenshot_in_display_p3_is_converted_as_pillow_converts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """An iPhone saves screenshots with its Display P3 profile: libvips converts them to sRGB
    (lcms, perceptual) as Pillow's path does, within a level of each other; the colours are
    not the numbers stored (a P3 green is a brighter green than the same numbers in sRGB)."""
    import numpy as np
    import pyvips

    src = tmp_path / "IMG_0001.PNG"
    _screenshot(tmp_path / "srgb.png", mode)
    pyvips.Image.pngload(str(tmp_path / "srgb.png")).icc_export(output_profile="p3").pngsave(
        str(src)
    )
    with Image.open(src) as img:
        assert "icc_profile" in img.info and img.mode == mode
        stored = img.convert("RGB")
    calls: list[Path] = []
    real = vips.scaled_png

    def spy(path: Path, size: tuple[int, int], source: tuple[int, int]) -> bytes | None:
        got = real(path, size, source)
        if got is not None:
            calls.append(path)
        return got

    monkeypatch.setattr(images, "scaled_png", spy)
    size = (540, 1200)
    fast = vips.scaled_png(src, size, (1080, 2400))
    assert fast is not None
    fast_px = np.frombuffer(fast, np.uint8).reshape(1200, 540, 3).astype(float)
    with Image.open(src) as img:
        img.load()
        slow = images._flatten(img, 0, 1).resize(size, Image.Resampling.BILINEAR)
    slow_px = np.asarray(slow, dtype=float)
    assert np.abs(fast_px - slow_px).max() <= 2  # within JPEG-free rounding
    as_stored = np.asarray(stored.resize(size, Image.Resampling.BILINEAR), dtype=float)
    assert np.abs(fast_px - as_stored).max() > 10  # converted, not taken as sRGB
    made, _ = _prepare(src, tmp_path / "out")
    assert calls and made.parts[0].width_px < 1080


def test_a_translucent_png_is_flattened_onto_white_as_pillow_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "overlay.png"
    img = Image.new("RGBA", (1080, 2400), (200, 30, 30, 0))  # transparent: white
    ImageDraw.Draw(img).rectangle((0, 1200, 1080, 2400), fill=(0, 0, 200, 128))  # half blue
    img.save(src)
    _, fast = _prepare(src, tmp_path / "fast")
    monkeypatch.setattr(images, "scaled_png", lambda *a: None)
    _, slow = _prepare(src, tmp_path / "slow")
    assert fast.getpixel((100, 100))[0] > 245  # white, not the hidden red
    assert _psnr(fast, slow) > 40


def _icc_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.mark.parametrize(
    ("mode", "save", "plain"),
    [
        ("RGB", {}, True),
        ("RGBA", {}, True),
        ("RGB", {"icc_profile": "icc"}, True),  # colour-managed by libvips as by Pillow
        ("P", {}, False),
        ("L", {}, False),
        ("RGB", {"transparency": (237, 237, 237)}, False),  # a colour key
    ],
)
def test_only_plain_pngs_are_left_to_libvips(
    tmp_path: Path, mode: str, save: dict[str, object], plain: bool
) -> None:
    src = tmp_path / "s.png"
    if save.get("icc_profile") == "icc":
        save = {"icc_profile": _icc_profile()}
    _screenshot(src, "RGB")
    with Image.open(src) as img:
        img.convert(mode).save(src, **save)  # type: ignore[arg-type]
    assert plan_image(src, "s.png", "s", box_mm=BOX).plain_png is plain


def test_a_png_libvips_warns_about_goes_to_pillow_which_says_what_is_wrong(
    tmp_path: Path,
) -> None:
    src = tmp_path / "cut.png"
    _screenshot(src)
    data = src.read_bytes()
    src.write_bytes(data[: len(data) // 2])  # truncated: half its rows
    assert vips.scaled_png(src, (540, 1200), (1080, 2400)) is None
    with pytest.raises(EvidenceError):
        _prepare(src, tmp_path / "out")


def test_libvips_is_not_used_in_a_process_forked_from_one_that_used_it(tmp_path: Path) -> None:
    src = tmp_path / "s.png"
    _screenshot(src)
    assert vips.scaled_png(src, (540, 1200), (1080, 2400)) is not None
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        signal.alarm(20)  # were it used here, it would wait for ever
        got = vips.scaled_png(src, (540, 1200), (1080, 2400))
        os.write(write, b"none" if got is None else b"used")
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    assert os.read(read, 10) == b"none" and status == 0
    os.close(read)


def test_a_build_of_screenshots_prepares_them_in_workers_not_here(tmp_path: Path) -> None:
    """The build's own process never loads libvips (so the workers it forks may), even for
    one screenshot."""
    _screenshot(tmp_path / "shot.png")
    case = write_case(tmp_path, MINIMAL)
    code = (
        "import sys; from pathlib import Path; from evidencekit.pipeline import build;"
        "build(Path(sys.argv[1])); print('pyvips' in sys.modules)"
    )
    env = {**os.environ, "EVIDENCEKIT_CACHE_DIR": "off"}
    out = subprocess.run(
        [sys.executable, "-c", code, str(case)], capture_output=True, text=True, env=env, check=True
    )
    one_processor = (os.cpu_count() or 1) == 1
    assert out.stdout.strip().splitlines()[-1] == str(one_processor)


@pytest.mark.parametrize("name", ["truncated_end_chunk.png", "truncated_image.png"])
def test_a_png_cut_short_is_refused_whichever_library_would_decode_it(
    tmp_path: Path, name: str
) -> None:
    """Pillow's corpus: all the pixels of truncated_end_chunk.png are there, its closing chunk
    is not. libvips would show it; it is refused as Pillow refuses it."""
    src = tmp_path / name
    src.write_bytes((corpus_dir("pillow") / name).read_bytes())
    with pytest.raises(EvidenceError, match="damaged or truncated"):
        _prepare(src, tmp_path / "out")


def _dies_on_shot2(job: ImageJob) -> images.PreparedImage:
    """An image job whose worker is killed on shot2.png (picklable: the pool sends it)."""
    if job.rel == "shot2.png":
        os.kill(os.getpid(), signal.SIGKILL)
    return _run_image_job(job)


def test_an_image_whose_worker_dies_is_named_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decoder that crashes (or the OOM killer) takes the worker, and the process pool, with
    it: each image not yet done is prepared again in a process of its own, and the one whose
    process dies again is refused by name; the others are not blamed."""
    import evidencekit.assets.jobs as jobs
    from evidencekit.pipeline import build

    monkeypatch.setattr(jobs, "_run_image_job", _dies_on_shot2)
    monkeypatch.setenv("EVIDENCEKIT_CACHE_DIR", "off")
    for n in (1, 2, 3):
        _screenshot(tmp_path / f"shot{n}.png")
    case = write_case(tmp_path, MINIMAL.replace("[shot.png]", "[shot1.png, shot2.png, shot3.png]"))
    with pytest.raises(EvidenceError) as caught:
        build(case)
    assert caught.value.file == "shot2.png"
    assert "stopped unexpectedly" in caught.value.message or "意外终止" in caught.value.message


def _png_with_crcs(data: bytearray) -> bytes:
    """The chunks' CRCs made right again, so the decoders look past them at what changed."""
    import struct
    import zlib

    pos = 8
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        if pos + 12 + length > len(data):
            break
        crc = zlib.crc32(bytes(data[pos + 4 : pos + 8 + length])) & 0xFFFFFFFF
        data[pos + 8 + length : pos + 12 + length] = struct.pack(">I", crc)
        pos += 12 + length
    return bytes(data)


_PLAIN: bytes | None = None  # made once: a small screenshot-like PNG


def _small_png() -> bytes:
    import io

    global _PLAIN
    if _PLAIN is None:
        img = Image.new("RGB", (300, 700), "#ededed")
        d = ImageDraw.Draw(img)
        for k in range(30):
            d.line((0, k * 20, 300, k * 20 + 10), fill=(k * 8, 100, 50), width=3)
        buf = io.BytesIO()
        img.save(buf, "PNG")
        _PLAIN = buf.getvalue()
    return _PLAIN


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.lists(st.tuples(st.integers(8, 10**6), st.integers(0, 255)), min_size=1, max_size=6)
)
def test_a_mutated_png_is_shown_or_refused_alike_by_both_libraries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edits: list[tuple[int, int]]
) -> None:
    """Bytes changed anywhere past the signature (CRCs made right): libvips' path and Pillow's
    agree on showing or refusing the file, and neither fails any other way."""
    data = bytearray(_small_png())
    for at, value in edits:
        data[8 + at % (len(data) - 8)] = value
    src = tmp_path / "m.png"
    src.write_bytes(_png_with_crcs(data))
    outcomes = []
    for fast in (True, False):
        if not fast:
            monkeypatch.setattr(images, "scaled_png", lambda *a: None)
        out = Path(tempfile.mkdtemp(dir=tmp_path))
        try:
            prepare_image(src, "m.png", out, "m", box_mm=BOX)
            outcomes.append("shown")
        except EvidenceError:
            outcomes.append("refused")
    monkeypatch.undo()
    assert outcomes[0] == outcomes[1]
