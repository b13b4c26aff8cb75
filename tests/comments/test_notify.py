"""Staff hear about waiting comments by email, through a real SMTP server run by the test."""

from __future__ import annotations

import logging
import re
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from email import message_from_bytes
from email.policy import default

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from blog.comments import submission
from blog.extensions import db
from blog.models import Article, Comment, CommentStatus, OutboxMessage, utcnow
from blog.outbox.pickup import list_files, pickup_dir
from blog.outbox.sender import Round, send_due
from tests.conftest import build_app, fresh_database
from tests.factories import make_article, make_comment, make_staff
from tests.pages import get_html, log_in, post_comment


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list = []
        #: The messages as they came over the wire.
        self.raw: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.original_content)
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


@contextmanager
def smtp_server(inbox: Inbox, port: int) -> Iterator[int]:
    """A real SMTP server on 127.0.0.1:port handing what it receives to inbox."""
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@pytest.fixture
def smtp():
    inbox = Inbox()
    with smtp_server(inbox, free_port()) as port:
        yield inbox, port


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
        # One link per decision, each opening a page with its button (tests/admin/test_inbox.py).
        decisions = re.findall(r"^(\w+): http://localhost/admin/inbox\?link=\S+?\r?$", text, re.M)
        assert decisions == ["Approve", "Spam", "Trash"]
        assert "it works once, for 3 days" in text
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_link_in_the_notice_leads_a_staff_member_through_login_to_the_comment(tmp_path, smtp):
    """Follow the emailed link as a person would: logged out, it asks for the login, and the
    login lands on the queue row of the waiting comment. Opening it changes nothing."""
    inbox, port = smtp
    with fresh_database(tmp_path) as database:
        app = build_app(database, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False)
        with app.app_context():
            db.create_all()
            slug = make_article(title="Ferry fares").slug
            make_staff("editor", email="editor@newsroom.example")
            db.session.commit()
        post_comment(app.test_client(), slug, body="Will the night crossing keep its bicycles?")
        [(_, message)] = inbox.wait_for(1)
        link = re.search(r"http://localhost(/admin/comments\S+)", message.get_content()).group(1)
        path, _, fragment = link.partition("#")

        staff = app.test_client()
        asked = staff.get(path)
        assert asked.status_code == 302
        assert asked.headers["Location"].startswith("/login?next=")
        logged_in = log_in(staff, next_url=path)
        assert logged_in.headers["Location"] == path
        queue = get_html(staff, path)
        assert f'id="{fragment}"' in queue
        assert "Will the night crossing keep its bicycles?" in queue
        with app.app_context():
            assert db.session.scalar(sa.select(Comment.status)) == CommentStatus.PENDING
            db.session.remove()
            db.engine.dispose()


def test_without_a_mail_server_the_notice_is_kept_in_the_pickup_folder(app, client, smtp):
    inbox, _ = smtp
    with app.app_context():
        slug = make_article().slug
        make_staff("editor", email="editor@newsroom.example")
        db.session.commit()
    assert app.config["MAIL_SERVER"] is None
    post_comment(client, slug)
    rows = outbox_rows(app)
    assert [row.kind for row in rows] == ["moderation"]
    with app.app_context():
        assert send_due().sent == 1
    files, count = list_files(pickup_dir(app), 10)
    assert count == 1
    kept = message_from_bytes((pickup_dir(app) / files[0].name).read_bytes(), policy=default)
    assert "awaits moderation" in kept["Subject"]
    assert kept["To"] == "editor@newsroom.example"
    assert inbox.messages == []  # kept, not sent anywhere


class Refusing(Inbox):
    """A mail server that refuses every message, as one does a line over 998 bytes."""

    async def handle_DATA(self, server, session, envelope):
        return "554 Transaction failed: refused"


COMMENTER_EMAIL = "ada.private@example.com"


@pytest.fixture
def mail_site(tmp_path) -> Iterator[Callable]:
    """mail_site(port, title=..., staff_emails=..., **config): an app that mails staff through
    the SMTP server on port, with an article (by slug) and a staff account per email."""
    apps = []

    def make(
        port: int,
        *,
        title: str = "Ferry fares",
        staff_emails=("editor@newsroom.example",),
        **config,
    ):
        database = stack.enter_context(fresh_database(tmp_path))
        app = build_app(database, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, **config)
        apps.append(app)
        with app.app_context():
            db.create_all()
            slug = make_article(title=title).slug
            for n, email in enumerate(staff_emails):
                make_staff(f"staff{n}", email=email)
            db.session.commit()
        return app, slug

    with ExitStack() as stack:
        yield make
        for app in apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def send_notice(app, slug: str, body: str) -> None:
    """A reader posts a comment that waits for moderation."""
    response = post_comment(app.test_client(), slug, body=body, email=COMMENTER_EMAIL)
    assert response.status_code == 303


def test_a_comment_on_one_long_line_arrives_intact(mail_site, smtp):
    inbox, port = smtp
    app, slug = mail_site(port, title="Die Fähre")
    body = ("Die Fähre fährt nicht mehr, und niemand sagt warum. " * 60)[:3000]
    assert len(body) == 3000 and "\n" not in body
    send_notice(app, slug, body)
    [(_, message)] = inbox.wait_for(1)
    assert body in message.get_content()
    assert "\u201cDie Fähre\u201d" in message["Subject"]
    assert message["Content-Transfer-Encoding"] in ("quoted-printable", "base64")
    assert max(len(line) for line in inbox.raw[0].split(b"\r\n")) <= 998


def test_a_title_with_line_breaks_makes_a_one_line_subject(mail_site, smtp):
    inbox, port = smtp
    app, slug = mail_site(port, title="Ferry fares\r\nBcc: victim@elsewhere.example\n rise")
    send_notice(app, slug, "A comment.")
    [(recipients, message)] = inbox.wait_for(1)
    assert recipients == ["editor@newsroom.example"]
    assert message["Bcc"] is None
    assert "\r" not in message["Subject"] and "\n" not in message["Subject"]
    assert "Ferry fares Bcc: victim@elsewhere.example rise" in message["Subject"]
    assert 'A comment on "Ferry fares Bcc: victim@elsewhere.example rise"' in (
        message.get_content()
    )


def wait_for_errors(caplog, seconds: float = 10) -> list[logging.LogRecord]:
    """The ERROR records logged so far, once there is one (the send runs on its own thread)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        if errors:
            return errors
        time.sleep(0.05)
    return []


def refused_server() -> Iterator[int]:
    with smtp_server(Refusing(), free_port()) as port:
        yield port


@pytest.fixture(params=["refused by the server", "no server on the port"])
def failing_port(request) -> Iterator[int]:
    """A port where sending fails: a server that refuses the message, or nothing listening."""
    if request.param == "no server on the port":
        yield free_port()
    else:
        yield from refused_server()


def outbox_rows(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
    return rows


def run_sender(app) -> Round:
    """One round of the sender, as `flask worker` or the sender thread runs it."""
    with app.app_context():
        return send_due()


def logged_text(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records) + caplog.text


def test_a_notice_that_cannot_be_sent_waits_in_the_outbox_and_its_attempt_is_logged(
    mail_site, failing_port, caplog
):
    app, slug = mail_site(failing_port, OUTBOX_SENDER_THREAD=False)
    with caplog.at_level(logging.INFO):
        send_notice(app, slug, "A comment that staff should hear about.")
        assert run_sender(app) == Round(sent=0, failed=1)
    [row] = outbox_rows(app)
    assert row.sent_at is None and row.attempts == 1
    assert row.last_error in ("SMTPDataError 554", "ConnectionRefusedError")
    [record] = [r for r in caplog.records if r.name == "blog" and r.levelno >= logging.WARNING]
    assert record.levelno == logging.WARNING
    assert f"outbox message {row.id} not sent (attempt 1): {row.last_error}" in record.getMessage()
    assert "tried again at" in record.getMessage()
    logged = logged_text(caplog)
    assert COMMENTER_EMAIL not in logged and "ada.private" not in logged
    assert "editor@newsroom.example" not in record.getMessage()


def test_a_comment_posted_while_the_mail_server_is_down_is_notified_once_it_is_back(
    mail_site, caplog
):
    """The post answers without waiting for mail; the notice waits in the outbox, and goes out
    once, when a server listens on the port again and the sender runs."""
    port = free_port()
    app, slug = mail_site(port, OUTBOX_SENDER_THREAD=False)
    with caplog.at_level(logging.INFO):
        send_notice(app, slug, "Posted while the mail server was down.")
        [waiting] = outbox_rows(app)
        assert waiting.sent_at is None and waiting.attempts == 0
        assert run_sender(app) == Round(sent=0, failed=1)
        with app.app_context():  # its retry is due (rather than waiting out the backoff)
            db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow()))
            db.session.commit()

        inbox = Inbox()
        with smtp_server(inbox, port):
            assert run_sender(app) == Round(sent=1, failed=0)
            assert run_sender(app) == Round(sent=0, failed=0)
    [(recipients, message)] = inbox.messages
    assert recipients == ["editor@newsroom.example"]
    assert "Posted while the mail server was down." in message.get_content()
    [sent] = outbox_rows(app)
    assert sent.sent_at is not None and sent.attempts == 2 and sent.last_error is None
    # What arrived is what was stored, Message-ID and all: a second send would repeat it.
    assert inbox.raw == [sent.message]
    assert COMMENTER_EMAIL.encode() not in sent.message
    assert COMMENTER_EMAIL not in logged_text(caplog)


def test_a_comment_whose_transaction_rolls_back_leaves_no_notice(mail_site, monkeypatch):
    app, slug = mail_site(free_port(), OUTBOX_SENDER_THREAD=False)

    def database_gone(session):
        session.flush()  # the comment and its notice reach the database, then the commit fails
        raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(submission, "commit_keeping_state", database_gone)
    response = post_comment(app.test_client(), slug, body="Lost with the database.")
    assert response.status_code == 503
    assert outbox_rows(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_an_approved_comment_sends_no_notice(mail_site):
    app, slug = mail_site(free_port(), OUTBOX_SENDER_THREAD=False)
    with app.app_context():
        article = db.session.scalar(sa.select(Article).where(Article.slug == slug))
        make_comment(article, author_email=COMMENTER_EMAIL)
        db.session.commit()
    send_notice(app, slug, "A regular's comment, approved at once.")
    assert outbox_rows(app) == []


def test_a_stored_staff_email_with_a_line_break_never_stops_the_others(mail_site, smtp, caplog):
    inbox, port = smtp
    stored = (
        "editor@newsroom.example",
        "old@newsroom.example\r\nBcc: x@y.example",
        "trailing@newsroom.example\r\n",
        "",
    )
    app, slug = mail_site(port, staff_emails=stored)
    with caplog.at_level(logging.INFO):
        send_notice(app, slug, "A comment.")
        [(recipients, _)] = inbox.wait_for(1)
        [record] = wait_for_errors(caplog)
    assert sorted(recipients) == ["editor@newsroom.example", "trailing@newsroom.example"]
    assert "comment 1" in record.getMessage() and "x@y.example" not in caplog.text
