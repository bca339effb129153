"""Text files (Markdown statements, CSV exports): decode with the encodings merchants meet.

UTF-8 and byte-order marks are certain. Anything else is a guess, and the guess is said:
`Decoded.guessed` lets the manifest stage warn with the file and the encoding it chose.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from evidencekit.messages import Msg

# Legacy encodings merchants' exports come in: GB18030 (a superset of GBK and GB2312: Taobao,
# JD, Alipay back offices), Big5 (Taiwan, Hong Kong), Shift-JIS (Japan), cp1252 (Western
# Excel "CSV" and most Western back offices). The order breaks ties: Chinese first.
CANDIDATES = ("gb18030", "big5", "shift_jis", "cp1252")
_SAMPLE = 256 * 1024  # bytes scored per candidate; the whole file is then decoded strictly


MIN_PLAUSIBLE = 0.5  # below this share of plausible characters, no guess is made
_WESTERN_SYMBOLS = set("€“”‘’–—…«»°£§©®™•±×÷¢¥µ¶·¹²³¼½¾¿¡ªº")
_WORD_START = set(" ,;\t\n\"'(-/") | {""}


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, with the encoding used and whether it was guessed."""

    text: str
    encoding: str
    guessed: bool


def check_encoding(name: str) -> str:
    """The codec's canonical name; ValueError for an unknown encoding."""
    try:
        return codecs.lookup(name).name
    except LookupError as e:
        msg = Msg("text.unknown_encoding", name=name)
        raise ValueError(msg) from e


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


def _plausible(text: str, encoding: str) -> float:
    """Share of the non-ASCII characters that are what real text in `encoding` is made of.

    charset-normalizer cannot tell short samples apart (`Åsa` in cp1252 is a valid Big5
    `彎a`, `Müller` a valid GBK `M黮ler`): each legacy encoding has a common core (GB2312's
    level-1 hanzi, Big5's frequent characters, JIS level-1 kanji and kana, accented Latin
    letters inside words) that mis-decoded bytes rarely land in.
    """
    good = total = 0
    prev = ""
    for ch in text:
        if ch < "\x80":
            prev = ch
            continue
        total += 1
        cat = unicodedata.category(ch)
        if encoding == "cp1252":
            # Accented letters inside or at the start of words, and the usual symbols;
            # ÿ (0xFF) is what binary junk decodes to, and almost never real.
            ok = ch in _WESTERN_SYMBOLS or (
                cat.startswith("L") and ch != "ÿ" and (prev.isalpha() or prev in _WORD_START)
            )
        elif "\uff61" <= ch <= "\uff9f":  # half-width kana: what Latin bytes become in Shift-JIS
            ok = False
        elif cat.startswith("P") or cat == "Zs" or "\u3000" <= ch <= "\u303f" or ch >= "\uff00":
            ok = True
        else:
            try:
                raw = ch.encode(encoding)
            except UnicodeEncodeError:
                raw = b""
            if encoding == "gb18030":
                ok = len(raw) == 2 and 0xB0 <= raw[0] <= 0xD7 and raw[1] >= 0xA1
            elif encoding == "big5":
                ok = len(raw) == 2 and 0xA4 <= raw[0] <= 0xC6 and (raw[0], raw[1]) <= (0xC6, 0x7E)
            else:  # shift_jis: kana, level-1 kanji
                ok = "\u3040" <= ch <= "\u30ff" or (len(raw) == 2 and 0x88 <= raw[0] <= 0x98)
        good += ok
        prev = ch
    return good / total if total else 0.0


def _guess(data: bytes) -> str | None:
    """The most plausible legacy encoding for bytes that are not UTF-8, or None."""
    from charset_normalizer import from_bytes

    # Score the text from the line holding the first non-ASCII byte: ASCII tells nothing.
    first = re.search(rb"[\x80-\xff]", data)
    start = data.rfind(b"\n", 0, first.start()) + 1 if first else 0
    sample = data[start : start + _SAMPLE]
    if len(data) > start + _SAMPLE:  # cut at a line end so no character is split
        cut = sample.rfind(b"\n")
        sample = sample[: cut + 1] if cut > 0 else sample
    chaos: dict[str, float] = {}
    for match in from_bytes(sample, cp_isolation=list(CANDIDATES)):
        name = codecs.lookup(match.encoding).name
        if name in CANDIDATES:
            chaos[name] = match.chaos
    for enc in CANDIDATES:  # charset-normalizer leaves out some that decode; score them too
        if enc not in chaos:
            try:
                sample.decode(enc)
            except UnicodeDecodeError:
                continue
            chaos[enc] = 0.5
    scored = []
    for enc, mess in chaos.items():
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        plausible = _plausible(text, enc)
        if plausible >= MIN_PLAUSIBLE:
            scored.append((mess - plausible, CANDIDATES.index(enc), enc))
    for _, _, enc in sorted(scored):
        try:
            data.decode(enc)
        except UnicodeDecodeError:
            continue
        return enc
    return None


def decode(data: bytes, encoding: str | None = None) -> Decoded:
    """Decode bytes with `encoding`, or detect it; ValueError when nothing fits."""
    if encoding:
        name = check_encoding(encoding)
        if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
            name = "utf-8-sig"
        try:
            text = data.decode(name)
        except UnicodeDecodeError as e:
            line = data[: e.start].count(b"\n") + 1
            msg = Msg("text.cannot_decode_as", name=name, line=line, byte=e.start)
            raise ValueError(msg) from e
        return Decoded(text.lstrip("\ufeff"), name, False)
    if data.startswith(codecs.BOM_UTF8):
        try:
            return Decoded(data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig", False)
        except UnicodeDecodeError as e:
            msg = Msg("text.bad_utf8_bom", byte=e.start + 3)
            raise ValueError(msg) from e
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(data.decode("utf-16"), "utf-16", False)
        except UnicodeDecodeError as e:
            msg = Msg("text.bad_utf16_bom", byte=e.start)
            raise ValueError(msg) from e
    try:
        return Decoded(data.decode("utf-8"), "utf-8", False)
    except UnicodeDecodeError:
        pass
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return Decoded(utf16, "utf-16", True)
    enc = _guess(data)
    if enc is None:
        msg = Msg("text.cannot_decode")
        raise ValueError(msg)
    return Decoded(data.decode(enc), enc, True)


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode bytes; return (text, encoding). Raise ValueError when no encoding fits."""
    d = decode(data, encoding)
    return d.text, d.encoding


def guess_note(rel: str, encoding: str) -> str:
    """The warning shown when a file's encoding was detected rather than certain."""
    return Msg("text.guessed", file=rel, encoding=encoding)


def read_text(path: Path) -> str:
    """Read a text file in any of the supported encodings, with normalised line ends."""
    text, _ = decode_text(path.read_bytes())
    return text.replace("\r\n", "\n").replace("\r", "\n")
