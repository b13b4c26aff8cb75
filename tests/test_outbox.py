"""The outbox's rules without HTTP (retry times, claims and leases), and its senders (a round,
`flask worker`, the thread of a process) against a real SMTP server."""

from __future__ import annotations

import logging
import smtplib
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from blog.extensions import db
from blog.models import OutboxMessage, utcnow
from blog.outbox.messages import compose as notice_message
from blog.outbox.pickup import list_files, read_file
from blog.outbox.queue import (
    claim_next,
    enqueue,
    mark_failed,
    mark_sent,
    retry_delay,
    send_again,
)
from blog.outbox.sender import Round, send_due
from tests.comments.test_notify import Inbox, free_port, smtp, smtp_server  # noqa: F401

STAFF = "editor@newsroom.example"
LEASE = timedelta(seconds=60)


def put_in_outbox(app, count: int = 1, recipients=(STAFF,)) -> list[int]:
    """count messages committed to the outbox; their ids."""
    with app.app_context():
        rows = [
            enqueue(notice_message(f"Notice {n}", list(recipients), f"Body {n}."), recipients)
            for n in range(count)
        ]
        db.session.commit()
        return [row.id for row in rows]


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
    return rows


@pytest.fixture(autouse=True)
def pickup_folder(request, tmp_path):
    """Every app of these tests writes its pickup files under tmp_path, and sends only when the
    test runs a sender (the thread's tests turn it on)."""
    if "app" not in request.fixturenames:
        return None
    app = request.getfixturevalue("app")
    folder = tmp_path / "mail"
    app.config.update(MAIL_PICKUP_DIR=str(folder), OUTBOX_SENDER_THREAD=False)
    return folder


@pytest.fixture
def mailing(app):
    """The app set to send through 127.0.0.1 (a port of the test's choosing), by hand only."""

    def to_port(port: int):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, OUTBOX_SENDER_THREAD=False)
        return app

    return to_port


def run_sender(app) -> Round:
    with app.app_context():
        return send_due()


# --- the rules ----------------------------------------------------------------------------


def test_a_retry_waits_twice_as_long_each_time_up_to_the_maximum():
    delays = [retry_delay(n, 10, 900).total_seconds() for n in range(1, 10)]
    assert delays == [10, 20, 40, 80, 160, 320, 640, 900, 900]


def test_a_claimed_message_is_not_claimed_again_until_its_lease_ends(app):
    first, second = put_in_outbox(app, 2)
    now = utcnow()
    with app.app_context():
        claims = [claim_next(now, LEASE), claim_next(now, LEASE)]
        assert [c.id for c in claims] == [first, second]
        assert [c.attempt for c in claims] == [1, 1]
        assert claim_next(now, LEASE) is None
        assert claim_next(now + LEASE - timedelta(seconds=1), LEASE) is None
        again = claim_next(now + LEASE + timedelta(seconds=1), LEASE)
    assert (again.id, again.attempt) == (first, 2)
    assert again.recipients == [STAFF] and b"Subject: Notice 0" in again.message


def test_claimers_at_the_same_time_never_get_the_same_message(app):
    ids = put_in_outbox(app, 40)
    claimed: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def claimer() -> None:
        start.wait()
        try:
            with app.app_context():
                while (claim := claim_next(utcnow(), LEASE)) is not None:
                    claimed.append(claim.id)
        except BaseException as error:  # reported below, not lost with the thread
            errors.append(error)

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(claimed) == ids  # each one claimed, none twice


def test_a_sent_message_is_never_due_again(app):
    put_in_outbox(app)
    now = utcnow()
    with app.app_context():
        mark_sent(claim_next(now, LEASE), now)
        assert claim_next(now + timedelta(days=365), LEASE) is None


def test_a_late_failure_leaves_a_message_another_sender_claimed_meanwhile(app):
    [message_id] = put_in_outbox(app)
    now = utcnow()
    with app.app_context():
        stale = claim_next(now, LEASE)
        current = claim_next(now + LEASE * 2, LEASE)  # the first lease ran out
        refused = mark_failed(stale, TimeoutError(), now + timedelta(days=1))
    assert not refused
    [row] = outbox(app)
    assert row.next_attempt_at == now + LEASE * 3  # the current claim's lease, untouched
    assert (row.attempts, row.last_error, current.attempt) == (2, None, 2)


def test_an_error_is_kept_as_its_class_and_smtp_code_never_its_text(app):
    put_in_outbox(app)
    refusal = smtplib.SMTPRecipientsRefused({STAFF: (550, b"no mailbox " + STAFF.encode())})
    data = smtplib.SMTPDataError(554, f"refused for {STAFF}")
    with app.app_context():
        for error, kept in ((refusal, "SMTPRecipientsRefused"), (data, "SMTPDataError 554")):
            assert mark_failed(claim_next(utcnow(), LEASE), error, utcnow())
            [row] = db.session.scalars(sa.select(OutboxMessage)).all()
            assert row.last_error == kept
            db.session.rollback()


# --- the senders, through a real SMTP server ----------------------------------------------


def test_a_round_sends_what_is_due_and_marks_it_sent(mailing, smtp):  # noqa: F811
    inbox, port = smtp
    app = mailing(port)
    put_in_outbox(app, 3)
    assert run_sender(app) == Round(sent=3, failed=0)
    assert len(inbox.messages) == 3
    rows = outbox(app)
    assert all(r.sent_at and r.attempts == 1 and r.last_error is None for r in rows)
    assert sorted(inbox.raw) == sorted(r.message for r in rows)
    assert run_sender(app) == Round()


def test_with_no_mail_server_a_round_stops_at_the_first_failure_and_logs_it(mailing, caplog):
    app = mailing(free_port())
    first, second = put_in_outbox(app, 2)
    with caplog.at_level(logging.INFO):
        assert run_sender(app) == Round(sent=0, failed=1)
    rows = outbox(app)
    assert [(r.attempts, r.last_error) for r in rows] == [(1, "ConnectionRefusedError"), (0, None)]
    assert rows[0].next_attempt_at > utcnow() + timedelta(seconds=5)  # 10 s later
    [record] = [r for r in caplog.records if r.name == "blog"]
    assert record.levelno == logging.WARNING
    text = record.getMessage()
    assert text.startswith(f"outbox message {first} not sent (attempt 1): ConnectionRefusedError")
    assert "tried again at" in text and STAFF not in caplog.text


class RefusingOne(Inbox):
    """A mail server with no mailbox for one address."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("gone@"):
            return "550 5.1.1 <gone@newsroom.example>: no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_message_the_server_refuses_holds_back_no_other(mailing, caplog):
    inbox = RefusingOne()
    with smtp_server(inbox, free_port()) as port:
        app = mailing(port)
        put_in_outbox(app, recipients=("gone@newsroom.example",))
        put_in_outbox(app)
        with caplog.at_level(logging.WARNING):
            assert run_sender(app) == Round(sent=1, failed=1)
    refused, sent = outbox(app)
    assert (refused.sent_at, refused.last_error) == (None, "SMTPRecipientsRefused")
    assert sent.sent_at is not None and [to for to, _ in inbox.messages] == [[STAFF]]
    assert "gone@" not in "\n".join(r.getMessage() for r in caplog.records)


def test_flask_worker_once_sends_what_is_due_and_fails_while_it_cannot(mailing, runner):
    port = free_port()
    app = mailing(port)
    put_in_outbox(app, 2)
    down = runner.invoke(args=["worker", "--once"])
    assert down.exit_code == 1
    assert "0 sent, 1 not sent" in down.output
    inbox = Inbox()
    with smtp_server(inbox, port):
        up = runner.invoke(
            args=["worker", "--once"]
        )  # the one not tried; the other waits its retry
    assert up.exit_code == 0 and "1 sent, 0 not sent" in up.output
    assert len(inbox.messages) == 1


def test_flask_worker_keeps_sending_until_it_is_stopped(app, tmp_path):
    """The worker as an operator runs it: a process of its own, on the site's database."""
    import signal

    from tests.deploy.servers import server_env
    from tests.deploy.test_outbox_faults import flask_worker

    port = free_port()
    database = {
        key: app.config[key]
        for key in ("SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS")
        if key in app.config
    }
    env = server_env(
        database,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(port),
        OUTBOX_POLL_SECONDS="0.2",
        OUTBOX_RETRY_SECONDS="0.2",
        OUTBOX_RETRY_MAX_SECONDS="0.5",
    )
    with flask_worker(env, tmp_path / "worker.log") as worker:
        put_in_outbox(app)  # while no mail server listens: kept, tried again
        inbox = Inbox()
        with smtp_server(inbox, port):
            put_in_outbox(app)  # and one more, while it listens
            deadline = time.monotonic() + 30
            while len(inbox.messages) < 2:
                assert time.monotonic() < deadline, "the worker sent nothing"
                assert worker.poll() is None, (tmp_path / "worker.log").read_text()
                time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=15) == 0  # stopped between rounds, cleanly
    assert all(row.sent_at is not None for row in outbox(app))


# --- no mail server: the pickup folder ----------------------------------------------------


def test_without_a_mail_server_a_round_writes_each_message_as_a_file_named_for_time_and_row(
    app, pickup_folder
):
    ids = put_in_outbox(app, 3)
    assert app.config["MAIL_SERVER"] is None
    assert run_sender(app) == Round(sent=3, failed=0)
    files, total = list_files(pickup_folder, 10)
    assert total == 3
    assert [f.name.split("-", 1)[1] for f in files] == [
        f"{i:06d}-notice.eml" for i in reversed(ids)
    ]  # newest first: the names sort by the time they were written
    rows = outbox(app)
    assert all(r.sent_at is not None for r in rows)
    written = {f.name: read_file(pickup_folder, f.name) for f in files}
    assert sorted(written.values()) == sorted(r.message for r in rows)  # as SMTP would send it
    assert [p.name for p in pickup_folder.iterdir() if not p.name.endswith(".eml")] == []
    assert run_sender(app) == Round()


def test_the_pickup_folder_opens_only_the_names_its_senders_write(app, pickup_folder):
    put_in_outbox(app)
    run_sender(app)
    [written] = list_files(pickup_folder, 10)[0]
    (pickup_folder.parent / "secret.eml").write_text("not mail")
    for name in ("../secret.eml", "secret.eml", f"{written.name}/..", "", written.name + ".part"):
        assert read_file(pickup_folder, name) is None
    assert read_file(pickup_folder, written.name).startswith(b"Subject: Notice 0")


def test_a_pickup_folder_that_cannot_be_written_keeps_the_mail_for_a_retry(app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    app.config["MAIL_PICKUP_DIR"] = str(blocker / "mail")
    put_in_outbox(app)
    assert run_sender(app) == Round(sent=0, failed=1)
    [row] = outbox(app)
    assert (row.sent_at, row.last_error) == (None, "NotADirectoryError")


def test_flask_worker_once_without_a_mail_server_writes_the_pickup_folder(
    app, runner, pickup_folder
):
    put_in_outbox(app, 2)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert f"into {pickup_folder} as .eml files" in result.output
    assert "2 sent, 0 not sent" in result.output
    assert list_files(pickup_folder, 10)[1] == 2


# --- giving up, sending again, purging ----------------------------------------------------


def test_a_message_is_given_up_after_its_last_attempt_and_logged(mailing, caplog):
    app = mailing(free_port())
    app.config.update(OUTBOX_MAX_ATTEMPTS=3)
    [message_id] = put_in_outbox(app)
    with caplog.at_level(logging.WARNING):
        for _ in range(4):
            with app.app_context():  # its retry time come at once
                db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow()))
                db.session.commit()
            run_sender(app)
    [row] = outbox(app)
    assert row.attempts == 3 and row.gave_up_at is not None and row.sent_at is None
    assert row.last_error == "ConnectionRefusedError"
    with app.app_context():
        assert db.session.scalars(OutboxMessage.due(utcnow() + timedelta(days=9))).all() == []
    given_up = [r.getMessage() for r in caplog.records if "given up" in r.getMessage()]
    assert given_up == [
        f"outbox message {message_id} given up after 3 attempts: ConnectionRefusedError; "
        "the staff's outbox page can send it again"
    ]
    with app.app_context():  # Send again: one more attempt, then given up again if it fails
        assert send_again(message_id, utcnow())
        db.session.commit()
    assert run_sender(app) == Round(sent=0, failed=1)
    [row] = outbox(app)
    assert row.attempts == 4 and row.gave_up_at is not None


def test_sending_again_makes_a_given_up_message_due_now_and_never_a_sent_one(app):
    given_up, sent = put_in_outbox(app, 2)
    later = utcnow() + timedelta(hours=1)
    with app.app_context():
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == given_up)
            .values(gave_up_at=utcnow(), next_attempt_at=later)
        )
        db.session.execute(
            sa.update(OutboxMessage).where(OutboxMessage.id == sent).values(sent_at=utcnow())
        )
        db.session.commit()
        now = utcnow()
        assert send_again(given_up, now) and not send_again(sent, now)
        assert not send_again(given_up + sent + 1, now)
        db.session.commit()
        assert [c.id for c in [claim_next(now, LEASE)]] == [given_up]
    assert outbox(app)[0].gave_up_at is None


def test_sent_messages_older_than_the_keep_time_are_purged_once_an_hour(app, pickup_folder):
    old, recent, waiting = put_in_outbox(app, 3)
    keep = app.config["OUTBOX_KEEP_DAYS"]
    with app.app_context():
        for message_id, days in ((old, keep + 1), (recent, keep - 1)):
            db.session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(sent_at=utcnow() - timedelta(days=days))
            )
        db.session.commit()
    waiting_row = outbox(app)[2]
    with app.app_context():  # not yet due: only the purge can act
        db.session.execute(
            sa.update(OutboxMessage).values(next_attempt_at=utcnow() + timedelta(hours=1))
        )
        db.session.commit()
    run_sender(app)
    assert [r.id for r in outbox(app)] == [recent, waiting_row.id]
    with app.app_context():  # sent long ago, but this process purged less than an hour ago
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == recent)
            .values(sent_at=utcnow() - timedelta(days=keep + 1))
        )
        db.session.commit()
    run_sender(app)
    assert [r.id for r in outbox(app)] == [recent, waiting]


def test_the_thread_sends_mail_held_while_the_server_was_away_by_itself_once_it_is_back(app):
    port = free_port()
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        OUTBOX_SENDER_THREAD=True,
        OUTBOX_POLL_SECONDS=0.1,
        OUTBOX_RETRY_SECONDS=0.2,
        OUTBOX_RETRY_MAX_SECONDS=0.5,
    )
    [message_id] = put_in_outbox(app)  # the commit wakes the process's sender thread
    deadline = time.monotonic() + 10
    while outbox(app)[0].attempts < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert outbox(app)[0].last_error == "ConnectionRefusedError"

    inbox = Inbox()
    with smtp_server(inbox, port):
        assert len(inbox.wait_for(1)) == 1
        time.sleep(1)  # a round or two more: nothing is sent again
    assert len(inbox.messages) == 1
    [row] = outbox(app)
    assert row.id == message_id and row.sent_at is not None


FRESH_PROCESS = """
import sys, time
from blog import create_app
from blog.outbox.messages import compose as notice_message
from blog.extensions import db
from blog.outbox.queue import enqueue
from blog.models import OutboxMessage

app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "CACHE_TYPE": "NullCache",
                  "SQLALCHEMY_DATABASE_URI": sys.argv[1], "MAIL_SERVER": "127.0.0.1",
                  "MAIL_PORT": int(sys.argv[2])})
with app.app_context():
    db.create_all()
    enqueue(notice_message("From a fresh process", ["editor@newsroom.example"], "Hello."),
            ["editor@newsroom.example"])
    db.session.commit()
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    with app.app_context():
        if db.session.scalar(db.select(OutboxMessage.sent_at)):
            sys.exit(0)
    time.sleep(0.05)
sys.exit("not sent")
"""


def test_the_first_app_of_a_fresh_process_sends_on_its_own_thread(tmp_path, smtp):  # noqa: F811
    """As in a gunicorn worker: nothing imported before create_app, one app, one commit."""
    inbox, port = smtp
    database = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    run = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", FRESH_PROCESS, database, str(port)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    [(recipients, message)] = inbox.messages
    assert message["Subject"] == "From a fresh process"
