"""`make bench`: how fast the blog is, as ratios to the framework's own ceiling in the same run.

Builds a fresh database (SQLite by default, --database-url for PostgreSQL) with the demo
content and articles carrying 10, 50 and 1,000 approved comments in threads; starts gunicorn
for the blog (page cache on, then off) and for the ceiling (bare Flask sending, from memory, the
very answer the blog gave for each row, plus a bare comment insert); reads every reader page as
a browser does (gzip, without cookies and with the cookies it holds after reading), a reader's
journey, a commenter with a session, the article and home through nginx; drives each with wrk
against 127.0.0.1 for a fixed time after a warm-up, back to back with its ceiling; and prints
requests/s, p50 and p99 latency, the ratio to the ceiling and the target. Also: how soon an
approved comment shows through nginx, SQL statements per page, worker memory before and after,
results in bench/results/<date>.json and a plot in bench/results/<date>.png.

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
from bench.measure import (
    SLICE_S,
    PairedRuns,
    blog_pages,
    measure_cached,
    measure_uncached,
    statements_per_page,
)
from bench.report import RESULTS, report
from bench.servers import blog_environment, start_blog, start_ceiling


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--duration", type=int, default=10, help="seconds each row and its ceiling are measured"
    )
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
            env = blog_environment(url, options, workdir)
            results = settings(url, args)
            captures = workdir / "captures"
            with start_ceiling(env, captures, info, url, args) as ceiling:
                runs = PairedRuns(ceiling, args, captures)
                with start_blog(env, args) as blog:
                    results |= measure_cached(blog, info, (url, options), runs)
                with start_blog({**env, "FLASK_CACHE_TYPE": "NullCache"}, args) as blog:
                    measure_uncached(blog, info, runs)
            results["rows"] = runs.table()
            results["statements_per_page"] = statements_per_page(url, options, blog_pages(info))
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
        "slice_s": SLICE_S,
        "rows": {},
    }


if __name__ == "__main__":
    sys.exit(main())
