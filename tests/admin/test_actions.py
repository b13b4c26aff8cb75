"""What staff do to a comment, without HTTP: the action table, a staff reply, an edit."""

from __future__ import annotations

import sqlalchemy as sa

from blog.admin.actions import ACTIONS, edit_comment, moderate, staff_reply
from blog.extensions import db
from blog.models import CommentRevision, CommentStatus, ModerationAction
from tests.factories import (
    COMMENT_RULES,
    make_article,
    make_comment,
    make_reply_chain,
    make_staff,
)


def test_an_action_that_does_not_apply_changes_nothing_and_records_nothing(app):
    with app.app_context():
        comment = make_comment(make_article(), status=CommentStatus.APPROVED)
        staff = make_staff()
        db.session.flush()
        assert not moderate(comment, ACTIONS["approve"], staff)
        assert comment.status == CommentStatus.APPROVED
        assert db.session.scalar(sa.select(sa.func.count(ModerationAction.id))) == 0


def test_restore_puts_a_trashed_comment_back_as_it_was(app):
    with app.app_context():
        comment = make_comment(make_article(), status=CommentStatus.SPAM)
        staff = make_staff()
        db.session.flush()
        assert moderate(comment, ACTIONS["trash"], staff)
        db.session.flush()
        assert moderate(comment, ACTIONS["restore"], staff)
        assert comment.status == CommentStatus.SPAM


def test_a_staff_reply_approves_its_parent_and_attaches_beside_the_deepest(app):
    with app.app_context():
        _, middle, deepest = make_reply_chain(make_article(), 3, status=CommentStatus.PENDING)
        staff = make_staff()
        db.session.commit()
        reply = staff_reply(deepest, staff, "Thanks, corrected.", COMMENT_RULES)
        assert deepest.status == CommentStatus.APPROVED
        assert (reply.parent_id, reply.depth) == (middle.id, 3)
        assert reply.staff_id == staff.id and reply.status == CommentStatus.APPROVED


def test_an_edit_keeps_the_old_text_but_line_endings_alone_are_no_edit(app):
    with app.app_context():
        comment = make_comment(make_article(), body="one\ntwo")
        staff = make_staff()
        db.session.commit()
        assert not edit_comment(comment, "one\r\ntwo", staff)
        assert edit_comment(comment, "one\ntwo, corrected", staff)
        revisions = db.session.scalars(sa.select(CommentRevision.body)).all()
        assert revisions == ["one\ntwo"] and comment.edited_at is not None
