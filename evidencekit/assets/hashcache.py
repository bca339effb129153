"""The stat cache: a file's SHA-256 (and what collect read from its header) kept between builds,
so an unchanged file is not read again.

A file counts as unchanged when its resolved path, size, st_mtime_ns, st_ctime_ns, inode and
device are those it had when it was hashed (git's rule: the ctime changes with every write and
cannot be set by a user, so content rewritten under a restored mtime is still seen). An entry is
kept only for a file whose times lie well before the hashing ("racily clean" in git's words: a
write in the same clock tick would leave every stat field as it was). One JSON file per case
folder or output folder under the user cache dir (EVIDENCEKIT_CACHE_DIR; 'off': none), written
atomically; a missing, corrupt or foreign file is ignored and written afresh. When in doubt,
hash: the cache can only save reading a file, never change what a build records.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from evidencekit import __version__
from evidencekit.assets.sources import sha256_file
from evidencekit.caches import cache_dir

FORMAT = "evidencekit-stat-cache-1"
# A file changed less than this before it was hashed is hashed again next time: a write in the
# same timestamp tick (coarse kernel clocks, 2 s on FAT) would not change its stat fields.
RACY_NS = 2_000_000_000


def cache_root() -> Path | None:
    """Beside the image and OCR caches (EVIDENCEKIT_CACHE_DIR; 'off': none)."""
    return cache_dir("hashes")


def _stat_key(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


class StatCache:
    """The entries of one folder (a case's sources, or a build's outputs) by resolved path."""

    def __init__(self, folder: Path) -> None:
        root = cache_root()
        name = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:32]
        self.file = root / f"{name}.json" if root is not None else None
        self.old: dict[str, Any] = self._load()
        self.new: dict[str, Any] = {}  # this build's entries: only these are written back
        self.dirty = False

    def _load(self) -> dict[str, Any]:
        if self.file is None:
            return {}
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return {}  # none yet, unreadable or not JSON: start afresh
        if (
            not isinstance(data, dict)
            or data.get("format") != FORMAT
            or data.get("version") != __version__  # another version may read headers otherwise
            or not isinstance(data.get("entries"), dict)
        ):
            return {}
        return data["entries"]

    def _entry(self, path: Path, st: os.stat_result) -> dict[str, Any] | None:
        """The kept entry for path when the file is as it was; else None."""
        key = str(path)
        entry = self.new.get(key) or self.old.get(key)
        if (
            isinstance(entry, dict)
            and entry.get("stat") == _stat_key(st)
            and isinstance(entry.get("sha256"), str)
            and len(entry["sha256"]) == 64
        ):
            if key not in self.new:
                self.new[key] = entry
            return entry
        return None

    def sha256(self, path: Path) -> tuple[str, os.stat_result]:
        """The file's SHA-256 and its stat (OSError when it cannot be read)."""
        st = os.stat(path)  # before reading: a write during the hashing changes it for next time
        entry = self._entry(path, st)
        if entry is not None:
            return entry["sha256"], st
        started = time.time_ns()
        digest = sha256_file(path)
        if started - max(st.st_mtime_ns, st.st_ctime_ns) > RACY_NS:
            self.new[str(path)] = {"stat": _stat_key(st), "sha256": digest}
        else:
            self.new.pop(str(path), None)
        self.dirty = True
        return digest, st

    def facts(self, path: Path, st: os.stat_result, name: str, tz: str) -> Any:
        """What was read from the file under name (for the time zone tz), or None."""
        entry = self._entry(path, st)
        found = entry.get(name) if entry is not None else None
        if isinstance(found, dict) and found.get("tz") == tz and "value" in found:
            return found["value"]
        return None

    def keep_facts(self, path: Path, st: os.stat_result, name: str, tz: str, value: Any) -> None:
        """Keep what was read from the file (JSON data), beside its hash."""
        entry = self._entry(path, st)
        if entry is not None:  # a racily clean or changed file has none: read it again
            self.new[str(path)] = {**entry, name: {"tz": tz, "value": value}}
            self.dirty = True

    def save(self) -> None:
        """Write this build's entries (files it did not look at are dropped); failures ignored."""
        if self.file is None or not self.dirty:
            return
        data = {"format": FORMAT, "version": __version__, "entries": self.new}
        with contextlib.suppress(OSError):
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.file.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
                os.replace(tmp, self.file)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        self.dirty = False
