"""Disqus export files for the tests, written as Disqus writes them (help.disqus.com, "Comments
Export", and real exports as other importers keep them in their tests): the disqus namespace
with dsq:id in disqus-internals, categories, then threads, then posts, each post naming its
thread and parent by dsq:id, its message as HTML in CDATA on lines of its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from blog.models import utcnow

FORUM = "oldnewsroom"

HEAD = """<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
xsi:schemaLocation="http://disqus.com/api/schemas/1.0/disqus.xsd \
http://disqus.com/api/schemas/1.0/disqus-internals.xsd">
"""

CATEGORY = f"""
    <category dsq:id="707279">
        <forum>{FORUM}</forum>
        <title>General</title>
        <isDefault>true</isDefault>
    </category>
"""


def disqus_time(moment: datetime) -> str:
    """Disqus's form of a time: ISO 8601 in UTC with a Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def thread(
    dsq_id: str,
    link: str,
    *,
    identifier: str = "",
    title: str = "A page",
    forum: str = FORUM,
) -> str:
    """A <thread>: a page that had the widget."""
    ident = f"<id>{escape(identifier)}</id>" if identifier else "<id/>"
    return f"""
    <thread dsq:id="{dsq_id}">
        {ident}
        <forum>{forum}</forum>
        <category dsq:id="707279"/>
        <link>{escape(link)}</link>
        <title>{escape(title)}</title>
        <message/>
        <createdAt>2011-03-07T20:46:25Z</createdAt>
        <author>
            <email>editor@example.org</email>
            <name>Editor</name>
            <isAnonymous>false</isAnonymous>
            <username>editor</username>
        </author>
        <ipAddress>198.51.100.1</ipAddress>
        <isClosed>false</isClosed>
        <isDeleted>false</isDeleted>
    </thread>
"""


def post(
    dsq_id: str,
    thread_id: str | None,
    *,
    message: str | None = None,
    parent: str | None = None,
    created_at: datetime | None = None,
    deleted: bool = False,
    spam: bool = False,
    name: str | None = None,
    email: str | None = None,
    anonymous: bool = False,
    username: str | None = None,
    ip: str = "203.0.113.7",
) -> str:
    """A <post>: a comment, a reply when parent is given. An anonymous author has no email
    and no username, as Disqus exports guests."""
    created = created_at or utcnow() - timedelta(days=3, minutes=-int(dsq_id))
    body = message if message is not None else f"<p>Comment {dsq_id}</p>"
    author_name = name if name is not None else f"Reader {dsq_id}"
    if anonymous:
        author = f"<email/><name>{escape(author_name)}</name><isAnonymous>true</isAnonymous>"
    else:
        address = email if email is not None else f"reader{dsq_id}@example.org"
        login = username if username is not None else f"reader{dsq_id}"
        author = (
            f"<email>{escape(address)}</email><name>{escape(author_name)}</name>"
            f"<isAnonymous>false</isAnonymous><username>{escape(login)}</username>"
        )
    thread_ref = f'<thread dsq:id="{thread_id}"/>' if thread_id is not None else ""
    parent_ref = f"<parent dsq:id={quoteattr(parent)}/>" if parent else ""
    return f"""
    <post dsq:id="{dsq_id}">
        <id/>
        <message>
            <![CDATA[{body}]]>
        </message>
        <createdAt>{disqus_time(created)}</createdAt>
        <isDeleted>{str(deleted).lower()}</isDeleted>
        <isSpam>{str(spam).lower()}</isSpam>
        <author>{author}</author>
        <ipAddress>{ip}</ipAddress>
        {thread_ref}
        {parent_ref}
    </post>
"""


def export_xml(threads: list[str], posts: list[str]) -> bytes:
    """A whole export: categories, threads, posts."""
    return (HEAD + CATEGORY + "".join(threads) + "".join(posts) + "</disqus>\n").encode()


def write_export(path: Path, threads: list[str], posts: list[str]) -> Path:
    """The export written to path."""
    path.write_bytes(export_xml(threads, posts))
    return path
