"""Source files: streamed SHA-256, size, and the capture time with how it was established."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from evidencekit.model import SourceFile, require_aware

# Stored pixels of all images of one case (800 × 12 MP); here rather than with the header reader
# (assets.images) so collect can check it for images it does not open again (stat cache).
MAX_CASE_PIXELS = 10_000_000_000


@dataclass(frozen=True)
class SourceInfo:
    """What the integrity appendix and the evidence JSON record for one source file."""

    file: SourceFile
    size: int
    sha256: str
    captured_at: datetime | None
    captured_how: str  # manifest | exif | png-metadata | file-mtime | unknown

    def __post_init__(self) -> None:
        require_aware(self.captured_at, f"{self.file.rel}: capture time")


def sha256_file(path: object) -> str:
    """SHA-256 of a file, streamed."""
    with open(path, "rb") as fh:  # type: ignore[call-overload]
        return hashlib.file_digest(fh, "sha256").hexdigest()


def file_mtime(sf: SourceFile, tz: ZoneInfo) -> datetime:
    """The file's modification time in the case time zone (weak: copying changes it)."""
    return (
        datetime.fromtimestamp(sf.path.stat().st_mtime, UTC).astimezone(tz).replace(microsecond=0)
    )
