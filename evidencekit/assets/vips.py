"""PNG screenshots decoded and scaled by libvips: the only module that imports pyvips.

A phone screenshot (1080×2400 PNG) costs Pillow about 28 ms to decode and 16 ms to scale to
its printed size, and an iPhone's 30 ms more to convert from its Display P3 profile; libvips
does all of it in about 19-25 ms (libspng, SIMD resampling, lcms), so a case of 200
screenshots is prepared in half the time or less. Only the plainest files come here (8-bit RGB
or RGBA PNG, no colour key, no orientation, one frame; `images.plan_image` decides); the JPEG
is still encoded by Pillow, as every other image's is. Anything libvips is unsure of (a
warning, an unexpected band count or size) returns None, and the image takes Pillow's path,
which explains what is wrong with a damaged file.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any


@functools.cache
def _loaded() -> tuple[Any, int]:
    """pyvips and the process that set it up: one thread (the image jobs already run one
    process per core), no operation cache (each image is read once), only the PNG loader
    called by name."""
    try:
        import pyvips
    except (ImportError, OSError):  # no libvips here: Pillow prepares every image
        return None, os.getpid()
    pyvips.concurrency_set(1)
    pyvips.cache_set_max(0)
    pyvips.block_untrusted_set(True)
    return pyvips, os.getpid()


def _vips() -> Any:
    """pyvips for this process, or None. libvips keeps its worker threads between calls, and a
    forked process has none of them: libvips used in a process forked from one that used it
    waits for them forever. So the image jobs use it only in worker processes forked from one
    that never did (assets/jobs.py); this is the guard if that ever changes."""
    vips, pid = _loaded()
    return vips if pid == os.getpid() else None


def scaled_png(path: Path, size: tuple[int, int], source: tuple[int, int]) -> bytes | None:
    """The PNG at `path` (`source` pixels as its header gives them) as RGB bytes of `size`
    pixels, transparency flattened onto white, scaled with a linear (triangle) filter stretched
    over the reduction, as Pillow's BILINEAR is; or None to take Pillow's path."""
    vips = _vips()
    if vips is None or not _ends_whole(path):
        return None
    try:
        img = vips.Image.pngload(str(path), access="sequential", fail_on="warning")
        if (img.width, img.height) != source or img.format != "uchar" or img.bands not in (3, 4):
            return None
        if img.get_typeof("icc-profile-data"):
            # To sRGB as images._to_srgb does it: lcms, perceptual, no black point
            # compensation (an iPhone's Display P3: within one level of Pillow's result).
            img = img.icc_transform("srgb", embedded=True, intent="perceptual")
            if img.format != "uchar" or img.bands not in (3, 4):
                return None
        if img.bands == 4:
            img = img.flatten(background=[255, 255, 255])
            img = img.cast("uchar")
        if size != source:
            img = img.resize(size[0] / source[0], vscale=size[1] / source[1], kernel="linear")
        if (img.width, img.height) != size or img.bands != 3:
            return None
        data: bytes = img.write_to_memory()
    except vips.Error:
        return None
    return data


_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the PNG's closing chunk, with its CRC


def _ends_whole(path: Path) -> bool:
    """Whether the file ends with the PNG's closing chunk. libvips reads the pixels and stops;
    Pillow refuses a file cut short after them (Pillow's corpus: truncated_end_chunk.png), and
    a damaged file is refused whichever library would decode it."""
    try:
        with path.open("rb") as f:
            f.seek(-len(_IEND), os.SEEK_END)
            return f.read() == _IEND
    except OSError:
        return False
