"""Reading a Disqus export: its threads and posts, in file order, and the first pass that
checks the whole file before anything is written.

Disqus exports one flat list in its own namespace, ids in dsq:id attributes: <category>s, then
<thread>s (a page that had the widget: forum, link, identifier), then <post>s (message as HTML,
createdAt, isDeleted, isSpam, author, ipAddress, and references to its <thread dsq:id> and,
for a reply, its <parent dsq:id>). Posts are not always after their parents.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO
from xml.etree.ElementTree import Element

from blog.porting.safexml import ImportRefused, elements, local_name, qualified, text_of

#: Disqus's namespace, and the one it keeps its own ids in (dsq:id).
DISQUS = "http://disqus.com"
INTERNALS = "http://disqus.com/disqus-internals"
_ROOT = qualified(DISQUS, "disqus")
_THREAD = qualified(DISQUS, "thread")
_POST = qualified(DISQUS, "post")
_DSQ_ID = qualified(INTERNALS, "id")


@dataclass(frozen=True)
class DisqusThread:
    """A page that had Disqus comments."""

    dsq_id: str
    forum: str
    link: str
    #: The page's disqus_identifier: often its address, or "123 https://…/?p=123".
    identifier: str


@dataclass(frozen=True)
class DisqusPost:
    """A comment as the export has it."""

    dsq_id: str
    thread_id: str
    parent_id: str | None
    created_at: datetime
    message: str
    is_deleted: bool
    is_spam: bool
    author_name: str
    author_email: str
    ip_address: str


@dataclass
class Export:
    """What the first pass learned of a file: enough to place every post, and no more."""

    threads: dict[str, DisqusThread] = field(default_factory=dict)
    #: Each post's thread, by the post's id.
    posts: dict[str, str] = field(default_factory=dict)
    #: Replies that come before their parent in the file: reply id → parent id.
    early_replies: dict[str, str] = field(default_factory=dict)
    #: How many posts name each thread.
    posts_per_thread: Counter[str] = field(default_factory=Counter)
    #: Posts without an id of any kind, skipped.
    unidentified: int = 0
    #: The forum a thread without one belongs to: the first the file names.
    forum: str = ""


def read_export(source: BinaryIO) -> Iterator[DisqusThread | DisqusPost]:
    """Each thread and post of a Disqus export, in file order.

    Raises ImportRefused for a file that is not a Disqus export, not well-formed to its end, or
    declares a document type; or for a post without a valid date.
    """
    # Depth 1: the document element's children; a post's <thread dsq:id="…"/> stays inside it.
    for event, element in elements(source, {_THREAD, _POST}, depth=1):
        if event == "root":
            if element.tag != _ROOT:
                raise ImportRefused(
                    f"not a Disqus export: the document is <{local_name(element.tag)}>, not <disqus"
                    f' xmlns="{DISQUS}">'
                )
        elif element.tag == _POST:
            yield _post(element)
        else:
            yield _thread(element)


def _child_text(element: Element, *path: str) -> str:
    """The stripped text at path (Disqus names) under element, "" when missing."""
    found = element.find("/".join(qualified(DISQUS, name) for name in path))
    return text_of(found).strip()


def _thread(element: Element) -> DisqusThread:
    return DisqusThread(
        dsq_id=element.get(_DSQ_ID, ""),
        forum=_child_text(element, "forum"),
        link=_child_text(element, "link"),
        identifier=_child_text(element, "id"),
    )


def _post(element: Element) -> DisqusPost:
    dsq_id = element.get(_DSQ_ID) or _child_text(element, "id")
    thread = element.find(_THREAD)
    parent = element.find(qualified(DISQUS, "parent"))
    created = _child_text(element, "createdAt")
    return DisqusPost(
        dsq_id=dsq_id,
        thread_id=(thread.get(_DSQ_ID) or "") if thread is not None else "",
        parent_id=(parent.get(_DSQ_ID) or None) if parent is not None else None,
        created_at=_timestamp(created, dsq_id),
        message=_child_text(element, "message"),
        is_deleted=_child_text(element, "isDeleted").lower() == "true",
        is_spam=_child_text(element, "isSpam").lower() == "true",
        author_name=_child_text(element, "author", "name")
        or _child_text(element, "author", "username"),
        author_email=_child_text(element, "author", "email"),
        ip_address=_child_text(element, "ipAddress"),
    )


def _timestamp(text: str, post_id: str) -> datetime:
    """Disqus's ISO 8601 time (UTC, "Z"; an offset is honoured, none means UTC)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ImportRefused(
            f"post {post_id or '(no id)'} has no valid createdAt ({text!r})"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check_export(source: BinaryIO) -> Export:
    """Read a whole file once, refusing it before anything is written (see read_export), and
    keep what placing its posts needs."""
    export = Export()
    seen_forum = ""
    for item in read_export(source):
        if isinstance(item, DisqusThread):
            export.threads[sys.intern(item.dsq_id)] = item
            seen_forum = seen_forum or item.forum
            continue
        if not item.dsq_id:
            export.unidentified += 1
            continue
        thread_id = sys.intern(item.thread_id)
        if item.parent_id and item.parent_id not in export.posts:
            export.early_replies[item.dsq_id] = item.parent_id
        export.posts[item.dsq_id] = thread_id
        export.posts_per_thread[thread_id] += 1
    # A reply whose parent never comes is a comment on the article: nothing to wait for.
    export.early_replies = {
        reply: parent for reply, parent in export.early_replies.items() if parent in export.posts
    }
    export.forum = seen_forum
    if export.posts and not seen_forum:
        raise ImportRefused("no thread names its <forum>: the comments cannot be keyed")
    return export
