"""Connection settings that make SQLite a dependable embedded database.

SQLite runs with WAL, foreign keys enforced and a busy timeout. Transactions are begun by
SQLAlchemy rather than by the sqlite3 driver, so that a use case that writes can start its
transaction with BEGIN IMMEDIATE: a transaction that reads first and upgrades its lock to write
later fails at once with "database is locked" if another writer committed in between (WAL
cannot wait that out), losing the write. So every transaction begun while handling a request
that may change state (anything but GET, HEAD, OPTIONS) takes the write lock at its start.
A view that reads a lot, or slowly, before it writes is marked @reads_before_writing and takes
the lock with begin_write() when it is ready to write (posting a comment, logging in); the mark
holds for everything its request does, its error pages included (429, CSRF).

Writers also queue for a file lock next to the database before BEGIN IMMEDIATE (see
WritersQueue). SQLite's own wait for a busy lock is a sleep of 1, 2, 5, 10... milliseconds,
so under a burst of comments from several workers most of the time went to sleeping while the
lock was free; a process blocked on a file lock wakes the moment it is released.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from sqlalchemy.orm import Session, scoped_session

from blog.extensions import db

#: Milliseconds a writer waits for the lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 5000
#: Execution option that makes SQLite begin the transaction with the write lock.
BEGIN_IMMEDIATE = "sqlite_begin_immediate"


def configure_engine(engine: sa.Engine) -> None:
    """On SQLite: WAL, foreign keys, busy timeout, and transactions begun by SQLAlchemy.
    On PostgreSQL: every request's statements bounded in time (statement_timeout_ms)."""
    if engine.dialect.name == "postgresql":
        sa.event.listen(engine, "checkout", _bound_statements)
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Stop the driver from issuing its own BEGIN; the "begin" hook below does it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    queue = WritersQueue.for_database(engine.url.database)

    @sa.event.listens_for(engine, "begin")
    def _sqlite_begin(connection: sa.Connection) -> None:
        immediate = connection.get_execution_options().get(BEGIN_IMMEDIATE)
        if immediate is None:
            immediate = _request_may_write()
        if immediate and queue is not None:
            queue.enter(connection.connection.info)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    if queue is not None:
        # Back in the pool means committed or rolled back: the next writer may go.
        sa.event.listen(engine.pool, "checkin", lambda _c, record: queue.leave(record.info))
        sa.event.listen(engine.pool, "close", lambda _c, record: queue.forget(record.info))


#: Request methods that never change anything here (every state change is a POST).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The blueprints whose writes are the staff's (articles saved, comments moderated).
STAFF_BLUEPRINTS = frozenset({"admin", "editorial"})
#: Where a pooled PostgreSQL connection records the statement_timeout its session has.
_SESSION_TIMEOUT = "statement_timeout_ms"


def statement_timeout_ms() -> int:
    """How long one statement may run in the current context (0: no bound).

    A reader's request: READER_STATEMENT_TIMEOUT_MS; a staff member's write:
    STAFF_WRITE_STATEMENT_TIMEOUT_MS; outside a request (commands, migrations, the mail
    sender): no bound. Staff screens are bound tighter still, per request (admin.timebound).
    """
    if not has_request_context():
        return 0
    config = current_app.config
    if request.method not in SAFE_METHODS and request.blueprint in STAFF_BLUEPRINTS:
        return int(config["STAFF_WRITE_STATEMENT_TIMEOUT_MS"])
    return int(config["READER_STATEMENT_TIMEOUT_MS"])


def _bound_statements(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """As a PostgreSQL connection leaves the pool: its session's statement_timeout set for what
    it is about to do, when that differs from what it has (so a reader's request pays nothing
    once its connection has the reader's bound)."""
    wanted = statement_timeout_ms()
    if record.info.get(_SESSION_TIMEOUT) == wanted:
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"SET statement_timeout = {wanted}")
    finally:
        cursor.close()
    dbapi_connection.commit()  # a SET outside the request's transactions: never rolled back
    record.info[_SESSION_TIMEOUT] = wanted


def _request_may_write() -> bool:
    if not has_request_context() or request.method in SAFE_METHODS:
        return False
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return not getattr(view, "reads_before_writing", False)


def reads_before_writing(view: Callable) -> Callable:
    """Mark a view whose request reads before it writes: its transactions begin deferred, and
    it calls begin_write() before the reads its writes depend on. Put it right under the
    route decorator, so that the function Flask calls carries the mark."""
    view.reads_before_writing = True
    return view


class WritersQueue:
    """An exclusive flock on <database>-writers.lock, held from BEGIN IMMEDIATE to check-in.

    Each pooled connection opens the file once, so threads of one worker queue like processes.
    Only for a database file (not :memory:); the kernel releases the lock if a worker dies.
    """

    _HELD = "writers_lock_held"
    _FD = "writers_lock_fd"

    def __init__(self, path: str) -> None:
        self.path = path

    @classmethod
    def for_database(cls, database: str | None) -> WritersQueue | None:
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return cls(f"{database}-writers.lock")

    def enter(self, info: dict) -> None:
        if info.get(self._HELD):
            return
        if self._FD not in info:
            info[self._FD] = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(info[self._FD], fcntl.LOCK_EX)
        info[self._HELD] = True

    def leave(self, info: dict) -> None:
        if info.pop(self._HELD, None) is not None:
            fcntl.flock(info[self._FD], fcntl.LOCK_UN)

    def forget(self, info: dict) -> None:
        self.leave(info)
        fd = info.pop(self._FD, None)
        if fd is not None:
            os.close(fd)


def begin_write(session: Session) -> None:
    """End the session's read transaction and start one that holds the write lock from its start.

    On databases other than SQLite the option is ignored and this only ends the read.
    """
    session.commit()
    session.connection(execution_options={BEGIN_IMMEDIATE: True})


def commit_keeping_state(session: Session | scoped_session) -> None:
    """Commit without expiring the session's objects.

    For a unit of work whose objects hold exactly what was written (a new comment and the
    article it was read beside), so that reading them afterwards costs no query.
    """
    target = session() if isinstance(session, scoped_session) else session
    expire, target.expire_on_commit = target.expire_on_commit, False
    try:
        target.commit()
    finally:
        target.expire_on_commit = expire


#: SQLite VM instructions between two looks at the clock while a time limit runs.
_PROGRESS_STEPS = 1_000
#: PostgreSQL's code for a statement cancelled by statement_timeout.
_QUERY_CANCELED = "57014"


def stop_statements_at(
    connection: sa.Connection, deadline: Callable[[], float | None] | None
) -> None:
    """Have the database stop this connection's statements once time.monotonic() passes
    deadline() (no limit while it returns None; none at all when deadline is None): the one way
    the app bounds a statement in time.

    PostgreSQL: statement_timeout, the time left, for the rest of this transaction (its end
    puts the setting back). SQLite: a progress handler that looks at the clock every
    _PROGRESS_STEPS instructions and interrupts the statement. Either way the statement fails
    with an OperationalError that is_interruption() recognises.
    """
    until = deadline() if deadline is not None else None
    if connection.dialect.name == "postgresql":
        if until is None:  # back to the session's own bound (DEFAULT would be none at all)
            left = connection.connection.info.get(_SESSION_TIMEOUT, "DEFAULT")
        else:  # at least 1 ms: 0 would mean no limit at all
            left = max(int((until - time.monotonic()) * 1000), 1)
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {left}")
    elif connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        if deadline is None:
            driver.set_progress_handler(None, 0)
            return

        def past() -> bool:
            until = deadline()
            return until is not None and time.monotonic() > until

        driver.set_progress_handler(past, _PROGRESS_STEPS)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Stop any statement the session runs inside this block once `seconds` have passed
    (stop_statements_at); afterwards statements are unbounded again."""
    connection = db.session.connection()
    limit: dict[str, float | None] = {"until": time.monotonic() + seconds}
    stop_statements_at(connection, lambda: limit["until"])
    try:
        yield
    finally:
        limit["until"] = None  # whatever happens, nothing is stopped by this limit from now on
    # Lifted after success; after a stopped statement the transaction is aborted, and its
    # rollback puts PostgreSQL's setting back by itself.
    stop_statements_at(connection, None)


def is_interruption(error: sa.exc.DBAPIError) -> bool:
    """Whether a statement failed because time_limit stopped it."""
    if getattr(error.orig, "sqlstate", None) == _QUERY_CANCELED:
        return True
    return "interrupted" in str(error.orig)
