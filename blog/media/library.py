"""The media library's use case: an upload becomes a picture, kept once however often it is
uploaded."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from blog.extensions import db
from blog.media.processing import Limits, process_upload, upload_digest
from blog.media.store import current_store
from blog.models import Media


def upload_limits() -> Limits:
    """The bounds the settings put on an upload."""
    config = current_app.config
    return Limits(config["MEDIA_MAX_UPLOAD_BYTES"], config["MEDIA_MAX_PIXELS"])


def add_picture(data: bytes, original_name: str = "", staff_id: int | None = None) -> Media:
    """The picture these bytes make, checked and stored; the one already kept when the same
    file was uploaded before. Refused (blog.refusals) with a message otherwise. The caller
    commits."""
    known = db.session.scalar(sa.select(Media).where(Media.digest == upload_digest(data)))
    if known is not None:
        return known
    processed = process_upload(data, upload_limits())
    media = Media(
        digest=processed.digest,
        format=processed.format,
        width=processed.width,
        height=processed.height,
        original_name=(original_name or "")[:255],
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
