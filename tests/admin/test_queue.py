"""The dashboard and the moderation queue: what a row shows, every action, bulk, replies, edits,
the audit. Bans have tests/admin/test_bans.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from blog.extensions import db
from blog.models import Article, Comment, CommentRevision, ModerationAction, Staff
from tests.admin.conftest import add_comment
from tests.factories import make_article, make_comment, make_staff
from tests.pages import csrf_token, elements, get_html, log_in


class _FormControls(HTMLParser):
    """The controls of one form in a page (picked by a class on the <form>), read as HTML
    parsing reads them.
    """

    def __init__(self, form_class: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_class = form_class
        self.inside = False
        self.pairs: list[tuple[str, str]] = []
        self._text: tuple[str, list[str]] | None = None  # the open textarea: name, text
        self._select: tuple[str, list[tuple[str, bool]]] | None = None  # name, (value, selected)
        self._option: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = self.form_class in (attrs.get("class") or "").split()
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        kind = (attrs.get("type") or "text").lower()
        if tag == "input" and name and kind not in ("submit", "button", "reset", "image", "file"):
            if kind not in ("checkbox", "radio") or "checked" in attrs:
                self.pairs.append(
                    (name, attrs.get("value") or ("on" if kind in ("checkbox", "radio") else ""))
                )
        elif tag == "textarea" and name:
            self._text = (name, [])
        elif tag == "select" and name:
            self._select = (name, [])
        elif tag == "option" and self._select is not None:
            self._option = attrs
            self._select[1].append((attrs.get("value"), "selected" in attrs))

    def handle_data(self, data):
        if self._text is not None:
            self._text[1].append(data)
        if self._option is not None and self._option.get("value") is None:
            value, selected = self._select[1][-1]
            self._select[1][-1] = ((value or "") + data.strip(), selected)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._text is not None:
            name, parts = self._text
            text = "".join(parts)
            # A browser drops the newline that follows <textarea>, and sends CRLF line endings.
            text = re.sub(r"^\r?\n", "", text)
            self.pairs.append((name, re.sub(r"\r\n|\r|\n", "\r\n", text)))
            self._text = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            name, options = self._select
            chosen = [value for value, selected in options if selected] or [options[0][0]]
            self.pairs.append((name, chosen[-1]))
            self._select = None


def served_form(html: str, form_class: str) -> list[tuple[str, str]]:
    """What a browser would send for the form with form_class, untouched: every control's
    name and value, in page order.
    """
    parser = _FormControls(form_class)
    parser.feed(html)
    return parser.pairs


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


def test_each_waiting_comment_on_the_dashboard_has_approve_spam_and_trash(app, editor, article_id):
    comment_id = add_comment(app, article_id, status="pending", body="Waiting on the dashboard")
    html = get_html(editor, "/admin/")
    row = html[html.index(f'id="pending-{comment_id}"') :]
    row = row[: row.index("</li>")]
    for action in ("approve", "spam", "trash"):
        assert f'action="/admin/comments/{comment_id}/{action}"' in row, action
    assert row.count('<input type="hidden" name="next" value="/admin/">') == 3
    assert f'href="/admin/comments?status=pending#row-{comment_id}">Open in the queue</a>' in row


@pytest.mark.parametrize(
    ("action", "end"), [("approve", "approved"), ("spam", "spam"), ("trash", "trash")]
)
def test_an_action_on_the_dashboard_returns_to_the_dashboard(app, editor, article_id, action, end):
    comment_id = add_comment(app, article_id, status="pending")
    response = act(editor, comment_id, action, next_url="/admin/")
    assert response.headers["Location"] == "/admin/"
    assert status_of(app, comment_id) == end
    html = get_html(editor, "/admin/")
    assert '<p class="flash">Comment' in html and f'id="pending-{comment_id}"' not in html


@pytest.mark.parametrize(
    "next_url", ["//evil.example/admin/", "https://evil.example/", "/articles/x"]
)
def test_an_action_never_sends_the_editor_off_the_staff_area(app, editor, article_id, next_url):
    comment_id = add_comment(app, article_id, status="pending")
    response = act(editor, comment_id, "approve", next_url=next_url)
    assert response.headers["Location"] == "/admin/comments?status=approved"


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


def pager_links(html: str) -> dict[str, str]:
    """The pager's Newer (prev) and Older (next) links."""
    return {
        attrs["rel"]: attrs["href"]
        for tag, attrs in elements(html)
        if tag == "a" and attrs.get("rel") in ("prev", "next")
    }


def test_older_and_newer_walk_every_comment_exactly_once(app, editor, article_id):
    app.config["ADMIN_COMMENTS_PER_PAGE"] = 2
    ids = [add_comment(app, article_id, status="pending") for _ in range(5)]
    add_comment(app, article_id, status="approved")
    url, pages, seen = "/admin/comments?status=pending", [], []
    while url:
        html = get_html(editor, url)
        pages.append(url)
        seen += [int(i) for i in re.findall(r'id="row-(\d+)"', html)]
        url = pager_links(html).get("next")
    assert seen == ids[::-1] and len(pages) == 3
    assert "prev" not in pager_links(get_html(editor, pages[0]))
    for earlier, later in zip(pages, pages[1:], strict=False):
        assert pager_links(get_html(editor, later))["prev"] == earlier
    assert re.fullmatch(r"/admin/comments\?status=pending&before=\d+", pages[1])


@pytest.mark.parametrize("cursor", ["abc", "-1", "0", "01", "1.5", "99999999999", "9" * 5000])
def test_a_malformed_cursor_is_not_found(editor, cursor):
    get_html(editor, f"/admin/comments?before={cursor}", 404)


def test_a_cursor_that_names_no_page_goes_back_to_the_first(app, editor, article_id):
    app.config["ADMIN_COMMENTS_PER_PAGE"] = 2
    oldest = add_comment(app, article_id, status="pending")
    add_comment(app, article_id, status="pending")
    approved = add_comment(app, article_id, status="approved")
    for cursor in (oldest, approved, 123456):  # nothing after it; not in this tab; no comment
        response = editor.get(f"/admin/comments?status=pending&q=e&before={cursor}")
        assert response.headers["Location"] == "/admin/comments?status=pending&q=e"
    # Numbered pages are no more: old links lead to the start.
    response = editor.get(f"/admin/comments?status=spam&article={article_id}&page=2")
    assert response.headers["Location"] == f"/admin/comments?status=spam&article={article_id}"


def test_counts_over_the_cap_show_a_plus(app, editor, article_id):
    app.config["ADMIN_COUNT_CAP"] = 2
    for _ in range(3):
        add_comment(app, article_id, status="pending")
    add_comment(app, article_id, status="spam")
    html = get_html(editor, "/admin/comments")
    assert 'Pending <span class="tab-count">(2+)</span>' in html
    assert 'Spam <span class="tab-count">(1)</span>' in html
    assert '>2+<span class="visually-hidden"> pending</span></span>' in html
    assert "<strong>2+</strong> Pending" in get_html(editor, "/admin/")


def test_a_search_reads_only_the_newest_comments_and_says_so(app, editor, article_id):
    app.config["ADMIN_SEARCH_WINDOW"] = 2
    add_comment(app, article_id, status="pending", body="Old needle")
    add_comment(app, article_id, status="pending", body="Newer needle")
    add_comment(app, article_id, status="pending", body="Newest hay")
    html = " ".join(get_html(editor, "/admin/comments?q=needle").split())
    assert "Newer needle" in html and "Old needle" not in html
    assert "among the newest 2 comments in this tab: older ones are not searched" in html
    # Within one article with no more comments than the window, everything is searched.
    app.config["ADMIN_SEARCH_WINDOW"] = 3
    html = " ".join(get_html(editor, f"/admin/comments?q=needle&article={article_id}").split())
    assert "Old needle" in html and "older ones are not searched" not in html


def test_the_article_filter_names_the_article_and_clears(app, editor, article_id):
    add_comment(app, article_id, status="pending", body="On the harbour")
    html = get_html(editor, "/admin/comments")
    href = f"/admin/comments?status=pending&amp;article={article_id}"
    assert f'(<a href="{href}">its comments</a>)' in html
    filtered = get_html(editor, f"/admin/comments?article={article_id}&q=harbour")
    assert "Comments on <a" in filtered and ">Harbour news</a> only" in filtered
    assert (
        '<a href="/admin/comments?status=pending&amp;q=harbour">show every article</a>' in filtered
    )
    assert "its comments</a>" not in filtered
    get_html(editor, "/admin/comments?article=999999", 404)


def test_a_queue_page_runs_the_same_statements_however_many_comments(
    app, editor, article_id, count_queries
):
    def statements():
        return count_queries(lambda: get_html(editor, "/admin/comments?status=pending")).count

    add_comment(app, article_id, status="pending")
    few = statements()
    for n in range(30):
        add_comment(app, article_id, status="pending", author_email=f"r{n}@example.com")
    assert statements() == few


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
    here = f"/admin/comments?status={start}&article={article_id}"
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


HOSTILE_NEXT = ["javascript:alert(1)", "//evil.example", "https://evil.example"]


def cancel_href(html: str) -> str | None:
    """Where the confirmation page's Cancel link goes."""
    found = re.findall(r'<a href="([^"]*)">Cancel</a>', html)
    assert len(found) == 1, found
    return found[0].replace("&amp;", "&")


def next_field(html: str) -> list[str]:
    """The value of every hidden `next` field on the page."""
    return [a.get("value") or "" for t, a in elements(html) if a.get("name") == "next"]


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_a_delete_confirmations_cancel_never_leaves_the_staff_area(
    app, editor, article_id, next_url
):
    comment_id = add_comment(app, article_id, status="trash")
    single = act(editor, comment_id, "delete", next_url=next_url).get_data(as_text=True)
    bulk = editor.post(
        "/admin/comments/bulk",
        data={
            "csrf_token": csrf_token(editor),
            "action": "delete",
            "ids": [comment_id],
            "next": next_url,
        },
    ).get_data(as_text=True)
    for html in (single, bulk):
        assert cancel_href(html) == "/admin/comments"
        assert next_field(html) == [""]
        assert "evil.example" not in html and "javascript:" not in html
    assert status_of(app, comment_id) == "trash"


def test_a_delete_confirmations_cancel_returns_to_the_page_acted_from(app, editor, article_id):
    comment_id = add_comment(app, article_id, status="trash")
    html = act(editor, comment_id, "delete", next_url="/admin/comments?status=trash&page=2")
    html = html.get_data(as_text=True)
    assert cancel_href(html) == "/admin/comments?status=trash&page=2"
    assert next_field(html) == ["/admin/comments?status=trash&page=2"]


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_a_ban_confirmation_from_the_queue_cancels_to_the_bans_page(
    app, editor, article_id, next_url
):
    data = {"csrf_token": csrf_token(editor), "kind": "ip", "value": "203.0.113.9"}
    html = editor.post("/admin/bans", data={**data, "next": next_url}).get_data(as_text=True)
    assert cancel_href(html) == "/admin/bans"
    assert "evil.example" not in html and "javascript:" not in html


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


def test_emails_show_on_staff_pages(app, editor, article_id):
    add_comment(app, article_id, status="pending", author_email="visible@example.com")
    assert "visible@example.com" in get_html(editor, "/admin/comments")


def add_account_as_admin(app, client, **fields):
    """Log in as the admin "chief" and send the new-account form for "NewMod" (fields change it)."""
    with app.app_context():
        make_staff("chief", role="admin")
        db.session.commit()
    log_in(client, "chief")
    data = {
        "csrf_token": csrf_token(client),
        "username": "NewMod",
        "display_name": "New Mod",
        "role": "moderator",
        "password": "a long new password",
    }
    return client.post("/admin/staff", data={**data, **fields})


def test_admins_create_and_deactivate_accounts(app, client):
    response = add_account_as_admin(app, client)
    assert response.status_code == 303
    newcomer = app.test_client()
    assert log_in(newcomer, "newmod", "a long new password").status_code == 302
    html = get_html(client, "/admin/staff")
    staff_id = re.search(r"/admin/staff/(\d+)/active", html).group(1)
    client.post(f"/admin/staff/{staff_id}/active", data={"csrf_token": csrf_token(client)})
    assert newcomer.get("/admin/").status_code == 302


def test_a_new_account_with_a_line_break_in_its_email_is_refused(app, client):
    response = add_account_as_admin(app, client, email="desk@example.com\r\nBcc: x@example.com")
    assert response.status_code == 422
    assert "Please enter a valid email address." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(Staff).where(Staff.username == "newmod")) is None


def test_the_queue_offers_select_all_only_to_a_browser_that_runs_its_script(
    app, editor, article_id
):
    add_comment(app, article_id, status="pending")
    html = get_html(editor, "/admin/comments")
    [script] = [attrs for tag, attrs in elements(html) if tag == "script" and attrs.get("src")]
    assert script["src"].startswith("/static/queue.js?v=") and "defer" in script
    # Hidden until the script shows it; its box sends nothing (no name) with the bulk form.
    assert '<span class="select-all" hidden><input type="checkbox" id="select-all">' in html
    assert '<label for="select-all">Select all on this page</label>' in html
    with editor.get(script["src"]) as served:
        assert served.status_code == 200 and "javascript" in served.content_type
        assert "select-all" in served.get_data(as_text=True)
    assert "select-all" not in get_html(editor, "/admin/comments?status=trash")


@pytest.mark.parametrize(
    "body",
    [
        "One line.",
        "First paragraph.\n\nSecond, with <b>markup</b> & an ampersand.\n",
        "\nStarts with a blank line,\n  keeps its indent\ttab, and ends with spaces   ",
        "Typed in a browser.\r\nWith CRLF line ends.",
    ],
)
def test_saving_the_edit_form_as_served_changes_nothing(app, editor, article_id, body):
    comment_id = add_comment(app, article_id, status="pending", body=body)
    url = f"/admin/comments/{comment_id}/edit?next=/admin/comments"
    pairs = served_form(get_html(editor, url), "stacked-form")
    assert [name for name, _ in pairs] == ["csrf_token", "next", "body"]
    response = editor.post(url, data=MultiDict(pairs))
    assert response.headers["Location"] == "/admin/comments"
    assert "Nothing was changed." in get_html(editor, "/admin/comments")
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert (comment.body, comment.edited_at) == (body, None)
        assert db.session.scalar(sa.select(sa.func.count(CommentRevision.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(ModerationAction.id))) == 0
