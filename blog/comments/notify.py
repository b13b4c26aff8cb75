"""Email to staff when a comment waits for moderation (only when MAIL_SERVER is configured).

The message carries the comment, why it waits, and a link that opens the queue; the link never
acts by itself. Sending happens on a background thread so a slow mail server never holds up the
commenter.
"""

from __future__ import annotations

import smtplib
import threading

import sqlalchemy as sa
from flask import Flask, current_app, render_template
from flask_mail import Message

from blog.extensions import db, mail
from blog.models import Article, Comment, CommentStatus, Staff
from blog.siteurl import site_url_for


def moderation_notice(comment: Comment, article: Article, recipients: list[str]) -> Message:
    """The email about one waiting comment."""
    # On SITE_URL, never on the commenter's Host header: this link lands in every staff inbox.
    queue_url = site_url_for("admin.comments", status="pending", _anchor=f"row-{comment.id}")
    site = current_app.config["SITE_NAME"]
    return Message(
        subject=f"[{site}] A comment on \u201c{article.title}\u201d awaits moderation",
        recipients=recipients,
        body=render_template(
            "comments/notice.txt",
            comment=comment,
            article=article,
            queue_url=queue_url,
            site_name=site,
        ),
    )


def notify_staff(comment: Comment, article: Article) -> threading.Thread | None:
    """Email every active staff account that has an address; returns the sending thread."""
    if not current_app.config.get("MAIL_SERVER") or comment.status != CommentStatus.PENDING:
        return None
    recipients = db.session.scalars(
        sa.select(Staff.email).where(Staff.active.is_(True), Staff.email.isnot(None))
    ).all()
    if not recipients:
        return None
    message = moderation_notice(comment, article, list(recipients))
    app = current_app._get_current_object()
    thread = threading.Thread(target=_send, args=(app, message, comment.id), daemon=True)
    thread.start()
    return thread


def _send(app: Flask, message: Message, comment_id: int) -> None:
    with app.app_context():
        try:
            mail.send(message)
        except (OSError, smtplib.SMTPException) as exc:
            app.logger.warning(
                "moderation notice for comment %s not sent: %s", comment_id, exc.__class__.__name__
            )
