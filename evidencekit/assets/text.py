"""Text files (Markdown statements, CSV exports): decode with the encodings merchants meet."""

from __future__ import annotations

import codecs
from pathlib import Path

# Tried in order. GB18030 is a superset of GBK and GB2312 (Taobao/JD back-office exports).
_ENCODINGS = ("utf-8", "gb18030")


def _utf16_without_bom(data: bytes) -> str | None:
    # Excel's "Unicode text" is UTF-16 LE; without a BOM, ASCII-heavy text shows NULs on
    # every other byte. Only then is UTF-16 tried.
    if len(data) < 4 or len(data) % 2:
        return None
    odd_nuls = data[1::2].count(0) / (len(data) / 2)
    even_nuls = data[0::2].count(0) / (len(data) / 2)
    for enc, share in (("utf-16-le", odd_nuls), ("utf-16-be", even_nuls)):
        if share > 0.3:
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                return None
    return None


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes; return (text, encoding). Raise ValueError when no encoding fits."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    text = _utf16_without_bom(data)
    if text is not None:
        return text, "utf-16"
    for enc in _ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    msg = (
        "cannot decode the text: it is neither UTF-8, UTF-16 nor GBK/GB18030; "
        "save it as UTF-8 (Excel: Save As → CSV UTF-8)"
    )
    raise ValueError(msg)


def read_text(path: Path) -> str:
    """Read a text file in any of the supported encodings, with normalised line ends."""
    text, _ = decode_text(path.read_bytes())
    return text.replace("\r\n", "\n").replace("\r", "\n")
