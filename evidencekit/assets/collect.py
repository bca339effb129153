"""The collect stage: hash every source file and establish its capture time."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from evidencekit.assets.hashcache import StatCache
from evidencekit.assets.sources import MAX_CASE_PIXELS, SourceInfo, file_mtime
from evidencekit.errors import EvidenceError
from evidencekit.manifest import IMAGE_SUFFIXES
from evidencekit.messages import Msg
from evidencekit.model import Case, SourceFile, aware_in

if TYPE_CHECKING:  # the image jobs' module loads pikepdf and the layout: not needed here
    import os

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
    cache = StatCache(case.root)  # unchanged files are not read again
    pixels = 0  # every image's stored pixels: a budget per case
    for n, sf in enumerate(sources, start=1):
        try:
            digest, st = cache.sha256(sf.path)
        except OSError as e:
            msg = Msg("file.unreadable", why=e.strerror)
            raise EvidenceError(msg, file=sf.rel, location=sf.location) from e
        when, how = manifest_time.get(sf.rel), "manifest"
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=tz)  # no offset: read in the case time zone
        if sf.path.suffix.lower() in IMAGE_SUFFIXES:
            pixels, header_time, header_how = _header(cache, sf, st, pixels, tz, when is None)
            if when is None:
                when, how = header_time, header_how
        if when is None and sf.rel in exports and (found := _export_time(cache, sf, st, tz)):
            when, how = found
        if when is None:
            when, how = file_mtime(sf, tz), "file-mtime"
        infos[sf.rel] = SourceInfo(sf, st.st_size, digest, aware_in(when, tz), how)
        if progress:
            progress("hash", n, len(sources))
    cache.save()
    return infos


def _header(
    cache: StatCache, sf: SourceFile, st: os.stat_result, spent: int, tz: ZoneInfo, timed: bool
) -> tuple[int, datetime | None, str]:
    """(pixels so far, capture time, how) from the image's header, or from the stat cache."""
    zone = tz.key if timed else ""  # the capture time is read (in tz) only when needed
    kept = cache.facts(sf.path, st, "header", zone)  # [pixels, time or None, how]
    if _valid_header(kept) and spent + kept[0] <= MAX_CASE_PIXELS:
        with contextlib.suppress(ValueError, OverflowError):  # not a time: read the file
            return spent + kept[0], _time_back(kept[1], tz), kept[2]
    # Over the budget, or not kept: the header reader says so (and names the file).
    from evidencekit.assets.images import read_header  # Pillow: only for files not kept

    try:
        total, (when, how) = read_header(sf.path, sf.rel, spent, tz if timed else None)
    except EvidenceError as e:
        raise EvidenceError(e.message, file=sf.rel, location=sf.location) from e
    cache.keep_facts(sf.path, st, "header", zone, [total - spent, _time_kept(when), how])
    return total, when, how


def _valid_header(kept: object) -> bool:
    return (
        isinstance(kept, list)
        and len(kept) == 3
        and type(kept[0]) is int
        and kept[0] >= 0
        and isinstance(kept[2], str)
    )


def _export_time(
    cache: StatCache, sf: SourceFile, st: os.stat_result, tz: ZoneInfo
) -> tuple[datetime, str] | None:
    """An export's own time (its properties, a line it states, its name), or from the cache."""
    kept = cache.facts(sf.path, st, "export", tz.key)  # [time, how], or [] for none
    if kept == []:
        return None  # read before: it states no time
    if isinstance(kept, list) and len(kept) == 2 and isinstance(kept[1], str):
        with contextlib.suppress(ValueError, OverflowError):  # not a time: read the file
            when = _time_back(kept[0], tz)
            if when is not None:
                return when, kept[1]
    from evidencekit.assets.captured import export_time  # reads the export: only when not kept

    found = export_time(sf.path, tz)
    value = [_time_kept(found[0]), found[1]] if found else []
    cache.keep_facts(sf.path, st, "export", tz.key, value)
    return found


def _time_kept(when: datetime | None) -> list[object] | None:
    """A time as JSON: ISO 8601, and whether it was in the case zone (not a fixed offset)."""
    return None if when is None else [when.isoformat(), isinstance(when.tzinfo, ZoneInfo)]


def _time_back(kept: object, tz: ZoneInfo) -> datetime | None:
    """The time _time_kept wrote, equal to the one read (its zone included); ValueError for
    anything else."""
    if kept is None:
        return None
    if not (
        isinstance(kept, list)
        and len(kept) == 2
        and isinstance(kept[0], str)
        and isinstance(kept[1], bool)
    ):
        raise ValueError(kept)
    when = datetime.fromisoformat(kept[0])
    if when.utcoffset() is None:
        raise ValueError(kept)  # only aware times are kept
    return when.astimezone(tz) if kept[1] else when
