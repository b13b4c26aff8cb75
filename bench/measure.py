"""The measurements: wrk runs, each paired with a ceiling run next to it; SQL per page.

The machine's speed drifts within a run (other tenants, CPU frequency), so every row is
compared with a ceiling measured back to back with it rather than with one ceiling for all.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from functools import partial
from http.cookiejar import CookieJar
from pathlib import Path

import sqlalchemy as sa

from bench.data import STAFF, bench_app, count_bench_comments
from bench.report import CEILING_INSERT, CEILING_PAGE, COMMENT_POST
from bench.servers import Server
from blog.extensions import db

POST_SCRIPT = Path(__file__).with_name("post.lua")


def blog_pages(info: dict) -> dict[str, str]:
    """The pages measured, by row name, from what build_database returned."""
    return {
        "home": "/",
        "article, 10 comments": f"/articles/{info['articles'][10]}",
        "article, 50 comments": f"/articles/{info['articles'][50]}",
        "article, 1,000 comments": f"/articles/{info['articles'][1000]}",
        "author page": f"/authors/{info['author_slug']}",
        "feed": "/feed.atom",
        "search": "/search?q=harbour",
    }


# --- wrk -------------------------------------------------------------------------------------


def wrk(
    url: str,
    args: argparse.Namespace,
    env: dict | None = None,
    script: Path | None = None,
    cookie: str | None = None,
) -> dict:
    """Warm up, then measure; requests/s and latency percentiles in milliseconds."""
    base = ["wrk", "-t", "2", "-c", str(args.connections), "--latency"]
    if cookie:
        base += ["-H", f"Cookie: {cookie}"]
    if script:
        base += ["-s", str(script)]
    run_env = {**os.environ, **(env or {}), "BENCH_THREADS": "2"}
    if args.warmup and not script:
        subprocess.run(
            [*base, "-d", f"{args.warmup}s", url],
            env=run_env,
            capture_output=True,
            check=True,
            timeout=args.warmup + 30,
        )
    out = subprocess.run(
        [*base, "-d", f"{args.duration}s", url],
        env=run_env,
        capture_output=True,
        text=True,
        check=True,
        timeout=args.duration + 60,
    ).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> dict:
    """Requests/s, p50 and p99 latency (ms), requests and non-2xx/3xx answers from wrk --latency."""
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": latency(out, "50%"),
        "p99_ms": latency(out, "99%"),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "errors": int(m.group(1))
        if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out))
        else 0,
    }


def latency(output: str, percentile: str) -> float:
    """A percentile of wrk's latency distribution, in milliseconds."""
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


# --- rows and their ceilings -----------------------------------------------------------------


class PairedRuns:
    """The rows of a run, each measured back to back with a ceiling run."""

    def __init__(self, ceiling: Server, args: argparse.Namespace) -> None:
        self.ceiling = ceiling
        self.args = args
        #: the measured rows, by name, in the order measured
        self.rows: dict[str, dict] = {}
        #: the ceiling runs paired with a row, by kind ("page" or "insert")
        self.ceilings: dict[str, list[dict]] = {"page": [], "insert": []}

    def ceiling_run(self, kind: str) -> dict:
        """One wrk run against the bare page or the bare insert."""
        if kind == "page":
            return wrk(self.ceiling.url + "/", self.args)
        insert_env = {"BENCH_MODE": "insert", "BENCH_PATH": "/insert", "BENCH_FIELDS": "x=1"}
        return wrk(self.ceiling.url + "/insert", self.args, insert_env, POST_SCRIPT)

    def paired(self, name: str, measure: Callable[[], dict], kind: str = "page") -> None:
        """The row and the ceiling measured back to back, twice, keeping the best of each.

        Writes are measured once (each run changes the database).
        """
        rounds = 2 if kind == "page" else 1
        runs = [(measure(), self.ceiling_run(kind)) for _ in range(rounds)]
        measured = max((row for row, _ in runs), key=lambda row: row["rps"])
        base = max((base for _, base in runs), key=lambda base: base["rps"])
        self.ceilings[kind].append(base)
        measured["ceiling_rps"] = base["rps"]
        self.rows[name] = measured

    def table(self) -> dict[str, dict]:
        """The ceiling rows first (the median of their paired runs), then the measured rows."""
        rows = self.rows
        for kind, name in (("insert", CEILING_INSERT), ("page", CEILING_PAGE)):
            runs = sorted(self.ceilings[kind], key=lambda run: run["rps"])
            rows = {name: {**runs[len(runs) // 2], "runs": len(runs)}, **rows}
        return rows


# --- the blog --------------------------------------------------------------------------------


def measure_blog(
    label: str,
    server: Server,
    pages: dict[str, str],
    info: dict,
    database: tuple[str, dict],
    runs: PairedRuns,
    args: argparse.Namespace,
) -> dict[str, list[int]]:
    """Measure one blog server (page cache `label`: cached or uncached); its workers' memory."""
    warm_up(server, pages, args.workers)
    rss_before = server.worker_rss_kb()
    print(f"Measuring the blog, page cache {label}...", flush=True)
    for name, path in pages.items():
        if label == "uncached" or name.startswith("article"):
            runs.paired(f"{name} ({label})", partial(wrk, server.url + path, args))
    if label == "cached":
        measure_reader_with_session(server, pages["article, 50 comments"], runs, args)
        measure_comment_post(server, info["post_slug"], database, runs, args)
        measure_approvals(server, info["first_pending_id"], runs, args)
    return {"before": rss_before, "after": server.worker_rss_kb()}


def warm_up(server: Server, pages: dict[str, str], workers: int) -> None:
    """Every page a few times on each worker.

    So that what the workers keep (compiled SQL, templates, kept pages) is there before memory
    is first measured.
    """
    for _ in range(workers * 5):
        for path in pages.values():
            urllib.request.urlopen(server.url + path).read()  # noqa: S310


def measure_reader_with_session(
    server: Server, path: str, runs: PairedRuns, args: argparse.Namespace
) -> None:
    """A returning reader sends a session cookie: Flask renders the page around kept fragments.

    The fast path is for cookieless visitors only.
    """
    reader, _ = session_with_form(server.url, path)
    runs.paired(
        "article, 50 comments (cached, reader with a session)",
        partial(wrk, server.url + path, args, cookie=reader),
    )


def measure_comment_post(
    server: Server,
    slug: str,
    database: tuple[str, dict],
    runs: PairedRuns,
    args: argparse.Namespace,
) -> None:
    """Comments posted through the real form, every check on; how many were stored or lost."""
    cookie, fields = session_with_form(server.url, f"/articles/{slug}")
    time.sleep(3.2)  # the form's stamp must be older than COMMENT_MIN_SECONDS
    form = {k: v for k, v in fields.items() if k in ("csrf_token", "stamp")}
    form.update({"name": "Bench", "email": "bench@example.com"})
    before = count_bench_comments(*database)
    measured = wrk(
        server.url + f"/articles/{slug}/comments",
        args,
        {
            "BENCH_MODE": "comment",
            "BENCH_COOKIE": cookie,
            "BENCH_PATH": f"/articles/{slug}/comments",
            "BENCH_FIELDS": urllib.parse.urlencode(form),
        },
        POST_SCRIPT,
    )
    stored = count_bench_comments(*database) - before
    measured["stored"] = stored
    measured["lost"] = max(measured["requests"] - measured["errors"] - stored, 0)
    runs.paired(COMMENT_POST, partial(dict, measured), "insert")


def measure_approvals(
    server: Server, first_pending_id: int, runs: PairedRuns, args: argparse.Namespace
) -> None:
    """A staff member approving pending comments one after another."""
    staff, token = staff_cookie(server.url)
    approvals = wrk(
        server.url + "/",
        args,
        {
            "BENCH_MODE": "approve",
            "BENCH_COOKIE": staff,
            "BENCH_FIRST_ID": str(first_pending_id),
            "BENCH_FIELDS": urllib.parse.urlencode({"csrf_token": token}),
        },
        POST_SCRIPT,
    )
    runs.paired("moderation approve", partial(dict, approvals), "insert")


def session_with_form(url: str, path: str) -> tuple[str, dict[str, str]]:
    """Open a page like a browser; return its cookie header and its form's fields."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(url + path).read().decode()
    fields = dict(re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', html))
    return "; ".join(f"{c.name}={c.value}" for c in jar), fields


def staff_cookie(url: str) -> tuple[str, str]:
    """Log in as the bench editor; return the cookie header and a CSRF token."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(url + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode(
        {"csrf_token": token, "username": STAFF[0], "password": STAFF[1]}
    ).encode()
    opener.open(url + "/login", data=data).read()
    html = opener.open(url + "/admin/password").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return "; ".join(f"{c.name}={c.value}" for c in jar), token


# --- SQL -------------------------------------------------------------------------------------


def statements_per_page(url: str, options: dict, paths: dict[str, str]) -> dict[str, int]:
    """SQL statements each page runs (uncached), counted in-process on the same database."""
    app = bench_app(url, options)
    client = app.test_client()
    counts = {}
    with app.app_context():
        engine = db.engine
    for name, path in paths.items():
        client.get(path)
        statements: list[str] = []

        def count(_c, _cu, statement, *_a, statements=statements) -> None:
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", count)
        client.get(path)
        sa.event.remove(engine, "before_cursor_execute", count)
        counts[name] = len(statements)
    with app.app_context():
        db.engine.dispose()
    return counts
