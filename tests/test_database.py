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
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
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


def test_a_state_changing_request_writes_even_when_another_writer_commits_meanwhile(app):
    """In WAL, a transaction that read and then writes fails at once if another writer
    committed in between; transactions of a POST take the write lock first, so they wait."""
    import threading

    from blog.extensions import db
    from blog.models import Tag

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("a SQLite locking rule")
        engine = db.engine
    other_done = threading.Event()

    def other_writer() -> None:
        with engine.begin() as conn:
            conn.execute(sa.insert(Tag.__table__).values(name="Other", slug="other"))
        other_done.set()

    with app.test_request_context("/admin/anything", method="POST"):
        db.session.scalar(sa.select(sa.func.count(Tag.id)))  # the request reads first...
        writer = threading.Thread(target=other_writer)
        writer.start()
        other_done.wait(timeout=1)  # ...another writer would commit here if it could...
        db.session.add(Tag(name="Mine", slug="mine"))  # ...and then the request writes
        db.session.commit()
        db.session.remove()
    writer.join(timeout=10)
    with app.app_context():
        names = set(db.session.scalars(sa.select(Tag.name)))
    assert names == {"Mine", "Other"}


def test_a_view_that_reads_first_takes_the_lock_only_to_write(app):
    """Posting a comment: its reads (and its 429 and CSRF pages) never hold the write lock;
    nor do the views that check or make a password hash before they write."""
    from blog.database import begin_write
    from blog.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("a SQLite locking rule")
        path = f"{db.engine.url.database}-writers.lock"
    # Logging in, changing a password, adding an account run scrypt before they write.
    for path_read_first in ("/login", "/admin/password", "/admin/staff"):
        with app.test_request_context(path_read_first, method="POST"):
            db.session.execute(sa.text("SELECT 1"))
            assert lock_is_free(path), path_read_first
            db.session.remove()
    with app.test_request_context("/articles/some-story/comments", method="POST"):
        db.session.execute(sa.text("SELECT 1"))
        assert lock_is_free(path)
        begin_write(db.session)
        db.session.execute(sa.text("SELECT 1"))
        assert not lock_is_free(path)
        db.session.rollback()
        assert lock_is_free(path)
        db.session.remove()
    with app.test_request_context("/admin/comments/1/approve", method="POST"):
        db.session.execute(sa.text("SELECT 1"))  # any other state change locks from the start
        assert not lock_is_free(path)
        db.session.remove()
    assert lock_is_free(path)
