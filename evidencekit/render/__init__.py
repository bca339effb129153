"""Render the dossier: template lookup (user folder first, packaged last), Jinja2 → HTML."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from evidencekit.errors import RenderError
from evidencekit.i18n import t

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


def make_env(user_dir: Path | None) -> jinja2.Environment:
    """Jinja2 environment: autoescaped, StrictUndefined, user templates before packaged ones."""
    searchpath = [str(user_dir)] if user_dir and user_dir.is_dir() else []
    searchpath.append(str(packaged_templates()))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(searchpath),
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


def render_html(
    context: dict[str, Any], user_dir: Path | None, name: str = "dossier.html.j2"
) -> str:
    """Render a template (the dossier by default); a missing template lists every path searched."""
    env = make_env(user_dir)
    lang = context["lang"]

    def label(key: str, **kw: object) -> str:
        return t(key, lang, **kw)

    try:
        template = env.get_template(name)
        return template.render(t=label, **context)
    except jinja2.TemplateNotFound as e:
        loader = env.loader
        paths = getattr(loader, "searchpath", [])
        msg = f"template {e.name!r} not found; searched: {', '.join(paths)}"
        raise RenderError(msg) from e
    except jinja2.UndefinedError as e:
        msg = f"template error: {e.message}"
        raise RenderError(msg) from e
