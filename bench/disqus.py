"""`python -m bench.disqus`: how long a generated Disqus export of a given size takes to import
(`flask import-disqus`, in a process of its own), and that process's peak memory.

The file is shaped as Disqus exports are (see tests/porting/disqus_xml.py): one category,
threads, then posts. Most threads are articles of the bench database; some link nowhere
(unmatched) and some have no comments. About a third of the posts are replies, a few of
them written before their parent in the file; a few are spam, deleted or anonymous; a few
name a thread the file does not have. The import is run twice: the second adds nothing.

Run it from the repository root: `python -m bench.disqus [--size-mb 20] [--database-url …]`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from bench.data import SECRET, bench_app, bench_database
from blog.extensions import db
from blog.models import Article, Author, utcnow

HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
    'xmlns:dsq="http://disqus.com/disqus-internals" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://disqus.com/api/schemas/1.0/disqus.xsd '
    'http://disqus.com/api/schemas/1.0/disqus-internals.xsd">\n'
    '<category dsq:id="1"><forum>benchforum</forum><title>General</title>'
    "<isDefault>true</isDefault></category>\n"
)
WORDS = ["the", "council", "voted", "late", "on", "tuesday", "to", "fund", "a", "new", "bridge"]


def thread_xml(thread_id: int, link: str) -> str:
    return (
        f'<thread dsq:id="{thread_id}"><id/><forum>benchforum</forum><category dsq:id="1"/>'
        f"<link>{escape(link)}</link><title>Page {thread_id}</title><message/>"
        "<createdAt>2015-01-01T00:00:00Z</createdAt><author><email>desk@example.org</email>"
        "<name>Desk</name><isAnonymous>false</isAnonymous><username>desk</username></author>"
        "<ipAddress>198.51.100.1</ipAddress><isClosed>false</isClosed>"
        "<isDeleted>false</isDeleted></thread>\n"
    )


def post_xml(post_id: int, thread_id: int, parent: int | None, rng: random.Random) -> str:
    when = utcnow() - timedelta(days=900) + timedelta(minutes=post_id)
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 90)))
    anonymous = rng.random() < 0.05
    author = (
        f"<email/><name>Guest {post_id % 50}</name><isAnonymous>true</isAnonymous>"
        if anonymous
        else f"<email>reader{post_id % 997}@example.org</email><name>Reader {post_id % 997}"
        f"</name><isAnonymous>false</isAnonymous><username>reader{post_id % 997}</username>"
    )
    parent_ref = f'<parent dsq:id="{parent}"/>' if parent else ""
    return (
        f'<post dsq:id="{post_id}"><id/><message><![CDATA[<p>{text}</p>'
        f'<p><a href="https://example.org/{post_id}" rel="nofollow">a link</a></p>]]></message>'
        f"<createdAt>{when:%Y-%m-%dT%H:%M:%SZ}</createdAt>"
        f"<isDeleted>{str(rng.random() < 0.02).lower()}</isDeleted>"
        f"<isSpam>{str(rng.random() < 0.03).lower()}</isSpam>"
        f"<author>{author}</author><ipAddress>203.0.113.{post_id % 250}</ipAddress>"
        f'<thread dsq:id="{thread_id}"/>{parent_ref}</post>\n'
    )


def write_export(path: Path, size_bytes: int, slugs: list[str], seed: int = 17) -> int:
    """A Disqus export of about size_bytes whose threads link to slugs (and to pages that are not
    here); returns how many posts it has."""
    rng = random.Random(seed)  # noqa: S311 (made-up comments, the same on every run)
    threads = len(slugs) + len(slugs) // 10 + len(slugs) // 20
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        for n in range(threads):
            slug = slugs[n] if n < len(slugs) else f"gone-{n}"
            out.write(thread_xml(n + 1, f"https://old.example.org/articles/{slug}/"))
        commented = len(slugs) + len(slugs) // 10  # the last twentieth have no comments
        recent: dict[int, list[int]] = {}
        post_id = 1000
        while out.tell() < size_bytes:
            post_id += 1
            thread_id = rng.randint(1, commented) if rng.random() > 0.005 else 10**9
            earlier = recent.setdefault(thread_id, [])
            parent = rng.choice(earlier) if earlier and rng.random() < 0.35 else None
            earlier.append(post_id)
            del earlier[:-8]
            item = post_xml(post_id, thread_id, parent, rng)
            if parent is None and rng.random() < 0.02:
                # A reply written out before its parent, as merged or re-exported threads have.
                post_id += 1
                earlier.append(post_id)
                out.write(post_xml(post_id, thread_id, post_id - 1, rng))
            out.write(item)
        out.write("</disqus>\n")
    return post_id - 1000


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.disqus", description=__doc__)
    parser.add_argument("--size-mb", type=float, default=20.0, help="size of the export")
    parser.add_argument("--articles", type=int, default=2000, help="articles threads match")
    parser.add_argument("--database-url", help="a server database (default: a SQLite file)")
    return parser.parse_args(argv)


def run_import(path: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """Import path in a process of its own; (seconds, CPU seconds of that process, its output).
    CPU time says more than the clock on a busy machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "blog", "import-disqus", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, cpu, done.stdout


def main(argv: list[str] | None = None) -> None:
    """Build the database, write the export, import it twice, print time and peak memory."""
    args = arguments(argv)
    with (
        tempfile.TemporaryDirectory(prefix="bench-disqus-") as workdir,
        bench_database(args.database_url, Path(workdir)) as (url, options),
    ):
        app = bench_app(url, options)
        with app.app_context():
            db.create_all()
            author = Author(name="Bench Desk", slug="bench-desk", bio="")
            published = utcnow() - timedelta(days=1000)
            slugs = [f"bench-disqus-{n}" for n in range(args.articles)]
            db.session.add_all(
                Article(
                    title=f"Article {slug}",
                    slug=slug,
                    summary="A summary.",
                    body_markdown="A body.",
                    author=author,
                    status="published",
                    published_at=published,
                    updated_at=published,
                )
                for slug in slugs
            )
            db.session.commit()
            db.engine.dispose()
        export = Path(workdir) / "disqus.xml"
        posts = write_export(export, int(args.size_mb * 1024 * 1024), slugs)
        env = {
            **os.environ,
            "FLASK_SQLALCHEMY_DATABASE_URI": url,
            "FLASK_SQLALCHEMY_ENGINE_OPTIONS": json.dumps(options),
            "FLASK_SECRET_KEY": SECRET,
            "FLASK_CACHE_TYPE": "NullCache",
        }
        size_mb = export.stat().st_size / 1024 / 1024
        print(f"Disqus export: {size_mb:.1f} MB, {posts} posts, {args.articles} articles")
        seconds, cpu, output = run_import(export, env)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"First import: {seconds:.1f} s ({cpu:.1f} s CPU), peak RSS {peak_mb:.0f} MB")
        print(output, end="")
        seconds, cpu, output = run_import(export, env)
        print(f"Second import: {seconds:.1f} s ({cpu:.1f} s CPU), adds nothing")
        print(output, end="")


if __name__ == "__main__":
    main()
