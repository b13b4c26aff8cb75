"""The pictures' files in an export (blog.porting.backup), whichever store keeps them.

The document carries them inside itself, in its last array, one file a row, base64: one
document is still the whole site, `flask export - | ssh … flask restore -` still carries all of
it, and a restore stays all or nothing. Export reads them picture by picture, holding one
picture's files at a time; restore checks each (one of our names, of a picture in the document,
a picture of the size and format its name says, without EXIF or XMP) and writes it to the
site's store, which undoes what it wrote when the restore fails (MediaStore.writer).
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from flask import current_app
from PIL import Image, UnidentifiedImageError

from blog.media.names import EXTENSIONS, parse_name
from blog.media.store import MediaStore, StoreWriter, store_for
from blog.models import Media
from blog.porting.backup_format import RestoreRefused

#: Pillow's name for each of our extensions.
PILLOW_FORMATS = {ext: fmt.upper() for fmt, ext in EXTENSIONS.items()}


def stored_files(
    connection: sa.Connection, store: MediaStore, batch: int, missing: list[str]
) -> Iterator[dict[str, Any]]:
    """Every picture's files as the format's rows: pictures in id order, each one's files in
    the order of Media.all_files, so either store gives the same document. Files of no picture
    (an upload whose transaction failed) are left out; the name of a picture's file the store
    lacks is added to missing."""
    columns = (Media.id, Media.digest, Media.format, Media.width, Media.height)
    last = 0
    while True:
        query = sa.select(*columns).where(Media.id > last).order_by(Media.id).limit(batch)
        pictures = connection.execute(query).all()
        if not pictures:
            return
        last = pictures[-1].id
        for _id, digest, fmt, width, height in pictures:
            picture = Media(digest=digest, format=fmt, width=width, height=height)
            names = [str(name) for name in picture.all_files()]
            contents = store.contents(connection, names)
            for name in names:
                if name in contents:
                    yield {"name": name, "content": base64.b64encode(contents[name]).decode()}
                else:
                    missing.append(name)


def checked_file(row: dict[str, Any], where: str) -> tuple[str, str, bytes]:
    """A row of the files' array as (name, its picture's digest, bytes), checked: one of our
    names, base64 of a picture in the format and of the size that name says, with no EXIF or
    XMP (which /media/ would publish: where a photo was taken, the camera's serial)."""
    name = parse_name(row["name"])
    if name is None:
        raise RestoreRefused(f"{where}: {row['name']!r} is not the name of a picture's file")
    try:
        data = base64.b64decode(row["content"], validate=True)
    except (binascii.Error, ValueError):
        raise RestoreRefused(f"{where}: content is not base64") from None
    try:
        with Image.open(io.BytesIO(data)) as image:
            found = (image.format, image.size)
            metadata = len(image.getexif()) > 0 or "xmp" in image.info
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        found, metadata = None, False
    if found != (PILLOW_FORMATS[name.ext], (name.file_width, name.file_height)):
        raise RestoreRefused(f"{where}: {name} is not the picture its name says")
    if metadata:  # an upload's is stripped; this file was made or edited elsewhere
        raise RestoreRefused(f"{where}: {name} carries EXIF or XMP metadata (a camera, a place)")
    return str(name), name.digest, data


@contextmanager
def _refused_when_twice() -> Iterator[None]:
    """A file the document has twice (the table refuses its name again) refuses the document."""
    try:
        yield
    except sa.exc.IntegrityError:
        raise RestoreRefused("the document has a picture's file twice") from None


class FileWriter:
    """Writes a restore's files to the site's store (for_store); the pictures' rows come first."""

    def __init__(self, connection: sa.Connection, store_writer: StoreWriter) -> None:
        self.connection = connection
        self.store_writer = store_writer
        self._digest = ""
        self._media_id = 0

    @staticmethod
    def for_store(connection: sa.Connection) -> FileWriter:
        """The writer for this site's MEDIA_STORE, writing in the restore's transaction."""
        return FileWriter(connection, store_for(current_app).writer(connection))

    def media_id(self, digest: str, where: str) -> int:
        """The restored picture with this digest (a file of none refuses the document)."""
        if digest != self._digest:  # a picture's files come together: one query per picture
            found = self.connection.scalar(sa.select(Media.id).where(Media.digest == digest))
            if found is None:
                raise RestoreRefused(f"{where}: a file of no picture in the document")
            self._digest, self._media_id = digest, found
        return self._media_id

    def write(self, row: dict[str, Any], where: str) -> None:
        """Check a row of the files' array and keep its file."""
        name, digest, data = checked_file(row, where)
        media_id = self.media_id(digest, where)
        with _refused_when_twice():
            self.store_writer.keep(name, media_id, data)

    def flush(self) -> None:
        """Write what is still held."""
        with _refused_when_twice():
            self.store_writer.flush()

    def __enter__(self) -> FileWriter:
        self.store_writer.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """When the restore fails, the store undoes what the transaction does not."""
        self.store_writer.__exit__(kind, error, traceback)
