"""Views behind the links of follow-up emails: confirming an address, and the page where it is
unsubscribed (from everything at once, or one subscription at a time).

A GET never acts (mail scanners open links); each action is a POST. A reader has no session,
so the page's own buttons are checked by origin (blog.security.checked_by_origin); the
one-click unsubscribe POST of RFC 8058 comes from a mail provider's server with no Origin and
no token, and its signed URL is its only guard (blog.security.guarded_by_signed_link). Every
page here is one person's: no cache keeps it.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from blog.extensions import db
from blog.models import Subscriber, Subscription
from blog.security import checked_by_origin, guarded_by_signed_link, no_store
from blog.subscriptions import followers
from blog.subscriptions.mail import (
    CONFIRMATION_LINK_DAYS,
    confirmed_subscriber_id,
    manage_token,
    managed_subscriber_id,
)

bp = Blueprint("subscriptions", __name__, url_prefix="/notifications")

#: The value of List-Unsubscribe in a mail provider's one-click POST (RFC 8058, 3.1).
ONE_CLICK = "One-Click"
UNSUBSCRIBED = "You are unsubscribed: this address will get no more email from us."


def page(template: str, status: int = 200, **context: object) -> Response:
    """A page of this blueprint, kept by no cache."""
    response = make_response(render_template(f"subscriptions/{template}", **context), status)
    return no_store(response)


def link_problem() -> Response:
    """The styled answer to a link that is forged, altered, expired, or names nobody now."""
    return page("link_problem.html", 404, confirm_days=CONFIRMATION_LINK_DAYS)


def subscriber_or_none(subscriber_id: int | None) -> Subscriber | None:
    """The subscriber a token named, if the token was good and the subscriber is still there."""
    return None if subscriber_id is None else db.session.get(Subscriber, subscriber_id)


def masked(email: str) -> str:
    """'ada@example.com' -> 'a…@example.com': enough for its owner to recognise it, not for
    someone the email was forwarded to to learn it."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}\u2026@{domain}"


def manage_path(subscriber: Subscriber) -> str:
    """The address's page, as a path on this site (for redirects)."""
    return url_for(".manage", token=manage_token(subscriber))


@bp.get("/confirm/<token>")
def confirm_page(token: str) -> ResponseReturnValue:
    """The confirmation link's page: a button that confirms; opening it changes nothing."""
    subscriber = subscriber_or_none(confirmed_subscriber_id(token))
    if subscriber is None:
        return link_problem()
    return page("confirm.html", subscriber=subscriber, address=masked(subscriber.email))


@bp.post("/confirm/<token>")
@checked_by_origin  # a reader has no session: the button is checked by where it was pressed
def confirm(token: str) -> ResponseReturnValue:
    """Confirm the address: the follow-ups it asked for begin."""
    subscriber = subscriber_or_none(confirmed_subscriber_id(token))
    if subscriber is None:
        return link_problem()
    confirmed = followers.confirm(subscriber)
    db.session.commit()
    flash(
        "Thank you: your address is confirmed. You will get the follow-ups you asked for."
        if confirmed
        else "Your address was already confirmed.",
        "subscriptions",
    )
    return redirect(manage_path(subscriber), 303)


@bp.get("/<token>")
def manage(token: str) -> ResponseReturnValue:
    """The unsubscribe link's page: every subscription of the address, each with a button to
    end it, and one to end them all. Opening it changes nothing."""
    subscriber = subscriber_or_none(managed_subscriber_id(token))
    if subscriber is None:
        return link_problem()
    return page(
        "manage.html",
        subscriber=subscriber,
        address=masked(subscriber.email),
        subscriptions=followers.subscriptions_of(subscriber),
        token=token,
    )


@bp.post("/<token>")
@guarded_by_signed_link  # RFC 8058: a mail provider's POST has no Origin, no session, no token
def unsubscribe(token: str) -> ResponseReturnValue:
    """Unsubscribe the address from everything, at once: the one-click POST of a mail provider
    (answered 200, never a redirect) or the page's own button (sent back to the page)."""
    subscriber = subscriber_or_none(managed_subscriber_id(token))
    if subscriber is None:
        return link_problem()
    followers.unsubscribe_all(subscriber)
    db.session.commit()
    if request.form.get("List-Unsubscribe") == ONE_CLICK:
        return page("unsubscribed.html", address=masked(subscriber.email))
    flash(UNSUBSCRIBED, "subscriptions")
    return redirect(url_for(".manage", token=token), 303)


@bp.post("/<token>/subscriptions/<int:subscription_id>/end")
@checked_by_origin
def end_one(token: str, subscription_id: int) -> ResponseReturnValue:
    """End one subscription of the address (its page's button)."""
    subscriber = subscriber_or_none(managed_subscriber_id(token))
    if subscriber is None:
        return link_problem()
    subscription = db.session.get(Subscription, subscription_id)
    if subscription is not None and subscription.subscriber_id == subscriber.id:
        followers.unsubscribe_one(subscription)
        db.session.commit()
        flash("Done: you will get no more email about that.", "subscriptions")
    return redirect(url_for(".manage", token=token), 303)
