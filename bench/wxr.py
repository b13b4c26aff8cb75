"""`make bench-import`: how long a big WordPress export takes to import, and the memory it needs.

Generates a WXR 1.2 file of the size asked (posts in classic and block markup, threaded comments
of every status, pingbacks, a few pages and attachments; invented words, the same every run)
into bench/.import-cache/, kept for the next run; imports it with `flask import-wordpress` into a
fresh SQLite database (or --database-url, an empty PostgreSQL database); prints the time and the
import process's peak resident memory (its CPU time too: on a busy machine the time waits).

Run it from the repository root: `python -m bench.wxr [--megabytes 200]`.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from bench.scaledata import CATEGORIES, FIRST_NAMES, LAST_NAMES, Vocabulary

CACHE = Path(__file__).parent / ".import-cache"
SITE = "https://old.example.org"
#: Authors by login, with the display names WordPress exports beside them.
AUTHORS = [(f"writer{n}", f"{FIRST_NAMES[n]} {LAST_NAMES[n]}") for n in range(20)]
TAGS = [f"topic {n}" for n in range(1, 201)]
#: WordPress's comment statuses, about as often as a site has them.
STATUSES = ["1"] * 16 + ["0", "0", "trash", "spam"]


def cdata(text: str) -> str:
    """A CDATA section, as WordPress writes every value."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def classic_body(words: Vocabulary) -> str:
    """A classic-editor post: paragraphs as blank lines, lines as line breaks, a heading, a
    list and a link."""
    parts = []
    for n, paragraph in enumerate(words.body()):
        if n == 2:
            parts.append(f"<h2>{words.title()}</h2>")
        if n == 4:
            items = "".join(f"<li>{words.sentence()}</li>\n" for _ in range(3))
            parts.append(f"<ul>\n{items}</ul>")
        link = f' See <a href="{SITE}/archive/page-{n}/">the earlier story</a>.'
        parts.append(paragraph.replace(". ", ".\n", 1) + link)
    return "\n\n".join(parts)


def block_body(words: Vocabulary) -> str:
    """A block-editor post: markers around real paragraphs."""
    return "\n\n".join(
        f"<!-- wp:paragraph -->\n<p>{paragraph}</p>\n<!-- /wp:paragraph -->"
        for paragraph in words.body()
    )


def comment_xml(words: Vocabulary, comment_id: int, parent: int, when: datetime) -> str:
    """A wp:comment block (one in twenty a pingback)."""
    rng = words.rng
    kind = "pingback" if rng.random() < 0.05 else "comment"
    moment = when.strftime("%Y-%m-%d %H:%M:%S")
    text = "\n\n".join(words.sentence() for _ in range(rng.randint(1, 4)))
    return (
        f"\t\t<wp:comment>\n\t\t\t<wp:comment_id>{comment_id}</wp:comment_id>\n"
        f"\t\t\t<wp:comment_author>{cdata(f'Reader {comment_id % 5000}')}</wp:comment_author>\n"
        f"\t\t\t<wp:comment_author_email>{cdata(f'reader{comment_id % 5000}@example.org')}"
        "</wp:comment_author_email>\n\t\t\t<wp:comment_author_url></wp:comment_author_url>\n"
        f"\t\t\t<wp:comment_author_IP>{cdata('192.0.2.' + str(comment_id % 250))}"
        "</wp:comment_author_IP>\n"
        f"\t\t\t<wp:comment_date>{cdata(moment)}</wp:comment_date>\n"
        f"\t\t\t<wp:comment_date_gmt>{cdata(moment)}</wp:comment_date_gmt>\n"
        f"\t\t\t<wp:comment_content>{cdata(text)}</wp:comment_content>\n"
        f"\t\t\t<wp:comment_approved>{cdata(rng.choice(STATUSES))}</wp:comment_approved>\n"
        f"\t\t\t<wp:comment_type>{cdata(kind)}</wp:comment_type>\n"
        f"\t\t\t<wp:comment_parent>{parent}</wp:comment_parent>\n"
        "\t\t\t<wp:comment_user_id>0</wp:comment_user_id>\n\t\t</wp:comment>\n"
    )


def item_xml(words: Vocabulary, post_id: int, first_comment: int) -> tuple[str, int]:
    """An <item> (mostly posts, now and then a page or an attachment) and its comment count."""
    rng = words.rng
    post_type = rng.choices(["post", "page", "attachment"], weights=[96, 2, 2])[0]
    status = rng.choices(["publish", "draft", "future", "trash"], weights=[90, 5, 3, 2])[0]
    when = datetime(2008, 1, 1, tzinfo=UTC) + timedelta(hours=post_id * 3)
    if status == "future":
        when = datetime.now(UTC) + timedelta(days=30)
    slug = f"story-{post_id}"
    title = words.title()
    body = block_body(words) if rng.random() < 0.35 else classic_body(words)
    login = rng.choice(AUTHORS)[0]
    moment = when.strftime("%Y-%m-%d %H:%M:%S")
    category = CATEGORIES[post_id % len(CATEGORIES)]
    terms = f'\t\t<category domain="category" nicename="{category.lower()}">'
    terms += f"{cdata(category)}</category>\n"
    for tag in rng.sample(range(200), 3):
        terms += f'\t\t<category domain="post_tag" nicename="topic-{tag + 1}">'
        terms += f"{cdata(TAGS[tag])}</category>\n"
    comments = []
    count = rng.choice([0, 2, 5, 10, 20, 40]) if post_type == "post" else 0
    for n in range(count):
        parent = first_comment + rng.randrange(n) if n and rng.random() < 0.5 else 0
        comments.append(
            comment_xml(words, first_comment + n, parent, when + timedelta(minutes=5 * (n + 1)))
        )
    xml = (
        f"\t<item>\n\t\t<title>{cdata(title)}</title>\n"
        f"\t\t<link>{SITE}/{when:%Y/%m}/{slug}/</link>\n"
        f"\t\t<pubDate>{when:%a, %d %b %Y %H:%M:%S} +0000</pubDate>\n"
        f"\t\t<dc:creator>{cdata(login)}</dc:creator>\n"
        f'\t\t<guid isPermaLink="false">{SITE}/?p={post_id}</guid>\n'
        f"\t\t<description></description>\n\t\t<content:encoded>{cdata(body)}</content:encoded>\n"
        f"\t\t<excerpt:encoded>{cdata('')}</excerpt:encoded>\n"
        f"\t\t<wp:post_id>{post_id}</wp:post_id>\n\t\t<wp:post_date>{cdata(moment)}</wp:post_date>\n"
        f"\t\t<wp:post_date_gmt>{cdata(moment)}</wp:post_date_gmt>\n"
        f"\t\t<wp:comment_status>{cdata('open')}</wp:comment_status>\n"
        f"\t\t<wp:ping_status>{cdata('open')}</wp:ping_status>\n"
        f"\t\t<wp:post_name>{cdata(slug)}</wp:post_name>\n"
        f"\t\t<wp:status>{cdata(status)}</wp:status>\n"
        "\t\t<wp:post_parent>0</wp:post_parent>\n\t\t<wp:menu_order>0</wp:menu_order>\n"
        f"\t\t<wp:post_type>{cdata(post_type)}</wp:post_type>\n"
        f"\t\t<wp:post_password>{cdata('')}</wp:post_password>\n"
        f"\t\t<wp:is_sticky>0</wp:is_sticky>\n{terms}{''.join(comments)}\t</item>\n"
    )
    return xml, count


def header() -> str:
    """The document up to its first item: the channel and its authors."""
    authors = "".join(
        f"\t<wp:author><wp:author_id>{n}</wp:author_id><wp:author_login>{cdata(login)}"
        f"</wp:author_login><wp:author_display_name>{cdata(name)}</wp:author_display_name>"
        "</wp:author>\n"
        for n, (login, name) in enumerate(AUTHORS, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0"\n'
        '\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"\n'
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '\txmlns:wp="http://wordpress.org/export/1.2/"\n>\n<channel>\n'
        f"\t<title>Bench Gazette</title>\n\t<link>{SITE}</link>\n"
        "\t<wp:wxr_version>1.2</wp:wxr_version>\n"
        f"\t<wp:base_site_url>{SITE}</wp:base_site_url>\n"
        f"\t<wp:base_blog_url>{SITE}</wp:base_blog_url>\n{authors}"
    )


def items(words: Vocabulary) -> Iterator[tuple[str, int]]:
    """Items without end, each with its comment count."""
    post_id, comment_id = 1, 1
    while True:
        xml, comments = item_xml(words, post_id, comment_id)
        yield xml, comments
        post_id += 1
        comment_id += comments


def write_export(out: TextIO, size: int, seed: int = 17) -> tuple[int, int]:
    """Write an export of about size bytes; (items, comments) written."""
    words = Vocabulary.build(random.Random(seed))  # noqa: S311 (made-up content, not secrets)
    written = out.write(header())
    count = comments = 0
    for xml, in_it in items(words):
        if written >= size:
            break
        written += len(xml.encode())
        out.write(xml)
        count += 1
        comments += in_it
    out.write("</channel>\n</rss>\n")
    return count, comments


def export_file(megabytes: int) -> Path:
    """The cached export of this size, generated when missing."""
    path = CACHE / f"wordpress-{megabytes}mb.xml"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        started = time.monotonic()
        partial = path.with_suffix(".partial")
        with partial.open("w", encoding="utf-8") as out:
            count, comments = write_export(out, megabytes * 1024 * 1024)
        partial.rename(path)
        print(
            f"generated {path} ({count:,} items, {comments:,} comments) "
            f"in {time.monotonic() - started:.0f} s",
            file=sys.stderr,
        )
    return path


def fresh_database(directory: Path, url: str | None) -> str:
    """An empty database with the schema (a SQLite file in directory unless url is given)."""
    from blog import create_app
    from blog.extensions import db

    url = url or f"sqlite:///{directory / 'import.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return url


def main(argv: list[str] | None = None) -> None:
    """Generate (or reuse) the export, import it into a fresh database, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite)")
    args = parser.parse_args(argv)
    path = export_file(args.megabytes)
    with tempfile.TemporaryDirectory() as directory:
        url = fresh_database(Path(directory), args.database_url)
        env = {**os.environ, "FLASK_SQLALCHEMY_DATABASE_URI": url, "FLASK_SECRET_KEY": "bench"}
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "blog", "import-wordpress", str(path)],
            env=env,
            check=True,
        )
        seconds = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    cpu = usage.ru_utime + usage.ru_stime
    size = path.stat().st_size / 1024 / 1024
    print(
        f"import of {path.name} ({size:.0f} MB): {seconds:.0f} s "
        f"({cpu:.0f} s of CPU), peak RSS {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
