"""flask unsubscribe: what staff do with an email sent to the List-Unsubscribe mailto address
(the site's own sender address), for mail programs that offer only that way."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from blog.extensions import db
from blog.models import Subscriber
from blog.subscriptions.followers import mailbox_of, unsubscribe_all


@click.command("unsubscribe")
@click.argument("email")
@with_appcontext
def unsubscribe_command(email: str) -> None:
    """End every follow-up subscription of EMAIL (any spelling of its inbox)."""
    subscriber = db.session.scalar(
        sa.select(Subscriber).where(Subscriber.mailbox == mailbox_of(email.strip()))
    )
    if subscriber is None:
        click.echo("No subscriptions for that address.")
        return
    ended = unsubscribe_all(subscriber)
    db.session.commit()
    click.echo(f"Unsubscribed: {ended} subscription{'s' if ended != 1 else ''} ended.")
