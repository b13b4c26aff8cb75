"""What production (serving through wsgi.py) refuses and warns about, without a server."""

from __future__ import annotations

import secrets

import pytest

from blog import create_app
from blog.production import (
    ConfigurationError,
    production_problems,
    redirect_loop_warning,
    secret_key_problem,
    shared_limits_warning,
    startup_warnings,
)

STRONG = secrets.token_hex(32)
GOOD = {"SECRET_KEY": STRONG, "SITE_URL": "https://news.example.org", "DEBUG": False}


@pytest.mark.parametrize(
    "key",
    ["dev", "Dev", "secret", "changeme", "shared-secret", "x" * 31, "a1" * 40, "", None, b"dev"],
)
def test_weak_or_short_secret_keys_are_refused(key):
    problem = secret_key_problem(key)
    assert problem is not None and problem.startswith("SECRET_KEY ")
    assert "\n" not in problem


@pytest.mark.parametrize(
    "key",
    [STRONG, secrets.token_urlsafe(32), "correct horse battery staple, and then some more"],
)
def test_long_random_secret_keys_are_accepted(key):
    assert secret_key_problem(key) is None


def test_good_settings_have_no_problem():
    assert production_problems(GOOD) == []


@pytest.mark.parametrize(
    ("change", "setting"),
    [
        ({"DEBUG": True}, "DEBUG"),
        ({"SECRET_KEY": "dev"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short-but-not-a-placeholder"}, "SECRET_KEY"),
        ({"SITE_URL": None}, "SITE_URL"),
    ],
)
def test_each_problem_is_one_line_naming_its_setting(change, setting):
    [problem] = production_problems({**GOOD, **change})
    assert problem.startswith(f"{setting} ") and "\n" not in problem


def test_create_app_refuses_in_production_only(tmp_path):
    database = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    weak = {**database, "SECRET_KEY": "dev", "SITE_URL": "https://news.example.org"}
    assert create_app(weak).secret_key == "dev"  # flask run, the tests: development
    with pytest.raises(ConfigurationError, match="^SECRET_KEY is a well-known placeholder"):
        create_app(weak, production=True)
    with pytest.raises(ConfigurationError, match="^SITE_URL is not set"):
        create_app({**database, "SECRET_KEY": STRONG}, production=True)
    app = create_app({**database, **GOOD}, production=True)
    assert app.config["TRUSTED_HOSTS"] == ["news.example.org"]


def test_a_generated_secret_key_is_good_enough_for_production(tmp_path):
    database = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    app = create_app({**database, "SITE_URL": "https://news.example.org"}, production=True)
    assert secret_key_problem(app.secret_key) is None


def test_limits_in_memory_with_several_workers_are_warned_about_naming_the_setting():
    memory = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}
    warning = shared_limits_warning(memory, workers=4)
    assert "RATELIMIT_STORAGE_URI" in warning and "4 workers" in warning
    assert shared_limits_warning(memory, workers=1) is None
    redis = {**memory, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}
    assert shared_limits_warning(redis, workers=4) is None
    assert shared_limits_warning({**memory, "RATELIMIT_ENABLED": False}, workers=4) is None


def test_an_https_site_url_with_no_proxy_believed_is_warned_about_naming_the_setting():
    https = {"SITE_URL": "https://news.example.org", "PROXY_HOPS": 0}
    warning = redirect_loop_warning(https, serves_tls=False)
    assert warning.startswith("SITE_URL is https but PROXY_HOPS is 0")
    assert "FLASK_PROXY_HOPS" in warning
    assert redirect_loop_warning(https, serves_tls=True) is None  # gunicorn --certfile
    assert redirect_loop_warning({**https, "PROXY_HOPS": 1}, serves_tls=False) is None
    assert redirect_loop_warning({**https, "SITE_URL": "http://x"}, serves_tls=False) is None


def test_startup_warnings_gather_both():
    config = {**GOOD, "PROXY_HOPS": 0, "RATELIMIT_STORAGE_URI": "memory://"}
    assert len(startup_warnings(config, workers=2, serves_tls=False)) == 2
    assert startup_warnings({**config, "PROXY_HOPS": 1}, workers=1, serves_tls=False) == []
