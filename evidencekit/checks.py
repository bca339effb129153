"""Cross-checks a reviewer would make: the evidence a dispute reason calls for."""

from __future__ import annotations

from evidencekit.model import Profile

REASON_LABELS = {
    "not_received": ("未收到货", "not received"),
    "not_as_described": ("与描述不符", "not as described"),
    "fraud": ("虚假交易/欺诈", "fraud / fake transaction"),
}


def reason_class(profile: Profile, reason: str | None) -> str | None:
    """The profile's reason class (not_received, ...) whose words appear in the reason."""
    if not reason:
        return None
    text = reason.lower()
    for cls, words in profile.reasons.items():
        if any(w.lower() in text for w in words):
            return cls
    return None


def missing_expected(profile: Profile, reason: str | None, kinds: set[str]) -> list[str]:
    """Evidence kinds the profile expects for this dispute reason that the case lacks."""
    cls = reason_class(profile, reason)
    if cls is None:
        return []
    return [k for k in profile.expected.get(cls, []) if k not in kinds]


def describe_reason(cls: str, language: str) -> str:
    zh, en = REASON_LABELS.get(cls, (cls, cls.replace("_", " ")))
    return zh if language == "zh-CN" else en
