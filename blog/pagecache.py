"""Rendered article pages for anonymous readers, kept until something they show changes.

What is kept: an article's rendered fragments (head, body with author box, one page of approved
comment threads), keyed by host, slug, comment page and the site's content generation, and
stamped with the article's version. Nothing per visitor is ever kept: the comment form, CSRF
token, flashes, a visitor's own pending comment and the staff links are rendered around the
fragments on every request.

What invalidates: every commit that changes a comment bumps its article's version; every commit
that changes an article, author, category or tag (or runs a bulk UPDATE/DELETE) bumps the
content generation. Versions are random tokens, set after the commit, so a page rendered from
data older than a bump can only ever be stored under a key nobody asks for again.

A hit costs two cache reads and no SQL. The cache is Flask-Caching: a directory under instance/
by default (shared by every worker on the machine), Redis when CACHE_REDIS_URL is set.

The generation and the versions are kept apart from the pages (version_store): a cache that
holds a bounded number of entries (the directory, the in-process cache) drops the entries that
never expire first when it is full, so pages filling it would take the keys that decide with
them. Losing one anyway only ever invalidates: a missing key is made anew, and no page was kept
under the new value.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import asdict, dataclass
from itertools import chain
from typing import Any

import sqlalchemy as sa
from cachelib import BaseCache, FileSystemCache, SimpleCache
from flask import Flask, current_app, has_app_context, request
from sqlalchemy.orm import Session

from blog.extensions import cache
from blog.models import Article, Author, Category, Comment, CommentStatus, Tag, article_tags

GENERATION_KEY = "content-generation"
_TOUCHED = "pagecache_touched"
_EVERYTHING = "everything"
_VERSION_STORE = "pagecache_versions"
#: The in-process store of versions holds this many (cachelib's SimpleCache has no "unbounded").
_LOCAL_VERSIONS = 1_000_000


@dataclass
class ArticleParts:
    """An article page's fragments and the facts the per-visitor part needs."""

    article_id: int
    version: str
    slug: str
    title: str
    description: str
    head: str
    body: str
    comments: str
    comment_pages: int
    comments_open: bool
    published_at: Any
    closed: bool
    #: Whether the page as a visitor without cookies gets it is kept too (blog.fastpath).
    has_anonymous_page: bool = False


@dataclass
class AnonymousPage:
    """The page every cookieless visitor gets, cut at the places their own values go."""

    article_id: int
    version: str
    comments_open: bool
    published_at: Any
    closed: bool
    #: The page's bytes, in pieces between the placeholders (see blog.fastpath).
    pieces: list[bytes]

    @classmethod
    def of(cls, parts: ArticleParts, pieces: list[bytes]) -> AnonymousPage:
        """The cookieless page of these fragments, stamped with the same version."""
        return cls(
            parts.article_id,
            parts.version,
            parts.comments_open,
            parts.published_at,
            parts.closed,
            pieces,
        )


def enabled() -> bool:
    return current_app.config["CACHE_TYPE"] != "NullCache"


def version_store(app: Flask | None = None) -> BaseCache:
    """Where the generation and the articles' versions are kept: never among the pages.

    A directory gets a sibling directory with no limit on its entries (one per article and one
    for the site); the in-process cache gets one of its own. Redis evicts nothing by count, so
    the keys stay in the same database. Made on first use for the page cache bound then.
    """
    app = app or current_app
    pages = app.extensions["cache"][cache]
    made_for, store = app.extensions.get(_VERSION_STORE, (None, None))
    if made_for is not pages:
        store = _store_apart_from(pages, app.config)
        app.extensions[_VERSION_STORE] = (pages, store)
    return store


def _store_apart_from(pages: BaseCache, config: Any) -> BaseCache:
    if isinstance(pages, FileSystemCache):
        directory = config["CACHE_DIR"].rstrip("/\\") + "-versions"
        return FileSystemCache(directory, threshold=0, default_timeout=0)
    if isinstance(pages, SimpleCache):
        return SimpleCache(threshold=_LOCAL_VERSIONS, default_timeout=0)
    return pages


def _version_key(article_id: int) -> str:
    return f"article-version:{article_id}"


def _parts_key(host: str, slug: str, page: int, generation: str) -> str:
    # host is scheme and host ("https://news.example/"): pages hold absolute URLs.
    return f"article-parts:{host}:{slug}:{page}:{generation}"


def generation() -> str:
    """The current content generation (made on first use, and again should it be lost)."""
    versions = version_store()
    value = versions.get(GENERATION_KEY)
    if value is None:
        value = uuid.uuid4().hex
        versions.add(GENERATION_KEY, value, timeout=0)
        value = versions.get(GENERATION_KEY) or value
    return value


def get(slug: str, page: int, generation_seen: str) -> ArticleParts | None:
    """The kept fragments of this page under the generation the caller read, if still current."""
    stored = cache.get(_parts_key(request.host_url, slug, page, generation_seen))
    if stored is None:
        return None
    parts = ArticleParts(**stored)
    if version_store().get(_version_key(parts.article_id)) != parts.version:
        return None
    return parts


def current_version(article_id: int) -> str:
    """The article's version now (made on first use); read before the page is built."""
    versions, key = version_store(), _version_key(article_id)
    value = versions.get(key)
    if value is None:
        versions.add(key, uuid.uuid4().hex, timeout=0)
        value = versions.get(key)
    return value


def _anonymous_key(host: str, slug: str, page: int, generation: str) -> str:
    return f"article-anonymous:{host}:{slug}:{page}:{generation}"


def put_anonymous(slug: str, page: int, anonymous: AnonymousPage, generation_seen: str) -> None:
    """Keep the cookieless visitor's page, stored apart so a hit unpickles only bytes."""
    cache.set(_anonymous_key(request.host_url, slug, page, generation_seen), asdict(anonymous))


class LocalPages:
    """Cookieless pages read from the shared cache, kept in this process as well.

    The shared cache still decides: every hit reads the content generation and the article's
    version there (two small reads) and a page is served only under the generation and version
    it was kept with. What this saves is reading and unpickling the page itself per request.
    """

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._pages: OrderedDict[str, AnonymousPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self, pages: Any, versions: Any, host: str, slug: str, page: int
    ) -> AnonymousPage | None:
        """The cookieless visitor's page, if it is still current (read outside Flask)."""
        current = versions.get(GENERATION_KEY)
        if current is None:
            return None
        key = _anonymous_key(host, slug, page, current)
        anonymous = self._pages.get(key)
        if anonymous is not None and not self._current(versions, anonymous):
            anonymous = None
        if anonymous is None:
            stored = pages.get(key)
            anonymous = AnonymousPage(**stored) if stored is not None else None
            if anonymous is None or not self._current(versions, anonymous):
                with self._lock:
                    self._pages.pop(key, None)
                return None
        with self._lock:
            self._pages[key] = anonymous
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return anonymous

    def __len__(self) -> int:
        return len(self._pages)

    @staticmethod
    def _current(versions: Any, anonymous: AnonymousPage) -> bool:
        return versions.get(_version_key(anonymous.article_id)) == anonymous.version


def put(parts: ArticleParts, page: int, generation_seen: str) -> None:
    """Keep fragments under the generation that was current before they were built."""
    cache.set(_parts_key(request.host_url, parts.slug, page, generation_seen), asdict(parts))


def bump_article(article_id: int) -> None:
    version_store().set(_version_key(article_id), uuid.uuid4().hex, timeout=0)


def bump_everything() -> None:
    version_store().set(GENERATION_KEY, uuid.uuid4().hex, timeout=0)


# --- invalidation from the ORM ------------------------------------------------------------


def _touched(session: Session) -> set:
    return session.info.setdefault(_TOUCHED, set())


def _collect(session: Session, _context: Any) -> None:
    touched = _touched(session)
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Comment):
            if obj in session.new and obj.status != CommentStatus.APPROVED:
                continue  # a comment readers cannot see yet changes no page
            touched.add(obj.article_id)
        elif isinstance(obj, (Article, Author, Category, Tag)):
            touched.add(_EVERYTHING)


def _collect_bulk(state: Any) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    tables = {getattr(m, "local_table", None) for m in state.all_mappers}
    statement_table = getattr(state.statement, "table", None)
    watched = {
        Article.__table__,
        Comment.__table__,
        Author.__table__,
        Category.__table__,
        Tag.__table__,
        article_tags,
    }
    if tables & watched or statement_table in watched:
        _touched(state.session).add(_EVERYTHING)


def _bump(session: Session) -> None:
    touched = session.info.pop(_TOUCHED, set())
    if not touched or not has_app_context() or not enabled():
        return
    if _EVERYTHING in touched:
        bump_everything()
    for article_id in touched - {_EVERYTHING}:
        if article_id is not None:
            bump_article(article_id)


def _forget(session: Session) -> None:
    session.info.pop(_TOUCHED, None)


#: The Session events that collect what a transaction changed, and bump versions after commit.
_LISTENERS = (
    ("after_flush", _collect),
    ("do_orm_execute", _collect_bulk),
    ("after_commit", _bump),
    ("after_rollback", _forget),
)


def init_app(app: Flask) -> None:
    """Listen to every Session's flushes and commits, so a change invalidates its pages.

    The listeners are the ORM's, for the whole process: a second app adds none.
    """
    for event, listener in _LISTENERS:
        if not sa.event.contains(Session, event, listener):
            sa.event.listen(Session, event, listener)
