"""Kept pages: every public reader page, kept until something it shows changes.

What is kept: a page as a reader with nothing of their own gets it (blog.keptpages builds it),
under its address (scheme, host, path and the query that names the page), stamped with the
versions of what it shows. Nothing per visitor is ever kept: the places a visitor's own parts go
(flashes, the comment form as they left it, the staff links) are marked in the kept page and
rendered for them around it.

What invalidates: every commit that changes a comment bumps its article's version and the
comments generation (comment feeds and counts); every commit that changes an article, author,
category or tag (or runs a bulk UPDATE/DELETE) bumps the content generation. Versions are random
tokens, set after the commit and read before a page is built, so a page built from data older
than a bump carries a stamp that no longer matches and is never served. Time invalidates too:
a kept page is served only until the next scheduled article's publication time (found once per
content generation) or the moment its own comments close.

A hit costs one read of the page (kept in the process as well, LocalPages) and one read of its
stamps, and no SQL. The cache is Flask-Caching: a directory under instance/ by default (shared
by every worker on the machine), Redis when CACHE_REDIS_URL is set.

The versions are kept apart from the pages (version_store): a cache that holds a bounded number
of entries (the directory, the in-process cache) drops the entries that never expire first when
it is full, so pages filling it would take the keys that decide with them. Losing one anyway only
ever invalidates: a missing key is made anew, and no page was kept under the new value.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from itertools import chain
from typing import Any, Protocol

import sqlalchemy as sa
from cachelib import BaseCache, FileSystemCache, SimpleCache
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from blog.extensions import cache, db
from blog.models import (
    Article,
    Author,
    Category,
    Comment,
    CommentStatus,
    Tag,
    article_tags,
)

GENERATION_KEY = "content-generation"
COMMENTS_KEY = "comments-generation"
_TOUCHED = "pagecache_touched"
_EVERYTHING = "everything"
_VERSION_STORE = "pagecache_versions"
_LOCAL_PAGES = "pagecache_local_pages"
#: The in-process store of versions holds this many (cachelib's SimpleCache has no "unbounded").
_LOCAL_VERSIONS = 1_000_000
#: Stored for "no article is scheduled": a kept page then waits for a commit, not a time.
NEVER = 0.0


class Stamped(Protocol):
    """What the cache needs of a kept page to decide whether it is still current."""

    stamps: Mapping[str, str]
    until: float | None


def enabled() -> bool:
    return current_app.config["CACHE_TYPE"] != "NullCache"


def version_store(app: Flask | None = None) -> BaseCache:
    """Where the generations and the articles' versions are kept: never among the pages.

    A directory gets a sibling directory with no limit on its entries (one per article and two
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


def article_key(article_id: int) -> str:
    return f"article-version:{article_id}"


def _page_key(address: str) -> str:
    return f"page:{address}"


def _next_publication_key(generation_value: str) -> str:
    return f"next-publication:{generation_value}"


def current(key: str) -> str:
    """The version under key now (made on first use, and again should it be lost)."""
    versions = version_store()
    value = versions.get(key)
    if value is None:
        versions.add(key, uuid.uuid4().hex, timeout=0)
        value = versions.get(key)
    return value


def generation() -> str:
    """The current content generation."""
    return current(GENERATION_KEY)


def current_version(article_id: int) -> str:
    """The article's version now; read before the page is built."""
    return current(article_key(article_id))


def site_stamps() -> dict[str, str]:
    """The stamps of a page that lists articles: the content and the comments generations."""
    return {GENERATION_KEY: generation(), COMMENTS_KEY: current(COMMENTS_KEY)}


def next_publication(generation_seen: str) -> float:
    """When the next scheduled article becomes visible (epoch seconds), or NEVER.

    One index seek per content generation: saving, scheduling or unscheduling an article makes a
    new generation, so the answer kept under the old one is never read again.
    """
    versions, key = version_store(), _next_publication_key(generation_seen)
    value = versions.get(key)
    if value is None:
        moment = db.session.scalar(Article.next_publication())
        value = moment.timestamp() if moment is not None else NEVER
        versions.set(key, value, timeout=0)
    return value


def is_current(page: Stamped, versions: BaseCache, now: float | None = None) -> bool:
    """Whether a kept page may still be served: every stamp as it is now, its time not come."""
    if page.until is not None and page.until != NEVER and (now or time.time()) >= page.until:
        return False
    keys = list(page.stamps)
    return versions.get_many(*keys) == [page.stamps[key] for key in keys]


def put_page(address: str, page: Stamped) -> None:
    """Keep a page under its address (stamped with the versions read before it was built)."""
    cache.set(_page_key(address), page)


def get_page(address: str) -> Any | None:
    """The kept page at this address, if it is still current (read inside Flask)."""
    pages = current_app.extensions["cache"][cache]
    return local_pages(current_app).get(pages, version_store(), address)


class LocalPages:
    """Pages read from the shared cache, kept in this process as well (read outside Flask).

    The shared cache still decides: every hit reads the page's stamps there (one small read)
    and a page is served only while they match. What this saves is reading and unpickling the
    page itself per request.
    """

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._pages: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, pages: BaseCache, versions: BaseCache, address: str) -> Any | None:
        """The page kept at this address, if it is still current."""
        page = self._pages.get(address)
        if page is not None and not is_current(page, versions):
            page = None
        if page is None:
            page = pages.get(_page_key(address))
            if page is None or not is_current(page, versions):
                with self._lock:
                    self._pages.pop(address, None)
                return None
        with self._lock:
            self._pages[address] = page
            self._pages.move_to_end(address)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return page

    def __len__(self) -> int:
        return len(self._pages)


def local_pages(app: Flask) -> LocalPages:
    """The app's pages kept in this process: one store for the fast path and for Flask."""
    return app.extensions.setdefault(_LOCAL_PAGES, LocalPages())


def bump_article(article_id: int) -> None:
    versions = version_store()
    versions.set(article_key(article_id), uuid.uuid4().hex, timeout=0)
    versions.set(COMMENTS_KEY, uuid.uuid4().hex, timeout=0)


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
