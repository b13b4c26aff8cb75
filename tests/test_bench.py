"""The bench's arithmetic on fixed numbers: wrk's output read, ceilings paired, the report shaped.

No wrk and no servers: `make bench` itself is the end-to-end check.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.measure import PairedRuns, parse_wrk
from bench.report import report

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


def row(rps: float, **extra: float) -> dict:
    """A measured row as wrk() returns it, with the given requests/s."""
    return {"rps": rps, "p50_ms": 10.0, "p99_ms": 20.0, "requests": 100, "errors": 0, **extra}


def test_wrk_output_is_read_in_milliseconds() -> None:
    assert parse_wrk(WRK_OUTPUT) == {
        "rps": 2796.1,
        "p50_ms": 0.85,
        "p99_ms": 1200.0,
        "requests": 2801,
        "errors": 7,
    }


def test_ceiling_rows_come_first_with_the_median_of_their_runs() -> None:
    runs = PairedRuns(ceiling=None, args=None)
    runs.rows = {"home (uncached)": row(300)}
    runs.ceilings = {"page": [row(900), row(1000), row(1100)], "insert": [row(500), row(400)]}
    table = runs.table()
    assert list(table) == [
        "ceiling: bare Flask, page from memory",
        "ceiling: bare comment insert",
        "home (uncached)",
    ]
    assert table["ceiling: bare Flask, page from memory"]["rps"] == 1000
    assert table["ceiling: bare Flask, page from memory"]["runs"] == 3
    assert table["ceiling: bare comment insert"]["rps"] == 500


@pytest.fixture
def results() -> dict:
    """A run's results before report(): ceilings first, rows paired with their own ceilings."""
    rows = {
        "ceiling: bare Flask, page from memory": row(2000, runs=11),
        "ceiling: bare comment insert": row(1000, runs=2),
        "comment POST, all checks on": row(250, ceiling_rps=1000, stored=90, lost=0),
        "moderation approve": row(1200, ceiling_rps=1000),
    }
    for label, rps in (("cached", 1800), ("uncached", 200)):
        for size in ("10", "50", "1,000"):
            rows[f"article, {size} comments ({label})"] = row(rps, ceiling_rps=2000)
    return {
        "date": "2026-12-01T17:00:00+00:00",
        "database": "postgresql",
        "workers": 2,
        "threads": 1,
        "connections": 32,
        "duration_s": 5,
        "rows": rows,
        "worker_rss_kb_cached": {"before": [100_000, 100_000], "after": [104_500, 101_000]},
        "worker_rss_kb_uncached": {"before": [100_000], "after": [100_000]},
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
    assert written["rows"]["ceiling: bare comment insert"]["ratio"] == 1.0
    assert written["targets"] == {
        "article 50 uncached / ceiling (>= 0.30)": 0.1,
        "article 50 cached / ceiling (>= 0.85)": 0.9,
        "article 1,000 / article 50, cached (>= 0.8)": 1.0,
        "comment POST / bare insert (>= 0.5)": 0.25,
        "comments lost (0)": 0,
        "statements for 10, 50, 1,000 comments (equal)": [3, 3, 3],
        "worker memory growth (<= 10%)": "4.5%",
    }
    table = (tmp_path / "latest-postgresql.md").read_text().splitlines()
    assert table[:3] == [
        "| what | requests/s | p50 ms | p99 ms | ratio |",
        "|---|---|---|---|---|",
        "| ceiling: bare Flask, page from memory | 2,000 | 10.0 | 20.0 | 1.00 |",
    ]
    assert "| moderation approve | 1,200 | 10.0 | 20.0 | 1.20 |" in table
    assert "| comment POST, all checks on | 250 | 10.0 | 20.0 | 0.25 |" in capsys.readouterr().out
