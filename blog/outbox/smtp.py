"""Handing one message to the mail server, every step bounded by MAIL_TIMEOUT_SECONDS.

smtplib directly, with no extension around it: Flask-Mail 0.10, used before the outbox, set no
timeout on its connection (a mail server that accepts and never answers would hold a sender for
ever) and verified no certificate on STARTTLS. The settings keep its names (MAIL_SERVER,
MAIL_PORT, MAIL_USE_TLS, ...), so existing configurations go on working.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping, Sequence
from email.utils import formataddr, parseaddr
from typing import Any


def deliver(message: bytes, recipients: Sequence[str], config: Mapping[str, Any]) -> int:
    """Send message to recipients through MAIL_SERVER; returns how many recipients the server
    refused while taking it for the others. Raises OSError (smtplib's errors are ones)."""
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    if config["MAIL_USE_SSL"]:
        connection = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = smtplib.SMTP(host, port, timeout=timeout)
    with connection:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            connection.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"] and config["MAIL_PASSWORD"]:
            connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        refused = connection.sendmail(envelope_sender(config), list(recipients), message)
    return len(refused)


def sender_header(config: Mapping[str, Any]) -> str:
    """MAIL_DEFAULT_SENDER as a From header ("blog@host", "Name <blog@host>", or a pair)."""
    sender = config["MAIL_DEFAULT_SENDER"]
    return formataddr(sender) if isinstance(sender, (tuple, list)) else sender


def envelope_sender(config: Mapping[str, Any]) -> str:
    """The bare address of MAIL_DEFAULT_SENDER, for MAIL FROM."""
    return parseaddr(sender_header(config))[1]


def is_refusal(error: BaseException) -> bool:
    """Whether the mail server answered and refused this message (the next may still go),
    rather than being away or failing as a whole."""
    refusals = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)
    return isinstance(error, refusals)
