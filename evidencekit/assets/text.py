"""Text files (Markdown statements, CSV exports): decode with the encodings merchants meet."""

from __future__ import annotations

import codecs
from pathlib import Path

# Tried in order. GB18030 is a superset of GBK and GB2312 (Taobao/JD back-office exports).
_ENCODINGS = ("utf-8", "gb18030")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes; return (text, encoding). Raise ValueError when no encoding fits."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    for enc in _ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    msg = "cannot decode the text: it is neither UTF-8, UTF-16 nor GBK/GB18030; save it as UTF-8"
    raise ValueError(msg)


def read_text(path: Path) -> str:
    """Read a text file in any of the supported encodings, with normalised line ends."""
    text, _ = decode_text(path.read_bytes())
    return text.replace("\r\n", "\n").replace("\r", "\n")
