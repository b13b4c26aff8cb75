"""Rate limits under several gunicorn workers: exact on Redis, and a warning when in memory."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from tests.deploy.servers import (
    Browser,
    gunicorn,
    redis_limits,
    server_env,
    shared_database,
)

WORKERS = 4
WARNING = "rate limits are counted in each worker's memory"


def burst(count: int, send) -> list[int]:
    """Send count requests at once, so that every worker gets some; their statuses."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(send, range(count)))


def test_four_workers_on_redis_let_through_exactly_the_limit(tmp_path):
    with (
        shared_database(tmp_path) as (database, app, slug),
        gunicorn(server_env(database, **redis_limits()), workers=WORKERS) as server,
    ):
        visitor = Browser()
        fields = visitor.form(server.port, f"/articles/{slug}")

        # One after another, each on a new connection, as the workers take them. (Failed
        # logins are counted after the password check, so a simultaneous burst could
        # slip past any storage; that is the login limit's own matter.)
        credentials = {"username": "editor", "password": "wrong"}
        data = {"csrf_token": visitor.form(server.port, "/login")["csrf_token"], **credentials}
        logins = [visitor.post(server.port, "/login", data)[0].status for _ in range(20)]
        assert logins == [422] * 5 + [429] * 15  # LOGIN_RATE_LIMIT_*: 5 a minute

        def comment(n: int) -> int:
            one = Browser()
            one.cookies = dict(visitor.cookies)
            data = {**fields, "name": "Rita", "email": "rita@example.com", "body": f"No. {n}"}
            return one.post(server.port, f"/articles/{slug}/comments", data)[0].status

        comments = burst(12, comment)
        assert sorted(comments) == [303] * 5 + [429] * 7  # COMMENT_RATE_LIMIT: 5 a minute
        assert WARNING not in server.log()


def test_four_workers_with_limits_in_memory_warn_once_at_startup_naming_the_setting(tmp_path):
    with (
        shared_database(tmp_path) as (database, app, slug),
        gunicorn(server_env(database), workers=WORKERS) as server,
    ):
        deadline = time.monotonic() + 10
        while server.log().count("Booting worker") < WORKERS and time.monotonic() < deadline:
            time.sleep(0.1)
        warnings = [line for line in server.log().splitlines() if WARNING in line]
        assert len(warnings) == 1
        assert "[WARNING]" in warnings[0]
        assert "FLASK_RATELIMIT_STORAGE_URI=redis://" in warnings[0]
        assert f"{WORKERS} workers" in warnings[0]
