"""The case register: every build and archive recorded, searchable, with deadlines and outcomes."""

from __future__ import annotations

from evidencekit.register.cases import (
    CaseSummary,
    Register,
    StatRow,
    VerifyResult,
    open_register,
    record_result,
)
from evidencekit.register.db import OPEN, STATUSES
from evidencekit.register.db import is_off as register_off

__all__ = [
    "OPEN",
    "STATUSES",
    "CaseSummary",
    "Register",
    "StatRow",
    "VerifyResult",
    "open_register",
    "record_result",
    "register_off",
]
