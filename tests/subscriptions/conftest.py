"""Fixtures: an app whose mail goes to a real SMTP server (aiosmtpd) run by the test, sent by
hand (send_due), so each test says when mail leaves."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from email.message import EmailMessage

import pytest
from flask import Flask

from blog.extensions import db
from blog.outbox.sender import Round, send_due
from tests.comments.test_notify import Inbox, free_port, smtp_server
from tests.conftest import build_app, fresh_database

#: A link to the site in a message's text.
LINK = re.compile(r"http://localhost(/\S+)")


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with smtp_server(inbox, free_port()) as port:
        yield inbox, port


@pytest.fixture
def mail_app(tmp_path, inbox) -> Iterator[Flask]:
    """An app with its schema, sending to the test's SMTP server when send() is called."""
    _, port = inbox
    with fresh_database(tmp_path) as database:
        app = build_app(
            database, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, OUTBOX_SENDER_THREAD=False
        )
        with app.app_context():
            db.create_all()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def send(mail_app: Flask) -> Callable[[], Round]:
    """Run one sending round of the outbox (digests' composer first), as the worker does."""

    def run() -> Round:
        with mail_app.app_context():
            return send_due()

    return run


def links(message: EmailMessage) -> list[str]:
    """The paths of the site's links in a message's text, in order."""
    return LINK.findall(message.get_content())


def unsubscribe_path(message: EmailMessage) -> str:
    """The path of a message's https unsubscribe link (List-Unsubscribe's first entry)."""
    first = message["List-Unsubscribe"].split(",")[0].strip()
    return LINK.match(first.strip("<>")).group(1)
