"""Where evidencekit keeps what it can make again (prepared images, OCR results, file hashes):
EVIDENCEKIT_CACHE_DIR ('off': nothing kept), else the user cache folder."""

from __future__ import annotations

import os
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
