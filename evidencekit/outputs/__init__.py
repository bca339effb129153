"""Outputs: atomic writes, the evidence JSON, SHA256SUMS."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidencekit.messages import Msg


@dataclass(frozen=True)
class PageImageOptions:
    """`--page-images`: every page as an image (here, not in page_images: the command line
    and the build key need it without loading Pillow and the rasteriser)."""

    wanted: bool = False
    format: str = "jpeg"  # jpeg | png
    dpi: int = 150


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside path, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def dump_json(data: Any) -> bytes:
    """Stable, readable JSON (sorted keys, UTF-8, trailing newline)."""
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def sha256sums(entries: list[tuple[str, str]]) -> bytes:
    """`sha256sum -c` format: '<hex>  <name>' per line, in the given order."""
    return "".join(f"{sha}  {name}\n" for name, sha in entries).encode()


def tsa_url_problem(url: str) -> str | None:
    """Why `url` cannot be a TSA URL (only http and https with a host), or None."""
    try:
        parts = urllib.parse.urlsplit(url)
        _ = parts.port  # raises on a bad port
    except ValueError as e:
        return Msg("tsa.bad_url", url=url, why=str(e))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Msg("tsa.not_http", url=url)
    return None
