"""Resetting a forgotten password by email: the link's rules without HTTP, the pages as a
person uses them, and the email through a real SMTP server."""

from __future__ import annotations

import logging
import re
import time
from email import message_from_bytes
from email.policy import default
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from itsdangerous.timed import TimestampSigner

from blog.auth.reset import (
    PASSWORD_RESET,
    RESET_MAIL_INTERVAL,
    account_to_reset,
    accounts_named,
    request_reset,
    reset_token,
)
from blog.extensions import db, limiter
from blog.models import OutboxMessage, Staff, utcnow
from blog.outbox.sender import Round, send_due
from blog.signing import LinkProblem, make_token, spend
from tests.comments.test_notify import Inbox, free_port, smtp_server
from tests.conftest import build_app, fresh_database
from tests.factories import make_staff
from tests.pages import form_values, get_html, log_in

EMAIL = "Editor@Newsroom.example"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def accounts(app):
    """ "editor" with an email; "nomail" without; "gone", inactive, with one."""
    with app.app_context():
        make_staff("editor", email=EMAIL)
        make_staff("nomail")
        make_staff("gone", email="gone@newsroom.example", active=False)
        db.session.commit()
    return app


def staff_named(username: str) -> Staff:
    return db.session.scalar(sa.select(Staff).where(Staff.username == username))


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
    return rows


def link_in(row: OutboxMessage) -> str:
    """The reset link's path in an outbox message."""
    text = message_from_bytes(row.message, policy=default).get_content()
    url = re.search(r"^(http\S+/login/reset\?link=\S+?)\r?$", text, re.M).group(1)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def ask(client, name: str):
    """Ask for a reset link through the form, as a person would."""
    html = get_html(client, "/login/forgot")
    return client.post(
        "/login/forgot", data={"csrf_token": form_values(html)["csrf_token"], "name": name}
    )


def choose(client, path: str, new: str = NEW_PASSWORD, confirm: str | None = None):
    """Fill in the new-password form behind a reset link and send it."""
    html = get_html(client, path)
    data = {"csrf_token": form_values(html)["csrf_token"], "new": new, "confirm": confirm or new}
    return client.post(path, data=data)


# --- the rules ----------------------------------------------------------------------------


def test_a_link_names_the_account_until_its_password_changes(accounts):
    with accounts.app_context():
        editor = staff_named("editor")
        token = reset_token(editor)
        assert account_to_reset(token) is editor
        assert editor.password_hash not in token  # only a digest of it travels
        editor.password_hash = "scrypt:changed"
        assert account_to_reset(token) == LinkProblem.USED


def test_a_forged_foreign_or_orphan_link_reads_as_forged(accounts):
    with accounts.app_context():
        editor, gone = staff_named("editor"), staff_named("gone")
        token = reset_token(editor)
        for bad in (
            "",
            "nonsense",
            token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
            make_token("moderate", [editor.id, "x"]),  # another purpose
            make_token("password-reset", [999, "x"]),  # no such account
            make_token("password-reset", {"id": editor.id}),
            reset_token(gone),  # an inactive account
        ):
            assert account_to_reset(bad) == LinkProblem.FORGED, bad


def test_a_spent_link_reads_as_used_and_an_old_one_as_expired(accounts, monkeypatch):
    accounts.config["PASSWORD_RESET_MINUTES"] = 60
    with accounts.app_context():
        token = reset_token(staff_named("editor"))
        hour_on = int(time.time()) + 3600 + 5
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: hour_on)
        assert account_to_reset(token) == LinkProblem.EXPIRED
        assert spend(PASSWORD_RESET, token)
        assert account_to_reset(token) == LinkProblem.USED  # used says more than expired


def test_accounts_are_found_by_username_or_email_in_any_case_if_active_with_an_email(accounts):
    with accounts.app_context():
        assert [s.username for s in accounts_named(" EDITOR ")] == ["editor"]
        assert [s.username for s in accounts_named("editor@NEWSROOM.example")] == ["editor"]
        for nobody in ("nomail", "gone", "gone@newsroom.example", "", "  ", "someone"):
            assert accounts_named(nobody) == [], nobody


def test_an_account_is_sent_one_email_a_window_however_often_it_is_asked_for(accounts):
    now = utcnow()
    with accounts.test_request_context():  # (the link is built with url_for)
        assert request_reset("editor", now) == 1
        assert request_reset("Editor@newsroom.example", now) == 0
        db.session.commit()
        assert request_reset("editor", now + RESET_MAIL_INTERVAL) == 1
        for nobody in ("nomail", "gone", "someone"):
            assert request_reset(nobody, now + RESET_MAIL_INTERVAL * 2) == 0
        db.session.commit()
    rows = outbox(accounts)
    assert [(r.kind, r.recipients) for r in rows] == [
        ("password-reset", ["Editor@newsroom.example"])
    ] * 2


# --- the pages ----------------------------------------------------------------------------


def test_the_login_page_offers_a_reset(client):
    assert '<a href="/login/forgot">Forgot your password?</a>' in get_html(client, "/login")


def test_everyone_who_asks_gets_the_same_answer_and_only_a_real_account_is_mailed(accounts):
    answers = []
    for name in ("editor", "someone", "nomail", "gone", "gone@newsroom.example"):
        client = accounts.test_client()
        response = ask(client, name)
        answers.append((response.status_code, response.headers["Location"]))
        answers_page = get_html(client, response.headers["Location"])
        assert "Check your email" in answers_page and "60 minutes" in answers_page
    assert answers == [(303, "/login/forgot/sent")] * 5
    [row] = outbox(accounts)
    assert row.recipients == ["Editor@newsroom.example"] and row.kind == "password-reset"
    assert row.subject == "[The Ledger] Reset your password"


def test_an_empty_request_is_asked_again(accounts, client):
    response = ask(client, "   ")
    assert response.status_code == 422
    assert "Please enter your username or email." in response.get_data(as_text=True)
    assert outbox(accounts) == []


def test_asking_needs_the_csrf_token(accounts, client):
    assert client.post("/login/forgot", data={"name": "editor"}).status_code == 400
    assert outbox(accounts) == []


def test_the_link_sets_a_new_password_once_and_ends_every_session(accounts):
    elsewhere = accounts.test_client()
    log_in(elsewhere)
    ask(accounts.test_client(), "editor")
    path = link_in(outbox(accounts)[0])

    person = accounts.test_client()
    page = person.get(path)
    assert page.status_code == 200
    assert "Choose a new password" in page.get_data(as_text=True)
    assert "editor" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert log_in(accounts.test_client()).status_code == 302  # opening it changed nothing

    done = choose(person, path)
    assert done.headers["Location"] == "/login"
    assert "Your password has been changed" in get_html(person, "/login")
    assert elsewhere.get("/admin/").status_code == 302  # logged out everywhere
    assert log_in(accounts.test_client()).status_code == 422  # the old password is gone
    assert log_in(person, password=NEW_PASSWORD).headers["Location"] == "/admin/"

    again = person.get(path)
    assert again.status_code == 410
    assert "This link has already been used" in again.get_data(as_text=True)
    assert 'href="/login/forgot"' in again.get_data(as_text=True)


def test_a_refused_password_keeps_the_link_for_another_try(accounts, client):
    ask(client, "editor")
    path = link_in(outbox(accounts)[0])
    short = choose(client, path, "short")
    assert short.status_code == 422
    assert "at least 12 characters" in short.get_data(as_text=True)
    differ = choose(client, path, NEW_PASSWORD, "another passphrase")
    assert differ.status_code == 422 and "The passwords differ." in differ.get_data(as_text=True)
    assert choose(client, path).status_code == 303


def test_setting_the_password_needs_the_csrf_token(accounts, client):
    ask(client, "editor")
    path = link_in(outbox(accounts)[0])
    response = client.post(path, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert log_in(accounts.test_client()).status_code == 302


def test_a_link_sent_before_the_password_changed_no_longer_works(accounts):
    now = utcnow()
    with accounts.test_request_context():
        request_reset("editor", now)
        request_reset("editor", now + RESET_MAIL_INTERVAL)
        db.session.commit()
    first, second = (link_in(row) for row in outbox(accounts))
    client = accounts.test_client()
    assert choose(client, second).status_code == 303
    assert client.get(first).status_code == 410


def test_forged_and_expired_links_say_which(accounts, client):
    accounts.config["PASSWORD_RESET_MINUTES"] = 1 / 60  # a second
    ask(client, "editor")
    path = link_in(outbox(accounts)[0])
    forged = client.get(path[:-4])
    assert forged.status_code == 404
    assert "This link is not valid" in forged.get_data(as_text=True)
    assert client.get("/login/reset").status_code == 404
    time.sleep(2.1)  # signatures count whole seconds
    expired = client.get(path)
    assert expired.status_code == 410
    assert "This link has expired" in expired.get_data(as_text=True)


def test_asking_is_limited_per_client(site_with_limits):
    app = site_with_limits
    client = app.test_client()
    codes = [ask(client, name).status_code for name in ("someone", "editor", "x", "y")]
    assert codes == [303, 303, 303, 429]
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert ask(other, "someone").status_code == 303


@pytest.fixture
def site_with_limits(tmp_path):
    """An app with the limits on (in memory, emptied before and after) and "editor"."""
    with fresh_database(tmp_path) as database:
        app = build_app(database, RATELIMIT_ENABLED=True, PASSWORD_RESET_RATE_LIMIT="3 per hour")
        with app.app_context():
            db.create_all()
            make_staff("editor", email=EMAIL)
            db.session.commit()
        limiter.reset()
        yield app
        limiter.reset()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_email_goes_out_through_a_real_server_and_its_address_is_never_logged(accounts, caplog):
    inbox, port = Inbox(), free_port()
    accounts.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, OUTBOX_SENDER_THREAD=False)
    with caplog.at_level(logging.DEBUG), smtp_server(inbox, port):
        ask(accounts.test_client(), "editor")
        with accounts.app_context():
            assert send_due() == Round(sent=1, failed=0)
    [(recipients, message)] = inbox.messages
    assert recipients == ["Editor@newsroom.example"]
    text = message.get_content()
    assert "http://localhost/login/reset?link=" in text and "within 60 minutes" in text
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")]
    assert ours and "editor@newsroom" not in "\n".join(ours).lower()
