"""Integrity: input fingerprint, build history, the deterministic archive, and verify."""

from __future__ import annotations

import hashlib
import io
import json
import platform
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from evidencekit import __version__
from evidencekit.errors import EvidencekitError
from evidencekit.outputs import dump_json, sha256_bytes

LIBRARIES = (
    "weasyprint",
    "pikepdf",
    "pillow",
    "pydantic",
    "pypdfium2",
    "jinja2",
    "pyyaml",
    "rfc3161-client",
    "markdown-it-py",
    "nh3",
)


class VerifyError(EvidencekitError):
    """The path cannot be verified at all (nothing to verify there)."""

    exit_code = 1


def input_fingerprint(manifest_bytes: bytes, sources: list[tuple[str, str]]) -> str:
    """SHA-256 over the manifest and every source's path and hash: the build's input."""
    h = hashlib.sha256()
    h.update(hashlib.sha256(manifest_bytes).hexdigest().encode() + b"  manifest\n")
    for rel, sha in sorted(sources):
        h.update(f"{sha}  {rel}\n".encode())
    return h.hexdigest()


def history_bytes(old: str, entry: dict[str, Any]) -> bytes:
    """`<case-id>.history.jsonl` with one more build, unless the last line is the same build."""
    line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
    if old and not old.endswith("\n"):
        old += "\n"
    if old.splitlines()[-1:] == [line.rstrip("\n")]:
        return old.encode()  # an identical rebuild (same time, input, output): same submission
    return (old + line).encode()


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries that shape the output."""
    out = {"python": platform.python_version(), "evidencekit": __version__}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


HOW_TO_VERIFY = """\
How to verify this evidence archive (no special software needed)
=================================================================

This archive holds a dispute dossier made by evidencekit, the original evidence files it
shows, and their SHA-256 hashes. To check that nothing was altered:

1. Unzip the archive and open a terminal in the unzipped folder.

2. Check the dossier and its records against the recorded hashes:

       cd dossier
       sha256sum -c SHA256SUMS          (macOS: shasum -a 256 -c SHA256SUMS)

   Every line must say OK.

3. Check each original evidence file: {json_name} lists, under "sources", every file's
   "path" (inside case/) and "sha256". Compute, for example:

       sha256sum ../case/{example}

   and compare with the value recorded for that path. evidencekit users can run
   `evidencekit verify <archive.zip>` to do all of this at once.

4. If the dossier was timestamped, {json_name}.tsr is an RFC 3161 token over
   {json_name}. With the time-stamping authority's CA certificate (tsa-ca.pem):

       openssl ts -verify -in {json_name}.tsr -data {json_name} -CAfile tsa-ca.pem

   "Verification: OK" proves the evidence record, and through its hashes the dossier and
   every original, existed unchanged at the time the token states.

Note: a timestamp from a self-run authority proves integrity, not a neutral time; only a
public or commercial authority's token proves the time to a third party.
"""


def archive_bytes(
    out_dir: Path,
    json_name: str,
    manifest_path: Path,
    when: datetime,
    options: dict[str, Any],
) -> bytes:
    """One deterministic ZIP: manifest, sources, dossier, sidecars, build record, how-to."""
    record = json.loads((out_dir / json_name).read_text(encoding="utf-8"))
    root = manifest_path.parent
    files: dict[str, bytes] = {}
    files[f"case/{manifest_path.name}"] = manifest_path.read_bytes()
    for src in record["sources"]:
        rel = PurePosixPath(src["path"])
        if rel.is_absolute() or ".." in rel.parts:
            msg = f"refusing to archive a source outside the case folder: {src['path']}"
            raise VerifyError(msg)
        files[f"case/{rel}"] = (root / rel).read_bytes()
    sums = (out_dir / "SHA256SUMS").read_text(encoding="utf-8")
    names = [line.split("  ", 1)[1] for line in sums.splitlines() if "  " in line]
    for name in [*names, "SHA256SUMS"]:
        files[f"dossier/{name}"] = (out_dir / name).read_bytes()
    case_id = record["case"]["id"]
    for extra in (f"{json_name}.tsr", f"{case_id}.history.jsonl"):
        if (out_dir / extra).exists():
            files[f"dossier/{extra}"] = (out_dir / extra).read_bytes()
    build_record = {
        "tool": "evidencekit",
        "versions": library_versions(),
        "fonts": record.get("fonts", []),
        "options": options,
        "input_fingerprint": record.get("input_fingerprint"),
        "build_time": record.get("build_time"),
        "case": record["case"],
    }
    files["build-record.json"] = dump_json(build_record)
    example = record["sources"][0]["path"] if record["sources"] else manifest_path.name
    files["HOW-TO-VERIFY.txt"] = HOW_TO_VERIFY.format(json_name=json_name, example=example).encode()
    stamp = when.astimezone(UTC).timetuple()[:6]
    stamp = max(stamp, (1980, 1, 1, 0, 0, 0))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, whatever machine made it
            zf.writestr(info, files[name], compresslevel=9)
    return buf.getvalue()


# ---------------------------------------------------------------- verify


@dataclass(frozen=True)
class Row:
    """One check: a file, the hash expected, the hash found, and the verdict."""

    file: str
    expected: str
    actual: str
    status: str  # OK | ALTERED | MISSING | NOTE

    @property
    def failed(self) -> bool:
        return self.status in ("ALTERED", "MISSING")


Loader = Callable[[str], bytes | None]


def _dir_loader(folder: Path) -> Loader:
    def load(name: str) -> bytes | None:
        target = (folder / name).resolve()
        if not target.is_relative_to(folder.resolve()) or not target.is_file():
            return None
        return target.read_bytes()

    return load


def _check(rows: list[Row], name: str, expected: str, data: bytes | None) -> None:
    if data is None:
        rows.append(Row(name, expected, "", "MISSING"))
        return
    actual = sha256_bytes(data)
    rows.append(Row(name, expected, actual, "OK" if actual == expected else "ALTERED"))


def _verify(
    dossier: Loader,
    json_name: str,
    sources: Loader | None,
    sources_label: str,
    tsa_ca: Path | None,
) -> list[Row]:
    from evidencekit.outputs.timestamp import check_token
    from evidencekit.pdf.attach import read_attachment

    rows: list[Row] = []
    sums = dossier("SHA256SUMS")
    if sums is None:
        rows.append(Row("SHA256SUMS", "", "", "MISSING"))
    else:
        for line in sums.decode("utf-8", "replace").splitlines():
            if "  " not in line:
                continue
            expected, name = line.split("  ", 1)
            _check(rows, name, expected, dossier(name))
    raw = dossier(json_name)
    if raw is None:
        if not any(r.file == json_name for r in rows):
            rows.append(Row(json_name, "", "", "MISSING"))
        return rows
    try:
        record = json.loads(raw)
    except ValueError:
        rows.append(Row(json_name, "valid JSON", "unreadable", "ALTERED"))
        return rows
    listed = {r.file for r in rows}
    for out in record.get("outputs", []):
        if out["path"] not in listed:
            _check(rows, out["path"], out["sha256"], dossier(out["path"]))
    pdf_name = record["outputs"][0]["path"] if record.get("outputs") else None
    pdf = dossier(pdf_name) if pdf_name else None
    if pdf is not None:
        try:
            embedded = read_attachment(pdf, json_name)
        except Exception:  # a damaged PDF is reported above by its hash
            embedded = None
        if embedded is None:
            rows.append(Row(f"{pdf_name} ⟷ {json_name}", "", "", "NOTE"))
        else:
            side = {k: v for k, v in record.items() if k != "outputs"}
            same = json.loads(embedded) == side
            rows.append(
                Row(
                    f"{pdf_name} ⟷ {json_name} (embedded copy)",
                    sha256_bytes(dump_json(side)),
                    sha256_bytes(embedded),
                    "OK" if same else "ALTERED",
                )
            )
    if sources is None:
        rows.append(Row(f"sources: {sources_label}", "", "", "NOTE"))
    else:
        for src in record.get("sources", []):
            _check(rows, f"{sources_label}/{src['path']}", src["sha256"], sources(src["path"]))
    tsr = dossier(f"{json_name}.tsr")
    if tsr is not None:
        result = check_token(tsr, raw, tsa_ca)
        when = result.time.isoformat() if result.time else ""
        rows.append(
            Row(f"{json_name}.tsr (token)", result.detail, when, "OK" if result.ok else "ALTERED")
        )
    return rows


def verify_path(
    path: Path, sources_dir: Path | None = None, tsa_ca: Path | None = None
) -> list[Row]:
    """Verify an output folder, an archive (.zip) or a single dossier PDF."""
    if path.is_dir():
        jsons = sorted(path.glob("*.evidence.json"))
        if not jsons:
            msg = f"{path}: no *.evidence.json here; give an evidencekit output folder or archive"
            raise VerifyError(msg)
        json_name = jsons[0].name
        record_raw = jsons[0].read_bytes()
        try:
            manifest = json.loads(record_raw).get("manifest", "case.yaml")
        except ValueError:
            manifest = "case.yaml"
        root = sources_dir
        if root is None and (path.parent / manifest).is_file():
            root = path.parent
        loader = _dir_loader(root) if root else None
        label = "case" if root else "case folder not found (give --sources DIR)"
        return _verify(_dir_loader(path), json_name, loader, label, tsa_ca)
    if path.suffix.lower() == ".zip":
        try:
            zf = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as e:
            msg = f"{path}: not a readable ZIP archive ({e})"
            raise VerifyError(msg) from e
        with zf:
            names = set(zf.namelist())

            def inside(prefix: str) -> Loader:
                def load(name: str) -> bytes | None:
                    full = f"{prefix}/{name}"
                    if full not in names:
                        return None
                    try:
                        return zf.read(full)
                    except (zipfile.BadZipFile, OSError):
                        return b"\0unreadable"  # a damaged entry: reported as altered

                return load

            entries = sorted(
                n[len("dossier/") :]
                for n in names
                if n.startswith("dossier/") and n.endswith(".evidence.json")
            )
            if not entries:
                msg = f"{path}: no dossier/*.evidence.json in this archive"
                raise VerifyError(msg)
            return _verify(inside("dossier"), entries[0], inside("case"), "case", tsa_ca)
    if path.suffix.lower() == ".pdf" and path.is_file():
        sidecar = path.with_name(path.stem + ".evidence.json")
        if sidecar.is_file():
            return verify_path(path.parent, sources_dir, tsa_ca)
        from evidencekit.pdf.attach import list_attachments

        attached = list_attachments(path)
        rows: list[Row] = []
        name = next((n for n in attached if n.endswith(".evidence.json")), None)
        if name is None:
            msg = f"{path}: no evidence record embedded and no sidecar beside it"
            raise VerifyError(msg)
        record = json.loads(attached[name][0])
        rows.append(Row(f"{path.name} ⟷ embedded {name}", "", "", "NOTE"))
        by_name = {n: data for n, (data, rel) in attached.items() if rel == "Source"}
        for src in record.get("sources", []):
            flat = src["path"].replace("/", "__")
            if flat in by_name:
                _check(rows, f"embedded {src['path']}", src["sha256"], by_name[flat])
        if sources_dir:
            loader = _dir_loader(sources_dir)
            for src in record.get("sources", []):
                _check(rows, f"{sources_dir}/{src['path']}", src["sha256"], loader(src["path"]))
        return rows
    msg = f"{path}: give an output folder, an evidencekit archive (.zip) or a dossier PDF"
    raise VerifyError(msg)


def rows_json(rows: list[Row]) -> str:
    """Machine-readable verify result."""
    return (
        json.dumps(
            {"ok": not any(r.failed for r in rows), "checks": [asdict(r) for r in rows]},
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )
