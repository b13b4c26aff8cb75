"""The editor's pictures: a file chosen in the article or author form becomes a media library
picture at once (so nothing uploaded is lost when the rest of the form is refused), and a
picture for an article's body becomes a line at the end of its text, which the editor can move.
"""

from __future__ import annotations

import re

from markupsafe import escape
from werkzeug.datastructures import FileStorage

from blog.extensions import db
from blog.inputs import parse_id
from blog.media.library import upload_picture
from blog.models import Media
from blog.rendering import HTML

#: The alt text of the line the media library gives to paste, until the editor writes what the
#: picture shows (an article is not saved with it: blog.editorial.publishing).
ALT_PLACEHOLDER = "Describe the picture"
#: Characters that mean something in Markdown's link text, escaped in alt text.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]<>!])")


def keep_upload(upload: FileStorage, staff_id: int | None) -> Media:
    """The picture a chosen file makes, checked by the media library and committed at once
    (blog.media.library.upload_picture: call it before changing anything else); Refused
    (blog.refusals) with a message for the field otherwise."""
    return upload_picture(upload.read(), upload.filename or "", staff_id)


def chosen_picture(text: str | None) -> Media | None:
    """The media library picture a form's hidden field names, if it is still there."""
    media_id = parse_id((text or "").strip())
    return db.session.get(Media, media_id) if media_id is not None else None


def markdown_for(media: Media, alt: str) -> str:
    """The Markdown that shows a picture in an article's body: its widest file, which the site
    serves in every width (blog.media.markup)."""
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(alt.split()))
    return f"![{text}]({media.largest.url})"


def html_for(media: Media, alt: str) -> str:
    """The same picture for a body written in HTML (an imported article)."""
    return f'<p><img src="{media.largest.url}" alt="{escape(" ".join(alt.split()))}"></p>'


def picture_line(media: Media, alt: str, body_format: str | None) -> str:
    """The line that puts a picture in a body of this format."""
    return html_for(media, alt) if body_format == HTML else markdown_for(media, alt)


def with_picture_at_end(body: str, line: str) -> str:
    """A body with a picture's line added at its end, as a paragraph of its own."""
    text = (body or "").rstrip()
    return f"{text}\n\n{line}\n" if text else f"{line}\n"


def has_placeholder_alt(body: str) -> bool:
    """Whether a body still has a pasted picture whose alt text was never written."""
    return f"![{ALT_PLACEHOLDER}](" in (body or "")
