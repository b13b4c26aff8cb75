"""Request ids: the rule for a proxy's id, the response header, the log line and the error page."""

from __future__ import annotations

import logging
import re

import pytest

from blog.extensions import db
from blog.requestid import LOG_FORMAT, request_id_for, valid_request_id
from tests.conftest import build_app

#: How an id made here looks.
OWN_ID = re.compile(r"[0-9a-f]{16}")


@pytest.mark.parametrize(
    "value",
    ["0f8fad5b-d9cb-469f-a165-70867728950e", "7d3c1a9e2b5f4e6a8c0d1e2f3a4b5c6d", "lb.trace:42"],
)
def test_proxy_ids_that_are_plain_tokens_are_valid(value):
    assert valid_request_id(value)


@pytest.mark.parametrize(
    "value",
    [None, "", "a" * 65, "id with spaces", "<script>", "abc\r\nX-Evil: 1", "ünïcode", "a/b"],
)
def test_anything_else_is_not(value):
    assert not valid_request_id(value)


def test_a_proxys_id_is_used_only_when_the_proxy_is_trusted_and_the_id_valid():
    environ = {"HTTP_X_REQUEST_ID": "from-the-proxy-1"}
    assert request_id_for(environ, trust_proxy=True) == "from-the-proxy-1"
    assert OWN_ID.fullmatch(request_id_for(environ, trust_proxy=False))
    bad = {"HTTP_X_REQUEST_ID": "<b>hi</b>"}
    assert OWN_ID.fullmatch(request_id_for(bad, trust_proxy=True))
    assert request_id_for({}, trust_proxy=True) != request_id_for({}, trust_proxy=True)


def test_every_response_carries_its_id_and_a_client_cannot_choose_it(client):
    ids = {client.get(url).headers["X-Request-ID"] for url in ("/", "/", "/no-such-page")}
    assert len(ids) == 3 and all(OWN_ID.fullmatch(i) for i in ids)
    chosen = client.get("/", headers={"X-Request-ID": "chosen-by-client"})
    assert chosen.headers["X-Request-ID"] != "chosen-by-client"


def test_behind_a_trusted_proxy_its_id_is_kept(tmp_path):
    database = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    alone = build_app(database).test_client()
    behind = build_app(database, PROXY_HOPS=1).test_client()

    def id_for(client, given: str) -> str:
        return client.get("/robots.txt", headers={"X-Request-ID": given}).headers["X-Request-ID"]

    assert id_for(behind, "nginx-7d3c1a9e") == "nginx-7d3c1a9e"
    assert OWN_ID.fullmatch(id_for(alone, "nginx-7d3c1a9e"))
    assert OWN_ID.fullmatch(id_for(behind, "x<script>alert(1)</script>"))


def error_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_crash_shows_the_id_on_the_500_page_and_in_the_error_log_line(app, caplog):
    app.config["TESTING"] = False  # a real 500 page, not the exception raised into the test

    @app.get("/test-only/crash")
    def crash() -> str:
        raise RuntimeError("boom")

    response = app.test_client().get("/test-only/crash")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    page = response.get_data(as_text=True)
    assert f"<code>{request_id}</code>" in page and "Traceback" not in page
    [record] = error_records(caplog)
    assert record.request_id == request_id
    line = logging.Formatter(LOG_FORMAT).format(record)
    assert line.splitlines()[0].endswith(
        f"ERROR in app [request {request_id}]: Exception on /test-only/crash [GET]"
    )


def test_a_database_outage_shows_the_id_on_the_503_page_and_in_the_log(tmp_path, caplog):
    broken = build_app(
        {"SQLALCHEMY_DATABASE_URI": "sqlite:////nonexistent-directory/blog.sqlite3"},
        TESTING=False,
    )
    response = broken.test_client().get("/")
    assert response.status_code == 503
    request_id = response.headers["X-Request-ID"]
    assert f"<code>{request_id}</code>" in response.get_data(as_text=True)
    assert [r.request_id for r in error_records(caplog)] == [request_id]
    with broken.app_context():
        db.session.remove()
        db.engine.dispose()


def test_other_error_pages_show_no_id_and_log_lines_outside_a_request_have_none(client, caplog):
    # A server closes every response (PEP 3333); that is when its id is put away.
    with client.get("/no-such-page") as missing:
        assert "<code>" not in missing.get_data(as_text=True)
    logging.getLogger("blog").warning("outside any request")
    assert caplog.records[-1].request_id == "-"
