"""`flask purge` and its daily run: IP addresses, user agents and reporters' traces past
COMMENT_IP_RETENTION_DAYS, and old mail files; bans and young rows untouched."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import sqlalchemy as sa

from blog.extensions import db
from blog.models import Ban, Comment, CommentReport, utcnow
from blog.outbox.pickup import pickup_dir, write_message
from blog.outbox.sender import send_due
from blog.privacy.purge import PURGED_AT
from tests.factories import make_article, make_comment


def rows(app) -> dict[str, int]:
    """An old and a young comment with addresses, a report of each, a ban, two mail files."""
    with app.app_context():
        article = make_article()
        now = utcnow()
        old = make_comment(
            article,
            ip_address="198.51.100.7",
            user_agent="Old browser",
            created_at=now - timedelta(days=31),
        )
        young = make_comment(
            article,
            ip_address="198.51.100.8",
            user_agent="New browser",
            created_at=now - timedelta(days=29),
        )
        db.session.flush()
        for comment, age in ((old, 31), (young, 1)):
            db.session.add(
                CommentReport(
                    comment_id=comment.id,
                    reason="spam",
                    reporter="r" * 32,
                    network="n" * 32,
                    created_at=now - timedelta(days=age),
                )
            )
        db.session.add(Ban(kind="ip", value="198.51.100.7/32", reason="spam"))
        db.session.commit()
        folder = pickup_dir(app)
        stale = write_message(folder, 1, "reply", b"Subject: old\r\n\r\nold\r\n")
        write_message(folder, 2, "reply", b"Subject: new\r\n\r\nnew\r\n")
        month_ago = time.time() - 31 * 86400
        os.utime(stale, (month_ago, month_ago))
        return {"old": old.id, "young": young.id}


def test_the_command_purges_what_is_past_its_time_and_says_what(app, runner):
    ids = rows(app)
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Purged: IP addresses and user agents of 1 comments, reporter traces of 1 reports,"
        " 1 mail files.\n"
    )
    with app.app_context():
        old, young = db.session.get(Comment, ids["old"]), db.session.get(Comment, ids["young"])
        assert (old.ip_address, old.user_agent) == (None, None)
        assert (young.ip_address, young.user_agent) == ("198.51.100.8", "New browser")
        reports = {r.comment_id: r for r in db.session.scalars(sa.select(CommentReport))}
        assert reports[ids["old"]].reporter == reports[ids["old"]].network
        assert reports[ids["old"]].reporter.startswith("purged:")
        assert reports[ids["young"]].network == "n" * 32
        assert db.session.scalar(sa.select(Ban.value)) == "198.51.100.7/32"
    assert [p.read_bytes().split(b"\r\n")[0] for p in pickup_dir(app).iterdir()] == [
        b"Subject: new"
    ]
    again = runner.invoke(args=["purge"])
    assert "of 0 comments, reporter traces of 0 reports, 0 mail files" in again.output


def test_the_sending_rounds_purge_once_a_day(app):
    ids = rows(app)
    with app.app_context():
        send_due()
        assert db.session.get(Comment, ids["old"]).ip_address is None
        db.session.execute(
            sa.update(Comment).where(Comment.id == ids["old"]).values(ip_address="192.0.2.1")
        )
        db.session.commit()
        send_due()  # the same day: not again
        assert db.session.get(Comment, ids["old"]).ip_address == "192.0.2.1"
        app.extensions[PURGED_AT] -= 24 * 3600
        send_due()
        assert db.session.get(Comment, ids["old"]).ip_address is None
