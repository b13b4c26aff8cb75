"""What every staff page shows around its content: the staff area's and the editorial area's."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_login import current_user

from blog.admin import outbox, queries
from blog.auth.accounts import shows_username


def staff_navigation() -> dict[str, Any]:
    """The pending-count badge on every staff page, for admins the count of mail the outbox
    gave up on, and whether to warn that the person's public name gives their username away
    (accounts made before display names were asked). Nothing while the page is the one saying
    the database cannot be reached (blog.errors)."""
    if g.get("database_unreachable"):
        return {}
    name_shows_username = current_user.is_authenticated and shows_username(
        current_user.display_name, current_user.username
    )
    is_admin = current_user.is_authenticated and current_user.is_admin
    return {
        "pending_badge": queries.pending_count(),
        "outbox_failed_badge": outbox.failed_count() if is_admin else None,
        "name_shows_username": name_shows_username,
    }
