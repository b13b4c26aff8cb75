"""Bans: the rules without HTTP (value, impact, end, the check), then the pages a moderator uses."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from blog.admin import bans
from blog.admin.bans import (
    BanImpact,
    ban_impact,
    ban_reason,
    ban_state,
    caught_by,
    default_end_date,
    end_of,
    lift_ban,
    parse_ban,
    place_ban,
)
from blog.extensions import db
from blog.models import Article, Ban, Comment, ModerationAction, Staff, utcnow
from blog.refusals import Refused
from tests.admin.conftest import add_comment
from tests.factories import make_article, make_comment, make_staff
from tests.pages import csrf_token, get_html, post_comment

# --- The value ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "typed", "stored"),
    [
        ("email", "  Troll@Example.COM ", "Troll@example.com"),
        ("ip", "203.0.113.7", "203.0.113.7/32"),
        ("ip", "203.0.113.77/24", "203.0.113.0/24"),
        ("ip", "10.20.0.0/16", "10.20.0.0/16"),
        ("ip", "2001:DB8::1", "2001:db8::1/128"),
        ("ip", "2001:db8::/32", "2001:db8::/32"),
    ],
)
def test_a_ban_value_is_kept_in_its_canonical_form(kind, typed, stored):
    assert parse_ban(kind, typed) == stored


@pytest.mark.parametrize(
    ("kind", "typed", "field", "message"),
    [
        ("email", "not an email", "value", "Enter a valid email address."),
        ("ip", "not-an-address", "value", "Enter an IP address"),
        ("ip", "203.0.113.0/33", "value", "Enter an IP address"),
        ("ip", "", "value", "Enter an IP address"),
        ("ip", "0.0.0.0/0", "value", "too wide a network to ban: 4,294,967,296 addresses"),
        ("ip", "10.0.0.0/8", "value", "Ban a /16 or narrower."),
        ("ip", "::/0", "value", "Ban a /32 or narrower."),
        ("ip", "2001:db8::/31", "value", "too wide"),
        ("website", "example.org", "kind", "Choose an email address or an IP address."),
    ],
)
def test_a_malformed_or_too_wide_ban_is_refused_with_a_message_for_its_field(
    kind, typed, field, message
):
    with pytest.raises(Refused) as refused:
        parse_ban(kind, typed)
    assert refused.value.field == field
    assert message in str(refused.value)


def test_emails_are_banned_for_good_and_addresses_for_30_days_unless_told_otherwise():
    today = date(2026, 12, 1)
    assert default_end_date("email", today) is None
    assert default_end_date("ip", today) == date(2026, 12, 31)
    assert end_of(date(2027, 1, 3)).isoformat() == "2027-01-03T00:00:00+00:00"
    assert end_of(None) is None


def test_the_bans_list_says_when_each_ends():
    now = utcnow()
    assert ban_state(Ban(expires_at=None), now) == "no end"
    assert ban_state(Ban(expires_at=end_of(date(2027, 1, 3))), now) == "ends 3 January 2027"
    assert ban_state(Ban(expires_at=end_of(date(2026, 11, 2))), now) == "ended 2 November 2026"


# --- What a ban would catch ---------------------------------------------------------------------


@pytest.fixture
def article(app):
    with app.app_context():
        article = make_article(title="Harbour news")
        db.session.commit()
        yield db.session.get(Article, article.id)


def comment(article, ip, email, status="pending"):
    return make_comment(article, status=status, ip_address=ip, author_email=email)


def test_a_network_ban_counts_comments_commenters_and_the_regulars_it_would_catch(app, article):
    comment(article, "203.0.113.4", "regular@example.com", "approved")
    comment(article, "203.0.113.4", "regular@example.com", "approved")
    comment(article, "203.0.113.200", "newcomer@example.com")
    comment(article, "203.0.113.9", "troll@example.com", "spam")
    # A regular elsewhere: approved from home, now writing from the office network.
    comment(article, "198.51.100.1", "office@example.com", "approved")
    comment(article, "203.0.113.50", "office@example.com")
    # Outside the network, or with no address kept, or an address that cannot be read.
    comment(article, "203.0.114.4", "outside@example.com", "approved")
    comment(article, "2203.0.113.4", "garbled@example.com")
    comment(article, None, "forgotten@example.com", "approved")
    comment(article, "::ffff:203.0.113.4", "mapped@example.com")
    db.session.commit()

    assert ban_impact("ip", "203.0.113.0/24") == BanImpact(
        comments=5, approved_comments=2, commenters=4, known_commenters=2
    )
    assert ban_impact("ip", "203.0.113.4/32") == BanImpact(2, 2, 1, 1)
    assert ban_impact("ip", "192.0.2.0/24") == BanImpact(0, 0, 0, 0)


def test_a_wider_network_matches_by_address_not_by_text(app, article):
    comment(article, "10.1.2.3", "a@example.com")
    comment(article, "10.1.255.254", "b@example.com")
    comment(article, "10.10.1.1", "c@example.com")  # starts with "10.1" as text, is not in it
    comment(article, "10.1.2.3", "a@example.com")
    db.session.commit()
    assert ban_impact("ip", "10.1.0.0/16") == BanImpact(3, 0, 2, 0)
    assert ban_impact("ip", "10.1.0.0/20") == BanImpact(2, 0, 1, 0)


def test_an_ipv6_network_is_matched_however_its_addresses_are_written(app, article):
    comment(article, "2001:db8::1", "a@example.com", "approved")
    comment(article, "2001:db8:0:1::5", "b@example.com")
    comment(article, "2001:0db8:0000:0000:0000:0000:0000:0009", "c@example.com")
    comment(article, "2001:db9::1", "d@example.com")
    comment(article, "192.0.2.1", "e@example.com")
    db.session.commit()
    assert ban_impact("ip", "2001:db8::/32") == BanImpact(3, 1, 3, 1)
    assert ban_impact("ip", "2001:db8::/64") == BanImpact(2, 1, 2, 1)


def test_an_email_ban_counts_that_email_in_any_case(app, article):
    comment(article, "192.0.2.1", "Sam@example.com", "approved")
    comment(article, "192.0.2.2", "sam@example.com", "spam")
    comment(article, "192.0.2.3", "other@example.com", "approved")
    db.session.commit()
    assert ban_impact("email", "SAM@example.com") == BanImpact(2, 1, 1, 1)
    assert ban_impact("email", "nobody@example.com") == BanImpact(0, 0, 0, 0)


def test_the_count_reads_a_bounded_number_of_rows_and_says_when_it_stopped(
    app, article, monkeypatch
):
    for n in range(4):
        comment(article, f"203.0.113.{n}", f"reader{n}@example.com")
    db.session.commit()
    monkeypatch.setattr(bans, "IMPACT_SCAN_LIMIT", 3)
    impact = ban_impact("ip", "203.0.113.0/24")
    assert impact.partial and impact.comments == 3
    monkeypatch.setattr(bans, "IMPACT_SCAN_LIMIT", 4)
    assert not ban_impact("ip", "203.0.113.0/24").partial


# --- Making, ending and lifting -----------------------------------------------------------------


@pytest.fixture
def moderator(app):
    with app.app_context():
        staff = make_staff("mod")
        db.session.commit()
        yield db.session.get(Staff, staff.id)


def audit() -> list[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(ModerationAction.action, ModerationAction.detail).order_by(ModerationAction.id)
    )
    return [tuple(row) for row in rows]


def test_placing_renewing_and_lifting_a_ban_are_recorded(app, moderator):
    ends = end_of(date.today() + timedelta(days=30))
    place_ban("ip", "203.0.113.0/24", reason="flood", expires_at=ends, staff=moderator)
    db.session.commit()
    renewed = place_ban("ip", "203.0.113.0/24", reason="again", expires_at=None, staff=moderator)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Ban.id))) == 1
    assert (renewed.reason, renewed.expires_at) == ("again", None)
    place_ban("email", "Sam@example.com", reason="", expires_at=None, staff=moderator)
    place_ban("email", "sam@example.com", reason="same mailbox", expires_at=None, staff=moderator)
    db.session.commit()
    assert db.session.scalars(sa.select(Ban.reason).where(Ban.kind == "email")).all() == [
        "same mailbox"
    ]
    lift_ban(db.session.scalar(sa.select(Ban).where(Ban.kind == "email")), moderator)
    lift_ban(renewed, moderator)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Ban.id))) == 0
    assert audit() == [
        ("ban", "203.0.113.0/24"),
        ("ban", "203.0.113.0/24"),
        ("ban", "Sam@example.com"),
        ("ban", "sam@example.com"),
        ("unban", "Sam@example.com"),
        ("unban", "203.0.113.0/24"),
    ]


def test_the_check_names_the_ban_that_caught_a_comment(app, moderator):
    place_ban("ip", "203.0.113.0/24", reason="", expires_at=None, staff=moderator)
    place_ban("email", "Troll@example.com", reason="", expires_at=None, staff=moderator)
    db.session.commit()
    assert ban_reason("troll@EXAMPLE.com", None) == "banned email"
    assert ban_reason("fine@example.com", "203.0.113.9") == "banned IP address 203.0.113.0/24"
    assert ban_reason("fine@example.com", "203.0.114.9") is None
    assert ban_reason("fine@example.com", "not an address") is None


def test_the_queue_reads_the_ban_back_from_the_reason():
    assert caught_by("banned IP address 203.0.113.0/24", "a@example.com").value == (
        "203.0.113.0/24"
    )
    both = caught_by("honeypot field filled; banned email", "Sam@example.com")
    assert (both.kind, both.value) == ("email", "Sam@example.com")
    assert caught_by("banned IP address", "a@example.com") is None  # before bans named theirs
    assert caught_by("too many links (3)", "a@example.com") is None
    assert caught_by(None, "a@example.com") is None


def test_an_ended_ban_catches_nothing_from_the_moment_it_ends(app, moderator):
    place_ban(
        "email",
        "ended@example.com",
        reason="",
        expires_at=end_of(date(2020, 1, 1)),
        staff=moderator,
    )
    soon = utcnow() + timedelta(seconds=1.5)
    place_ban("ip", "198.51.100.0/24", reason="", expires_at=soon, staff=moderator)
    db.session.commit()
    assert ban_reason("ended@example.com", None) is None
    # The statement is built once; the time it compares with is read each time it runs.
    assert ban_reason("a@example.com", "198.51.100.1") == "banned IP address 198.51.100.0/24"
    time.sleep(max(0.0, (soon - utcnow()).total_seconds()) + 0.1)
    assert ban_reason("a@example.com", "198.51.100.1") is None


# --- The pages ----------------------------------------------------------------------------------


def ban_rows(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(sa.select(Ban.kind, Ban.value, Ban.reason, Ban.expires_at))
        return [tuple(row) for row in rows]


def audit_rows(app) -> list[tuple[str, str]]:
    with app.app_context():
        return audit()


def field_value(html: str, name: str) -> str:
    return re.search(rf'<input[^>]* name="{name}"[^>]* value="([^"]*)"', html).group(1)


def test_the_queue_ban_button_only_shows_what_the_ban_would_catch(app, editor, article_id):
    add_comment(
        app, article_id, status="approved", ip_address="203.0.113.4", author_email="r@x.org"
    )
    add_comment(
        app, article_id, status="approved", ip_address="198.51.100.1", author_email="o@x.org"
    )
    add_comment(app, article_id, status="pending", ip_address="203.0.113.8", author_email="o@x.org")
    held = add_comment(
        app, article_id, status="pending", ip_address="203.0.113.9", author_email="n@x.org"
    )
    queue = get_html(editor, "/admin/comments")
    row = queue[queue.index(f'id="row-{held}"') :]
    assert "Ban IP…</button>" in row and "Ban email…</button>" in row

    here = "/admin/comments?status=pending"
    page = editor.post(
        "/admin/bans",
        data={"csrf_token": csrf_token(editor), "kind": "ip", "value": "203.0.113.9", "next": here},
    )
    html = " ".join(page.get_data(as_text=True).split())
    assert page.status_code == 200
    assert 'Ban <span class="ban-subject">203.0.113.9/32</span>?' in html
    assert "<strong>1 comment</strong> came from 203.0.113.9/32" in html
    assert "it is not approved." in html
    assert "<strong>1 commenter</strong> (by email) wrote it." in html
    assert "No regulars: this commenter has no approved comment." in html
    assert "No comment whose address is still kept came from 192.0.2.0/24." in " ".join(
        editor.post(
            "/admin/bans",
            data={"csrf_token": csrf_token(editor), "kind": "ip", "value": "192.0.2.0/24"},
        )
        .get_data(as_text=True)
        .split()
    )

    page = editor.post(
        "/admin/bans",
        data={
            "csrf_token": csrf_token(editor),
            "kind": "ip",
            "value": "203.0.113.9/24",
            "next": here,
        },
    )
    html = " ".join(page.get_data(as_text=True).split())
    assert "<strong>3 comments</strong> came from 203.0.113.0/24" in html
    assert "1 of them approved" in html
    assert "<strong>3 different commenters</strong>" in html
    assert "<strong>2 of them have approved comments</strong>" in html
    assert field_value(html, "ends_on") == (utcnow().date() + timedelta(days=30)).isoformat()
    assert field_value(html, "reason") == ""
    assert '<button type="submit" class="danger">Confirm ban</button>' in html
    assert f'<a href="{here.replace("&", "&amp;")}">Cancel</a>' in html
    assert ban_rows(app) == [] and audit_rows(app) == []


def test_an_email_ban_offers_no_end_and_confirming_lists_it(app, editor, article_id):
    add_comment(app, article_id, status="spam", author_email="Troll@example.com")
    data = {"csrf_token": csrf_token(editor), "kind": "email", "value": "troll@EXAMPLE.com"}
    html = editor.post("/admin/bans", data=data).get_data(as_text=True)
    assert "<strong>1 comment</strong> came from this email address" in html
    assert field_value(html, "ends_on") == ""
    assert field_value(html, "value") == "troll@example.com"

    confirm = {
        "csrf_token": csrf_token(editor),
        "kind": "email",
        "value": "troll@example.com",
        "reason": "abuse",
        "ends_on": "",
        "confirmed": "yes",
    }
    done = editor.post("/admin/bans", data=confirm)
    assert re.fullmatch(r"/admin/bans#ban-\d+", done.headers["Location"])
    assert ban_rows(app) == [("email", "troll@example.com", "abuse", None)]
    assert audit_rows(app) == [("ban", "troll@example.com")]
    listed = get_html(editor, "/admin/bans")
    assert "Banned troll@example.com (no end)." in listed
    assert '<td data-label="Ends" class="ban-state">no end</td>' in listed


def test_confirming_an_address_ban_keeps_its_end_date_and_the_list_shows_it(app, editor):
    ends_on = date.today() + timedelta(days=400)
    confirm = {
        "csrf_token": csrf_token(editor),
        "kind": "ip",
        "value": "198.51.100.0/24",
        "ends_on": ends_on.isoformat(),
        "confirmed": "yes",
    }
    editor.post("/admin/bans", data=confirm)
    [(_, value, _, expires_at)] = ban_rows(app)
    assert value == "198.51.100.0/24" and expires_at == end_of(ends_on)
    listed = get_html(editor, "/admin/bans")
    day = f"{ends_on.day} {ends_on:%B} {ends_on.year}"
    assert f'<td data-label="Ends" class="ban-state">ends {day}</td>' in listed


@pytest.mark.parametrize(
    ("ends_on", "message"),
    [
        ("3 January", "Enter a date such as 2027-01-03, or leave it empty for no end."),
        ("2027-02-30", "Enter a date such as 2027-01-03"),
        ("99999-01-01", "Enter a date such as 2027-01-03"),
        ("2020-01-01", "Choose a day after today, or leave it empty for no end."),
        (date.today().isoformat(), "Choose a day after today"),
    ],
)
def test_a_bad_end_date_comes_back_with_the_typed_reason_and_a_message(
    app, editor, ends_on, message
):
    confirm = {
        "csrf_token": csrf_token(editor),
        "kind": "ip",
        "value": "198.51.100.0/24",
        "reason": "Flood from <the> café",
        "ends_on": ends_on,
        "confirmed": "yes",
    }
    response = editor.post("/admin/bans", data=confirm)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<span class="field-error" id="ends_on-error">{message}' in html
    assert 'aria-invalid="true"' in html
    assert 'value="Flood from &lt;the&gt; café"' in html
    assert f'value="{ends_on}"' in html
    # A day that could not be read comes back in a text box (a date box cannot hold it).
    box = re.search(r'<input[^>]* name="ends_on"[^>]*>', html).group(0)
    assert ('type="date"' in box) == message.startswith("Choose")
    assert ban_rows(app) == []


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("ip", "not-an-address", "Enter an IP address or a network such as 203.0.113.0/24."),
        ("ip", "0.0.0.0/0", "0.0.0.0/0 is too wide a network to ban"),
        ("email", "nobody", "Enter a valid email address."),
        ("ip", "", "Enter an IP address"),
    ],
)
def test_a_bad_value_is_refused_on_the_bans_page_with_what_was_typed(
    app, editor, kind, value, message
):
    for confirmed in ("", "yes"):
        response = editor.post(
            "/admin/bans",
            data={
                "csrf_token": csrf_token(editor),
                "kind": kind,
                "value": value,
                "confirmed": confirmed,
            },
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert '<span class="field-error" id="value-error">' + message in html
        assert field_value(html, "value") == value
        assert f'<option selected value="{kind}">' in html
    assert ban_rows(app) == []


def test_a_renewed_ban_shows_the_running_one_and_replaces_it(app, editor):
    data = {"csrf_token": csrf_token(editor), "kind": "ip", "value": "192.0.2.0/24"}
    editor.post("/admin/bans", data={**data, "reason": "first", "confirmed": "yes"})
    html = editor.post("/admin/bans", data=data).get_data(as_text=True)
    assert "<strong>Already banned</strong> (no end)" in html
    assert field_value(html, "reason") == "first" and field_value(html, "ends_on") == ""
    editor.post("/admin/bans", data={**data, "reason": "second", "confirmed": "yes"})
    assert [row[2] for row in ban_rows(app)] == ["second"]


def test_a_get_changes_nothing_and_banning_needs_csrf(app, editor):
    assert editor.get("/admin/bans?kind=ip&value=192.0.2.1&confirmed=yes").status_code == 200
    assert editor.get("/admin/bans/1/delete").status_code == 405
    no_token = {"kind": "ip", "value": "192.0.2.1", "confirmed": "yes"}
    assert editor.post("/admin/bans", data=no_token).status_code == 400
    assert ban_rows(app) == []


def test_lifting_a_ban_is_recorded(app, editor):
    token = csrf_token(editor)
    editor.post(
        "/admin/bans",
        data={"csrf_token": token, "kind": "ip", "value": "192.0.2.0/24", "confirmed": "yes"},
    )
    ban_id = re.search(r'id="ban-(\d+)"', get_html(editor, "/admin/bans")).group(1)
    response = editor.post(f"/admin/bans/{ban_id}/delete", data={"csrf_token": token})
    assert response.headers["Location"] == "/admin/bans"
    assert "Ban on 192.0.2.0/24 lifted." in get_html(editor, "/admin/bans")
    assert ban_rows(app) == []
    assert audit_rows(app) == [("ban", "192.0.2.0/24"), ("unban", "192.0.2.0/24")]


def test_banned_comments_go_to_spam_and_the_queue_names_the_ban(app, editor, article_id):
    token = csrf_token(editor)
    for kind, value in (("email", "Troll@Example.com"), ("ip", "203.0.113.0/24")):
        editor.post(
            "/admin/bans",
            data={"csrf_token": token, "kind": kind, "value": value, "confirmed": "yes"},
        )
    with app.app_context():
        slug = db.session.get(Article, article_id).slug
        ids = dict(db.session.execute(sa.select(Ban.kind, Ban.id)).all())
    troll = app.test_client()
    by_email = post_comment(troll, slug, email="troll@example.com", body="By email")
    from_range = app.test_client()
    from_range.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    post_comment(from_range, slug, email="fine@example.com", body="By address")
    post_comment(app.test_client(), slug, email="fine@example.com", body="Not banned")
    with app.app_context():
        rows = db.session.execute(
            sa.select(Comment.body, Comment.status, Comment.hold_reason).order_by(Comment.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("By email", "spam", "banned email"),
        ("By address", "spam", "banned IP address 203.0.113.0/24"),
        ("Not banned", "pending", None),
    ]
    # What the commenter is told is unchanged: the same as any held comment.
    told = get_html(troll, by_email.headers["Location"].split("#")[0])
    assert "Your comment is awaiting moderation." in told and "By email" not in told

    spam = " ".join(get_html(editor, "/admin/comments?status=spam").split())
    assert f'<a href="/admin/bans#ban-{ids["ip"]}">Caught by the ban on 203.0.113.0/24</a>' in spam
    assert (
        f'<a href="/admin/bans#ban-{ids["email"]}">Caught by the ban on troll@example.com</a>'
        in spam
    )
    editor.post(f"/admin/bans/{ids['ip']}/delete", data={"csrf_token": token})
    spam = " ".join(get_html(editor, "/admin/comments?status=spam").split())
    assert (
        '<a href="/admin/bans">Caught by the ban on 203.0.113.0/24</a> '
        '<span class="muted">(lifted since)</span>' in spam
    )


def test_an_ended_ban_catches_nothing_and_is_listed_as_ended(app, editor, article_id):
    with app.app_context():
        staff = db.session.scalar(sa.select(Staff))
        place_ban(
            "ip", "203.0.113.0/24", reason="", expires_at=end_of(date(2026, 1, 2)), staff=staff
        )
        db.session.commit()
        slug = db.session.get(Article, article_id).slug
    reader = app.test_client()
    reader.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    post_comment(reader, slug, body="After the ban ended")
    with app.app_context():
        assert db.session.scalar(sa.select(Comment.status)) == "pending"
    listed = get_html(editor, "/admin/bans")
    assert '<td data-label="Ends" class="ban-state">ended 2 January 2026</td>' in listed
    assert '<button type="submit">Remove</button>' in listed


def test_two_moderators_banning_the_same_value_at_once_get_no_error(app, editor, monkeypatch):
    confirm = {"kind": "ip", "value": "192.0.2.0/24", "reason": "first", "confirmed": "yes"}
    editor.post("/admin/bans", data={**confirm, "csrf_token": csrf_token(editor)})
    # The second one looked before the first had committed, so it saw no ban to renew.
    monkeypatch.setattr(bans, "find_ban", lambda kind, value: None)
    late = {**confirm, "reason": "second", "csrf_token": csrf_token(editor)}
    assert editor.post("/admin/bans", data=late).headers["Location"] == "/admin/bans"
    assert "was banned by someone else a moment ago" in get_html(editor, "/admin/bans")
    assert [row[2] for row in ban_rows(app)] == ["first"]
    assert audit_rows(app) == [("ban", "192.0.2.0/24")]


def test_the_confirmation_says_when_its_counts_are_a_lower_bound(
    app, editor, article_id, monkeypatch
):
    for n in range(2):
        add_comment(app, article_id, ip_address=f"192.0.2.{n}", author_email=f"r{n}@example.com")
    monkeypatch.setattr(bans, "IMPACT_SCAN_LIMIT", 1)
    data = {"csrf_token": csrf_token(editor), "kind": "ip", "value": "192.0.2.0/24"}
    html = " ".join(editor.post("/admin/bans", data=data).get_data(as_text=True).split())
    assert "<strong>1 comment</strong> came from 192.0.2.0/24" in html
    assert "the real numbers are at least these." in html


@pytest.mark.parametrize("field", ["kind", "value", "reason", "ends_on", "next", "confirmed"])
@pytest.mark.parametrize("hostile", ["\x00", "x" * 5000, "2027-01-03\x00", "<script>", "‮"])
def test_no_input_makes_the_ban_pages_fail(app, editor, field, hostile):
    confirm = {
        "kind": "ip",
        "value": "192.0.2.0/24",
        "reason": "",
        "ends_on": "",
        "next": "/admin/comments",
        "confirmed": "yes",
    }
    for confirmed in ("", "yes"):
        data = {**confirm, "confirmed": confirmed, field: hostile}
        response = editor.post("/admin/bans", data={**data, "csrf_token": csrf_token(editor)})
        assert response.status_code in (200, 303, 422), (field, confirmed)
        assert "<script>" not in response.get_data(as_text=True)
    with app.app_context():
        reasons = db.session.scalars(sa.select(Ban.reason)).all()
    assert all("\x00" not in reason and len(reason) <= 200 for reason in reasons)
