"""Full-text search over published articles, with the database's own engine.

SQLite: an FTS5 table over the articles (external content, kept in step by triggers), ranked
with bm25 (title weighs most, then summary, then body). PostgreSQL: a stored, generated
tsvector column (title A, summary B, body C) with a GIN index, ranked with ts_rank_cd.
Readers' queries are never passed through as query syntax: they are cut into words first,
so quotes, NEAR( and the like are just text.

Bounded whatever the archive holds (see search()): the newest SEARCH_RANKED_MATCHES matches
at most are read, ranked and counted, and a search is stopped after SEARCH_TIMEOUT_SECONDS.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app
from markupsafe import Markup, escape

from blog.articles.pagination import in_order
from blog.database import is_interruption, time_limit
from blog.extensions import db
from blog.models import Article
from blog.rendering import HTML

#: Words kept from a query, and how long a query may be.
MAX_TERMS = 12
MAX_QUERY_LENGTH = 200
#: Marks a query term to be matched as the start of words (never in query_terms' output).
PREFIX = "*"
#: Ids in the newest window SQLite's matches are read from (each older window twice as long).
FIRST_WINDOW = 1024
#: Past the bound, a word in the headline weighs this, in the standfirst that (as in bm25 here).
PLACE_WEIGHTS = (("title", 10), ("summary", 4))
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


_tag = re.compile(r"<[^<>]*>|^[^<>]*=\"[^<>]*>|<[^<>]*$")


def plain_snippet(text: str) -> str:
    """A snippet of an HTML body (an imported article) as the words a reader sees: its tags,
    and the pieces of tags the snippet cut through, dropped, its entities read (SQLite's
    engine indexes and cuts the source; PostgreSQL's parser skips tags itself)."""
    return " ".join(html.unescape(_tag.sub(" ", text)).split())


def snippet_for(article: Article, snippet: str) -> str:
    """The snippet as readers should read it: an HTML body's without its markup."""
    return plain_snippet(snippet) if article.body_format == HTML else snippet


def highlight(text: str) -> Markup:
    """Escape a snippet, then turn the engine's marks into <mark> elements."""
    escaped = str(escape(text.replace("\n", " ")))
    return Markup(escaped.replace(_START, "<mark>").replace(_STOP, "</mark>"))  # noqa: S704


@dataclass
class Results:
    """A page of results, and how many matched: exactly, up to SEARCH_RANKED_MATCHES; past
    that, `more` is set and only the newest SEARCH_RANKED_MATCHES matches were ranked."""

    hits: list[Hit]
    total: int
    more: bool


class SearchTooSlow(Exception):
    """The search ran past SEARCH_TIMEOUT_SECONDS and was stopped."""


def search(text: str, *, page: int, per_page: int) -> Results:
    """Visible articles matching every word of text, best first.

    Bounded whatever the archive holds: the newest SEARCH_RANKED_MATCHES + 1 matches are found
    first (each engine's newest_matches stops there); those are ranked (every_match: by the
    engine's relevance; past the bound, by where the words are), and snippets are made for the
    page shown only. So a word in every article costs what it costs among SEARCH_RANKED_MATCHES
    articles, and the count is exact up to it ("more than" past it). Raises SearchTooSlow past
    SEARCH_TIMEOUT_SECONDS.
    """
    terms = query_terms(text)
    if not terms:
        return Results([], 0, more=False)
    limit = current_app.config["SEARCH_RANKED_MATCHES"]
    engine = _Postgresql if db.engine.dialect.name == "postgresql" else _Sqlite
    try:
        with time_limit(current_app.config["SEARCH_TIMEOUT_SECONDS"]):
            candidates = engine.newest_matches(terms, limit + 1)
            if not candidates:
                # Nothing for the words as typed: perhaps the last one is unfinished ("lightho").
                # Only then, since a prefix reads every word it starts and all their articles.
                terms = [*terms[:-1], terms[-1] + PREFIX]
                candidates = engine.newest_matches(terms, limit + 1)
            more = len(candidates) > limit
            candidates = candidates[:limit]
            ranked = engine.ranked(terms, candidates, every_match=not more)
            ranked = ranked[(page - 1) * per_page : page * per_page]
            snippets = engine.snippets(terms, ranked)
    except sa.exc.OperationalError as error:
        if is_interruption(error):
            raise SearchTooSlow from None
        raise
    articles = in_order(ranked, db.session.scalars(Article.listed(ranked))) if ranked else []
    hits = [
        Hit(article, highlight(snippet_for(article, snippets.get(article.id, ""))))
        for article in articles
    ]
    return Results(hits, len(candidates), more=more)


class _Sqlite:
    """FTS5: rowids are article ids, so the newest matches are those with the highest rowids."""

    fts = sa.table("articles_fts", sa.column("rowid"))
    rank = sa.literal_column("bm25(articles_fts, 10.0, 4.0, 1.0)")
    snippet = sa.literal_column(f"snippet(articles_fts, -1, '{_START}', '{_STOP}', ' … ', 24)")

    @staticmethod
    def expression(terms: list[str]) -> str:
        """Each word quoted (so it is never syntax); a prefix, marked, as "word"*."""
        return " ".join(
            f'"{term.removesuffix(PREFIX)}"*' if term.endswith(PREFIX) else f'"{term}"'
            for term in terms
        )

    @classmethod
    def matching(cls, terms: list[str], column: str | None = None) -> sa.TextClause:
        """MATCH every word (in one column, if given)."""
        match = cls.expression(terms)
        if column is not None:
            match = f"{{{column}}} : ({match})"
        return sa.text("articles_fts MATCH :match").bindparams(match=match)

    @classmethod
    def newest_matches(cls, terms: list[str], limit: int) -> list[int]:
        """The newest `limit` visible matches, newest first.

        Read oldest first within windows going back from the newest article, each twice as
        long as the one before, until enough are found: FTS5 reads matches from a rowid on
        cheaply, whereas newest first (ORDER BY rowid DESC) it loads every match of every word.
        Visibility comes from an index that holds it (id, status, published_at), so article
        rows, bodies and all, are never read for matches that are not shown.
        """
        newest = db.session.scalar(sa.select(sa.func.max(Article.id)))
        if newest is None:
            return []
        window = sa.select(cls.fts.c.rowid).where(
            cls.matching(terms),
            cls.fts.c.rowid >= sa.bindparam("start"),
            cls.fts.c.rowid < sa.bindparam("stop"),
            Article.visible_with_id(cls.fts.c.rowid),
        )
        found: list[int] = []
        stop, length = newest + 1, FIRST_WINDOW
        while len(found) < limit and stop > 0:
            start = max(stop - length, 0)
            found.extend(sorted(db.session.scalars(window, {"start": start, "stop": stop}))[::-1])
            stop, length = start, length * 2
        return found[:limit]

    @classmethod
    def ranked(cls, terms: list[str], candidates: list[int], *, every_match: bool) -> list[int]:
        """The candidates best first; the engine reads matches from the oldest candidate on,
        and those that are not candidates (not visible) are dropped here.

        When the candidates are every match, by bm25 (title 10, summary 4, body 1). Past the
        bound, by where the words are (headline, then standfirst), newest first among equals:
        bm25 weighs each word by how many articles hold it, which FTS5 counts by reading all of
        the word's matches, a cost that grows with the archive.
        """
        if not candidates:
            return []
        floor, wanted = min(candidates), set(candidates)
        if every_match:
            rows = db.session.execute(
                sa.select(cls.fts.c.rowid, cls.rank).where(
                    cls.matching(terms), cls.fts.c.rowid >= floor
                )
            ).all()
            scored = sorted((score, -rowid) for rowid, score in rows if rowid in wanted)
            return [-negative for _score, negative in scored]
        score = dict.fromkeys(candidates, 0)
        for column, weight in PLACE_WEIGHTS:
            for term in terms:
                in_column = sa.select(cls.fts.c.rowid).where(
                    cls.matching([term], column), cls.fts.c.rowid >= floor
                )
                for rowid in db.session.scalars(in_column):
                    if rowid in wanted:
                        score[rowid] += weight
        return sorted(candidates, key=lambda rowid: (-score[rowid], -rowid))

    @classmethod
    def snippets(cls, terms: list[str], ids: list[int]) -> dict[int, str]:
        query = sa.select(cls.fts.c.rowid, cls.snippet).where(
            cls.matching(terms), cls.fts.c.rowid == sa.bindparam("id")
        )
        snippets = {}
        for id_ in ids:
            row = db.session.execute(query, {"id": id_}).first()
            if row is not None:
                snippets[id_] = row[1]
        return snippets


class _Postgresql:
    """A tsvector column with a GIN index; the planner reads it or the ids newest first."""

    vector = sa.literal_column("articles.search_vector")

    @staticmethod
    def query(terms: list[str]) -> sa.ColumnElement:
        words = (
            f"{term.removesuffix(PREFIX)}:*" if term.endswith(PREFIX) else term for term in terms
        )
        return sa.func.to_tsquery("english", " & ".join(words))

    @classmethod
    def newest_matches(cls, terms: list[str], limit: int) -> list[int]:
        query = (
            sa.select(Article.id)
            .where(cls.vector.op("@@")(cls.query(terms)), Article.is_visible)
            .order_by(Article.id.desc())
            .limit(limit)
        )
        return list(db.session.scalars(query))

    @classmethod
    def ranked(cls, terms: list[str], candidates: list[int], *, every_match: bool) -> list[int]:
        """Every match by ts_rank_cd; past the bound, by where the words are (headline, then
        standfirst), newest first among equals: ranking reads each candidate's whole vector."""
        if not candidates:
            return []
        query = cls.query(terms)
        if every_match:
            order = [sa.func.ts_rank_cd(cls.vector, query).desc()]
        else:
            order = [
                sum(
                    sa.case(
                        (
                            sa.func.to_tsvector("english", getattr(Article, column)).op("@@")(
                                query
                            ),
                            weight,
                        ),
                        else_=0,
                    )
                    for column, weight in PLACE_WEIGHTS
                ).desc()
            ]
        return list(
            db.session.scalars(
                sa.select(Article.id)
                .where(Article.id.in_(candidates))
                .order_by(*order, Article.id.desc())
            )
        )

    @classmethod
    def snippets(cls, terms: list[str], ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        options = f"StartSel={_START}, StopSel={_STOP}, MaxWords=30, MinWords=12, MaxFragments=2"
        snippet = sa.func.ts_headline(
            "english",
            sa.func.concat_ws(" ", Article.summary, Article.body_markdown),
            cls.query(terms),
            options,
        )
        rows = db.session.execute(sa.select(Article.id, snippet).where(Article.id.in_(ids)))
        return {id_: snippet for id_, snippet in rows}


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
