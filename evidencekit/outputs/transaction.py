"""The output set as one transaction: staged whole, then swapped into place, or not at all.

Scheme (verify reads SHA256SUMS and each evidence JSON, so the set must change as one):

1. The TSA is asked before anything is staged; a refusal leaves the folder untouched.
2. Every new file is written into a staging folder beside the output folder (same
   filesystem). Files in the output folder that are not this case's previous outputs (other
   cases, the user's files) are hard-linked in, and SHA256SUMS keeps their lines.
3. swap: the two folders are exchanged with one renameat2(RENAME_EXCHANGE), so at every
   instant the output folder is the whole previous set or the whole new one; the old folder
   (now under the staging name) is then deleted.
   in place: where a swap is impossible (the output folder holds sub-folders that are not
   ours, e.g. `output.dir: "."` is the case folder, or the filesystem has no exchange), a
   COMMIT mark is written into the staging folder, then the files are renamed in one by one,
   the evidence JSON and SHA256SUMS last. A build killed during those renames leaves the mark;
   the next build finishes the renames first (roll forward) and only then builds.
4. A live staging folder is flock-ed by its build. Any staging folder whose lock is free
   and which has no COMMIT mark is a killed build's leftover: the next build deletes it.
   SIGTERM raises KeyboardInterrupt while a transaction is open, so staging is removed then too.

Nothing is written over or deleted unless it is one of this case's previous outputs as the
previous evidence JSON records them, with a matching hash, and not one of the case's sources.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from types import FrameType
from typing import Any

from evidencekit.errors import EvidencekitError, UsageError
from evidencekit.messages import Msg

STAGING_TAG = ".evidencekit-staging-"
_COMMIT = ".commit.json"
_SUM_LINE = re.compile(r"^([0-9a-f]{64})  (.+)$")


class OutputError(EvidencekitError):
    """The output set could not be written (disk full, permissions); the previous set is kept."""

    exit_code = 74  # EX_IOERR


def fault(step: str) -> None:
    """Test hook: EVIDENCEKIT_FAULT=after:<step> sends this process a signal at that step
    (EVIDENCEKIT_FAULT_SIGNAL, default KILL). Lets tests prove a kill never loses a set."""
    if os.environ.get("EVIDENCEKIT_FAULT") == f"after:{step}":
        name = os.environ.get("EVIDENCEKIT_FAULT_SIGNAL", "KILL")
        os.kill(os.getpid(), getattr(signal, f"SIG{name}"))


def plain_name(name: str) -> bool:
    """A relative POSIX path inside the output folder: no absolute, '..', '.', or empty parts."""
    if not name or "\\" in name or "\0" in name:
        return False
    p = PurePosixPath(name)
    return not p.is_absolute() and all(part not in ("", ".", "..") for part in p.parts)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def parse_sums(text: str) -> list[tuple[str, str]] | None:
    """(name, sha) per line of a SHA256SUMS file, or None when any line is malformed."""
    out = []
    for line in text.splitlines():
        m = _SUM_LINE.match(line)
        if not m:
            return None
        out.append((m.group(2), m.group(1)))
    return out


def _staging_folders(out_dir: Path) -> list[Path]:
    prefix = f".{out_dir.name}{STAGING_TAG}"
    try:
        return sorted(p for p in out_dir.parent.iterdir() if p.name.startswith(prefix))
    except OSError:
        return []


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[bool]:
    """Try to take a staging folder's lock; yields whether it was free (its build is gone)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def recover(out_dir: Path) -> None:
    """Finish or delete what killed builds left beside out_dir (see the module docstring)."""
    for folder in _staging_folders(out_dir):
        if not folder.is_dir() or folder.is_symlink():
            continue
        with _locked(folder) as free:
            if not free:
                continue  # a build is running there
            commit = folder / _COMMIT
            if commit.is_file():
                try:
                    plan = json.loads(commit.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    plan = None
                _roll_forward(folder, out_dir, plan)
            shutil.rmtree(folder, ignore_errors=True)


def _roll_forward(staging: Path, out_dir: Path, plan: Any) -> None:
    # Only a plan this machine's build wrote for this very folder (a case folder that travels
    # could carry a planted one; it names another path or none).
    if not isinstance(plan, dict) or plan.get("out_dir") != str(out_dir.resolve()):
        return
    for name in plan.get("move", []):
        src = staging / name
        if isinstance(name, str) and plain_name(name) and src.is_file():
            (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, out_dir / name)
    for name in plan.get("remove", []):
        if isinstance(name, str) and plain_name(name):
            (out_dir / name).unlink(missing_ok=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported.
    Hand-written through ctypes: the os module has no renameat2 and no kept library wraps it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(a))


def check_output_dir(out_dir: Path, protected: set[Path]) -> None:
    """Refuse an output folder that is a file or read-only, or that is inside a source."""
    if out_dir.exists() and not out_dir.is_dir():
        msg = Msg("output.is_file", path=str(out_dir))
        raise UsageError(msg)
    probe = out_dir
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not os.access(probe, os.W_OK) or (out_dir.exists() and not os.access(out_dir, os.W_OK)):
        msg = Msg("output.not_writable", path=str(probe))
        raise UsageError(msg)
    out = out_dir.resolve()
    if out in protected:
        msg = Msg("output.is_source", path=str(out_dir))
        raise UsageError(msg)
    # -o is held to the manifest's output.dir rule: never the case folder, nor a folder that
    # holds it or any source (a later clean-up or a same-named output could take them).
    inside = sorted(p for p in protected if p.is_relative_to(out))
    if inside:
        names = ", ".join(p.relative_to(out).as_posix() for p in inside[:3])
        names += ", …" if len(inside) > 3 else ""
        msg = Msg("output.holds_sources", path=str(out_dir), names=names, n=len(inside))
        raise UsageError(msg)


def _sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


class OutputSet:
    """One build's outputs: `write` into staging, then `commit` (see the module docstring)."""

    def __init__(
        self, out_dir: Path, case_id: str, json_name: str, protected: set[Path] | None = None
    ) -> None:
        self.out_dir = out_dir
        self.case_id = case_id
        self.json_name = json_name
        self.protected = protected or set()
        self.written: list[str] = []
        self.staging = Path()
        self._lock_fd: int | None = None
        self._old_handler: Any = None
        self._previous: set[str] = set()
        self._orders: set[str] = set()  # the previous record's order ids (per-order outputs)
        self._recorded: dict[str, str] = {}  # every output our previous record lists: sha256

    # -- setup and teardown

    def __enter__(self) -> OutputSet:
        check_output_dir(self.out_dir, self.protected)
        if threading_main():
            self._old_handler = signal.signal(signal.SIGTERM, _sigterm)
        try:
            self.out_dir.parent.mkdir(parents=True, exist_ok=True)
            recover(self.out_dir)
            prefix = f".{self.out_dir.name}{STAGING_TAG}"
            self.staging = Path(tempfile.mkdtemp(prefix=prefix, dir=self.out_dir.parent))
            # The lock is on the folder itself, so it never shows up among the outputs.
            self._lock_fd = os.open(self.staging, os.O_RDONLY)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            self._previous = self.previous_outputs()
        except OSError as e:
            self._cleanup()
            raise _os_error(e, self.out_dir) from e
        except BaseException:
            self._cleanup()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._cleanup()

    def _cleanup(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        if self.staging != Path() and self.staging.exists():
            shutil.rmtree(self.staging, ignore_errors=True)
        if self._old_handler is not None:
            signal.signal(signal.SIGTERM, self._old_handler)
            self._old_handler = None

    # -- what is ours

    def previous_outputs(self) -> set[str]:
        """Names in the output folder this case's previous build wrote, checked by hash."""
        folder = self.out_dir
        record_path = folder / self.json_name
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return set()
        if not isinstance(record, dict) or not isinstance(record.get("outputs"), list):
            return set()
        case = record.get("case")
        if not isinstance(case, dict) or case.get("id") != self.case_id:
            return set()
        tool = record.get("tool")
        if isinstance(tool, dict) and tool.get("name") == "evidencekit":
            self._recorded = {
                out["path"]: out["sha256"]
                for out in record["outputs"]
                if isinstance(out, dict)
                and isinstance(out.get("path"), str)
                and isinstance(out.get("sha256"), str)
            }
        orders = record.get("orders")
        self._orders = {
            o["id"] for o in orders or () if isinstance(o, dict) and isinstance(o.get("id"), str)
        }
        ours = {self.json_name}
        for out in record["outputs"]:
            if not isinstance(out, dict):
                continue
            name, sha = out.get("path"), out.get("sha256")
            if isinstance(name, str) and isinstance(sha, str) and self._is_ours(name, sha):
                ours.add(name)
        for extra in (f"{self.json_name}.tsr", f"{self.case_id}.history.jsonl"):
            ours.add(extra)
        ours.add(f"{self.case_id}.archive.zip")
        return {n for n in ours if self._safe_target(n)}

    def _safe_target(self, name: str) -> bool:
        if not plain_name(name):
            return False
        target = self.out_dir / name
        if target.is_symlink():
            return False
        resolved = target.resolve()
        return resolved.is_relative_to(self.out_dir.resolve()) and resolved not in self.protected

    def _is_ours(self, name: str, sha: str) -> bool:
        # Only names our builds make (case id first) or page images: a planted record cannot
        # make a build delete the user's other files, even with their true hash.
        shaped = (
            name.startswith(f"{self.case_id}.")
            or name.startswith(f"pages/{self.case_id}-")
            # per-order page images: pages/<order-id or common>/<case-id>-pNNN.jpg
            or (name.count("/") == 2 and name.split("/")[2].startswith(f"{self.case_id}-"))
            # per-order text fields: <order-id>.<field>.txt
            or (
                name.count(".") == 2
                and name.endswith(".txt")
                and name.split(".")[0] in self._orders
            )
        )
        if not (shaped and self._safe_target(name)):
            return False
        target = self.out_dir / name
        try:
            return target.is_file() and file_sha256(target) == sha
        except OSError:
            return False

    # -- staging

    def write(self, name: str, data: bytes) -> Path:
        """Stage one output file."""
        if not plain_name(name) or name.startswith(".") or name in self.written:
            msg = Msg("output.bad_name", name=name)
            raise OutputError(msg)
        target = self.out_dir / name
        if (self.out_dir / name).resolve() in self.protected or target.resolve() in self.protected:
            msg = Msg("output.would_overwrite_source", path=str(target))
            raise UsageError(msg)
        if (
            target.exists()
            and name not in self._previous
            and not self._mergeable(name)
            and not self._recorded_here(name)
        ):
            msg = Msg("output.foreign_file", path=str(target))
            raise UsageError(msg)
        path = self.staging / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("xb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(path, 0o644)
        except OSError as e:
            raise _os_error(e, self.out_dir) from e
        self.written.append(name)
        fault(f"staged:{name}")
        return path

    def _recorded_here(self, name: str) -> bool:
        """An output we write again that our previous record lists, unchanged since: ours,
        whatever shape an older version or a profile's upload name gave it. Only names this
        build writes qualify, so a planted record still cannot make a build remove a file."""
        sha = self._recorded.get(name)
        if sha is None or not self._safe_target(name):
            return False
        try:
            return file_sha256(self.out_dir / name) == sha
        except OSError:
            return False

    def _mergeable(self, name: str) -> bool:
        # A SHA256SUMS we can read is merged (other files' lines kept); any other is not ours.
        if name != "SHA256SUMS":
            return False
        try:
            return parse_sums((self.out_dir / name).read_text(encoding="utf-8")) is not None
        except (OSError, UnicodeDecodeError):
            return False

    def old_text(self, name: str) -> str:
        """Text of a previous output (history), '' when absent or not ours."""
        if name not in self._previous:
            return ""
        try:
            return (self.out_dir / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return ""

    def foreign_sums(self, ours: set[str]) -> list[tuple[str, str]]:
        """SHA256SUMS lines of files that are not ours (another case in the same folder)."""
        try:
            old = parse_sums((self.out_dir / "SHA256SUMS").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return []
        keep = []
        for name, sha in old or []:
            if name in ours or name in self._previous or not plain_name(name):
                continue
            if (self.out_dir / name).is_file():
                keep.append((name, sha))
        return keep

    # -- commit

    def commit(self) -> None:
        """Replace the previous set with the staged one (see the module docstring)."""
        try:
            self._commit()
        except OSError as e:
            raise _os_error(e, self.out_dir) from e

    def _carry_over(self) -> bool:
        """Hard-link every file that is not ours into staging; False when a swap cannot hold
        the folder (sub-folders that are not ours, links, or no hard links here)."""
        root = self.out_dir
        for entry in root.rglob("*"):
            rel = entry.relative_to(root).as_posix()
            if entry.is_symlink():
                return False
            if entry.is_dir():
                if rel != "pages":
                    return False
                continue
            if rel in self._previous or rel in self.written:
                continue
            dest = self.staging / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(entry, dest)
            except OSError:
                return False
        return True

    def _commit(self) -> None:
        root = self.out_dir
        # The new folder keeps the old one's permissions (mkdtemp makes it private).
        os.chmod(self.staging, stat.S_IMODE(root.stat().st_mode) if root.is_dir() else 0o755)
        if not root.exists():
            fault("commit")
            os.rename(self.staging, root)
            self.staging = Path()
            fault("swapped")
            return
        protected_inside = any(p.is_relative_to(root.resolve()) for p in self.protected)
        if not protected_inside and self._carry_over():
            fault("commit")
            swapped = _exchange(self.staging, root)
        else:
            swapped = False
        if swapped:
            fault("swapped")
            return  # the old set is now under the staging name; __exit__ deletes it
        # In place: undo any hard links, mark the commit, then move (JSON and sums last).
        for entry in sorted(self.staging.rglob("*"), reverse=True):
            rel = entry.relative_to(self.staging).as_posix()
            if entry.is_file() and rel not in self.written:
                entry.unlink()
        last = {self.json_name, "SHA256SUMS"}
        order = [n for n in self.written if n not in last] + [n for n in self.written if n in last]
        remove = sorted(self._previous - set(self.written))
        plan = json.dumps({"out_dir": str(root.resolve()), "move": order, "remove": remove})
        tmp = self.staging / (_COMMIT + ".tmp")
        tmp.write_text(plan, encoding="utf-8")
        os.replace(tmp, self.staging / _COMMIT)
        fault("commit")
        for n, name in enumerate(order):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.staging / name, root / name)
            if n == 0:
                fault("moved:first")
        for name in remove:
            (root / name).unlink(missing_ok=True)
        fault("swapped")


def threading_main() -> bool:
    """Signal handlers can only be set from the main thread."""
    import threading

    return threading.current_thread() is threading.main_thread()


def _os_error(e: OSError, out_dir: Path) -> EvidencekitError:
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        msg = Msg("output.disk_full", path=str(out_dir))
        return OutputError(msg)
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        msg = Msg("output.denied", path=str(out_dir), why=e.strerror)
        return UsageError(msg)
    msg = Msg("output.write_failed", path=str(out_dir), why=e.strerror or str(e))
    return OutputError(msg)
