"""The emails a subscriber receives, and the signed links they carry.

Each goes to one address only (never another commenter's: a digest is written per
subscriber), names commenters by their public name alone, and carries the unsubscribe headers
of RFC 8058. Links are on SITE_URL and name the subscriber by id inside a signed token, never
by address, so no address lands in a URL, a proxy's log or a browser's history.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage

from flask import current_app, render_template

from blog.models import Article, Comment, Subscriber
from blog.outbox.messages import compose, one_line
from blog.outbox.smtp import envelope_sender
from blog.signing import make_token, read_token
from blog.siteurl import site_url

#: Token purposes (blog.signing salts each): a confirmation link never reads as an
#: unsubscribe link, nor the other way round.
CONFIRM = "subscription-confirm"
MANAGE = "subscription-manage"
#: How long a confirmation link holds; confirming twice is harmless, so it is not single-use.
CONFIRMATION_LINK_DAYS = 7


def link(endpoint: str, **values: object) -> str:
    """An absolute URL on SITE_URL, in a request or not: digests are written by the outbox's
    sending rounds, with an app context and no request (where url_for cannot build)."""
    return site_url() + current_app.url_map.bind("").build(endpoint, values)


def confirm_url(subscriber: Subscriber) -> str:
    """The link of a confirmation email: a page with the button that confirms."""
    return link("subscriptions.confirm", token=make_token(CONFIRM, subscriber.id))


def manage_token(subscriber: Subscriber) -> str:
    """The token of the address's unsubscribe link. It never expires (an unsubscribe link must
    keep working) and is not single-use (ending twice is harmless)."""
    return make_token(MANAGE, subscriber.id)


def manage_url(subscriber: Subscriber) -> str:
    """The unsubscribe link: GET shows the address's subscriptions, POST ends them all."""
    return link("subscriptions.manage", token=manage_token(subscriber))


def confirmed_subscriber_id(token: str) -> int | None:
    """The subscriber a confirmation token names, unless forged or expired."""
    value = read_token(CONFIRM, token, max_age=CONFIRMATION_LINK_DAYS * 86400)
    return value if isinstance(value, int) else None


def managed_subscriber_id(token: str) -> int | None:
    """The subscriber an unsubscribe token names, unless forged."""
    value = read_token(MANAGE, token)
    return value if isinstance(value, int) else None


def unsubscribe_headers(subscriber: Subscriber) -> dict[str, str]:
    """List-Unsubscribe (the https link and a mailto) and List-Unsubscribe-Post (RFC 8058):
    a mail provider POSTs "List-Unsubscribe=One-Click" to the link, and that unsubscribes."""
    mailto = f"mailto:{envelope_sender(current_app.config)}?subject=unsubscribe"
    return {
        "List-Unsubscribe": f"<{manage_url(subscriber)}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _message(
    subscriber: Subscriber, subject: str, template: str, **context: object
) -> EmailMessage:
    site = current_app.config["SITE_NAME"]
    body = render_template(
        f"subscriptions/{template}",
        site_name=site,
        manage_url=manage_url(subscriber),
        **context,
    )
    headers = unsubscribe_headers(subscriber)
    return compose(f"[{site}] {subject}", [subscriber.email], body, headers)


def confirmation_message(subscriber: Subscriber, article: Article) -> EmailMessage:
    """Please confirm: the only email an unconfirmed address ever gets."""
    return _message(
        subscriber,
        "Please confirm your email address",
        "confirmation.txt",
        title=one_line(article.title),
        confirm_url=confirm_url(subscriber),
        confirm_days=CONFIRMATION_LINK_DAYS,
    )


#: The subject of the email about one comment, by its kind (and its template, kind.txt).
COMMENT_SUBJECTS = {
    "approved": "Your comment on \u201c{title}\u201d is published",
    "reply": "{name} replied to your comment on \u201c{title}\u201d",
}


def comment_message(subscriber: Subscriber, comment: Comment, kind: str) -> EmailMessage:
    """The email about one comment: "approved" (your held comment is published) or "reply"
    (someone answered your comment)."""
    title = one_line(comment.article.title)
    return _message(
        subscriber,
        COMMENT_SUBJECTS[kind].format(title=title, name=one_line(comment.author_name)),
        f"{kind}.txt",
        title=title,
        comment=comment,
        comment_url=link("comments.permalink", comment_id=comment.id),
    )


def digest_message(
    subscriber: Subscriber, article: Article, comments: Sequence[Comment]
) -> EmailMessage:
    """New comments on an article the subscriber follows, oldest first."""
    title = one_line(article.title)
    count = len(comments)
    noun = "comment" if count == 1 else "comments"
    return _message(
        subscriber,
        f"{count} new {noun} on \u201c{title}\u201d",
        "digest.txt",
        title=title,
        comments=[
            (comment, link("comments.permalink", comment_id=comment.id)) for comment in comments
        ],
    )
