"""The paging rule without HTTP: capped counts, cursors, and a walk through a listing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from blog.admin.paging import (
    Count,
    Keyset,
    NoSuchPage,
    Segment,
    capped_count,
    escape_like,
    parse_cursor,
)
from blog.extensions import db
from blog.models import Comment, utcnow
from tests.factories import make_article, make_comment


def test_a_count_over_its_cap_says_so():
    assert str(Count(0, 1000)) == "0" and not Count(0, 1000)
    assert str(Count(1000, 1000)) == "1,000" and not Count(1000, 1000).over
    assert str(Count(1001, 1000)) == "1,000+" and Count(1001, 1000).over
    assert str(Count(4, 3)) == "3+"


def test_a_capped_count_reads_no_more_than_the_cap(app):
    with app.app_context():
        article = make_article()
        for _ in range(5):
            make_comment(article)
        db.session.commit()
        rows = sa.select(Comment.id)
        assert db.session.scalar(sa.select(capped_count(rows, 3))) == 4
        assert db.session.scalar(sa.select(capped_count(rows, 5))) == 5
        assert db.session.scalar(sa.select(capped_count(rows.where(sa.false()), 3))) == 0


def test_a_cursor_is_a_row_id_and_nothing_else():
    assert parse_cursor(None) is None
    assert parse_cursor("1") == 1 and parse_cursor("2147483647") == 2147483647
    for garbage in ("", "0", "-1", "+1", "01", "1.5", "x", "1 ", "٣", "2147483648", "9" * 5000):
        with pytest.raises(NotFound):
            parse_cursor(garbage)


def test_like_patterns_are_escaped():
    assert escape_like(r"50%_\x") == r"50\%\_\\x"


def _listing() -> Keyset:
    """Approved comments, newest first."""
    return Keyset(
        sa.select(Comment),
        Comment.id,
        [Comment.status == "approved"],
        [Segment(sa.true(), (Comment.created_at, Comment.id))],
    )


def test_walking_older_then_newer_visits_every_row_once_in_order(app):
    with app.app_context():
        article = make_article()
        now = utcnow()
        made = [
            # Ties on created_at are broken by id.
            make_comment(article, created_at=now - timedelta(minutes=n // 2))
            for n in range(11)
        ]
        make_comment(article, status="spam")
        db.session.commit()
        expected = sorted(made, key=lambda c: (c.created_at, c.id), reverse=True)
        expected = [c.id for c in expected]
        seen, cursors, before = [], [], None
        while True:
            page = _listing().page(before, 3)
            seen += [c.id for c in page.items]
            cursors.append(before)
            if page.older is None:
                break
            before = page.older
        assert seen == expected
        # Newer from each page leads back to the page before it, up to the first.
        for earlier, later in zip(cursors, cursors[1:], strict=False):
            page = _listing().page(later, 3)
            assert page.has_newer and page.newer == earlier
        assert not _listing().page(None, 3).has_newer


def test_a_cursor_that_names_no_page_is_refused(app):
    with app.app_context():
        article = make_article()
        oldest = make_comment(article, created_at=utcnow() - timedelta(days=1))
        make_comment(article)
        spam = make_comment(article, status="spam")
        db.session.commit()
        for before in (oldest.id, spam.id, 10_000):
            with pytest.raises(NoSuchPage):
                _listing().page(before, 3)


def test_newest_keeps_only_the_newest_rows(app):
    with app.app_context():
        article = make_article()
        now = utcnow()
        made = [make_comment(article, created_at=now - timedelta(minutes=n)) for n in range(6)]
        db.session.commit()
        ids = [c.id for c in made]
        listing = _listing()
        assert listing.newest(4)
        assert [c.id for c in listing.page(None, 10).items] == ids[:4]
        assert not _listing().newest(6)
