"""Logging in and out: one message for every failure, safe redirects, sessions that really end."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from blog.auth import accounts
from blog.extensions import db, limiter
from blog.models import Staff
from tests.conftest import build_app, fresh_database
from tests.factories import make_staff
from tests.pages import csrf_token, form_values, get_html, log_in


@pytest.fixture
def staff(app):
    with app.app_context():
        account = make_staff("editor")
        db.session.commit()
        return account.id


def test_login_form_has_the_named_fields(client):
    html = get_html(client, "/login")
    for name in ("username", "password", "remember"):
        assert f'name="{name}"' in html
    assert "Remember me" in html


def test_the_footer_links_to_login(client):
    assert '<a href="/login">Log in</a>' in get_html(client, "/")


def test_a_good_login_lands_on_the_dashboard_and_records_the_time(app, client, staff):
    response = log_in(client)
    assert response.headers["Location"] == "/admin/"
    assert "Dashboard" in get_html(client, "/admin/")
    with app.app_context():
        assert db.session.get(Staff, staff).last_login_at is not None


def test_unknown_user_and_wrong_password_get_the_same_answer_at_the_same_cost(
    app, client, staff, monkeypatch
):
    checked = []
    real_check = accounts.check_password_hash
    monkeypatch.setattr(
        accounts, "check_password_hash", lambda h, p: checked.append(h) or real_check(h, p)
    )
    wrong = log_in(client, "editor", "not the password")
    unknown = log_in(client, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 422
    for response in (wrong, unknown):
        assert "Invalid username or password." in response.get_data(as_text=True)

    def without_token(response):
        return response.get_data(as_text=True).replace(
            form_values(response.get_data(as_text=True))["csrf_token"], ""
        )

    assert without_token(wrong).replace("editor", "") == without_token(unknown).replace(
        "nobody", ""
    )
    assert len(checked) == 2  # a hash was checked for the unknown user too
    assert checked[1] == accounts._dummy_hash()


def test_a_new_session_is_issued_at_login(client, staff):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    log_in(client)
    with client.session_transaction() as session:
        assert "planted" not in session


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "http:evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "/%09/evil.example",
        " //evil.example",
        "\\\\evil.example",
        "evil.example",
        "/\r\n/evil.example",
        "/%2F%2Fevil.example",
        "/%5Cevil.example",
    ],
)
def test_next_never_leaves_the_site(client, staff, target):
    response = log_in(client, next_url=target)
    assert response.headers["Location"] == "/admin/"


def test_next_within_the_site_is_honoured(client, staff):
    response = log_in(client, next_url="/admin/comments?status=spam")
    assert response.headers["Location"] == "/admin/comments?status=spam"


def test_logout_is_a_post_and_a_get_changes_nothing(client, staff):
    log_in(client)
    assert client.get("/logout").status_code == 405
    assert client.get("/admin/").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/"
    assert client.get("/admin/").status_code == 302


def test_logout_without_a_csrf_token_is_refused(client, staff):
    log_in(client)
    assert client.post("/logout").status_code == 400
    assert client.get("/admin/").status_code == 200


def test_a_replayed_session_cookie_is_dead_after_logout(app, client, staff):
    log_in(client)
    stolen = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/admin/").status_code == 302


def test_a_replayed_remember_cookie_is_dead_after_logout(app, client, staff):
    log_in(client, remember=True)
    remember = client.get_cookie("remember_token")
    assert remember is not None and remember.http_only
    before = app.test_client()
    before.set_cookie("remember_token", remember.value)
    assert before.get("/admin/").status_code == 200  # the cookie alone logs in...
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    after = app.test_client()
    after.set_cookie("remember_token", remember.value)
    assert after.get("/admin/").status_code == 302  # ...until logout rotates the token


@pytest.fixture
def site_with(tmp_path):
    """site_with(**config): an app with that configuration and one account, "editor"."""
    with ExitStack() as stack:

        def make(**config: object):
            database = stack.enter_context(fresh_database(tmp_path))
            app = build_app(database, **config)
            with app.app_context():
                db.create_all()
                make_staff("editor")
                db.session.commit()
            stack.callback(dispose, app)
            return app

        yield make


def dispose(app) -> None:
    """Close the app's database connections."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def cookie_attributes(set_cookie: str) -> tuple[str, dict[str, str]]:
    """A Set-Cookie header's value and its attributes (names in lower case; flags map to "")."""
    first, *attributes = (part.strip() for part in set_cookie.split(";"))
    flags = {}
    for attribute in attributes:
        name, _, value = attribute.partition("=")
        flags[name.lower()] = value
    return first.partition("=")[2], flags


def set_cookies(response, name: str) -> list[str]:
    """The response's Set-Cookie headers for the cookie called name."""
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]


@pytest.mark.parametrize(
    ("base_url", "config"),
    [
        ("http://localhost", {}),
        (
            "https://news.example.org",
            {
                "PREFERRED_URL_SCHEME": "https",  # the test client's scheme and host
                "SERVER_NAME": "news.example.org",
                "SITE_URL": "https://news.example.org",
                "REMEMBER_COOKIE_NAME": "staff_remember",
                "REMEMBER_COOKIE_DOMAIN": "news.example.org",
                "REMEMBER_COOKIE_PATH": "/",
                "REMEMBER_COOKIE_SAMESITE": "Strict",
            },
        ),
    ],
)
def test_logout_deletes_the_remember_cookie_as_it_was_set(site_with, base_url, config):
    app = site_with(**config)
    name = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    client = app.test_client()
    client.environ_base["HTTP_REFERER"] = base_url + "/login"  # CSRF checks it over HTTPS
    domain = config.get("REMEMBER_COOKIE_DOMAIN", "localhost")
    [issued] = set_cookies(log_in(client, remember=True), name)
    assert client.get_cookie(name, domain=domain) is not None
    response = client.post("/logout", data={"csrf_token": csrf_token(client)})
    [deleted] = set_cookies(response, name)
    value, flags = cookie_attributes(deleted)
    _, issued_flags = cookie_attributes(issued)
    assert value == ""
    assert flags["max-age"] == "0" and flags["expires"].endswith("1970 00:00:00 GMT")
    for attribute in ("path", "domain", "secure", "httponly", "samesite"):
        assert flags.get(attribute) == issued_flags.get(attribute), attribute
    assert ("secure" in flags) == base_url.startswith("https")
    assert client.get_cookie(name, domain=domain) is None


def test_a_password_change_ends_every_other_session(app, client, staff):
    other = app.test_client()
    log_in(client)
    log_in(other)
    response = client.post(
        "/admin/password",
        data={
            "csrf_token": csrf_token(client),
            "current": "correct horse battery",
            "new": "a much longer passphrase",
            "confirm": "a much longer passphrase",
        },
    )
    assert response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert other.get("/admin/").status_code == 302
    assert log_in(app.test_client(), password="a much longer passphrase").status_code == 302


def test_a_short_new_password_is_refused(client, staff):
    log_in(client)
    response = client.post(
        "/admin/password",
        data={
            "csrf_token": csrf_token(client),
            "current": "correct horse battery",
            "new": "short",
            "confirm": "short",
        },
    )
    assert response.status_code == 422
    assert "at least 12 characters" in response.get_data(as_text=True)


def test_inactive_accounts_cannot_log_in_and_lose_their_sessions(app, client, staff):
    log_in(client)
    with app.app_context():
        db.session.get(Staff, staff).active = False
        db.session.commit()
    assert client.get("/admin/").status_code == 302
    response = log_in(app.test_client())
    assert "Invalid username or password." in response.get_data(as_text=True)


@pytest.fixture
def limited_app(site_with):
    """An app with the login limits on (in memory, emptied before and after) and one account,
    "editor"."""
    app = site_with(RATELIMIT_ENABLED=True)
    limiter.reset()  # (the limiter has storage once an app with limits on is built)
    yield app
    limiter.reset()


def client_at(app, address: str, client=None):
    """A test client (a new browser, or the one given) whose requests come from address."""
    client = client or app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_failed_logins_are_limited_per_client_and_per_account(limited_app):
    app = limited_app
    client = app.test_client()
    codes = [log_in(client, password="wrong").status_code for _ in range(6)]
    assert codes == [422] * 5 + [429]
    blocked = log_in(client)  # even the right password waits
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert 'class="site-header"' in blocked.get_data(as_text=True)

    limiter.reset()
    account_codes = [
        log_in(client_at(app, f"198.51.100.{n + 1}"), password="wrong").status_code
        for n in range(6)
    ]
    assert account_codes == [422] * 5 + [429]
    elsewhere = client_at(app, "203.0.113.50")
    assert log_in(elsewhere, username="someone-else", password="x").status_code == 422


def test_a_login_gives_the_browser_a_device_cookie_for_the_login_page_only(limited_app):
    response = log_in(limited_app.test_client())
    [issued] = set_cookies(response, "login_device")
    value, flags = cookie_attributes(issued)
    assert value
    assert flags["path"] == "/login" and flags["samesite"] == "Lax" and "httponly" in flags
    assert flags["max-age"] == str(365 * 24 * 3600)


def test_over_https_the_device_cookie_is_secure(site_with):
    app = site_with(
        PREFERRED_URL_SCHEME="https",
        SERVER_NAME="news.example.org",
        SITE_URL="https://news.example.org",
    )
    client = app.test_client()
    client.environ_base["HTTP_REFERER"] = "https://news.example.org/login"
    [issued] = set_cookies(log_in(client), "login_device")
    assert "secure" in cookie_attributes(issued)[1]


def test_guessing_from_one_address_never_locks_the_owner_out(limited_app):
    app = limited_app
    owner = client_at(app, "198.51.100.7")
    assert log_in(owner).status_code == 302  # an earlier login: this browser is known
    owner.post("/logout", data={"csrf_token": csrf_token(owner)})

    attacker = client_at(app, "203.0.113.66")
    codes = [log_in(attacker, password=f"guess {n}").status_code for n in range(7)]
    assert codes == [422] * 5 + [429] * 2
    assert log_in(attacker).status_code == 429  # the attacker is held, right password or not

    stranger = client_at(app, "198.51.100.7")  # the owner's address, but an unknown browser
    assert log_in(stranger).status_code == 429  # the account's lock holds it
    assert log_in(owner).headers["Location"] == "/admin/"  # the owner's browser gets in
    assert owner.get("/admin/").status_code == 200


def test_a_known_browser_gets_only_a_few_guesses_of_its_own(limited_app):
    app = limited_app
    known = client_at(app, "198.51.100.7")
    log_in(known)
    known.post("/logout", data={"csrf_token": csrf_token(known)})
    # A stolen device cookie, tried from a new address each time (so the per-client limit
    # never bites): its own count stops it.
    codes = [
        log_in(client_at(app, f"203.0.113.{n + 1}", known), password="wrong").status_code
        for n in range(6)
    ]
    assert codes == [422] * 5 + [429]
    # Failures counted against that browser do not lock the account for anyone else.
    assert log_in(client_at(app, "192.0.2.10")).headers["Location"] == "/admin/"


def test_a_readers_session_is_left_alone_by_session_protection(client):
    """Strong protection applies to logged-in sessions only (see extensions.StaffLoginManager)."""
    client.get("/login")  # a session with a CSRF token, and no login
    with client.session_transaction() as session:
        before = dict(session)
    response = client.get("/", headers={"User-Agent": "a different browser"})
    assert "Set-Cookie" not in response.headers  # neither rewritten nor a remember cookie dropped
    with client.session_transaction() as session:
        assert dict(session) == before


def test_a_logged_in_session_moved_to_another_browser_is_dropped(client, staff):
    log_in(client)
    assert client.get("/admin/").status_code == 200
    moved = client.get("/admin/", headers={"User-Agent": "someone else's browser"})
    assert moved.status_code == 302
