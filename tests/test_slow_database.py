"""A slow database: a reader's statement is bounded in time, a staff member's write longer."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from blog.database import statement_timeout_ms
from blog.extensions import db
from blog.models import Comment
from tests.factories import make_article, make_comment, make_staff
from tests.pages import csrf_token, get_html, log_in


def test_each_kind_of_work_gets_its_own_bound(app):
    app.config.update(READER_STATEMENT_TIMEOUT_MS=5000, STAFF_WRITE_STATEMENT_TIMEOUT_MS=30000)
    with app.test_request_context("/articles/a-story"):
        assert statement_timeout_ms() == 5000
    with app.test_request_context("/articles/a-story/comments", method="POST"):
        assert statement_timeout_ms() == 5000  # a reader's write is a reader's
    with app.test_request_context("/admin/comments/1/approve", method="POST"):
        assert statement_timeout_ms() == 30000
    with app.test_request_context("/admin/articles/1/edit", method="POST"):
        assert statement_timeout_ms() == 30000
    with app.test_request_context("/admin/comments"):
        assert statement_timeout_ms() == 5000  # and tighter still, per request (timebound)
    with app.app_context():
        assert statement_timeout_ms() == 0  # commands, migrations: unbounded


@pytest.fixture
def postgres_app(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("statement_timeout is PostgreSQL's (SQLite is a local file)")
        article = make_article(title="A story")
        make_comment(article, status="pending", body="Waiting.")
        make_staff("editor", role="editor")
        db.session.commit()
        app.config["SLUG"] = article.slug
    app.config.update(
        READER_STATEMENT_TIMEOUT_MS=300,
        ADMIN_STATEMENT_TIMEOUT_MS=300,  # the staff screens' bound: not their writes'
        STAFF_WRITE_STATEMENT_TIMEOUT_MS=20000,
    )
    return app


class HeldLock:
    """Another session holding the comments table, as a stuck migration or a long report
    would; released after `seconds` (or at the end)."""

    def __init__(self, app, seconds: float) -> None:
        with app.app_context():
            self.connection = db.engine.connect()
        self.transaction = self.connection.begin()
        self.connection.exec_driver_sql("LOCK TABLE comments IN ACCESS EXCLUSIVE MODE")
        self.timer = threading.Timer(seconds, self.release)
        self.timer.start()

    def release(self) -> None:
        if self.transaction.is_active:
            self.transaction.rollback()
            self.connection.close()

    def __enter__(self) -> HeldLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.timer.join()


def test_a_reader_waiting_on_a_stuck_database_gets_the_styled_503(postgres_app, client):
    slug = postgres_app.config["SLUG"]
    with HeldLock(postgres_app, seconds=3):
        response = client.get(f"/articles/{slug}")
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        page = response.get_data(as_text=True)
        assert "too busy" in page and 'class="site-header"' in page
    assert client.get(f"/articles/{slug}").status_code == 200  # and it answers again


def test_a_staff_write_may_wait_longer_than_a_reader_or_a_staff_screen(postgres_app, client):
    log_in(client)
    token = csrf_token(client)
    with postgres_app.app_context():
        comment_id = db.session.scalar(sa.select(Comment.id))
    with HeldLock(postgres_app, seconds=1):  # longer than a reader's or a staff screen's
        answer = client.post(f"/admin/comments/{comment_id}/approve", data={"csrf_token": token})
    assert answer.status_code == 303
    with postgres_app.app_context():
        assert db.session.get(Comment, comment_id).status == "approved"
    assert "Waiting." in get_html(client, f"/articles/{postgres_app.config['SLUG']}")


def test_a_staff_screen_waiting_on_a_stuck_database_gets_the_styled_503(postgres_app, client):
    log_in(client)
    with HeldLock(postgres_app, seconds=3):
        response = client.get("/admin/comments")
        assert response.status_code == 503  # not a 500 from the page's own pending count
        assert "too busy" in response.get_data(as_text=True)
