"""`make bench-scale` (`python -m bench.scale`): how each page's time grows with the archive.

Builds sites of 1,000, 10,000 and 100,000 published articles (bench/scaledata.py: 600 to 1,200
words each, ten a day, three tags, ten comments each on average), bulk-loaded into a schema made
by the migrations, on SQLite or (--database-url) PostgreSQL; built databases are kept between
runs, keyed by size, seed and data version (SQLite files in bench/.scale-cache/, PostgreSQL
databases named bench_scale_<size>_s<seed>_v<version>; --rebuild makes them again). Then for
each size it starts the site under gunicorn (one worker, page cache off) and times every page
in PAGES with one client, sequentially, after a warm-up: p50 and p99, and the growth of p50
from the smallest size to the largest. Results go to bench/results/scale-<date>.json and .md.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import math
import re
import shutil
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bench.data import SECRET, STAFF
from bench.measure import staff_cookie
from bench.report import RESULTS
from bench.scaledata import DATA_VERSION, NO_ARTICLE_WORD, Generator, file_size, load
from bench.servers import ROOT, Server, blog_environment
from blog import create_app
from blog.extensions import db

CACHE = ROOT / "bench" / ".scale-cache"
SIZES = (1000, 10000, 100000)
WARMUP = 3
#: A page's p50 at the largest size meets the target within this factor or this many ms.
GROWTH_FACTOR, GROWTH_SLACK_MS = 1.5, 5.0
SEARCH_P99_MS = 200.0


@dataclass(frozen=True)
class Page:
    """A page timed at every size: its row name, its address from the site's facts, staff only."""

    name: str
    path: Callable[[dict], str]
    staff: bool = False
    search: bool = False
    #: Time the page its rel="next" link leads to (a page named by a cursor) instead.
    follow_next: bool = False


#: Every page timed, in order; `facts` is what discover() found in the database of a size.
PAGES = (
    Page("home", lambda f: "/"),
    Page("home, deepest page", lambda f: f"/?page={f['home_last_page']}"),
    Page("article, ~50 comments", lambda f: f"/articles/{f['article']}"),
    Page("article's comment feed", lambda f: f"/articles/{f['article']}/comments.atom"),
    Page("authors", lambda f: "/authors/"),
    Page("author", lambda f: f"/authors/{f['author']}"),
    Page("author, page 2", lambda f: f"/authors/{f['author']}?page=2"),
    Page("category", lambda f: f"/category/{f['category']}"),
    Page("tag", lambda f: f"/tag/{f['tag']}"),
    Page("tag, page 20", lambda f: f"/tag/{f['tag']}?page=20"),
    Page("archive", lambda f: "/archive/"),
    Page("archive, a year", lambda f: f"/archive/{f['year']}/"),
    Page("archive, a month", lambda f: f"/archive/{f['year']}/{f['month']}/"),
    Page("sitemap (index)", lambda f: "/sitemap.xml"),
    Page("sitemap, other pages", lambda f: "/sitemaps/pages.xml"),
    Page("sitemap, a month", lambda f: f"/sitemaps/{f['year']}-{f['month']}.xml"),
    Page("feed", lambda f: "/feed.atom"),
    Page("comment feed", lambda f: "/comments/feed.atom"),
    Page("search, in every article", lambda f: "/search?q=harbour", search=True),
    Page("search, in none", lambda f: f"/search?q={NO_ARTICLE_WORD}", search=True),
    Page("search, three words", lambda f: "/search?q=council+budget+vote", search=True),
    Page("search, an unfinished word", lambda f: "/search?q=harb"),
    Page("moderation queue, pending", lambda f: "/admin/comments", staff=True),
    Page(
        "moderation queue, pending page 2",
        lambda f: "/admin/comments",
        staff=True,
        follow_next=True,
    ),
    Page("moderation queue, approved", lambda f: "/admin/comments?status=approved", staff=True),
    Page(
        "moderation queue, one article",
        lambda f: f"/admin/comments?status=approved&article={f['article_id']}",
        staff=True,
    ),
    Page(
        "moderation queue, search", lambda f: "/admin/comments?status=approved&q=reader", staff=True
    ),
    Page("dashboard", lambda f: "/admin/", staff=True),
    Page("editorial article list", lambda f: "/admin/articles", staff=True),
    Page(
        "editorial article list, page 2", lambda f: "/admin/articles", staff=True, follow_next=True
    ),
)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(size) for size in text.split(",")],
        default=list(SIZES),
        help="published articles per site, comma-separated (default: 1000,10000,100000)",
    )
    parser.add_argument("--database-url", help="PostgreSQL server to build on (default: SQLite)")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    parser.add_argument(
        "--page-budget",
        type=float,
        default=30.0,
        help="seconds of timed requests per page at most (at least 3 requests); default 30",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=60,
        help="seconds a request may take before gunicorn stops it (a failure); default 60",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true", help="build even if a database is kept")
    parser.add_argument("--results-dir", type=Path, default=RESULTS, help="default: bench/results")
    return parser.parse_args(argv)


# --- Databases -------------------------------------------------------------------------------


def database_name(size: int, seed: int) -> str:
    """What a kept database of this size, seed and data version is called."""
    return f"bench_scale_{size}_s{seed}_v{DATA_VERSION}"


def sqlite_database(size: int, seed: int, rebuild: bool) -> tuple[str, bool]:
    """The URL of the SQLite database for this size, built unless kept; and whether it was."""
    path = CACHE / f"{database_name(size, seed)}.sqlite3"
    if path.exists() and not rebuild:
        return f"sqlite:///{path}", False
    CACHE.mkdir(parents=True, exist_ok=True)
    building = path.with_suffix(".building")
    for stale in (building, Path(f"{building}-wal"), Path(f"{building}-shm"), path):
        stale.unlink(missing_ok=True)
    build(f"sqlite:///{building}", size, seed)
    building.rename(path)
    return f"sqlite:///{path}", True


def postgresql_database(server_url: str, size: int, seed: int, rebuild: bool) -> tuple[str, bool]:
    """The URL of the PostgreSQL database for this size, built unless kept; and whether it was."""
    name = database_name(size, seed)
    url = sa.make_url(server_url)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
            if exists and not rebuild:
                return url.set(database=name).render_as_string(hide_password=False), False
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}_building"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}_building"')
        build(
            url.set(database=f"{name}_building").render_as_string(hide_password=False), size, seed
        )
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            conn.exec_driver_sql(f'ALTER DATABASE "{name}_building" RENAME TO "{name}"')
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), True


def migrate(url: str) -> None:
    """Apply the migrations a database lacks (none, usually)."""
    from flask_migrate import upgrade

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "CACHE_TYPE": "NullCache"}
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()


def build(url: str, size: int, seed: int) -> dict[str, int]:
    """The real schema (the migrations), the content in bulk, a staff account; then ANALYZE,
    and on PostgreSQL VACUUM too, as autovacuum would have done to a database in service (it
    marks pages all-visible, which index-only scans need)."""
    from flask_migrate import upgrade

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "CACHE_TYPE": "NullCache"}
    )
    started = time.monotonic()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.begin() as connection:
            counts = load(connection, Generator(size, seed))
    result = app.test_cli_runner().invoke(
        args=["create-admin", STAFF[0], "--password-stdin", "--display-name", "Bench Desk"],
        input=STAFF[1] + "\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            postgresql = connection.dialect.name == "postgresql"
            connection.exec_driver_sql("VACUUM ANALYZE" if postgresql else "ANALYZE")
        db.engine.dispose()
    print(
        f"  built {size:,} articles in {time.monotonic() - started:.0f} s: "
        + ", ".join(f"{count:,} {table}" for table, count in counts.items()),
        flush=True,
    )
    return counts


def database_size(url: str) -> int:
    """Bytes the database takes on disk."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return file_size(Path(parsed.database))
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        size = conn.scalar(sa.text("SELECT pg_database_size(current_database())"))
    engine.dispose()
    return size


def discover(url: str) -> dict:
    """The slugs and numbers PAGES need, found in the database as built."""
    engine = sa.create_engine(url)
    now = datetime.now(UTC)
    visible = "status = 'published' AND published_at <= :now"
    bind = {"now": now if engine.dialect.name != "sqlite" else now.replace(tzinfo=None)}
    with engine.connect() as conn:
        newest = conn.execute(
            sa.text(
                f"SELECT a.slug, (SELECT count(*) FROM comments c WHERE c.article_id = a.id "  # noqa: S608
                f"AND c.status = 'approved') FROM articles a WHERE {visible} "
                "ORDER BY published_at DESC LIMIT 50"
            ),
            bind,
        ).all()
        article = next((slug for slug, count in newest if 45 <= count <= 60), newest[0][0])
        article_id = conn.scalar(sa.text("SELECT id FROM articles WHERE slug = :s"), {"s": article})
        published = conn.scalar(sa.text(f"SELECT count(*) FROM articles WHERE {visible}"), bind)  # noqa: S608
        author = conn.scalar(
            sa.text(
                "SELECT slug FROM authors WHERE id = (SELECT author_id FROM articles "
                "GROUP BY author_id ORDER BY count(*) DESC LIMIT 1)"
            )
        )
        category = conn.scalar(
            sa.text(
                "SELECT slug FROM categories WHERE id = (SELECT category_id FROM articles "
                "GROUP BY category_id ORDER BY count(*) DESC LIMIT 1)"
            )
        )
        tag = conn.scalar(
            sa.text(
                "SELECT slug FROM tags WHERE id = (SELECT tag_id FROM article_tags "
                "GROUP BY tag_id ORDER BY count(*) DESC LIMIT 1)"
            )
        )
    engine.dispose()
    last_month = now.replace(day=1) - timedelta(days=1)
    return {
        "article": article,
        "article_id": article_id,
        "author": author,
        "category": category,
        "tag": tag,
        "home_last_page": min(50, math.ceil(published / 10)),
        "year": f"{last_month.year:04d}",
        "month": f"{last_month.month:02d}",
    }


# --- Measuring -------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share 0.5 is the median, 0.99 the 99th)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def request_headers(cookie: str) -> dict[str, str]:
    """The User-Agent of the login (urllib's): the staff session is bound to it; the cookie."""
    headers = dict(urllib.request.build_opener().addheaders)
    if cookie:
        headers["Cookie"] = cookie
    return headers


def time_page(
    connection: http.client.HTTPConnection, path: str, cookie: str, args: argparse.Namespace
) -> dict:
    """Warm up, then up to args.requests requests one after another: p50, p99, any answer but 200.

    A page slower than a second is warmed up once, and timed for at most args.page_budget
    seconds (three requests at least), so one very slow page does not hold up the run; a page
    whose warm-up alone took longer is timed by that one request. The row says how many
    requests it had. A request gunicorn stops at args.timeout is a failure, "timeout".
    """
    headers = request_headers(cookie)
    times: list[float] = []
    failures: dict[str, int] = {}
    warmups = WARMUP
    spent = 0.0
    while warmups or (len(times) < args.requests and (spent < args.page_budget or len(times) < 3)):
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            status = str(response.status)
        except (http.client.HTTPException, OSError) as error:
            connection.close()
            status = type(error).__name__
        elapsed = time.perf_counter() - started
        if elapsed >= args.timeout - 1 and status != "200":
            status = "timeout"
        if warmups and elapsed <= args.page_budget:
            warmups = 0 if elapsed > 1 else warmups - 1
            continue
        warmups = 0
        spent += elapsed
        times.append(elapsed * 1000)
        if status != "200":
            failures[status] = failures.get(status, 0) + 1
        if elapsed > args.page_budget:
            break
    return {
        "path": path,
        "p50_ms": round(percentile(times, 0.5), 2),
        "p99_ms": round(percentile(times, 0.99), 2),
        "requests": len(times),
        "failures": failures,
    }


_NEXT_LINK = re.compile(r'<a rel="next" href="([^"]+)"')


def next_page(connection: http.client.HTTPConnection, path: str, cookie: str) -> str:
    """Where the page at path's rel="next" link leads (a cursor only the page knows)."""
    connection.request("GET", path, headers=request_headers(cookie))
    response = connection.getresponse()
    body = response.read().decode()
    found = _NEXT_LINK.search(body)
    return html.unescape(found.group(1)) if found else path


def measure_size(url: str, args: argparse.Namespace, workdir: Path) -> dict[str, dict]:
    """Every page of PAGES on one database, under gunicorn with one worker and no page cache."""
    facts = discover(url)
    env = {
        **blog_environment(url, {}, workdir),
        "FLASK_CACHE_TYPE": "NullCache",
        # How long a request may take before gunicorn stops it (its default is 30 s).
        "GUNICORN_CMD_ARGS": f"--timeout {args.timeout}",
    }
    rows = {}
    with Server("wsgi:app", env, argparse.Namespace(workers=1, threads=1)) as server:
        cookie, _ = staff_cookie(server.url)
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        for page in PAGES:
            path = page.path(facts)
            if page.follow_next:
                path = next_page(connection, path, cookie if page.staff else "")
            rows[page.name] = time_page(connection, path, cookie if page.staff else "", args)
            row = rows[page.name]
            failed = f"  FAILED {row['failures']}" if row["failures"] else ""
            print(
                f"    {page.name}: p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms, "
                f"{row['requests']} requests{failed}",
                flush=True,
            )
        connection.close()
    return rows


# --- Report ----------------------------------------------------------------------------------


def meets_growth(small: float, large: float) -> bool:
    """Whether p50 at the largest size is within GROWTH_FACTOR or GROWTH_SLACK_MS of the first."""
    return large <= small * GROWTH_FACTOR or large - small <= GROWTH_SLACK_MS


def cell(row: dict, requests: int) -> str:
    """A size's p50 / p99 for the table, or the failure."""
    if row["failures"]:
        return " / ".join(f"{status} ×{n}" for status, n in row["failures"].items())
    fewer = f" (n={row['requests']})" if row["requests"] < requests else ""
    return f"{row['p50_ms']:.1f} / {row['p99_ms']:.1f}{fewer}"


def table(results: dict) -> list[str]:
    """Pages by size, p50 / p99 in ms, the growth and whether it meets the target; as Markdown."""
    sizes = [str(size) for size in results["sizes"]]
    small, large = sizes[0], sizes[-1]
    head = " | ".join(f"{int(size):,}" for size in sizes)
    lines = [
        f"| page | {head} | growth p50 {int(small):,} → {int(large):,} | ≤1.5× or ≤+5 ms |",
        "|---|" + "---|" * len(sizes) + "---|---|",
    ]
    for page in PAGES:
        rows = [results["pages"][size][page.name] for size in sizes]
        first, last = rows[0], rows[-1]
        if first["failures"] or last["failures"]:
            growth, meets = "–", "failed"
        else:
            growth = f"{last['p50_ms'] / first['p50_ms']:.2f}×"
            meets = "yes" if meets_growth(first["p50_ms"], last["p50_ms"]) else "**no**"
        cells = " | ".join(cell(row, results["requests"]) for row in rows)
        lines.append(f"| {page.name} | {cells} | {growth} | {meets} |")
    return lines


def targets(results: dict) -> dict[str, str]:
    """The search p99 target at the largest size, and how many pages meet the growth target."""
    large = str(results["sizes"][-1])
    found = {}
    for page in PAGES:
        if page.search:
            row = results["pages"][large][page.name]
            verdict = "yes" if row["p99_ms"] < SEARCH_P99_MS else "no"
            verdict = "failed" if row["failures"] else verdict
            found[f"{page.name}: p99 {row['p99_ms']} ms at {int(large):,} (< 200 ms)"] = verdict
    return found


def report(results: dict, out: Path) -> Path:
    """Print the table and targets; write scale-<date>[-db].json/.md and scale-latest[-db].md."""
    lines = table(results)
    results["targets"] = targets(results)
    sizes_line = ", ".join(
        f"{int(size):,}: built in {info['build_s']} s, {info['bytes'] / 2**20:,.0f} MiB"
        if info["build_s"] is not None
        else f"{int(size):,}: kept, {info['bytes'] / 2**20:,.0f} MiB"
        for size, info in results["databases"].items()
    )
    text = [
        f"Scale bench on {results['database']}, {results['date']}: p50 / p99 in ms, "
        f"{results['requests']} sequential requests per page, one gunicorn worker, no page cache.",
        "",
        *lines,
        "",
        *(f"- search target, {name}: {verdict}" for name, verdict in results["targets"].items()),
        f"- databases: {sizes_line}",
    ]
    print()
    print("\n".join(text))
    out.mkdir(parents=True, exist_ok=True)
    suffix = "" if results["database"] == "sqlite" else f"-{results['database']}"
    stem = out / f"scale-{datetime.now(UTC):%Y-%m-%d}{suffix}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    stem.with_suffix(".md").write_text("\n".join(text) + "\n")
    (out / f"scale-latest{suffix}.md").write_text("\n".join(text) + "\n")
    print(f"\nWrote {stem.with_suffix('.json')} and {stem.with_suffix('.md')}")
    return stem.with_suffix(".json")


def main(argv: list[str] | None = None) -> int:
    """Build (or reuse) each size's database, time every page on it, report."""
    args = arguments(argv)
    backend = sa.make_url(args.database_url).get_backend_name() if args.database_url else "sqlite"
    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": backend,
        "requests": args.requests,
        "seed": args.seed,
        "data_version": DATA_VERSION,
        "sizes": args.sizes,
        "databases": {},
        "pages": {},
    }
    workdir = Path(tempfile.mkdtemp(prefix="blog-bench-scale-"))
    try:
        for size in args.sizes:
            print(f"{size:,} articles on {backend}:", flush=True)
            started = time.monotonic()
            if args.database_url:
                url, built = postgresql_database(args.database_url, size, args.seed, args.rebuild)
            else:
                url, built = sqlite_database(size, args.seed, args.rebuild)
            if not built:
                migrate(url)  # a kept database gets the migrations added since it was built
            results["databases"][str(size)] = {
                "build_s": round(time.monotonic() - started) if built else None,
                "bytes": database_size(url),
            }
            results["pages"][str(size)] = measure_size(url, args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report(results, args.results_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
