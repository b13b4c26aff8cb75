"""Comments over HTTP: the form, refusals, replies, cookies, closing, limits and display."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from blog.extensions import db, limiter
from blog.models import Article, Comment, utcnow
from tests.conftest import build_app, fresh_database
from tests.factories import make_article, make_comment
from tests.pages import form_values, get_html, link_href, post_comment, tags


@pytest.fixture
def slug(app):
    with app.app_context():
        article = make_article(title="Bridges and budgets")
        db.session.commit()
        return article.slug


def make_slug(app) -> str:
    with app.app_context():
        slug = make_article().slug
        db.session.commit()
        return slug


def stored(app) -> list[Comment]:
    with app.app_context():
        return db.session.scalars(sa.select(Comment).order_by(Comment.id)).all()


# --- the form ------------------------------------------------------------------------------


def test_form_has_the_named_fields_labels_notice_and_checkbox(client, slug):
    html = get_html(client, f"/articles/{slug}")
    for name in ("name", "email", "website", "body"):
        assert f'name="{name}"' in html and f'<label for="{name}">' in html
    assert 'aria-describedby="email-notes"' in html
    assert (
        '<p id="email-notes" class="comment-notes">Your email address will not be published. '
        'Required fields are marked <span class="required">*</span></p>'
    ) in html
    assert "Save my name, email, and website in this browser for the next time I comment." in html
    honeypot = [a for a in tags(html, "input") if a.get("name") == "url"][0]
    assert honeypot["tabindex"] == "-1"
    assert '<p class="hp" aria-hidden="true">' in html


def test_the_honeypot_is_a_real_field_out_of_everyones_way(client, slug):
    html = get_html(client, f"/articles/{slug}")
    honeypot = [a for a in tags(html, "input") if a.get("name") == "url"][0]
    assert honeypot["type"] == "text"  # bots fill text fields; they skip hidden ones
    assert honeypot["tabindex"] == "-1" and honeypot["autocomplete"] == "off"
    container = html.split('<p class="hp" aria-hidden="true">')[1].split("</p>")[0]
    assert 'id="url"' in container and "Leave this field empty" in container
    # A text browser shows it, without a stylesheet, only after the button: nobody filling
    # in the form in order comes to it.
    form = html.split('<form method="post"')[1].split("</form>")[0]
    assert form.index("Post Comment") < form.index("Leave this field empty")


def test_the_form_posts_back_to_the_reply_section(client, slug):
    for query in ("", "?replytocom=1"):
        [form] = [
            a
            for a in tags(get_html(client, f"/articles/{slug}{query}"), "form")
            if a.get("class") == "comment-form"
        ]
        assert form["action"] == f"/articles/{slug}/comments#respond"


def test_a_refused_comment_leads_with_a_focusable_summary_at_the_reply_section(client, slug):
    response = post_comment(client, slug, email="not an email")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    respond = html.split('<div id="respond" class="respond">')[1]
    # The first thing where the reader lands: announced, and focusable for a skip to it.
    assert respond.lstrip().startswith(
        '<div class="form-errors" role="alert" id="form-errors" tabindex="-1"'
    )
    summary = respond.split("</div>")[0]
    assert "Your comment was not sent." in summary
    assert '<a href="#email">Email: Please enter a valid email address.</a>' in summary
    assert respond.index("form-errors") < respond.index("Leave a Reply")


# --- posting ---------------------------------------------------------------------------------


def test_a_comment_redirects_to_its_anchor_and_waits_for_moderation(app, client, slug):
    response = post_comment(client, slug, body="First!")
    [comment] = stored(app)
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == f"/articles/{slug}#comment-{comment.id}"
    assert comment.status == "pending" and comment.author_name == "Ada Reader"
    html = get_html(client, f"/articles/{slug}")
    live_region = html.split('aria-live="polite">')[2].split("</div>")[0]
    assert '<p class="flash">Your comment is awaiting moderation.</p>' in live_region
    assert f'id="comment-{comment.id}"' in html and "First!" in html


def test_a_pending_comment_is_shown_to_its_author_only(app, client, slug):
    post_comment(client, slug, body="Only I can see this yet.")
    assert "Only I can see this yet." in get_html(client, f"/articles/{slug}")
    stranger = app.test_client()
    assert "Only I can see this yet." not in get_html(stranger, f"/articles/{slug}")


def test_email_is_normalized_and_name_trimmed(app, client, slug):
    post_comment(client, slug, name="  Ada  ", email="Ada.Lovelace@EXAMPLE.com ")
    [comment] = stored(app)
    assert comment.author_name == "Ada"
    assert comment.author_email == "Ada.Lovelace@example.com"


def test_ip_address_and_user_agent_are_kept_for_moderators(app, client, slug):
    client.environ_base.update({"REMOTE_ADDR": "198.51.100.7", "HTTP_USER_AGENT": "TestBrowser/1"})
    post_comment(client, slug)
    [comment] = stored(app)
    assert (comment.ip_address, comment.user_agent) == ("198.51.100.7", "TestBrowser/1")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "   "}, "name", "Please enter your name."),
        ({"name": "x" * 81}, "name", "Please keep your name to 80 characters."),
        ({"email": ""}, "email", "Please enter your email address."),
        ({"email": "not-an-address"}, "email", "Please enter a valid email address."),
        ({"email": "a" * 250 + "@example.com"}, "email", "254 characters at most"),
        ({"website": "javascript:alert(1)"}, "website", "http:// or https://"),
        ({"website": "ftp://example.com"}, "website", "http:// or https://"),
        ({"website": "https://" + "a" * 200 + ".com"}, "website", "200 characters"),
        ({"name": "\u200b\u200b"}, "name", "Your name needs at least one visible character."),
        ({"name": "\u3164\u200d"}, "name", "Your name needs at least one visible character."),
        ({"name": "Ada\x00"}, "name", "This contains characters that are not allowed."),
        ({"body": "\u200b\u2060\u00a0"}, "body", "Please write a comment."),
        ({"body": "Nul\x00byte"}, "body", "This contains characters that are not allowed."),
        ({"body": ""}, "body", "Please write a comment."),
        ({"body": " \n\t "}, "body", "Please write a comment."),
        ({"body": "x" * 5001}, "body", "Please keep your comment to 5,000 characters."),
    ],
)
def test_a_refused_comment_comes_back_with_everything_typed(
    app, client, slug, fields, field, message
):
    typed = {
        "name": "Ada <Reader>",
        "email": "ada@example.com",
        "website": "https://ada.example",
        "body": 'My "careful" <thoughts> & more',
        **fields,
    }
    response = post_comment(client, slug, **typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert stored(app) == []
    assert f'<span class="field-error" id="{field}-error">' in html
    assert message in html
    assert 'class="form-errors" role="alert"' in html  # the summary at the top
    values = form_values(html)
    for name in ("name", "email", "website"):
        if name != field:
            expected = typed[name].strip()
            assert values[name] == expected, name
    if field != "body":
        assert "My &#34;careful&#34; &lt;thoughts&gt; &amp; more</textarea>" in html


def test_a_duplicate_is_refused_with_a_friendly_message(app, client, slug):
    post_comment(client, slug, body="Same words.")
    response = post_comment(client, slug, body="Same words.")
    assert response.status_code == 422
    assert "It looks as though you&#39;ve already said that." in response.get_data(as_text=True)
    assert len(stored(app)) == 1


def test_honeypot_and_forged_stamp_make_spam_quietly(app, client, slug):
    response = post_comment(client, slug, url="http://bot.example", body="bot one")
    assert response.headers["Location"] == f"/articles/{slug}#comments"
    post_comment(client, slug, stamp="forged", body="bot two")
    statuses = [(c.status, c.hold_reason) for c in stored(app)]
    assert statuses == [("spam", "honeypot field filled"), ("spam", "form stamp forged")]
    html = get_html(client, f"/articles/{slug}")
    assert "bot one" not in html and "bot two" not in html


def test_a_form_sent_too_fast_is_spam(tmp_path):
    with fresh_database(tmp_path) as database:
        app = build_app(database, COMMENT_MIN_SECONDS=30)
        with app.app_context():
            db.create_all()
            slug = make_article().slug
            db.session.commit()
        post_comment(app.test_client(), slug)
        [comment] = stored(app)
        assert comment.status == "spam" and "after the form was served" in comment.hold_reason
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_an_expired_form_is_refused_and_served_again(app, client, slug):
    app.config["COMMENT_FORM_MAX_AGE_SECONDS"] = -1
    response = post_comment(client, slug, body="Slow writer.")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "open for too long" in html and "Slow writer.</textarea>" in html
    assert stored(app) == []


def test_hold_words_from_configuration_hold_known_commenters(app, client, slug):
    app.config["COMMENT_HOLD_WORDS"] = ["refund"]
    with app.app_context():
        article = db.session.scalar(sa.select(Article))
        make_comment(article, author_email="ada@example.com")
        db.session.commit()
    post_comment(client, slug, body="Fair enough.")
    post_comment(client, slug, body="I want a refund.")
    statuses = [(c.status, c.hold_reason) for c in stored(app)][1:]
    assert statuses == [("approved", None), ("pending", "hold word: refund")]


# --- CSRF ----------------------------------------------------------------------------------


def post_from(client, slug: str, headers: dict[str, str]):
    """A comment posted with these request headers (what a browser says of where it came from)."""
    html = get_html(client, f"/articles/{slug}")
    data = {
        **form_values(html),
        "name": "Ada",
        "email": "ada@example.com",
        "body": "Words I do not want to lose.",
    }
    return client.post(f"/articles/{slug}/comments", data=data, headers=headers)


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another origin
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},  # the header decides
        {"Origin": "http://localhost:8080"},  # the same host on another port
        {"Origin": "https://localhost"},  # another scheme
        {"Origin": "null"},  # a sandboxed frame, a data: page
    ],
)
def test_a_comment_posted_from_another_origin_is_refused(app, client, slug, headers):
    response = post_from(client, slug, headers)
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert 'class="site-header"' in page and "sent from another website" in page
    assert "Words I do not want to lose." in page  # handed back, to copy
    assert "Set-Cookie" not in response.headers
    assert stored(app) == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},  # typed or bookmarked by the person themselves
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
        {"Origin": "http://localhost"},  # an older browser: SITE_URL's own origin
        {},  # neither: a text browser or a script, which no hostile page drives
    ],
)
def test_a_comment_posted_from_the_site_itself_is_accepted(app, client, slug, headers):
    response = post_from(client, slug, headers)
    assert response.status_code == 303
    assert [c.body for c in stored(app)] == ["Words I do not want to lose."]


def test_the_comment_form_carries_no_token_and_reading_sets_no_cookie(app, slug):
    reader = app.test_client()
    response = reader.get(f"/articles/{slug}")
    assert "Set-Cookie" not in response.headers
    assert "csrf_token" not in form_values(response.get_data(as_text=True))
    assert reader.get_cookie("session") is None


def test_staff_forms_still_need_their_token(app, client):
    response = client.post("/logout", data={})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="site-header"' in page and "CSRF" in page


# --- remember me ---------------------------------------------------------------------------


def test_details_are_remembered_only_when_asked(app, client, slug):
    response = post_comment(client, slug, body="One.", website="https://ada.example")
    assert "comment_author" not in response.headers.get("Set-Cookie", "")
    response = post_comment(client, slug, body="Two.", remember="y", website="https://ada.example")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("comment_author=") and "HttpOnly" in cookie
    assert "ada@example.com" not in cookie  # signed and encoded, not plain
    values = form_values(get_html(app.test_client(use_cookies=False), f"/articles/{slug}"))
    assert values["name"] == ""
    prefilled = form_values(get_html(client, f"/articles/{slug}"))
    assert (prefilled["name"], prefilled["email"], prefilled["website"]) == (
        "Ada Reader",
        "ada@example.com",
        "https://ada.example",
    )
    [checkbox] = [
        a
        for a in tags(get_html(client, f"/articles/{slug}"), "input")
        if a.get("name") == "remember"
    ]
    assert "checked" in checkbox
    response = post_comment(client, slug, body="Three.", remember=None)
    assert "comment_author=;" in response.headers["Set-Cookie"]


def test_a_tampered_remember_cookie_is_ignored(client, slug):
    client.set_cookie("comment_author", "eyJuYW1lIjoiRXZlIn0.forged")
    assert form_values(get_html(client, f"/articles/{slug}"))["name"] == ""


# --- replies -------------------------------------------------------------------------------


def test_reply_link_leads_to_the_form_which_names_the_parent(app, client, slug):
    with app.app_context():
        article = db.session.scalar(sa.select(Article))
        parent = make_comment(article, author_name="Grace")
        db.session.commit()
        parent_id = parent.id
    html = get_html(client, f"/articles/{slug}")
    # Relative to the page it is on, so it keeps the reader on the same article.
    assert f'href="?replytocom={parent_id}#respond"' in html
    form_html = get_html(client, f"/articles/{slug}?replytocom={parent_id}")
    assert "Replying to <bdi>Grace</bdi>." in form_html
    assert f'<a href="/articles/{slug}#respond">Cancel reply</a>' in form_html
    assert form_values(form_html)["parent_id"] == str(parent_id)
    post_comment(client, slug, query=f"?replytocom={parent_id}", body="Replying.")
    reply = stored(app)[-1]
    assert reply.parent_id == parent_id and reply.depth == 2


def test_threads_render_as_nested_lists(app, client, slug):
    with app.app_context():
        article = db.session.scalar(sa.select(Article))
        root = make_comment(article, body="Root.")
        db.session.flush()
        make_comment(article, parent=root, depth=2, body="Child.")
        db.session.commit()
        root_id = root.id
    html = get_html(client, f"/articles/{slug}")
    root_at = html.index(f'<li id="comment-{root_id}"')
    children_at = html.index('<ol class="children">', root_at)
    assert root_at < children_at < html.index("Child.")
    assert "2 Comments on &quot;Bridges and budgets&quot;" in html


@pytest.mark.parametrize(
    "parent_id", ["987654", "99999999999999999999", "9" * 5000, "\u00b2", "-1", "1e3"]
)
def test_replying_to_a_missing_comment_gives_a_clear_refusal(app, client, slug, parent_id):
    response = post_comment(client, slug, parent_id=parent_id)
    assert response.status_code == 422
    assert "The comment you are replying to is not available." in response.get_data(as_text=True)
    assert stored(app) == []


def test_an_invisible_name_comes_back_with_a_message_and_everything_typed(app, client, slug):
    typed = {"name": "\u200b\u200b", "website": "https://ada.example", "body": "Kept, all of it."}
    response = post_comment(client, slug, **typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert stored(app) == []
    error = html.split('<span class="field-error" id="name-error">')[1].split("</span>")[0]
    assert error == "Your name needs at least one visible character."
    values = form_values(html)
    assert values["name"] == "\u200b\u200b"
    assert (values["email"], values["website"]) == ("ada@example.com", "https://ada.example")
    assert "Kept, all of it.</textarea>" in html


@pytest.mark.parametrize("field", ["name", "email", "website", "body", "parent_id"])
def test_a_file_sent_as_a_field_is_refused_next_to_it(app, client, slug, field):
    """A file part under a field's name (no browser form here sends one) is not read as text."""
    data = form_values(get_html(client, f"/articles/{slug}"))
    data.update({"name": "Ada", "email": "ada@example.com", "body": "Typed, and kept."})
    data[field] = (io.BytesIO(b"Ada"), "notes.txt")
    response = client.post(f"/articles/{slug}/comments", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert stored(app) == []
    assert "This field takes typed text, not a file." in html
    if field != "parent_id":  # a hidden field's message shows in the summary only
        assert f'<span class="field-error" id="{field}-error">' in html
    if field != "body":
        assert "Typed, and kept.</textarea>" in html


# --- display -------------------------------------------------------------------------------


def test_comments_show_inertly(app, client, slug):
    with app.app_context():
        article = db.session.scalar(sa.select(Article))
        make_comment(
            article,
            author_name="\u202eevil\u200b name",
            author_website="https://grace.example",
            body="<script>alert(1)</script>\n\nSee https://example.org/x and {{7*7}}",
        )
        db.session.commit()
    html = get_html(client, f"/articles/{slug}")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a href="https://example.org/x" rel="nofollow ugc noopener">' in html
    assert (
        '<a class="comment-author" href="https://grace.example" rel="nofollow ugc noopener">'
        "<bdi>\u202eevil"
    ) in html
    assert "and {{7*7}}</p>" in html  # not evaluated as a template


def test_closed_articles_say_so_and_refuse_posts(app, client, slug):
    with app.app_context():
        article = make_article(comments_open=False)
        db.session.commit()
        closed_slug = article.slug
    html = get_html(client, f"/articles/{closed_slug}")
    assert "Comments are closed." in html and 'name="body"' not in html
    response = client.post(f"/articles/{closed_slug}/comments", data={"body": "Let me in"})
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Comments are closed." in page and "Let me in</textarea>" in page


def test_comments_close_after_the_configured_days(app, client):
    app.config["COMMENTS_CLOSE_AFTER_DAYS"] = 14
    with app.app_context():
        old = make_article(published_at=utcnow() - timedelta(days=15)).slug
        fresh = make_article(published_at=utcnow() - timedelta(days=13)).slug
        db.session.commit()
    assert "Comments are closed." in get_html(client, f"/articles/{old}")
    assert "Leave a Reply" in get_html(client, f"/articles/{fresh}")


def test_comments_on_hidden_articles_are_not_found(app, client):
    with app.app_context():
        draft = make_article(status="draft").slug
        db.session.commit()
    response = client.post(f"/articles/{draft}/comments", data={"body": "x"})
    assert response.status_code == 404


# --- limits --------------------------------------------------------------------------------


def test_posting_is_rate_limited_with_retry_after(tmp_path):
    with fresh_database(tmp_path) as database:
        app = build_app(database, RATELIMIT_ENABLED=True, COMMENT_RATE_LIMIT="3 per minute")
        limiter.reset()
        with app.app_context():
            db.create_all()
            slug = make_article().slug
            db.session.commit()
        client = app.test_client()
        codes = [post_comment(client, slug, body=f"Note {n}").status_code for n in range(4)]
        assert codes[:3] == [303, 303, 303]
        assert codes[3] == 429
        response = post_comment(client, slug, body="Once more, with feeling.")
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) > 0
        page = response.get_data(as_text=True)
        assert 'class="site-header"' in page and "Once more, with feeling.</textarea>" in page
        # Said in words, with the way back to the article (not the front page) one link away.
        assert (
            "You are posting faster than we allow. Please wait a minute and send it again."
        ) in page
        assert "per 1 minute" not in page and "Go to the front page" not in page
        assert f'<a href="/articles/{slug}#respond">Back to the article</a>' in page
        limiter.reset()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_an_oversized_post_is_a_413(client, slug):
    response = client.post(f"/articles/{slug}/comments", data={"body": "x" * (70 * 1024)})
    assert response.status_code == 413
    assert 'class="site-header"' in response.get_data(as_text=True)


def test_thousands_of_form_fields_are_refused_not_a_crash(client, slug):
    data = {f"field{n}": "x" for n in range(5000)}
    response = client.post(f"/articles/{slug}/comments", data=data)
    assert response.status_code in (413, 422)  # too many parts, or no comment in them


def test_feed_links_are_advertised(client, slug):
    html = get_html(client, f"/articles/{slug}")
    alternates = [a["href"] for a in tags(html, "link") if a.get("rel") == "alternate"]
    assert "/comments/feed.atom" in alternates
    assert f"/articles/{slug}/comments.atom" in alternates
    assert link_href(html, "canonical") == f"http://localhost/articles/{slug}"


# --- feeds ---------------------------------------------------------------------------------


def test_comment_feeds_carry_names_and_bodies_of_approved_comments_only(app, client, slug):
    import xml.etree.ElementTree as ET

    atom = "{http://www.w3.org/2005/Atom}"
    with app.app_context():
        article = db.session.scalar(sa.select(Article))
        other = make_article(title="Elsewhere")
        make_comment(
            article,
            author_name="Grace",
            author_website="https://grace.example",
            author_email="grace@example.com",
            body="Approved & <b>escaped</b>",
        )
        make_comment(article, status="pending", body="Still waiting")
        make_comment(other, author_name="Linus", body="On another article")
        draft = make_article(status="draft")
        make_comment(draft, body="On a draft")
        db.session.commit()
    site = ET.fromstring(client.get("/comments/feed.atom").data)
    entries = site.findall(f"{atom}entry")
    assert sorted(e.findtext(f"{atom}author/{atom}name") for e in entries) == ["Grace", "Linus"]
    per_article = client.get(f"/articles/{slug}/comments.atom")
    assert per_article.mimetype == "application/atom+xml"
    [entry] = ET.fromstring(per_article.data).findall(f"{atom}entry")
    assert entry.findtext(f"{atom}author/{atom}name") == "Grace"
    assert "Approved &amp; &lt;b&gt;escaped&lt;/b&gt;" in entry.findtext(f"{atom}content")
    text = per_article.get_data(as_text=True)
    assert "grace@example.com" not in text and "grace.example" not in text
    assert "Still waiting" not in text
    link = entry.find(f"{atom}link").get("href")
    assert link == "http://localhost/comments/1"
    assert client.get(link).headers["Location"] == f"/articles/{slug}#comment-1"


# --- pages of threads ---------------------------------------------------------------------


def test_threads_are_paginated_and_permalinks_find_their_page(app, client, slug):
    app.config["COMMENTS_PER_PAGE"] = 2
    with app.app_context():
        article = db.session.scalar(sa.select(Article))
        roots = []
        for n in range(5):
            roots.append(make_comment(article, body=f"Thread {n}"))
            db.session.flush()
        reply = make_comment(article, parent=roots[4], depth=2, body="Reply on the last page")
        db.session.commit()
        reply_id, first_id = reply.id, roots[0].id
    first = get_html(client, f"/articles/{slug}")
    assert "Thread 0" in first and "Thread 1" in first and "Thread 2" not in first
    assert "Comments page 1 of 3" in first and "6 Comments on" in first
    third = get_html(client, f"/articles/{slug}?comments=3")
    assert "Thread 4" in third and "Reply on the last page" in third and "Thread 0" not in third
    # The permalink is the comment's lasting address, which finds its page.
    assert f'href="/comments/{reply_id}"' in third
    assert f'href="?comments=3&amp;replytocom={reply_id}#respond"' in third
    assert client.get(f"/comments/{reply_id}").headers["Location"] == (
        f"/articles/{slug}?comments=3#comment-{reply_id}"
    )
    assert client.get(f"/comments/{first_id}").headers["Location"] == (
        f"/articles/{slug}#comment-{first_id}"
    )
    last = client.get(f"/articles/{slug}?comments=99")  # the last page (articles.pagination)
    assert last.headers["Location"] == f"/articles/{slug}?comments=3"
    assert client.get("/comments/999999").status_code == 404
    # Posting lands on the page that shows the new comment.
    response = post_comment(client, slug, body="Newest thread")
    assert "?comments=3#comment-" in response.headers["Location"]


def test_avatars_are_images_named_by_a_keyed_digest(app, client, slug):
    import re

    from blog.comments.identicon import avatar_key

    with app.app_context():
        make_comment(db.session.scalar(sa.select(Article)), author_email="ada@example.com")
        db.session.commit()
        key = avatar_key(app.secret_key, "ada@example.com")
    html = get_html(client, f"/articles/{slug}")
    sources = re.findall(r'<img class="avatar" src="([^"]+)" alt=""', html)
    assert sources == [f"/avatars/{key}.svg"]
    response = client.get(sources[0])
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "immutable" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    assert response.get_data(as_text=True).startswith("<svg")
    for bad in ("/avatars/XYZ.svg", "/avatars/0123456789abcdef0.svg", "/avatars/%3Cscript%3E.svg"):
        assert client.get(bad).status_code == 404


# --- staff edits -----------------------------------------------------------------------------


def test_a_comment_a_moderator_corrected_shows_edited_with_the_time(app, client, slug):
    from blog.admin.actions import edit_comment
    from blog.extensions import cache
    from blog.models import Staff
    from tests.factories import make_staff

    app.config["CACHE_TYPE"] = "SimpleCache"  # the page kept before the edit must not be served
    cache.init_app(app)
    with app.app_context():
        article = db.session.scalar(sa.select(Article).where(Article.slug == slug))
        comment = make_comment(article, body="Teh bridge opens in May.")
        untouched = make_comment(article, body="Looking forward to it.")
        staff = make_staff()
        db.session.commit()
        comment_id, untouched_id, staff_id = comment.id, untouched.id, staff.id
    assert "Teh bridge" in get_html(app.test_client(), f"/articles/{slug}")
    with app.app_context():
        staff = db.session.get(Staff, staff_id)
        edit_comment(db.session.get(Comment, comment_id), "The bridge opens in May.", staff)
        edited_at = db.session.get(Comment, comment_id).edited_at

    html = get_html(client, f"/articles/{slug}")
    corrected = html.split(f'id="comment-{comment_id}"')[1].split("</footer>")[0]
    assert '<span class="comment-edited">edited <time datetime="' in corrected
    assert f'{edited_at.isoformat(timespec="seconds").replace("+00:00", "Z")}"' in corrected
    assert "The bridge opens in May." in html and "Teh bridge" not in html
    other = html.split(f'id="comment-{untouched_id}"')[1].split("</footer>")[0]
    assert "edited" not in other
