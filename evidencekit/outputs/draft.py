"""Exit 3 keeps what was made: the over-limit dossier as a draft and a report of its figures."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from evidencekit.errors import LimitError
from evidencekit.fit import Overlimit
from evidencekit.model import Case
from evidencekit.outputs import dump_json
from evidencekit.outputs.platform import output_path
from evidencekit.pdf.reencode import page_weights

KINDS = ("images", "included PDFs", "fonts", "text and tables")


def _mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB"


def figures(pdf: bytes, record: dict[str, Any]) -> dict[str, Any]:
    """Pages and bytes per exhibit and for the whole dossier, by what takes the bytes."""
    weights = page_weights(pdf)
    exhibits: list[dict[str, Any]] = []
    used: set[int] = set()
    for ex in record.get("exhibits", []):
        start, end = ex.get("pages") or (1, 0)
        pages = range(start, end + 1)
        used.update(pages)
        by = {k: sum(weights[p - 1][k] for p in pages if 0 < p <= len(weights)) for k in KINDS}
        exhibits.append(
            {
                "exhibit": ex["label"],
                "title": ex.get("title", ""),
                "kind": ex.get("kind", ""),
                "pages": len(pages),
                "bytes": sum(by.values()),
                "by_kind": by,
                "dominant": max(KINDS, key=lambda k: by[k]),
            }
        )
    rest = [w for n, w in enumerate(weights, start=1) if n not in used]
    front = {k: sum(w[k] for w in rest) for k in KINDS}
    totals = {k: sum(w[k] for w in weights) for k in KINDS}
    return {
        "pages": len(weights),
        "bytes": len(pdf),
        "by_kind": totals,
        "dominant": max(KINDS, key=lambda k: totals[k]),
        "front_and_appendix": {"pages": len(rest), "bytes": sum(front.values()), "by_kind": front},
        "exhibits": sorted(exhibits, key=lambda e: -e["bytes"]),
    }


def report_text(case: Case, message: str, figs: dict[str, Any]) -> str:
    """The figures as plain text, for the merchant deciding what to cut."""
    total = figs["bytes"] or 1
    lines = [
        f"{case.info.id}: the dossier does not meet the {case.profile.name} limits",
        message,
        "",
        f"dossier: {figs['pages']} pages, {_mb(figs['bytes'])}",
    ]
    for kind in KINDS:
        n = figs["by_kind"][kind]
        lines.append(f"  {kind:<16} {_mb(n):>10}  {100 * n / total:5.1f} %")
    lines += ["", "exhibits, largest first:"]
    for ex in figs["exhibits"]:
        lines.append(
            f"  {ex['exhibit']:<12} {ex['pages']:>4} p. {_mb(ex['bytes']):>10}  "
            f"mostly {ex['dominant']}  {ex['title']}"
        )
    fa = figs["front_and_appendix"]
    lines.append(f"  {'front matter and appendix':<12} {fa['pages']:>4} p. {_mb(fa['bytes']):>10}")
    return "\n".join(lines) + "\n"


def causes(figs: dict[str, Any]) -> str:
    """One line naming what takes the bytes and which exhibits."""
    total = figs["bytes"] or 1
    kinds = sorted(KINDS, key=lambda k: -figs["by_kind"][k])
    share = ", ".join(
        f"{k} {100 * figs['by_kind'][k] / total:.0f} %" for k in kinds if figs["by_kind"][k]
    )
    top = ", ".join(
        f"{e['exhibit']} {_mb(e['bytes'])} ({e['pages']} p., mostly {e['dominant']})"
        for e in figs["exhibits"][:3]
        if e["bytes"]
    )
    return f"what takes the bytes: {share}" + (f"; the largest exhibits: {top}" if top else "")


def _write(out_dir: Path, name: str, data: bytes, protected: set[Path]) -> Path | None:
    """Write one file atomically; never over the manifest or a source."""
    path = output_path(out_dir, name)
    if path.resolve() in protected:
        return None
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def keep_draft(out_dir: Path, case: Case, e: Overlimit, protected: set[Path]) -> LimitError:
    """Write `<case-id>.draft.pdf` (never the upload name) and `<case-id>.fit-report.txt`/
    `.json` beside it; the LimitError to raise names the causes and the kept files."""
    made = e.tried.result
    pdf, record = made.pdf, made.record
    figs = figures(pdf, record)
    message = e.limits
    cid = case.info.id
    report = {
        "case": cid,
        "profile": case.profile.name,
        "limits": e.limits,
        "fit": record.get("fit", {}),
        **figs,
    }
    kept: list[str] = []
    failed = ""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, data in (
            (f"{cid}.draft.pdf", pdf),
            (f"{cid}.fit-report.txt", report_text(case, message, figs).encode()),
            (f"{cid}.fit-report.json", dump_json(report)),
        ):
            path = _write(out_dir, name, data, protected)
            if path is not None:
                kept.append(str(path))
    except OSError as err:
        kept = []
        failed = str(err.strerror or err)
    text = f"{e.limits}\n    {causes(figs)}"
    if kept:
        text += f"\n    kept (not for upload): {', '.join(kept)}"
    if failed:
        text += f"\n    the draft could not be kept: {failed}"
    return LimitError(f"{text}\n    hint: {e.hint}")


def drop_draft(out_dir: Path, case_id: str, protected: set[Path]) -> None:
    """A build that met the limits removes the draft and report an earlier exit 3 left."""
    for name in (f"{case_id}.draft.pdf", f"{case_id}.fit-report.txt", f"{case_id}.fit-report.json"):
        path = output_path(out_dir, name)
        if path.is_file() and not path.is_symlink() and path.resolve() not in protected:
            path.unlink(missing_ok=True)
