"""The media library's use cases: an upload becomes a picture, kept once however often it is
uploaded."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from blog.extensions import db
from blog.inputs import CONTROL_CHARACTERS
from blog.media.processing import Limits, Processed, process_upload, upload_digest
from blog.media.store import current_store
from blog.models import Media

#: The longest original file name kept (the column's length).
NAME_LENGTH = 255


def upload_limits() -> Limits:
    """The bounds the settings put on an upload."""
    config = current_app.config
    return Limits(config["MEDIA_MAX_UPLOAD_BYTES"], config["MEDIA_MAX_PIXELS"])


def kept_name(original_name: str | None) -> str:
    """The uploader's file name as the library shows it: no control characters (a NUL cannot
    even be stored on PostgreSQL), at most NAME_LENGTH characters."""
    return CONTROL_CHARACTERS.sub("", original_name or "")[:NAME_LENGTH]


def kept_picture(data: bytes) -> Media | None:
    """The picture already made from these bytes, if they were uploaded before."""
    return db.session.scalar(sa.select(Media).where(Media.digest == upload_digest(data)))


def add_processed(
    processed: Processed, original_name: str = "", staff_id: int | None = None
) -> Media:
    """A processed upload's row and files, or the row another request added for the same bytes
    meanwhile. The caller commits."""
    media = Media(
        digest=processed.digest,
        format=processed.format,
        width=processed.width,
        height=processed.height,
        original_name=kept_name(original_name),
        stored_bytes=processed.stored_bytes,
        uploaded_by_id=staff_id,
    )
    try:
        with db.session.begin_nested():  # the same file uploaded at once elsewhere: keep theirs
            db.session.add(media)
            db.session.flush()
    except IntegrityError:
        return db.session.scalars(sa.select(Media).where(Media.digest == processed.digest)).one()
    store = current_store()
    for name, content in processed.files.items():
        store.put(str(name), content, media.id)
    return media


def add_picture(data: bytes, original_name: str = "", staff_id: int | None = None) -> Media:
    """The picture these bytes make, checked and stored, in the caller's transaction (which
    commits); the one already kept when the same file was uploaded before. Refused
    (blog.refusals) with a message otherwise. For commands and the demo: a request uses
    upload_picture."""
    known = kept_picture(data)
    if known is not None:
        return known
    return add_processed(process_upload(data, upload_limits()), original_name, staff_id)


def upload_picture(data: bytes, original_name: str = "", staff_id: int | None = None) -> Media:
    """A staff member's upload as a picture, committed; Refused with a message otherwise.

    The request's transaction is committed before the picture is decoded, turned and encoded
    (a second or more for a large photo) and a new one opened for its row: on SQLite a request
    that may write holds the write lock from its first statement, and no comment or login
    should wait for an editor's photo. Call it before the request changes anything else.
    """
    known = kept_picture(data)
    if known is not None:
        return known
    db.session.commit()
    processed = process_upload(data, upload_limits())
    media = add_processed(processed, original_name, staff_id)
    db.session.commit()
    return media
