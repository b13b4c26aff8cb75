"""Markdown to safe HTML: markdown-it-py renders, nh3 sanitizes.

Articles are rendered once, when their body is set, and the HTML is stored; pages never
render Markdown per request.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

#: Tags an article body may contain. No h1: the headline is the page's only one.
ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])

#: Comments are plain text: only paragraphs, line breaks and bare URLs made into links.
_comment_md = MarkdownIt("zero", {"linkify": True, "breaks": True}).enable(["linkify", "newline"])
_comment_md.linkify.set({"fuzzy_email": False})
#: Links left by commenters earn no ranking and get no handle on our window.
COMMENT_LINK_REL = "nofollow ugc noopener"


def render_markdown(source: str) -> str:
    """Render an editor's Markdown to HTML that cannot carry scripts or event handlers."""
    tokens = _md.parse(source)
    for token in tokens:
        # Demote headings one level so the body never competes with the headline.
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
    html = _md.renderer.render(tokens, _md.options, {})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
    )


def render_comment(text: str) -> str:
    """A commenter's text as inert HTML: escaped, paragraphs kept, URLs turned into links."""
    return nh3.clean(
        _comment_md.render(text),
        tags={"p", "br", "a"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        link_rel=COMMENT_LINK_REL,
    )


def count_links(text: str) -> int:
    """How many links a commenter's text would show."""
    return len(_comment_md.linkify.match(text) or [])
