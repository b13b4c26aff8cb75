"""Who may reach which staff URL, with which method."""

from __future__ import annotations

import pytest

from blog.extensions import db
from tests.factories import make_article, make_comment, make_staff
from tests.pages import csrf_token, log_in

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def admin_urls(app) -> list[str]:
    """Every /admin rule, with ids filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin"):
            url = rule.rule.replace("<int:comment_id>", "1").replace("<int:ban_id>", "1")
            url = url.replace("<int:staff_id>", "1").replace("<action_name>", "approve")
            url = url.replace("<int:article_id>", "1").replace("<int:author_id>", "1")
            url = url.replace("<any(categories, tags):kind>", "tags").replace("<int:item_id>", "1")
            url = url.replace("<int:message_id>", "1").replace("<name>", "x.eml")
            assert "<" not in url, url
            urls.append(url)
    return sorted(set(urls))


@pytest.fixture
def seeded(app):
    with app.app_context():
        make_comment(make_article(), status="pending")
        make_staff("admin", role="admin")
        make_staff("moderator", role="moderator")
        db.session.commit()


def test_every_admin_url_and_method_sends_anonymous_visitors_to_login(app, client, seeded):
    urls = admin_urls(app) + ["/admin", "/admin/no-such-page"]
    assert len(urls) >= 20
    for url in urls:
        for method in METHODS:
            response = client.open(url, method=method)
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/login?next="), (method, url)


def test_moderators_are_refused_admin_only_pages(app, client, seeded):
    log_in(client, "moderator")
    assert client.get("/admin/staff").status_code == 403
    response = client.post(
        "/admin/staff",
        data={
            "csrf_token": csrf_token(client),
            "username": "x",
            "display_name": "x",
            "role": "admin",
            "password": "p" * 20,
        },
    )
    assert response.status_code == 403
    assert (
        client.post("/admin/staff/1/active", data={"csrf_token": csrf_token(client)}).status_code
        == 403
    )
    for url in (
        "/admin/",
        "/admin/comments",
        "/admin/bans",
        "/admin/password",
        "/admin/comments/1/edit",
    ):
        assert client.get(url).status_code == 200, url


def test_admins_reach_the_account_pages(client, seeded):
    log_in(client, "admin")
    assert client.get("/admin/staff").status_code == 200


def test_ids_that_do_not_exist_are_404(client, seeded):
    log_in(client, "admin")
    token = csrf_token(client)
    assert client.post("/admin/comments/999/approve", data={"csrf_token": token}).status_code == 404
    assert client.post("/admin/comments/1/nonsense", data={"csrf_token": token}).status_code == 404
    assert client.get("/admin/comments/999/edit").status_code == 404
    assert client.post("/admin/bans/999/delete", data={"csrf_token": token}).status_code == 404
    assert client.post("/admin/staff/999/active", data={"csrf_token": token}).status_code == 404


def test_a_get_to_an_action_url_is_405_and_changes_nothing(app, client, seeded):
    from blog.models import Comment

    log_in(client, "admin")
    for action in ("approve", "spam", "trash", "delete"):
        assert client.get(f"/admin/comments/1/{action}").status_code == 405
    with app.app_context():
        assert db.session.get(Comment, 1).status == "pending"


def test_actions_need_a_csrf_token(app, client, seeded):
    from blog.models import Comment

    log_in(client, "admin")
    assert client.post("/admin/comments/1/approve").status_code == 400
    with app.app_context():
        assert db.session.get(Comment, 1).status == "pending"


def test_staff_and_login_pages_are_never_stored(client, seeded):
    assert client.get("/login").headers["Cache-Control"] == "private, no-store"
    log_in(client, "admin")
    for url in ("/admin/", "/admin/comments", "/admin/bans", "/admin/staff"):
        assert client.get(url).headers["Cache-Control"] == "private, no-store", url
