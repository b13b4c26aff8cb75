"""What a bench run reports: the table (printed, and kept for the README), the targets, the
JSON and the plot, in bench/results/ by default.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

CEILING_PAGE = "ceiling: bare Flask, the row's own bytes from memory (median)"
CEILING_INSERT = "ceiling: bare comment insert (median)"
COMMENT_POST = "comment POST, all checks on"
JOURNEY = "reader journey: home, article, second article, author (cookies as a browser)"
COMMENTER = "commenter with a session: article (50 comments)"
UNCACHED_ARTICLE = "article (50 comments), page cache off"
#: Rows read by readers, each without cookies and with what a browser carries after reading.
READER_SUFFIXES = (": no cookies", ": a reader's cookies")
NGINX_PREFIX = "through nginx: "
#: Issue 14's targets: ratio to the row's own ceiling, and whether it is still open (reported,
#: not required).
READER_TARGET = 0.85
JOURNEY_TARGET = 0.85
NGINX_TARGET = 5.0
COMMENTER_TARGET = 0.5
OPEN_TARGETS = {UNCACHED_ARTICLE: 0.30, COMMENT_POST: 0.5}
#: A change must show through nginx within s-maxage plus one refresh (a request's time, well
#: within this).
REFRESH_S = 1.0
RESULTS = Path(__file__).resolve().parent / "results"


def target_for(name: str) -> tuple[float, bool] | None:
    """A row's target ratio and whether it is an open one; None for a row without a target."""
    if name.startswith(NGINX_PREFIX):
        return NGINX_TARGET, False
    if name == JOURNEY:
        return JOURNEY_TARGET, False
    if name == COMMENTER:
        return COMMENTER_TARGET, False
    if name.endswith(READER_SUFFIXES):
        return READER_TARGET, False
    if name in OPEN_TARGETS:
        return OPEN_TARGETS[name], True
    return None


def report(results: dict, out: Path = RESULTS) -> None:
    """Print the table and the targets; write the JSON, the table and the plot to `out`."""
    lines = table(results)
    results["targets"] = targets(results)
    print()
    print("\n".join(lines))
    print("\nSQL statements per page:", json.dumps(results["statements_per_page"]))
    print("Targets:")
    for name, value in results["targets"].items():
        print(f"  {name}: {value}")
    json_path, png_path = write(results, lines, out)
    print(f"\nWrote {json_path} and {png_path}")


def table(results: dict) -> list[str]:
    """The rows as a Markdown table; sets each row's ratio to its ceiling on the way."""
    rows = results["rows"]
    lines = [
        "| what | cookies | requests/s | p50 ms | p99 ms | its ceiling/s | ratio | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in rows.items():
        base = row.get("ceiling_rps") or row["rps"]
        row.setdefault("ratio", round(row["rps"] / base, 3))
        cookies = "" if row.get("cookies") is None else str(row["cookies"])
        lines.append(
            f"| {name} | {cookies} | {row['rps']:,.0f} | {row['p50_ms']:.1f} "
            f"| {row['p99_ms']:.1f} | {base:,.0f} | {row['ratio']:.3f} | {verdict(name, row)} |"
        )
    return lines


def verdict(name: str, row: dict) -> str:
    """The target column: '≥ 0.85 met', '≥ 5× **MISSED**', '≥ 0.30 (open) missed', or ''."""
    target = target_for(name)
    if target is None:
        return ""
    value, is_open = target
    met = row["ratio"] >= value
    if is_open:
        return f"{shown_target(value)} (open) {'met' if met else 'missed'}"
    return f"{shown_target(value)} {'met' if met else '**MISSED**'}"


def shown_target(value: float) -> str:
    """'≥ 0.85', or '≥ 5×' for a multiple of the ceiling."""
    return f"≥ {value:g}×" if value > 1 else f"≥ {value:.2f}"


def targets(results: dict) -> dict:
    """Every target's figure, from rows that have their ratios: ratios by row, then the rest."""
    rows = results["rows"]
    out: dict[str, object] = {}
    for name, row in rows.items():
        if target := target_for(name):
            met = "met" if row["ratio"] >= target[0] else ("missed" if target[1] else "MISSED")
            label = shown_target(target[0]) + (", open" if target[1] else "")
            out[f"{name} ({label})"] = f"{row['ratio']:.3f} {met}"
    if COMMENT_POST in rows:
        out["comments lost (0)"] = rows[COMMENT_POST]["lost"]
    memory = results.get("worker_rss_kb_cached")
    if memory:
        growth = max(
            after / before - 1
            for before, after in zip(memory["before"], memory["after"], strict=False)
        )
        flat = "met" if abs(growth) <= 0.10 else "MISSED"
        out[f"worker memory growth (within ±10%): {flat}"] = f"{growth:.1%}"
    for page, seen in (results.get("visibility") or {}).items():
        after, s_maxage = seen["visible_after_s"], seen["s_maxage"]
        bound = (s_maxage or 0) + REFRESH_S
        met = "met" if after is not None and after <= bound else "MISSED"
        out[f"change visible through nginx, {page} (≤ s-maxage {s_maxage} + refresh): {met}"] = (
            f"{after} s" if after is not None else "never"
        )
    if results.get("nginx_skipped"):
        out["through nginx"] = f"not measured: {results['nginx_skipped']}"
    statements = results["statements_per_page"]
    sizes = ("article, 10 comments", "article, 50 comments", "article, 1,000 comments")
    if all(size in statements for size in sizes):
        out["statements for 10, 50, 1,000 comments (equal)"] = [statements[s] for s in sizes]
    return out


def write(results: dict, lines: list[str], out: Path) -> tuple[Path, Path]:
    """<date>.json, <date>.png and latest.md; runs on another database than SQLite carry its
    name too (<date>-postgresql.json, latest-postgresql.md). Returns the JSON and PNG paths.
    """
    out.mkdir(parents=True, exist_ok=True)
    suffix = "" if results["database"] == "sqlite" else f"-{results['database']}"
    stem = out / (datetime.now(UTC).strftime("%Y-%m-%d") + suffix)
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    (out / f"latest{suffix}.md").write_text("\n".join(lines) + "\n")
    plot(results, stem.with_suffix(".png"))
    return stem.with_suffix(".json"), stem.with_suffix(".png")


def plot(results: dict, path: Path) -> None:
    """Each row's ratio to its own ceiling, with its target marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = {name: row for name, row in results["rows"].items() if not name.startswith("ceiling")}
    names = list(rows)[::-1]
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(names) + 1.5))
    ax.barh(names, [rows[name]["ratio"] for name in names], color="steelblue")
    for y, name in enumerate(names):
        if target := target_for(name):
            ax.plot([target[0]], [y], "|", color="grey" if target[1] else "crimson", ms=14, mew=2)
    ax.axvline(1.0, color="grey", linestyle=":")
    ax.set_xscale("log")
    ax.set_xlabel("requests/s as a share of its own ceiling (| target)")
    ax.set_title(f"blog on {results['database']}, {results['workers']} gunicorn workers")
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
