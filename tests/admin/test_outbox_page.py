"""The staff's outbox page: admins only; what waits, what failed and why, what went; Send again
as a CSRF-guarded POST; the mail folder's messages read as text, a password reset's withheld."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from blog.extensions import db
from blog.models import OutboxMessage, utcnow
from blog.outbox.messages import compose
from blog.outbox.pickup import list_files, pickup_dir
from blog.outbox.queue import enqueue
from blog.outbox.sender import send_due
from tests.factories import make_staff
from tests.pages import csrf_token, get_html, log_in, served_forms

COMMENTER = "ada.private@example.com"
RESET_LINK = "https://news.example/reset/SECRET-TOKEN"


@pytest.fixture
def mail_folder(app, tmp_path):
    """No mail server: mail goes to a pickup folder of the test's own; sent only by hand."""
    app.config.update(MAIL_PICKUP_DIR=str(tmp_path / "mail"), OUTBOX_SENDER_THREAD=False)
    return tmp_path / "mail"


@pytest.fixture
def admin(app, client, mail_folder):
    with app.app_context():
        make_staff("chief", role="admin", display_name="Maren Holt")
        db.session.commit()
    log_in(client, "chief")
    return client


def add_message(app, subject: str, *, kind: str = "reply", body: str = "Hello.", **state) -> int:
    """A message in the outbox to COMMENTER, in the given state (sent_at, gave_up_at, ...)."""
    with app.app_context():
        row = enqueue(compose(subject, [COMMENTER], body), [COMMENTER], kind=kind)
        db.session.flush()
        for name, value in state.items():
            setattr(row, name, value)
        db.session.commit()
        return row.id


def row_of(app, message_id: int) -> OutboxMessage:
    with app.app_context():
        row = db.session.get(OutboxMessage, message_id)
        db.session.expunge(row)
        return row


def test_each_tab_lists_its_messages_with_their_kind_attempts_and_error_never_an_address(
    app, admin
):
    waiting = add_message(app, "A reply to you", attempts=2, last_error="SMTPDataError 451")
    failed = add_message(
        app, "Your comment is approved", kind="approved", attempts=150, gave_up_at=utcnow(),
        last_error="ConnectionRefusedError",
    )  # fmt: skip
    sent = add_message(app, "New comments", kind="digest", attempts=1, sent_at=utcnow())
    expected = {
        "waiting": (waiting, "A reply to you", "reply", "SMTPDataError 451"),
        "failed": (failed, "Your comment is approved", "approved", "ConnectionRefusedError"),
        "sent": (sent, "New comments", "digest", None),
    }
    for tab, (message_id, subject, kind, error) in expected.items():
        html = get_html(admin, f"/admin/outbox/?tab={tab}")
        assert f'id="message-{message_id}"' in html and subject in html and kind in html
        assert "1 recipient" in html and COMMENTER not in html
        assert "(1)" in html  # every tab holds one
        if error:
            assert error in html
        others = {m for m, *_ in expected.values()} - {message_id}
        assert not any(f'id="message-{m}"' in html for m in others)
    assert "Nothing waits to be sent." not in get_html(admin, "/admin/outbox/")


def test_send_again_is_a_post_with_csrf_that_makes_a_given_up_message_due_now(app, admin):
    later = utcnow() + timedelta(hours=5)
    failed = add_message(app, "Stuck", gave_up_at=utcnow(), next_attempt_at=later, attempts=9)
    html = get_html(admin, "/admin/outbox/?tab=failed")
    [form] = [f for f in served_forms(html) if "send-again" in f.action]
    assert form.method == "post" and "csrf_token" in form.names()

    assert admin.get(form.action).status_code == 405  # a GET never acts
    refused = admin.post(form.action, data={"tab": "failed"})  # no token
    assert refused.status_code == 400 and row_of(app, failed).gave_up_at is not None

    response = admin.post(form.action, data=dict(form.submission()))
    assert response.headers["Location"].endswith("/admin/outbox/?tab=failed")
    row = row_of(app, failed)
    assert row.gave_up_at is None and row.next_attempt_at <= utcnow()
    assert "will be sent again now" in get_html(admin, "/admin/outbox/?tab=failed")
    with app.app_context():
        assert send_due().sent == 1  # into the mail folder


def test_send_again_of_a_message_already_sent_changes_nothing(app, admin):
    sent_at = utcnow() - timedelta(minutes=5)
    sent = add_message(app, "Went", sent_at=sent_at)
    response = admin.post(
        f"/admin/outbox/{sent}/send-again", data={"csrf_token": csrf_token(admin), "tab": "x"}
    )
    assert response.headers["Location"].endswith("/admin/outbox/?tab=waiting")
    assert row_of(app, sent).sent_at == sent_at
    assert "already sent, or is gone" in get_html(admin, "/admin/outbox/")
    gone = admin.post("/admin/outbox/999999/send-again", data={"csrf_token": csrf_token(admin)})
    assert gone.headers["Location"].endswith("/admin/outbox/?tab=waiting")


def test_a_message_shows_its_text_while_mail_goes_to_the_folder_never_a_password_reset(app, admin):
    reply = add_message(app, "A reply to you", body="Thanks for the tip about the harbour.")
    reset = add_message(app, "Reset your password", kind="password-reset", body=RESET_LINK)

    html = get_html(admin, f"/admin/outbox/{reply}")
    assert "Thanks for the tip about the harbour." in html and "Send again now" in html
    assert COMMENTER not in html  # how many, never who
    html = get_html(admin, f"/admin/outbox/{reset}")
    assert "Reset your password" in html and "SECRET-TOKEN" not in html
    assert "never shown here" in html

    app.config["MAIL_SERVER"] = "mail.example"  # sent to a server: its recipients read it
    html = get_html(admin, f"/admin/outbox/{reply}")
    assert "Thanks for the tip" not in html and "not shown here" in html
    assert admin.get("/admin/outbox/999999").status_code == 404


def test_the_mail_folder_lists_its_files_and_shows_one_as_text(app, admin, mail_folder):
    add_message(app, "A reply to you", body="A line of the reply.\n" + "x" * 2000)
    add_message(app, "Reset your password", kind="password-reset", body=RESET_LINK)
    with app.app_context():
        assert send_due().sent == 2
        files, _ = list_files(pickup_dir(app), 10)
    html = get_html(admin, "/admin/outbox/folder")
    assert str(mail_folder) in html
    reset_file, reply_file = files  # newest first
    assert reply_file.name in html and reset_file.name in html and "bytes" in html

    html = get_html(admin, f"/admin/outbox/folder/{reply_file.name}")
    assert "A line of the reply." in html and "x" * 2000 in html  # decoded, not quoted-printable
    assert COMMENTER in html  # the folder is the site owner's mailbox: its To is shown
    html = get_html(admin, f"/admin/outbox/folder/{reset_file.name}")
    assert "Reset your password" in html and "SECRET-TOKEN" not in html

    (mail_folder / "notes.txt").write_text("private")
    for name in ("notes.txt", "..%2Fconfig.py", "%2E%2E", reply_file.name + ".part"):
        assert admin.get(f"/admin/outbox/folder/{name}").status_code == 404, name


def test_an_empty_outbox_and_folder_say_so(admin):
    assert "Nothing waits to be sent." in get_html(admin, "/admin/outbox/")
    assert "No message was given up." in get_html(admin, "/admin/outbox/?tab=failed")
    assert "The mail folder holds no message" in get_html(admin, "/admin/outbox/folder")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/outbox/?page=99999999999999999999999",
        "/admin/outbox/?page=-1",
        "/admin/outbox/?page=%00",
        "/admin/outbox/?tab=sent&page=x",
    ],
)
def test_any_page_number_answers_without_an_error(admin, url):
    assert admin.get(url).status_code == 200


def test_an_unknown_tab_is_a_404(admin):
    assert admin.get("/admin/outbox/?tab=everything").status_code == 404


def test_the_outbox_is_for_admins_only(app, client, mail_folder):
    message_id = add_message(app, "A reply to you")
    urls = ["/admin/outbox/", f"/admin/outbox/{message_id}", "/admin/outbox/folder"]
    for url in urls:
        assert "/login" in client.get(url).headers["Location"]
    with app.app_context():
        make_staff("editor", display_name="Editor")
        db.session.commit()
    log_in(client)
    for url in urls:
        assert client.get(url).status_code == 403, url
    response = client.post(
        f"/admin/outbox/{message_id}/send-again", data={"csrf_token": csrf_token(client)}
    )
    assert response.status_code == 403
    assert "/admin/outbox" not in get_html(client, "/admin/")


def test_the_staff_menu_shows_admins_the_outbox_with_the_count_of_failed_mail(app, admin):
    html = get_html(admin, "/admin/")
    assert 'href="/admin/outbox/"' in html and "failed</span>" not in html
    add_message(app, "Stuck", gave_up_at=utcnow())
    add_message(app, "Stuck too", gave_up_at=utcnow())
    add_message(app, "Waiting")
    html = get_html(admin, "/admin/")
    assert '2<span class="visually-hidden"> failed</span>' in html


def test_without_a_mail_server_a_held_comment_notice_lands_in_the_mail_folder(
    app, admin, mail_folder
):
    """The staff notice is enqueued with no MAIL_SERVER, and the folder keeps it."""
    from tests.factories import make_article
    from tests.pages import post_comment

    with app.app_context():
        slug = make_article().slug
        db.session.execute(sa.update(OutboxMessage).values(sent_at=utcnow()))
        make_staff("desk", email="desk@newsroom.example", display_name="Desk")
        db.session.commit()
    reader = app.test_client()
    post_comment(reader, slug, body="Visit http://a.example http://b.example http://c.example")
    with app.app_context():
        kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
        assert kinds == ["moderation"]
        assert send_due().sent == 1
    [notice] = list_files(mail_folder, 10)[0]
    assert notice.name.endswith("-moderation.eml")
    assert "awaits moderation" in get_html(admin, f"/admin/outbox/folder/{notice.name}")


def test_the_outbox_pages_are_valid_html(app, admin, tmp_path):
    """The Nu Html Checker over each of the outbox's pages, with rows in every state."""
    from tests.test_html_validity import _checker, _errors

    _checker()  # skips when the checker is missing
    add_message(app, "Went", body="A sent one.")
    with app.app_context():
        send_due()
        [file] = list_files(pickup_dir(app), 1)[0]
    waiting = add_message(app, "Waits", attempts=2, last_error="SMTPDataError 451")
    add_message(app, "Stuck", gave_up_at=utcnow(), last_error="ConnectionRefusedError")
    urls = [
        "/admin/outbox/",
        "/admin/outbox/?tab=failed",
        "/admin/outbox/?tab=sent",
        "/admin/outbox/folder",
        f"/admin/outbox/folder/{file.name}",
        f"/admin/outbox/{waiting}",
    ]
    files = {}
    for number, url in enumerate(urls):
        path = tmp_path / f"outbox-{number}.html"
        path.write_text(get_html(admin, url), encoding="utf-8")
        files[path.name] = url
    errors = _errors([str(tmp_path / name) for name in files], files)
    assert not errors, "\n".join(errors)
