"""The app factory: configuration order, the secret key, SQLite settings, the site address."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from blog import create_app, instance_secret_key
from blog.extensions import db
from blog.production import ConfigurationError

SITE = "https://news.example.org"


def test_defaults_come_from_code(app):
    assert app.config["SITE_NAME"] == "The Ledger"
    assert app.config["MAX_CONTENT_LENGTH"] == 64 * 1024


def test_environment_overrides_defaults_and_test_config_overrides_both(monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_SITE_NAME", "From the environment")
    monkeypatch.setenv("FLASK_SITE_TAGLINE", "Tagline from the environment")
    database = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    app = create_app({"SECRET_KEY": "k", "SITE_TAGLINE": "From the test", **database})
    assert app.config["SITE_NAME"] == "From the environment"
    assert app.config["SITE_TAGLINE"] == "From the test"


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    app = create_app({"SECRET_KEY": "k"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (f"sqlite:///{app.instance_path}/blog.sqlite3")


def test_secret_key_is_generated_once_with_mode_600(tmp_path):
    path = tmp_path / "secret_key"
    first = instance_secret_key(path)
    assert len(first) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert instance_secret_key(path) == first


def test_app_without_a_secret_key_uses_the_kept_one(tmp_path):
    database = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    app = create_app(database)
    assert app.secret_key == (Path(app.instance_path) / "secret_key").read_text().strip()
    assert create_app(database).secret_key == app.secret_key


def test_an_empty_key_file_is_an_error_not_an_empty_secret(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("")
    with pytest.raises(RuntimeError, match="empty"):
        instance_secret_key(path)


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path):
    # SQLite is the embedded default whatever database the rest of the suite runs on.
    database = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    app = create_app({"SECRET_KEY": "k", **database})
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar() == 5000
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_factory_fills_in_site_url_and_trusted_hosts(tmp_path):
    database = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    app = create_app({"SECRET_KEY": "k", "SITE_URL": "https://News.Example.org/", **database})
    assert app.config["SITE_URL"] == SITE
    assert app.config["TRUSTED_HOSTS"] == ["news.example.org", "localhost", "127.0.0.1"]
    chosen = create_app({"SECRET_KEY": "k", "TRUSTED_HOSTS": ["a.example"], **database})
    assert chosen.config["TRUSTED_HOSTS"] == ["a.example"]
    with pytest.raises(ConfigurationError, match="SITE_URL"):
        create_app({"SECRET_KEY": "k", "SITE_URL": "news.example.org", **database})
