"""The use cases of readers' data, each one transaction that commits: asking for a link, a
download, an erasure. Readers reach them through a signed link (routes.py), admins from the
staff area (staff.py); every one is in the audit log (records.py), never with the address.
"""

from __future__ import annotations

from typing import Any

from blog.database import begin_write
from blog.extensions import db
from blog.outbox.queue import enqueue
from blog.privacy import records
from blog.privacy.holdings import Erased, erase, export_of, holdings_of, remove_files
from blog.privacy.links import MAIL_KIND, YOUR_DATA, data_message
from blog.signing import spend


def ask_for_link(address: str) -> bool:
    """Email the address a link to its data when the site holds anything for it; True when
    one was written. Either way the request is in the audit log; the caller answers the same."""
    held = holdings_of(address).anything  # read first: the pickup folder is not the database
    begin_write(db.session)
    if held:
        enqueue(data_message(address), [address], kind=MAIL_KIND)
    records.record(records.REQUEST, address, records.LINK_SENT if held else records.NOTHING_HELD)
    db.session.commit()
    return held


def download(address: str, staff_id: int | None = None) -> dict[str, Any]:
    """Everything held about the address, as a document; the download is in the audit log."""
    document = export_of(address)
    begin_write(db.session)
    records.record(
        records.EXPORT, address, f"downloaded ({len(document['comments'])} comments)", staff_id
    )
    db.session.commit()
    return document


def erase_address(
    address: str, *, delete_text: bool, staff_id: int | None = None, token: str | None = None
) -> Erased | None:
    """Erase what is held for the address (holdings.erase), in one transaction with its audit
    entry, then delete its mail files. With a reader's link (token), the link is spent in the
    same transaction: None, and nothing done, when it was spent already."""
    begin_write(db.session)
    if token is not None and not spend(YOUR_DATA, token):
        db.session.rollback()
        return None
    done = erase(address, delete_text=delete_text)
    records.record(records.ERASE, address, done.summary(), staff_id)
    db.session.commit()
    remove_files(done.files)
    return done
