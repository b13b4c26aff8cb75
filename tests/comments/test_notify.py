"""Staff hear about waiting comments by email, through a real SMTP server run by the test."""

from __future__ import annotations

import socket
import time
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from blog.extensions import db
from tests.conftest import build_app, fresh_database
from tests.factories import make_article, make_staff
from tests.pages import post_comment


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default))
        )
        return "250 Message accepted"

    def wait_for(self, count: int, seconds: float = 10) -> list:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def test_a_waiting_comment_is_emailed_to_staff_with_a_link_to_the_queue(tmp_path, smtp):
    inbox, port = smtp
    with fresh_database(tmp_path) as database:
        app = build_app(
            database,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            MAIL_SUPPRESS_SEND=False,
            COMMENT_MAX_LINKS=0,
        )
        with app.app_context():
            db.create_all()
            slug = make_article(title="Ferry fares").slug
            make_staff("editor", email="editor@newsroom.example")
            make_staff("retired", email="retired@newsroom.example", active=False)
            make_staff("nomail")
            db.session.commit()
        response = post_comment(app.test_client(), slug, body="Fares up again? https://x.example")
        assert response.status_code == 303
        [(recipients, message)] = inbox.wait_for(1)
        assert recipients == ["editor@newsroom.example"]
        assert "Ferry fares" in message["Subject"]
        text = message.get_content()
        assert "Fares up again? https://x.example" in text
        assert "Held because: too many links (1)" in text
        assert "http://localhost/admin/comments?status=pending#row-1" in text
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_nothing_is_sent_without_a_mail_server(app, client, smtp):
    inbox, _ = smtp
    with app.app_context():
        slug = make_article().slug
        make_staff("editor", email="editor@newsroom.example")
        db.session.commit()
    assert app.config["MAIL_SERVER"] is None
    post_comment(client, slug)
    time.sleep(0.3)
    assert inbox.messages == []
