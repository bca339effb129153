"""Foundation figures: a 40-screenshot Chinese case, every build stage timed."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import evidencekit_cmd, screenshot, size_mb, timed


def make_case(folder: Path, count: int) -> Path:
    (folder / "chat").mkdir(parents=True)
    for i in range(count):
        screenshot(folder / "chat" / f"{i + 1}.png", i)
    (folder / "case.yaml").write_text(
        "evidencekit: 1\ncase: {id: BENCH-1, title: 基准测试, profile: generic, language: zh-CN}\n"
        "evidence:\n  - {kind: chat, title: 聊天截图, files: [chat/*.png]}\n",
        encoding="utf-8",
    )
    return folder / "case.yaml"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        manifest = make_case(Path(tmp), 40)
        out = Path(tmp) / "out"
        env = {"EVIDENCEKIT_CACHE_DIR": str(Path(tmp) / "cache")}  # cold: an empty cache
        seconds, rss = timed(evidencekit_cmd("build", "-q", str(manifest), "-o", str(out)), env)
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
