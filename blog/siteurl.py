"""The site's one public address, SITE_URL, and every absolute URL built on it.

An absolute URL that leaves a request (an email to staff, a feed, the sitemap, a canonical link,
JSON-LD, og:url) must never be built from the request's Host header: a commenter who sends
`Host: evil.example` would otherwise have the site mail staff a link to evil.example. So every
such URL is SITE_URL plus the route's path, and the hosts the site answers to default to
SITE_URL's own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, url_for
from werkzeug.sansio.utils import host_is_trusted

#: Where `flask run` serves by default: SITE_URL when none is set outside production.
DEVELOPMENT_SITE_URL = "http://127.0.0.1:5000"
#: The test client's address: SITE_URL when none is set under TESTING.
TESTING_SITE_URL = "http://localhost"
#: Hosts a developer's browser may use besides SITE_URL's (never trusted in production).
DEVELOPMENT_HOSTS = ("localhost", "127.0.0.1")


def normalise_site_url(value: str) -> str:
    """'https://News.Example.org/' -> 'https://news.example.org'; ValueError if it is not
    an http(s) address of a host alone (a path, query or fragment would be lost or misread)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"SITE_URL must be http:// or https:// and a host, not {value!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"SITE_URL must be a scheme and a host only, not {value!r}")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"SITE_URL has an invalid port: {value!r}") from None
    default_port = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}"


def configured_site_url(config: Mapping[str, Any]) -> str:
    """SITE_URL as set, or else the address of the test client or of `flask run`."""
    value = config.get("SITE_URL")
    if not value:
        value = TESTING_SITE_URL if config.get("TESTING") else DEVELOPMENT_SITE_URL
    return normalise_site_url(value)


def default_trusted_hosts(site_url: str, *, production: bool) -> list[str]:
    """SITE_URL's host; outside production, the local names a developer browses with too."""
    host = urlsplit(site_url).hostname
    hosts = [host]
    if not production:
        hosts += [name for name in DEVELOPMENT_HOSTS if name != host]
    return hosts


def is_trusted_host(host: str, trusted: list[str] | None) -> bool:
    """Whether a Host header (with or without a port) names one of the trusted hosts.

    Werkzeug's own rule, the one Flask applies to TRUSTED_HOSTS, so code that answers before
    Flask (the fast path) accepts exactly the hosts Flask does.
    """
    return host_is_trusted(host, trusted)


def site_url() -> str:
    """The current app's SITE_URL ('https://news.example.org', no trailing slash)."""
    return current_app.config["SITE_URL"]


def site_url_for(endpoint: str, **values: Any) -> str:
    """url_for, made absolute on SITE_URL rather than on the request's Host header."""
    return site_url() + url_for(endpoint, **values)


#: Stand-ins for a year and month that cannot occur in a real address, replaced by formatting.
_YEAR, _MONTH = 9999, 99


def month_url_pattern(endpoint: str, *, external: bool = True) -> Callable[[int, int], str]:
    """endpoint's address for a year and month, as a format: one url_for for a page that links
    hundreds of months (the archive, the sitemap index)."""
    build = site_url_for if external else url_for
    pattern = build(endpoint, year=_YEAR, month=_MONTH)
    pattern = pattern.replace(f"{_YEAR:04d}", "{0:04d}", 1).replace(f"{_MONTH:02d}", "{1:02d}", 1)
    return pattern.format
