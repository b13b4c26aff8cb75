"""What an importer brought in, keyed by the source's ids (the import_keys table).

A key is kept after its row is purged or erased: importing the file again finds the key and
skips the item, so nothing comes back that was removed on purpose.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import sqlalchemy as sa

from blog.extensions import db
from blog.models import ImportKey

#: The longest source and source id a key holds as they are (the columns' lengths); a longer
#: one is kept as its digest, so no file can make a key that does not fit (PostgreSQL would
#: refuse it mid-import).
SOURCE_LENGTH = 300
SOURCE_ID_LENGTH = 200


def fitted(value: str, length: int) -> str:
    """value as a key column holds it: itself when it fits, else "sha256:" and its digest."""
    if len(value) <= length:
        return value
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def known(source: str, kind: str, source_ids: Iterable[str]) -> dict[str, int | None]:
    """Of source_ids, those already imported: each with the id of the row made from it (None
    once that row is gone or was never made, such as a skipped item)."""
    wanted = {fitted(i, SOURCE_ID_LENGTH): i for i in source_ids}
    source = fitted(source, SOURCE_LENGTH)
    ids = list(wanted)
    found: dict[str, int | None] = {}
    for start in range(0, len(ids), 500):  # within every database's limit on parameters
        rows = db.session.execute(
            sa.select(ImportKey.source_id, ImportKey.local_id).where(
                ImportKey.source == source,
                ImportKey.kind == kind,
                ImportKey.source_id.in_(ids[start : start + 500]),
            )
        )
        found.update((wanted[source_id], local_id) for source_id, local_id in rows)
    return found


def remember(source: str, kind: str, source_id: str, local_id: int | None) -> None:
    """Note that source_id became local_id here; the caller commits."""
    db.session.add(
        ImportKey(
            source=fitted(source, SOURCE_LENGTH),
            kind=kind,
            source_id=fitted(source_id, SOURCE_ID_LENGTH),
            local_id=local_id,
        )
    )
