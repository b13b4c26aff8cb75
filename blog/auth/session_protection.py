"""Flask-Login's "strong" session protection, applied to logged-in sessions only.

The one place this codebase leans on a library's private API, and why: Flask-Login 0.6 has no
public hook for session protection. Its public setting is the mode alone ("basic", "strong" or
none), and it checks every session that holds anything, so a reader's session (a CSRF token,
their pending comments), which holds no login to protect, would be rewritten and any remember
cookie deleted on every request from a new address or browser. Doing the check ourselves with
the mode off would need more of its private parts, not fewer: the identifier it stores at login
(LoginManager._session_identifier_generator) and its session keys (_id, _remember). So the
override stays, here alone, and tests/auth/test_session_protection.py fails as soon as
Flask-Login changes what it relies on.
"""

from __future__ import annotations

from flask import session
from flask_login import LoginManager


class StaffLoginManager(LoginManager):
    """Flask-Login, with "strong" session protection applied to logged-in sessions only."""

    def _session_protection_failed(self) -> bool:
        if "_user_id" not in session:
            return False
        return super()._session_protection_failed()
