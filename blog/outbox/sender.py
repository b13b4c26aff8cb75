"""Sending what is due: one round (send_due, also `flask worker --once`), and the thread of each app
process that runs rounds (BackgroundSender). With MAIL_SERVER set a round sends over SMTP; without
one it writes each message as a file into MAIL_PICKUP_DIR (pickup.py), so mail is never dropped.

The thread starts lazily in the process that uses it, never at import: with the process's
first request, or when a transaction that wrote an email commits. Under gunicorn that is in
each worker, after the fork (the master serves no request; a thread would not survive a fork).
It wakes when its process commits an email, and every OUTBOX_POLL_SECONDS for retries and for
mail other processes left, so mail held while the mail server was away goes out by itself once
it is back. It stops when the app's database engine is disposed (a test's teardown).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from blog.extensions import db
from blog.models import utcnow
from blog.outbox.pickup import pickup_dir, write_message
from blog.outbox.queue import (
    ENQUEUED,
    Claim,
    claim_next,
    error_summary,
    mark_failed,
    mark_sent,
    purge_sent,
    retry_delay,
)
from blog.outbox.smtp import deliver, is_refusal
from blog.signing import forget_spent, spent_links_kept

#: app.extensions key of the app's BackgroundSender.
EXTENSION = "outbox_sender"
#: app.extensions key of the functions each round runs first (add_composer).
COMPOSERS = "outbox_composers"
#: app.extensions key of when (time.monotonic) this process last purged old sent messages.
PURGED_AT = "outbox_purged_at"
#: A process purges sent messages older than OUTBOX_KEEP_DAYS at most this often.
PURGE_EVERY_SECONDS = 3600


def add_composer(app: Flask, composer: Callable[[], object]) -> None:
    """Have every round of sending run composer first, in its app context: a use case that
    writes mail on a schedule rather than with a change (a digest whose time has come) commits
    it to the outbox there, and the round then sends it."""
    app.extensions.setdefault(COMPOSERS, []).append(composer)


@dataclass(frozen=True)
class Round:
    """What one round of sending did."""

    sent: int = 0
    failed: int = 0


def send_due() -> Round:
    """Send every message due now, one claim at a time, in the current app context, after the
    composers (add_composer) have written what their schedules make due.

    A message the server refused is rescheduled and the round goes on to the next; a failure of
    the server as a whole (away, timed out, disconnected) ends the round, leaving the rest due
    for the next one rather than knocking on a closed door once per message.
    """
    config = current_app.config
    for composer in current_app.extensions.get(COMPOSERS, ()):
        composer()
    purge_now_and_then()
    lease = timedelta(seconds=config["OUTBOX_LEASE_SECONDS"])
    sent = failed = 0
    while (claim := claim_next(utcnow(), lease)) is not None:
        try:
            refused = hand_over(claim)
        # Anything at all: a message that cannot be sent waits for its retry, whatever the cause.
        except Exception as error:
            failed += 1
            reschedule(claim, error)
            if not is_refusal(error):
                break
        else:
            mark_sent(claim, utcnow())
            sent += 1
            if refused:
                current_app.logger.warning(
                    "outbox message %s sent, but refused for %s of its recipients",
                    claim.id,
                    refused,
                )
    return Round(sent, failed)


def hand_over(claim: Claim) -> int:
    """Send the claimed message through MAIL_SERVER, or with none write it into the pickup
    folder; how many recipients the mail server refused (see smtp.deliver)."""
    if current_app.config.get("MAIL_SERVER"):
        return deliver(claim.message, claim.recipients, current_app.config)
    write_message(pickup_dir(current_app), claim.id, claim.kind, claim.message)
    return 0


def purge_now_and_then() -> None:
    """Delete sent messages older than OUTBOX_KEEP_DAYS, and the marks of emailed links spent
    longer ago than any such link holds, at most once an hour per process."""
    last = current_app.extensions.get(PURGED_AT)
    if last is not None and time.monotonic() - last < PURGE_EVERY_SECONDS:
        return
    current_app.extensions[PURGED_AT] = time.monotonic()
    purged = purge_sent(utcnow() - timedelta(days=current_app.config["OUTBOX_KEEP_DAYS"]))
    if purged:
        current_app.logger.info("outbox: %s sent messages older than the keep time deleted", purged)
    forget_spent(utcnow() - spent_links_kept(current_app.config))


def reschedule(claim: Claim, error: BaseException) -> None:
    """Due again after the backoff for its attempts, or given up after OUTBOX_MAX_ATTEMPTS;
    logged at WARNING with the message's id, the error's class and code, and the retry time
    (never an address: see error_summary)."""
    config = current_app.config
    if claim.attempt >= config["OUTBOX_MAX_ATTEMPTS"]:
        now = utcnow()
        if mark_failed(claim, error, now, gave_up_at=now):
            current_app.logger.warning(
                "outbox message %s given up after %s attempts: %s; "
                "the staff's outbox page can send it again",
                claim.id,
                claim.attempt,
                error_summary(error),
            )
        return
    first, most = config["OUTBOX_RETRY_SECONDS"], config["OUTBOX_RETRY_MAX_SECONDS"]
    retry_at = utcnow() + retry_delay(claim.attempt, first, most)
    if mark_failed(claim, error, retry_at):
        current_app.logger.warning(
            "outbox message %s not sent (attempt %s): %s; tried again at %s",
            claim.id,
            claim.attempt,
            error_summary(error),
            retry_at.isoformat(timespec="seconds"),
        )


class BackgroundSender:
    """The thread of one app process that sends due mail, for as long as the process runs."""

    def __init__(self, app: Flask, engine: sa.Engine) -> None:
        self.app = app
        self.engine = engine
        #: The engine's pool as the latest round began (see stop).
        self._round_pool: sa.Pool | None = None
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        #: The process the thread was started in (a forked child starts its own).
        self._pid: int | None = None

    def wake(self) -> None:
        """Have due mail sent now, starting the thread if this process runs none."""
        self._wake.set()
        with self._lock:
            if self._running():
                return
            self._pid = os.getpid()
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=self._run, args=(self._stop,), name="outbox-sender", daemon=True
            )
            self._thread.start()

    def start_once(self) -> None:
        """Start the thread if this process never has (its first request)."""
        if self._pid != os.getpid():
            self.wake()

    def stop(self) -> None:
        """End the thread after its current round and wait for it; called when the engine is
        disposed. A round that overlapped the disposal handed its connection back to the pool
        the engine dropped, or took one from the new pool: both are closed, not left open."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._stop.set()
            self._wake.set()
        if thread is None or thread is threading.current_thread():
            return
        thread.join(timeout=2 * self.app.config["MAIL_TIMEOUT_SECONDS"])
        for pool in {self._round_pool, self.engine.pool} - {None}:
            pool.dispose()

    def _running(self) -> bool:
        thread = self._thread
        alive = thread is not None and thread.is_alive() and not self._stop.is_set()
        return alive and self._pid == os.getpid()

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self._wake.clear()
            self._round()
            self._wake.wait(self.app.config["OUTBOX_POLL_SECONDS"])

    def _round(self) -> None:
        self._round_pool = self.engine.pool
        with self.app.app_context():
            try:
                send_due()
            # The database away, most likely: the mail waits in it, and the next round retries.
            except Exception as error:
                self.app.logger.warning(
                    "outbox not read (%s); tried again in %s s",
                    error_summary(error),
                    self.app.config["OUTBOX_POLL_SECONDS"],
                )


def background_sender(app: Flask) -> BackgroundSender | None:
    """The app's sender thread, when it sends mail on one (OUTBOX_SENDER_THREAD)."""
    if not app.config["OUTBOX_SENDER_THREAD"]:
        return None
    return app.extensions.get(EXTENSION)


def _start_with_first_request() -> None:
    sender = background_sender(current_app)
    if sender is not None:
        sender.start_once()


def _wake_after_commit(session: Session) -> None:
    if session.info.pop(ENQUEUED, False) and has_app_context():
        sender = background_sender(current_app)
        if sender is not None:
            sender.wake()


def _forget_after_rollback(session: Session, *_args: Any) -> None:
    session.info.pop(ENQUEUED, None)


_SESSION_LISTENERS = (
    ("after_commit", _wake_after_commit),
    ("after_rollback", _forget_after_rollback),
)


def init_app(app: Flask) -> None:
    """Give the app its sender: started with the first request, woken by each commit that wrote
    an email, stopped when the app's engine is disposed."""
    with app.app_context():
        engine = db.engine
    sender = app.extensions[EXTENSION] = BackgroundSender(app, engine)
    app.before_request(_start_with_first_request)
    sa.event.listen(engine, "engine_disposed", lambda _engine: sender.stop())
    # The Session events are the ORM's, for the whole process: a second app adds none.
    for event, listener in _SESSION_LISTENERS:
        if not sa.event.contains(Session, event, listener):
            sa.event.listen(Session, event, listener)
