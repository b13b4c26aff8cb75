"""Email to staff when a comment waits for moderation (only when MAIL_SERVER is configured).

The message carries the comment, why it waits, and a link that opens the queue; the link never
acts by itself. It is written to the outbox (blog.outbox) in the comment's own transaction, so a
stored comment always has its notice and a refused one never does, and nothing the commenter
does waits on the mail server. The message never carries the commenter's email.

Comments can hold a line of thousands of characters, and SMTP refuses lines over 998 bytes, so
the body goes out quoted-printable (see notice_message). Titles and addresses come from people:
a line break in a header would end it, so the subject is folded onto one line and a stored
address that is not a plain one is left out.
"""

from __future__ import annotations

from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app, render_template

from blog.auth.accounts import EmailRefused, check_staff_email
from blog.extensions import db
from blog.models import Article, Comment, CommentStatus, OutboxMessage, Staff
from blog.outbox.messages import compose, one_line
from blog.outbox.queue import enqueue
from blog.siteurl import site_url_for


def moderation_notice(comment: Comment, article: Article, recipients: list[str]) -> EmailMessage:
    """The email about one waiting comment."""
    # On SITE_URL, never on the commenter's Host header: this link lands in every staff inbox.
    queue_url = site_url_for("admin.comments", status="pending", _anchor=f"row-{comment.id}")
    site = current_app.config["SITE_NAME"]
    title = one_line(article.title)
    return compose(
        f"[{site}] A comment on \u201c{title}\u201d awaits moderation",
        recipients,
        render_template(
            "comments/notice.txt",
            comment=comment,
            article=article,
            title=title,
            queue_url=queue_url,
            site_name=site,
        ),
    )


def notice_recipients(comment_id: int) -> list[str]:
    """The addresses of active staff who have one; an unusable stored address is logged and
    left out, so that it never stops the others' notice."""
    rows = db.session.execute(
        sa.select(Staff.id, Staff.email).where(Staff.active.is_(True), Staff.email.isnot(None))
    ).all()
    recipients = []
    for staff_id, email in rows:
        try:
            # The checked spelling, never the stored one: strip() may have hidden a line break.
            address = check_staff_email(email)
        except EmailRefused:
            current_app.logger.error(
                "moderation notice for comment %s not sent to staff account %s: "
                "its email is not a valid address",
                comment_id,
                staff_id,
            )
        else:
            if address:
                recipients.append(address)
    return recipients


def notify_staff(comment: Comment, article: Article) -> OutboxMessage | None:
    """Put the notice of a waiting comment in the outbox, in the comment's transaction, for
    every active staff account that has an address; None when nobody is to hear of it."""
    if comment.status != CommentStatus.PENDING:
        return None
    db.session.flush()  # the comment's id, for the link to its row in the queue
    recipients = notice_recipients(comment.id)
    if not recipients:
        return None
    return enqueue(moderation_notice(comment, article, recipients), recipients, kind="moderation")
