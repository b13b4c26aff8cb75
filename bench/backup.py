"""A generated export document of a chosen size, for timing `flask restore` and `flask export`.

    python -m bench.backup OUT.json --articles 10000 --comments 20

writes a version 2 document (blog.porting.backup), without pictures, in exactly the layout
export writes, so restoring it and exporting again gives the same bytes past the first line
(`tail -n +2` both and `cmp`): the round trip checked at a size no test builds. Articles have a
body of some 3 kB of Markdown and three tags; each has the given number of comments, a third of
them replies, each with an audit entry; every fifth commenter follows the article.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from blog.porting.backup import write_document
from blog.porting.backup_format import timestamp

#: The made-up text's words.
WORDS = (
    *("harbour", "ferry", "council", "budget", "river", "library", "night", "school"),
    *("garden", "repair", "bakery", "sensor", "field", "water", "market", "station"),
    *("bridge", "tide", "weather", "season", "crowd", "archive", "street", "square"),
)
START = datetime(2015, 1, 1, tzinfo=UTC)


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _body(rng: random.Random) -> str:
    paragraphs = [_text(rng, 60) for _ in range(7)]
    return "## " + _text(rng, 4) + "\n\n" + "\n\n".join(paragraphs) + "\n\nWith **bold** text."


def generate(articles: int, comments: int, seed: int = 17) -> dict[str, Iterator[dict[str, Any]]]:
    """Each section's rows, made as they are written (nothing is held)."""
    rng = random.Random(seed)  # noqa: S311 (made-up text, not secrets)
    at = lambda minutes: timestamp(START + timedelta(minutes=minutes))  # noqa: E731
    per_article = max(comments, 1)

    def authors() -> Iterator[dict]:
        for i in range(1, 51):
            bio = _text(rng, 30)
            yield {
                "id": i,
                "name": f"Writer {i}",
                "slug": f"writer-{i}",
                "bio": bio,
                "photo_id": None,
            }

    def categories() -> Iterator[dict]:
        for i in range(1, 11):
            yield {"id": i, "name": f"Section {i}", "slug": f"section-{i}"}

    def tags() -> Iterator[dict]:
        for i in range(1, 201):
            yield {"id": i, "name": f"topic {i}", "slug": f"topic-{i}"}

    def staff() -> Iterator[dict]:
        for i in range(1, 6):
            yield {
                "id": i,
                "username": f"desk{i}",
                "display_name": f"Night Desk {i}",
                "email": f"desk{i}@example.org",
                "role": "admin" if i == 1 else "moderator",
                "active": True,
                "last_login_at": at(i),
                "created_at": at(0),
                "password_hash": None,
                "session_token": None,
            }

    def article_rows() -> Iterator[dict]:
        for i in range(1, articles + 1):
            yield {
                "id": i,
                "title": _text(rng, 8),
                "slug": f"story-{i}",
                "summary": _text(rng, 25),
                "body_format": "markdown",
                "body_markdown": _body(rng),
                "source_name": None,
                "source_url": None,
                "author_id": i % 50 + 1,
                "category_id": i % 10 + 1,
                "status": "published",
                "published_at": at(i * 60),
                "created_at": at(i * 60 - 30),
                "updated_at": at(i * 60),
                "comments_open": True,
                "lead_image_id": None,
                "lead_image_alt": "",
                "lead_image_caption": "",
                "lead_image_credit": "",
                "featured": False,
            }

    def article_tags() -> Iterator[dict]:
        for i in range(1, articles + 1):
            for tag in sorted({i % 200 + 1, (i * 7) % 200 + 1, (i * 13) % 200 + 1}):
                yield {"article_id": i, "tag_id": tag}

    def article_slugs() -> Iterator[dict]:
        for i in range(1, articles + 1, 10):
            yield {"id": i // 10 + 1, "article_id": i, "slug": f"old-{i}", "created_at": at(i)}

    def redirects() -> Iterator[dict]:
        for i in range(1, articles + 1):
            path = f"/?p={i}"
            yield {"id": i, "path": path, "article_id": i, "created_at": at(i * 60)}

    def comment_id(article: int, n: int) -> int:
        return (article - 1) * per_article + n + 1

    def comment_rows() -> Iterator[dict]:
        for article in range(1, articles + 1):
            for n in range(comments):
                reply = n % 3 == 2
                yield {
                    "id": comment_id(article, n),
                    "article_id": article,
                    "parent_id": comment_id(article, n - 1) if reply else None,
                    "depth": 2 if reply else 1,
                    "status": "approved" if n % 10 else "pending",
                    "hold_reason": None,
                    "author_name": f"Reader {n}",
                    "author_email": f"reader{n}@example.com",
                    "author_website": None,
                    "body": _text(rng, 40),
                    "created_at": at(article * 60 + n),
                    "edited_at": None,
                    "ip_address": "192.0.2.1",
                    "user_agent": "Mozilla/5.0",
                    "staff_id": None,
                }

    def subscribers() -> Iterator[dict]:
        for n in range(0, comments, 5):
            yield {
                "id": n // 5 + 1,
                "email": f"reader{n}@example.com",
                "mailbox": f"reader{n}@example.com",
                "confirmed_at": at(1),
                "confirmation_sent_at": at(0),
                "created_at": at(0),
            }

    def subscriptions() -> Iterator[dict]:
        number = 0
        for article in range(1, articles + 1):
            for n in range(0, comments, 5):
                number += 1
                yield {
                    "id": number,
                    "subscriber_id": n // 5 + 1,
                    "kind": "article",
                    "article_id": article,
                    "comment_id": None,
                    "created_at": at(article * 60 + n),
                    "last_digest_at": None,
                }

    def import_keys() -> Iterator[dict]:
        for article in range(1, articles + 1):
            yield {
                "source": "wordpress:https://old.example.org",
                "kind": "post",
                "source_id": f"{article:09d}",
                "local_id": article,
                "created_at": at(0),
            }

    def actions() -> Iterator[dict]:
        number = 0
        for article in range(1, articles + 1):
            for n in range(comments):
                number += 1
                yield {
                    "id": number,
                    "comment_id": comment_id(article, n),
                    "article_id": None,
                    "staff_id": 2,
                    "action": "approve",
                    "detail": "",
                    "status_before": "pending",
                    "status_after": "approved",
                    "created_at": at(article * 60 + n + 5),
                }

    nothing: Iterator[dict] = iter(())
    return {
        "authors": authors(),
        "categories": categories(),
        "tags": tags(),
        "staff": staff(),
        "articles": article_rows(),
        "article_tags": article_tags(),
        "article_slugs": article_slugs(),
        "redirects": redirects(),
        "comments": comment_rows(),
        "reply_targets": nothing,
        "comment_revisions": nothing,
        "comment_reports": nothing,
        "bans": nothing,
        "subscribers": subscribers(),
        "subscriptions": subscriptions(),
        "follow_up_notices": nothing,
        "import_keys": import_keys(),
        "moderation_actions": actions(),
        "media": nothing,
        "media_files": nothing,
    }


def write(out: IO[str], articles: int, comments: int) -> None:
    """Write the document as `flask export` lays it out."""
    sections = generate(articles, comments)
    write_document(
        out,
        lambda section: (
            {name: row[name] for name in section.fields} for row in sections[section.name]
        ),
        staff_secrets=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=20, help="per article")
    options = parser.parse_args()
    with open(options.out, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
        write(out, options.articles, options.comments)


if __name__ == "__main__":
    main()
