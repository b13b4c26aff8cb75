"""What the site holds about one email address, and the two things its owner may ask: a copy
(export_of) or an erasure (erase). Plain rules, no HTTP; each works in its caller's transaction
and the caller commits (blog.privacy.requests). Tested in tests/privacy/test_holdings.py.

What an address finds:
- its subscriber (blog.subscriptions), when the subscriber's address is this one in any letter
  case (not another spelling of its inbox: a+x@d may be someone else's than a@d);
- comments whose email is the address, or its subscriber's spelling, in any letter case
  (comments keep an address as it was typed, normalized by email-validator);
- outbox rows addressed to either, queued or kept after sending, and the .eml files of the
  pickup folder (MAIL_PICKUP_DIR) addressed so;
- bans of the address, which are only said, never erased (a ban exists to outlast its owner's
  wishes; staff lift it).

Erasing anonymises the comments (name "Anonymous"; email, website, IP address and user agent
removed) and keeps their text and their place in threads, so replies by others stay as they
were. Asked to delete the text as well, a comment nobody replied to is deleted outright, and one
with replies keeps its row with an empty text, shown as "This comment was deleted."
(blog.rendering.DELETED_COMMENT_HTML): deleting the row would delete the replies with it
(comments.parent_id cascades). A moderator's earlier versions of their comments (revisions),
the subscriber with its subscriptions and follow-up notices, and their mail (rows and files)
are deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from blog.extensions import db
from blog.models import (
    Article,
    Ban,
    BanKind,
    Comment,
    CommentRevision,
    CommentStatus,
    FollowUpNotice,
    ModerationAction,
    OutboxMessage,
    Subscriber,
    Subscription,
    utcnow,
)
from blog.outbox.pickup import FILE_NAME, pickup_dir
from blog.privacy.records import address_digest
from blog.subscriptions.followers import mailbox_of
from blog.subscriptions.mail import link

#: The name an erased commenter's comments carry.
ANONYMOUS = "Anonymous"
#: What readers see where an erased comment's text was (it had replies, so its row stays).
#: The export's format, for whoever reads the file later.
EXPORT_FORMAT = "blog-your-data/1"


def same_address(column: sa.ColumnElement, address: str) -> sa.ColumnElement[bool]:
    """column holds address in any letter case (both sides through the database's lower())."""
    return sa.func.lower(column) == sa.func.lower(sa.literal(address))


def comments_of(addresses: set[str]) -> sa.Select:
    """The comments written with any of these addresses (any letter case), oldest first."""
    return (
        sa.select(Comment)
        .where(
            Comment.author_email != "",
            sa.or_(*(same_address(Comment.author_email, address) for address in addresses)),
        )
        .order_by(Comment.created_at, Comment.id)
    )


def subscriber_of(address: str) -> Subscriber | None:
    """The subscriber of this very address (in any letter case), if any.

    Not of every spelling of its inbox, as the subscriptions count them: many mail servers
    deliver a+x@d to someone other than a@d, so access follows the address as typed.
    """
    return db.session.scalar(
        sa.select(Subscriber).where(
            Subscriber.mailbox == mailbox_of(address), same_address(Subscriber.email, address)
        )
    )


def spellings(address: str, subscriber: Subscriber | None) -> set[str]:
    """The spellings that are the address's: itself, and its subscriber's (the inbox it
    reaches, which the link's holder has shown they read)."""
    return {address} | ({subscriber.email} if subscriber is not None else set())


def outbox_rows_of(recipients: set[str]) -> list[OutboxMessage]:
    """Outbox rows (queued, given up or kept after sending) addressed to any of recipients, in
    any letter case.

    The recipients lists are read and compared here (casefold), not in SQL: a database's
    lower() and JSON's escapes of non-ASCII letters disagree. The outbox keeps OUTBOX_KEEP_DAYS
    of mail, read a thousand lists at a time; only the matching rows are loaded whole.
    """
    wanted = {r.casefold() for r in recipients}
    lists = db.session.execute(
        sa.select(OutboxMessage.id, OutboxMessage.recipients).execution_options(yield_per=1000)
    )
    ids = [id_ for id_, names in lists if {n.casefold() for n in names or []} & wanted]
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
        )
    )


def mail_files_of(recipients: set[str]) -> list[Path]:
    """The pickup folder's messages whose To names any of recipients (headers read only)."""
    wanted = {r.casefold() for r in recipients}
    folder = pickup_dir(current_app)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if not FILE_NAME.match(path.name):
            continue
        try:
            with path.open("rb") as file:
                headers = BytesHeaderParser(policy=policy.default).parse(file)
        except (OSError, ValueError):
            continue
        named = {address.casefold() for _, address in getaddresses(headers.get_all("To", []))}
        if named & wanted:
            found.append(path)
    return found


def forget_lifted_bans(address: str) -> None:
    """Name the address in the audit log's entries of bans on it, since lifted, only by its
    keyed digest (blog.privacy.records); the caller commits. A ban still in force keeps the
    address, in its row and in its entries: it exists to outlast its owner's wishes."""
    db.session.execute(
        sa.update(ModerationAction)
        .where(
            ModerationAction.action.in_(("ban", "unban")),
            same_address(ModerationAction.detail, address),
        )
        .values(detail=f"an erased address ({address_digest(address)})")
    )


def email_bans_of(address: str) -> list[Ban]:
    return list(
        db.session.scalars(
            sa.select(Ban)
            .where(Ban.kind == BanKind.EMAIL, same_address(Ban.value, address))
            .order_by(Ban.id)
        )
    )


@dataclass(frozen=True)
class Holdings:
    """How much the site holds for an address, as the link's page and the staff page say it."""

    comments: int
    subscriptions: int
    subscribed: bool
    #: Outbox rows, and files of the pickup folder (most are copies of those rows).
    mail: int
    mail_files: int
    #: The messages these are, each counted once (a file names its row's id).
    emails: int
    bans: int

    @property
    def anything(self) -> bool:
        """Whether the site holds anything for the address (bans included: they name it)."""
        return bool(self.comments or self.subscribed or self.mail or self.mail_files or self.bans)


def holdings_of(address: str) -> Holdings:
    """Count what the site holds for the address."""
    subscriber = subscriber_of(address)
    recipients = spellings(address, subscriber)
    comments = db.session.scalar(
        sa.select(sa.func.count()).select_from(comments_of(recipients).order_by(None).subquery())
    )
    subscriptions = 0
    if subscriber is not None:
        subscriptions = db.session.scalar(
            sa.select(sa.func.count(Subscription.id)).where(
                Subscription.subscriber_id == subscriber.id
            )
        )
    rows, files = outbox_rows_of(recipients), mail_files_of(recipients)
    messages = {row.id for row in rows} | {message_id(path) for path in files}
    return Holdings(
        comments=comments or 0,
        subscriptions=subscriptions or 0,
        subscribed=subscriber is not None,
        mail=len(rows),
        mail_files=len(files),
        emails=len(messages),
        bans=len(email_bans_of(address)),
    )


def message_id(path: Path) -> int:
    """The outbox row a pickup file was written from (its name carries the id)."""
    return int(path.name.split("-", 2)[1])


# --- the copy ---------------------------------------------------------------------------


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def _article(article: Article) -> dict[str, Any]:
    """An article as the export names it: one taken down since is named no more (its title may
    be why it was), as on the subscriptions page."""
    if not article.is_visible:
        return {"title": None, "url": None, "note": "no longer published"}
    return {"title": article.title, "url": link("articles.detail", slug=article.slug)}


def _comment(comment: Comment, revisions: list[CommentRevision]) -> dict[str, Any]:
    shown = comment.status == CommentStatus.APPROVED and comment.article.is_visible
    return {
        "id": comment.id,
        "article": _article(comment.article),
        "url": link("comments.permalink", comment_id=comment.id) if shown else None,
        "in_reply_to": comment.parent_id,
        "status": comment.status,
        "posted_at": _when(comment.created_at),
        "edited_at": _when(comment.edited_at),
        "name": comment.author_name,
        "email": comment.author_email,
        "website": comment.author_website,
        "ip_address": comment.ip_address,
        "user_agent": comment.user_agent,
        "text": comment.body,
        "earlier_versions": [
            {"text": revision.body, "replaced_at": _when(revision.created_at)}
            for revision in revisions
        ],
    }


def export_of(address: str) -> dict[str, Any]:
    """Everything the site holds about the address, as one JSON-able document."""
    subscriber = subscriber_of(address)
    recipients = spellings(address, subscriber)
    comments = db.session.scalars(
        comments_of(recipients).options(sa.orm.selectinload(Comment.article))
    ).all()
    revisions: dict[int, list[CommentRevision]] = {}
    if comments:
        for revision in db.session.scalars(
            sa.select(CommentRevision)
            .where(CommentRevision.comment_id.in_([c.id for c in comments]))
            .order_by(CommentRevision.created_at, CommentRevision.id)
        ):
            revisions.setdefault(revision.comment_id, []).append(revision)
    subscription = None
    if subscriber is not None:
        items = db.session.scalars(
            sa.select(Subscription)
            .where(Subscription.subscriber_id == subscriber.id)
            .options(sa.orm.selectinload(Subscription.article))
            .order_by(Subscription.created_at, Subscription.id)
        ).all()
        subscription = {
            "email": subscriber.email,
            "created_at": _when(subscriber.created_at),
            "confirmed_at": _when(subscriber.confirmed_at),
            "confirmation_sent_at": _when(subscriber.confirmation_sent_at),
            "subscriptions": [
                {
                    "kind": item.kind,
                    "article": _article(item.article),
                    "comment_id": item.comment_id,
                    "created_at": _when(item.created_at),
                }
                for item in items
            ],
        }
    return {
        "format": EXPORT_FORMAT,
        "site": current_app.config["SITE_NAME"],
        "site_url": link("articles.index"),
        "address": address,
        "exported_at": _when(utcnow()),
        "comments": [_comment(c, revisions.get(c.id, [])) for c in comments],
        "follow_ups": subscription,
        "mail": [
            {
                "kind": row.kind,
                "subject": row.subject,
                "written_at": _when(row.created_at),
                "sent_at": _when(row.sent_at),
                "given_up_at": _when(row.gave_up_at),
            }
            for row in outbox_rows_of(recipients)
        ],
        "mail_files": [path.name for path in mail_files_of(recipients)],
        "bans": [
            {"kind": ban.kind, "since": _when(ban.created_at), "until": _when(ban.expires_at)}
            for ban in email_bans_of(address)
        ],
    }


# --- the erasure ------------------------------------------------------------------------


@dataclass
class Erased:
    """What an erasure did, in numbers, and the mail files to delete once it is committed."""

    comments_anonymised: int = 0
    texts_deleted: int = 0
    comments_deleted: int = 0
    revisions: int = 0
    subscriptions: int = 0
    subscriber: int = 0
    mail: int = 0
    bans_kept: int = 0
    files: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        """In words, for the audit log and the staff's flash (no name, no address)."""
        return (
            f"{self.comments_anonymised} comments anonymised, {self.comments_deleted} deleted,"
            f" {self.texts_deleted} texts removed; {self.subscriptions} subscriptions,"
            f" {self.mail} emails, {len(self.files)} mail files deleted;"
            f" {self.bans_kept} bans kept"
        )


def erase(address: str, *, delete_text: bool) -> Erased:
    """Anonymise the address's comments (deleting their text too when asked), and delete its
    revisions, subscriber, subscriptions, follow-up notices and mail rows; the caller commits,
    then deletes Erased.files (remove_files). Bans stay."""
    done = Erased()
    subscriber = subscriber_of(address)
    recipients = spellings(address, subscriber)
    comments = db.session.scalars(comments_of(recipients)).all()
    ids = [comment.id for comment in comments]
    answered: set[int | None] = set()
    if ids:
        done.revisions = db.session.execute(
            sa.delete(CommentRevision).where(CommentRevision.comment_id.in_(ids))
        ).rowcount
        answered = set(
            db.session.scalars(sa.select(Comment.parent_id).where(Comment.parent_id.in_(ids)))
        )
    for comment in comments:
        if delete_text and comment.id not in answered:
            db.session.delete(comment)
            done.comments_deleted += 1
            continue
        comment.author_name = ANONYMOUS
        comment.author_email = ""
        comment.author_website = None
        comment.ip_address = None
        comment.user_agent = None
        done.comments_anonymised += 1
        if delete_text:
            comment.body = ""  # rendered as blog.rendering.DELETED_COMMENT_HTML
            done.texts_deleted += 1
    if subscriber is not None:
        db.session.execute(
            sa.delete(FollowUpNotice).where(FollowUpNotice.subscriber_id == subscriber.id)
        )
        done.subscriptions = db.session.execute(
            sa.delete(Subscription).where(Subscription.subscriber_id == subscriber.id)
        ).rowcount
        db.session.delete(subscriber)
        done.subscriber = 1
    rows = outbox_rows_of(recipients)
    if rows:
        db.session.execute(
            sa.delete(OutboxMessage).where(OutboxMessage.id.in_([row.id for row in rows]))
        )
        done.mail = len(rows)
    done.files = mail_files_of(recipients)
    done.bans_kept = len(email_bans_of(address))
    if not done.bans_kept:
        forget_lifted_bans(address)
    return done


def remove_files(paths: list[Path]) -> int:
    """Delete these mail files (after the erasure's commit); how many were still there."""
    removed = 0
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed += 1
    return removed
