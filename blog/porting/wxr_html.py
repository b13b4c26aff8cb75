"""A WordPress post's body as the HTML our articles keep, and its summary.

WordPress stores a classic-editor post without paragraphs: it adds them as it shows the post
(blank lines make paragraphs, single line breaks make <br>). A block-editor post carries
<!-- wp:… --> markers and real <p>s, and WordPress adds nothing to it. So a classic body is given
its paragraphs here, by the same rule, before both are sanitised like any article body
(blog.rendering.sanitise_html: the allowed tags, no comments, headings renumbered).
"""

from __future__ import annotations

import html
import re

from blog.rendering import sanitise_html

#: Tags that hold a run of text of their own: never put inside a paragraph, never split.
TEXT_BLOCKS = "p|h[1-6]|li|dt|dd|td|th|pre|hr|address|caption|figcaption|legend|summary|option|math"
#: Tags that hold other blocks: their content is split into paragraphs like the body itself.
CONTAINERS = (
    "blockquote|div|ul|ol|dl|table|thead|tbody|tfoot|tr|figure|section|article|aside|header|"
    "footer|nav|form|fieldset|details|menu|map|main|hgroup|select|style|script"
)
_block_open = re.compile(rf"<(?:{TEXT_BLOCKS}|{CONTAINERS})\b[^>]*>", re.IGNORECASE)
_text_close = re.compile(rf"</(?:{TEXT_BLOCKS})\s*>", re.IGNORECASE)
_container_tag = re.compile(rf"</?(?:{CONTAINERS})\b[^>]*>", re.IGNORECASE)
_starts_block = re.compile(rf"</?(?:{TEXT_BLOCKS}|{CONTAINERS})\b", re.IGNORECASE)
_pre = re.compile(r"<pre\b.*?</pre\s*>", re.IGNORECASE | re.DOTALL)
_block_marker = re.compile(r"<!--\s*/?wp:")
#: A caption shortcode around an image: the image and its caption are kept, the shortcode not.
_caption = re.compile(r"\[(?:wp_)?caption\b[^\]]*\](.*?)\[/(?:wp_)?caption\]", re.S | re.I)
#: An embedded address: kept as a link to it.
_embed = re.compile(r"\[embed\b[^\]]*\]\s*(\S+?)\s*\[/embed\]", re.IGNORECASE)
#: Shortcodes that show the site's media library, which is not brought over.
_media_shortcode = re.compile(r"\[(?:gallery|playlist)\b[^\]]*\]", re.IGNORECASE)
_figcaption = re.compile(r"<(/?)figcaption\b[^>]*>", re.IGNORECASE)
_tag = re.compile(r"<[^>]*>")
_comment = re.compile(r"<!--.*?-->", re.DOTALL)
_heading = re.compile(r"<h[1-6]>")
_paragraph = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_control = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

#: How many words a summary made from the body keeps, as WordPress's own excerpts do.
SUMMARY_WORDS = 55
#: The longest summary the editor's form accepts.
SUMMARY_MAX_LENGTH = 2000


def has_block_markup(content: str) -> bool:
    """Whether the body was written in the block editor (it carries <!-- wp:… --> markers)."""
    return _block_marker.search(content) is not None


def add_paragraphs(text: str) -> str:
    """A classic-editor body with the paragraphs WordPress would show: text between blank lines
    becomes a paragraph, a single line break within one a <br>. Blocks the author wrote
    (headings, lists, quotes, tables…) stay as written; text inside a quote gets paragraphs too;
    a <pre> is left exactly as it is."""
    kept: list[str] = []

    def keep_pre(match: re.Match[str]) -> str:
        kept.append(match[0])
        return f"\n\n<pre-kept {len(kept) - 1}>\n\n"

    text = _pre.sub(keep_pre, text.replace("\r\n", "\n").replace("\r", "\n"))
    # Blank lines around every block, and inside containers, so each is a chunk of its own.
    text = _block_open.sub(lambda m: f"\n\n{m[0]}" + ("\n\n" if _is_rule(m[0]) else ""), text)
    text = _text_close.sub(lambda m: f"{m[0]}\n\n", text)
    text = _container_tag.sub(lambda m: f"\n\n{m[0]}\n\n", text)
    chunks = []
    for chunk in re.split(r"\n\s*\n", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if chunk.startswith("<pre-kept "):
            chunks.append(kept[int(chunk.removeprefix("<pre-kept ").rstrip(">"))])
        elif _starts_block.match(chunk):
            chunks.append(chunk)
        else:
            chunks.append("<p>" + re.sub(r"\s*\n\s*", "<br>\n", chunk) + "</p>")
    return "\n".join(chunks)


def _is_rule(tag: str) -> bool:
    """Whether an opening tag is <hr>, which has no closing tag to end its chunk."""
    return re.match(r"<hr\b", tag, re.IGNORECASE) is not None


def body_html(content: str) -> str:
    """A post's content:encoded as a sanitised article body (blog.rendering.sanitise_html)."""
    content = _control.sub("", content.replace("\r\n", "\n").replace("\r", "\n")).strip()
    content = _caption.sub(lambda m: f"\n\n{m[1].strip()}\n\n", content)
    content = _embed.sub(
        lambda m: f'<a href="{html.escape(m[1])}">{html.escape(m[1])}</a>', content
    )
    content = _media_shortcode.sub("", content)
    # A figure's caption (block editor) stays a line of its own under its image.
    content = _figcaption.sub(lambda m: f"<{m[1]}p>", content)
    if not has_block_markup(content):
        # Comments (<!--more-->) go now, so none is left alone in a paragraph of its own.
        content = add_paragraphs(_comment.sub("", content))
    return _tidy_blank_lines(sanitise_html(content).strip())


def _tidy_blank_lines(markup: str) -> str:
    """One line break between blocks where markers or the source left several (<pre> apart)."""
    parts = re.split(r"(<pre>.*?</pre>)", markup, flags=re.DOTALL)
    return "".join(
        part if part.startswith("<pre>") else re.sub(r">\s*\n\s*\n\s*<", ">\n<", part)
        for part in parts
    )


def plain_text(markup: str) -> str:
    """The words of some HTML, one space between each."""

    def gap(match: re.Match[str]) -> str:
        tag = match[0]
        return " " if _starts_block.match(tag) or tag[:3].lower() == "<br" else ""

    return " ".join(html.unescape(_tag.sub(gap, markup)).split())


def summary_for(excerpt: str, body: str) -> str:
    """The article's summary: the post's own excerpt as plain text, else, as WordPress makes
    one, the body's first SUMMARY_WORDS words followed by "…" when there were more; words of
    its opening paragraphs only (before any heading), so no heading or list runs into them."""
    text = plain_text(_control.sub("", excerpt))
    if not text:
        opening = _heading.split(body, maxsplit=1)[0]
        paragraphs = _paragraph.findall(opening) or _paragraph.findall(body) or [body]
        words = plain_text(" ".join(paragraphs)).split(" ")
        text = " ".join(words[:SUMMARY_WORDS]) + ("…" if len(words) > SUMMARY_WORDS else "")
    if len(text) > SUMMARY_MAX_LENGTH:
        text = text[: SUMMARY_MAX_LENGTH - 1].rsplit(" ", 1)[0] + "…"
    return text
