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
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from flask import Flask, current_app

from blog.extensions import db
from blog.media.names import parse_name
from blog.models import MediaFile

FILES = "files"
DATABASE = "database"
STORES = (FILES, DATABASE)


class MediaStore(Protocol):
    """A place for pictures' files, by name (blog.media.names)."""

    def put(self, name: str, data: bytes, media_id: int | None) -> None:
        """Keep a file (a name always has the same bytes: writing it again is harmless)."""

    def get(self, name: str) -> bytes | None:
        """A file's bytes, or None when it is not kept here."""

    def names(self) -> Iterator[str]:
        """Every file kept here, in no particular order."""


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


class DatabaseStore:
    """Files as rows of media_files, in the current transaction (the caller commits)."""

    def put(self, name: str, data: bytes, media_id: int | None = None) -> None:
        if db.session.get(MediaFile, name) is None:
            db.session.add(MediaFile(name=name, media_id=media_id, content=data))

    def get(self, name: str) -> bytes | None:
        return db.session.scalar(sa.select(MediaFile.content).where(MediaFile.name == name))

    def names(self) -> Iterator[str]:
        yield from db.session.scalars(sa.select(MediaFile.name))


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
