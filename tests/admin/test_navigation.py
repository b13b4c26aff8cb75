"""The staff layout: its own bar and menu (with Log out), and markup a checker accepts."""

from __future__ import annotations

from collections import Counter

import pytest

from blog.extensions import db
from tests.factories import make_article, make_comment, make_staff
from tests.pages import elements, form_values, get_html, log_in

STAFF_PAGES = [
    "/admin/",
    "/admin/comments",
    "/admin/comments?status=approved",
    "/admin/bans",
    "/admin/staff",
    "/admin/audit",
    "/admin/account",
    "/admin/password",
    "/admin/articles",
    "/admin/articles/new",
    "/admin/authors",
    "/admin/categories",
    "/admin/tags",
]


@pytest.fixture
def admin(app, client):
    with app.app_context():
        make_staff("chief", role="admin", display_name="Maren Holt")
        article = make_article()
        make_comment(article, status="pending")
        make_comment(article, status="pending")
        db.session.commit()
    log_in(client, "chief")
    return client


def test_staff_pages_have_their_own_bar_not_the_readers_masthead(admin):
    for url in STAFF_PAGES:
        html = get_html(admin, url)
        assert 'class="staff-header"' in html, url
        assert 'class="site-header"' not in html and "site-search" not in html, url
        assert '<main id="main" class="staff-wrap staff-main"' in html, url


def test_log_out_is_in_the_menu_as_a_post_with_csrf(admin):
    html = get_html(admin, "/admin/audit")
    menu = html[html.index('<nav class="staff-nav"') : html.index("</nav>")]
    assert '<form method="post" action="/logout"' in menu
    assert 'name="csrf_token"' in menu and ">Log out</button>" in menu
    assert html.count(">Log out</button>") == 1  # not a second time in the footer
    response = admin.post("/logout", data={"csrf_token": form_values(menu)["csrf_token"]})
    assert response.headers["Location"] == "/"
    assert admin.get("/admin/").status_code == 302


def test_the_menu_marks_the_current_section(admin):
    html = get_html(admin, "/admin/comments?status=spam")
    assert '<a href="/admin/comments" aria-current="page">Comments' in html
    assert '<a href="/admin/" aria-current' not in html
    assert '<a href="/admin/account" aria-current="page">' in get_html(admin, "/admin/password")


def test_the_pending_badge_is_text_not_an_aria_label(admin):
    html = get_html(admin, "/admin/")
    assert (
        '<span class="badge badge-count">2<span class="visually-hidden"> pending</span></span>'
        in html
    )


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_no_aria_label_on_a_plain_span_or_div_and_no_duplicate_ids(admin, url):
    found = elements(get_html(admin, url))
    bad = [
        (tag, attrs)
        for tag, attrs in found
        if tag in ("span", "div", "p") and "aria-label" in attrs and "role" not in attrs
    ]
    assert bad == []
    ids = Counter(attrs["id"] for _, attrs in found if attrs.get("id"))
    assert [name for name, count in ids.items() if count > 1] == []


def test_every_control_has_a_label(admin):
    for url in STAFF_PAGES:
        found = elements(get_html(admin, url))
        labelled = {attrs.get("for") for tag, attrs in found if tag == "label"}
        for tag, attrs in found:
            if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
                assert attrs.get("id") in labelled, (url, tag, attrs)


def test_admins_refuse_a_new_account_whose_name_shows_its_username(app, admin):
    data = form_values(get_html(admin, "/admin/staff"))
    data.update(
        username="Pat", display_name="pat", role="moderator", password="a long new password"
    )
    response = admin.post("/admin/staff", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="display_name-error">Readers would see your username' in html
    assert form_values(html)["username"] == "Pat"
    data["display_name"] = "Pat Rivers"
    assert admin.post("/admin/staff", data=data).status_code == 422  # "pat" is a word of it
    data["display_name"] = "Night Desk"
    assert admin.post("/admin/staff", data=data).status_code == 303
