"""Moderation from the inbox: the staff notice's Approve / Spam / Trash links, as rules without
HTTP and followed as a staff member would (logged out first, through the login)."""

from __future__ import annotations

import re
import threading
import time
from email import message_from_bytes
from email.policy import default
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from itsdangerous.timed import TimestampSigner
from werkzeug.datastructures import MultiDict

from blog.comments.notify import (
    MODERATION_LINK,
    ModerationLink,
    moderation_token,
    read_moderation_token,
)
from blog.extensions import db
from blog.models import Article, Comment, CommentStatus, ModerationAction, OutboxMessage
from blog.signing import LinkProblem, make_token, read_token, spend
from tests.factories import make_article, make_comment, make_staff
from tests.pages import csrf_token, get_html, log_in, post_comment, served_forms


@pytest.fixture
def notifying(app):
    """The app with a mail server set (never reached: nothing sends here) and staff to tell:
    "editor" with an email, "chief" (an admin) too; an article by slug."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9, OUTBOX_SENDER_THREAD=False)
    with app.app_context():
        make_staff("editor", email="editor@newsroom.example")
        make_staff("chief", role="admin", display_name="Chief", email="chief@newsroom.example")
        slug = make_article(title="Ferry fares").slug
        db.session.commit()
    return app, slug


def held_comment(app, slug: str, body: str = "Will the night crossing keep its bicycles?"):
    """A reader posts a comment that waits; returns the notice's links by label, as paths."""
    reader = app.test_client()
    assert post_comment(reader, slug, body=body).status_code == 303
    with app.app_context():
        row = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        text = message_from_bytes(row.message, policy=default).get_content()
    links = dict(re.findall(r"^(Approve|Spam|Trash): (\S+)\r?$", text, re.M))
    assert list(links) == ["Approve", "Spam", "Trash"]
    return {label: path_of(url) for label, url in links.items()}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("http", "localhost")
    return f"{parts.path}?{parts.query}"


def status_of(app, comment_id: int = 1) -> str:
    with app.app_context():
        return db.session.get(Comment, comment_id).status


def press(client, path: str, status: int = 303):
    """Press the page's one button, as a browser sends it."""
    html = get_html(client, path)
    [form] = [
        f
        for f in served_forms(html)
        if f.method == "post" and "csrf_token" in f.names() and f.action == ""
    ]
    response = client.post(path, data=MultiDict(form.submission()))
    assert response.status_code == status, response.get_data(as_text=True)
    return response


# --- the rules ----------------------------------------------------------------------------


def test_a_link_names_the_comment_the_action_and_the_status_it_was_made_for(app):
    with app.app_context():
        comment = make_comment(make_article(), status=CommentStatus.PENDING)
        db.session.flush()
        token = moderation_token(comment, "spam")
        assert read_moderation_token(token) == ModerationLink(comment.id, "spam", "pending")


def test_a_forged_altered_or_foreign_link_reads_as_forged(app):
    with app.app_context():
        comment = make_comment(make_article(), status=CommentStatus.PENDING)
        db.session.flush()
        token = moderation_token(comment, "approve")
        for bad in (
            "",
            "nonsense",
            token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
            make_token("password-reset", [comment.id, "approve", "pending"]),  # another purpose
            make_token("moderate", [comment.id, "delete", "pending"]),  # no link deletes
            make_token("moderate", {"comment": comment.id}),
        ):
            assert read_moderation_token(bad) == LinkProblem.FORGED, bad


def test_a_spent_link_reads_as_used_and_an_old_one_as_expired(app, monkeypatch):
    app.config["MODERATION_LINK_DAYS"] = 3
    with app.app_context():
        comment = make_comment(make_article(), status=CommentStatus.PENDING)
        db.session.flush()
        used, old = moderation_token(comment, "approve"), moderation_token(comment, "trash")
        assert spend(MODERATION_LINK, used)
        assert read_moderation_token(used) == LinkProblem.USED
        # Another spelling of the same token (padding the signature verifies) is as used.
        assert read_token(MODERATION_LINK, used + "=") is not None
        assert read_moderation_token(used + "=") == LinkProblem.USED
        assert not spend(MODERATION_LINK, used + "=")
        three_days_on = int(time.time()) + 3 * 24 * 3600 + 5
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: three_days_on)
        assert read_moderation_token(old) == LinkProblem.EXPIRED
        assert read_moderation_token(used) == LinkProblem.USED  # used says more than expired


# --- followed as staff do -------------------------------------------------------------------


def test_the_notice_carries_a_link_per_decision_and_opening_one_changes_nothing(notifying):
    app, slug = notifying
    links = held_comment(app, slug)
    staff = app.test_client()
    asked = staff.get(links["Approve"])
    assert asked.status_code == 302
    assert asked.headers["Location"].startswith("/login?next=")
    assert log_in(staff, next_url=links["Approve"]).headers["Location"] == links["Approve"]
    for label, path in links.items():
        page = staff.get(path)
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "Will the night crossing keep its bicycles?" in html and "Ferry fares" in html
        assert "pending" in html
        [_] = [f for f in served_forms(html) if f.method == "post" and f.action == ""]
        buttons = re.findall(r'<button type="submit" class="action-(\w+)">(\w+)</button>', html)
        assert buttons == [(label.lower(), label)]
        assert page.headers["Cache-Control"] == "private, no-store"
        assert page.headers["Referrer-Policy"] == "no-referrer"
    assert status_of(app) == CommentStatus.PENDING


def test_the_button_moderates_the_comment_once_and_the_link_is_used_up(notifying):
    app, slug = notifying
    links = held_comment(app, slug)
    staff = app.test_client()
    log_in(staff)
    done = press(staff, links["Approve"])
    assert done.headers["Location"] == "/admin/comments?status=approved#row-1"
    assert "Comment approved." in get_html(staff, "/admin/comments?status=approved")
    assert status_of(app) == CommentStatus.APPROVED
    with app.app_context():
        [entry] = db.session.scalars(sa.select(ModerationAction)).all()
        assert (entry.action, entry.staff.username) == ("approve", "editor")

    again = staff.post(links["Approve"], data={"csrf_token": csrf_token(staff)})
    assert again.status_code == 410
    assert "This link has already been used" in again.get_data(as_text=True)
    opened = staff.get(links["Approve"])
    assert opened.status_code == 410
    assert "/admin/comments?status=pending" in opened.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ModerationAction.id))) == 1


def test_a_comment_someone_decided_on_meanwhile_is_left_as_they_left_it(notifying):
    app, slug = notifying
    links = held_comment(app, slug)
    chief, editor = app.test_client(), app.test_client()
    log_in(chief, "chief")
    log_in(editor)
    form_page = get_html(editor, links["Spam"])  # the editor opens Spam; the chief approves first
    press(chief, links["Approve"])

    late = editor.post(
        links["Spam"], data={"csrf_token": re.search(r'value="([^"]+)"', form_page).group(1)}
    )
    assert late.status_code == 409
    html = late.get_data(as_text=True)
    assert "Someone has already decided on this comment" in html
    assert "Approved by Chief" in html and "Nothing was changed" in html
    assert status_of(app) == CommentStatus.APPROVED
    opened = editor.get(links["Trash"])
    assert opened.status_code == 200 and "Approved by Chief" in opened.get_data(as_text=True)
    assert served_forms(opened.get_data(as_text=True))[-1].action != ""  # no button to act


def test_the_button_needs_the_csrf_token(notifying):
    app, slug = notifying
    links = held_comment(app, slug)
    staff = app.test_client()
    log_in(staff)
    assert staff.post(links["Trash"]).status_code == 400
    assert status_of(app) == CommentStatus.PENDING
    press(staff, links["Trash"])  # the link was not used up by the refused post
    assert status_of(app) == CommentStatus.TRASH


@pytest.mark.parametrize(
    ("mangle", "status", "says"),
    [
        (lambda link: link[:-3], 404, "This link is not valid"),
        (lambda link: link.replace("link=", "link=x"), 404, "This link is not valid"),
        (lambda link: link.split("?")[0], 404, "This link is not valid"),
    ],
)
def test_a_forged_link_says_so_and_acts_on_nothing(notifying, mangle, status, says):
    app, slug = notifying
    links = held_comment(app, slug)
    staff = app.test_client()
    log_in(staff)
    for method in ("GET", "POST"):
        data = {"csrf_token": csrf_token(staff)} if method == "POST" else None
        response = staff.open(mangle(links["Approve"]), method=method, data=data)
        assert response.status_code == status
        html = response.get_data(as_text=True)
        assert says in html and 'href="/admin/comments?status=pending"' in html
    assert status_of(app) == CommentStatus.PENDING


def test_an_expired_link_says_so_and_acts_on_nothing(notifying):
    app, slug = notifying
    app.config["MODERATION_LINK_DAYS"] = 1 / (24 * 3600)  # a second
    links = held_comment(app, slug)
    staff = app.test_client()
    log_in(staff)
    time.sleep(2.1)  # signatures count whole seconds
    response = staff.post(links["Approve"], data={"csrf_token": csrf_token(staff)})
    assert response.status_code == 410
    assert "This link has expired" in response.get_data(as_text=True)
    assert status_of(app) == CommentStatus.PENDING


def test_a_link_to_a_deleted_comment_says_it_is_gone(notifying):
    app, slug = notifying
    links = held_comment(app, slug)
    with app.app_context():
        db.session.execute(sa.delete(Comment))
        db.session.commit()
    staff = app.test_client()
    log_in(staff)
    response = staff.get(links["Spam"])
    assert response.status_code == 404
    assert "This comment no longer exists" in response.get_data(as_text=True)


def test_links_are_built_on_site_url_whatever_host_the_commenter_used(notifying):
    app, slug = notifying
    app.config["SITE_URL"] = "https://news.example.org"
    app.config["TRUSTED_HOSTS"] = None
    reader = app.test_client()
    post_comment(reader, slug)
    with app.app_context():
        text = message_from_bytes(
            db.session.scalar(sa.select(OutboxMessage.message)), policy=default
        ).get_content()
        assert db.session.scalar(sa.select(Article.id)) == 1
    assert "Approve: https://news.example.org/admin/inbox?link=" in text


def test_links_pressed_at_the_same_moment_make_one_decision(notifying):
    """Eight moderators press Approve or Spam on the same comment at once: one decides, the
    others are told it is decided (or the link used), and the audit log has one entry."""
    app, slug = notifying
    links = held_comment(app, slug)
    pressing = []
    for n in range(8):
        client = app.test_client()
        log_in(client, "chief" if n % 2 else "editor")
        path = links["Approve" if n % 2 else "Spam"]
        form = next(f for f in served_forms(get_html(client, path)) if f.action == "")
        pressing.append((client, path, MultiDict(form.submission())))
    start = threading.Barrier(len(pressing))
    codes: list[int] = []

    def press_now(client, path, data) -> None:
        start.wait()
        codes.append(client.post(path, data=data).status_code)

    threads = [threading.Thread(target=press_now, args=args) for args in pressing]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(codes)[0] == 303 and codes.count(303) == 1, codes
    assert set(codes) <= {303, 409, 410}
    with app.app_context():
        [entry] = db.session.scalars(sa.select(ModerationAction)).all()
        assert db.session.get(Comment, 1).status == entry.status_after
