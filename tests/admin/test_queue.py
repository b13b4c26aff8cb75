"""The moderation queue: what a row shows, every action, bulk, replies, edits, bans, the audit."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from blog.extensions import db
from blog.models import Article, Ban, Comment, CommentRevision, ModerationAction
from tests.factories import make_article, make_comment, make_staff
from tests.pages import csrf_token, get_html, log_in, post_comment


@pytest.fixture
def editor(app, client):
    with app.app_context():
        make_staff("editor", display_name="Editor")
        db.session.commit()
    log_in(client)
    return client


@pytest.fixture
def article_id(app):
    with app.app_context():
        article = make_article(title="Harbour news")
        db.session.commit()
        return article.id


def add_comment(app, article_id, **fields) -> int:
    with app.app_context():
        comment = make_comment(db.session.get(Article, article_id), **fields)
        db.session.commit()
        return comment.id


def status_of(app, comment_id) -> str | None:
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        return comment.status if comment else None


def act(client, comment_id, action, next_url="/admin/comments?status=pending", **extra):
    data = {"csrf_token": csrf_token(client), "next": next_url, **extra}
    return client.post(f"/admin/comments/{comment_id}/{action}", data=data)


def test_dashboard_counts_and_newest_pending_and_the_badge(app, editor, article_id):
    for body in ("one", "two"):
        add_comment(app, article_id, status="pending", body=f"Pending {body}")
    add_comment(app, article_id, status="spam")
    html = get_html(editor, "/admin/")
    assert "<strong>2</strong> Pending" in html and "<strong>1</strong> Spam" in html
    assert "Pending two" in html
    for url in ("/admin/", "/admin/comments", "/admin/bans", "/admin/password"):
        assert '>2<span class="visually-hidden"> pending</span></span>' in get_html(editor, url), (
            url
        )


def test_a_row_shows_everything_a_moderator_needs(app, editor, article_id):
    parent = add_comment(app, article_id, author_name="Grace", body="The parent comment.")
    add_comment(app, article_id, author_email="sam@example.com", status="spam")
    add_comment(app, article_id, author_email="sam@example.com")
    with app.app_context():
        comment = make_comment(
            db.session.get(Article, article_id),
            status="pending",
            parent=db.session.get(Comment, parent),
            depth=2,
            author_name="Sam",
            author_email="sam@example.com",
            author_website="https://sam.example",
            ip_address="203.0.113.4",
            body="Full body with https://a.example https://b.example https://c.example",
            hold_reason="too many links (3)",
        )
        db.session.commit()
        comment_id = comment.id
    html = get_html(editor, "/admin/comments")
    row = html[html.index(f'id="row-{comment_id}"') :]
    for expected in (
        "Sam",
        "sam@example.com",
        "https://sam.example",
        "203.0.113.4",
        "Harbour news",
        "in reply to <bdi>Grace</bdi>",
        "The parent comment.",
        "too many links (3)",
        "History: 1 approved, 1 spam",
        "Full body with",
    ):
        assert expected in row, expected


def test_tabs_counts_order_search_and_article_filter(app, editor, article_id):
    with app.app_context():
        other = make_article(title="Other story")
        db.session.commit()
        other_id = other.id
    first = add_comment(app, article_id, status="pending", body="Earlier words")
    second = add_comment(
        app, article_id, status="pending", body="Later words", author_email="findme@example.com"
    )
    add_comment(app, other_id, status="pending", body="Elsewhere words")
    add_comment(app, article_id, status="approved", body="Published words")
    html = get_html(editor, "/admin/comments")
    assert 'aria-current="page">Pending <span class="tab-count">(3)</span>' in html
    assert 'Approved <span class="tab-count">(1)</span>' in html
    assert "Published words" not in html
    assert html.index(f'id="row-{second}"') < html.index(f'id="row-{first}"')
    assert "Published words" in get_html(editor, "/admin/comments?status=approved")
    found = get_html(editor, "/admin/comments?q=findme")
    assert "Later words" in found and "Earlier words" not in found
    assert "Later words" in get_html(editor, "/admin/comments?q=LATER")
    filtered = get_html(editor, f"/admin/comments?article={other_id}")
    assert "Elsewhere words" in filtered and "Later words" not in filtered
    assert get_html(editor, "/admin/comments?q=%25_%5C").count('class="queue-row"') == 0
    with app.app_context():
        assert db.session.get(Article, other_id) is not None


def test_the_queue_paginates(app, editor, article_id):
    app.config["ADMIN_COMMENTS_PER_PAGE"] = 2
    for n in range(5):
        add_comment(app, article_id, status="pending", body=f"Number {n}")
    assert get_html(editor, "/admin/comments").count('class="queue-row"') == 2
    assert "Page 1 of 3" in get_html(editor, "/admin/comments")
    assert "Number 0" in get_html(editor, "/admin/comments?page=3")


@pytest.mark.parametrize(
    ("start", "action", "end", "message"),
    [
        ("pending", "approve", "approved", "Comment approved."),
        ("approved", "unapprove", "pending", "Comment unapproved."),
        ("pending", "spam", "spam", "Comment marked as spam."),
        ("spam", "not-spam", "pending", "Comment restored from spam."),
        ("approved", "trash", "trash", "Comment moved to the trash."),
    ],
)
def test_each_action_changes_status_records_it_and_returns_to_the_same_place(
    app, editor, article_id, start, action, end, message
):
    comment_id = add_comment(app, article_id, status=start)
    here = f"/admin/comments?status={start}&page=1"
    response = act(editor, comment_id, action, next_url=here)
    assert response.headers["Location"] == here
    assert status_of(app, comment_id) == end
    assert message in get_html(editor, here)
    with app.app_context():
        record = db.session.scalar(sa.select(ModerationAction))
        assert (record.action, record.status_before, record.status_after) == (action, start, end)
        assert record.staff.username == "editor"


def test_the_row_names_who_did_what(app, editor, article_id):
    comment_id = add_comment(app, article_id, status="pending")
    act(editor, comment_id, "approve")
    html = get_html(editor, "/admin/comments?status=approved")
    assert "Approved by Editor, <time" in html and "just now</time>" in html


def test_restore_returns_a_comment_to_where_it_was(app, editor, article_id):
    comment_id = add_comment(app, article_id, status="approved")
    act(editor, comment_id, "trash")
    act(editor, comment_id, "restore")
    assert status_of(app, comment_id) == "approved"


def test_an_action_that_does_not_apply_changes_nothing(app, editor, article_id):
    comment_id = add_comment(app, article_id, status="pending")
    act(editor, comment_id, "restore")
    assert status_of(app, comment_id) == "pending"


def test_delete_permanently_asks_first(app, editor, article_id):
    comment_id = add_comment(app, article_id, status="trash")
    confirm = act(editor, comment_id, "delete", next_url="/admin/comments?status=trash")
    assert confirm.status_code == 200
    assert "Delete permanently?" in confirm.get_data(as_text=True)
    assert status_of(app, comment_id) == "trash"
    done = act(
        editor, comment_id, "delete", next_url="/admin/comments?status=trash", confirmed="yes"
    )
    assert done.headers["Location"] == "/admin/comments?status=trash"
    assert status_of(app, comment_id) is None
    with app.app_context():
        record = db.session.scalar(sa.select(ModerationAction))
        assert (record.action, record.comment_id, record.status_before) == ("delete", None, "trash")


def test_bulk_actions_apply_to_every_ticked_comment(app, editor, article_id):
    ids = [add_comment(app, article_id, status="pending") for _ in range(4)]
    response = editor.post(
        "/admin/comments/bulk",
        data={
            "csrf_token": csrf_token(editor),
            "action": "approve",
            "ids": ids[:3],
            "next": "/admin/comments?status=pending",
        },
    )
    assert response.headers["Location"] == "/admin/comments?status=pending"
    assert [status_of(app, i) for i in ids] == ["approved"] * 3 + ["pending"]
    assert "3 comments approved." in get_html(editor, "/admin/comments")


def test_bulk_delete_asks_first(app, editor, article_id):
    ids = [add_comment(app, article_id, status="spam") for _ in range(2)]
    data = {"csrf_token": csrf_token(editor), "action": "delete", "ids": ids}
    assert "Delete permanently?" in editor.post("/admin/comments/bulk", data=data).get_data(
        as_text=True
    )
    assert [status_of(app, i) for i in ids] == ["spam", "spam"]
    editor.post("/admin/comments/bulk", data={**data, "confirmed": "yes"})
    assert [status_of(app, i) for i in ids] == [None, None]


def test_fields_that_are_not_in_a_form_are_ignored(app, editor, article_id):
    comment_id = add_comment(app, article_id, status="pending", body="Original")
    editor.post(
        f"/admin/comments/{comment_id}/edit",
        data={
            "csrf_token": csrf_token(editor),
            "body": "Edited",
            "status": "approved",
            "id": "999",
            "approved": "1",
            "staff_id": "1",
        },
    )
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert (comment.body, comment.status, comment.id, comment.staff_id) == (
            "Edited",
            "pending",
            comment_id,
            None,
        )


def test_approve_and_reply_publishes_a_staff_reply_with_a_badge(app, editor, client, article_id):
    comment_id = add_comment(app, article_id, status="pending", body="A question?")
    response = editor.post(
        f"/admin/comments/{comment_id}/reply",
        data={
            "csrf_token": csrf_token(editor),
            "body": "An answer.",
            "next": "/admin/comments?status=pending",
        },
    )
    assert response.headers["Location"] == "/admin/comments?status=pending"
    assert status_of(app, comment_id) == "approved"
    with app.app_context():
        reply = db.session.scalar(sa.select(Comment).where(Comment.body == "An answer."))
        assert reply.status == "approved" and reply.parent_id == comment_id
        slug = reply.article.slug
    reader = app.test_client()
    html = get_html(reader, f"/articles/{slug}")
    reply_html = html[html.index("An answer.") - 2000 : html.index("An answer.")]
    assert '<span class="badge badge-staff">Staff</span>' in reply_html
    assert "staff.invalid" not in html


def test_editing_keeps_the_previous_text(app, editor, article_id):
    comment_id = add_comment(app, article_id, body="Teh original")
    editor.post(
        f"/admin/comments/{comment_id}/edit",
        data={"csrf_token": csrf_token(editor), "body": "The original"},
    )
    editor.post(
        f"/admin/comments/{comment_id}/edit",
        data={"csrf_token": csrf_token(editor), "body": "The original, corrected"},
    )
    with app.app_context():
        revisions = db.session.scalars(
            sa.select(CommentRevision.body).order_by(CommentRevision.id)
        ).all()
        assert revisions == ["Teh original", "The original"]
        assert db.session.get(Comment, comment_id).body_html == "<p>The original, corrected</p>\n"
    html = get_html(editor, f"/admin/comments/{comment_id}/edit")
    assert "Earlier versions" in html and "Teh original" in html


def test_banned_emails_and_networks_go_straight_to_spam(app, editor, client, article_id):
    token = csrf_token(editor)
    editor.post(
        "/admin/bans",
        data={
            "csrf_token": token,
            "kind": "email",
            "value": "Troll@Example.com",
            "reason": "abuse",
        },
    )
    editor.post("/admin/bans", data={"csrf_token": token, "kind": "ip", "value": "203.0.113.0/24"})
    with app.app_context():
        assert sorted(db.session.scalars(sa.select(Ban.value))) == [
            "203.0.113.0/24",
            "Troll@example.com",
        ]
        slug = db.session.get(Article, article_id).slug
    reader = app.test_client()
    post_comment(reader, slug, email="troll@example.com", body="Banned by email")
    from_range = app.test_client()
    from_range.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    post_comment(from_range, slug, email="fine@example.com", body="Banned by address")
    post_comment(app.test_client(), slug, email="fine@example.com", body="Not banned")
    with app.app_context():
        rows = db.session.execute(
            sa.select(Comment.body, Comment.status, Comment.hold_reason).order_by(Comment.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("Banned by email", "spam", "banned email"),
        ("Banned by address", "spam", "banned IP address"),
        ("Not banned", "pending", None),
    ]
    assert "Troll@example.com" in get_html(editor, "/admin/bans")


def test_a_bad_ban_is_refused_with_a_message(editor):
    response = editor.post(
        "/admin/bans",
        data={"csrf_token": csrf_token(editor), "kind": "ip", "value": "not-an-address"},
    )
    assert response.status_code == 422
    assert "Enter an IP address" in response.get_data(as_text=True)


def test_emails_show_on_staff_pages(app, editor, article_id):
    add_comment(app, article_id, status="pending", author_email="visible@example.com")
    assert "visible@example.com" in get_html(editor, "/admin/comments")


def test_admins_create_and_deactivate_accounts(app, client):
    with app.app_context():
        make_staff("chief", role="admin")
        db.session.commit()
    log_in(client, "chief")
    response = client.post(
        "/admin/staff",
        data={
            "csrf_token": csrf_token(client),
            "username": "NewMod",
            "display_name": "New Mod",
            "role": "moderator",
            "password": "a long new password",
        },
    )
    assert response.status_code == 303
    newcomer = app.test_client()
    assert log_in(newcomer, "newmod", "a long new password").status_code == 302
    html = get_html(client, "/admin/staff")
    staff_id = re.search(r"/admin/staff/(\d+)/active", html).group(1)
    client.post(f"/admin/staff/{staff_id}/active", data={"csrf_token": csrf_token(client)})
    assert newcomer.get("/admin/").status_code == 302
