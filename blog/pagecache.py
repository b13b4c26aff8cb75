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
by every worker on the machine), Redis when CACHE_REDIS_URL is set (blog.sharedcache: a Redis
that is away is a miss, never an error).

Redis can lose writes: a change committed while it is away cannot bump its versions, and once
Redis is back the versions it still holds (or older ones, from a snapshot it restarted with)
would pass pages built before the change. Three rules make that impossible:
- a version that cannot be read is a token no kept page carries, so nothing is served from the
  cache while it is away; a bump that fails is a debt, written to the database (CacheDebt) as
  well, in case the process ends before Redis is back;
- the first call a process makes to Redis after an outage it saw (or after any write of its that
  did not reach Redis) starts a new content generation, every kept page stale, and drops
  SETTLED_KEY;
- every kept page is stamped with SETTLED_KEY, the newest debt in the database when it was last
  looked at; Redis keeps that key CACHE_TRUST_SECONDS only, so at least that often (and at once
  after any process saw an outage) the database is asked again, and a newer debt (a process that
  ended in debt) changes the value every kept page was stamped with.
So a change made while Redis was away shows no later than CACHE_TRUST_SECONDS after Redis
returns, and at once if the process that made it is still running.

The versions are kept apart from the pages (version_store): a cache that holds a bounded number
of entries (the directory, the in-process cache) drops the entries that never expire first when
it is full, so pages filling it would take the keys that decide with them. Losing one anyway only
ever invalidates: a missing key is made anew, and no page was kept under the new value.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, datetime
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
    CacheDebt,
    Category,
    Comment,
    CommentStatus,
    Tag,
    article_tags,
)
from blog.sharedcache import GuardedRedisCache

log = logging.getLogger(__name__)

GENERATION_KEY = "content-generation"
COMMENTS_KEY = "comments-generation"
#: The newest cache debt in the database when it was last looked at (stores that can lose writes).
SETTLED_KEY = "settled-debt"
#: The same, kept for good: what stands while the database cannot be asked.
LAST_SETTLED_KEY = "settled-debt-last"
_TOUCHED = "pagecache_touched"
_IN_DEBT = "pagecache_in_debt"
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
    if isinstance(pages, GuardedRedisCache):
        pages.recovered = pay_debts_after_outage
    return pages


def can_lose_writes(versions: BaseCache) -> bool:
    """Whether the store can be away (Redis): then pages carry SETTLED_KEY and bumps that fail
    are debts."""
    return getattr(versions, "can_lose_writes", False)


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
    if value is None:  # the store is away
        return unkept()
    return value


def unkept() -> str:
    """What stands for a version the store cannot give: a token no kept page carries, or will."""
    return f"unkept-{uuid.uuid4().hex}"


def generation() -> str:
    """The current content generation."""
    return current(GENERATION_KEY)


def current_version(article_id: int) -> str:
    """The article's version now; read before the page is built."""
    return current(article_key(article_id))


def site_stamps() -> dict[str, str]:
    """The stamps of a page that lists articles: the content and the comments generations
    (and, where the store can lose writes, the debts settled)."""
    stamps = {GENERATION_KEY: generation(), COMMENTS_KEY: current(COMMENTS_KEY)}
    if can_lose_writes(version_store()):
        stamps[SETTLED_KEY] = settled()
    return stamps


def settled() -> str:
    """The newest cache debt the database holds, as the store keeps it (CACHE_TRUST_SECONDS);
    looked up in the database again once the store has let it go."""
    versions = version_store()
    if not getattr(versions, "available", True):
        return unkept()  # nothing is kept or served from it meanwhile
    value = versions.get(SETTLED_KEY)
    if value is None:
        try:
            newest = db.session.scalar(sa.select(sa.func.max(CacheDebt.id)))
        except (sa.exc.OperationalError, sa.exc.InterfaceError):
            db.session.rollback()
            # Nothing is committed while the database is away, so no change can have left a
            # debt since the last look: that answer stands, and kept pages go on being served.
            value = versions.get(LAST_SETTLED_KEY)
            if value is None:
                raise
        else:
            value = str(newest or 0)
            versions.set(LAST_SETTLED_KEY, value, timeout=0)
        # Only if no process put a newer answer there meanwhile.
        versions.add(SETTLED_KEY, value, timeout=current_app.config["CACHE_TRUST_SECONDS"])
        value = versions.get(SETTLED_KEY) or value
    return value


def pay_debts_after_outage(store: GuardedRedisCache) -> None:
    """Before this process's first call to reach Redis after an outage (or after a write that
    did not reach it): a new content generation, whatever Redis holds now (versions from before
    the outage, or older ones from a snapshot it restarted with), and SETTLED_KEY dropped, so
    that the next page read anywhere looks for debts other processes left in the database.
    Raises if Redis fails (the store then stays in debt)."""
    store.in_debt = False  # before: a write that fails meanwhile owes again
    store.raw_set(GENERATION_KEY, uuid.uuid4().hex, timeout=0)
    store.raw_delete(SETTLED_KEY)


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
    values = versions.get_many(*keys)
    return None not in values and values == [page.stamps[key] for key in keys]


def put_page(address: str, page: Stamped) -> None:
    """Keep a page under its address (stamped with the versions read before it was built)."""
    cache.set(_page_key(address), page)


def get_page(address: str) -> Any | None:
    """The kept page at this address, if it is still current (read inside Flask)."""
    pages, versions = current_app.extensions["cache"][cache], version_store()
    if can_lose_writes(versions):
        settled()  # looked up again if the store let it go, so kept pages stay current
    return local_pages(current_app).get(pages, versions, address)


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


def bump_article(article_id: int) -> bool:
    """A new version for the article and the comments generation; False if one was not kept."""
    versions = version_store()
    kept = versions.set(article_key(article_id), uuid.uuid4().hex, timeout=0)
    return bool(versions.set(COMMENTS_KEY, uuid.uuid4().hex, timeout=0)) and bool(kept)


def bump_everything() -> bool:
    """A new content generation; False if it was not kept."""
    return bool(version_store().set(GENERATION_KEY, uuid.uuid4().hex, timeout=0))


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
    kept = bump_everything() if _EVERYTHING in touched else True
    for article_id in touched - {_EVERYTHING}:
        if article_id is not None:
            kept = bump_article(article_id) and kept
    if not kept and can_lose_writes(version_store()):
        # The store owes it already (sharedcache); written down too once the transaction is
        # over, in case this process ends before Redis is back.
        session.info[_IN_DEBT] = True


def _forget(session: Session) -> None:
    session.info.pop(_TOUCHED, None)


def _write_down_debt(session: Session, transaction: Any) -> None:
    """After a transaction whose bump failed, once its connection is back in the pool: the
    debt in the database, for the processes that never saw the outage."""
    if transaction.parent is not None or not session.info.pop(_IN_DEBT, False):
        return
    try:
        with db.engine.begin() as connection:
            connection.execute(sa.insert(CacheDebt).values(created_at=datetime.now(UTC)))
    except sa.exc.SQLAlchemyError as error:
        # This process still owes it and pays when the cache is back; only a process that
        # ends before then leaves it unpaid, and the stale page then lasts until an edit.
        log.error("cache debt not written down: %s", error.__class__.__name__)


#: The Session events that collect what a transaction changed, and bump versions after commit.
_LISTENERS = (
    ("after_flush", _collect),
    ("do_orm_execute", _collect_bulk),
    ("after_commit", _bump),
    ("after_rollback", _forget),
    ("after_transaction_end", _write_down_debt),
)


def init_app(app: Flask) -> None:
    """Listen to every Session's flushes and commits, so a change invalidates its pages.

    The listeners are the ORM's, for the whole process: a second app adds none.
    """
    for event, listener in _LISTENERS:
        if not sa.event.contains(Session, event, listener):
            sa.event.listen(Session, event, listener)
