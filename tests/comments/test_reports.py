"""Reporting a comment: the rule that tells reporters apart, the form, hiding, the staff tab."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from blog.comments.reports import Reporter, distinct_reporters, network_of
from blog.extensions import db, limiter
from blog.models import Comment, CommentReport, ModerationAction
from tests.factories import make_article, make_comment, make_staff
from tests.pages import csrf_token, get_html, log_in

# --- the rule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("::ffff:203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("not an address", "unknown"),
        (None, "unknown"),
    ],
)
def test_a_reporters_network_is_their_slash_24_or_slash_64(address, network):
    assert network_of(address) == network


def report(session: str, network: str) -> SimpleNamespace:
    return SimpleNamespace(reporter=session, network=network)


def test_reporters_count_once_per_browser_and_once_per_network():
    assert distinct_reporters([]) == 0
    # One person, three browsers at home: one network.
    assert distinct_reporters([report("a", "home"), report("b", "home"), report("c", "home")]) == 1
    # One browser carried from home to the office: one session.
    assert distinct_reporters([report("a", "home"), report("a", "office")]) == 1
    # Three people in three places.
    assert distinct_reporters([report("a", "n1"), report("b", "n2"), report("c", "n3")]) == 3
    # A browser already counted does not stop a new one on a new network from counting.
    trail = [report("a", "n1"), report("a", "n2"), report("b", "n1"), report("c", "n3")]
    assert distinct_reporters(trail) == 2


def test_reporters_are_kept_as_keyed_hashes_never_as_addresses():
    first = Reporter.of("session-id", "203.0.113.77", "key")
    assert "203.0.113" not in first.network and "session-id" not in first.session
    assert Reporter.of("other", "203.0.113.9", "key").network == first.network  # same /24
    assert Reporter.of("session-id", "203.0.113.77", "another key") != first


# --- over HTTP ----------------------------------------------------------------------------


@pytest.fixture
def thread(app):
    """An article with an approved comment and a pending one; returns (slug, approved id)."""
    with app.app_context():
        article = make_article(title="Harbour dues")
        approved = make_comment(article, author_name="Loud Larry", body="Buy cheap watches now.")
        make_comment(article, status="pending", body="Still waiting.")
        make_staff("editor", role="admin")  # the audit log is an admin's
        db.session.commit()
        app.config.update(SLUG=article.slug)
        return article.slug, approved.id


def send_report(client, comment_id: int, address: str = "198.51.100.7", **fields: str):
    data = {"reason": "spam", "note": ""} | fields
    return client.post(
        f"/comments/{comment_id}/report", data=data, environ_base={"REMOTE_ADDR": address}
    )


def reports_of(app, comment_id: int) -> list[CommentReport]:
    with app.app_context():
        return db.session.scalars(
            sa.select(CommentReport).where(CommentReport.comment_id == comment_id)
        ).all()


def status_of(app, comment_id: int) -> str:
    with app.app_context():
        return db.session.get(Comment, comment_id).status


def test_every_approved_comment_has_a_report_link_and_the_form_sets_no_cookie(app, client, thread):
    slug, comment_id = thread
    page = get_html(client, f"/articles/{slug}")
    assert f'href="/comments/{comment_id}/report"' in page
    assert page.count('class="report-link"') == 1  # not on the pending one
    response = client.get(f"/comments/{comment_id}/report")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    form = response.get_data(as_text=True)
    assert "Buy cheap watches now." in form and "Abuse or harassment" in form


def test_a_report_without_a_reason_comes_back_with_the_note_and_a_message(app, client, thread):
    _slug, comment_id = thread
    response = send_report(client, comment_id, reason="", note="He posts this everywhere.")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Please choose a reason." in page and "He posts this everywhere." in page
    assert 'id="reason-error"' in page
    assert reports_of(app, comment_id) == []


def test_a_report_thanks_the_reader_and_is_kept_once(app, client, thread):
    slug, comment_id = thread
    response = send_report(client, comment_id, note="Spam links.")
    assert response.status_code == 303
    assert "Thank you. A moderator will look at this comment." in get_html(
        client, response.headers["Location"]
    )
    again = send_report(client, comment_id, reason="abuse")
    assert "already reported" in get_html(client, again.headers["Location"])
    [kept] = reports_of(app, comment_id)
    assert (kept.reason, kept.note) == ("spam", "Spam links.")
    assert "198.51.100" not in kept.network
    assert status_of(app, comment_id) == "approved"  # one reader does not hide it


def test_only_approved_comments_on_visible_articles_can_be_reported(app, client, thread):
    with app.app_context():
        pending = db.session.scalar(sa.select(Comment.id).where(Comment.status == "pending"))
    assert client.get(f"/comments/{pending}/report").status_code == 404
    assert send_report(client, pending).status_code == 404
    assert client.get("/comments/999999/report").status_code == 404


def test_three_browsers_on_one_network_do_not_hide_a_comment(app, thread):
    _slug, comment_id = thread
    for n in range(3):
        send_report(app.test_client(), comment_id, address=f"198.51.100.{n + 1}")
    assert len(reports_of(app, comment_id)) == 3
    assert status_of(app, comment_id) == "approved"


def test_three_readers_on_three_networks_hide_it_until_a_moderator_decides(app, thread):
    slug, comment_id = thread
    reader = app.test_client()
    for n in range(3):
        send_report(app.test_client(), comment_id, address=f"198.51.{n}.7")
    assert status_of(app, comment_id) == "pending"
    assert "Buy cheap watches now." not in get_html(reader, f"/articles/{slug}")
    with app.app_context():
        actions = db.session.scalars(
            sa.select(ModerationAction.action).where(ModerationAction.comment_id == comment_id)
        ).all()
    assert actions == ["hidden-by-reports"]

    staff = app.test_client()
    log_in(staff)
    tab = get_html(staff, "/admin/comments?status=reported")
    assert (
        'Reported <span class="tab-count">(1)</span>' in tab
        and "Reported by 3 readers" in tab
        and "Spam (3)" in tab
    )
    pending = get_html(staff, "/admin/comments?status=pending")
    assert "Hidden by readers" in pending
    assert "Hidden after readers&#39; reports, " in pending  # by nobody: by the rule
    log = get_html(staff, "/admin/audit")
    assert "Readers&#39; reports" in log and "a former account" not in log
    answer = staff.post(
        f"/admin/comments/{comment_id}/dismiss-reports",
        data={"csrf_token": csrf_token(staff), "next": "/admin/comments?status=reported"},
    )
    assert answer.status_code == 303
    assert status_of(app, comment_id) == "approved"
    assert "Buy cheap watches now." in get_html(reader, f"/articles/{slug}")
    assert "No comments here." in get_html(staff, "/admin/comments?status=reported")


def test_a_moderators_decision_closes_the_reports(app, thread):
    _slug, comment_id = thread
    send_report(app.test_client(), comment_id, reason="abuse", note="Rude.")
    staff = app.test_client()
    log_in(staff)
    tab = get_html(staff, "/admin/comments?status=reported")
    assert "Abuse or harassment" in tab and "Rude." in tab
    staff.post(f"/admin/comments/{comment_id}/spam", data={"csrf_token": csrf_token(staff)})
    assert status_of(app, comment_id) == "spam"
    assert "No comments here." in get_html(staff, "/admin/comments?status=reported")
    assert all(r.closed_at is not None for r in reports_of(app, comment_id))


def test_a_report_from_another_site_is_refused(app, client, thread):
    _slug, comment_id = thread
    response = client.post(
        f"/comments/{comment_id}/report",
        data={"reason": "spam"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    assert reports_of(app, comment_id) == []


def test_reports_are_limited_per_client(app, client, thread):
    _slug, comment_id = thread
    app.config.update(RATELIMIT_ENABLED=True, COMMENT_REPORT_RATE_LIMIT="2 per minute")
    limiter.init_app(app)
    try:
        statuses = [send_report(app.test_client(), comment_id).status_code for _ in range(3)]
    finally:
        limiter.reset()
    assert statuses == [303, 303, 429]
