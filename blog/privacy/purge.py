"""`flask purge`: what is kept only for a while is deleted once its while is over; the sending
rounds run it once a day in every process that sends mail (the worker, or each app process's
sender thread), so no cron job is needed.

- Commenters' IP addresses and user agents, kept COMMENT_IP_RETENTION_DAYS for spam checks and
  bans by address: set to NULL on older comments. Bans are not touched (staff set their end).
- Readers' reports keep keyed hashes of the reporter's browser session and network (/24 or /64,
  derived from the IP address), to count distinct reporters. Past the same period both are
  replaced by a placeholder unique to the report: each old report still counts as one reader,
  and nothing derived from an address outlives the address itself. (A reader who reports the
  same comment again after that counts anew; a moderator decides either way.)
- Mail files of the pickup folder (MAIL_PICKUP_DIR) older than OUTBOX_KEEP_DAYS, as long as the
  outbox keeps its sent rows (which blog.outbox.sender purges every hour).
Tested in tests/privacy/test_purge.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from blog.extensions import db
from blog.models import Comment, CommentReport, utcnow
from blog.outbox.pickup import FILE_NAME, pickup_dir
from blog.outbox.queue import write_transaction
from blog.porting.comments import ip_kept_since

#: app.extensions key of when (time.monotonic) this process last purged.
PURGED_AT = "privacy_purged_at"
#: A process purges at most this often.
PURGE_EVERY_SECONDS = 24 * 3600
#: What a purged report's hashes start with.
PURGED_MARK = "purged:"


@dataclass(frozen=True)
class Purged:
    """What one purge removed."""

    comments: int
    reports: int
    mail_files: int

    def __str__(self) -> str:
        return (
            f"IP addresses and user agents of {self.comments} comments, reporter traces of"
            f" {self.reports} reports, {self.mail_files} mail files"
        )


def purge_comment_addresses(before: datetime) -> int:
    """NULL the IP address and user agent of comments posted before `before`; how many.

    Through the connection, not the ORM session: no page shows either column, so the page
    cache must not count this as a change of every comment (blog.pagecache watches the
    session's bulk statements)."""
    with write_transaction():
        result = db.session.connection().execute(
            sa.update(Comment)
            .where(
                Comment.created_at < before,
                sa.or_(Comment.ip_address.isnot(None), Comment.user_agent.isnot(None)),
            )
            .values(ip_address=None, user_agent=None)
        )
    return result.rowcount


def purge_report_traces(before: datetime) -> int:
    """Replace the reporter and network hashes of reports made before `before`; how many."""
    mark = sa.literal(PURGED_MARK, sa.String) + sa.cast(CommentReport.id, sa.String)
    with write_transaction():
        result = db.session.execute(
            sa.update(CommentReport)
            .where(
                CommentReport.created_at < before,
                CommentReport.reporter.not_like(f"{PURGED_MARK}%"),
            )
            .values(reporter=mark, network=mark)
        )
    return result.rowcount


def purge_mail_files(app: Flask, before: datetime) -> int:
    """Delete the pickup folder's messages last written before `before`; how many."""
    folder = pickup_dir(app)
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.iterdir():
        if not FILE_NAME.match(path.name):
            continue
        try:
            if datetime.fromtimestamp(path.stat().st_mtime, UTC) < before:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # deleted meanwhile
            continue
    return removed


def purge() -> Purged:
    """Everything above, each in a transaction of its own, in the current app context."""
    config = current_app.config
    since = ip_kept_since(config)
    return Purged(
        comments=purge_comment_addresses(since),
        reports=purge_report_traces(since),
        mail_files=purge_mail_files(
            current_app, utcnow() - timedelta(days=config["OUTBOX_KEEP_DAYS"])
        ),
    )


def purge_daily() -> None:
    """Purge at most once a day per process (a composer of the outbox's sending rounds)."""
    last = current_app.extensions.get(PURGED_AT)
    if last is not None and time.monotonic() - last < PURGE_EVERY_SECONDS:
        return
    current_app.extensions[PURGED_AT] = time.monotonic()
    try:
        purged = purge()
    # Anything at all: the round's mail must still go; the next day's run tries again.
    except Exception as error:
        db.session.rollback()
        current_app.logger.warning("daily purge failed (%s)", error.__class__.__name__)
        return
    if purged.comments or purged.reports or purged.mail_files:
        current_app.logger.info("daily purge: %s", purged)


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Remove commenters' IP addresses and user agents older than COMMENT_IP_RETENTION_DAYS
    (and the reporter traces of reports as old), and mail files older than OUTBOX_KEEP_DAYS."""
    click.echo(f"Purged: {purge()}.")
