"""The page cache in Redis, guarded: a Redis that is stopped, unreachable or slow is a miss.

A cache is an accelerator: losing it may make the site slower, never broken. So every call to
Redis here has a short connect and socket timeout (CACHE_REDIS_TIMEOUT_SECONDS) and no retries,
and a failure opens a circuit breaker (Breaker): for CACHE_RETRY_SECONDS nothing more is asked
of Redis in this process, reads answer "not kept" and writes are dropped. A paused Redis thus
costs each worker one timeout per interval, not one per request, and the log says once per
interval that the cache is unreachable.

When the interval is over, the next call is a trial. Before it runs, the store settles what the
outage may have left behind (GuardedRedisCache.recovered, set by blog.pagecache): the versions
that Redis still holds from before the outage must not pass a page built from data older than
a change made while it was away.

Flask-Caching builds the backend from CACHE_TYPE = "blog.sharedcache.GuardedRedisCache" (what
create_app sets when CACHE_REDIS_URL is set) through its public factory classmethod.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from flask import Flask
from flask_caching.backends.rediscache import RedisCache
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)
T = TypeVar("T")

#: What a failed call to Redis raises: its own errors, and the socket's.
FAILURES = (redis.exceptions.RedisError, OSError)


class Breaker:
    """After a failure, nothing is tried for `interval` seconds; then one call is a trial.

    allows() says whether to call at all; failed() and succeeded() report the outcome and
    say whether the state changed (so the change is logged once, not every call).
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
        """Whether a call may be made now: closed, or open and its interval over (a trial)."""
        return self.open_until is None or self.clock() >= self.open_until

    def failed(self) -> bool:
        """A call failed: open for another interval. True when it was closed until now."""
        with self._lock:
            was_closed = self.open_until is None
            self.open_until = self.clock() + self.interval
            return was_closed

    def succeeded(self) -> bool:
        """A call went through: closed. True when it was open until now (a recovery)."""
        with self._lock:
            was_open = self.open_until is not None
            self.open_until = None
            return was_open


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

    def __init__(self, *args: Any, retry_seconds: float = 5.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.breaker = Breaker(retry_seconds)
        #: A version bump failed while Redis was away: owed once it is back (blog.pagecache).
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
        retry = float(config.get("CACHE_RETRY_SECONDS", 5))
        return cls(*args, host=client, retry_seconds=retry, **kwargs)

    def _guarded(self, call: Callable[[], T], unavailable: T) -> T:
        """call(), or `unavailable` when Redis cannot answer now."""
        if not self.breaker.allows():
            return unavailable
        try:
            if self.breaker.is_open and self.recovered is not None:
                self.recovered(self)
            result = call()
        except FAILURES as error:
            if self.breaker.failed():
                log.warning(
                    "page cache unreachable (%s): serving without it, trying again in %g s",
                    error.__class__.__name__,
                    self.breaker.interval,
                )
            return unavailable
        if self.breaker.succeeded():
            log.warning("page cache reachable again")
        return result

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
            lambda: super(GuardedRedisCache, self).set(key, value, timeout=timeout), False
        )

    def add(self, key: str, value: Any, timeout: int | None = None) -> Any:
        return self._guarded(
            lambda: super(GuardedRedisCache, self).add(key, value, timeout=timeout), False
        )

    def set_many(self, mapping: dict[str, Any], timeout: int | None = None) -> list[Any]:
        return self._guarded(
            lambda: super(GuardedRedisCache, self).set_many(mapping, timeout=timeout), []
        )

    def delete(self, key: str) -> bool:
        return self._guarded(lambda: super(GuardedRedisCache, self).delete(key), False)

    def delete_many(self, *keys: str) -> list[Any]:
        return self._guarded(lambda: super(GuardedRedisCache, self).delete_many(*keys), [])

    def inc(self, key: str, delta: int = 1) -> Any:
        return self._guarded(lambda: super(GuardedRedisCache, self).inc(key, delta), None)

    def dec(self, key: str, delta: int = 1) -> Any:
        return self._guarded(lambda: super(GuardedRedisCache, self).dec(key, delta), None)

    def clear(self) -> bool:
        return self._guarded(lambda: super(GuardedRedisCache, self).clear(), False)
