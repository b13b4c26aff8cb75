"""Markdown to safe HTML: markdown-it-py renders, nh3 sanitizes.

Articles are rendered once, when their body is set, and the HTML is stored; pages never
render Markdown per request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from blog.media.markup import body_pictures

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


#: The level of a body's top headings: the page's <h1> is the headline.
BODY_TOP_LEVEL = 2


def outline_levels(levels: Iterable[int], top: int = BODY_TOP_LEVEL) -> list[int]:
    """The levels headings get so that the outline starts at top and never skips a level.

    A heading goes one level below the nearest earlier heading the author wrote at a higher
    level, or to top when there is none: `#`, `###` gives 2, 3; `##`, `####`, `###` gives 2, 3,
    3. Nothing goes deeper than 6, the deepest HTML has.
    """
    written: list[tuple[int, int]] = []  # (level written, level given) of open sections
    given_levels = []
    for level in levels:
        while written and written[-1][0] >= level:
            written.pop()
        given = min(written[-1][1] + 1, 6) if written else top
        written.append((level, given))
        given_levels.append(given)
    return given_levels


def _fix_heading_levels(tokens: list[Token]) -> None:
    """Renumber the body's headings by outline_levels, opening and closing tags alike."""
    opening = [t for t in tokens if t.type == "heading_open"]
    closing = [t for t in tokens if t.type == "heading_close"]
    levels = outline_levels(int(t.tag[1]) for t in opening)
    for open_token, close_token, level in zip(opening, closing, levels, strict=True):
        open_token.tag = close_token.tag = f"h{level}"


def render_markdown(source: str) -> str:
    """Render an editor's Markdown to HTML that cannot carry scripts or event handlers."""
    tokens = _md.parse(source)
    # Under the page's <h1> headline, so the body's outline starts at <h2> and never skips a
    # level (checkers and screen reader users navigate by heading level).
    _fix_heading_levels(tokens)
    html = _md.renderer.render(tokens, _md.options, {})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
    )


#: The formats an article body is written in: Markdown by editors here, HTML when it came from
#: another platform (a WordPress import), kept as that platform wrote it, sanitised.
MARKDOWN = "markdown"
HTML = "html"
BODY_FORMATS = (MARKDOWN, HTML)

_heading_tag = re.compile(r"<(/?)h([1-6])>")


def sanitise_html(html: str) -> str:
    """Imported HTML as an article body may hold it: the tags and links render_markdown allows,
    comments (WordPress's block markers) and everything else dropped, headings renumbered
    by outline_levels. Idempotent: sanitising its own output changes nothing."""
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS | {"h1"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
    )
    # nh3 writes tags it allows back without attributes of their own (none are allowed on
    # headings), so <hN> and </hN> are all the forms a heading can take here.
    levels = outline_levels(int(m[2]) for m in _heading_tag.finditer(clean) if not m[1])
    given = iter(levels)
    open_levels: list[int] = []

    def renumber(match: re.Match[str]) -> str:
        if not match[1]:
            open_levels.append(next(given))
            return f"<h{open_levels[-1]}>"
        return f"</h{open_levels.pop() if open_levels else match[2]}>"

    return _heading_tag.sub(renumber, clean)


def render_body(source: str, body_format: str | None) -> str:
    """An article body's stored HTML from its source, in whichever format it is written; our
    own pictures in it made responsive (blog.media.markup)."""
    html = sanitise_html(source) if body_format == HTML else render_markdown(source)
    return body_pictures(html)


#: What a comment whose text its writer deleted (blog.privacy) shows in its place, so that the
#: replies to it keep their place in the thread.
DELETED_COMMENT_HTML = '<p class="comment-deleted">This comment was deleted.</p>'


def render_comment(text: str) -> str:
    """A commenter's text as inert HTML: escaped, paragraphs kept, URLs turned into links; an
    empty text (deleted by its writer) as DELETED_COMMENT_HTML."""
    if not text:
        return DELETED_COMMENT_HTML
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
