"""Render the dossier: template lookup (user folder first, packaged last), Jinja2 → HTML."""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox
from markupsafe import Markup

from evidencekit.errors import EvidenceError, EvidencekitError, RenderError
from evidencekit.i18n import t
from evidencekit.messages import Msg

PAPER_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
MARGIN_MM = {"top": 20.0, "bottom": 20.0, "side": 16.0}


def packaged_templates() -> Path:
    """The templates folder: inside the wheel, or the repository's top-level one when editable."""
    inside = resources.files("evidencekit").joinpath("templates")
    if inside.is_dir():
        return Path(str(inside))
    return Path(__file__).resolve().parents[2] / "templates"


def content_box_mm(paper: str) -> tuple[float, float]:
    """Width and height of the page area between the margins."""
    w, h = PAPER_MM.get(paper, PAPER_MM["A4"])
    return w - 2 * MARGIN_MM["side"], h - MARGIN_MM["top"] - MARGIN_MM["bottom"]


def css_string(value: object) -> Markup:
    """A CSS string literal, safe whatever the value holds."""
    text = str(value)
    out = "".join(c if c.isalnum() or c in " -_.,:/()" else f"\\{ord(c):x} " for c in text)
    return Markup(f'"{out}"')


class TemplateRefused(jinja2.TemplateError):
    """A template name or file that lies outside the case folder."""


def _check_name(name: str) -> list[str]:
    """The parts of a template name, refusing absolute names, `..`, backslashes and NULs."""
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\0" in name
        or any(p in ("", ".", "..") for p in parts)
    ):
        msg = Msg("template.bad_name", name=name)
        raise TemplateRefused(msg)
    return parts


class CaseTemplateLoader(jinja2.BaseLoader):
    """A case's `templates/` folder: plain names only, every file contained in the case folder.

    Jinja's FileSystemLoader follows symlinks anywhere, so user files are looked up here.
    """

    def __init__(self, folder: Path, root: Path) -> None:
        self.folder = folder
        self.root = root.resolve()

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        path = self.folder.joinpath(*_check_name(template))
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        real = path.resolve()
        if not real.is_relative_to(self.root):
            msg = Msg("template.outside", name=template)
            raise TemplateRefused(msg)
        try:
            source = real.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            msg = Msg("template.not_utf8", name=template, why=str(e))
            raise TemplateRefused(msg) from e
        mtime = real.stat().st_mtime
        return source, str(path), lambda: real.is_file() and real.stat().st_mtime == mtime


class _PackagedLoader(jinja2.FileSystemLoader):
    """The packaged templates, with the same name rules as the case's."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        _check_name(template)
        return super().get_source(environment, template)


def make_env(user_dir: Path | None) -> jinja2.Environment:
    """Sandboxed Jinja2 environment: autoescaped, StrictUndefined, user templates (contained
    in the case folder, the parent of `user_dir`) before packaged ones."""
    loaders: list[jinja2.BaseLoader] = []
    if user_dir is not None:
        loaders.append(CaseTemplateLoader(user_dir, user_dir.parent))
    loaders.append(_PackagedLoader(str(packaged_templates())))
    # Templates in a case folder come from whoever sent the case: no attribute escapes,
    # no mutation of the context (packaged templates run the same way).
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["css_string"] = css_string
    env.filters["short"] = lambda sha: sha[:12]
    env.filters["human_size"] = human_size
    env.filters["breakable"] = breakable
    return env


def human_size(n: int) -> str:
    """1234567 -> '1.2 MB'."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"


def breakable(text: str) -> Markup:
    """Escape text and allow line breaks after path separators and every 16 hex digits."""
    escaped = str(Markup.escape(text))
    escaped = re.sub(r"([/_.-])", "\\1\u200b", escaped)
    escaped = re.sub(r"([0-9a-f]{16})(?=[0-9a-f])", "\\1\u200b", escaped)
    return Markup(escaped)


# Layout cost grows with the square of a text run's length when the run has no space
# (WeasyPrint hands Pango the whole rest of the run for every line, and for every break when it
# measures table cells): 20 000 characters took minutes. Long runs are cut into separate text
# boxes by <wbr> every BREAK_EVERY characters (a break opportunity too), and absurd text is
# cut with a visible note. A run already cut by zero-width spaces (`breakable`: paths, SHA-256
# digits) gets zero-width spaces at the same places instead: the same break opportunities
# without an element (and a pseudo-element) each to lay out.
BREAK_EVERY = 48
MAX_TEXT_CHARS = 10_000
# Tags, and the elements whose text is not laid out: splitting HTML by it leaves text at even
# indices.
MARKUP = re.compile(
    r"(<style\b.*?</style>|<script\b.*?</script>|<title\b.*?</title>|<[^>]*>)", re.DOTALL | re.I
)
_RUN = re.compile(rf"[^\s<>]{{{BREAK_EVERY},}}")
# White space between rows and cells (after the first tag, before the second) is never laid out
# (HTML's table model), yet parsed into a text node and boxed before being dropped: a few
# percent of the work in a table of short rows. White space within a cell is left alone.
_GAP_AFTER = re.compile(
    r"</t[dh]>|</?(?:tr|thead|tbody|tfoot|colgroup)\b|<col\b|<table\b|</caption>", re.I
)
_GAP_BEFORE = re.compile(
    r"<t[dh]\b|</?(?:tr|thead|tbody|tfoot|colgroup)\b|<col\b|</table>|<caption\b", re.I
)
_CHUNK = re.compile(rf"(?:&#?[A-Za-z0-9]{{1,16}};|[^&]|&){{1,{BREAK_EVERY}}}")
_MORE = {
    "zh-CN": "…（另有 {n} 个字符未显示，见源文件）",
    "en": "… ({n} more characters, see the source file)",
}


def _cut(text: str, lang: str) -> str:
    """Cut an escaped text run to MAX_TEXT_CHARS (never inside an entity), noting how much."""
    cut = text[:MAX_TEXT_CHARS]
    amp = cut.rfind("&", max(0, len(cut) - 16))
    if amp >= 0 and ";" not in cut[amp:]:
        cut = cut[:amp]
    rest = len(text) - len(cut)
    note = _MORE.get(lang, _MORE["en"]).format(n=f"{rest:,}")
    return f'{cut}<span class="cut-note">{note}</span>'


def _break_run(m: re.Match[str]) -> str:
    run = m.group()
    return ("\u200b" if "\u200b" in run else "<wbr>").join(_CHUNK.findall(run))


def bound_layout(html: str, lang: str = "en") -> str:
    """Make every text run of rendered HTML cheap to lay out: <wbr> in long runs without
    white space, text nodes over MAX_TEXT_CHARS cut with a visible note, no white space
    between table tags."""
    parts = MARKUP.split(html)
    for i in range(0, len(parts), 2):  # text between tags (odd indices are tags and styles)
        text = parts[i]
        if len(text) < BREAK_EVERY:
            if (
                0 < i < len(parts) - 1
                and not text.strip(" \t\n\r\f")  # HTML's white space: not a no-break space
                and _GAP_AFTER.match(parts[i - 1])
                and _GAP_BEFORE.match(parts[i + 1])
            ):
                parts[i] = ""
            continue
        if len(text) > MAX_TEXT_CHARS:
            text = _cut(text, lang)
        parts[i] = _RUN.sub(_break_run, text)
    return "".join(parts)


def _searched(user_dir: Path | None) -> list[str]:
    return [str(p) for p in (user_dir, packaged_templates()) if p is not None]


def _frame(e: BaseException) -> tuple[str | None, int | None]:
    """File and line of the innermost template frame of a Jinja error."""
    filename, line = getattr(e, "filename", None), getattr(e, "lineno", None)
    if not filename:
        for frame in reversed(traceback.extract_tb(e.__traceback__)):
            if frame.filename.endswith(".j2"):
                filename, line = frame.filename, frame.lineno
                break
    return filename, line


def _failed(e: BaseException, user_dir: Path | None, msg: str) -> EvidencekitError:
    """The case's own template is at fault: invalid input (exit 1); else ours (internal)."""
    filename, _ = _frame(e)
    own = user_dir is not None and filename is not None and Path(filename).is_relative_to(user_dir)
    if own or isinstance(e, TemplateRefused):  # only a case's template can be refused
        return EvidenceError(msg)
    return RenderError(msg)


def _where(e: BaseException, user_dir: Path | None) -> str:
    """`templates/cover.html.j2:3` for the innermost template frame of a Jinja error."""
    filename, line = _frame(e)
    if not filename:
        return ""
    path = Path(filename)
    if user_dir is not None and path.is_relative_to(user_dir):
        shown = f"{user_dir.name}/{path.relative_to(user_dir).as_posix()}"
    elif path.is_relative_to(packaged_templates()):
        shown = f"{path.relative_to(packaged_templates()).as_posix()} (packaged template)"
    else:
        shown = path.name
    return f"{shown}:{line}" if line else shown


def render_html(
    context: dict[str, Any],
    user_dir: Path | None,
    name: str = "dossier.html.j2",
    env: jinja2.Environment | None = None,
) -> str:
    """Render a template (the dossier by default); a missing template lists every path searched,
    any other template error names the template file and line. `env`: make_env(user_dir) made
    once for several renderings (it keeps the templates it compiled)."""
    env = env or make_env(user_dir)
    lang = context["lang"]

    def label(key: str, **kw: object) -> str:
        return t(key, lang, **kw)

    try:
        template = env.get_template(name)
        return bound_layout(template.render(t=label, **context), lang)
    except jinja2.TemplateNotFound as e:
        msg = Msg("template.not_found", name=e.name, searched=", ".join(_searched(user_dir)))
        where = _where(e, user_dir)
        raise _failed(e, user_dir, Msg("frame.at", where=where, text=msg) if where else msg) from e
    except jinja2.TemplateError as e:
        kind = {
            jinja2.TemplateSyntaxError: "syntax",
            jinja2.UndefinedError: "undefined",
            jinja2.sandbox.SecurityError: "sandbox",
        }.get(type(e), "error")
        where = _where(e, user_dir) or name
        why = e.message if e.message is not None else "None"
        msg = Msg(f"template.{kind}", where=where, why=why)
        raise _failed(e, user_dir, msg) from e
    except (TypeError, ValueError, ArithmeticError, LookupError, RecursionError) as e:
        # A user template can misuse a value (e.g. `{{ 1 / 0 }}`, `{{ x + 1 }}` on text).
        where = _where(e, user_dir) or name
        msg = Msg("template.error", where=where, why=f"{type(e).__name__}: {e}")
        raise _failed(e, user_dir, msg) from e
