"""Page images made in worker processes and from the quality the page before took (issue 11:
148 taobao page images cost 30 s, each page searched from JPEG quality 85 down): the images
are the same as one page at a time from the top of the ladder, with one worker or two."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from evidencekit.assets import images
from evidencekit.assets.images import JPEG_QUALITIES, FitHints, encode_page, page_scales
from evidencekit.manifest import load_case
from evidencekit.outputs import page_images as pi
from evidencekit.outputs.page_images import PageImageOptions, page_images
from evidencekit.pdf.raster import PageDrawer, iter_page_images

from .conftest import write_case
from .test_render_bounds import _text_pdf


def _mixed_pdf(pages: int) -> bytes:
    """Dense and light pages in turns, like order sections after their summary pages."""
    import pikepdf

    dense, light = pikepdf.open(io.BytesIO(_text_pdf(pages, lines=30))), _text_pdf(pages, lines=4)
    with pikepdf.open(io.BytesIO(light)) as few:
        for n in range(1, pages, 3):
            dense.pages[n] = few.pages[n]
        buf = io.BytesIO()
        dense.save(buf)
    dense.close()
    return buf.getvalue()


@pytest.fixture(scope="module")
def refusal_case(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("case")
    manifest = write_case(
        folder,
        "evidencekit: 1\ncase: {id: JOBS-1, title: 页面图片, profile: taobao}\n"
        "evidence:\n  - {kind: note, title: 说明, description: 页面图片}\n",
    )
    return load_case(manifest, form="refusal")


def test_two_workers_make_the_images_one_page_at_a_time_makes(refusal_case, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pi, "CHUNK", 3)  # three jobs of a few pages
    pages = 7
    pdf = _mixed_pdf(pages)
    cap = refusal_case.profile.limits.image_bytes
    two = page_images(refusal_case, pdf, pages, PageImageOptions(), workers=2)
    one = page_images(refusal_case, pdf, pages, PageImageOptions(), workers=1)
    assert list(two) == list(one) and two == one
    assert len(two) == pages and all(len(d) <= cap for d in two.values())
    # Each page alone, searched from the top of the ladder (what every page cost before).
    alone = [pi._encode_chunk(pdf, range(i, i + 1), 150, "jpeg", cap)[0][0] for i in range(pages)]
    assert list(one.values()) == alone
    qualities = {Image.open(io.BytesIO(d)).size for d in alone}
    assert len(qualities) > 1  # light and dense pages: the hints had to move both ways


def test_quality_search_from_any_start_finds_what_the_ladder_finds() -> None:
    page = next(iter_page_images(_text_pdf(1), 60))
    sizes = []
    for q in JPEG_QUALITIES:
        buf = io.BytesIO()
        page.save(buf, "JPEG", quality=q, optimize=True, dpi=(60, 60))
        sizes.append(len(buf.getvalue()))
    assert sizes == sorted(sizes, reverse=True)
    # Caps between every two qualities, above the best and below the worst (a smaller scale).
    caps = [sizes[0] + 1, *(s + 1 for s in sizes[1:]), sizes[-1] - 1]
    for cap in caps:
        want = encode_page(page, "jpeg", cap, 60)
        for start in JPEG_QUALITIES:
            hints = FitHints(quality={0: start, 1: start})
            assert encode_page(page, "jpeg", cap, 60, hints) == want, (cap, start)
            assert hints.quality.get(0) == want[1] or len(want[0]) < sizes[-1]


def test_a_page_starts_at_the_step_the_page_before_took_and_finds_the_same() -> None:
    """Caps that need several steps down, hinted from every step: the same bytes as the
    search from the top, and fewer encodes when the hint is right."""
    drawer = PageDrawer(_text_pdf(1, lines=30))

    def redraw(scale: float) -> Image.Image:
        return drawer.draw(0, 100 * scale)

    page = drawer.draw(0, 100)
    scales = page_scales(0.9)
    assert scales[:4] == [1.0, 0.9, 0.85, 0.85 * 0.85]  # the floor among the steps
    smallest = [len(encode_page(redraw(s), "jpeg", None, 100, None)[0]) for s in scales[:5]]
    assert smallest == sorted(smallest, reverse=True)
    encodes: list[int] = []
    real = images._jpeg

    def counted(img: Image.Image, quality: int, dpi: int) -> bytes:
        encodes.append(quality)
        return real(img, quality, dpi)

    steps = set()
    for cap in (smallest[0] // 2, smallest[1] // 2, smallest[2] // 2, smallest[3] // 2):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(images, "_jpeg", counted)
            fresh = FitHints()
            want = encode_page(page, "jpeg", cap, 100, fresh, redraw, 0.9)
            cold = len(encodes)
            for hinted in range(len(scales)):
                encodes.clear()
                hints = FitHints(steps=[hinted], quality=dict(fresh.quality))
                got = encode_page(page, "jpeg", cap, 100, hints, redraw, 0.9)
                assert got == want and hints.step == fresh.step, (cap, hinted)
                if hinted == fresh.step:
                    assert len(encodes) < cold, (cap, encodes)
        steps.add(fresh.step)
    assert len(steps) >= 3, steps  # the caps needed different steps
    drawer.close()


def test_single_pages_over_the_cap_stop_the_workers(refusal_case, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pi, "CHUNK", 2)
    import dataclasses

    from evidencekit.errors import LimitError

    profile = refusal_case.profile
    limits = profile.limits.model_copy(update={"image_bytes": 2_000})
    case = dataclasses.replace(refusal_case, profile=profile.model_copy(update={"limits": limits}))
    with pytest.raises(LimitError, match="JOBS-1-p001"):
        page_images(case, _text_pdf(6, lines=30), 6, PageImageOptions(dpi=60), workers=2)


def test_page_images_on_request_as_png_and_jpeg_are_rgb_of_the_page_size(refusal_case) -> None:  # type: ignore[no-untyped-def]
    # PDFium draws into RGBX (no copy): JPEG takes it as RGB; PNG cannot write RGBX, so it is
    # given RGB (without that, every PNG page image would fail).
    import dataclasses

    generic = dataclasses.replace(
        refusal_case, profile=refusal_case.profile.model_copy(update={"output": "pdf"})
    )
    pdf = _text_pdf(2, lines=10)
    for fmt in ("png", "jpeg"):
        opts = PageImageOptions(wanted=True, format=fmt, dpi=72)
        made = page_images(generic, pdf, 2, opts, workers=1)
        assert len(made) == 2
        for data in made.values():
            with Image.open(io.BytesIO(data)) as img:
                assert img.format == fmt.upper() and img.mode == "RGB"
                assert img.size == (612, 792)  # the test pages are Letter, at 72 dpi
