"""Integrity: input fingerprint, build history, the deterministic archive, and verify."""

from __future__ import annotations

import hashlib
import io
import json
import platform
import re
import zipfile
import zlib
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Any

from evidencekit import __version__
from evidencekit.errors import EvidencekitError
from evidencekit.messages import Msg, reason
from evidencekit.outputs import dump_json, sha256_bytes
from evidencekit.outputs.transaction import plain_name

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

   and compare with the value recorded for that path. A source the dossier masks or
   redacts is archived as its rendition instead (e.g. orders.csv.masked.csv): "outgoing"
   gives that file's path and "sha256". evidencekit users can run
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
    renditions: dict[str, tuple[tuple[str, bytes], ...]] | None = None,
) -> bytes:
    """One deterministic ZIP: manifest, sources, dossier, sidecars, build record, how-to."""
    record = json.loads((out_dir / json_name).read_text(encoding="utf-8"))
    root = manifest_path.parent
    files: dict[str, bytes] = {}
    files[f"case/{manifest_path.name}"] = manifest_path.read_bytes()
    for src in record["sources"]:
        rel = PurePosixPath(src["path"])
        if rel.is_absolute() or ".." in rel.parts:
            msg = Msg("verify.archive_outside", path=src["path"])
            raise VerifyError(msg)
        if src["path"] in (renditions or {}):
            # A masked or redacted source leaves only as its rendition (see renditions.py).
            for name, data in (renditions or {})[src["path"]]:
                files[f"case/{name}"] = data
            continue
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
#
# Everything verify reads is untrusted: sums, records, tokens, archives and PDFs may be
# truncated, random or hostile. Each problem becomes a failed row with its reason (or, when
# there is nothing to verify at all, a VerifyError); nothing is read whole that can be large.

MAX_RECORD = 64 << 20  # sums, evidence JSON, token: far larger is not ours
MAX_PDF = 2 << 30
MAX_RATIO = 200  # a ZIP entry declared this many times larger than its compressed bytes...
MIN_SUSPECT = 64 << 20  # ...and this large is a bomb, not evidence
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


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


class _Unreadable(Exception):
    """A file that exists but cannot be read (damaged entry, too large, a link)."""


class _Store:
    """Files of a dossier or case, by relative name: a folder or a ZIP prefix."""

    label = ""

    def _open(self, name: str) -> IO[bytes] | None:
        raise NotImplementedError

    def sha(self, name: str) -> str | None:
        """Hex SHA-256 read in chunks, None when missing; _Unreadable when damaged."""
        fh = self._open(name)
        if fh is None:
            return None
        h = hashlib.sha256()
        try:
            with fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
        except (OSError, zipfile.BadZipFile, zlib.error, EOFError, RuntimeError) as e:
            raise _Unreadable(Msg("verify.unreadable", why=str(e))) from e
        return h.hexdigest()

    def read(self, name: str, cap: int = MAX_RECORD) -> bytes | None:
        """Whole bytes of a small file, None when missing; _Unreadable when damaged or huge."""
        fh = self._open(name)
        if fh is None:
            return None
        try:
            with fh:
                data = fh.read(cap + 1)
        except (OSError, zipfile.BadZipFile, zlib.error, EOFError, RuntimeError) as e:
            raise _Unreadable(Msg("verify.unreadable", why=str(e))) from e
        if len(data) > cap:
            raise _Unreadable(Msg("verify.too_large", cap=cap))
        return data


class _DirStore(_Store):
    def __init__(self, folder: Path, label: str) -> None:
        self.folder = folder.resolve()
        self.label = label

    def _open(self, name: str) -> IO[bytes] | None:
        if not plain_name(name):
            raise _Unreadable(Msg("verify.not_plain"))
        target = (self.folder / name).resolve()
        if not target.is_relative_to(self.folder):
            raise _Unreadable(Msg("verify.link_out"))
        if not target.is_file():
            return None
        try:
            return target.open("rb")
        except OSError as e:
            raise _Unreadable(Msg("verify.unreadable", why=e.strerror)) from e


class _ZipStore(_Store):
    def __init__(self, zf: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo], prefix: str):
        self.zf = zf
        self.entries = entries
        self.prefix = prefix
        self.label = prefix

    def _open(self, name: str) -> IO[bytes] | None:
        if not plain_name(name):
            raise _Unreadable(Msg("verify.not_plain"))
        info = self.entries.get(f"{self.prefix}/{name}" if self.prefix else name)
        if info is None:
            return None
        if info.file_size > MIN_SUSPECT and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _Unreadable(
                Msg("verify.zip_bomb", size=info.file_size, stored=info.compress_size)
            )
        try:
            return self.zf.open(info)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, ValueError) as e:
            raise _Unreadable(Msg("verify.unreadable", why=str(e))) from e


def _check(rows: list[Row], label: str, expected: object, store: _Store, name: str) -> None:
    if not isinstance(expected, str) or not _HEX64.match(expected):
        rows.append(Row(label, str(expected)[:64], "", "ALTERED"))
        return
    try:
        actual = store.sha(name)
    except _Unreadable as e:
        rows.append(Row(label, expected, reason(e), "ALTERED"))
        return
    if actual is None:
        rows.append(Row(label, expected, "", "MISSING"))
    else:
        rows.append(Row(label, expected, actual, "OK" if actual == expected else "ALTERED"))


def _bad(label: str, why: str) -> Row:
    return Row(label, "", why, "ALTERED")


def _record_problem(record: object) -> str | None:
    """What is wrong with an evidence record's shape, or None."""
    if not isinstance(record, dict):
        return Msg("verify.not_object")
    case = record.get("case")
    if not isinstance(case, dict) or not isinstance(case.get("id"), str):
        return Msg("verify.no_case_id")
    for key in ("sources", "outputs"):
        items = record.get(key)
        if not isinstance(items, list):
            return Msg("verify.no_list", key=key)
        for item in items:
            if not (
                isinstance(item, dict)
                and isinstance(item.get("path"), str)
                and isinstance(item.get("sha256"), str)
            ):
                return Msg("verify.entry_without_hash", key=key)
    if not record["outputs"]:
        return Msg("verify.no_outputs")
    return None


def _sums(rows: list[Row], dossier: _Store) -> set[str]:
    """Check SHA256SUMS line by line; returns the names it lists."""
    try:
        raw = dossier.read("SHA256SUMS")
    except _Unreadable as e:
        rows.append(_bad("SHA256SUMS", reason(e)))
        return set()
    if raw is None:
        rows.append(Row("SHA256SUMS", "", "", "MISSING"))
        return set()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        rows.append(_bad("SHA256SUMS", Msg("verify.not_utf8")))
        return set()
    listed: set[str] = set()
    # Lines end in "\n" only, as written: splitlines() would also split at \v, \f, \x1c-\x1e,
    # \x85 and \u2028, so a final newline flipped to one of them would pass unnoticed.
    lines = text.split("\n")
    ended = lines[-1] == ""
    if ended:
        lines.pop()
    if not lines:
        rows.append(_bad("SHA256SUMS", Msg("verify.empty")))
    for n, line in enumerate(lines, start=1):
        expected, sep, name = line.partition("  ")
        where = Msg("verify.sums_line", n=n)
        unended = n == len(lines) and not ended
        if unended or not sep or not _HEX64.match(expected) or not plain_name(name):
            rows.append(_bad(where, Msg("verify.bad_line")))
            continue
        if name in listed:
            rows.append(_bad(where, Msg("verify.listed_twice", name=name)))
            continue
        listed.add(name)
        _check(rows, name, expected, dossier, name)
    return listed


def _embedded(rows: list[Row], pdf: bytes, pdf_name: str, json_name: str, side: object) -> None:
    from evidencekit.pdf.attach import read_attachment

    label = Msg("verify.row_embedded_copy", pdf=pdf_name, record=json_name)
    try:
        embedded = read_attachment(pdf, json_name)
    except Exception as e:  # a damaged PDF: the library raises many types
        rows.append(_bad(label, Msg("verify.pdf_unreadable", why=type(e).__name__)))
        return
    if embedded is None:
        rows.append(_bad(label, Msg("verify.pdf_no_record")))
        return
    try:
        same = json.loads(embedded) == side
    except ValueError:
        same = False
    rows.append(
        Row(
            label,
            sha256_bytes(dump_json(side)),
            sha256_bytes(embedded),
            "OK" if same else "ALTERED",
        )
    )


def _verify_case(
    rows: list[Row],
    dossier: _Store,
    json_name: str,
    listed: set[str],
    sources: _Store | None,
    sources_label: str,
    tsa_ca: Path | None,
    renditions: bool = False,
) -> None:
    from evidencekit.outputs.timestamp import check_token

    try:
        raw = dossier.read(json_name)
    except _Unreadable as e:
        rows.append(_bad(json_name, reason(e)))
        return
    if raw is None:
        rows.append(Row(json_name, "", "", "MISSING"))
        return
    if json_name not in listed:
        rows.append(_bad(json_name, Msg("verify.not_listed")))
    try:
        record = json.loads(raw)
    except (ValueError, RecursionError):
        rows.append(_bad(json_name, Msg("verify.not_json")))
        return
    if problem := _record_problem(record):
        rows.append(_bad(json_name, Msg("verify.not_record", problem=problem)))
        return
    for out in record["outputs"]:
        if not plain_name(out["path"]):
            label = Msg("verify.row_output", record=json_name, path=out["path"])
            rows.append(_bad(label, Msg("verify.not_plain_name")))
            continue
        if out["path"] not in listed:
            rows.append(_bad(out["path"], Msg("verify.not_listed")))
            _check(rows, out["path"], out["sha256"], dossier, out["path"])
        elif not any(r.file == out["path"] and r.expected == out["sha256"] for r in rows):
            rows.append(_bad(out["path"], Msg("verify.disagree", name=json_name)))
    history = f"{record['case']['id']}.history.jsonl"
    try:
        history_there = plain_name(history) and dossier.sha(history) is not None
    except _Unreadable:
        history_there = True
    if history_there and history not in listed:
        rows.append(_bad(history, Msg("verify.not_listed")))
    pdf_name = record["outputs"][0]["path"]
    try:
        pdf = dossier.read(pdf_name, MAX_PDF) if plain_name(pdf_name) else None
    except _Unreadable:
        pdf = None  # reported by its hash above
    if pdf is not None:
        side = {k: v for k, v in record.items() if k != "outputs"}
        _embedded(rows, pdf, pdf_name, json_name, side)
    if sources is None:
        rows.append(Row(Msg("verify.row_sources", label=sources_label), "", "", "NOTE"))
    else:
        _check_sources(rows, record, sources, sources_label, renditions)
    try:
        tsr = dossier.read(f"{json_name}.tsr")
    except _Unreadable as e:
        rows.append(_bad(Msg("verify.row_token", name=json_name), reason(e)))
        return
    if tsr is not None:
        if f"{json_name}.tsr" not in listed:
            rows.append(_bad(f"{json_name}.tsr", Msg("verify.not_listed")))
        result = check_token(tsr, raw, tsa_ca)
        when = result.time.isoformat() if result.time else ""
        rows.append(
            Row(
                Msg("verify.row_token", name=json_name),
                result.detail,
                when,
                "OK" if result.ok else "ALTERED",
            )
        )


def _rendition_files(src: dict[str, Any]) -> list[tuple[object, object]] | None:
    """(name, sha256) of a source's recorded rendition files, or None when it went as is."""
    went = src.get("outgoing")
    if not isinstance(went, dict) or went.get("holds") != "rendition":
        return None
    files = went.get("files")
    if not isinstance(files, list) or not files:
        return [("(rendition record)", "malformed")]
    return [
        (f.get("path"), f.get("sha256")) if isinstance(f, dict) else ("(rendition)", "malformed")
        for f in files
    ]


def _check_sources(
    rows: list[Row],
    record: dict[str, Any],
    sources: _Store,
    label: str,
    renditions: bool = False,
) -> None:
    """Check each source; where `renditions` (an archive), a masked or redacted source is
    checked as the rendition the record says the archive holds."""
    hashes = []
    for src in record["sources"]:
        path = src["path"]
        if not plain_name(path):
            rows.append(_bad(f"{label}/{path}", Msg("verify.source_outside")))
            continue
        hashes.append((path, src["sha256"]))
        files = _rendition_files(src) if renditions else None
        if files is None:
            _check(rows, f"{label}/{path}", src["sha256"], sources, path)
            continue
        for name, sha in files:
            if not isinstance(name, str) or not plain_name(name):
                rows.append(_bad(f"{label}/{path}", Msg("verify.bad_rendition")))
                continue
            _check(rows, f"{label}/{name}", sha, sources, name)
    manifest = record.get("manifest")
    fingerprint = record.get("input_fingerprint")
    if isinstance(manifest, str) and isinstance(fingerprint, str) and plain_name(manifest):
        try:
            data = sources.read(manifest)
        except _Unreadable as e:
            rows.append(_bad(f"{label}/{manifest}", reason(e)))
            return
        if data is None:
            rows.append(Row(f"{label}/{manifest}", fingerprint, "", "MISSING"))
        else:
            actual = input_fingerprint(data, hashes)
            status = "OK" if actual == fingerprint else "ALTERED"
            row = Msg("verify.row_fingerprint", path=f"{label}/{manifest}")
            rows.append(Row(row, fingerprint, actual, status))


def _verify_dir(path: Path, sources_dir: Path | None, tsa_ca: Path | None) -> list[Row]:
    jsons = sorted(p.name for p in path.glob("*.evidence.json"))
    if not jsons:
        msg = Msg("verify.no_record", path=str(path))
        raise VerifyError(msg)
    rows: list[Row] = []
    dossier = _DirStore(path, "")
    listed = _sums(rows, dossier)
    for json_name in jsons:
        manifest = "case.yaml"
        try:
            record = json.loads(dossier.read(json_name) or b"null")
            if isinstance(record, dict) and isinstance(record.get("manifest"), str):
                manifest = record["manifest"]
        except (_Unreadable, ValueError, RecursionError):
            pass  # reported by _verify_case
        root = sources_dir
        if root is None and plain_name(manifest):
            for candidate in (path.parent, path):
                if (candidate / manifest).is_file():
                    root = candidate
                    break
        store = _DirStore(root, "case") if root else None
        label = "case" if root else Msg("verify.no_case_folder")
        _verify_case(rows, dossier, json_name, listed, store, label, tsa_ca)
    return rows


def _zip_entries(zf: zipfile.ZipFile, rows: list[Row]) -> dict[str, zipfile.ZipInfo]:
    """Safe, unique entries by name; every other entry is a failed row."""
    entries: dict[str, zipfile.ZipInfo] = {}
    seen: set[str] = set()
    for info in zf.infolist():
        name = info.filename
        if info.is_dir():
            continue
        if not plain_name(name) or ":" in name.split("/")[0]:
            rows.append(_bad(Msg("verify.row_entry", name=name), Msg("verify.unsafe_name")))
            continue
        if name in seen:
            rows.append(_bad(Msg("verify.row_entry", name=name), Msg("verify.twice")))
            entries.pop(name, None)
            continue
        seen.add(name)
        entries[name] = info
    return entries


def _verify_zip(path: Path, sources_dir: Path | None, tsa_ca: Path | None) -> list[Row]:
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, ValueError, EOFError) as e:
        msg = Msg("verify.bad_zip", path=str(path), why=str(e))
        raise VerifyError(msg) from e
    rows: list[Row] = []
    with zf:
        entries = _zip_entries(zf, rows)
        jsons = sorted(
            n.split("/", 1)[1]
            for n in entries
            if n.startswith("dossier/") and n.count("/") == 1 and n.endswith(".evidence.json")
        )
        if not jsons:
            msg = Msg("verify.no_record_in_zip", path=str(path))
            raise VerifyError(msg)
        dossier = _ZipStore(zf, entries, "dossier")
        case = _DirStore(sources_dir, "case") if sources_dir else _ZipStore(zf, entries, "case")
        listed = _sums(rows, dossier)
        for json_name in jsons:
            _verify_case(
                rows, dossier, json_name, listed, case, "case", tsa_ca, sources_dir is None
            )
        _unchecked_entries(rows, entries, dossier, listed, jsons)
    return rows


def _unchecked_entries(
    rows: list[Row],
    entries: dict[str, zipfile.ZipInfo],
    store: _ZipStore,
    listed: set[str],
    jsons: list[str],
) -> None:
    """Entries no check above read: the how-to and build record must still be intact (their
    CRC), and nothing else may ride along unrecorded."""
    checked = {f"dossier/{n}" for n in [*listed, "SHA256SUMS", *jsons]}
    checked |= {f"dossier/{n}.tsr" for n in jsons}
    checked |= {r.file for r in rows if r.file.startswith("case/")}
    checked |= {r.file.split(" ", 1)[0] for r in rows if r.file.startswith("case/")}
    for name in sorted(entries):
        if name in checked:
            continue
        if name not in ("build-record.json", "HOW-TO-VERIFY.txt"):
            rows.append(_bad(name, Msg("verify.unrecorded")))
            continue
        whole = _ZipStore(store.zf, entries, "")
        try:
            whole.sha(name)
        except _Unreadable as e:
            rows.append(_bad(name, reason(e)))


def _verify_pdf(path: Path, sources_dir: Path | None) -> list[Row]:
    """A dossier PDF on its own: its embedded record against embedded originals and given
    sources. Its own hash is recorded only beside it (sidecar, archive)."""
    from evidencekit.pdf.attach import list_attachments

    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_PDF + 1)
        attached = list_attachments(path)
    except Exception as e:  # pikepdf raises many types on damaged files
        msg = Msg("verify.bad_pdf", path=str(path), why=type(e).__name__)
        raise VerifyError(msg) from e
    name = next((n for n in sorted(attached) if n.endswith(".evidence.json")), None)
    if name is None:
        msg = Msg("verify.no_record_in_pdf", path=str(path))
        raise VerifyError(msg)
    rows = [
        Row(
            Msg("verify.own_hash", file=path.name, sidecar=name),
            "",
            "",
            "NOTE",
        )
    ]
    # evidencekit writes a PDF in one revision; an appended update changed it afterwards.
    revisions = data.count(b"%%EOF")
    rows.append(
        Row(
            Msg("verify.row_revision", file=path.name),
            "1",
            str(revisions),
            "OK" if revisions == 1 else "ALTERED",
        )
    )
    try:
        record = json.loads(attached[name][0])
    except (ValueError, RecursionError):
        record = None
    if not isinstance(record, dict):
        rows.append(_bad(Msg("verify.row_embedded", name=name), Msg("verify.not_object")))
        return rows
    record.setdefault("outputs", [{"path": path.name, "sha256": "0" * 64}])
    if problem := _record_problem(record):
        label = Msg("verify.row_embedded", name=name)
        rows.append(_bad(label, Msg("verify.not_record", problem=problem)))
        return rows
    by_name = {n: blob for n, (blob, rel) in attached.items() if rel in ("Source", "Supplement")}
    for src in record["sources"]:
        expected = _rendition_files(src) or [(src["path"], src["sha256"])]
        for item, sha in expected:
            flat = str(item).replace("/", "__")
            if flat in by_name:
                actual = sha256_bytes(by_name[flat])
                status = "OK" if actual == sha else "ALTERED"
                rows.append(Row(Msg("verify.row_embedded", name=item), str(sha), actual, status))
    if sources_dir:
        _check_sources(rows, record, _DirStore(sources_dir, str(sources_dir)), str(sources_dir))
    return rows


def verify_path(
    path: Path, sources_dir: Path | None = None, tsa_ca: Path | None = None
) -> list[Row]:
    """Verify an output folder, an archive (.zip) or a single dossier PDF."""
    if tsa_ca is not None and not tsa_ca.is_file():
        msg = Msg("verify.no_ca", path=str(tsa_ca))
        raise VerifyError(msg)
    if sources_dir is not None and not sources_dir.is_dir():
        msg = Msg("verify.no_sources", path=str(sources_dir))
        raise VerifyError(msg)
    if path.is_dir():
        return _verify_dir(path, sources_dir, tsa_ca)
    if path.suffix.lower() == ".zip" and path.is_file():
        return _verify_zip(path, sources_dir, tsa_ca)
    if path.suffix.lower() == ".pdf" and path.is_file():
        sidecar = path.with_name(path.stem + ".evidence.json")
        if sidecar.is_file():
            return _verify_dir(path.parent, sources_dir, tsa_ca)
        return _verify_pdf(path, sources_dir)
    msg = Msg("verify.what", path=str(path))
    raise VerifyError(msg)


def recorded_language(path: Path) -> str | None:
    """The language of the case an output folder, archive or dossier PDF records, or None."""
    raw: bytes | None = None
    try:
        if path.is_dir():
            found = sorted(path.glob("*.evidence.json"))
            raw = found[0].read_bytes() if found and found[0].stat().st_size < MAX_PDF else None
        elif path.suffix.lower() == ".pdf" and path.is_file():
            sidecar = path.with_name(path.stem + ".evidence.json")
            if sidecar.is_file():
                return recorded_language(path.parent)
            from evidencekit.pdf.attach import list_attachments

            attached = list_attachments(path)
            raw = next((b for n, (b, _) in sorted(attached.items()) if _RECORD.search(n)), None)
        elif path.suffix.lower() == ".zip" and path.is_file():
            with zipfile.ZipFile(path) as zf:
                name = next((n for n in sorted(zf.namelist()) if _RECORD.match(n)), None)
                info = zf.getinfo(name) if name else None
                raw = zf.read(info) if info and info.file_size < MAX_PDF else None
        record = json.loads(raw) if raw else None
    except Exception:  # a damaged file: verify itself reports it, in the user's language
        return None
    case = record.get("case") if isinstance(record, dict) else None
    lang = case.get("language") if isinstance(case, dict) else None
    return lang if lang in ("zh-CN", "en") else None


_RECORD = re.compile(r"(?:dossier/)?[^/]+\.evidence\.json$")


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
