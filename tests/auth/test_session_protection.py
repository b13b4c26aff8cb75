"""The one private Flask-Login method we override still exists and is still what decides.

These fail when Flask-Login changes, which is the point: blog.extensions.StaffLoginManager says why
the override exists; the behaviour itself is tested in test_login.py.
"""

from __future__ import annotations

import inspect

import flask_login
from flask_login import LoginManager

from blog.extensions import StaffLoginManager, login_manager


def test_flask_login_is_the_version_the_override_was_written_for():
    assert flask_login.__version__.startswith("0.6."), (
        "Flask-Login changed: check StaffLoginManager._session_protection_failed against it"
    )


def test_the_overridden_method_still_exists_with_the_same_signature():
    method = LoginManager._session_protection_failed
    assert list(inspect.signature(method).parameters) == ["self"]


def test_loading_the_user_still_asks_the_overridden_method_first():
    source = inspect.getsource(LoginManager._load_user)
    assert "self._session_protection_failed()" in source
    assert source.index("_session_protection_failed") < source.index("_user_callback(")


def test_the_app_uses_the_adapter():
    assert isinstance(login_manager, StaffLoginManager)
