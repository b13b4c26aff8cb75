"""A staff request's statements are cancelled past ADMIN_STATEMENT_TIMEOUT_MS; others never."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from blog.admin.timebound import start_clock, stop_clock
from blog.extensions import db

#: A statement that runs for seconds on either database.
SLOW = sa.text(
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000000)"
    " SELECT count(*) FROM n"
)


def test_a_staff_statement_past_its_time_is_cancelled(app):
    app.config["ADMIN_STATEMENT_TIMEOUT_MS"] = 50
    with app.test_request_context("/admin/comments"):
        start_clock()
        began = time.monotonic()
        with pytest.raises(sa.exc.OperationalError):
            db.session.execute(SLOW)
        assert time.monotonic() - began < 2
        db.session.rollback()
        stop_clock()
        db.session.remove()


def test_other_requests_are_not_bounded(app):
    app.config["ADMIN_STATEMENT_TIMEOUT_MS"] = 1
    short = sa.text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)"
        " SELECT count(*) FROM n"
    )
    with app.test_request_context("/admin/comments"):
        start_clock()
        stop_clock()
        assert db.session.execute(short).scalar() == 200000
        db.session.remove()
    with app.test_request_context("/"):
        assert db.session.execute(short).scalar() == 200000
        db.session.remove()


def test_a_staff_page_that_runs_out_of_time_is_a_503(app, editor, article_id, monkeypatch):
    app.config["ADMIN_STATEMENT_TIMEOUT_MS"] = 50
    from blog.admin import queries

    monkeypatch.setattr(queries, "newest_pending", lambda _limit: db.session.execute(SLOW).all())
    response = editor.get("/admin/")
    assert response.status_code == 503
    assert editor.get("/admin/comments").status_code == 200
