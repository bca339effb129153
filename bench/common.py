"""Helpers for the benchmarks: timed child processes with peak RSS."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run cmd in a child process; return (seconds, peak RSS of that child in MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        msg = f"{cmd[0]} failed with {proc.returncode}"
        raise RuntimeError(msg)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the maximum over all children so far: report it only if it grew.
    return seconds, max(peak, before) / 1024


def evidencekit_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "evidencekit", *args]


def size_mb(path: Path) -> float:
    return path.stat().st_size / 1e6


FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def screenshot(path: Path, n: int, height: int = 2400) -> None:
    """A 1080-wide phone chat screenshot with Chinese text."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, 34, index=2)
    img = Image.new("RGB", (1080, height), "#ededed")
    d = ImageDraw.Draw(img)
    for k in range((height - 120) // 125):
        y = 120 + k * 125
        left = k % 2 == 0
        d.rounded_rectangle(
            (40 if left else 400, y, 680 if left else 1040, y + 95),
            18,
            fill="white" if left else "#9eea6a",
        )
        d.text(
            (70 if left else 430, y + 25),
            f"第{n}张 消息{k}：颜色与描述一致吗？",
            font=font,
            fill="black",
        )
    img.save(path)


def write_image_manifest(folder: Path, case_id: str) -> Path:
    """The images benches' case: chat screenshots, one long screenshot, camera photos."""
    manifest = folder / "case.yaml"
    manifest.write_text(
        f"evidencekit: 1\ncase: {{id: {case_id}, title: 图片基准, profile: generic, "
        "language: zh-CN}\n"
        "evidence:\n"
        "  - {kind: chat, title: 聊天截图, files: [chat/*.png]}\n"
        "  - {kind: chat, title: 长截图, files: [long.png]}\n"
        "  - {kind: product, title: 实拍照片, files: [photos/*.jpg]}\n",
        encoding="utf-8",
    )
    return manifest
