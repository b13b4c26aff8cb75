"""Full-text search over published articles, with the database's own engine.

SQLite: an FTS5 table over the articles (external content, kept in step by triggers), ranked
with bm25 (title weighs most, then summary, then body). PostgreSQL: a stored, generated
tsvector column (title A, summary B, body C) with a GIN index, ranked with ts_rank_cd.
Readers' queries are never passed through as query syntax: they are cut into words first,
so quotes, NEAR( and the like are just text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask
from markupsafe import Markup, escape

from blog.extensions import db
from blog.models import Article

#: Words kept from a query, and how long a query may be.
MAX_TERMS = 12
MAX_QUERY_LENGTH = 200
#: Marks around matched words in snippets; characters that never occur in articles.
_START, _STOP = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)

SQLITE_DDL = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
        title, summary, body_markdown, content='articles', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, summary, body_markdown)
        VALUES (new.id, new.title, new.summary, new.body_markdown);
    END""",
    """CREATE TRIGGER IF NOT EXISTS articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, summary, body_markdown)
        VALUES ('delete', old.id, old.title, old.summary, old.body_markdown);
    END""",
    """CREATE TRIGGER IF NOT EXISTS articles_fts_update AFTER UPDATE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, summary, body_markdown)
        VALUES ('delete', old.id, old.title, old.summary, old.body_markdown);
        INSERT INTO articles_fts(rowid, title, summary, body_markdown)
        VALUES (new.id, new.title, new.summary, new.body_markdown);
    END""",
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
]
POSTGRESQL_DDL = [
    """ALTER TABLE articles ADD COLUMN IF NOT EXISTS search_vector tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
            setweight(to_tsvector('english', coalesce(summary, '')), 'B') ||
            setweight(to_tsvector('english', coalesce(body_markdown, '')), 'C')
        ) STORED""",
    "CREATE INDEX IF NOT EXISTS ix_articles_search_vector ON articles USING gin (search_vector)",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS articles_fts_insert",
    "DROP TRIGGER IF EXISTS articles_fts_delete",
    "DROP TRIGGER IF EXISTS articles_fts_update",
    "DROP TABLE IF EXISTS articles_fts",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS ix_articles_search_vector",
    "ALTER TABLE articles DROP COLUMN IF EXISTS search_vector",
]
#: Objects the search owns, which migrations' autogenerate must leave alone.
SEARCH_OBJECTS = {"articles_fts", "search_vector", "ix_articles_search_vector"}


def install(connection: sa.Connection) -> None:
    """Create the search index for this database (idempotent) and fill it."""
    statements = SQLITE_DDL if connection.dialect.name == "sqlite" else POSTGRESQL_DDL
    if connection.dialect.name not in ("sqlite", "postgresql"):
        return
    for statement in statements:
        connection.exec_driver_sql(statement)


def uninstall(connection: sa.Connection) -> None:
    """Remove the search index."""
    statements = SQLITE_DROP if connection.dialect.name == "sqlite" else POSTGRESQL_DROP
    if connection.dialect.name not in ("sqlite", "postgresql"):
        return
    for statement in statements:
        connection.exec_driver_sql(statement)


def is_search_object(name: str | None) -> bool:
    """Whether a table, column or index belongs to the search (for autogenerate)."""
    return bool(name) and (name in SEARCH_OBJECTS or name.startswith("articles_fts"))


def query_terms(text: str) -> list[str]:
    """The words of a reader's query: letters and digits only, at most MAX_TERMS."""
    return _WORD.findall(text[:MAX_QUERY_LENGTH].lower())[:MAX_TERMS]


@dataclass
class Hit:
    """One search result: the article and a snippet with the matching words marked."""

    article: Article
    snippet: Markup


def highlight(text: str) -> Markup:
    """Escape a snippet, then turn the engine's marks into <mark> elements."""
    escaped = str(escape(text.replace("\n", " ")))
    return Markup(escaped.replace(_START, "<mark>").replace(_STOP, "</mark>"))  # noqa: S704


def search(text: str, *, page: int, per_page: int) -> tuple[list[Hit], int]:
    """Published articles matching every word of text, best first; and how many in all."""
    terms = query_terms(text)
    if not terms:
        return [], 0
    if db.engine.dialect.name == "postgresql":
        return _search_postgresql(terms, page, per_page)
    return _search_sqlite(terms, page, per_page)


def _search_sqlite(terms: list[str], page: int, per_page: int) -> tuple[list[Hit], int]:
    # Each word quoted (so it is never syntax); the last one also matches as a prefix.
    match = " ".join(f'"{term}"' for term in terms[:-1]) + f' "{terms[-1]}"*'
    fts = sa.table("articles_fts", sa.column("rowid"))
    matching = sa.text("articles_fts MATCH :match").bindparams(match=match.strip())
    rank = sa.literal_column("bm25(articles_fts, 10.0, 4.0, 1.0)")
    snippet = sa.literal_column(f"snippet(articles_fts, -1, '{_START}', '{_STOP}', ' … ', 24)")
    base = (
        sa.select(Article, snippet.label("snippet"))
        .join(fts, fts.c.rowid == Article.id)
        .where(matching, Article.is_visible)
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    rows = db.session.execute(
        base.order_by(rank, Article.published_at.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return [Hit(article, highlight(text)) for article, text in rows], total or 0


def _search_postgresql(terms: list[str], page: int, per_page: int) -> tuple[list[Hit], int]:
    query = sa.func.to_tsquery(
        "english",
        " & ".join(f"{term}:*" if i == len(terms) - 1 else term for i, term in enumerate(terms)),
    )
    vector = sa.literal_column("articles.search_vector")
    options = f"StartSel={_START}, StopSel={_STOP}, MaxWords=30, MinWords=12, MaxFragments=2"
    snippet = sa.func.ts_headline(
        "english",
        sa.func.concat_ws(" ", Article.summary, Article.body_markdown),
        query,
        options,
    )
    base = sa.select(Article, snippet.label("snippet")).where(
        vector.op("@@")(query), Article.is_visible
    )
    total = db.session.scalar(
        sa.select(sa.func.count(Article.id)).where(vector.op("@@")(query), Article.is_visible)
    )
    rows = db.session.execute(
        base.order_by(sa.func.ts_rank_cd(vector, query).desc(), Article.published_at.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return [Hit(article, highlight(text)) for article, text in rows], total or 0


def _install_with_the_table(_target: sa.Table, connection: sa.Connection, **_kw: object) -> None:
    """db.create_all() (tests, first runs) gets the search index along with the articles table.

    Migrations call install() themselves. A batch migration that rebuilds the articles table on
    SQLite drops its triggers: such a migration must call install() again.
    """
    install(connection)


def init_app(app: Flask) -> None:
    """Have db.create_all() install the search index with the articles table (once a process)."""
    table = Article.__table__
    if not sa.event.contains(table, "after_create", _install_with_the_table):
        sa.event.listen(table, "after_create", _install_with_the_table)
