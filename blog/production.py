"""What serving the site in production requires, checked before it serves a request.

"Production" means served through wsgi.py (gunicorn or any WSGI server): that is the entry
point the README's deployment uses, and the only one that is. `flask run` (with or without
--debug) and the tests are development. In production the site refuses to start, with one line
naming the setting, rather than run with a guessable secret key, the debugger on, or no
SITE_URL to build its links on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: A secret key shorter than this (in bytes) can be guessed or brute-forced offline from one
#: signed cookie; a generated key (instance/secret_key) has 64 hex characters.
MIN_SECRET_KEY_BYTES = 32
#: Fewer distinct characters than this is a pattern ("xxxx…", "abababab…"), not a secret.
MIN_SECRET_KEY_DISTINCT = 8
#: Placeholders copied from examples and tutorials, refused whatever their length.
KNOWN_WEAK_SECRET_KEYS = frozenset(
    {
        "dev",
        "development",
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "changeme",
        "change-me",
        "change_me",
        "test",
        "testing",
        "default",
        "your-secret-key",
        "your_secret_key",
        "replace-me",
        "please-change-me",
        "please-change-this-secret-key",
    }
)
HOW_TO_MAKE_A_KEY = (
    "set FLASK_SECRET_KEY to a long random value "
    "(python -c 'import secrets; print(secrets.token_hex(32))'), "
    "or unset it to have one generated in instance/secret_key"
)


class ConfigurationError(RuntimeError):
    """A setting the site will not run with; the message is one line naming the setting."""


def secret_key_problem(key: str | bytes | None) -> str | None:
    """Why this secret key must not sign production cookies, or None if it may."""
    if not key:
        return f"SECRET_KEY is empty: {HOW_TO_MAKE_A_KEY}"
    raw = key.encode() if isinstance(key, str) else key
    if raw.decode(errors="replace").strip().lower() in KNOWN_WEAK_SECRET_KEYS:
        return f"SECRET_KEY is a well-known placeholder: {HOW_TO_MAKE_A_KEY}"
    if len(raw) < MIN_SECRET_KEY_BYTES:
        return (
            f"SECRET_KEY is too short ({len(raw)} bytes, at least {MIN_SECRET_KEY_BYTES}): "
            f"{HOW_TO_MAKE_A_KEY}"
        )
    if len(set(raw)) < MIN_SECRET_KEY_DISTINCT:
        return f"SECRET_KEY is a repeated pattern, not a secret: {HOW_TO_MAKE_A_KEY}"
    return None


def production_problems(config: Mapping[str, Any]) -> list[str]:
    """Every reason these settings must not be served in production (empty when they may)."""
    problems = []
    if config.get("DEBUG"):
        problems.append(
            "DEBUG is on (FLASK_DEBUG): the debugger would run code for anyone; unset FLASK_DEBUG"
        )
    if problem := secret_key_problem(config.get("SECRET_KEY")):
        problems.append(problem)
    if not config.get("SITE_URL"):
        problems.append(
            "SITE_URL is not set: set FLASK_SITE_URL to the site's public address, "
            "e.g. https://news.example.org"
        )
    return problems


def check_production_config(config: Mapping[str, Any]) -> None:
    """Raise ConfigurationError with the first problem, if there is one."""
    if problems := production_problems(config):
        raise ConfigurationError(problems[0])


def startup_warnings(config: Mapping[str, Any], *, workers: int, serves_tls: bool) -> list[str]:
    """What the server should say once when it starts: settings that work, but not as meant."""
    found = [
        shared_limits_warning(config, workers),
        redirect_loop_warning(config, serves_tls=serves_tls),
    ]
    return [warning for warning in found if warning]


def redirect_loop_warning(config: Mapping[str, Any], *, serves_tls: bool) -> str | None:
    """The warning for an https SITE_URL served as plain HTTP with no proxy believed.

    Every request then looks like plain HTTP and is redirected to https; behind a proxy that
    terminates TLS, the redirected request arrives as plain HTTP again, in a loop.
    """
    https = str(config.get("SITE_URL") or "").startswith("https://")
    if not https or serves_tls or int(config.get("PROXY_HOPS") or 0) > 0:
        return None
    return (
        "SITE_URL is https but PROXY_HOPS is 0 and this server speaks plain HTTP: every request "
        "is redirected to https (in a loop behind a TLS proxy); set FLASK_PROXY_HOPS to the "
        "number of proxies in front"
    )


def shared_limits_warning(config: Mapping[str, Any], workers: int) -> str | None:
    """The warning for rate limits kept in each worker's memory when there are several workers.

    Each worker would count on its own, so a client gets up to `workers` times every limit
    (failed logins included) depending on which worker answers.
    """
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if workers <= 1 or not config.get("RATELIMIT_ENABLED", True):
        return None
    if not storage.startswith("memory://"):
        return None
    return (
        f"rate limits are counted in each worker's memory (RATELIMIT_STORAGE_URI={storage}) "
        f"but {workers} workers serve: a client gets up to {workers} times every limit; "
        "set FLASK_RATELIMIT_STORAGE_URI=redis://host:6379 to share them"
    )
