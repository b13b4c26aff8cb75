"""A time bound on every statement a staff screen runs, so no request holds a worker long.

The staff screens are built to read a page's worth of rows at any archive size (paging.py);
this is the guard behind that: a statement of a staff screen (a GET) still running after
ADMIN_STATEMENT_TIMEOUT_MS is cancelled, the transaction rolls back, and the staff member gets
the styled 503 (blog.errors) instead of a worker stuck on one request.
The database stops it (blog.database.stop_statements_at, the one mechanism search's time
limit uses too), at this request's deadline.
"""

from __future__ import annotations

import time
from contextvars import ContextVar

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, has_request_context, request
from flask.blueprints import BlueprintSetupState

from blog.database import SAFE_METHODS, stop_statements_at
from blog.extensions import db

#: When the current staff request's statements must stop (time.monotonic()); None elsewhere.
_deadline: ContextVar[float | None] = ContextVar("staff_statement_deadline", default=None)


def start_clock() -> None:
    """The current screen's statements must finish within ADMIN_STATEMENT_TIMEOUT_MS, those
    of a transaction already begun (loading the staff member) included. Not a staff member's
    writes: each of their statements has STAFF_WRITE_STATEMENT_TIMEOUT_MS (blog.database)."""
    if request.method not in SAFE_METHODS:
        return
    _deadline.set(time.monotonic() + current_app.config["ADMIN_STATEMENT_TIMEOUT_MS"] / 1000)
    if db.session().in_transaction():
        _bound_transaction(db.session.connection())


def stop_clock(_error: BaseException | None = None) -> None:
    """Statements are unbounded again (the request is over)."""
    _deadline.set(None)


def _bound_transaction(connection: sa.Connection) -> None:
    if not has_request_context() or _deadline.get() is None:
        return
    stop_statements_at(connection, _deadline.get)


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
