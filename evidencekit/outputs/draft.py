"""Exit 3 keeps what was made: the over-limit dossier as a draft and a report of its figures."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rich.cells import cell_len

from evidencekit.errors import LimitError
from evidencekit.fit import Overlimit
from evidencekit.messages import Msg, Text, join, localize
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


def _pad(text: str, width: int, right: bool = False) -> str:
    """text padded to width terminal cells (a CJK character takes two)."""
    room = " " * max(0, width - cell_len(text))
    return room + text if right else text + room


def _kind(kind: str, lang: str) -> str:
    return Msg(f"draft.kind_{KINDS.index(kind)}").render(lang)


def report_text(case: Case, message: str, figs: dict[str, Any]) -> str:
    """The figures as plain text in the case's language, for the merchant deciding what to
    cut."""
    lang = case.language
    total = figs["bytes"] or 1
    lines = [
        Msg("draft.title", id=case.info.id, profile=case.profile.name).render(lang),
        localize(message, lang),
        "",
        Msg("draft.dossier", pages=figs["pages"], size=_mb(figs["bytes"])).render(lang),
    ]
    for kind in KINDS:
        n = figs["by_kind"][kind]
        lines.append(f"  {_pad(_kind(kind, lang), 16)} {_mb(n):>10}  {100 * n / total:5.1f} %")
    lines += ["", Msg("draft.largest_first").render(lang)]
    front = Msg("draft.front").render(lang)
    width = max(cell_len(t) for t in [front, *(ex["exhibit"] for ex in figs["exhibits"])])
    for ex in figs["exhibits"]:
        pages = _pad(Msg("draft.pages", n=ex["pages"]).render(lang), 8, right=True)
        mostly = Msg("draft.mostly", kind=_kind(ex["dominant"], lang)).render(lang)
        label = _pad(ex["exhibit"], width)  # the dossier's own label: 证据1, Exhibit A
        lines.append(f"  {label} {pages} {_mb(ex['bytes']):>10}  {mostly}  {ex['title']}")
    fa = figs["front_and_appendix"]
    pages = _pad(Msg("draft.pages", n=fa["pages"]).render(lang), 8, right=True)
    lines.append(f"  {_pad(front, width)} {pages} {_mb(fa['bytes']):>10}")
    return "\n".join(lines) + "\n"


def causes(figs: dict[str, Any]) -> Text:
    """One line naming what takes the bytes and which exhibits (a message: any language)."""
    total = figs["bytes"] or 1
    kinds = sorted(KINDS, key=lambda k: -figs["by_kind"][k])
    share = join(
        [
            Msg(
                "draft.share",
                kind=Msg(f"draft.kind_{KINDS.index(k)}"),
                pct=f"{100 * figs['by_kind'][k] / total:.0f}",
            )
            for k in kinds
            if figs["by_kind"][k]
        ],
        ", ",
    )
    top = join(
        [
            Msg(
                "draft.top",
                exhibit=e["exhibit"],
                size=_mb(e["bytes"]),
                pages=e["pages"],
                kind=Msg(f"draft.kind_{KINDS.index(e['dominant'])}"),
            )
            for e in figs["exhibits"][:3]
            if e["bytes"]
        ],
        ", ",
    )
    largest = Msg("draft.causes_largest", top=top) if top else ""
    return Msg("draft.causes", share=share, largest=largest)


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
    parts: list[str] = [e.limits, causes(figs)]
    if kept:
        parts.append(Msg("draft.kept", files=", ".join(kept)))
    if failed:
        parts.append(Msg("draft.not_kept", why=failed))
    parts.append(Msg("frame.hint", text=e.hint))
    return LimitError(join(parts, "\n    "))


def drop_draft(out_dir: Path, case_id: str, protected: set[Path]) -> None:
    """A build that met the limits removes the draft and report an earlier exit 3 left."""
    for name in (f"{case_id}.draft.pdf", f"{case_id}.fit-report.txt", f"{case_id}.fit-report.json"):
        path = output_path(out_dir, name)
        if path.is_file() and not path.is_symlink() and path.resolve() not in protected:
            path.unlink(missing_ok=True)
