"""A commenter edits or deletes their own comment, from the same browser, for a while."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from blog.comments.editing import edit_window_open, editable_now, verdict_after_edit
from blog.extensions import db
from blog.models import Comment, CommentRevision, ModerationAction
from tests.factories import make_article
from tests.pages import get_html, post_comment, served_form

# --- the rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("elapsed", "open_"), [(0, True), (14 * 60 + 59, True), (15 * 60, False), (-5, False)]
)
def test_the_edit_window_is_the_minutes_after_posting(elapsed, open_):
    assert edit_window_open(1000.0, 1000.0 + elapsed, 15) is open_


def test_a_session_may_edit_only_what_it_posted_within_the_window():
    data = {"editable": [[1, 10, 1000], [2, 10, 1000 - 20 * 60], "junk", [3, "x", 5]]}
    assert editable_now(data, 15, now=1000 + 60) == {1: 10}
    assert editable_now({}, 15, now=1000) == {}
    assert editable_now({"editable": "not a list"}, 15, now=1000) == {}


def test_an_edit_that_gains_links_or_hold_words_goes_back_to_the_queue(app):
    config = {**app.config, "COMMENT_MAX_LINKS": 1, "COMMENT_HOLD_WORDS": ["refund"]}
    comment = Comment(author_name="A", author_email="a@example.com", body="x", status="approved")
    assert verdict_after_edit(comment, "Fine words.", config).status == "approved"
    linked = "See https://a.example and https://b.example"
    assert verdict_after_edit(comment, linked, config).status == "pending"
    assert verdict_after_edit(comment, "Ask for a refund.", config).status == "pending"


# --- over HTTP ----------------------------------------------------------------------------


@pytest.fixture
def slug(app):
    with app.app_context():
        article = make_article(title="Harbour dues")
        db.session.commit()
        return article.slug


def edit_form(client, comment_id: int) -> dict[str, str]:
    """The edit form as the browser would send it untouched (CRLF line breaks and all)."""
    html = get_html(client, f"/comments/{comment_id}/edit")
    return dict(served_form(html, containing="body").submission())


def posted(app, client, slug, body="My first thought.") -> int:
    assert post_comment(client, slug, body=body).status_code == 303
    with app.app_context():
        return db.session.scalar(sa.select(Comment.id).where(Comment.body == body))


def test_the_writer_alone_sees_an_edit_link_and_the_kept_page_never_has_one(app, client, slug):
    from blog.extensions import cache

    app.config["CACHE_TYPE"] = "SimpleCache"
    cache.init_app(app)
    comment_id = posted(app, client, slug)
    with app.app_context():
        db.session.get(Comment, comment_id).status = "approved"
        db.session.commit()
    mine = get_html(client, f"/articles/{slug}")
    assert f'href="/comments/{comment_id}/edit"' in mine
    for _ in range(2):  # built and kept, then served from the kept page
        other = get_html(app.test_client(), f"/articles/{slug}")
        assert "My first thought." in other and "edit-link" not in other
    assert app.test_client().get(f"/comments/{comment_id}/edit").status_code == 403


def test_an_edit_keeps_the_old_text_and_readers_see_edited(app, client, slug):
    comment_id = posted(app, client, slug)
    with app.app_context():
        db.session.get(Comment, comment_id).status = "approved"
        db.session.commit()
    form = edit_form(client, comment_id)
    assert form["body"] == "My first thought."
    response = client.post(
        f"/comments/{comment_id}/edit", data={**form, "body": "My second thought."}
    )
    assert response.status_code == 303
    page = get_html(client, response.headers["Location"])
    assert "Your comment was updated." in page
    reader = get_html(app.test_client(), f"/articles/{slug}")
    assert "My second thought." in reader and "edited" in reader
    with app.app_context():
        assert db.session.scalars(sa.select(CommentRevision.body)).all() == ["My first thought."]
        actions = db.session.scalars(sa.select(ModerationAction.action)).all()
        assert actions == ["edited-by-author"]


def test_saving_the_form_unchanged_changes_nothing(app, client, slug):
    comment_id = posted(app, client, slug, body="Line one.\nLine two.")
    form = edit_form(client, comment_id)
    assert form["body"] == "Line one.\r\nLine two."  # as a browser sends a textarea
    response = client.post(f"/comments/{comment_id}/edit", data=form)
    assert "Nothing was changed." in get_html(client, response.headers["Location"])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(CommentRevision.id))) == 0
        assert db.session.get(Comment, comment_id).edited_at is None


def test_an_empty_edit_comes_back_with_a_message(app, client, slug):
    comment_id = posted(app, client, slug)
    form = edit_form(client, comment_id)
    response = client.post(f"/comments/{comment_id}/edit", data={**form, "body": "  "})
    assert response.status_code == 422
    assert "Please write a comment." in response.get_data(as_text=True)


def test_an_approved_comment_that_gains_links_waits_for_a_moderator_again(app, client, slug):
    app.config["COMMENT_MAX_LINKS"] = 0
    comment_id = posted(app, client, slug)
    with app.app_context():
        db.session.get(Comment, comment_id).status = "approved"
        db.session.commit()
    form = edit_form(client, comment_id)
    client.post(f"/comments/{comment_id}/edit", data={**form, "body": "Buy at https://x.example"})
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert (comment.status, comment.hold_reason) == ("pending", "too many links (1)")
    assert "https://x.example" not in get_html(app.test_client(), f"/articles/{slug}")
    assert "awaiting moderation" in get_html(client, f"/articles/{slug}")  # the writer sees it


def test_the_writer_can_delete_it(app, client, slug):
    comment_id = posted(app, client, slug)
    form = edit_form(client, comment_id)
    response = client.post(
        f"/comments/{comment_id}/delete", data={"csrf_token": form["csrf_token"]}
    )
    assert response.status_code == 303
    page = get_html(client, response.headers["Location"])
    assert "Your comment was deleted." in page and "My first thought." not in page
    with app.app_context():
        assert db.session.get(Comment, comment_id).status == "trash"
    assert client.get(f"/comments/{comment_id}/edit").status_code == 403


def test_after_the_window_the_comment_can_no_longer_be_changed(app, client, slug):
    comment_id = posted(app, client, slug)
    app.config["COMMENT_EDIT_MINUTES"] = 0
    assert client.get(f"/comments/{comment_id}/edit").status_code == 403
    assert f"/comments/{comment_id}/edit" not in get_html(client, f"/articles/{slug}")


def test_edits_need_the_token_of_the_session_that_posted(app, client, slug):
    comment_id = posted(app, client, slug)
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/comments/{comment_id}/edit", data={"body": "Forged."})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Comment, comment_id).body == "My first thought."
