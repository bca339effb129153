"""Untrusted Markdown (statements, descriptions) to safe HTML.

markdown-it-py with raw HTML disabled (it is shown as text), links and images turned into
plain text (the dossier must not point anywhere or load anything), then nh3 as a second,
allow-list sanitiser.
"""

from __future__ import annotations

from collections.abc import Sequence

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

_ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
    "s",
    "span",
}


class _SafeRenderer(RendererHTML):
    def link_open(self, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return ""

    def link_close(self, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        # Find the matching open token to show its target as text.
        for tok in reversed(tokens[:idx]):
            if tok.type == "link_open":
                href = str(tok.attrs.get("href", ""))
                return f" ({self.escape(href)})" if href else ""
        return ""

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        tok = tokens[idx]
        alt = self.renderInlineAsText(tok.children or [], options, env)
        src = str(tok.attrs.get("src", ""))
        return self.escape(f"[image: {alt}] ({src})")

    @staticmethod
    def escape(text: str) -> str:
        return (
            text.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&quot;")
        )


def _make() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark",
        {"html": False, "linkify": False, "typographer": False},
        renderer_cls=_SafeRenderer,
    )
    md.enable(["table", "strikethrough"])
    md.validateLink = lambda url: True  # type: ignore[method-assign]  # targets are only ever shown as text
    return md


_MD = _make()


def markdown_to_html(text: str) -> Markup:
    """Render untrusted Markdown to sanitised HTML with no links, images or scripts."""
    html = _MD.render(text)
    cleaned = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={},
        url_schemes=set(),
        link_rel=None,
        strip_comments=True,
    )
    return Markup(cleaned)


def markdown_to_text(text: str) -> str:
    """Plain text of Markdown (for platform form fields): paragraphs and list items as lines."""
    lines: list[str] = []
    bullet = ""
    for tok in _MD.parse(text):
        if tok.type == "list_item_open":
            bullet = "- "
        elif tok.type == "inline":
            content = (
                "".join(
                    " " if child.type in ("softbreak", "hardbreak") else child.content
                    for child in (tok.children or [])
                    if child.type in ("text", "code_inline", "softbreak", "hardbreak")
                )
                or tok.content
            )
            lines.append(bullet + content.strip())
            bullet = ""
    return "\n".join(line for line in lines if line.strip())
