"""Taobao page images of dense text pages (a 50-order timeline page) fit the 130 000-byte
refusal-proof cap at a readable resolution (issue 11: the bench's taobao half exited 3)."""

from __future__ import annotations

import io

from PIL import Image

from evidencekit.manifest import load_case
from evidencekit.outputs.page_images import MIN_READABLE_DPI, PageImageOptions, page_images
from evidencekit.render.weasy import render_pdf

from .conftest import write_case

# A timeline page as the 50-order bench makes it: 45 rows of 8 pt Chinese and digits.
ROW = (
    "<tr><td>2025-09-04 10:27:{s:02d}</td><td>订单 …3984 · SF1407000043216 · 上海市徐汇区"
    " 快件到达 【徐汇集散中心】 {n}</td><td>证据4-4, 第 55 页</td></tr>"
)
HTML = (
    "<html><head><style>@page {{ size: A4; margin: 18mm 15mm }}"
    'html {{ font-family: "Noto Sans CJK SC", sans-serif; font-size: 8pt; line-height: 1.45 }}'
    "table {{ border-collapse: collapse; width: 100% }}"
    "td {{ border: 0.5pt solid #999; padding: 1mm 1.5mm; white-space: nowrap }}</style></head>"
    "<body><table>{rows}</table></body></html>"
)


def test_dense_text_page_fits_the_refusal_cap_readably(tmp_path):  # type: ignore[no-untyped-def]
    manifest = write_case(
        tmp_path,
        "evidencekit: 1\ncase: {id: DENSE-1, title: 页面图片, profile: taobao}\n"
        "evidence:\n  - {kind: note, title: 说明, description: 页面图片}\n",
    )
    case = load_case(manifest, form="refusal")
    assert case.profile.limits.image_bytes == 130_000
    html = HTML.format(rows="".join(ROW.format(s=n % 60, n=n) for n in range(40)))
    rendered = render_pdf(html, {}, identifier=b"0" * 32)
    assert rendered.pages == 1
    (data,) = page_images(case, rendered.pdf, 1, PageImageOptions()).values()
    assert len(data) <= 130_000
    with Image.open(io.BytesIO(data)) as img:
        dpi = img.width / (210 / 25.4)  # A4 width
    assert dpi >= MIN_READABLE_DPI - 0.5
