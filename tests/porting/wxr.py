"""WordPress export files for the tests, written as WordPress's wp-admin/includes/export.php
writes them: the same elements, in the same order, CDATA where it puts CDATA.

WXR 1.2 (WordPress 3.1 and later: wp:author blocks, CDATA around most values) is the default;
version="1.0" writes the older layout (no wp:author blocks, plain values, the title escaped).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

SITE = "https://old.example.org"


def cdata(text: str) -> str:
    """As export.php's wxr_cdata: a CDATA section, any "]]>" in it split across two."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def mysql_date(moment: datetime) -> str:
    """A date as MySQL and WordPress write it."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Comment:
    """A wp:comment block."""

    comment_id: int
    content: str = "A reader's comment."
    author: str = "A Reader"
    email: str = "reader@example.org"
    url: str = ""
    ip: str = "203.0.113.9"
    #: In UTC; the site's local time is written an hour ahead (a site in UTC+1).
    date: datetime = field(default_factory=lambda: datetime(2014, 1, 2, 9, 30, tzinfo=UTC))
    approved: str = "1"
    comment_type: str = "comment"
    parent: int = 0
    user_id: int = 0


@dataclass
class Item:
    """An <item>: a post unless post_type says otherwise."""

    post_id: int
    title: str = "A post"
    post_name: str = ""
    content: str = "Some words."
    excerpt: str = ""
    status: str = "publish"
    post_type: str = "post"
    #: In UTC; None writes WordPress's "no date" GMT (a draft) with a local date beside it.
    date: datetime | None = field(default_factory=lambda: datetime(2014, 1, 1, 10, tzinfo=UTC))
    creator: str = "ellen"
    #: (name, slug) pairs.
    categories: list[tuple[str, str]] = field(default_factory=list)
    tags: list[tuple[str, str]] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    comment_status: str = "open"
    link: str | None = None

    def permalink(self, site: str) -> str:
        """A dated permalink for a published post, WordPress's ?p= link for anything else."""
        if self.link is not None:
            return self.link
        if self.status in ("publish", "future") and self.date and self.post_name:
            return f"{site}/{self.date:%Y/%m}/{self.post_name}/"
        return f"{site}/?p={self.post_id}"


#: Login → display name, the export's wp:author blocks.
AUTHORS = {"ellen": "Ellen Ward", "sam": "Sam Okafor"}


def _value(text: str, plain: bool) -> str:
    return escape(text) if plain else cdata(text)


def _comment(c: Comment, plain: bool) -> str:
    local = c.date + timedelta(hours=1)
    return f"""
		<wp:comment>
			<wp:comment_id>{c.comment_id}</wp:comment_id>
			<wp:comment_author>{cdata(c.author)}</wp:comment_author>
			<wp:comment_author_email>{_value(c.email, plain)}</wp:comment_author_email>
			<wp:comment_author_url>{escape(c.url)}</wp:comment_author_url>
			<wp:comment_author_IP>{_value(c.ip, plain)}</wp:comment_author_IP>
			<wp:comment_date>{_value(mysql_date(local), plain)}</wp:comment_date>
			<wp:comment_date_gmt>{_value(mysql_date(c.date), plain)}</wp:comment_date_gmt>
			<wp:comment_content>{cdata(c.content)}</wp:comment_content>
			<wp:comment_approved>{_value(c.approved, plain)}</wp:comment_approved>
			<wp:comment_type>{_value(c.comment_type, plain)}</wp:comment_type>
			<wp:comment_parent>{c.parent}</wp:comment_parent>
			<wp:comment_user_id>{c.user_id}</wp:comment_user_id>
		</wp:comment>"""


def _item(item: Item, site: str, plain: bool) -> str:
    date = item.date or datetime(2014, 3, 1, 8, tzinfo=UTC)
    gmt = mysql_date(item.date) if item.date else "0000-00-00 00:00:00"
    local = mysql_date(date + timedelta(hours=1))
    title = escape(item.title) if plain else cdata(item.title)
    terms = "".join(
        f'\n\t\t<category domain="{domain}" nicename="{slug}">{cdata(name)}</category>'
        for domain, pairs in (("category", item.categories), ("post_tag", item.tags))
        for name, slug in pairs
    )
    comments = "".join(_comment(c, plain) for c in item.comments)
    v = lambda text: _value(text, plain)  # noqa: E731 - the export's own shorthand
    return f"""
	<item>
		<title>{title}</title>
		<link>{escape(item.permalink(site))}</link>
		<pubDate>{date:%a, %d %b %Y %H:%M:%S} +0000</pubDate>
		<dc:creator>{cdata(item.creator)}</dc:creator>
		<guid isPermaLink="false">{site}/?p={item.post_id}</guid>
		<description></description>
		<content:encoded>{cdata(item.content)}</content:encoded>
		<excerpt:encoded>{cdata(item.excerpt)}</excerpt:encoded>
		<wp:post_id>{item.post_id}</wp:post_id>
		<wp:post_date>{v(local)}</wp:post_date>
		<wp:post_date_gmt>{v(gmt)}</wp:post_date_gmt>
		<wp:post_modified>{v(local)}</wp:post_modified>
		<wp:post_modified_gmt>{v(gmt)}</wp:post_modified_gmt>
		<wp:comment_status>{v(item.comment_status)}</wp:comment_status>
		<wp:ping_status>{v("open")}</wp:ping_status>
		<wp:post_name>{v(item.post_name)}</wp:post_name>
		<wp:status>{v(item.status)}</wp:status>
		<wp:post_parent>0</wp:post_parent>
		<wp:menu_order>0</wp:menu_order>
		<wp:post_type>{v(item.post_type)}</wp:post_type>
		<wp:post_password>{v("")}</wp:post_password>
		<wp:is_sticky>0</wp:is_sticky>{terms}
		<wp:postmeta>
		<wp:meta_key>{v("_edit_last")}</wp:meta_key>
		<wp:meta_value>{cdata("1")}</wp:meta_value>
		</wp:postmeta>{comments}
	</item>"""


def wxr(
    items: list[Item],
    *,
    version: str = "1.2",
    site: str = SITE,
    authors: dict[str, str] | None = None,
) -> str:
    """The text of an export of these items."""
    plain = version == "1.0"
    authors = AUTHORS if authors is None else authors
    author_blocks = (
        ""
        if plain
        else "".join(
            f"\t<wp:author><wp:author_id>{n}</wp:author_id>"
            f"<wp:author_login>{cdata(login)}</wp:author_login>"
            f"<wp:author_email>{cdata(login + '@old.example.org')}</wp:author_email>"
            f"<wp:author_display_name>{cdata(name)}</wp:author_display_name>"
            f"<wp:author_first_name>{cdata(name.split()[0])}</wp:author_first_name>"
            f"<wp:author_last_name>{cdata(name.split()[-1])}</wp:author_last_name>"
            "</wp:author>\n"
            for n, (login, name) in enumerate(authors.items(), start=1)
        )
    )
    body = "".join(_item(item, site, plain) for item in items)
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<!-- This is a WordPress eXtended RSS file generated by WordPress as an export of your site. -->
<!-- generator="WordPress/6.4.2" created="2026-12-06 10:00" -->
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/{version}/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/{version}/"
>

<channel>
	<title>The Old Gazette</title>
	<link>{site}</link>
	<description>News from the harbour</description>
	<pubDate>Sun, 06 Dec 2026 10:00:00 +0000</pubDate>
	<language>en-GB</language>
	<wp:wxr_version>{version}</wp:wxr_version>
	<wp:base_site_url>{site}</wp:base_site_url>
	<wp:base_blog_url>{site}</wp:base_blog_url>

{author_blocks}
	<wp:category>
		<wp:term_id>1</wp:term_id>
		<wp:category_nicename>{cdata("uncategorized")}</wp:category_nicename>
		<wp:category_parent>{cdata("")}</wp:category_parent>
		<wp:cat_name>{cdata("Uncategorized")}</wp:cat_name>
	</wp:category>
	<generator>https://wordpress.org/?v=6.4.2</generator>
{body}
</channel>
</rss>
"""


def write_wxr(path: Path, items: list[Item], **options: object) -> Path:
    """Write an export of these items to path."""
    path.write_text(wxr(items, **options), encoding="utf-8")
    return path
