"""The outbox's rules: writing an email, retry times, and claiming and marking a message.

Each function that writes runs its own short transaction (SQLite: BEGIN IMMEDIATE, behind the
writers' queue; PostgreSQL: FOR UPDATE SKIP LOCKED), and none is open while SMTP is spoken.
Tested without SMTP in tests/test_outbox.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa

from blog.database import begin_write
from blog.extensions import db
from blog.models import OutboxMessage

#: session.info key: this transaction wrote an email (the sender is woken once it commits).
ENQUEUED = "outbox_enqueued"


def enqueue(
    message: EmailMessage, recipients: Sequence[str], kind: str = "notice"
) -> OutboxMessage:
    """Add an email to the outbox in the session's transaction; its commit sends it. kind names
    what it is for the staff's outbox page ("moderation", "confirmation", "password-reset", ...)."""
    row = OutboxMessage(
        message=message.as_bytes(),
        recipients=list(recipients),
        kind=kind,
        subject=str(message.get("Subject", ""))[:200],
    )
    db.session.add(row)
    db.session.info[ENQUEUED] = True
    return row


def retry_delay(attempts: int, first: float, maximum: float) -> timedelta:
    """How long a message that failed its attempts-th time waits: first, doubling, capped."""
    return timedelta(seconds=min(first * 2 ** max(attempts - 1, 0), maximum))


@dataclass(frozen=True)
class Claim:
    """A message a sender holds until its lease ends: what it needs to send it, as plain data."""

    id: int
    message: bytes
    recipients: list[str]
    #: The attempt this is; also the claim's token (a later claim has a higher one).
    attempt: int
    #: What it is for (OutboxMessage.kind).
    kind: str = "notice"


@contextmanager
def write_transaction() -> Iterator[None]:
    """A short transaction of its own, holding the write lock from its start (SQLite)."""
    begin_write(db.session)
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def claim_next(now: datetime, lease: timedelta) -> Claim | None:
    """Take the next due message for one attempt: due again only after the lease, so two
    senders never hold it at once. None when nothing is due."""
    query = OutboxMessage.due(now).limit(1).with_for_update(skip_locked=True)
    with write_transaction():
        row = db.session.scalars(query).first()
        if row is None:
            return None
        row.attempts += 1
        row.next_attempt_at = now + lease
        claim = Claim(row.id, row.message, list(row.recipients), row.attempts, row.kind)
    return claim


def mark_sent(claim: Claim, now: datetime) -> None:
    """The message went out: never send it again."""
    with write_transaction():
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == claim.id, OutboxMessage.sent_at.is_(None))
            .values(sent_at=now, last_error=None)
        )


def mark_failed(
    claim: Claim, error: BaseException, retry_at: datetime, gave_up_at: datetime | None = None
) -> bool:
    """The attempt failed: due again at retry_at, or never again when gave_up_at is given (the
    staff's outbox page can send it again). False (and nothing changed) when the message was
    sent or claimed again meanwhile, its lease having run out."""
    with write_transaction():
        result = db.session.execute(
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.id == claim.id,
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.attempts == claim.attempt,
            )
            .values(
                next_attempt_at=retry_at, last_error=error_summary(error), gave_up_at=gave_up_at
            )
        )
    return result.rowcount == 1


def send_again(message_id: int, now: datetime) -> bool:
    """A message not sent, given up or waiting its retry, due now, in the session's
    transaction; False when there is no such message or it was sent meanwhile."""
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
        .values(gave_up_at=None, next_attempt_at=now)
    )
    if result.rowcount != 1:
        return False
    db.session.info[ENQUEUED] = True  # its commit wakes the process's sender
    return True


def purge_sent(before: datetime) -> int:
    """Delete the messages sent before `before`, in a transaction of its own; how many."""
    with write_transaction():
        result = db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.sent_at < before))
    return result.rowcount


def error_summary(error: BaseException) -> str:
    """The error's class and SMTP code, never its text: an SMTP error's text can repeat the
    addresses it was given, and this goes into the table and the log."""
    code = getattr(error, "smtp_code", None)
    return f"{error.__class__.__name__}{f' {code}' if code else ''}"[:100]
