"""One exception hierarchy; only cli.py turns these into messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One finding about the manifest or its evidence, located as precisely as we can."""

    message: str
    path: str = ""  # manifest path, e.g. evidence[2].files[0]
    file: str = ""  # manifest file name as the user wrote it
    line: int = 0  # 1-based; 0 when unknown
    col: int = 0
    hint: str = ""
    severity: str = "error"  # error | warning

    def format(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.col}"
        parts = [p for p in (where, self.path) if p]
        text = ": ".join([*parts, self.message])
        if self.severity == "warning":
            text = f"warning: {text}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class EvidencekitError(Exception):
    """Base of every error the tool reports to the user."""

    exit_code = 70


class ManifestError(EvidencekitError):
    """The manifest (or evidence it names) is invalid; carries every problem found."""

    exit_code = 1

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(p.format() for p in problems))


class EvidenceError(EvidencekitError):
    """A source file could not be read or processed."""

    exit_code = 1

    def __init__(self, message: str, *, file: str = "", location: str = "") -> None:
        self.file = file
        self.location = location
        where = ": ".join(x for x in (location, file) if x)
        super().__init__(f"{where}: {message}" if where else message)


class LimitError(EvidencekitError):
    """A platform limit could not be met."""

    exit_code = 3


class RenderError(EvidencekitError):
    """The renderer failed (a bug or an unusable environment)."""

    exit_code = 70


class InternalError(EvidencekitError):
    """A broken invariant inside evidencekit (a bug), e.g. a naive time past the manifest."""

    exit_code = 70


class UsageError(EvidencekitError):
    """The command was used wrongly (e.g. a target that exists and would be overwritten)."""

    exit_code = 2


class RegisterError(EvidencekitError):
    """The case register cannot be opened or does not hold what was asked for."""

    exit_code = 1
