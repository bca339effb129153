"""Place prepared images into the slots the layout reserved for them.

The dossier is laid out while its images are still being prepared: each image is a tiny
placeholder JPEG whose comment names the part it stands for. Here each placeholder XObject
is swapped for the prepared JPEG, its bytes as they are (DCTDecode: never decoded or
re-encoded); the drawing (`cm` matrix, box, border) stays the layout's own. Identical
images become one object.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from evidencekit.errors import RenderError

SLOT_MARK = b"evidencekit-slot:"  # the placeholder's JPEG comment: this, then the part name
_MAX_PLACEHOLDER_PX = 16


@dataclass(frozen=True)
class PreparedJpeg:
    """A prepared part: the baseline RGB JPEG file, its pixel size and content hash."""

    path: Path
    width: int
    height: int
    sha256: str


def slot_name(raw: bytes) -> str | None:
    """The part name in a placeholder JPEG's comment segment (the first COM), or None."""
    at = raw.find(b"\xff\xfe", 2, 512)  # the placeholder's comment comes right after SOI
    if at < 0:
        return None
    size = int.from_bytes(raw[at + 2 : at + 4], "big")
    body = raw[at + 4 : at + 2 + size]
    if not body.startswith(SLOT_MARK):
        return None
    return body[len(SLOT_MARK) :].decode("utf-8", "replace")


def _placeholder(obj: object) -> str | None:
    if not isinstance(obj, pikepdf.Stream):
        return None
    if obj.get("/Subtype") != pikepdf.Name.Image or obj.get("/Filter") != pikepdf.Name.DCTDecode:
        return None
    width, height = obj.get("/Width"), obj.get("/Height")
    if not (isinstance(width, int) and isinstance(height, int)):
        return None
    if max(width, height) > _MAX_PLACEHOLDER_PX:
        return None  # a real image: not read
    return slot_name(obj.read_raw_bytes())


def swap_placeholders(pdf: pikepdf.Pdf, images: dict[str, PreparedJpeg]) -> None:
    """Swap every placeholder for its prepared JPEG, on an open PDF (saved by the caller,
    once, with its other changes). A placeholder naming no prepared image is an internal error
    (RenderError): it would print as a grey box."""
    if not images:
        return
    shared: dict[str, pikepdf.Object] = {}  # sha256 -> the one image object
    names: dict[tuple[int, int], str | None] = {}  # placeholder objgen -> part name
    for obj in list(pdf.objects):
        if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            continue
        for holder in (obj, obj.get("/Resources")):
            xobjects = holder.get("/XObject") if holder is not None else None
            if not isinstance(xobjects, pikepdf.Dictionary):
                continue
            for key in list(xobjects.keys()):
                x = xobjects[key]
                og = x.objgen
                if og not in names or og == (0, 0):
                    names[og] = _placeholder(x)
                name = names[og]
                if name is None:
                    continue
                img = images.get(name)
                if img is None:
                    msg = f"the layout has a slot for image part {name!r}, which was not made"
                    raise RenderError(msg)
                if img.sha256 not in shared:
                    data = img.path.read_bytes()
                    if hashlib.sha256(data).hexdigest() != img.sha256:
                        # The evidence JSON records the hash of each embedded part: it must be
                        # the bytes embedded, even when the cache folder was damaged or altered.
                        msg = (
                            f"the prepared image {img.path} does not match its record (damaged "
                            f"or altered): delete the folder {img.path.parent} and build again"
                        )
                        raise RenderError(msg)
                    stream = pikepdf.Stream(pdf, data)
                    stream.Type = pikepdf.Name.XObject
                    stream.Subtype = pikepdf.Name.Image
                    stream.Width = img.width
                    stream.Height = img.height
                    stream.ColorSpace = pikepdf.Name.DeviceRGB
                    stream.BitsPerComponent = 8
                    stream.Filter = pikepdf.Name.DCTDecode
                    # As the layout drew it (CSS image-rendering), like every other key.
                    stream.Interpolate = bool(x.get("/Interpolate", False))
                    shared[img.sha256] = pdf.make_indirect(stream)
                xobjects[key] = shared[img.sha256]
