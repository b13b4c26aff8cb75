"""Connection settings that make SQLite a dependable embedded database."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

#: Milliseconds a writer waits for the lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 5000


def configure_engine(engine: sa.Engine) -> None:
    """On SQLite: WAL, foreign keys enforced, and a busy timeout, on every connection."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
