"""The collect stage: hash every source file and establish its capture time."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from evidencekit.assets.captured import export_time
from evidencekit.assets.images import read_header
from evidencekit.assets.sources import SourceInfo, file_mtime, sha256_file
from evidencekit.errors import EvidenceError
from evidencekit.manifest import IMAGE_SUFFIXES
from evidencekit.messages import Msg
from evidencekit.model import Case, aware_in

if TYPE_CHECKING:  # the image jobs' module loads pikepdf and the layout: not needed here
    from evidencekit.assets.jobs import Progress


def collect(case: Case, tz: ZoneInfo, progress: Progress | None) -> dict[str, SourceInfo]:
    """Hash every source file and establish its capture time."""
    infos: dict[str, SourceInfo] = {}
    manifest_time = {
        f.rel: ex.captured_at for ex in case.exhibits if ex.captured_at for f in ex.files
    }
    exports = {
        x.rel
        for ex in case.exhibits
        for x in (ex.table_file, ex.events_file, ex.transcript_file)
        if x is not None
    }
    for ex in case.exhibits:  # an export's capture time is its exhibit's stated one
        for x in (ex.table_file, ex.events_file, ex.transcript_file):
            if x is not None and ex.captured_at:
                manifest_time.setdefault(x.rel, ex.captured_at)
    sources = case.sources()
    pixels = 0  # every image's stored pixels: a budget per case
    for n, sf in enumerate(sources, start=1):
        try:
            size = sf.path.stat().st_size
            digest = sha256_file(sf.path)
        except OSError as e:
            msg = Msg("file.unreadable", why=e.strerror)
            raise EvidenceError(msg, file=sf.rel, location=sf.location) from e
        when, how = manifest_time.get(sf.rel), "manifest"
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=tz)  # no offset: read in the case time zone
        if sf.path.suffix.lower() in IMAGE_SUFFIXES:
            try:
                pixels, header = read_header(sf.path, sf.rel, pixels, tz if when is None else None)
                if when is None:
                    when, how = header
            except EvidenceError as e:
                raise EvidenceError(e.message, file=sf.rel, location=sf.location) from e
        if when is None and sf.rel in exports and (found := export_time(sf.path, tz)):
            when, how = found
        if when is None:
            when, how = file_mtime(sf, tz), "file-mtime"
        infos[sf.rel] = SourceInfo(sf, size, digest, aware_in(when, tz), how)
        if progress:
            progress("hash", n, len(sources))
    return infos
