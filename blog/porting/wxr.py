"""Reading a WordPress export (WXR 1.0, 1.1 or 1.2) as WordPress's export.php writes it.

The file is an RSS document: <rss><channel> with wp:wxr_version, wp:base_site_url,
wp:base_blog_url and one wp:author block per author, then one <item> per post, page,
attachment or menu item, each with its wp:comment blocks. Items are read one at a time
(blog.porting.safexml), so memory follows the largest post, never the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from blog.models import CommentStatus
from blog.porting.comments import ImportedComment
from blog.porting.safexml import ImportRefused, elements, qualified, text_of

#: The versions of the format WordPress has written, each with its own namespace.
WXR_VERSIONS = ("1.0", "1.1", "1.2")
WP_NAMESPACES = {f"http://wordpress.org/export/{version}/": version for version in WXR_VERSIONS}
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"

#: A MySQL date WordPress writes for "none" (a draft's GMT date, say).
NO_DATE = "0000-00-00 00:00:00"
#: What WordPress calls a comment's status, as ours.
COMMENT_STATUSES = {
    "1": CommentStatus.APPROVED,
    "0": CommentStatus.PENDING,
    "spam": CommentStatus.SPAM,
    "trash": CommentStatus.TRASH,
    "post-trashed": CommentStatus.TRASH,
}
#: Comment types that are notices from other sites, not readers' comments.
PING_TYPES = ("pingback", "trackback")


@dataclass
class Channel:
    """What the file says about the site it came from."""

    #: The wp: namespace of its version.
    namespace: str
    version: str
    #: The site's address: what the import keys are kept under.
    site_url: str
    #: The blog's address (its old ?p=123 links are under it).
    blog_url: str
    #: Display names by login (wp:author blocks; a WXR 1.0 file has none).
    authors: dict[str, str] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """The import keys' source: one per WordPress site."""
        return f"wordpress:{self.site_url}"


@dataclass
class Post:
    """One <item>: a post, page, attachment, menu item or another type, with its comments."""

    post_id: str
    post_type: str
    #: WordPress's status: publish, future, draft, pending, private, trash…
    status: str
    title: str
    link: str
    creator: str
    content: str
    excerpt: str
    post_name: str
    #: When it was (or is to be) published, in UTC; None for a draft never dated.
    date: datetime | None
    comments_open: bool
    #: Whether WordPress showed it only to those who knew its password.
    protected: bool
    #: (name, slug) of its first category, if any.
    category: tuple[str, str] | None
    tags: list[tuple[str, str]]
    comments: list[ImportedComment]
    #: Pingbacks and trackbacks it had (not imported).
    pings: int


def read(source: BinaryIO) -> Iterator[Channel | Post]:
    """The channel once its wp:wxr_version has been read (before any item, as WordPress writes
    it), then each item. Raises ImportRefused for a file that is not a WordPress export."""
    wanted = {"item"} | {
        qualified(namespace, name)
        for namespace in WP_NAMESPACES
        for name in ("wxr_version", "base_site_url", "base_blog_url", "author")
    }
    root: Element | None = None
    wp = version = ""
    site_url = blog_url = ""
    authors: dict[str, str] = {}
    channel: Channel | None = None
    # The channel's <link> is read through the root at the end (the site's address when the
    # export names no base_site_url); every other element outside an item is dropped once read.
    keep = frozenset({"channel", "link"})
    for event, element in elements(source, wanted, root={"rss"}, keep=keep):
        if event == "root":
            root = element
            continue
        if element.tag == "item":
            if not version:
                raise ImportRefused("not a WordPress export: no wp:wxr_version before its items")
            if channel is None:
                channel = _channel(root, wp, version, site_url, blog_url, authors)
                yield channel
            yield _post(element, channel.namespace)
            continue
        namespace, _, name = element.tag[1:].partition("}")
        if name == "wxr_version":
            version = text_of(element).strip()
            if version not in WXR_VERSIONS:
                raise ImportRefused(f"WXR version {version!r} is not one of 1.0, 1.1 and 1.2")
            wp = namespace
        elif name == "base_site_url":
            site_url = text_of(element).strip()
        elif name == "base_blog_url":
            blog_url = text_of(element).strip()
        elif name == "author":
            login = _child(element, namespace, "author_login")
            if login:
                authors[login] = _child(element, namespace, "author_display_name") or login
    if not version:
        raise ImportRefused("not a WordPress export: it has no wp:wxr_version")
    if channel is None:
        yield _channel(root, wp, version, site_url, blog_url, authors)


def _channel(
    root: Element | None,
    wp: str,
    version: str,
    site_url: str,
    blog_url: str,
    authors: dict[str, str],
) -> Channel:
    link = text_of(root.find("channel/link")).strip() if root is not None else ""
    site_url = (site_url or blog_url or link).rstrip("/")
    if not site_url:
        raise ImportRefused("the export names no site (no wp:base_site_url, no <link>)")
    return Channel(wp, version, site_url, (blog_url or link or site_url), authors)


def _child(element: Element, namespace: str, name: str) -> str:
    """The text of element's child wp:name (namespace given), stripped."""
    return text_of(element.find(qualified(namespace, name))).strip()


def _post(item: Element, wp: str) -> Post:
    """An item, read; ImportRefused names the item when something in it cannot be read."""
    post_id = _child(item, wp, "post_id")
    if not post_id:
        raise ImportRefused("an item has no wp:post_id")
    status = _child(item, wp, "status")
    date = _date(_child(item, wp, "post_date_gmt"), _child(item, wp, "post_date"), post_id)
    category = None
    tags = []
    for term in item.iter("category"):
        name = " ".join(text_of(term).split())
        slug = unquote(term.get("nicename", "")) or name
        if not name:
            continue
        domain = term.get("domain")
        if domain in ("post_tag", "tag"):
            tags.append((name, slug))
        elif domain in ("category", None) and category is None:
            category = (name, slug)
    comments = []
    pings = 0
    for element in item.iter(qualified(wp, "comment")):
        if _child(element, wp, "comment_type") in PING_TYPES:
            pings += 1
        elif _child(element, wp, "comment_type") in ("", "comment"):
            comments.append(_comment(element, wp, date, post_id))
    return Post(
        post_id=post_id,
        post_type=_child(item, wp, "post_type") or "post",
        status=status,
        title=" ".join(text_of(item.find("title")).split()),
        link=text_of(item.find("link")).strip(),
        creator=text_of(item.find(qualified(DC, "creator"))).strip(),
        content=text_of(item.find(qualified(CONTENT, "encoded"))),
        excerpt=text_of(item.find(qualified(f"{wp}excerpt/", "encoded"))),
        post_name=unquote(_child(item, wp, "post_name")),
        date=date,
        comments_open=_child(item, wp, "comment_status") != "closed",
        protected=bool(_child(item, wp, "post_password")),
        category=category,
        tags=tags,
        comments=comments,
        pings=pings,
    )


def _comment(
    element: Element, wp: str, post_date: datetime | None, post_id: str
) -> ImportedComment:
    comment_id = _child(element, wp, "comment_id")
    if not comment_id:
        raise ImportRefused(f"a comment on post {post_id} has no wp:comment_id")
    created = _date(
        _child(element, wp, "comment_date_gmt"), _child(element, wp, "comment_date"), post_id
    )
    created = created or post_date
    if created is None:
        raise ImportRefused(f"comment {comment_id} on post {post_id} has no date")
    parent = _child(element, wp, "comment_parent")
    return ImportedComment(
        source_id=comment_id,
        parent_source_id=parent if parent not in ("", "0") else None,
        author_name=" ".join(_child(element, wp, "comment_author").split()),
        author_email=_child(element, wp, "comment_author_email"),
        author_website=_child(element, wp, "comment_author_url"),
        body_html=text_of(element.find(qualified(wp, "comment_content"))),
        created_at=created,
        status=COMMENT_STATUSES.get(_child(element, wp, "comment_approved"), "pending"),
        ip_address=_child(element, wp, "comment_author_IP") or None,
    )


def _date(gmt: str, local: str, post_id: str) -> datetime | None:
    """The GMT date, or the site's local one when WordPress left the GMT one empty (a draft),
    taken as UTC; None when neither is set."""
    value = gmt if gmt and gmt != NO_DATE else local
    if not value or value == NO_DATE:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        raise ImportRefused(f"post {post_id} has a date that is not one: {value!r}") from None
