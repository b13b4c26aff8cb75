"""`make bench`: how fast the blog is, as ratios to the framework's own ceiling in the same run.

Builds a fresh database (SQLite by default, --database-url for PostgreSQL) with the demo
content and articles carrying 10, 50 and 1,000 approved comments in threads; starts gunicorn
for the blog (page cache on, then off) and for the ceiling (bare Flask returning that same
article page from memory, plus a bare comment insert); drives each with wrk against 127.0.0.1
for a fixed time after a warm-up; and prints requests/s, p50 and p99 latency and the ratio to
the ceiling. Also: SQL statements per page, worker memory before and after, results in
bench/results/<date>.json and a plot in bench/results/<date>.png.

Run it from the repository root: `python -m bench [options]`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.data import bench_database, build_database
from bench.measure import PairedRuns, blog_pages, measure_blog, statements_per_page
from bench.report import RESULTS, report
from bench.servers import blog_environment, start_blog, start_ceiling

#: the blog's two configurations, by label: page cache on, then off
BLOG_SETTINGS = (("cached", {}), ("uncached", {"FLASK_CACHE_TYPE": "NullCache"}))


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up before each")
    parser.add_argument("--results-dir", type=Path, default=RESULTS, help="default: bench/results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build the database, measure the blog beside its ceiling, report."""
    args = arguments(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="blog-bench-"))
    try:
        with bench_database(args.database_url, workdir) as (url, options):
            print(f"Building the database ({url.split(':')[0]})...", flush=True)
            info = build_database(url, options)
            pages = blog_pages(info)
            env = blog_environment(url, options, workdir)
            results = settings(url, args)
            ceiling = start_ceiling(env, pages["article, 50 comments"], info, url, workdir, args)
            with ceiling:
                runs = PairedRuns(ceiling, args)
                for label, extra in BLOG_SETTINGS:
                    with start_blog({**env, **extra}, args) as blog:
                        memory = measure_blog(label, blog, pages, info, (url, options), runs, args)
                    results[f"worker_rss_kb_{label}"] = memory
            results["rows"] = runs.table()
            results["statements_per_page"] = statements_per_page(url, options, pages)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report(results, args.results_dir)
    return 0


def settings(url: str, args: argparse.Namespace) -> dict:
    """The head of the results: when, on what, with which settings; rows to come."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": url.split(":")[0].split("+")[0],
        "workers": args.workers,
        "threads": args.threads,
        "connections": args.connections,
        "duration_s": args.duration,
        "rows": {},
    }


if __name__ == "__main__":
    sys.exit(main())
