"""What a bench run reports: the table (printed, and kept for the README), the targets, the
JSON and the plot, in bench/results/ by default.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

CEILING_PAGE = "ceiling: bare Flask, page from memory"
CEILING_INSERT = "ceiling: bare comment insert"
COMMENT_POST = "comment POST, all checks on"
RESULTS = Path(__file__).resolve().parent / "results"


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
    ceiling = rows[CEILING_PAGE]["rps"]
    insert = rows[CEILING_INSERT]["rps"]
    lines = ["| what | requests/s | p50 ms | p99 ms | ratio |", "|---|---|---|---|---|"]
    for name, row in rows.items():
        base = row.get("ceiling_rps") or (insert if "insert" in name else ceiling)
        row["ratio"] = round(row["rps"] / base, 3)
        lines.append(
            f"| {name} | {row['rps']:,.0f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} "
            f"| {row['ratio']:.2f} |"
        )
    return lines


def targets(results: dict) -> dict:
    """The figures issue 6 set targets for, from rows that have their ratios."""
    rows = results["rows"]
    post = rows[COMMENT_POST]
    a50c, a50u = rows["article, 50 comments (cached)"], rows["article, 50 comments (uncached)"]
    a1000 = rows["article, 1,000 comments (cached)"]
    memory = results["worker_rss_kb_cached"]
    growth = max(
        after / before - 1 for before, after in zip(memory["before"], memory["after"], strict=False)
    )
    statements = results["statements_per_page"]
    return {
        "article 50 uncached / ceiling (>= 0.30)": a50u["ratio"],
        "article 50 cached / ceiling (>= 0.85)": a50c["ratio"],
        "article 1,000 / article 50, cached (>= 0.8)": round(a1000["ratio"] / a50c["ratio"], 3),
        "comment POST / bare insert (>= 0.5)": post["ratio"],
        "comments lost (0)": post["lost"],
        "statements for 10, 50, 1,000 comments (equal)": [
            statements["article, 10 comments"],
            statements["article, 50 comments"],
            statements["article, 1,000 comments"],
        ],
        "worker memory growth (<= 10%)": f"{growth:.1%}",
    }


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
    """Requests/s of the article page against its number of comments, with the ceiling."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["rows"]
    sizes = [10, 50, 1000]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, style in (("cached", "o-"), ("uncached", "s--")):
        values = [rows[f"article, {s:,} comments ({label})"]["rps"] for s in sizes]
        ax.plot(sizes, values, style, label=f"article page, {label}")
    ax.axhline(rows[CEILING_PAGE]["rps"], color="grey", linestyle=":", label="ceiling: bare Flask")
    ax.set_xscale("log")
    ax.set_xlabel("approved comments on the article")
    ax.set_ylabel("requests per second")
    ax.set_title(f"blog on {results['database']}, {results['workers']} gunicorn workers")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
