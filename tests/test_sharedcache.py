"""The page cache in Redis, when Redis is away: stopped, paused, or back after an outage."""

from __future__ import annotations

import logging
import socket
import threading
import time
from types import SimpleNamespace

import pytest
import redis
import sqlalchemy as sa

from blog import pagecache, sharedcache
from blog.extensions import db
from blog.models import Article, CacheDebt, Comment
from blog.sharedcache import Breaker, GuardedRedisCache, GuardedRedisStorage, client_options
from tests.conftest import build_app, dispose_when_idle, fresh_database
from tests.deploy.services import RedisServer
from tests.factories import make_article, make_comment, make_staff
from tests.pages import csrf_token, get_html, log_in, post_comment

# --- the breaker, as a rule -------------------------------------------------------------


class Clock:
    """Time the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_stops_calls_for_an_interval_after_a_failure_then_allows_one_trial():
    clock = Clock()
    breaker = Breaker(5, clock)
    assert breaker.allows() and not breaker.is_open
    breaker.failed()
    assert not breaker.allows()
    clock.now += 4.9
    assert not breaker.allows()
    clock.now += 0.2
    assert breaker.allows()  # the trial, for one caller only:
    assert not breaker.allows()  # every other caller waits another interval
    breaker.failed()  # the trial failed
    clock.now += 4.9
    assert not breaker.allows()
    clock.now += 0.2
    assert breaker.allows()
    assert breaker.succeeded() is True  # a recovery: worth one log line
    assert breaker.allows() and breaker.allows() and breaker.succeeded() is False


def test_threads_arriving_together_after_the_interval_make_one_trial(silent_redis):
    store = GuardedRedisCache(
        redis.Redis.from_url(f"redis://127.0.0.1:{silent_redis.port}/0", **client_options(0.25)),
        breaker=Breaker(0.2),
    )
    assert store.get("anything") is None  # the first failure opens the breaker
    time.sleep(0.3)
    threads = [threading.Thread(target=store.get, args=("anything",)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(silent_redis.accepted) == 2  # the first call, then one trial: not eight


# --- a Redis that does not answer -------------------------------------------------------


class SilentServer:
    """A port that accepts connections and never answers, as a paused Redis does; counts
    the connections made to it."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.accepted.append(self.listener.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        for sock in [*self.accepted, self.listener]:
            sock.close()


@pytest.fixture(autouse=True)
def breakers_of_this_test(monkeypatch):
    """Each test's own breakers. The process keeps one per Redis address, and a port a test
    picks as free may be one an earlier test's breaker remembers, with its state and interval
    (a second warning within the interval came from such a one)."""
    monkeypatch.setattr(sharedcache, "_breakers", {})


@pytest.fixture
def silent_redis():
    server = SilentServer()
    yield server
    server.close()


def site_on(tmp_path, redis_url: str, **config):
    """An app on its own database with the page cache (and rate limits) in Redis at redis_url,
    an article and an editor; yields (app, slug)."""
    settings = {
        "CACHE_TYPE": None,
        "CACHE_REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": f"test-{time.monotonic_ns()}:",
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": redis_url,
        **config,
    }
    with fresh_database(tmp_path) as database:
        app = build_app(database, **settings)
        with app.app_context():
            db.create_all()
            slug = make_article(title="Kept story").slug
            make_staff("editor", role="editor")
            db.session.commit()
        yield app, slug
        dispose_when_idle(app)


def a_readers_visit_and_a_staff_members_day(app, slug) -> None:
    """Read, comment, log in, approve: what must work whatever the cache does."""
    reader, staff = app.test_client(), app.test_client()
    assert "Kept story" in get_html(reader, f"/articles/{slug}")
    assert "Kept story" in get_html(reader, "/")
    assert post_comment(reader, slug, body="Written while the cache was away.").status_code in (
        302,
        303,
    )
    assert log_in(staff).status_code in (302, 303)
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).order_by(Comment.id.desc()))
    assert comment.status == "pending"
    token = csrf_token(staff)
    answer = staff.post(f"/admin/comments/{comment.id}/approve", data={"csrf_token": token})
    assert answer.status_code in (302, 303)
    assert "Written while the cache was away." in get_html(reader, f"/articles/{slug}")


def cache_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "page cache unreachable" in r.getMessage()]


def test_with_redis_stopped_everything_works_and_the_log_says_so_once(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Once an interval: one long enough that a slow machine's visit fits in it.
    for app, slug in site_on(tmp_path, f"redis://127.0.0.1:{port}/0", CACHE_RETRY_SECONDS=60):
        a_readers_visit_and_a_staff_members_day(app, slug)
        assert len(cache_warnings(caplog)) == 1


def test_a_paused_redis_costs_one_timeout_per_interval_not_one_per_request(
    tmp_path, caplog, silent_redis
):
    caplog.set_level(logging.WARNING)
    url = f"redis://127.0.0.1:{silent_redis.port}/0"
    for app, slug in site_on(tmp_path, url, CACHE_RETRY_SECONDS=60):
        a_readers_visit_and_a_staff_members_day(app, slug)
        client = app.test_client()
        for _ in range(10):
            get_html(client, f"/articles/{slug}")
        # One call, the first, waited for an answer: the page cache and the rate limits share
        # the breaker, which then kept every later request away from Redis.
        assert len(silent_redis.accepted) == 1
        assert len(cache_warnings(caplog)) == 1


def test_the_rate_limits_storage_asks_a_failed_redis_nothing_until_the_interval_is_over(
    silent_redis,
):
    storage = GuardedRedisStorage(
        f"guarded+redis://127.0.0.1:{silent_redis.port}", retry_seconds=60, **client_options(0.25)
    )
    with pytest.raises(redis.exceptions.TimeoutError):
        storage.incr("a-limit", 60)
    for _ in range(5):
        with pytest.raises(redis.exceptions.ConnectionError):
            storage.incr("a-limit", 60)  # at once, without a connection
        assert storage.check() is False  # Flask-Limiter's "healthy again?"
    assert len(silent_redis.accepted) == 1


# --- invalidation across an outage, on a real Redis -------------------------------------


@pytest.fixture
def redis_server():
    with RedisServer() as server:
        yield server


def approve_the_pending_comment(app) -> None:
    with app.app_context():
        db.session.scalar(sa.select(Comment).where(Comment.status == "pending")).status = "approved"
        db.session.commit()


def test_a_change_made_while_redis_was_paused_shows_once_it_is_back(tmp_path, redis_server):
    for app, slug in site_on(tmp_path, redis_server.url, CACHE_RETRY_SECONDS=0.2):
        reader = app.test_client()
        with app.app_context():
            make_comment(db.session.scalar(sa.select(Article)), status="pending", body="Late.")
            db.session.commit()
        assert "Late." not in get_html(reader, f"/articles/{slug}")  # kept, without it
        redis_server.pause()
        try:
            # A read finds it away first: the approval's bump is then never sent (a command
            # that only timed out would still run once Redis resumes, and hide the rule).
            get_html(reader, f"/articles/{slug}")
            approve_the_pending_comment(app)  # its versions cannot be bumped
            with app.app_context():
                assert db.session.scalar(sa.select(sa.func.count(CacheDebt.id))) == 1
            assert "Late." in get_html(reader, f"/articles/{slug}")  # built without the cache
        finally:
            redis_server.resume()
        time.sleep(0.3)  # past CACHE_RETRY_SECONDS: the next call to Redis is the trial
        # Redis still holds the versions of the page kept before the approval.
        assert "Late." in get_html(reader, f"/articles/{slug}")
        with app.app_context():
            assert not pagecache.version_store().in_debt  # paid: a new content generation
        assert "Late." in get_html(reader, f"/articles/{slug}")  # and kept again, with it


def test_a_change_made_by_a_process_that_ended_in_debt_shows_in_the_others(tmp_path, redis_server):
    """The process that approved during the outage is gone before Redis returns; another,
    which never saw the outage, still holds the page in memory and in Redis."""
    for app, slug in site_on(tmp_path, redis_server.url, CACHE_TRUST_SECONDS=1):
        database = {
            key: app.config[key]
            for key in ("SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS")  # the schema
        }
        with app.app_context():
            make_comment(db.session.scalar(sa.select(Article)), status="pending", body="Late.")
            db.session.commit()
        survivor = app.test_client()
        assert "Late." not in get_html(survivor, f"/articles/{slug}")
        # The writer: another app (another worker) on the same database and Redis.
        writer = build_app(
            database,
            CACHE_TYPE=None,
            CACHE_REDIS_URL=redis_server.url,
            CACHE_KEY_PREFIX=app.config["CACHE_KEY_PREFIX"],
        )
        try:
            with writer.app_context():
                pagecache.generation()  # connected before the outage, as a running worker is
            redis_server.pause()
            try:
                with writer.app_context():
                    pagecache.generation()  # finds Redis away: nothing more is sent
                approve_the_pending_comment(writer)
            finally:
                redis_server.resume()
            with writer.app_context():
                assert pagecache.version_store().in_debt  # and it ends here, never paying it
        finally:
            dispose_when_idle(writer)
        deadline = time.monotonic() + 15
        while "Late." not in get_html(survivor, f"/articles/{slug}"):
            assert time.monotonic() < deadline, "the page kept before the approval lasts"
            time.sleep(0.2)


def test_a_version_that_cannot_be_read_passes_no_kept_page(tmp_path, silent_redis):
    for app, _slug in site_on(tmp_path, f"redis://127.0.0.1:{silent_redis.port}/0"):
        with app.app_context():
            store = pagecache.version_store()
            assert isinstance(store, GuardedRedisCache)
            first, second = pagecache.generation(), pagecache.generation()
            assert first != second and first.startswith("unkept-")
            # What an unanswered read gives, None, never matches, not even a stamp of None.
            page = SimpleNamespace(stamps={pagecache.GENERATION_KEY: None}, until=None)
            assert not pagecache.is_current(page, store)


# --- rate limits while Redis is away ----------------------------------------------------


def limited_site(tmp_path, redis_url: str):
    return site_on(
        tmp_path,
        redis_url,
        COMMENT_RATE_LIMIT="2 per minute",
        RATELIMIT_KEY_PREFIX=f"limits-{time.monotonic_ns()}",
    )


def posts_until_refused(app, slug) -> list[int]:
    reader = app.test_client()
    return [post_comment(reader, slug, body=f"Post {n}.").status_code for n in range(3)]


def test_with_redis_away_limits_are_counted_in_the_process_then_shared_again(
    tmp_path, redis_server
):

    for app, slug in limited_site(tmp_path, redis_server.url):
        redis_server.stop()
        statuses = posts_until_refused(app, slug)
        assert statuses[:2] in ([302, 302], [303, 303]) and statuses[2] == 429  # never no limit
        redis_server.start()  # empty: nothing counted while it was away
        client = redis.Redis.from_url(redis_server.url)
        prefix = app.config["RATELIMIT_KEY_PREFIX"]
        reader = app.test_client()
        # Flask-Limiter looks at the storage again after 1 s, then 2, 4... up to 32 s (and the
        # limiter is one object for every app of this test run, so its wait may have grown).
        deadline = time.monotonic() + 70
        while not list(client.scan_iter(match=f"*{prefix}*")):
            assert time.monotonic() < deadline, "the limits never went back to Redis"
            time.sleep(0.5)
            post_comment(reader, slug, body=f"Back {time.monotonic()}.")
