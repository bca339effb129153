"""One exception hierarchy; only cli.py turns these into messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass

from evidencekit.messages import Msg, Text, localize


@dataclass(frozen=True)
class Problem:
    """One finding about the manifest or its evidence, located as precisely as we can."""

    message: str  # a Msg where the message comes from the catalogue
    path: str = ""  # manifest path, e.g. evidence[2].files[0]
    file: str = ""  # manifest file name as the user wrote it
    line: int = 0  # 1-based; 0 when unknown
    col: int = 0
    hint: str = ""
    severity: str = "error"  # error | warning

    def format(self, lang: str = "en") -> str:
        """The problem as one line (plus a hint line) in lang; the location stays as it is."""
        where = self.file
        if self.line:
            where += f":{self.line}:{self.col}"
        parts = [p for p in (where, self.path) if p]
        text = ": ".join([*parts, localize(self.message, lang)])
        if self.severity == "warning":
            text = Msg("frame.warning", text=text).render(lang)
        if self.hint:
            text += "\n    " + Msg("frame.hint", text=self.hint).render(lang)
        return text

    def text(self) -> Text:
        """format() as a message that cli.py renders in the case's language."""
        return _ProblemText(self)


class _ProblemText(Text):
    problem: Problem

    def __new__(cls, problem: Problem) -> _ProblemText:
        self = super().__new__(cls, problem.format())
        self.problem = problem
        return self

    def render(self, lang: str) -> str:
        return self.problem.format(lang)

    def __reduce__(self) -> tuple[object, ...]:
        return (_ProblemText, (self.problem,))


class EvidencekitError(Exception):
    """Base of every error the tool reports to the user."""

    exit_code = 70

    def render(self, lang: str) -> str:
        """The error's text in lang (zh-CN or en)."""
        return localize(self.args[0], lang) if len(self.args) == 1 else str(self)


class ManifestError(EvidencekitError):
    """The manifest (or evidence it names) is invalid; carries every problem found."""

    exit_code = 1

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(p.format() for p in problems))

    def render(self, lang: str) -> str:
        return "\n".join(p.format(lang) for p in self.problems)


class EvidenceError(EvidencekitError):
    """A source file could not be read or processed."""

    exit_code = 1

    def __init__(self, message: str, *, file: str = "", location: str = "") -> None:
        self.file = file
        self.location = location
        self.message = message
        where = ": ".join(x for x in (location, file) if x)
        super().__init__(f"{where}: {message}" if where else message)

    def render(self, lang: str) -> str:
        where = ": ".join(x for x in (self.location, self.file) if x)
        text = localize(self.message, lang)
        return f"{where}: {text}" if where else text


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
