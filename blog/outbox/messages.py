"""Building an email the outbox can send: one shape for every message the site writes.

Bodies come from people (comments, titles), and a comment can hold a line of thousands of
characters while SMTP refuses lines over 998 bytes, so the body goes out quoted-printable.
Subjects and header values are folded onto one line: a line break would end the header.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from flask import current_app

from blog.outbox.smtp import sender_header

#: The longest line RFC 5322 allows, CRLF aside.
HEADER_LINE_MAX = 998


def one_line(text: str) -> str:
    """text with every run of whitespace, line breaks included, folded to one space."""
    return " ".join(text.split())


def compose(
    subject: str,
    recipients: Sequence[str],
    body: str,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """A plain-text email from the site, with its own Message-ID (kept in the outbox, so a
    message sent twice carries the same one); headers adds more (List-Unsubscribe, ...)."""
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = one_line(subject)
    message["From"] = sender_header(current_app.config)
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    # The site's host, not the machine's name: make_msgid() would look that up in the DNS.
    message["Message-ID"] = make_msgid(domain=urlsplit(current_app.config["SITE_URL"]).hostname)
    for name, value in (headers or {}).items():
        message[name] = one_line(value)
    message.set_content(body, cte="quoted-printable")
    # Folded at 78 characters, the email package writes a longer unbroken value (an unsubscribe
    # URL) as RFC 2047 encoded-words, which no mail provider reads as a link; a header line may
    # have 998 (RFC 5322), so values go out whole. The body is encoded already, in lines of 76.
    message.policy = message.policy.clone(max_line_length=HEADER_LINE_MAX)
    return message
