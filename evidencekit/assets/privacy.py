"""Masking of personal data before the renderer sees it (case.privacy)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from evidencekit.model import Privacy

# Digit runs are bounded on both sides, so a 19-digit order number never looks like a phone.
_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "id_card": (
        re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])"),
        r"\1********\2",
    ),
    "phone": (
        re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)"),
        r"\1****\3",
    ),
    "email": (
        re.compile(
            r"(?<![\w.+-])([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
        ),
        r"\1***@\2",
    ),
}


@dataclass
class Masker:
    """Applies the manifest's privacy rules and counts what it changed."""

    privacy: Privacy | None
    counts: Counter[str] = field(default_factory=Counter)

    def text(self, value: str) -> str:
        """Mask the enabled patterns in a piece of text."""
        if not self.privacy or not value:
            return value
        for rule in ("id_card", "phone", "email"):
            if rule in self.privacy.mask:
                pattern, repl = _RULES[rule]
                value, n = pattern.subn(repl, value)
                if n:
                    self.counts[rule] += n
        return value

    def spans(self, value: str) -> list[tuple[str, int, int, str]]:
        """Where the enabled rules and mask_terms match in one line of text (e.g. read off a
        screenshot): (rule, start, end, masked text), in order, never overlapping."""
        if not self.privacy or not value:
            return []
        found: list[tuple[str, int, int, str]] = []
        for rule in ("id_card", "phone", "email"):
            if rule in self.privacy.mask:
                pattern, repl = _RULES[rule]
                for m in pattern.finditer(value):
                    found.append((rule, m.start(), m.end(), m.expand(repl)))
        folded = value.casefold()
        for term in self.privacy.mask_terms:
            needle = term.casefold()
            start = folded.find(needle)
            while needle and start >= 0:
                found.append(("term", start, start + len(needle), "＊" * len(term)))
                start = folded.find(needle, start + len(needle))
        found.sort(key=lambda f: (f[1], -f[2]))
        kept: list[tuple[str, int, int, str]] = []
        for f in found:
            if not kept or f[1] >= kept[-1][2]:
                kept.append(f)
                self.counts[f[0]] += 1
        return kept

    def column(self, name: str, value: str) -> str:
        """Mask a whole cell when its column is listed in mask_columns."""
        if self.privacy and name in self.privacy.mask_columns and value:
            self.counts[f"column:{name}"] += 1
            return "＊" * min(max(len(value) // 2, 3), 8)
        return self.text(value)
