"""What the audit log keeps of readers' data requests: never the address.

After an erasure nothing the site keeps should name the person, the audit log included. Each
entry names the address by a short keyed digest instead (HMAC-SHA256 with SECRET_KEY of the
inbox it reaches, blog.subscriptions.followers.mailbox_of, 12 hex digits): the same address,
in any spelling, always gives the same digest, so repeated requests can be matched, and without
the key no one can test a guessed address against the log. Staff actions carry who took them.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app

from blog.extensions import db
from blog.models import ModerationAction
from blog.subscriptions.followers import mailbox_of

#: The audit log's actions (blog.admin.audit names and filters them).
REQUEST = "data-request"
EXPORT = "data-export"
ERASE = "data-erase"

#: The outcomes of a request, as the log says them.
LINK_SENT = "link sent"
NOTHING_HELD = "nothing held, no email"
DIGEST_LENGTH = 12


def address_digest(address: str) -> str:
    """A short keyed digest naming the address's inbox in the log."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"your-data-address:{mailbox_of(address)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:DIGEST_LENGTH]


def record(action: str, address: str, outcome: str, staff_id: int | None = None) -> None:
    """Add an entry to the audit log in the session's transaction (staff_id None: the reader)."""
    db.session.add(
        ModerationAction(
            action=action,
            staff_id=staff_id,
            detail=f"address {address_digest(address)}: {outcome}"[:300],
        )
    )
