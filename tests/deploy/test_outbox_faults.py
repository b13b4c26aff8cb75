"""The outbox under faults, as deployed: real gunicorn, `flask worker` processes, and an SMTP
server (aiosmtpd) in a process of its own that the test stops, starts, or has stall.

(a) 200 comments posted while the mail server is down: all 200 notices arrive once it is back.
(b) A worker killed (SIGKILL) mid-send, at the worst moment: the mail server has kept the
    message and not yet answered its DATA. Every message arrives; the one in flight arrives
    twice, with the same Message-ID both times (at least once, never lost).
Both take seconds: the senders retry within a second here (QUICK_RETRIES).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from pathlib import Path

import sqlalchemy as sa

from blog.extensions import db
from blog.models import Comment, CommentStatus, OutboxMessage, Staff
from blog.outbox.messages import compose
from blog.outbox.queue import enqueue
from tests.deploy.maildrop import MailDrop
from tests.deploy.servers import ROOT, Browser, gunicorn, server_env, shared_database
from tests.deploy.services import MailServer, end_process

STAFF_EMAIL = "desk@newsroom.example"
#: How many comments are posted while the mail server is down.
COMMENTS = 200
#: The senders' pace in these tests: retries within a second, so the test is short.
QUICK_RETRIES = {
    "OUTBOX_POLL_SECONDS": "0.2",
    "OUTBOX_RETRY_SECONDS": "0.2",
    "OUTBOX_RETRY_MAX_SECONDS": "1",
}


def message_id(raw: bytes) -> str:
    """The Message-ID of a message as the outbox keeps it."""
    return str(message_from_bytes(raw, policy=policy.default)["Message-ID"])


def wait_for(condition, seconds: float, what: str, poll: float = 0.1) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(poll)


def outbox_rows(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        db.session.remove()
    return rows


def quiet(app, tmp_path: Path) -> None:
    """The test's own app reads and writes the database but never sends: the servers and
    workers under test do (with no MAIL_SERVER its thread would write the pickup folder)."""
    app.config.update(OUTBOX_SENDER_THREAD=False, MAIL_PICKUP_DIR=str(tmp_path / "test-mail"))


def give_staff_an_email(app) -> None:
    with app.app_context():
        db.session.execute(sa.update(Staff).values(email=STAFF_EMAIL))
        db.session.commit()
        db.session.remove()


@contextmanager
def flask_worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """`flask --app blog worker` as an operator runs it; killed if the test leaves it running."""
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "blog", "worker"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        end_process(process)


# --- (a) the mail server down while 200 comments are posted --------------------------------


def post_comments(port: int, slug: str, bodies: list[str], threads: int = 4) -> list[str]:
    """Post each body as a new reader's comment (held: a new address), from a few browsers at
    once; returns the bodies the site acknowledged."""
    acknowledged: list[str] = []
    lock = threading.Lock()

    def commenter(share: list[str]) -> None:
        visitor = Browser()
        form = visitor.form(port, f"/articles/{slug}")
        for body in share:
            fields = {
                **form,
                "name": "Fault Reader",
                "email": f"reader-{uuid.uuid4().hex[:10]}@example.com",
                "body": body,
            }
            response, _ = visitor.post(port, f"/articles/{slug}/comments", fields)
            if response.status == 303:
                with lock:
                    acknowledged.append(body)

    workers = [
        threading.Thread(target=commenter, args=(bodies[n::threads],)) for n in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return acknowledged


def test_200_comments_posted_while_the_mail_server_is_down_lose_no_notice(tmp_path):
    with (
        shared_database(tmp_path) as (database, app, slug),
        MailServer() as mail,
    ):
        quiet(app, tmp_path)
        give_staff_an_email(app)
        mail.stop()
        env = server_env(
            database,
            RATELIMIT_ENABLED="false",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(mail.port),
            **QUICK_RETRIES,
        )
        # The site's own sender threads (one per gunicorn worker) send: no `flask worker`.
        with gunicorn(env, workers=2) as server:
            bodies = [
                f"Comment {n} while the mail was away {uuid.uuid4().hex}" for n in range(COMMENTS)
            ]
            started = time.monotonic()
            acknowledged = post_comments(server.port, slug, bodies)
            posting = time.monotonic() - started
            assert sorted(acknowledged) == sorted(bodies)
            with app.app_context():
                held = db.session.scalar(
                    sa.select(sa.func.count(Comment.id)).where(
                        Comment.status == CommentStatus.PENDING
                    )
                )
                db.session.remove()
            assert held == COMMENTS
            rows = outbox_rows(app)
            assert len(rows) == COMMENTS and {r.kind for r in rows} == {"moderation"}
            wait_for(lambda: any(r.last_error for r in outbox_rows(app)), 10, "a failed attempt")
            assert all(r.sent_at is None for r in outbox_rows(app))
            assert "ConnectionRefusedError" in server.log()

            mail.start()
            back = time.monotonic()
            wait_for(lambda: len(mail.messages()) >= COMMENTS, 90, "every notice", poll=0.5)
            catching_up = time.monotonic() - back
            time.sleep(1)  # a round or two more: nothing is sent twice
            assert STAFF_EMAIL not in server.log()  # logs name messages by id, never address
        received = mail.messages()
        texts = [m.get_body().get_content() for m in received]
        for body in bodies:
            assert sum(body in text for text in texts) == 1, body
        assert len(received) == COMMENTS
        assert all(r.sent_at is not None for r in outbox_rows(app))
    print(f"\n200 comments posted in {posting:.1f} s; notices all in {catching_up:.1f} s after")


# --- (b) a worker killed mid-send -----------------------------------------------------------

#: A message with this in its text is held in DATA the first time it comes.
STALL_MARK = "STALL-IN-DATA"
#: How long the mail server holds it (longer than the test takes to kill the worker).
STALL_SECONDS = 4


class StallingDrop(MailDrop):
    """MailDrop, but the first message that carries STALL_MARK is kept and then answered only
    after STALL_SECONDS: the worst moment for a sender to die, its message delivered and not
    yet marked sent. A file `stalled` beside the folder tells the test it is being held.
    Run as `python -m aiosmtpd -c tests.deploy.test_outbox_faults.StallingDrop DIRECTORY`."""

    async def handle_DATA(self, server, session, envelope) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        flag = self.directory.parent / "stalled"
        if STALL_MARK.encode() in envelope.content and not flag.exists():
            flag.write_text(str(time.time()))
            await asyncio.sleep(STALL_SECONDS)
        return answer


class StallingMailServer(MailServer):
    """The test's SMTP server, stalling once (StallingDrop)."""

    handler = "tests.deploy.test_outbox_faults.StallingDrop"

    @property
    def stalled(self) -> bool:
        return (self.root / "stalled").exists()


def test_a_worker_killed_mid_send_loses_nothing_and_repeats_only_the_same_message_id(tmp_path):
    count, stalled_at = 30, 10
    with (
        shared_database(tmp_path) as (database, app, _slug),
        StallingMailServer() as mail,
    ):
        quiet(app, tmp_path)
        with app.app_context():
            for n in range(count):
                text = f"Message {n}." + (f" {STALL_MARK}" if n == stalled_at else "")
                enqueue(compose(f"Message {n}", [STAFF_EMAIL], text), [STAFF_EMAIL])
            db.session.commit()
            db.session.remove()
        message_ids = {r.id: message_id(r.message) for r in outbox_rows(app)}
        env = server_env(
            database,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(mail.port),
            MAIL_TIMEOUT_SECONDS="30",  # the stall is not a timeout: the kill ends the send
            OUTBOX_LEASE_SECONDS="2",  # a killed worker's message is due again this soon
            **QUICK_RETRIES,
        )
        with flask_worker(env, tmp_path / "worker-1.log") as first:
            wait_for(
                lambda: mail.stalled or first.poll() is not None,
                30,
                "the worker to reach the stalled message",
            )
            assert first.poll() is None, (tmp_path / "worker-1.log").read_text()
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        sent_before = [r.id for r in outbox_rows(app) if r.sent_at is not None]
        assert len(sent_before) == stalled_at  # the ones before it; it and the rest are not

        started = time.monotonic()
        with flask_worker(env, tmp_path / "worker-2.log") as second:
            wait_for(
                lambda: all(r.sent_at is not None for r in outbox_rows(app)),
                30,
                "every message sent by the second worker",
            )
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=15) == 0
        recovery = time.monotonic() - started

        received = Counter(str(m["Message-ID"]) for m in mail.messages())
        assert set(received) == set(message_ids.values())  # every message arrived
        stalled_id = message_ids[min(message_ids) + stalled_at]
        # The one the killed worker had handed over came again, with the same Message-ID.
        assert {mid: n for mid, n in received.items() if n > 1} == {stalled_id: 2}
        assert sum(received.values()) == count + 1
        assert outbox_rows(app)[stalled_at].attempts == 2  # claimed by each worker once
    print(
        f"\nkilled mid-send: all {count} sent {recovery:.1f} s after a second worker started; "
        "the one delivered but not marked arrived twice, with one Message-ID"
    )
