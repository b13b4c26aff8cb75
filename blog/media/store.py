"""Where pictures' files are kept: a folder on one machine, the database for several.

MEDIA_STORE = "files" (the default) keeps them under MEDIA_DIR (instance/media/), where the app
serves them and nginx can serve them directly (deploy/nginx.conf). MEDIA_STORE = "database"
keeps them in the media_files table, which every app server already shares: a picture uploaded
on one is served by all, is written in the same transaction as its row (no picture without its
files, no files without their picture), and is backed up with everything else. Files are
immutable and cached for a year by browsers and by the cache in front, so the database is asked
for each one about once.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection, Iterator
from contextlib import suppress
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import sqlalchemy as sa
from flask import Flask, current_app

from blog.extensions import db
from blog.media.names import parse_name
from blog.models import MediaFile

FILES = "files"
DATABASE = "database"
STORES = (FILES, DATABASE)
#: A TableWriter inserts the files it holds in one statement once they hold this many bytes.
BATCH_BYTES = 8 * 1024 * 1024


class MediaStore(Protocol):
    """A place for pictures' files, by name (blog.media.names)."""

    def put(self, name: str, data: bytes, media_id: int | None) -> None:
        """Keep a file (a name always has the same bytes: writing it again is harmless)."""

    def get(self, name: str) -> bytes | None:
        """A file's bytes, or None when it is not kept here."""

    def names(self) -> Iterator[str]:
        """Every file kept here, in no particular order."""

    def sizes(self, names: Collection[str]) -> dict[str, int]:
        """The size in bytes of each of these files that is kept here (at most one statement)."""

    def contents(self, connection: sa.Connection, names: Collection[str]) -> dict[str, bytes]:
        """The bytes of those of these files kept here, read in this connection's transaction
        when the store is the database (an export's snapshot)."""

    def writer(self, connection: sa.Connection) -> StoreWriter:
        """A writer of many files in this connection's transaction (a restore), to use as a
        context manager: what the transaction cannot take back is undone when it fails."""


class StoreWriter:
    """Writes many files to a store in a connection's transaction (see MediaStore.writer)."""

    def keep(self, name: str, media_id: int, data: bytes) -> None:
        """Keep a file of the picture media_id (perhaps held until flush)."""
        raise NotImplementedError

    def flush(self) -> None:
        """Write what is still held (raises sa.exc.IntegrityError for a name kept twice)."""

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """When the transaction fails, undo what it does not take back (nothing, here)."""


class FileStore:
    """Files in a folder: written to a temporary name first, then renamed, so a reader never
    sees half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, name: str) -> Path:
        """Where a file is or would be (the name is checked to be one of ours)."""
        if parse_name(name) is None:
            raise ValueError(f"not a media file name: {name!r}")
        return self.root / name

    def put(self, name: str, data: bytes, media_id: int | None = None) -> None:
        target = self.path(name)
        if target.exists():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, name: str) -> bytes | None:
        try:
            return self.path(name).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def names(self) -> Iterator[str]:
        if self.root.is_dir():
            for entry in self.root.iterdir():
                if parse_name(entry.name) is not None:
                    yield entry.name

    def sizes(self, names: Collection[str]) -> dict[str, int]:
        found = {}
        for name in names:
            with suppress(OSError, ValueError):  # not there: it has no size
                found[name] = self.path(name).stat().st_size
        return found

    def contents(self, connection: sa.Connection, names: Collection[str]) -> dict[str, bytes]:
        found = {name: self.get(name) for name in names}
        return {name: data for name, data in found.items() if data is not None}

    def writer(self, connection: sa.Connection) -> FolderWriter:
        return FolderWriter(self)


class FolderWriter(StoreWriter):
    """Writes files into a FileStore's folder at once; those it added are removed again if the
    transaction fails (the folder is not part of it)."""

    def __init__(self, store: FileStore) -> None:
        self.store = store
        self.added: list[Path] = []

    def keep(self, name: str, media_id: int, data: bytes) -> None:
        """Write the file now, unless it is there already (then it is of the same picture)."""
        path = self.store.path(name)
        if not path.exists():
            self.store.put(name, data, media_id)
            self.added.append(path)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """When the restore failed, remove the files this writer added."""
        if error is not None:
            for path in self.added:
                path.unlink(missing_ok=True)


class DatabaseStore:
    """Files as rows of media_files, in the current transaction (the caller commits)."""

    def put(self, name: str, data: bytes, media_id: int | None = None) -> None:
        if db.session.get(MediaFile, name) is None:
            db.session.add(MediaFile(name=name, media_id=media_id, content=data))

    def get(self, name: str) -> bytes | None:
        return db.session.scalar(sa.select(MediaFile.content).where(MediaFile.name == name))

    def names(self) -> Iterator[str]:
        yield from db.session.scalars(sa.select(MediaFile.name))

    def sizes(self, names: Collection[str]) -> dict[str, int]:
        if not names:
            return {}
        query = sa.select(MediaFile.name, sa.func.length(MediaFile.content)).where(
            MediaFile.name.in_(names)
        )
        return {name: length for name, length in db.session.execute(query)}

    def contents(self, connection: sa.Connection, names: Collection[str]) -> dict[str, bytes]:
        query = sa.select(MediaFile.name, MediaFile.content).where(MediaFile.name.in_(names))
        return {name: bytes(content) for name, content in connection.execute(query)}

    def writer(self, connection: sa.Connection) -> TableWriter:
        return TableWriter(connection)


class TableWriter(StoreWriter):
    """Inserts files into media_files in a connection's transaction, BATCH_BYTES a statement."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.held: list[dict[str, Any]] = []
        self.held_bytes = 0

    def keep(self, name: str, media_id: int, data: bytes) -> None:
        """Hold the file, and insert what is held once it is BATCH_BYTES."""
        self.held.append({"name": name, "media_id": media_id, "content": data})
        self.held_bytes += len(data)
        if self.held_bytes >= BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        """Insert what is held."""
        if self.held:
            self.connection.execute(sa.insert(MediaFile), self.held)
        self.held, self.held_bytes = [], 0


def media_dir(app: Flask) -> Path:
    """The folder of the files store: MEDIA_DIR, relative to the instance folder."""
    return Path(app.instance_path) / app.config["MEDIA_DIR"]


def store_for(app: Flask) -> MediaStore:
    """The store MEDIA_STORE names."""
    kind = app.config["MEDIA_STORE"]
    if kind == DATABASE:
        return DatabaseStore()
    if kind == FILES:
        return FileStore(media_dir(app))
    raise ValueError(f"MEDIA_STORE must be one of {STORES}, not {kind!r}")


def current_store() -> MediaStore:
    """This app's store."""
    return store_for(current_app)
