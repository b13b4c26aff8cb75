"""deploy/nginx.conf in front of real gunicorn: what readers, commenters and staff meet through
the cache an operator installs (Debian's nginx, rendered by deploy/nginx.py, on a free port).

One gunicorn (PROXY_HOPS=1, the page cache on, a SQLite file shared with the tests) serves the
module; each test puts a fresh nginx, with an empty cache, in front of it. What reached gunicorn
is read from gunicorn's access log; what nginx did, from its X-Cache-Status header.
"""

from __future__ import annotations

import gzip
import http.client
import io
import os
import re
import shlex
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from PIL import Image

from blog.extensions import db
from blog.media.library import add_picture
from blog.media.uploads import upload_request_limit
from blog.models import Comment
from deploy import nginx
from tests.conftest import SERVER_DATABASE_URL, build_app
from tests.deploy.servers import Browser, gunicorn, server_env, shared_database
from tests.factories import STAFF_PASSWORD
from tests.pages import form_values, served_forms, tags

# nginx and its config are the same whatever database the app runs on, and these tests take half
# a minute of sleeps and servers: once per CI run, on the SQLite pass, is enough.
pytestmark = pytest.mark.skipif(
    SERVER_DATABASE_URL is not None,
    reason="nginx in front does not depend on the database; run on the SQLite pass only",
)

#: The anti-spam time check, short to keep the tests short: article pages may then be kept for
#: COMMENT_MIN_SECONDS - 1 = 1 s (the contract); other pages for CACHE_SHARED_SECONDS.
MIN_SECONDS = 2
SHARED_SECONDS = 3
#: Readers come from here; gunicorn sees nginx, at 127.0.0.1, so the app knows this address
#: only from nginx's X-Forwarded-For.
READER_ADDRESS = "127.0.0.3"


def require_nginx() -> None:
    """Skip without Debian's nginx, except in CI, where a skip would hide a gap."""
    if nginx.available():
        return
    message = f"{nginx.NGINX} is missing; apt-get install -y nginx to run this"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Answer:
    """A response as a cookieless client got it."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    @property
    def cache(self) -> str | None:
        """nginx's X-Cache-Status: HIT, MISS, EXPIRED, STALE, UPDATING or BYPASS."""
        return self.headers.get("X-Cache-Status")

    def shared_max_age(self) -> int:
        """The s-maxage the app gave the page (never hard-coded: the app decides)."""
        match = re.search(r"\bs-maxage=(\d+)", self.headers.get("Cache-Control", ""))
        assert match, f"no s-maxage in {self.headers.get('Cache-Control')!r}"
        return int(match.group(1))


@dataclass
class Backend:
    """gunicorn on the module's database, with its access log."""

    app: Flask
    slug: str
    port: int
    static_root: Path
    #: The app's pictures' folder (MEDIA_STORE = "files", the default)
    media_root: Path
    log: Path


@dataclass
class Site:
    """A fresh nginx (an empty cache) in front of the module's gunicorn."""

    backend: Backend
    proxy: nginx.Proxy
    #: Where gunicorn's access log stood when this nginx started.
    log_offset: int

    @property
    def port(self) -> int:
        return self.proxy.port

    @property
    def slug(self) -> str:
        return self.backend.slug

    @property
    def app(self) -> Flask:
        return self.backend.app

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        """GET path through nginx with no cookie, as a first-time reader at READER_ADDRESS."""
        return request(self.port, "GET", path, headers=headers)

    def gunicorn_log(self, *, awaiting: tuple[str, ...] = ()) -> list[str]:
        """gunicorn's access log lines since this nginx started: "<request line> <id> <status>".

        gunicorn writes a line just after its response has gone, so this waits a moment, and
        until the requests with the ids `awaiting` are in (at most 5 s).
        """
        deadline = time.monotonic() + 5
        while True:
            time.sleep(0.1)
            with open(self.backend.log, "rb") as log:
                log.seek(self.log_offset)
                text = log.read().decode()
            if all(f" {id_} " in text for id_ in awaiting) or time.monotonic() > deadline:
                return text.splitlines()

    def upstream(
        self, path: str, *, awaiting: tuple[str, ...] = (), method: str = "GET"
    ) -> list[str]:
        """The requests for `method` path (query included) that reached gunicorn: "<id>
        <status>"."""
        return [
            line.split(" ", 3)[3]
            for line in self.gunicorn_log(awaiting=awaiting)
            if line.split(" ", 3)[:2] == [method, path]  # "GET <target> HTTP/1.1 <rest>"
        ]

    def status_of(self, body: str) -> str:
        """The status of the comment with this body, from the shared database."""
        with self.app.app_context():
            status = db.session.scalar(sa.select(Comment.status).where(Comment.body == body))
            db.session.remove()
        assert status is not None, f"no comment {body!r}"
        return status


def request(
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> Answer:
    """One request to 127.0.0.1:port from READER_ADDRESS; the body is returned as sent."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=30, source_address=(READER_ADDRESS, 0)
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """gunicorn (2 workers, PROXY_HOPS=1, the page cache on) on a SQLite file shared with the
    tests, started once for the module: each test's nginx starts empty, in front of it."""
    require_nginx()
    directory = tmp_path_factory.mktemp("nginx")
    media_root = directory / "media"
    # A copy of the static files with one more, which only the disk has (the app would 404).
    static_root = directory / "static"
    shutil.copytree(nginx.STATIC_ROOT, static_root)
    (static_root / "only-on-disk.txt").write_text("served by nginx\n")
    log = directory / "gunicorn-access.log"
    log.touch()
    with shared_database(directory) as (database, _, slug):
        # The tests add pictures as an editor's upload would, into the servers' folder.
        app = build_app(database, MEDIA_DIR=str(media_root))
        env = server_env(
            database,
            MEDIA_DIR=str(media_root),
            PROXY_HOPS="1",
            COMMENT_MIN_SECONDS=str(MIN_SECONDS),
            CACHE_SHARED_SECONDS=str(SHARED_SECONDS),
            CACHE_DIR=str(directory / "pagecache"),
            RATELIMIT_ENABLED="false",
        )
        # The request line, the request id the app used (and sent back) and the status.
        env["GUNICORN_CMD_ARGS"] = shlex.join(
            ["--access-logfile", str(log), "--access-logformat", "%(r)s %({x-request-id}o)s %(s)s"]
        )
        with gunicorn(env, workers=2) as server:
            yield Backend(app, slug, server.port, static_root, media_root, log)


@pytest.fixture
def site(backend: Backend, tmp_path: Path) -> Iterator[Site]:
    """deploy/nginx.conf served by Debian's nginx, with an empty cache, in front of gunicorn,
    on the same machine: its pictures' folder is the app's."""
    offset = backend.log.stat().st_size
    with nginx.in_front_of(
        [f"127.0.0.1:{backend.port}"],
        static_root=backend.static_root,
        media_root=backend.media_root,
        prefix=tmp_path / "nginx",
    ) as proxy:
        yield Site(backend, proxy, offset)


@pytest.fixture
def other_machine(backend: Backend, tmp_path: Path) -> Iterator[Site]:
    """The same nginx on a machine without the app's pictures (an empty folder), as in front
    of several app servers sharing MEDIA_STORE = "database": every file comes from the app."""
    offset = backend.log.stat().st_size
    (tmp_path / "no-pictures").mkdir()
    with nginx.in_front_of(
        [f"127.0.0.1:{backend.port}"],
        static_root=backend.static_root,
        media_root=tmp_path / "no-pictures",
        prefix=tmp_path / "nginx",
    ) as proxy:
        yield Site(backend, proxy, offset)


def log_in(site: Site) -> Browser:
    """A staff member logged in through nginx, with the login form as a browser sends it."""
    staff = Browser()
    token = staff.form(site.port, "/login")["csrf_token"]
    response, _ = staff.post(
        site.port, "/login", {"csrf_token": token, "username": "editor", "password": STAFF_PASSWORD}
    )
    assert response.status == 302, "the login failed"
    return staff


def post_comment(site: Site, commenter: Browser, name: str, body: str) -> str:
    """Open the article through nginx, take longer than COMMENT_MIN_SECONDS to write, and send
    the form as a browser does; returns where the site sent the commenter (path and query)."""
    fields = commenter.form(site.port, f"/articles/{site.slug}")
    time.sleep(MIN_SECONDS + 0.3)
    response, _ = commenter.request(
        site.port,
        "POST",
        f"/articles/{site.slug}/comments",
        {**fields, "name": name, "email": f"{name.lower()}@example.com", "body": body},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert response.status == 303, "the comment was refused"
    location = urlsplit(response.getheader("Location"))
    return location.path + (f"?{location.query}" if location.query else "")


def test_a_cookieless_readers_pages_come_from_the_cache_one_request_per_page_per_s_maxage(site):
    article = f"/articles/{site.slug}"
    for path in ("/", article, "/feed.atom"):
        first = site.get(path)
        assert first.status == 200
        assert first.headers.get("Set-Cookie") is None
        assert first.cache == "MISS"
        second = site.get(path)
        assert (second.cache, second.body) == ("HIT", first.body)
        # A cookie that is not the site's (analytics) changes nothing.
        assert site.get(path, {"Cookie": "_ga=GA1.1.42; consent=yes"}).cache == "HIT"
        # It reached the app once, with nginx's request id, which the app used (it believes
        # its one proxy); each answer carries its own request's id, the kept one too.
        [line] = site.upstream(path, awaiting=(first.headers["X-Request-ID"],))
        assert line.split()[0] == first.headers["X-Request-ID"]
        assert second.headers["X-Request-ID"] != first.headers["X-Request-ID"]

    # One reader reading on: one request per s-maxage (rounded up to nginx's whole second).
    lifetime = site.get(article).shared_max_age()
    reads, window = 0, 3.0
    started = time.monotonic()
    while time.monotonic() - started < window:
        assert site.get(article).status == 200
        reads += 1
    # the first, then one per s-maxage, and one for where the window cuts a lifetime
    assert len(site.upstream(article)) <= 1 + window // lifetime + 1
    assert reads > 20

    # A crowd on the home page: while one request refreshes it, the others get the kept page.
    # (Article pages say stale-while-revalidate=0, so the readers who come in the few
    # milliseconds it takes to refresh one go to the app themselves; see deploy/nginx.conf.)
    home_lifetime = site.get("/").shared_max_age()
    before = len(site.upstream("/"))
    statuses: list[int] = []

    def reader() -> None:
        until = time.monotonic() + 2
        while time.monotonic() < until:
            statuses.append(site.get("/").status)

    crowd = [threading.Thread(target=reader) for _ in range(8)]
    for thread in crowd:
        thread.start()
    for thread in crowd:
        thread.join()
    assert set(statuses) == {200}
    assert len(site.upstream("/")) - before <= 1 + 2 // home_lifetime


def test_readers_of_a_page_nginx_may_not_keep_do_not_wait_for_each_other(site):
    # A link shared with a tracking parameter: the app does not let a shared cache keep a page
    # at an address it never makes, so nginx passes each request on, and none may queue behind
    # another (with nginx's default lock some would wait 5 s).
    path = f"/articles/{site.slug}?utm_source=newsletter"
    assert site.get(path).headers["Cache-Control"] == "private, no-store"
    answers: list[tuple[int, float]] = []

    def reader() -> None:
        until = time.monotonic() + 1.5
        while time.monotonic() < until:
            started = time.monotonic()
            status = site.get(path).status
            answers.append((status, time.monotonic() - started))

    readers = [threading.Thread(target=reader) for _ in range(6)]
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join()
    assert {status for status, _ in answers} == {200}
    assert max(seconds for _, seconds in answers) < 2


def test_a_comment_approved_by_staff_shows_to_cookieless_readers_within_s_maxage(site):
    article = f"/articles/{site.slug}"
    body = "Approved through the queue, seen through the cache."
    post_comment(site, Browser(), "Grace", body)
    # Readers' copies, kept by nginx before the approval.
    for path in (article, "/comments/feed.atom"):
        assert body not in site.get(path).text

    staff = log_in(site)
    _, queue = staff.get(site.port, "/admin/comments")  # the Pending tab
    with site.app.app_context():
        comment_id = db.session.scalar(sa.select(Comment.id).where(Comment.body == body))
        db.session.remove()
    [approve] = [
        form
        for form in served_forms(queue)
        if form.action.endswith(f"/admin/comments/{comment_id}/approve")
    ]
    response, _ = staff.post(site.port, approve.action, dict(approve.submission()))
    assert response.status == 303
    approved_at = time.monotonic()

    for path in (article, "/comments/feed.atom"):
        # s-maxage, nginx's whole second, and a refresh.
        deadline = approved_at + site.get(path).shared_max_age() + 2
        while body not in (answer := site.get(path)).text:
            assert time.monotonic() < deadline, f"{path} still without the comment ({answer.cache})"
            time.sleep(0.2)


def test_staff_never_get_a_kept_page_and_theirs_are_never_kept(site):
    article = f"/articles/{site.slug}"
    for path in ("/", article):  # readers' copies, kept
        assert site.get(path).cache == "MISS"
    staff = log_in(site)
    for path in ("/", article, "/authors/"):
        response, text = staff.get(site.port, path)
        assert response.getheader("X-Cache-Status") == "BYPASS", path
        assert "Dashboard" in text and "Log out" in text, path
        assert response.getheader("Cache-Control") == "private, no-store", path
    # /authors/ was asked for only by staff: nothing was kept, so a reader's is a MISS.
    assert site.get("/authors/").cache == "MISS"
    for path in ("/", article, "/authors/"):
        text = site.get(path).text
        assert "Dashboard" not in text and "Log out" not in text


def test_a_pending_comment_shows_to_its_writer_only(site):
    article = f"/articles/{site.slug}"
    body = "Mine alone until a moderator looks."
    assert body not in site.get(article).text
    commenter = Browser()
    response, text = commenter.get(site.port, post_comment(site, commenter, "Hedy", body))
    assert body in text and "awaiting moderation" in text
    assert response.getheader("X-Cache-Status") == "BYPASS"
    assert response.getheader("Cache-Control") == "private, no-store"
    assert site.status_of(body) == "pending"

    lifetime = site.get(article).shared_max_age()
    until = time.monotonic() + lifetime + 1.5  # across a refresh of the readers' copy
    while time.monotonic() < until:
        answer = site.get(article)
        assert answer.status == 200 and body not in answer.text, answer.cache
        time.sleep(0.2)
    assert body in commenter.get(site.port, article)[1]


def test_a_conditional_request_with_the_etag_gets_a_304_through_nginx(site):
    for path in ("/", f"/articles/{site.slug}"):
        page = site.get(path)
        etag = page.headers["ETag"]
        answer = site.get(path, {"If-None-Match": etag})
        assert (answer.status, answer.body) == (304, b"")
        assert answer.headers["ETag"] == etag
        assert site.get(path, {"If-None-Match": 'W/"something-else"'}).status == 200
    # Once nginx had to ask the app again (the copy expired), the ETag still holds.
    article = f"/articles/{site.slug}"
    time.sleep(site.get(article).shared_max_age() + 1.1)
    current = site.get(article).headers["ETag"]
    assert site.get(article, {"If-None-Match": current}).status == 304


def test_the_anti_spam_time_check_holds_through_nginx(site):
    article = f"/articles/{site.slug}"
    # A person takes longer than COMMENT_MIN_SECONDS to write (their page came from the app).
    post_comment(site, Browser(), "Ada", "Written by a person, slowly.")
    assert site.status_of("Written by a person, slowly.") == "pending"

    # Bots post at once: the first after the person gets the page the app made anew (the copy
    # had expired), the second nginx's copy of it. Both are caught, and answered as a person is.
    for n in (1, 2):
        page = site.get(article)
        fields = form_values(page.text)
        fields.update(name=f"Bot {n}", email=f"bot{n}@example.com", body=f"Spam number {n}.")
        answer = request(
            site.port,
            "POST",
            f"{article}/comments",
            body=urlencode(fields),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Forwarded-For": "203.0.113.9",  # a lie nginx passes on but the app ignores
            },
        )
        assert answer.status == 303
        assert site.status_of(f"Spam number {n}.") == "spam", page.cache
    with site.app.app_context():
        addresses = set(
            db.session.scalars(
                sa.select(Comment.ip_address).where(Comment.author_name.startswith("Bot"))
            )
        )
        db.session.remove()
    assert addresses == {READER_ADDRESS}


def test_gzip_through_nginx_two_variants_each_kept(site):
    gzipped = site.get("/", {"Accept-Encoding": "gzip"})
    plain = site.get("/")
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert plain.headers.get("Content-Encoding") is None
    assert gzip.decompress(gzipped.body) == plain.body
    assert "<html" in plain.text
    # Whatever a browser says, nginx asks the app for one of the two, and keeps both.
    for accept, encoding in (
        ("gzip, deflate, br, zstd", "gzip"),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", "gzip"),
        ("identity", None),
        ("gzip;q=0", None),
    ):
        answer = site.get("/", {"Accept-Encoding": accept})
        assert (answer.cache, answer.headers.get("Content-Encoding")) == ("HIT", encoding), accept
    ids = (gzipped.headers["X-Request-ID"], plain.headers["X-Request-ID"])
    assert len(site.upstream("/", awaiting=ids)) == 2


def test_static_files_come_from_disk_with_the_long_lifetime(site):
    page = site.get("/").text
    [stylesheet] = [link["href"] for link in tags(page, "link") if link.get("rel") == "stylesheet"]
    assert "?v=" in stylesheet
    answer = site.get(stylesheet, {"Accept-Encoding": "gzip"})
    assert answer.status == 200
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert answer.headers["Content-Type"].startswith("text/css")
    assert answer.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(answer.body) == (site.backend.static_root / "style.css").read_bytes()
    # A file only the disk has, which the app would not know: nginx serves it.
    assert site.get("/static/only-on-disk.txt").body == b"served by nginx\n"
    # A URL without the content hash is checked each time.
    assert site.get("/static/style.css").headers["Cache-Control"] == "no-cache"
    assert not [line for line in site.gunicorn_log() if " /static/" in line]


def operators_config() -> str:
    """deploy/nginx.conf as an operator of news.example.org renders it."""
    return nginx.render(
        listen="8080",
        upstreams=["10.0.0.1:8000", "10.0.0.2:8000"],
        server_name="news.example.org www.news.example.org",
        static_root="/srv/blog/static",
        media_root="/srv/blog/instance/media/",
        cache_path="/var/cache/nginx/news",
        media_cache_path="/var/cache/nginx/news-media",
        access_log="/var/log/nginx/news.log",
    )


def test_the_operators_values_are_the_marked_lines():
    config = operators_config()
    for line in (
        "listen 8080;",
        "server 10.0.0.1:8000;",
        "server 10.0.0.2:8000;",
        "server_name news.example.org www.news.example.org;",
        "alias /srv/blog/static/;",
        "root /srv/blog/instance/media;",
        "access_log /var/log/nginx/news.log blog_cache;",
    ):
        assert re.search(rf"^\s*{re.escape(line)}", config, re.M), line
    assert re.search(r"^proxy_cache_path /var/cache/nginx/news levels=", config, re.M)
    assert re.search(r"^proxy_cache_path /var/cache/nginx/news-media levels=", config, re.M)
    assert "127.0.0.1:8000" not in config


# --- Pictures -----------------------------------------------------------------------------

#: What every picture's file is sent with, from nginx's disk or from the app.
A_YEAR = "public, max-age=31536000, immutable"
MB = 1024 * 1024


def upload(site: Site, colour: str) -> list[tuple[str, bytes]]:
    """A picture added as an editor's upload adds it (blog.media.library), in the app's store;
    its files' addresses and bytes."""
    buffer = io.BytesIO()
    Image.new("RGB", (1000, 600), colour).save(buffer, "PNG")
    with site.app.app_context():
        media = add_picture(buffer.getvalue(), f"{colour}.png")
        db.session.commit()
        names = [str(name) for name in media.all_files()]
        db.session.remove()
    return [(f"/media/{name}", (site.backend.media_root / name).read_bytes()) for name in names]


def test_pictures_come_from_the_apps_folder_without_reaching_the_app(site):
    files = upload(site, "teal")
    assert {path.rsplit(".", 1)[1] for path, _ in files} == {"png", "webp"}
    for path, content in files:
        answer = site.get(path)
        assert (answer.status, answer.body) == (200, content), path
        assert answer.headers["Content-Type"] == f"image/{path.rsplit('.', 1)[1]}"
        assert answer.headers["Cache-Control"] == A_YEAR
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers.get("Set-Cookie") is None
        # nginx's own conditional answer for a browser that has it
        assert site.get(path, {"If-None-Match": answer.headers["ETag"]}).status == 304
    assert not [line for line in site.gunicorn_log() if " /media/" in line]

    # What is not one of the app's names is never read from the folder: a half-written upload
    # there goes to the app, which does not know it.
    (site.backend.media_root / ".upload-abc123").write_bytes(b"half a picture")
    answer = site.get("/media/.upload-abc123")
    assert answer.status == 404 and b"half a picture" not in answer.body
    # A name of ours that is not on disk is asked of the app (here it has none either).
    missing = files[0][0].replace(files[0][0][7:27], "0" * 20)
    missing_answer = site.get(missing)
    assert missing_answer.status == 404
    assert site.upstream(missing, awaiting=(missing_answer.headers["X-Request-ID"],))


def test_a_picture_not_on_nginxs_disk_comes_from_the_app_once_and_is_kept_for_everyone(
    other_machine,
):
    site = other_machine
    [(path, content), *_] = upload(site, "navy")
    # The app marks the file public for a year, and varies on Cookie (Flask-Login reads the
    # session), which nginx must not split its copy on.
    direct = request(site.backend.port, "GET", path)
    assert direct.headers["Cache-Control"] == A_YEAR
    assert "Cookie" in direct.headers.get("Vary", "")

    first = site.get(path)
    assert (first.status, first.body, first.cache) == (200, content, "MISS")
    assert first.headers["Cache-Control"] == A_YEAR
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert first.headers.get("Vary") is None
    # Readers with other cookies, the site's own among them (a commenter, staff), share it.
    for cookie in ("", "_ga=GA1.1.42", "session=someones; remember_token=theirs"):
        again = site.get(path, {"Cookie": cookie} if cookie else None)
        assert (again.status, again.body, again.cache) == (200, content, "HIT"), cookie
        assert again.headers.get("Set-Cookie") is None
    # The app was asked twice: by the test directly, then once by nginx.
    _, line = site.upstream(path, awaiting=(first.headers["X-Request-ID"],))
    assert line.split() == [first.headers["X-Request-ID"], "200"]


def post_body(site: Site, path: str, size: int) -> Answer:
    """POST `size` bytes to path through nginx, as a browser sends a form with a file."""
    boundary = "----pictureform"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    body = head + b"\xff" * (size - len(head) - len(tail)) + tail
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=60)
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def refused_by_nginx(answer: Answer) -> bool:
    """Whether nginx itself answered 413 (its page, not the app's)."""
    return answer.status == 413 and b"<center>nginx</center>" in answer.body


def test_only_the_upload_paths_take_a_picture_sized_body(site):
    upload_paths = (
        "/admin/articles/new",
        "/admin/articles/12/edit",
        "/admin/authors/new",
        "/admin/authors/3/edit",
        "/admin/media/",
    )
    other_paths = (
        "/login",
        f"/articles/{site.slug}/comments",
        "/admin/articles/12/delete",
        "/admin/media/upload",
        "/admin/articles/new/",
        "/media/",
    )
    passed = {path: post_body(site, path, 6 * MB) for path in upload_paths}
    # The app's own bound for an upload view, to the byte; one more is nginx's to refuse.
    with site.app.app_context():
        largest = upload_request_limit()
    passed["/admin/media/ (at the bound)"] = post_body(site, "/admin/media/", largest)
    refused = {path: post_body(site, path, 6 * MB) for path in other_paths}
    refused["/admin/media/ (a byte over)"] = post_body(site, "/admin/media/", largest + 1)
    # Today's bound elsewhere: 1 MB passes to the app (which refuses over 64 KB itself).
    at_small_bound = post_body(site, "/login", MB)

    ids = [answer.headers["X-Request-ID"] for answer in [*passed.values(), at_small_bound]]
    log = "\n".join(site.gunicorn_log(awaiting=tuple(ids)))
    for path, answer in passed.items():
        # Whatever the app says to an anonymous upload (to the login page, a CSRF refusal, a
        # 413 of its own until the view takes uploads), nginx passed the body on.
        assert not refused_by_nginx(answer), path
        assert f" {answer.headers['X-Request-ID']} " in log, path
    assert not refused_by_nginx(at_small_bound)
    assert f" {at_small_bound.headers['X-Request-ID']} " in log
    for path, answer in refused.items():
        assert refused_by_nginx(answer), path
        assert f" {answer.headers['X-Request-ID']} " not in log, path


def test_nginx_allows_uploads_as_large_as_the_app_on_exactly_the_upload_views():
    config = operators_config()
    [upload_location] = re.findall(r"location ~ (\S+) \{\s*client_max_body_size (\d+)m;", config)
    pattern, megabytes = upload_location
    with build_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).app_context():
        assert int(megabytes) * MB == upload_request_limit()
    assert re.findall(r"^    client_max_body_size (\S+);", config, re.M) == ["1m"]
    assert config.count("client_max_body_size") == 2
    for path in (
        "/admin/articles/new",
        "/admin/articles/7/edit",
        "/admin/authors/new",
        "/admin/authors/7/edit",
        "/admin/media/",
    ):
        assert re.match(pattern, path), path
    for path in (
        "/admin/articles/",
        "/admin/articles/7/publish",
        "/admin/articles/new/x",
        "/admin/authors/x/edit",
        "/admin/media/7/delete",
        "/admin/media",
        "/admin/import",
        "/xadmin/media/",
    ):
        assert not re.match(pattern, path), path
