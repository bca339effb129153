"""Foundation figures: a 40-screenshot Chinese case, every build stage timed."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import evidencekit_cmd, size_mb, timed

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def make_case(folder: Path, count: int) -> Path:
    font = ImageFont.truetype(FONT, 34, index=2)
    (folder / "chat").mkdir(parents=True)
    for i in range(count):
        img = Image.new("RGB", (1080, 2400), "#f3f3f3")
        d = ImageDraw.Draw(img)
        for k in range(18):
            y = 120 + k * 125
            left = k % 2 == 0
            d.rounded_rectangle(
                (40 if left else 400, y, 680 if left else 1040, y + 95),
                18,
                fill="white" if left else "#9eea6a",
            )
            d.text(
                (70 if left else 430, y + 25),
                f"第{i}张 消息{k}：颜色与描述一致吗？",
                font=font,
                fill="black",
            )
        img.save(folder / "chat" / f"{i + 1}.png")
    (folder / "case.yaml").write_text(
        "evidencekit: 1\ncase: {id: BENCH-1, title: 基准测试, profile: taobao}\n"
        "evidence:\n  - {kind: chat, title: 聊天截图, files: [chat/*.png]}\n",
        encoding="utf-8",
    )
    return folder / "case.yaml"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        manifest = make_case(Path(tmp), 40)
        out = Path(tmp) / "out"
        seconds, rss = timed(evidencekit_cmd("build", "-q", str(manifest), "-o", str(out)))
        ev = json.loads((out / "BENCH-1.evidence.json").read_text(encoding="utf-8"))
        pages = ev["outputs"][0]["pages"]
        print(
            f"40 screenshots (1080x2400): {seconds:.1f} s, peak RSS {rss:.0f} MB, "
            f"{pages} pages, {size_mb(out / 'BENCH-1.pdf'):.1f} MB"
        )
        # The stage figures come from the build's own summary.

        summary = subprocess.run(
            evidencekit_cmd("build", "--force", str(manifest), "-o", str(out)),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for line in summary.splitlines():
            if line.startswith("time") or line.startswith(" "):
                print("stages:", line.strip())


if __name__ == "__main__":
    main()
