"""What an importer brought in, keyed by the source's ids (the import_keys table).

A key is kept after its row is purged or erased: importing the file again finds the key and
skips the item, so nothing comes back that was removed on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from blog.extensions import db
from blog.models import ImportKey


def known(source: str, kind: str, source_ids: Iterable[str]) -> dict[str, int | None]:
    """Of source_ids, those already imported: each with the id of the row made from it (None
    once that row is gone or was never made, such as a skipped item)."""
    ids = list(dict.fromkeys(source_ids))
    found: dict[str, int | None] = {}
    for start in range(0, len(ids), 500):  # within every database's limit on parameters
        rows = db.session.execute(
            sa.select(ImportKey.source_id, ImportKey.local_id).where(
                ImportKey.source == source,
                ImportKey.kind == kind,
                ImportKey.source_id.in_(ids[start : start + 500]),
            )
        )
        found.update((source_id, local_id) for source_id, local_id in rows)
    return found


def remember(source: str, kind: str, source_id: str, local_id: int | None) -> None:
    """Note that source_id became local_id here; the caller commits."""
    db.session.add(ImportKey(source=source, kind=kind, source_id=source_id, local_id=local_id))
