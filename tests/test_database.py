"""SQLite connection rules: writers take the lock at BEGIN and queue for it on a file lock."""

from __future__ import annotations

import fcntl
import os

import pytest
import sqlalchemy as sa

from blog.database import BEGIN_IMMEDIATE, WritersQueue, configure_engine


@pytest.fixture
def engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    configure_engine(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (body TEXT)")
    yield engine
    engine.dispose()


def lock_is_free(path: str) -> bool:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops a lock taken here
    return True


def test_a_writer_holds_the_queue_from_begin_until_its_connection_is_returned(engine, tmp_path):
    path = f"{tmp_path / 'queue.sqlite3'}-writers.lock"
    with engine.connect().execution_options(**{BEGIN_IMMEDIATE: True}) as conn:
        conn.exec_driver_sql("INSERT INTO notes VALUES ('first')")
        assert not lock_is_free(path)
        conn.commit()
    assert lock_is_free(path)
    with (
        pytest.raises(sa.exc.OperationalError),
        engine.connect().execution_options(**{BEGIN_IMMEDIATE: True}) as conn,
    ):
        conn.exec_driver_sql("INSERT INTO no_such_table VALUES (1)")
    assert lock_is_free(path)  # a failed write lets the next one go too
    with engine.connect() as conn:  # readers never queue
        conn.exec_driver_sql("SELECT count(*) FROM notes").scalar()
        assert lock_is_free(path)
        assert conn.exec_driver_sql("SELECT body FROM notes").scalars().all() == ["first"]


def test_only_database_files_get_a_queue():
    assert WritersQueue.for_database(":memory:") is None
    assert WritersQueue.for_database(None) is None
    assert WritersQueue.for_database("/srv/blog.sqlite3").path == "/srv/blog.sqlite3-writers.lock"
