"""The audit log page: who did what to which comment or article, when; filters and pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from blog.admin.audit import (
    FORMER_ACCOUNT,
    MAX_PAGE,
    AuditFilters,
    audit_entries,
    comments_named_in,
    describe,
    page_number,
    parse_filters,
    subject_of,
)
from blog.extensions import db
from blog.models import ModerationAction, Staff
from tests.factories import make_article, make_comment, make_staff
from tests.pages import get_html, log_in, tags

NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def record(staff=None, *, at=NOON, **fields) -> ModerationAction:
    entry = ModerationAction(staff_id=staff.id if staff else None, created_at=at, **fields)
    db.session.add(entry)
    return entry


@pytest.fixture
def log(app):
    """An admin, a moderator and a former account's entries on comments, articles and a ban."""
    with app.app_context():
        admin = make_staff("chief", role="admin", display_name="Maren Holt")
        moderator = make_staff("mod", role="moderator", display_name="Sam Quill")
        article = make_article(title="Harbour news")
        comment = make_comment(article, author_name="Ada Reader", status="approved")
        db.session.flush()
        record(
            moderator,
            comment_id=comment.id,
            action="approve",
            status_before="pending",
            status_after="approved",
            at=NOON - timedelta(days=2),
        )
        record(
            admin,
            article_id=article.id,
            action="publish",
            status_before="draft",
            status_after="published",
            detail="Harbour news",
            at=NOON - timedelta(days=1),
        )
        record(moderator, action="delete", status_before="trash", at=NOON - timedelta(hours=1))
        record(admin, action="delete", status_before="published", detail="Gone story", at=NOON)
        record(None, action="ban", detail="troll@example.com", at=NOON + timedelta(hours=1))
        db.session.commit()
        return {
            "admin": admin.id,
            "moderator": moderator.id,
            "article": article.id,
            "comment": comment.id,
        }


def lines(app, filters=AuditFilters()):  # noqa: B008 - a frozen dataclass
    with app.app_context():
        entries = db.session.scalars(audit_entries(filters)).unique().all()
        named = comments_named_in({e.comment_id for e in entries if e.comment_id})
        return [describe(entry, named) for entry in entries]


# --- the rules, without HTTP -------------------------------------------------------------------


def test_the_log_says_who_did_what_to_which_thing_newest_first(app, log):
    said = [
        (line.who, line.did, line.what, line.status_before, line.status_after)
        for line in lines(app)
    ]
    assert said == [
        ("a former account", "banned", "troll@example.com", "", ""),
        ("Maren Holt", "deleted", "“Gone story” (since deleted)", "published", "gone"),
        ("Sam Quill", "deleted permanently", "a comment since deleted", "trash", "gone"),
        ("Maren Holt", "published", "“Harbour news”", "draft", "published"),
        ("Sam Quill", "approved", "comment by Ada Reader on “Harbour news”", "pending", "approved"),
    ]
    links = [line.link for line in lines(app)]
    assert links[3] == ("editorial.edit_article", {"article_id": log["article"]})
    assert links[4] == ("admin.edit", {"comment_id": log["comment"]})
    assert links[:3] == [None, None, None]


@pytest.mark.parametrize(
    ("fields", "subject"),
    [
        ({"action": "delete", "status_before": "spam"}, "comment"),
        ({"action": "delete", "status_before": "draft", "detail": "A title"}, "article"),
        ({"action": "delete", "status_before": "published", "article_id": 3}, "article"),
        ({"action": "unpublish"}, "article"),
        ({"action": "approve", "comment_id": 4}, "comment"),
        ({"action": "unban", "detail": "10.0.0.0/8"}, "ban"),
    ],
)
def test_what_an_entry_acted_on(fields, subject):
    assert subject_of(ModerationAction(**fields)) == subject


def test_filters_by_person_action_and_dates(app, log):
    def whats(**filters):
        return [line.what for line in lines(app, AuditFilters(**filters))]

    assert len(whats(staff=log["moderator"])) == 2
    assert whats(staff=FORMER_ACCOUNT) == ["troll@example.com"]
    assert whats(action="publish") == ["“Harbour news”"]
    assert len(whats(action="delete")) == 2
    day = NOON.date()
    assert len(whats(since=day, until=day)) == 3  # the whole of the To day counts
    assert len(whats(until=day - timedelta(days=1))) == 2
    assert whats(since=day + timedelta(days=1)) == []


def test_filters_are_read_from_the_query_string_and_bad_ones_explained():
    good = parse_filters({"staff": "7", "action": "spam", "from": "2026-11-01", "to": "2026-11-30"})
    assert good == AuditFilters(7, "spam", date(2026, 11, 1), date(2026, 11, 30))
    assert good.problems == ()
    assert good.query_args() == {
        "staff": "7",
        "action": "spam",
        "from": "2026-11-01",
        "to": "2026-11-30",
    }
    bad = parse_filters({"staff": "¹", "action": "<script>", "from": "2026-13-45", "to": "soon"})
    assert bad == AuditFilters()
    assert len(bad.problems) == 4
    assert "“2026-13-45” is not a date like 2026-11-28" in bad.problems[2]
    swapped = parse_filters({"from": "2026-11-30", "to": "2026-11-01"})
    assert (swapped.since, swapped.until) == (date(2026, 11, 1), date(2026, 11, 30))
    assert "swapped" in swapped.problems[0]
    assert parse_filters({"staff": FORMER_ACCOUNT}).staff == FORMER_ACCOUNT


@pytest.mark.parametrize(
    ("text", "page"),
    [
        (None, 1),
        ("", 1),
        ("3", 3),
        ("0", 1),
        ("-2", 1),
        ("abc", 1),
        ("²", 1),
        ("1e3", 1),
        ("99999999999999999999", MAX_PAGE),
        ("9" * 5000, MAX_PAGE),
    ],
)
def test_page_numbers(text, page):
    assert page_number(text) == page


# --- the page ----------------------------------------------------------------------------------


def test_admins_read_the_log(client, log):
    log_in(client, "chief")
    html = get_html(client, "/admin/audit")
    assert [t["datetime"] for t in tags(html, "time")][:2] == [
        "2026-11-20T13:00:00Z",
        "2026-11-20T12:00:00Z",
    ]
    assert "20 November 2026 at 13:00" in html
    assert f'<a href="/admin/comments/{log["comment"]}/edit">comment by Ada Reader' in html
    assert f'<a href="/admin/articles/{log["article"]}/edit">“Harbour news”</a>' in html
    assert 'pending <span aria-hidden="true">&rarr;</span>' in html
    assert "a former account" in html
    assert "chief" not in html.replace("Chief", "")  # display names, never usernames


@pytest.mark.parametrize("role", ["editor", "moderator"])
def test_only_admins_may_read_it(app, client, log, role):
    with app.app_context():
        make_staff("other", role=role, display_name="Other Person")
        db.session.commit()
    log_in(client, "other")
    assert client.get("/admin/audit").status_code == 403
    assert 'href="/admin/audit"' not in get_html(client, "/admin/")


def test_anonymous_visitors_are_sent_to_log_in(client, log):
    response = client.get("/admin/audit?action=spam")
    assert response.headers["Location"].startswith("/login?next=")


def test_the_menu_links_to_it_for_admins(client, log):
    log_in(client, "chief")
    assert '<a href="/admin/audit">Audit log</a>' in get_html(client, "/admin/")


def test_filters_show_as_chosen_and_pages_keep_them(app, client, log):
    with app.app_context():
        app.config["ADMIN_COMMENTS_PER_PAGE"] = 2
        for n in range(5):
            record(
                db.session.get(Staff, log["admin"]),
                action="spam",
                comment_id=log["comment"],
                status_before="approved",
                status_after="spam",
                at=NOON - timedelta(minutes=n),
            )
        db.session.commit()
    log_in(client, "chief")
    query = f"staff={log['admin']}&action=spam&from=2026-11-20&to=2026-11-20"
    html = get_html(client, f"/admin/audit?{query}")
    assert "Page 1 of 3" in html
    assert f'<option value="{log["admin"]}" selected>Maren Holt</option>' in html
    assert '<option value="spam" selected>' in html
    assert 'value="2026-11-20"' in html
    older = next(a["href"] for a in tags(html, "a") if a.get("rel") == "next")
    assert parse_qs(urlsplit(older).query) == {
        "page": ["2"],
        "staff": [str(log["admin"])],
        "action": ["spam"],
        "from": ["2026-11-20"],
        "to": ["2026-11-20"],
    }
    assert "Page 2 of 3" in get_html(client, older)


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-02-30",
        "to=tomorrow",
        "from=%00",
        "staff=abc",
        "staff=99999999999999999999",
        "action=%3Cscript%3E",
        "page=abc",
        "page=-1",
        "page=99999999999999999999",
        "page=" + "9" * 5000,
        "from=2026-11-30&to=2026-11-01",
        "staff=424242",
    ],
)
def test_odd_filters_never_fail(client, log, query):
    log_in(client, "chief")
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 200, query
    assert "<script>" not in response.get_data(as_text=True)


def test_a_bad_date_is_explained_and_ignored(client, log):
    log_in(client, "chief")
    html = get_html(client, "/admin/audit?from=2026-02-30")
    assert "is not a date like 2026-11-28, so the From date was ignored." in html
    assert html.count("<tr>") == 6  # the header and every entry


def test_a_page_past_the_end_says_so(client, log):
    log_in(client, "chief")
    html = get_html(client, "/admin/audit?page=40")
    assert "There is no page 40." in html


def test_the_number_of_queries_does_not_grow_with_the_page(app, client, log, count_queries):
    log_in(client, "chief")
    few = count_queries(lambda: client.get("/admin/audit")).count
    with app.app_context():
        for n in range(15):
            staff = make_staff(f"s{n}", display_name=f"Person {n}")
            article = make_article(title=f"Story {n}")
            comment = make_comment(article)
            db.session.flush()
            record(staff, comment_id=comment.id, action="trash", at=NOON - timedelta(days=9))
            record(staff, article_id=article.id, action="update", at=NOON - timedelta(days=9))
        db.session.commit()
    many = count_queries(lambda: client.get("/admin/audit")).count
    assert many == few
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ModerationAction.id))) == 35
