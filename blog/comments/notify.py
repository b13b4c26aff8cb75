"""Email to staff when a comment waits for moderation (only when MAIL_SERVER is configured).

The message carries the comment, why it waits, and a link that opens the queue; the link never
acts by itself. Sending happens on a background thread so a slow mail server never holds up the
commenter; a notice that cannot be sent is logged at ERROR with the comment's id (and never the
commenter's email, which the message does not carry either).

Comments can hold a line of thousands of characters, and SMTP refuses lines over 998 bytes, so
the body goes out quoted-printable (see NoticeMessage). Titles and addresses come from people:
a line break in a header would end it, so the subject is folded onto one line and a stored
address that is not a plain one is left out.
"""

from __future__ import annotations

import threading
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate

import sqlalchemy as sa
from flask import Flask, current_app, render_template
from flask_mail import Message

from blog.auth.accounts import EmailRefused, check_staff_email
from blog.extensions import db, mail
from blog.models import Article, Comment, CommentStatus, Staff
from blog.siteurl import site_url_for


class NoticeMessage(Message):
    """A Flask-Mail message whose text goes out quoted-printable, in lines SMTP accepts.

    Flask-Mail registers UTF-8 bodies with no transfer encoding, so a comment on one long line
    would be sent as one line and refused; it offers no setting for this. Its connection sends
    what as_bytes() returns, so this adapter builds those bytes with the email package instead.
    tests/comments/test_notify.py sends a 3,000-character line through a real SMTP server and
    fails if Flask-Mail ever stops sending these bytes.
    """

    def as_bytes(self) -> bytes:
        """The message on the wire: headers refuse line breaks, the body is quoted-printable."""
        message = EmailMessage(policy=policy.SMTP)
        message["Subject"] = self.subject
        message["From"] = formataddr(self.sender) if isinstance(self.sender, tuple) else self.sender
        message["To"] = ", ".join(self.recipients)
        message["Date"] = formatdate(self.date, localtime=True)
        message["Message-ID"] = self.msgId
        message.set_content(self.body, cte="quoted-printable")
        return message.as_bytes()

    def as_string(self) -> str:
        """The same message as text (it is ASCII throughout)."""
        return self.as_bytes().decode("ascii")


def one_line(text: str) -> str:
    """text with every run of whitespace, line breaks included, folded to one space."""
    return " ".join(text.split())


def moderation_notice(comment: Comment, article: Article, recipients: list[str]) -> NoticeMessage:
    """The email about one waiting comment."""
    # On SITE_URL, never on the commenter's Host header: this link lands in every staff inbox.
    queue_url = site_url_for("admin.comments", status="pending", _anchor=f"row-{comment.id}")
    site = current_app.config["SITE_NAME"]
    title = one_line(article.title)
    return NoticeMessage(
        subject=one_line(f"[{site}] A comment on \u201c{title}\u201d awaits moderation"),
        recipients=recipients,
        body=render_template(
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


def notify_staff(comment: Comment, article: Article) -> threading.Thread | None:
    """Email every active staff account that has an address; returns the sending thread."""
    if not current_app.config.get("MAIL_SERVER") or comment.status != CommentStatus.PENDING:
        return None
    recipients = notice_recipients(comment.id)
    if not recipients:
        return None
    message = moderation_notice(comment, article, recipients)
    app = current_app._get_current_object()
    thread = threading.Thread(target=_send, args=(app, message, comment.id), daemon=True)
    thread.start()
    return thread


def _send(app: Flask, message: NoticeMessage, comment_id: int) -> None:
    """Send one notice (on its own thread); a failure is logged, never raised."""
    with app.app_context():
        try:
            mail.send(message)
        # Anything at all: this thread is the notice's last stop, and an exception escaping it
        # would vanish with the thread. Only the class (and the SMTP code) is logged: an SMTP
        # error's text can repeat the addresses it was given.
        except Exception as exc:
            code = getattr(exc, "smtp_code", None)
            app.logger.error(
                "moderation notice for comment %s not sent: %s%s",
                comment_id,
                exc.__class__.__name__,
                f" (SMTP {code})" if code else "",
            )
