"""Follow-ups for commenters, opt-in and verified, and unsubscribing that mail providers honour.

A commenter who ticks a box on the comment form becomes a subscriber of their address
(followers.py). The first email to it is a confirmation with a signed link (double opt-in);
nothing else goes to it until the button behind that link is pressed, and an unconfirmed
address gets at most one confirmation per NOTIFY_CONFIRMATION_HOURS, and one client only so
many (NOTIFY_CONFIRMATION_RATE_LIMIT). Once confirmed, approving a comment writes the follow-ups
it causes in its own transaction: the held comment's author hears it is approved, the parent's
author hears of the reply, and an article's followers get its new comments in a digest written
by a composer of the outbox (at most one per article per NOTIFY_DIGEST_MINUTES). Every email
carries List-Unsubscribe and List-Unsubscribe-Post (RFC 8058): a POST to its link unsubscribes
at once; a GET shows the page where every subscription of the address can be managed
(routes.py). Messages are in mail.py.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint, the digest composer of the outbox's sending rounds, and
    `flask unsubscribe`."""
    from blog.outbox.sender import add_composer
    from blog.subscriptions.commands import unsubscribe_command
    from blog.subscriptions.digests import compose_digests
    from blog.subscriptions.routes import bp

    app.register_blueprint(bp)
    add_composer(app, compose_digests)
    app.cli.add_command(unsubscribe_command)
