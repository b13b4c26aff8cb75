"""The demo content `make run` loads: articles with their pictures, authors with their photos,
and a conversation in every state."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

import blog.cli
from blog.auth.accounts import authenticate, load_staff
from blog.demo import UNUSABLE_PASSWORD_HASH, illustrations
from blog.demo.pictures import CREDIT, LEAD_IMAGES, PORTRAITS
from blog.extensions import db
from blog.media.store import store_for
from blog.models import Article, Author, Comment, CommentRevision, Media, Staff
from tests.pages import get_html, log_in

FERRY = "the-harbour-ferry-that-refused-to-retire"
BUDGET = "how-the-town-spends-its-money-line-by-line"


@pytest.fixture(autouse=True)
def media_of_its_own(app, tmp_path):
    """The demo's pictures in a folder of the test's own (not the instance folder's)."""
    app.config["MEDIA_DIR"] = str(tmp_path / "media")


@pytest.fixture
def demo(app, runner, monkeypatch):
    """The demo without its pictures (their drawing takes seconds, and these tests are about
    the conversation): test_the_demo_has_its_pictures has them."""
    monkeypatch.setattr(blog.cli, "load_demo_pictures", lambda: 0)
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    assert "demo comments added" in result.output
    return app


def comments(app) -> list[Comment]:
    with app.app_context():
        return db.session.scalars(sa.select(Comment).order_by(Comment.id)).all()


def demo_staff(app) -> Staff:
    with app.app_context():
        return db.session.scalar(sa.select(Staff).where(Staff.username == "demo-newsdesk"))


def test_the_demo_articles_carry_a_thread_with_a_staff_reply_and_an_edit(demo, client):
    html = get_html(client, f"/articles/{FERRY}")
    assert "3 Comments on" not in html  # the pending one is not counted or shown
    assert "4 Comments on &quot;The harbour ferry that refused to retire&quot;" in html
    # A thread three deep: comment, reply, staff reply.
    assert html.count('class="children"') == 2
    staff_reply = html.split('<li id="comment-')[3]
    assert "depth-3" in staff_reply and '<span class="badge badge-staff">Staff</span>' in html
    assert "Newsdesk" in staff_reply
    assert '<span class="comment-edited">edited <time' in html
    assert "Wrenn" not in html  # the corrected text is what readers see
    assert "bicycles on" not in html and "Tom Reddish" not in html  # waits in the queue
    assert "@example" not in html and "staff.invalid" not in html  # no email on the page
    assert "Newsdesk" in get_html(client, f"/articles/{BUDGET}")


def test_every_state_is_there_for_the_moderator_too(demo):
    staff_id = demo_staff(demo).id
    with demo.app_context():
        shown = db.session.scalars(sa.select(Comment).order_by(Comment.id)).all()
        assert sorted({c.status for c in shown}) == ["approved", "pending"]
        assert [c.author_name for c in shown if c.status == "pending"] == ["Tom Reddish"]
        for comment in shown:
            email = comment.author_email
            assert re.fullmatch(r"[^@]+@(example\.org|example\.com|staff\.invalid)", email)
            assert comment.created_at > comment.article.published_at
        assert {c.author_name for c in shown if c.staff_id == staff_id} == {"Newsdesk"}
        [revision] = db.session.scalars(sa.select(CommentRevision)).all()
        assert "Wrenn" in revision.body and revision.staff_id == staff_id


def test_the_demo_staff_account_cannot_log_in(demo, client):
    staff = demo_staff(demo)
    assert staff.display_name == "Newsdesk" and not staff.active
    assert staff.password_hash == UNUSABLE_PASSWORD_HASH
    with demo.app_context():
        for password in ("", UNUSABLE_PASSWORD_HASH, "demo-newsdesk", "correct horse battery"):
            assert authenticate("demo-newsdesk", password) is None
        assert load_staff(staff.get_id()) is None  # not even with its session token
        # Made active by a careless admin, it still opens to no password.
        db.session.get(Staff, staff.id).active = True
        db.session.commit()
        assert authenticate("demo-newsdesk", UNUSABLE_PASSWORD_HASH) is None
    response = log_in(client, "demo-newsdesk", UNUSABLE_PASSWORD_HASH)
    assert response.status_code == 422
    assert client.get("/admin/").headers["Location"].startswith("/login")


def test_the_demo_account_does_not_hide_the_hint_to_create_a_real_one(demo, runner):
    assert "create-admin" in runner.invoke(args=["staff-hint"]).output


def test_loading_the_demo_again_adds_no_comments(demo, runner):
    before = len(comments(demo))
    result = runner.invoke(args=["load-demo", "--if-empty"])
    assert result.exit_code == 0 and "already has articles" in result.output
    assert runner.invoke(args=["load-demo"]).exit_code == 0  # re-imports the articles
    assert len(comments(demo)) == before == 7
    with demo.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Staff.id))) == 1


def test_the_demo_has_its_pictures_and_loading_again_adds_none(app, runner, client):
    result = runner.invoke(args=["load-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "11 demo pictures drawn." in result.output
    with app.app_context():
        articles = db.session.scalars(sa.select(Article)).all()
        assert len(articles) == len(LEAD_IMAGES) == 8
        for article in articles:
            lead = article.lead_image
            assert lead is not None, article.slug
            assert lead.width == 1600 and lead.height == 900  # Google asks for 1200 or more
            assert len(article.lead_image_alt) > 40 and article.lead_image_caption
            assert article.lead_image_credit == CREDIT == "Illustration: The Ledger"
            assert article.updated_at == article.published_at  # no "Updated" for a picture
        assert [a.slug for a in articles if a.featured] == [FERRY]
        assert len({article.lead_image.digest for article in articles}) == 8  # all different
        authors = db.session.scalars(sa.select(Author)).all()
        assert sorted(author.name for author in authors) == sorted(PORTRAITS)
        assert all(author.photo is not None for author in authors)
        pictures = db.session.scalars(sa.select(Media)).all()
        assert len(pictures) == 11
        store = store_for(app)
        expected = {str(name) for picture in pictures for name in picture.all_files()}
        assert set(store.names()) == expected  # every width, in PNG and in WebP
        ferry = db.session.scalars(sa.select(Article).where(Article.slug == FERRY)).one()
        largest = store.get(str(ferry.lead_image.largest))
    with Image.open(io.BytesIO(largest)) as image:
        assert image.format == "PNG" and image.size == (1600, 900)
        assert len(image.getcolors(1 << 20)) > 100  # drawn, smoothly: not one flat colour
    with client.get(f"/media/{ferry.lead_image.largest}") as response:
        assert response.status_code == 200 and response.data == largest

    again = runner.invoke(args=["load-demo"])  # the articles imported again: nothing drawn
    assert again.exit_code == 0 and "0 demo pictures drawn." in again.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Media.id))) == 11
        assert set(store_for(app).names()) == expected
        assert db.session.scalar(sa.select(Article).where(Article.slug == FERRY)).featured


def test_an_illustration_is_drawn_the_same_every_time():
    """So the demo's files keep their names from one fresh start to the next."""
    assert illustrations.budget_chart() == illustrations.budget_chart()
