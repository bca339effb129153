"""Where evidencekit keeps what it can make again (prepared images, OCR results, file hashes):
EVIDENCEKIT_CACHE_DIR ('off': nothing kept), else the user cache folder."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path


def cache_dir(kind: str) -> Path | None:
    """The folder for one kind of cached thing; None when caching is off."""
    configured = os.environ.get("EVIDENCEKIT_CACHE_DIR")
    if configured == "off":
        return None
    if configured:
        return Path(configured) / kind
    import platformdirs  # only when no folder is configured

    return Path(platformdirs.user_cache_dir("evidencekit")) / kind


def put_entry(tmp: Path, folder: Path, whole: Callable[[Path], bool]) -> None:
    """Move an entry written whole in `tmp` (a folder beside `folder`) into place in one step.
    One already there is kept when `whole(folder)` says it is (another build made it
    meanwhile), else replaced (damaged: renamed away first, as another build may be reading
    it). `tmp` is gone afterwards; nothing is raised: a cache that cannot be written costs the
    next build time, no more."""
    with contextlib.suppress(OSError):
        tmp.rename(folder)
        return
    if not whole(folder):
        aside = folder.with_name(f".broken-{os.getpid()}-{folder.name}")
        with contextlib.suppress(OSError):
            folder.rename(aside)
            shutil.rmtree(aside, ignore_errors=True)
        with contextlib.suppress(OSError):
            tmp.rename(folder)
    shutil.rmtree(tmp, ignore_errors=True)
