"""Connection settings that make SQLite a dependable embedded database.

SQLite runs with WAL, foreign keys enforced and a busy timeout. Transactions are begun by
SQLAlchemy rather than by the sqlite3 driver, so that a use case that writes can start its
transaction with BEGIN IMMEDIATE (see begin_write): a transaction that reads first and upgrades
its lock to write later can fail with "database is locked" under load, losing the write.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

#: Milliseconds a writer waits for the lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 5000
#: Execution option that makes SQLite begin the transaction with the write lock.
BEGIN_IMMEDIATE = "sqlite_begin_immediate"


def configure_engine(engine: sa.Engine) -> None:
    """On SQLite: WAL, foreign keys, busy timeout, and transactions begun by SQLAlchemy."""
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

    @sa.event.listens_for(engine, "begin")
    def _sqlite_begin(connection: sa.Connection) -> None:
        immediate = connection.get_execution_options().get(BEGIN_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write(session: Session) -> None:
    """End the session's read transaction and start one that holds the write lock from its start.

    On databases other than SQLite the option is ignored and this only ends the read.
    """
    session.commit()
    session.connection(execution_options={BEGIN_IMMEDIATE: True})
