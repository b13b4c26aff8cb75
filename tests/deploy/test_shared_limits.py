"""Rate limits held in Redis bind every app server, not just the one that counted."""

from __future__ import annotations

from tests.deploy.servers import (
    Browser,
    gunicorn,
    redis_limits,
    server_env,
    shared_database,
)


def test_a_limit_counted_on_one_server_holds_on_another(tmp_path):
    with shared_database(tmp_path) as (database, app, slug):
        env = server_env(
            database,
            **redis_limits(),
            COMMENT_RATE_LIMIT="2 per minute",
            LOGIN_RATE_LIMIT_ACCOUNT="2 per minute",
        )
        with gunicorn(env) as a, gunicorn(env) as b:
            visitor = Browser()
            fields = visitor.form(a.port, f"/articles/{slug}")

            def comment(port: int, body: str) -> int:
                response, _ = visitor.post(
                    port,
                    f"/articles/{slug}/comments",
                    {**fields, "name": "Rita", "email": "rita@example.com", "body": body},
                )
                return response

            assert comment(a.port, "One").status == 303
            assert comment(a.port, "Two").status == 303
            refused = comment(b.port, "Three, elsewhere")
            assert refused.status == 429
            assert int(refused.getheader("Retry-After")) > 0

            # Failed logins count across servers too.
            token = visitor.form(a.port, "/login")["csrf_token"]  # the login form's session

            def login(port: int) -> int:
                response, _ = visitor.post(
                    port,
                    "/login",
                    {"csrf_token": token, "username": "editor", "password": "wrong"},
                )
                return response.status

            assert [login(a.port), login(a.port), login(b.port)] == [422, 422, 429]
