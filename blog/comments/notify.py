"""Email to staff when a comment waits for moderation, with links to decide on it from the inbox.

The message carries the comment, why it waits, a link that opens the queue, and one link per
decision (Approve, Spam, Trash). No link acts by being opened (mail scanners open links): each
opens a page in the staff area with one button, and that button's POST uses the link up
(blog.admin.inbox). A decision link is signed (blog.signing), names the comment, the action and
the status the comment had when the notice was written, and holds MODERATION_LINK_DAYS.

The notice is written to the outbox (blog.outbox) in the comment's own transaction, so a
stored comment always has its notice and a refused one never does, and nothing the commenter
does waits on the mail server. The message never carries the commenter's email.

Comments can hold a line of thousands of characters, and SMTP refuses lines over 998 bytes, so
the body goes out quoted-printable (blog.outbox.messages.compose). Titles and addresses come
from people: a line break in a header would end it, so the subject is folded onto one line and
a stored address that is not a plain one is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app, render_template

from blog.auth.accounts import EmailRefused, check_staff_email
from blog.extensions import db
from blog.models import Article, Comment, CommentStatus, OutboxMessage, Staff
from blog.outbox.messages import compose, one_line
from blog.outbox.queue import enqueue
from blog.signing import LinkProblem, is_spent, make_token, read_token
from blog.siteurl import site_url_for

#: The purpose moderation links are signed for (blog.signing keeps purposes apart).
MODERATION_LINK = "moderate"
#: The decisions a staff notice offers a link for, in the order the email lists them.
LINK_ACTIONS = ("approve", "spam", "trash")


@dataclass(frozen=True)
class ModerationLink:
    """What a valid moderation link asks: this action on this comment, while it has status."""

    comment_id: int
    action: str
    #: The comment's status when the notice was written; any other means someone decided.
    status: str


def moderation_token(comment: Comment, action: str) -> str:
    """The signed token of the link that applies action to comment."""
    return make_token(MODERATION_LINK, [comment.id, action, comment.status])


def link_days() -> float:
    """How long a moderation link holds, in seconds."""
    return float(current_app.config["MODERATION_LINK_DAYS"]) * 24 * 3600


def read_moderation_token(token: str) -> ModerationLink | LinkProblem:
    """What a moderation link asks, or why it cannot be used: forged (or altered, or made for
    something else), used already, or older than MODERATION_LINK_DAYS."""
    payload = read_token(MODERATION_LINK, token)
    if not (
        isinstance(payload, list)
        and len(payload) == 3
        and isinstance(payload[0], int)
        and payload[1] in LINK_ACTIONS
        and isinstance(payload[2], str)
    ):
        return LinkProblem.FORGED
    if is_spent(MODERATION_LINK, token):
        return LinkProblem.USED
    if read_token(MODERATION_LINK, token, max_age=link_days()) is None:
        return LinkProblem.EXPIRED
    return ModerationLink(*payload)


def moderation_notice(comment: Comment, article: Article, recipients: list[str]) -> EmailMessage:
    """The email about one waiting comment."""
    # On SITE_URL, never on the commenter's Host header: this link lands in every staff inbox.
    queue_url = site_url_for("admin.comments", status="pending", _anchor=f"row-{comment.id}")
    decisions = [
        # The labels are the queue's buttons' (blog.admin.actions.ACTIONS): Approve, Spam, Trash.
        (action.capitalize(), site_url_for("inbox.decide", link=moderation_token(comment, action)))
        for action in LINK_ACTIONS
    ]
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
            decisions=decisions,
            link_days=current_app.config["MODERATION_LINK_DAYS"],
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
