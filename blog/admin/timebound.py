"""A time bound on every statement a staff screen runs, so no request holds a worker long.

The staff screens are built to read a page's worth of rows at any archive size (paging.py);
this is the guard behind that: a statement of a staff request still running after
ADMIN_STATEMENT_TIMEOUT_MS is cancelled, the transaction rolls back, and the staff member gets
the styled 503 (blog.errors) instead of a worker stuck on one request.
PostgreSQL cancels it itself (statement_timeout, for the transaction only); SQLite is asked
by a progress handler that looks at this request's deadline.
"""

from __future__ import annotations

import time
from contextvars import ContextVar

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, has_request_context
from flask.blueprints import BlueprintSetupState

from blog.extensions import db

#: When the current staff request's statements must stop (time.monotonic()); None elsewhere.
_deadline: ContextVar[float | None] = ContextVar("staff_statement_deadline", default=None)
#: SQLite calls the progress handler every this many virtual machine instructions.
_SQLITE_STEPS = 10_000


def _past_deadline() -> int:
    deadline = _deadline.get()
    return int(deadline is not None and time.monotonic() > deadline)


def start_clock() -> None:
    """The current request's statements must finish within ADMIN_STATEMENT_TIMEOUT_MS, those
    of a transaction already begun (loading the staff member) included."""
    _deadline.set(time.monotonic() + current_app.config["ADMIN_STATEMENT_TIMEOUT_MS"] / 1000)
    if db.session().in_transaction():
        _bound_transaction(db.session.connection())


def stop_clock(_error: BaseException | None = None) -> None:
    """Statements are unbounded again (the request is over)."""
    _deadline.set(None)


def _bound_transaction(connection: sa.Connection) -> None:
    if not has_request_context() or _deadline.get() is None:
        return
    if connection.dialect.name == "postgresql":
        milliseconds = int(current_app.config["ADMIN_STATEMENT_TIMEOUT_MS"])
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {milliseconds}")
    elif connection.dialect.name == "sqlite":
        dbapi = connection.connection.dbapi_connection
        dbapi.set_progress_handler(_past_deadline, _SQLITE_STEPS)


def _listen(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if not sa.event.contains(engine, "begin", _bound_transaction):
        sa.event.listen(engine, "begin", _bound_transaction)


def bound_statement_time(bp: Blueprint) -> None:
    """Bound every statement of bp's requests in time."""

    def setup(state: BlueprintSetupState) -> None:
        _listen(state.app)

    bp.record_once(setup)
    bp.before_request(start_clock)
    bp.teardown_request(stop_clock)
