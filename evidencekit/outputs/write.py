"""The write stage: the outputs' hashes into the record, the timestamp, then every output
(dossier, files beside it, record, history, SHA256SUMS, archive) in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from evidencekit import __version__
from evidencekit.model import Case
from evidencekit.outputs import dump_json, sha256_bytes, sha256sums
from evidencekit.outputs.integrity import archive_bytes, history_bytes
from evidencekit.outputs.timestamp import request_token
from evidencekit.outputs.transaction import OutputSet, fault
from evidencekit.pdf.split import page_count


@dataclass(frozen=True)
class OutputNames:
    """Where a build writes and what it must never replace."""

    out_dir: Path
    pdf_name: str
    json_name: str
    protected: set[Path]


@dataclass(frozen=True)
class Archive:
    """The archive's build options and the renditions it holds instead of originals."""

    options: dict[str, Any]
    renditions: dict[str, tuple[tuple[str, bytes], ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Written:
    """The optional outputs a write made."""

    token_path: Path | None
    archive_path: Path | None


def write_outputs(
    case: Case,
    names: OutputNames,
    built: datetime,
    pdf: bytes,
    record: dict[str, object],
    extra: dict[str, bytes],
    *,
    fingerprint: str,
    tsa_url: str | None = None,
    archive: Archive | None = None,
) -> Written:
    """Timestamp, then write every output in one transaction (all or nothing)."""
    out_dir, pdf_name, json_name = names.out_dir, names.pdf_name, names.json_name
    outputs = record["outputs"]
    assert isinstance(outputs, list)
    for name, data in extra.items():
        entry: dict[str, object] = {"path": name, "sha256": sha256_bytes(data), "size": len(data)}
        if name.endswith(".pdf"):
            entry["pages"] = page_count(data)
        outputs.append(entry)
    json_bytes = dump_json(record)
    # The TSA is asked before anything is staged: a refusal leaves the previous set as it was.
    token = request_token(json_bytes, tsa_url) if tsa_url else None
    fault("tsa")
    token_path = out_dir / f"{json_name}.tsr" if token is not None else None
    history_name = f"{case.info.id}.history.jsonl"
    archive_path = out_dir / f"{case.info.id}.archive.zip" if archive is not None else None
    with OutputSet(out_dir, case.info.id, json_name, names.protected) as txn:
        txn.write(pdf_name, pdf)
        for name, data in extra.items():
            txn.write(name, data)
        txn.write(json_name, json_bytes)
        entries = [(pdf_name, sha256_bytes(pdf))]
        entries += [(name, sha256_bytes(data)) for name, data in extra.items()]
        entries.append((json_name, sha256_bytes(json_bytes)))
        if token is not None:
            txn.write(f"{json_name}.tsr", token)
            entries.append((f"{json_name}.tsr", sha256_bytes(token)))
        history = history_bytes(
            txn.old_text(history_name),
            {
                "time": built.isoformat(),
                "tool": f"evidencekit {__version__}",
                "input_fingerprint": fingerprint,
                "pdf_sha256": sha256_bytes(pdf),
                "evidence_json_sha256": sha256_bytes(json_bytes),
                "prepared_by": case.info.prepared_by,
                "timestamped": token is not None,
            },
        )
        txn.write(history_name, history)
        entries.append((history_name, sha256_bytes(history)))
        ours = {name for name, _ in entries}
        txn.write("SHA256SUMS", sha256sums(entries + txn.foreign_sums(ours)))
        if archive is not None and archive_path is not None:
            options = {**archive.options, "tsa": token is not None}
            data = archive_bytes(
                txn.staging, json_name, case.manifest_path, built, options, archive.renditions
            )
            txn.write(archive_path.name, data)
        fault("staged")
        txn.commit()
    fault("done")
    return Written(token_path, archive_path)
