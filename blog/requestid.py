"""A request id for every request: on each of its log lines, its response and its 500/503 page.

A reader who meets an error page can quote the id, and staff can find that request's log lines
by it. The id is the trusted proxy's X-Request-ID when there is a proxy (PROXY_HOPS > 0) and
the value is a plain token; otherwise it is made here. A client's own header is never believed
without a proxy that sets it, and nothing that is not a short token is ever echoed into a log
line or a page.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from flask import Flask
from flask.logging import default_handler
from werkzeug.wsgi import ClosingIterator

REQUEST_ID_HEADER = "X-Request-ID"
#: What a proxy's id may look like: a UUID, nginx's $request_id, a load balancer's trace id.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
#: The id of the request this thread (or task) is serving, for log records and error pages.
_current_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
#: Flask's own log format, with the request id.
LOG_FORMAT = "[%(asctime)s] %(levelname)s in %(module)s [request %(request_id)s]: %(message)s"


def valid_request_id(value: str | None) -> bool:
    """Whether a proxy's X-Request-ID is a plain token, safe to log and show as it is."""
    return value is not None and _VALID_REQUEST_ID.fullmatch(value) is not None


def new_request_id() -> str:
    """A fresh id: 16 hex digits, short enough to read out, random enough not to repeat."""
    return secrets.token_hex(8)


def request_id_for(environ: dict, *, trust_proxy: bool) -> str:
    """The proxy's X-Request-ID when it is trusted and valid, else a new id."""
    given = environ.get("HTTP_X_REQUEST_ID")
    if trust_proxy and valid_request_id(given):
        return given
    return new_request_id()


def current_request_id() -> str | None:
    """The id of the request being served, or None outside a request."""
    return _current_request_id.get()


class RequestIds:
    """WSGI middleware: gives each request its id, and sends it back as X-Request-ID.

    Middleware rather than a before_request hook, so that responses made before Flask runs
    (the fast path, the HTTPS redirect) have one too, and so do log lines written while the
    response body is being sent.
    """

    def __init__(self, wsgi_app: Callable, *, trust_proxy: bool) -> None:
        self.wsgi_app = wsgi_app
        self.trust_proxy = trust_proxy

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request_id = request_id_for(environ, trust_proxy=self.trust_proxy)
        _current_request_id.set(request_id)

        def start_with_id(status: str, headers: list, exc_info: Any = None) -> Callable:
            headers = [(k, v) for k, v in headers if k.lower() != REQUEST_ID_HEADER.lower()]
            headers.append((REQUEST_ID_HEADER, request_id))
            return start_response(status, headers, exc_info)

        try:
            body = self.wsgi_app(environ, start_with_id)
        except BaseException:
            _current_request_id.set(None)
            raise
        return ClosingIterator(body, lambda: _current_request_id.set(None))


def install_log_record_factory() -> None:
    """Give every log record a `request_id` attribute ("-" outside a request).

    A record factory rather than a logging.Filter: a filter sees only the records of the logger
    or handler it is attached to, and a request's lines come from many loggers (the app's,
    SQLAlchemy's, Flask-Limiter's). With the factory, any handler can show `%(request_id)s`.
    Installed once per process, in front of whatever factory was there.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = _current_request_id.get() or "-"
        return record

    factory.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def init_app(app: Flask) -> None:
    """Wrap the app in the middleware, and show the id on the app's log lines."""
    install_log_record_factory()
    # Flask's handler for app.logger (used unless logging is configured elsewhere); defaults
    # cover a record made before the factory was installed.
    default_handler.setFormatter(logging.Formatter(LOG_FORMAT, defaults={"request_id": "-"}))
    app.wsgi_app = RequestIds(app.wsgi_app, trust_proxy=int(app.config["PROXY_HOPS"]) > 0)
