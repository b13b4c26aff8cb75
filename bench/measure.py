"""The measurements: wrk runs, each paired with a ceiling run next to it; SQL per page.

The machine's speed drifts within a run (other tenants, CPU frequency), so every row is
compared with a ceiling measured back to back with it rather than with one ceiling for all,
and each page row's ceiling sends the very answer the blog gave for that row (bench.capture).
Readers send what a browser sends: `Accept-Encoding: gzip`, and the cookies their jar holds.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import time
import urllib.parse
from collections.abc import Callable
from functools import partial
from pathlib import Path

import sqlalchemy as sa

from bench.capture import (
    READER_HEADERS,
    Browser,
    fetch,
    form_fields,
    keep,
    row_key,
    same_bytes,
)
from bench.data import PROBE_TEXT, STAFF, bench_app, count_bench_comments
from bench.report import (
    CEILING_INSERT,
    CEILING_PAGE,
    COMMENT_POST,
    COMMENTER,
    JOURNEY,
    UNCACHED_ARTICLE,
)
from bench.servers import Server, nginx_in_front_of, nginx_missing
from blog.extensions import db

POST_SCRIPT = Path(__file__).with_name("post.lua")
JOURNEY_SCRIPT = Path(__file__).with_name("journey.lua")
#: Seconds of each turn a page row and its ceiling take (PairedRuns.paired).
SLICE_S = 1
#: Seconds a form must have been open before it is posted (the blog's COMMENT_MIN_SECONDS, 3).
FORM_WAIT = 3.2


def reader_pages(info: dict) -> dict[str, str]:
    """The reader pages measured, by row name, from what build_database returned."""
    return {
        "home": "/",
        "article (50 comments)": f"/articles/{info['articles'][50]}",
        "author": f"/authors/{info['read_author_slug']}",
        "category": f"/category/{info['category_slug']}",
        "tag": f"/tag/{info['tag_slug']}",
        "feed": "/feed.atom",
        "sitemap index": "/sitemap.xml",
        "month sitemap": f"/sitemaps/{info['month']}.xml",
    }


def journey_paths(info: dict) -> list[str]:
    """The reader journey: home, the 50-comment article, a second article, the author page."""
    pages = reader_pages(info)
    return [
        pages["home"],
        pages["article (50 comments)"],
        f"/articles/{info['second_slug']}",
        pages["author"],
    ]


def blog_pages(info: dict) -> dict[str, str]:
    """The pages whose SQL statements are counted (uncached), by name."""
    return {
        **reader_pages(info),
        "article, 10 comments": f"/articles/{info['articles'][10]}",
        "article, 50 comments": f"/articles/{info['articles'][50]}",
        "article, 1,000 comments": f"/articles/{info['articles'][1000]}",
        "search": "/search?q=harbour",
    }


# --- wrk -------------------------------------------------------------------------------------


def wrk(
    url: str,
    args: argparse.Namespace,
    env: dict | None = None,
    script: Path | None = None,
    headers: dict[str, str] | None = None,
    warm: bool | None = None,
    duration: int | None = None,
) -> dict:
    """Warm up (not before a script that writes, unless `warm`), then measure for `duration`
    seconds (--duration by default); requests/s and latency percentiles in milliseconds."""
    duration = duration or args.duration
    base = ["wrk", "-t", "2", "-c", str(args.connections), "--latency"]
    for name, value in (headers or {}).items():
        base += ["-H", f"{name}: {value}"]
    if script:
        base += ["-s", str(script)]
    run_env = {**os.environ, **(env or {}), "BENCH_THREADS": "2"}
    if args.warmup and (warm if warm is not None else not script):
        subprocess.run(
            [*base, "-d", f"{args.warmup}s", url],
            env=run_env,
            capture_output=True,
            check=True,
            timeout=args.warmup + 30,
        )
    out = subprocess.run(
        [*base, "-d", f"{duration}s", url],
        env=run_env,
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 60,
    ).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> dict:
    """Requests/s, p50 and p99 latency (ms), requests and non-2xx/3xx answers from wrk --latency;
    and the cookies a script carried, when it says (journey.lua)."""
    parsed = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": latency(out, "50%"),
        "p99_ms": latency(out, "99%"),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "errors": int(m.group(1))
        if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out))
        else 0,
    }
    if m := re.search(r"cookies carried: (\d+)", out):
        parsed["cookies"] = int(m.group(1))
    return parsed


def latency(output: str, percentile: str) -> float:
    """A percentile of wrk's latency distribution, in milliseconds."""
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def combined(runs: list[dict]) -> dict:
    """Slices of one side as one figure: the medians of requests/s and latencies, the sums of
    requests and errors (and the most cookies any slice carried)."""

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    out = {
        "rps": median("rps"),
        "p50_ms": median("p50_ms"),
        "p99_ms": median("p99_ms"),
        "requests": sum(run["requests"] for run in runs),
        "errors": sum(run["errors"] for run in runs),
    }
    out |= {key: value for run in runs for key, value in run.items() if key not in out}
    if carried := [run["cookies"] for run in runs if "cookies" in run]:
        out["cookies"] = max(carried)
    return out


def header_lines(headers: dict[str, str]) -> str:
    """Headers as journey.lua reads them from BENCH_HEADERS."""
    return "\n".join(f"{name}: {value}" for name, value in headers.items())


# --- rows and their ceilings -----------------------------------------------------------------


class PairedRuns:
    """The rows of a run, each measured back to back with its own ceiling run."""

    def __init__(self, ceiling: Server, args: argparse.Namespace, captures: Path) -> None:
        self.ceiling = ceiling
        self.args = args
        #: where the blog's answers are kept for the ceiling to send (BENCH_CAPTURE_DIR)
        self.captures = captures
        #: the measured rows, by name, in the order measured
        self.rows: dict[str, dict] = {}
        #: the ceiling runs paired with a row, by kind ("page" or "insert")
        self.ceilings: dict[str, list[dict]] = {"page": [], "insert": []}

    def insert_run(self) -> dict:
        """One wrk run against the bare insert."""
        insert_env = {"BENCH_MODE": "insert", "BENCH_PATH": "/insert", "BENCH_FIELDS": "x=1"}
        return wrk(self.ceiling.url + "/insert", self.args, insert_env, POST_SCRIPT)

    def paired(
        self,
        name: str,
        measure: Callable[..., dict],
        ceiling: Callable[..., dict] | None = None,
        kind: str = "page",
        **facts: object,
    ) -> dict:
        """The row and its ceiling measured in turns; `facts` go into the row.

        A page row and its ceiling take turns, one SLICE_S slice each, for --duration seconds
        each (which goes first alternates; the warm-up comes before each side's first slice
        only), so that both meet the same machine: its speed drifts, and other work comes and
        goes within a run. The row's figures are the medians of its slices, the ceiling's
        likewise, and its ratio is the median of the slices' ratios (each slice of the row over
        the ceiling's slice next to it). Writes are measured once each, for --duration seconds
        (each run changes the database).
        """
        ceiling = ceiling or self.insert_run
        rows: list[dict] = []
        bases: list[dict] = []
        if kind != "page":
            rows.append(measure())
            bases.append(ceiling())
        for turn in range(max(self.args.duration // SLICE_S, 1) if kind == "page" else 0):
            sides = [(rows, measure), (bases, ceiling)]
            for runs, run in sides[:: -1 if turn % 2 else 1]:
                runs.append(run(duration=SLICE_S, warm=turn == 0))
        pairs = zip(rows, bases, strict=True)
        in_turn = [round(row["rps"] / base["rps"], 3) for row, base in pairs if base["rps"]]
        measured, base = combined(rows), combined(bases)
        self.ceilings[kind].append(base)
        measured["ceiling_rps"] = base["rps"]
        measured["ratio"] = round(statistics.median(in_turn), 3) if in_turn else 0.0
        measured["slices"] = len(rows)
        measured["slice_ratios"] = in_turn
        measured.update(facts)
        self.rows[name] = measured
        print(
            f"  {name}: {measured['rps']:,.0f}/s, ceiling {base['rps']:,.0f}/s, "
            f"ratio {measured['ratio']:.3f}",
            flush=True,
        )
        return measured

    def page_row(
        self, name: str, server_url: str, path: str, headers: dict[str, str], **facts: object
    ) -> dict:
        """A page read with `headers`, paired with the ceiling sending the blog's own answer.

        The answer is captured, handed to the ceiling, and checked equal once before measuring.
        """
        key = row_key(name)
        answer = fetch(server_url + path, headers)
        if answer.status != 200:
            raise RuntimeError(f"{name}: {path} answered {answer.status}")
        keep(self.captures, key, answer)
        how = same_bytes(
            name,
            fetch(server_url + path, headers),
            fetch(f"{self.ceiling.url}/page/{key}", headers),
        )
        return self.paired(
            name,
            partial(wrk, server_url + path, self.args, headers=headers),
            partial(wrk, f"{self.ceiling.url}/page/{key}", self.args, headers=headers),
            bytes=how,
            body_bytes=len(answer.body),
            encoding=answer.encoding,
            **facts,
        )

    def table(self) -> dict[str, dict]:
        """The ceiling rows first (the median of their paired runs), then the measured rows."""
        rows = self.rows
        for kind, name in (("insert", CEILING_INSERT), ("page", CEILING_PAGE)):
            runs = sorted(self.ceilings[kind], key=lambda run: run["rps"])
            if runs:
                rows = {name: {**runs[len(runs) // 2], "runs": len(runs)}, **rows}
        return rows


# --- the blog --------------------------------------------------------------------------------


def measure_cached(
    server: Server, info: dict, database: tuple[str, dict], runs: PairedRuns
) -> dict:
    """Every row on the blog as it runs in production (page cache on), nginx in front for its
    rows; returns what goes into the results besides the rows (memory, visibility, skips)."""
    warm_up(server, [*reader_pages(info).values(), *journey_paths(info)], runs.args.workers)
    rss_before = server.worker_rss_kb()
    print("Measuring the blog, page cache on...", flush=True)
    measure_readers(server, info, runs)
    measure_journey(server, info, runs)
    measure_commenter(server, info, runs)
    extra: dict = {}
    if missing := nginx_missing():
        print(f"  through nginx: skipped, {missing}", flush=True)
        extra["nginx_skipped"] = missing
    else:
        with nginx_in_front_of(server) as proxy:
            measure_through_nginx(proxy.url, info, runs)
            extra["visibility"] = measure_visibility(proxy.url, server.url, info)
    measure_comment_post(server, info["post_slug"], database, runs, runs.args)
    measure_approvals(server, info["first_pending_id"], runs, runs.args)
    return {
        "worker_rss_kb_cached": {"before": rss_before, "after": server.worker_rss_kb()},
        **extra,
    }


def measure_uncached(server: Server, info: dict, runs: PairedRuns) -> None:
    """The 50-comment article rendered from the database for every reader (open target)."""
    article = reader_pages(info)["article (50 comments)"]
    warm_up(server, [article], runs.args.workers)
    print("Measuring the blog, page cache off...", flush=True)
    runs.page_row(UNCACHED_ARTICLE, server.url, article, READER_HEADERS, cookies=0)


def warm_up(server: Server, paths: list[str], workers: int) -> None:
    """Every page a few times on each worker, as readers ask for it.

    So that what the workers keep (compiled SQL, templates, kept pages) is there before memory
    is first measured.
    """
    for _ in range(workers * 5):
        for path in paths:
            fetch(server.url + path, READER_HEADERS)


def measure_readers(server: Server, info: dict, runs: PairedRuns) -> None:
    """Every reader page without cookies, then with what a browser carries after reading.

    The browser reads the 50-comment article first (the page that used to hand out a session
    cookie), then the page itself; the row says how many cookies it carried.
    """
    article = reader_pages(info)["article (50 comments)"]
    for name, path in reader_pages(info).items():
        runs.page_row(f"{name}: no cookies", server.url, path, READER_HEADERS, cookies=0)
        browser = Browser(server.url)
        browser.get(article)
        browser.get(path)
        runs.page_row(
            f"{name}: a reader's cookies",
            server.url,
            path,
            browser.request_headers(),
            cookies=len(browser.jar),
        )


def measure_journey(server: Server, info: dict, runs: PairedRuns) -> None:
    """home -> article -> second article -> author page, cycled, with a browser's cookie jar.

    The ceiling sends, for each step, the answer a browser got on its second time round (when
    its jar holds whatever the first round set), with the same script and the same cookies.
    """
    paths = journey_paths(info)
    browser = Browser(server.url)
    for path in paths:
        browser.get(path)
    keys, matched = [], []
    for step, path in enumerate(paths):
        key = row_key(f"journey {step}")
        keep(runs.captures, key, fetch(server.url + path, browser.request_headers()))
        how = same_bytes(
            f"journey step {step} ({path})",
            fetch(server.url + path, browser.request_headers()),
            fetch(f"{runs.ceiling.url}/page/{key}", browser.request_headers()),
        )
        keys.append(key)
        matched.append(how)

    def run(url: str, route: list[str], cookie: str, **timing: object) -> dict:
        env = {
            "BENCH_PATHS": " ".join(route),
            "BENCH_HEADERS": header_lines(READER_HEADERS),
            "BENCH_COOKIE": cookie,
        }
        return wrk(url, runs.args, env, JOURNEY_SCRIPT, **{"warm": True, **timing})

    measured = runs.paired(
        JOURNEY,
        partial(run, server.url, paths, ""),
        partial(run, runs.ceiling.url, [f"/page/{key}" for key in keys], browser.cookie_header()),
        bytes=", ".join(matched),
    )
    measured.setdefault("cookies", len(browser.jar))


def measure_commenter(server: Server, info: dict, runs: PairedRuns) -> None:
    """A commenter posts through the real form with "remember" ticked, as a browser does, then
    reads the 50-comment article with the session and comment_author cookies they now hold."""
    browser = Browser(server.url)
    slug = info["post_slug"]
    page = browser.get(f"/articles/{slug}")
    action, fields = form_fields(page.text(), 'class="comment-form"')
    time.sleep(FORM_WAIT)  # a person takes longer than COMMENT_MIN_SECONDS to write
    fields |= {
        "body": "Thank you for this: I read it twice.",
        "name": "Bench Commenter",
        "email": "commenter@example.com",
        "website": "",
        "remember": "y",
    }
    answer = browser.post(action, fields)
    if answer.status != 200 or "awaiting moderation" not in answer.text():
        raise RuntimeError(f"the commenter's post was not taken: {answer.status}")
    runs.page_row(
        COMMENTER,
        server.url,
        reader_pages(info)["article (50 comments)"],
        browser.request_headers(),
        cookies=len(browser.jar),
        cookie_names=sorted(browser.jar),
    )


def measure_through_nginx(front_url: str, info: dict, runs: PairedRuns) -> None:
    """The article and home through nginx, no cookies: the ceiling sends what nginx sent."""
    pages = reader_pages(info)
    for name in ("article (50 comments)", "home"):
        runs.page_row(f"through nginx: {name}", front_url, pages[name], READER_HEADERS, cookies=0)


def measure_visibility(front_url: str, blog_url: str, info: dict) -> dict:
    """How long after a moderator approves a comment a cookieless reader behind nginx sees it.

    The probe comment's article and the comments feed are read through nginx first (so they
    are in its cache); a staff member approves the comment with the queue's own Approve form
    (straight to gunicorn, as cookie-carrying requests pass nginx by); from its answer, both
    pages are read through nginx every 50 ms until the comment shows. Each is compared with
    the page's own s-maxage (read from its Cache-Control) plus one refresh.
    """
    watched = {"article": f"/articles/{info['probe_slug']}", "comments feed": "/comments/feed.atom"}
    s_maxage = {}
    for name, path in watched.items():
        for _ in range(3):
            answer = fetch(front_url + path, READER_HEADERS)
        if PROBE_TEXT in answer.text():
            raise RuntimeError(f"the probe comment shows on {path} before it is approved")
        match = re.search(r"s-maxage=(\d+)", answer.header("Cache-Control"))
        s_maxage[name] = int(match.group(1)) if match else None
    staff = Browser(blog_url)
    log_in(staff)
    queue = staff.get(f"/admin/comments?article={info['probe_article_id']}")
    action, fields = form_fields(queue.text(), f'/{info["probe_comment_id"]}/approve"')
    approved = staff.post(action, fields, follow=False)
    if approved.status not in (302, 303):
        raise RuntimeError(f"approving the probe comment answered {approved.status}")
    start = time.monotonic()
    seen: dict[str, float] = {}
    limit = max(value or 0 for value in s_maxage.values()) + 30
    while len(seen) < len(watched) and time.monotonic() - start < limit:
        for name, path in watched.items():
            if name not in seen and PROBE_TEXT in fetch(front_url + path, READER_HEADERS).text():
                seen[name] = round(time.monotonic() - start, 2)
        time.sleep(0.05)
    return {
        name: {"visible_after_s": seen.get(name), "s_maxage": s_maxage[name]} for name in watched
    }


def log_in(browser: Browser) -> None:
    """Log the browser in as the bench's staff member, through the login form."""
    action, fields = form_fields(browser.get("/login").text(), 'class="stacked-form"')
    fields.pop("remember", None)  # a session is enough
    fields |= {"username": STAFF[0], "password": STAFF[1]}
    answer = browser.post(action or "/login", fields)
    if answer.status != 200 or "/login" in answer.url:
        raise RuntimeError(f"the bench's staff login failed ({answer.status})")


def staff_cookie(url: str) -> tuple[str, str]:
    """Log in as the bench editor; return the cookie header and a CSRF token (bench.scale)."""
    staff = Browser(url)
    log_in(staff)
    _, fields = form_fields(staff.get("/admin/password").text(), 'method="post"')
    return staff.cookie_header(), fields["csrf_token"]


def measure_comment_post(
    server: Server,
    slug: str,
    database: tuple[str, dict],
    runs: PairedRuns,
    args: argparse.Namespace,
) -> None:
    """Comments posted through the real form, every check on; how many were stored or lost."""
    browser = Browser(server.url)
    action, fields = form_fields(browser.get(f"/articles/{slug}").text(), 'class="comment-form"')
    time.sleep(FORM_WAIT)  # the form's stamp must be older than COMMENT_MIN_SECONDS
    form = {k: v for k, v in fields.items() if k in ("csrf_token", "stamp")}
    form.update({"name": "Bench", "email": "bench@example.com"})
    before = count_bench_comments(*database)
    measured = wrk(
        server.url + action,
        args,
        {
            "BENCH_MODE": "comment",
            "BENCH_COOKIE": browser.cookie_header(),
            "BENCH_ORIGIN": server.url,
            "BENCH_PATH": urllib.parse.urlsplit(action).path,
            "BENCH_FIELDS": urllib.parse.urlencode(form),
        },
        POST_SCRIPT,
    )
    stored = count_bench_comments(*database) - before
    measured["stored"] = stored
    measured["lost"] = max(measured["requests"] - measured["errors"] - stored, 0)
    runs.paired(COMMENT_POST, partial(dict, measured), kind="insert")


def measure_approvals(
    server: Server, first_pending_id: int, runs: PairedRuns, args: argparse.Namespace
) -> None:
    """A staff member approving pending comments one after another."""
    cookie, token = staff_cookie(server.url)
    approvals = wrk(
        server.url + "/",
        args,
        {
            "BENCH_MODE": "approve",
            "BENCH_COOKIE": cookie,
            "BENCH_ORIGIN": server.url,
            "BENCH_FIRST_ID": str(first_pending_id),
            "BENCH_FIELDS": urllib.parse.urlencode({"csrf_token": token}),
        },
        POST_SCRIPT,
    )
    runs.paired("moderation approve", partial(dict, approvals), kind="insert")


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
