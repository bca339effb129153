"""The up-to-date check: a build key over everything an output depends on, and whether the
previous outputs still match it."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from evidencekit import __version__
from evidencekit.assets.hashcache import StatCache
from evidencekit.assets.sources import SourceInfo
from evidencekit.model import Case
from evidencekit.outputs.transaction import parse_sums, plain_name, recover
from evidencekit.render import packaged_templates


def build_key(case: Case, infos: dict[str, SourceInfo], options: dict[str, object]) -> str:
    """Everything an output depends on: sources, manifest, profile, templates, options, tool
    version and SOURCE_DATE_EPOCH. Equal keys mean an identical rebuild."""
    h = hashlib.sha256()
    h.update(case.manifest_path.read_bytes())
    for rel, info in sorted(infos.items()):
        h.update(f"{info.sha256}  {rel}\n".encode())
    h.update(case.profile.model_dump_json().encode())
    for folder in (packaged_templates(), case.root / "templates"):
        if folder.is_dir():
            for f in sorted(folder.rglob("*")):
                if f.is_file():
                    h.update(f.relative_to(folder).as_posix().encode() + f.read_bytes())
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    h.update(f"{__version__} {os.environ.get('SOURCE_DATE_EPOCH', '')}".encode())
    return h.hexdigest()


def up_to_date(out_dir: Path, json_name: str, key: str) -> tuple[int, int, list[str]] | None:
    """(pages, PDF size, other outputs) when the previous build had the same key and every
    output still hashes as recorded; else None."""
    try:
        recover(out_dir)  # finish or remove what a killed build left, before looking
        record = json.loads((out_dir / json_name).read_text(encoding="utf-8"))
        if not isinstance(record, dict) or record.get("build_key") != key:
            return None
        sums = parse_sums((out_dir / "SHA256SUMS").read_text(encoding="utf-8"))
        if not sums or json_name not in dict(sums):
            return None
        cache = StatCache(out_dir)  # outputs unchanged since the last check are not read again
        for name, expected in sums:
            if not plain_name(name) or cache.sha256(out_dir / name)[0] != expected:
                cache.save()
                return None
        cache.save()
        outputs = record["outputs"]
        return int(outputs[0]["pages"]), int(outputs[0]["size"]), [o["path"] for o in outputs[1:]]
    except (OSError, ValueError, LookupError, TypeError, AttributeError):
        return None  # anything unexpected: not up to date, build again
