"""Wide tables: a 48-column × 99-row Shopify order export (one order highlighted) beside a
6-column table of the same rows; build time, pages and size of each (issue #12)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import evidencekit_cmd, size_mb, timed

# The test's generator, so the bench measures the very export the tests read back.
from tests.test_wide_tables import NARROW, SHOPIFY, csv_text, shopify_rows


def main() -> None:
    rows = shopify_rows()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, columns in (("wide", SHOPIFY), ("narrow", NARROW)):
            (folder / f"{name}.csv").write_text(csv_text(columns, rows), encoding="utf-8")
            (folder / f"{name}.yaml").write_text(
                f"evidencekit: 1\ncase: {{id: B-{name}, title: Bench, profile: shopify}}\n"
                "evidence:\n  - {kind: transaction, title: Orders, "
                f'table: {{file: {name}.csv, highlight: {{Name: "#1083"}}}}}}\n',
                encoding="utf-8",
            )
        (folder / "empty.yaml").write_text(
            "evidencekit: 1\ncase: {id: B-0, title: Bench, profile: shopify}\n"
            "evidence:\n  - {kind: note, title: Note, description: empty}\n",
            encoding="utf-8",
        )
        base, _ = timed(
            evidencekit_cmd("build", "-q", str(folder / "empty.yaml"), "-o", str(folder / "o0"))
        )
        print(f"baseline build (one note): {base:.1f} s")
        for name, columns in (("wide", SHOPIFY), ("narrow", NARROW)):
            out = folder / f"o-{name}"
            seconds, rss = timed(
                evidencekit_cmd("build", "-q", str(folder / f"{name}.yaml"), "-o", str(out))
            )
            ev = json.loads(next(out.glob("*.evidence.json")).read_text(encoding="utf-8"))
            start, end = ev["exhibits"][0]["pages"]
            print(
                f"{len(columns)} columns × {len(rows)} rows: build {seconds:.1f} s "
                f"(≈{seconds - base:.1f} s over the baseline), "
                f"table on {end - start + 1} pages, peak RSS {rss:.0f} MB, "
                f"{size_mb(next(out.glob('*.pdf'))):.2f} MB"
            )


if __name__ == "__main__":
    main()
