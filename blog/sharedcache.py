"""The page cache in Redis, guarded: a Redis that is stopped, unreachable or slow is a miss.

A cache is an accelerator: losing it may make the site slower, never broken. So every call to
Redis here has a short connect and socket timeout (CACHE_REDIS_TIMEOUT_SECONDS) and no retries,
and a failure opens a circuit breaker (Breaker): for CACHE_RETRY_SECONDS nothing more is asked
of Redis in this process, reads answer "not kept" and writes are dropped. A paused Redis thus
costs each worker one timeout per interval, not one per request, and the log says once per
interval that the cache is unreachable.

When the interval is over, the next call is a trial. Before it runs, the store settles what the
outage may have left behind (GuardedRedisCache.recovered, set by blog.pagecache): the versions
that Redis still holds from before the outage (a paused Redis keeps them; one restarted from a
snapshot has older ones) must not pass a page built from data older than a change made
meanwhile. A write that fails or is skipped leaves the process in debt, paid the same way
before its next call that reaches Redis, whoever's trial it was.

Flask-Caching builds the backend from CACHE_TYPE = "blog.sharedcache.GuardedRedisCache" (what
create_app sets when CACHE_REDIS_URL is set) through its public factory classmethod.

The rate limits' Redis gets the same breaker (GuardedRedisStorage, a storage of the limits
library registered for guarded+redis://, what create_app makes of a redis:// storage URI).
Flask-Limiter falls back to per-process counts when its storage fails, and asks the storage
whether it is healthy again after 1 s, then 2, 4... s; behind the breaker those checks reach
Redis at most once an interval. The cache and the limits on one Redis server share one breaker
in each process (breaker_for), so a paused Redis costs a worker one timeout an interval.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import redis
from flask import Flask
from flask_caching.backends.rediscache import RedisCache
from limits.storage import RedisStorage
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)
T = TypeVar("T")

#: What a failed call to Redis raises: its own errors, and the socket's.
FAILURES = (redis.exceptions.RedisError, OSError)


class Breaker:
    """After a failure, nothing is tried for `interval` seconds; then one call, and one only
    (whichever thread asks first), is the trial.

    allows() says whether to call at all; failed() and succeeded() report the outcome, and
    succeeded() says whether it ended an outage.
    """

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self.open_until: float | None = None  # None: closed, calls go through
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self.open_until is not None

    def allows(self) -> bool:
        """Whether a call may be made now: closed, or the trial once the interval is over
        (the interval starts again for every other caller meanwhile)."""
        if self.open_until is None:
            return True
        with self._lock:
            if self.open_until is None:
                return True
            if self.clock() < self.open_until:
                return False
            self.open_until = self.clock() + self.interval  # this caller's trial
            return True

    def failed(self) -> None:
        """A call failed: open for another interval."""
        with self._lock:
            self.open_until = self.clock() + self.interval

    def succeeded(self) -> bool:
        """A call went through: closed. True when it was open until now (a recovery)."""
        if self.open_until is None:
            return False
        with self._lock:
            was_open = self.open_until is not None
            self.open_until = None
            return was_open


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(url: str, interval: float) -> Breaker:
    """This process's one breaker for the Redis server at url: the page cache and the rate
    limits on one server share it, so a paused Redis costs one timeout an interval, not one
    for each."""
    parts = urlsplit(url.removeprefix("guarded+"))
    server = f"{parts.hostname}:{parts.port or 6379}" if parts.hostname else parts.path
    with _breakers_lock:
        return _breakers.setdefault(server, Breaker(interval))


def client_options(timeout: float) -> dict[str, Any]:
    """redis-py settings for a client that never holds a request long: short timeouts and no
    retries (redis-py retries a failed command three times by default)."""
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
    }


class GuardedRedisCache(RedisCache):
    """Flask-Caching's Redis backend behind a circuit breaker: no call fails or hangs."""

    #: Writes can be lost (Redis away); blog.pagecache keeps its debts for such a store.
    can_lose_writes = True

    def __init__(self, *args: Any, breaker: Breaker | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.breaker = breaker or Breaker(5.0)
        #: A write did not reach Redis: owed (a new content generation, blog.pagecache) before
        #: the next call that does.
        self.in_debt = False
        #: Run before the first call after an outage, with this store; raises if Redis fails.
        self.recovered: Callable[[GuardedRedisCache], None] | None = None

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, Any], args: list[Any], kwargs: dict[str, Any]
    ) -> GuardedRedisCache:
        timeout = float(config.get("CACHE_REDIS_TIMEOUT_SECONDS", 0.25))
        client = redis.Redis.from_url(config["CACHE_REDIS_URL"], **client_options(timeout))
        if config.get("CACHE_KEY_PREFIX"):
            kwargs["key_prefix"] = config["CACHE_KEY_PREFIX"]
        breaker = breaker_for(
            config["CACHE_REDIS_URL"], float(config.get("CACHE_RETRY_SECONDS", 5))
        )
        return cls(*args, host=client, breaker=breaker, **kwargs)

    def _guarded(self, call: Callable[[], T], unavailable: T, *, writes: bool = False) -> T:
        """call(), or `unavailable` when Redis cannot answer now. A write that does not reach
        Redis leaves this process in debt, paid before its next call that does (recovered)."""
        if not self.breaker.allows():
            self.in_debt = self.in_debt or writes
            return unavailable
        recovering = (self.breaker.is_open or self.in_debt) and self.recovered is not None
        try:
            if recovering:
                self.recovered(self)
            result = call()
        except FAILURES as error:
            self.in_debt = self.in_debt or writes or recovering
            self.breaker.failed()
            log.warning(
                "page cache unreachable (%s): serving without it, trying again in %g s",
                error.__class__.__name__,
                self.breaker.interval,
            )
            return unavailable
        if self.breaker.succeeded():
            log.warning("page cache reachable again")
        return result

    @property
    def available(self) -> bool:
        """Whether calls go to Redis now (the breaker is closed)."""
        return not self.breaker.is_open

    # Settling after an outage calls Redis directly, through these unguarded parents.
    def raw_set(self, key: str, value: Any, timeout: int | None = None) -> Any:
        return super().set(key, value, timeout=timeout)

    def raw_delete(self, key: str) -> Any:
        return super().delete(key)

    def get(self, key: str) -> Any:
        return self._guarded(lambda: super(GuardedRedisCache, self).get(key), None)

    def get_many(self, *keys: str) -> list[Any]:
        return self._guarded(
            lambda: super(GuardedRedisCache, self).get_many(*keys), [None] * len(keys)
        )

    def has(self, key: str) -> bool:
        return self._guarded(lambda: super(GuardedRedisCache, self).has(key), False)

    def set(self, key: str, value: Any, timeout: int | None = None) -> Any:
        return self._guarded(
            lambda: super(GuardedRedisCache, self).set(key, value, timeout=timeout),
            False,
            writes=True,
        )

    def add(self, key: str, value: Any, timeout: int | None = None) -> Any:
        return self._guarded(
            lambda: super(GuardedRedisCache, self).add(key, value, timeout=timeout),
            False,
            writes=True,
        )

    def set_many(self, mapping: dict[str, Any], timeout: int | None = None) -> list[Any]:
        return self._guarded(
            lambda: super(GuardedRedisCache, self).set_many(mapping, timeout=timeout),
            [],
            writes=True,
        )

    def delete(self, key: str) -> bool:
        return self._guarded(lambda: super(GuardedRedisCache, self).delete(key), False, writes=True)

    def delete_many(self, *keys: str) -> list[Any]:
        return self._guarded(
            lambda: super(GuardedRedisCache, self).delete_many(*keys), [], writes=True
        )

    def inc(self, key: str, delta: int = 1) -> Any:
        return self._guarded(
            lambda: super(GuardedRedisCache, self).inc(key, delta), None, writes=True
        )

    def dec(self, key: str, delta: int = 1) -> Any:
        return self._guarded(
            lambda: super(GuardedRedisCache, self).dec(key, delta), None, writes=True
        )

    def unlink(self, *keys: str) -> Any:
        return self._guarded(
            lambda: super(GuardedRedisCache, self).unlink(*keys), None, writes=True
        )

    def clear(self) -> bool:
        return self._guarded(lambda: super(GuardedRedisCache, self).clear(), False, writes=True)


class GuardedRedisStorage(RedisStorage):
    """The rate limits' Redis behind a Breaker: while it is open, nothing is asked of Redis (a
    call fails at once, and Flask-Limiter goes on counting in the process)."""

    STORAGE_SCHEME = ["guarded+redis", "guarded+rediss"]

    def __init__(self, uri: str, retry_seconds: float = 5.0, **options: Any) -> None:
        super().__init__(uri.removeprefix("guarded+"), **options)
        self.breaker = breaker_for(uri, float(retry_seconds))

    def _guarded(self, call: Callable[[], T]) -> T:
        if not self.breaker.allows():
            raise redis.exceptions.ConnectionError("not tried: Redis failed a moment ago")
        try:
            result = call()
        except FAILURES:
            self.breaker.failed()
            raise
        self.breaker.succeeded()
        return result

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._guarded(lambda: super(GuardedRedisStorage, self).incr(key, expiry, amount))

    def get(self, key: str) -> int:
        return self._guarded(lambda: super(GuardedRedisStorage, self).get(key))

    def get_expiry(self, key: str) -> float:
        return self._guarded(lambda: super(GuardedRedisStorage, self).get_expiry(key))

    def clear(self, key: str) -> None:
        return self._guarded(lambda: super(GuardedRedisStorage, self).clear(key))

    def check(self) -> bool:
        """Whether Redis answers: asked at most once an interval while the breaker is open."""
        if not self.breaker.allows():
            return False
        healthy = super().check()  # (answers False on any failure)
        if healthy:
            self.breaker.succeeded()
        else:
            self.breaker.failed()
        return healthy


def guarded_storage_uri(uri: str) -> str:
    """The rate limits' storage URI with Redis behind the breaker (other storages unchanged)."""
    if uri.startswith(("redis://", "rediss://")):
        return f"guarded+{uri}"
    return uri
