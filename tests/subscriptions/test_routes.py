"""The follow-up path through HTTP and a real SMTP server: the box ticked on the form, the
confirmation email, its page and button, a notification with its RFC 8058 headers, the one-click
unsubscribe, the page that manages an address's subscriptions; and links that do not work."""

from __future__ import annotations

import sqlalchemy as sa

from blog.admin.actions import ACTIONS, moderate
from blog.extensions import db
from blog.models import (
    Article,
    Comment,
    CommentStatus,
    OutboxMessage,
    Staff,
    Subscriber,
    Subscription,
)
from tests.factories import make_article, make_comment, make_staff
from tests.pages import get_html, post_comment
from tests.subscriptions.conftest import links, unsubscribe_path

ADA = "ada@example.com"
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def setup_article(app, **fields) -> tuple[str, int]:
    """An article with one approved comment (and a moderator); its slug and the comment's id."""
    with app.app_context():
        article = make_article(**fields)
        parent = make_comment(article, author_name="Harbour Master", body="The card is ready.")
        if db.session.scalar(sa.select(Staff.id)) is None:
            make_staff()
        db.session.commit()
        return article.slug, parent.id


def approve(app, *comment_ids: int) -> None:
    """A moderator approves these comments (blog.admin.actions, as the queue does)."""
    with app.app_context():
        staff = db.session.scalar(sa.select(Staff))
        for comment_id in comment_ids:
            moderate(db.session.get(Comment, comment_id), ACTIONS["approve"], staff)
        db.session.commit()


def newest_comment_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(Comment.id)))


def reply_approved(app, slug: str, parent_id: int, **fields: str) -> None:
    """Another reader replies to parent_id through the form, and a moderator approves it."""
    posted = post_comment(app.test_client(), slug, parent_id=str(parent_id), **fields)
    assert posted.status_code == 303
    approve(app, newest_comment_id(app))


def test_the_whole_path_from_the_box_to_the_one_click_unsubscribe(mail_app, inbox, send):
    mail, _ = inbox
    slug, _ = setup_article(mail_app, title="Tide tables")
    reader = mail_app.test_client()

    posted = post_comment(reader, slug, email=ADA, body="Will there be a card?", notify_replies="y")
    assert posted.status_code == 303
    page = get_html(reader, posted.headers["Location"])
    assert "look for our email asking you to confirm it" in page
    mine = newest_comment_id(mail_app)
    send()
    [(recipients, confirmation)] = mail.wait_for(1)
    assert recipients == [ADA]
    [confirm_link] = [path for path in links(confirmation) if "/confirm/" in path]

    opened = reader.get(confirm_link)  # a mail scanner, or the person: nothing happens yet
    assert opened.status_code == 200
    assert "Confirm my address" in opened.get_data(as_text=True)
    assert ADA not in opened.get_data(as_text=True)
    assert "no-store" in opened.headers["Cache-Control"]
    with mail_app.app_context():
        assert db.session.scalar(sa.select(Subscriber.confirmed_at)) is None

    confirmed = reader.post(confirm_link, headers=SAME_ORIGIN)
    assert confirmed.status_code == 303
    assert "your address is confirmed" in get_html(reader, confirmed.headers["Location"])

    approve(mail_app, mine)
    reply_approved(
        mail_app, slug, mine, name="Ben", email="ben@example.com", body="Yes, laminated."
    )
    send()
    messages = mail.wait_for(3)
    kinds = [message["Subject"] for _, message in messages[1:]]
    assert any("is published" in subject for subject in kinds)
    [(recipients, reply)] = [(r, m) for r, m in messages if "Ben replied" in m["Subject"]]
    assert recipients == [ADA]
    assert "Yes, laminated." in reply.get_content()
    assert "ben@example.com" not in reply.as_string()
    assert reply["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<mailto:blog@localhost?subject=unsubscribe>" in reply["List-Unsubscribe"]

    # The mail provider's POST: no cookie, no Origin, no token, a cross-site fetch at worst.
    provider = mail_app.test_client(use_cookies=False)
    done = provider.post(
        unsubscribe_path(reply),
        data={"List-Unsubscribe": "One-Click"},
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://mail.example.net"},
    )
    assert done.status_code == 200
    assert "You are unsubscribed" in done.get_data(as_text=True)
    assert "Location" not in done.headers

    reply_approved(mail_app, slug, mine, name="Cy", email="cy@example.com", body="In braille?")
    send()
    assert len(mail.wait_for(4, seconds=1)) == 3  # no more mail
    with mail_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0


def test_an_address_that_never_confirmed_receives_exactly_one_message(mail_app, inbox, send):
    """However many comments, on however many articles, from however many clients name it."""
    mail, _ = inbox
    slugs = [setup_article(mail_app)[0] for _ in range(3)]
    for n in range(12):
        client = mail_app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        response = post_comment(
            client,
            slugs[n % 3],
            email=ADA if n % 2 else "Ada+news@example.com",  # the same inbox
            body=f"Comment number {n}",
            notify_replies="y",
            notify_article="y",
        )
        assert response.status_code == 303
    with mail_app.app_context():
        held = db.session.scalars(sa.select(Comment.id).where(Comment.status == "pending")).all()
    approve(mail_app, *held)
    send()
    send()
    [(recipients, message)] = mail.wait_for(2, seconds=1)
    assert recipients == ["Ada+news@example.com"]  # as first written
    assert "confirm" in message["Subject"].lower()


def test_opening_the_links_never_acts(mail_app, inbox, send):
    mail, _ = inbox
    slug, _ = setup_article(mail_app)
    reader = mail_app.test_client()
    post_comment(reader, slug, email=ADA, notify_article="y")
    send()
    [(_, confirmation)] = mail.wait_for(1)
    manage = unsubscribe_path(confirmation)
    [confirm_link] = [path for path in links(confirmation) if "/confirm/" in path]
    for path in (confirm_link, manage):
        assert reader.get(path).status_code == 200
        assert reader.head(path).status_code == 200
    with mail_app.app_context():
        assert db.session.scalar(sa.select(Subscriber.confirmed_at)) is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 2


def test_the_confirm_button_refuses_posts_from_other_sites(mail_app, inbox, send):
    mail, _ = inbox
    slug, _ = setup_article(mail_app)
    post_comment(mail_app.test_client(), slug, email=ADA, notify_article="y")
    send()
    [(_, confirmation)] = mail.wait_for(1)
    [confirm_link] = [path for path in links(confirmation) if "/confirm/" in path]
    refused = mail_app.test_client().post(confirm_link, headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403
    with mail_app.app_context():
        assert db.session.scalar(sa.select(Subscriber.confirmed_at)) is None


def test_the_page_lists_and_ends_subscriptions_one_at_a_time(mail_app, inbox, send):
    mail, _ = inbox
    slug, parent_id = setup_article(mail_app, title="Night library")
    reader = mail_app.test_client()
    post_comment(
        reader, slug, email=ADA, notify_article="y", notify_replies="y", parent_id=str(parent_id)
    )
    send()
    [(_, confirmation)] = mail.wait_for(1)
    manage = unsubscribe_path(confirmation)
    page = get_html(reader, manage)
    assert "a\u2026@example.com" in page and ADA not in page
    assert page.count("Stop</button>") == 3  # approval, replies, the article
    assert "New comments on" in page and "Night library" in page
    with mail_app.app_context():  # taken down: the page names it no more
        db.session.execute(sa.update(Article).values(status="draft"))
        db.session.commit()
    page = get_html(reader, manage)
    assert "Night library" not in page
    assert page.count("an article no longer published") == 6  # each line and its button
    with mail_app.app_context():
        db.session.execute(sa.update(Article).values(status="published"))
        db.session.commit()
    with mail_app.app_context():
        article_one = db.session.scalar(
            sa.select(Subscription.id).where(Subscription.kind == "article")
        )
    ended = reader.post(f"{manage}/subscriptions/{article_one}/end", headers=SAME_ORIGIN)
    assert ended.headers["Location"].endswith(manage)
    page = get_html(reader, manage)
    assert page.count("Stop</button>") == 2 and "New comments on" not in page
    everything = reader.post(manage, headers=SAME_ORIGIN)
    assert everything.status_code == 303
    page = get_html(reader, everything.headers["Location"])
    assert "You are unsubscribed" in page and "Stop</button>" not in page


def test_links_that_do_not_work_get_a_styled_page_never_an_error(mail_app, inbox, send):
    mail, _ = inbox
    slug, _ = setup_article(mail_app)
    post_comment(mail_app.test_client(), slug, email=ADA, notify_article="y")
    send()
    [(_, confirmation)] = mail.wait_for(1)
    manage = unsubscribe_path(confirmation)
    token = manage.rsplit("/", 1)[1]
    client = mail_app.test_client()
    for path in (
        f"/notifications/confirm/{token}",  # an unsubscribe token is no confirmation
        f"/notifications/{token[:-2]}xx",  # altered
        "/notifications/confirm/" + "A" * 300,
        "/notifications/%00%ff",
    ):
        response = client.get(path)
        assert response.status_code in (400, 404), path
        assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code in (400, 404)
    for path in (f"/notifications/confirm/{token}", f"/notifications/{token[:-2]}xx"):
        assert "This link does not work" in get_html(client, path, status=404)
    with mail_app.app_context():
        db.session.execute(sa.delete(Subscriber))
        db.session.commit()
    gone = client.post(manage, data={"List-Unsubscribe": "One-Click"})
    assert gone.status_code == 404


def test_no_confirmation_is_written_for_a_comment_the_traps_call_spam(mail_app, inbox):
    slug, _ = setup_article(mail_app)
    post_comment(mail_app.test_client(), slug, email=ADA, notify_replies="y", url="http://bot")
    with mail_app.app_context():
        assert db.session.scalar(sa.select(Comment.status)) == CommentStatus.APPROVED  # the parent
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_only_the_one_click_unsubscribe_goes_without_csrf_and_origin_checks(app):
    """The exemption is for one view: any other POST keeps its token or origin check."""
    exempt = sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "guarded_by_signed_link", False)
    )
    assert exempt == ["subscriptions.unsubscribe"]
    assert getattr(app.view_functions["subscriptions.confirm"], "checked_by_origin", False)
    assert getattr(app.view_functions["subscriptions.end_one"], "checked_by_origin", False)
