"""The bench's pieces that need no wrk and no servers: wrk's output read, ceilings paired, the
blog's answers kept for the ceiling and checked byte for byte, a browser's cookie jar, the
journey's wrk script (run in LuaJIT when its library is installed), the report shaped.

`make bench` itself is the end-to-end check.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gzip
import importlib
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from bench import measure
from bench.capture import (
    READER_HEADERS,
    Answer,
    Browser,
    SameBytesError,
    form_fields,
    keep,
    masked,
    row_key,
    same_bytes,
    set_cookie,
)
from bench.measure import JOURNEY_SCRIPT, PairedRuns, journey_paths, parse_wrk, reader_pages
from bench.report import COMMENTER, JOURNEY, UNCACHED_ARTICLE, report, target_for
from tests.conftest import serving

WRK_OUTPUT = """\
Running 1s test @ http://127.0.0.1:8000/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    11.50ms    2.10ms  30.00ms   80.00%
  Latency Distribution
     50%  850.00us
     75%   12.00ms
     90%   13.00ms
     99%    1.20s
  2801 requests in 1.00s, 10.00MB read
  Non-2xx or 3xx responses: 7
Requests/sec:   2796.10
Transfer/sec:     10.00MB
"""

INFO = {
    "articles": {10: "ten", 50: "fifty", 1000: "thousand"},
    "read_author_slug": "maren-holt",
    "category_slug": "city",
    "tag_slug": "harbour",
    "month": "2026-11",
    "second_slug": "ten",
}

PAGE = (
    '<html><form method="post" action="/articles/a/comments#respond" class="comment-form">'
    '<input id="csrf_token" name="csrf_token" type="hidden" value="{token}">'
    '<input id="parent_id" name="parent_id" type="hidden" value="">'
    '<input id="stamp" name="stamp" type="hidden" value="{stamp}">'
    '<input id="remember" name="remember" type="checkbox" value="y">'
    '<input id="name" name="name" type="text" value="Ann &amp; Bo">'
    "</form></html>"
)


def row(rps: float, **extra: float) -> dict:
    """A measured row as wrk() returns it, with the given requests/s."""
    return {"rps": rps, "p50_ms": 10.0, "p99_ms": 20.0, "requests": 100, "errors": 0, **extra}


def html(stamp: str = "MTc2NDYz.aBc", token: str = "IjFk.Zz") -> bytes:
    return PAGE.format(stamp=stamp, token=token).encode()


def answer(body: bytes, encoding: str | None = None, status: int = 200) -> Answer:
    headers = [("Content-Type", "text/html; charset=utf-8")]
    if encoding:
        headers.append(("Content-Encoding", encoding))
    return Answer(status, headers, body)


# --- wrk and the pairing -----------------------------------------------------------------------


def test_wrk_output_is_read_in_milliseconds() -> None:
    assert parse_wrk(WRK_OUTPUT) == {
        "rps": 2796.1,
        "p50_ms": 0.85,
        "p99_ms": 1200.0,
        "requests": 2801,
        "errors": 7,
    }


def test_the_cookies_a_script_carried_are_read_when_it_says() -> None:
    assert parse_wrk(WRK_OUTPUT + "cookies carried: 2\n")["cookies"] == 2


def test_ceiling_rows_come_first_with_the_median_of_their_runs() -> None:
    runs = PairedRuns(ceiling=None, args=None, captures=Path("/nonexistent"))
    runs.rows = {"home: no cookies": row(300)}
    runs.ceilings = {"page": [row(900), row(1000), row(1100)], "insert": [row(500), row(400)]}
    table = runs.table()
    assert list(table) == [
        "ceiling: bare Flask, the row's own bytes from memory (median)",
        "ceiling: bare comment insert (median)",
        "home: no cookies",
    ]
    assert table["ceiling: bare Flask, the row's own bytes from memory (median)"]["rps"] == 1000
    assert table["ceiling: bare Flask, the row's own bytes from memory (median)"]["runs"] == 3
    assert table["ceiling: bare comment insert (median)"]["rps"] == 500


def test_a_row_and_its_ceiling_take_turns_and_keep_the_median_of_their_slices() -> None:
    runs = PairedRuns(ceiling=None, args=SimpleNamespace(duration=3), captures=Path("/nonexistent"))
    calls: list[tuple[str, dict]] = []

    def side(name: str, figures: Iterator[float]) -> Callable[..., dict]:
        def run(**timing: object) -> dict:
            calls.append((name, timing))
            return row(next(figures), p50_ms=next(figures) / 10)

        return run

    blog = side("row", iter([100, 10, 150, 30, 120, 20]))
    ceiling = side("ceiling", iter([1000, 1, 100, 1, 1000, 1]))
    runs.paired("home: no cookies", blog, ceiling, cookies=0)
    measured = runs.rows["home: no cookies"]
    assert measured["rps"] == 120
    assert measured["p50_ms"] == 2.0
    assert measured["ceiling_rps"] == 1000
    assert measured["ratio"] == 0.12  # slices' ratios 0.1, 1.5, 0.12: the median
    assert measured["requests"] == 300
    assert measured["slices"] == 3
    assert measured["slice_ratios"] == [0.1, 1.5, 0.12]
    assert measured["cookies"] == 0
    assert [name for name, _ in calls] == ["row", "ceiling", "ceiling", "row", "row", "ceiling"]
    assert [timing["warm"] for _, timing in calls] == [True, True, False, False, False, False]
    assert {timing["duration"] for _, timing in calls} == {1}
    assert runs.ceilings["page"][0]["rps"] == 1000


def test_a_write_is_measured_once_against_the_bare_insert() -> None:
    runs = PairedRuns(ceiling=None, args=SimpleNamespace(duration=8), captures=Path("/nonexistent"))
    runs.paired(
        "comment POST, all checks on",
        lambda: row(250, stored=2000, lost=0),
        lambda: row(1000),
        kind="insert",
    )
    posted = runs.rows["comment POST, all checks on"]
    assert (posted["ratio"], posted["stored"], posted["slices"]) == (0.25, 2000, 1)


# --- the pages and the journey -----------------------------------------------------------------


def test_every_reader_page_is_measured() -> None:
    assert reader_pages(INFO) == {
        "home": "/",
        "article (50 comments)": "/articles/fifty",
        "author": "/authors/maren-holt",
        "category": "/category/city",
        "tag": "/tag/harbour",
        "feed": "/feed.atom",
        "sitemap index": "/sitemap.xml",
        "month sitemap": "/sitemaps/2026-11.xml",
    }


def test_the_journey_goes_home_article_second_article_author() -> None:
    assert journey_paths(INFO) == ["/", "/articles/fifty", "/articles/ten", "/authors/maren-holt"]


# --- what the ceiling sends, and the check that it is the blog's answer --------------------------


def test_identical_bytes_are_exact() -> None:
    body = gzip.compress(html(), mtime=0)
    assert same_bytes("row", answer(body, "gzip"), answer(body, "gzip")) == "exact"


def test_a_page_differing_by_its_stamp_alone_matches_with_the_stamp_masked() -> None:
    blog = answer(gzip.compress(html(stamp="MTc2NDYz.one", token="t1"), mtime=1), "gzip")
    ceiling = answer(gzip.compress(html(stamp="MTc2NDYz.two", token="t2"), mtime=2), "gzip")
    assert same_bytes("article", blog, ceiling) == "stamp masked"


def test_the_mask_covers_the_stamped_inputs_only() -> None:
    page = masked(html())
    assert b'name="stamp" type="hidden" value="*"' in page
    assert b'name="csrf_token" type="hidden" value="*"' in page
    assert b'name="name" type="text" value="Ann &amp; Bo"' in page


def test_another_encoding_fails_loudly() -> None:
    with pytest.raises(SameBytesError, match="Content-Encoding is 'identity', the blog's 'gzip'"):
        same_bytes("home", answer(gzip.compress(html()), "gzip"), answer(html()))


def test_another_body_fails_loudly_even_masked() -> None:
    other = html().replace(b"Ann", b"Bob")
    with pytest.raises(SameBytesError, match="first difference at byte"):
        same_bytes("home", answer(html()), answer(other))


def test_another_status_fails_loudly() -> None:
    with pytest.raises(SameBytesError, match="status"):
        same_bytes("home", answer(html()), answer(html(), status=404))


def test_row_keys_are_safe_path_segments() -> None:
    assert row_key("article (50 comments): a reader's cookies") == (
        "article-50-comments-a-reader-s-cookies"
    )


@pytest.fixture
def ceiling_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """bench/ceiling.py's app on an empty capture directory and an in-memory database."""
    monkeypatch.setenv("BENCH_CAPTURE_DIR", str(tmp_path))
    monkeypatch.setenv("BENCH_ARTICLE_ID", "1")
    monkeypatch.setenv("BENCH_DATABASE_URL", "sqlite://")
    sys.modules.pop("bench.ceiling", None)
    module = importlib.import_module("bench.ceiling")
    yield module.app, tmp_path
    sys.modules.pop("bench.ceiling", None)


def test_the_ceiling_sends_the_kept_answer_byte_for_byte(ceiling_app: tuple) -> None:
    app, captures = ceiling_app
    body = gzip.compress(html(), mtime=0)
    blog = Answer(
        200,
        [
            ("Date", "Tue, 01 Dec 2026 21:00:00 GMT"),
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Encoding", "gzip"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "public, max-age=0, s-maxage=10"),
            ("Set-Cookie", "session=x; Path=/"),
        ],
        body,
    )
    keep(captures, "home-no-cookies", blog)
    sent = app.test_client().get("/page/home-no-cookies")
    assert sent.get_data() == body
    assert sent.headers["Content-Encoding"] == "gzip"
    assert sent.headers["Content-Type"] == "text/html; charset=utf-8"
    assert sent.headers["Cache-Control"] == "public, max-age=0, s-maxage=10"
    assert "Set-Cookie" not in sent.headers  # the blog's cookie is the blog's work
    replayed = Answer(sent.status_code, list(sent.headers.items()), sent.get_data())
    assert same_bytes("home", blog, replayed) == "exact"
    assert app.test_client().get("/page/nothing-kept").status_code == 404


# --- a browser's cookies and forms -------------------------------------------------------------


def test_set_cookie_lines_update_the_jar_as_a_browser_does() -> None:
    jar: dict[str, str] = {}
    set_cookie(jar, "session=abc.def; HttpOnly; Path=/; SameSite=Lax")
    set_cookie(jar, 'comment_author="eyJu"; Expires=Wed, 01 Dec 2027 00:00:00 GMT; Path=/')
    assert jar == {"session": "abc.def", "comment_author": '"eyJu"'}
    set_cookie(jar, "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/")
    set_cookie(jar, "comment_author=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/")
    assert jar == {}
    set_cookie(jar, "remember_token=1; Secure; Path=/")
    assert jar == {}  # a Secure cookie is not kept over plain HTTP
    set_cookie(jar, "remember_token=1; Secure; Path=/", secure_ok=True)
    assert jar == {"remember_token": "1"}


def test_form_fields_are_those_of_the_form_asked_for() -> None:
    page = (
        html()
        .decode()
        .replace("<html>", '<html><form class="site-search"><input name="q" value="x"></form>')
    )
    action, fields = form_fields(page, 'class="comment-form"')
    assert action == "/articles/a/comments#respond"
    assert fields == {
        "csrf_token": "IjFk.Zz",
        "parent_id": "",
        "stamp": "MTc2NDYz.aBc",
        "remember": "y",
        "name": "Ann & Bo",
    }
    with pytest.raises(RuntimeError, match="no form"):
        form_fields(page, 'class="stacked-form"')


def tiny_site(environ: dict, start_response) -> list[bytes]:
    """A page that sets a cookie, a form post answered 303, and a page that shows the cookies."""
    path = environ["PATH_INFO"]
    if path == "/post":
        seen = f"{environ.get('HTTP_ORIGIN')} {environ.get('HTTP_SEC_FETCH_SITE')}"
        start_response(
            "303 See Other",
            [("Location", "/after"), ("Set-Cookie", "flash=1; Path=/"), ("X-Seen", seen)],
        )
        return [b""]
    headers = [("Content-Type", "text/plain")]
    if path == "/first":
        headers.append(("Set-Cookie", "session=s1; HttpOnly; Path=/"))
    body = f"{environ.get('HTTP_COOKIE', '')}|{environ.get('HTTP_ACCEPT_ENCODING', '')}"
    start_response("200 OK", headers)
    return [body.encode()]


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def quietly_serving(app: Callable) -> AbstractContextManager[str]:
    """A WSGI app on a port of 127.0.0.1, in a thread, logging nothing; yields its base URL."""
    return serving(make_server("127.0.0.1", 0, app, handler_class=_Quiet))


@pytest.fixture
def site() -> Iterator[str]:
    with quietly_serving(tiny_site) as url:
        yield url


def test_a_browser_carries_what_the_site_set_and_follows_a_303(site: str) -> None:
    browser = Browser(site)
    assert browser.get("/nothing").body == b"|gzip"
    browser.get("/first")
    assert browser.get("/again").body == b"session=s1|gzip"
    landed = browser.post("/post", {"body": "hello"})
    assert landed.status == 200
    assert landed.url.endswith("/after")
    assert landed.body == b"session=s1; flash=1|gzip"
    posted = Browser(site).post("/post", {}, follow=False)
    assert posted.header("X-Seen") == f"{site} same-origin"


class StampedArticle:
    """A blog stand-in: an article page, gzipped, whose stamp changes with every request (and,
    with drift set, its text too)."""

    def __init__(self) -> None:
        self.served = 0
        self.drift = False

    def __call__(self, environ: dict, start_response: Callable) -> list[bytes]:
        self.served += 1
        page = html(stamp=f"MTc2.{self.served}")
        if self.drift:
            page = page.replace(b"Ann", f"Ann{self.served}".encode())
        body = gzip.compress(page, mtime=self.served)
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Encoding", "gzip"),
                ("Content-Length", str(len(body))),
            ],
        )
        return [body]


def test_a_row_is_measured_against_the_blogs_own_answer_or_not_at_all(
    ceiling_app: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, captures = ceiling_app
    monkeypatch.setattr(measure, "wrk", lambda url, *_a, **_k: row(200 if "/page/" in url else 150))
    args = SimpleNamespace(duration=2)
    blog = StampedArticle()
    with quietly_serving(blog) as blog_url, quietly_serving(app) as ceiling_url:
        runs = PairedRuns(ceiling=SimpleNamespace(url=ceiling_url), args=args, captures=captures)
        measured = runs.page_row("article: no cookies", blog_url, "/a", READER_HEADERS, cookies=0)
        assert measured["rps"] == 150
        assert measured["ceiling_rps"] == 200
        assert measured["bytes"] == "stamp masked"
        assert measured["encoding"] == "gzip"
        assert measured["cookies"] == 0
        blog.drift = True
        with pytest.raises(SameBytesError, match="article: a reader's cookies"):
            runs.page_row("article: a reader's cookies", blog_url, "/a", READER_HEADERS)
    assert list(runs.rows) == ["article: no cookies"]


# --- the journey's wrk script, run in LuaJIT with a stand-in for wrk ------------------------------

LUA_HARNESS = """
local out = {}
wrk = {headers = {}}
function wrk.format(method, path, headers)
  local names = {}
  for name, value in pairs(headers) do table.insert(names, name .. "=" .. value) end
  table.sort(names)
  return path .. " " .. table.concat(names, ",")
end
local real_write = io.write
io.write = function(text) table.insert(out, "done: " .. text) end
local chunk = assert(loadfile(SCRIPT))
chunk()
local state = {}
local thread = {get = function(self, name) return _G[name] end}
setup(thread)
init({})
for i = 1, 5 do table.insert(out, request()) end
response(200, {["Set-Cookie"] = "session=abc.def; HttpOnly; Path=/"}, "")
table.insert(out, request())
response(200, {["set-cookie"] = "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0"}, "")
table.insert(out, request())
done({}, {}, {})
io.write = real_write
return table.concat(out, "\\n")
"""


def run_lua(source: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """Run Lua source in LuaJIT through its C API; return the string it returns."""
    library = ctypes.util.find_library("luajit-5.1")
    if library is None:
        pytest.skip("LuaJIT's library is not installed (it comes with wrk)")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    lua = ctypes.CDLL(library)
    lua.luaL_newstate.restype = ctypes.c_void_p
    lua.lua_tolstring.restype = ctypes.c_char_p
    lua.lua_tolstring.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    for name in ("luaL_openlibs", "lua_close"):
        getattr(lua, name).argtypes = [ctypes.c_void_p]
    lua.luaL_loadstring.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lua.lua_pcall.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int]
    state = lua.luaL_newstate()
    try:
        lua.luaL_openlibs(state)
        failed = lua.luaL_loadstring(state, source.encode()) or lua.lua_pcall(state, 0, 1, 0)
        result = lua.lua_tolstring(state, -1, None).decode()
        assert not failed, result
        return result
    finally:
        lua.lua_close(state)


def test_the_journey_script_cycles_its_paths_and_carries_cookies_as_a_browser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = f"SCRIPT = {json.dumps(str(JOURNEY_SCRIPT))}\n" + LUA_HARNESS
    env = {"BENCH_PATHS": " ".join(journey_paths(INFO)), "BENCH_HEADERS": "Accept-Encoding: gzip"}
    lines = run_lua(source, {**env, "BENCH_COOKIE": ""}, monkeypatch).splitlines()
    assert lines == [
        "/ Accept-Encoding=gzip",
        "/articles/fifty Accept-Encoding=gzip",
        "/articles/ten Accept-Encoding=gzip",
        "/authors/maren-holt Accept-Encoding=gzip",
        "/ Accept-Encoding=gzip",
        "/articles/fifty Accept-Encoding=gzip,Cookie=session=abc.def",
        "/articles/ten Accept-Encoding=gzip",
        "done: cookies carried: 1",
    ]


def test_the_journey_script_starts_with_the_cookies_it_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = f"SCRIPT = {json.dumps(str(JOURNEY_SCRIPT))}\n" + LUA_HARNESS
    env = {"BENCH_PATHS": "/page/a /page/b", "BENCH_HEADERS": "", "BENCH_COOKIE": "a=1; b=2"}
    lines = run_lua(source, env, monkeypatch).splitlines()
    assert lines[0] == "/page/a Cookie=a=1; b=2"
    assert lines[-1] == "done: cookies carried: 3"


# --- targets and the report --------------------------------------------------------------------


def test_targets_by_row() -> None:
    assert target_for("home: no cookies") == (0.85, False)
    assert target_for("feed: a reader's cookies") == (0.85, False)
    assert target_for(JOURNEY) == (0.85, False)
    assert target_for("through nginx: home") == (5.0, False)
    assert target_for(COMMENTER) == (0.5, False)
    assert target_for(UNCACHED_ARTICLE) == (0.30, True)
    assert target_for("comment POST, all checks on") == (0.5, True)
    assert target_for("moderation approve") is None


@pytest.fixture
def results() -> dict:
    """A run's results before report(): ceilings first, rows paired with their own ceilings."""
    rows = {
        "ceiling: bare Flask, the row's own bytes from memory (median)": row(2000, runs=11),
        "ceiling: bare comment insert (median)": row(1000, runs=2),
        "home: no cookies": row(1800, ceiling_rps=2000, cookies=0),
        "home: a reader's cookies": row(1000, ceiling_rps=2000, cookies=1),
        JOURNEY: row(1900, ceiling_rps=2000, cookies=0),
        "through nginx: home": row(12000, ceiling_rps=2000, cookies=0),
        COMMENTER: row(1100, ceiling_rps=2000, cookies=2),
        "comment POST, all checks on": row(250, ceiling_rps=1000, stored=90, lost=0),
        "moderation approve": row(1200, ceiling_rps=1000),
        UNCACHED_ARTICLE: row(200, ceiling_rps=2000, cookies=0),
    }
    return {
        "date": "2026-12-01T17:00:00+00:00",
        "database": "postgresql",
        "workers": 2,
        "threads": 1,
        "connections": 32,
        "duration_s": 5,
        "rows": rows,
        "worker_rss_kb_cached": {"before": [100_000, 100_000], "after": [104_500, 101_000]},
        "visibility": {
            "article": {"visible_after_s": 2.4, "s_maxage": 2},
            "comments feed": {"visible_after_s": 11.5, "s_maxage": 10},
        },
        "statements_per_page": {
            "article, 10 comments": 3,
            "article, 50 comments": 3,
            "article, 1,000 comments": 3,
        },
    }


def test_report_writes_the_json_the_table_and_the_plot(
    results: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report(results, tmp_path)
    stem = datetime.now(UTC).strftime("%Y-%m-%d") + "-postgresql"
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        f"{stem}.json",
        f"{stem}.png",
        "latest-postgresql.md",
    ]
    written = json.loads((tmp_path / f"{stem}.json").read_text())
    assert list(written) == [*results.keys()]
    assert list(written)[-1] == "targets"
    assert written["rows"]["comment POST, all checks on"]["ratio"] == 0.25
    assert written["rows"]["ceiling: bare comment insert (median)"]["ratio"] == 1.0
    assert written["targets"] == {
        "home: no cookies (≥ 0.85)": "0.900 met",
        "home: a reader's cookies (≥ 0.85)": "0.500 MISSED",
        f"{JOURNEY} (≥ 0.85)": "0.950 met",
        "through nginx: home (≥ 5×)": "6.000 met",
        f"{COMMENTER} (≥ 0.50)": "0.550 met",
        "comment POST, all checks on (≥ 0.50, open)": "0.250 missed",
        f"{UNCACHED_ARTICLE} (≥ 0.30, open)": "0.100 missed",
        "comments lost (0)": 0,
        "worker memory growth (within ±10%): met": "4.5%",
        "change visible through nginx, article (≤ s-maxage 2 + refresh): met": "2.4 s",
        "change visible through nginx, comments feed (≤ s-maxage 10 + refresh): MISSED": "11.5 s",
        "statements for 10, 50, 1,000 comments (equal)": [3, 3, 3],
    }
    table = (tmp_path / "latest-postgresql.md").read_text().splitlines()
    assert table[:3] == [
        "| what | cookies | requests/s | p50 ms | p99 ms | its ceiling/s | ratio | target |",
        "|---|---|---|---|---|---|---|---|",
        "| ceiling: bare Flask, the row's own bytes from memory (median) |  | 2,000 | 10.0 | 20.0 "
        "| 2,000 | 1.000 |  |",
    ]
    assert (
        "| home: a reader's cookies | 1 | 1,000 | 10.0 | 20.0 | 2,000 | 0.500 | ≥ 0.85 **MISSED** |"
        in table
    )
    assert "| through nginx: home | 0 | 12,000 | 10.0 | 20.0 | 2,000 | 6.000 | ≥ 5× met |" in table
    assert "| moderation approve |  | 1,200 | 10.0 | 20.0 | 1,000 | 1.200 |  |" in table
    out = capsys.readouterr().out
    post = "| comment POST, all checks on |  | 250 | 10.0 | 20.0 | 1,000 | 0.250 |"
    assert f"{post} ≥ 0.50 (open) missed |" in out


def test_rows_through_nginx_that_could_not_run_say_why(results: dict, tmp_path: Path) -> None:
    del results["visibility"]
    results["nginx_skipped"] = "Debian's nginx is not installed (apt-get install -y nginx)"
    report(results, tmp_path)
    assert results["targets"]["through nginx"] == (
        "not measured: Debian's nginx is not installed (apt-get install -y nginx)"
    )
