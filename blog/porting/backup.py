"""The whole site as one JSON document, and back: `flask export FILE.json` and
`flask restore FILE.json` (FILE may be "-" for standard output or input).

Both stream: export writes row by row from cursors read in batches, restore reads the document
with an incremental parser (ijson) and inserts in batches, so neither holds the database or the
document in memory, whatever its size. Export → restore → export gives the same document but
for exported_at, on SQLite, on PostgreSQL, and from one to the other.

The format (version 1)
======================

One JSON object, UTF-8. Its first members say what it is; then come the tables, one array per
table, in an order where each row refers only to rows of earlier arrays (or, for a comment's
parent, to rows of the same array)::

    {"format": "blog-export", "version": 1, "exported_at": "2026-12-06T13:30:00.000000Z",
     "staff_secrets": false,
     "authors": [
    {"id": 1, "name": "Ada Byline", "slug": "ada-byline", "bio": "…"},
    …
    ],
     "categories": [ … ], …}

- format: always "blog-export". version: 1; a later version of the site that changes the
  format writes a higher number, and a site refuses a version newer than the one it reads.
  These two come before any table.
- exported_at: when the export began (its snapshot of the database).
- staff_secrets: whether staff password hashes and session tokens are included
  (`--with-staff-secrets`). Without them the restored accounts cannot log in until they reset
  their password ("Forgot your password?", which needs the account's email) or an admin sets
  one with `flask create-admin`.

Written in this layout: one row per line, rows in the order of their primary key, members of
each row in the order listed below, every member present (null where the value is none). A
reader may rely on nothing but JSON itself, except that format and version come first and the
tables in this order: restore reads any layout (a file re-indented by `jq` restores the same).

Values: ids and counts are integers; true/false are booleans; every time is UTC in ISO 8601
with microseconds and a "Z" ("2026-12-06T13:30:00.000000Z"), the same whichever database wrote
it; everything else is a string. Ids are the database's own, kept by restore, so every
reference (and every link that names an id, such as a comment's #comment-123) survives.

Tables, in order, and their members:

authors
    id, name, slug, bio (plain text).
categories, tags
    id, name, slug.
staff
    id, username (lower case), display_name, email (null: none), role ("admin", "editor",
    "moderator"), active, last_login_at, created_at, password_hash and session_token (null
    unless staff_secrets: werkzeug's hash; the token that logged-in cookies carry).
articles
    id, title, slug, summary, body_format ("markdown", or "html" for an imported body kept as
    sanitised HTML), body_markdown (the body's source, in body_format; the HTML shown is
    rendered from it on restore), source_name, source_url, author_id, category_id (null:
    none), status ("draft", "published"), published_at (null for a draft never dated),
    created_at, updated_at, comments_open.
article_tags
    article_id, tag_id: the article's tags.
article_slugs
    id, article_id, slug, created_at: slugs the article had before, each answering 301.
redirects
    id, path, article_id, created_at: old addresses from the platform the site moved from.
comments
    id, article_id, parent_id (null: on the article), depth (1 on the article), status
    ("pending", "approved", "spam", "trash"), hold_reason, author_name, author_email (never
    shown publicly), author_website, body (exactly as typed; its HTML is rendered on restore),
    created_at, edited_at, ip_address, user_agent, staff_id (a staff reply's author).
reply_targets
    comment_id, target_id: the comment a reply answers when the thread placed it beside,
    at the deepest level.
comment_revisions
    id, comment_id, body (the text before a moderator's edit), staff_id, created_at.
comment_reports
    id, comment_id, reason ("spam", "abuse", "off-topic", "other"), note, reporter and network
    (keyed hashes: they tell reporters apart only under the same SECRET_KEY), created_at,
    closed_at, closed_by_id.
bans
    id, kind ("email", "ip"), value, reason, expires_at (null: no end), staff_id, created_at.
subscribers
    id, email, mailbox, confirmed_at, confirmation_sent_at, created_at.
subscriptions
    id, subscriber_id, kind ("approval", "replies", "article"), article_id, comment_id (null
    for an article's), created_at, last_digest_at.
follow_up_notices
    subscriber_id, comment_id, article_id, kind ("approved", "reply", "digest"), created_at,
    mailed_at (null: waiting for its digest): so nobody is told of a comment twice.
import_keys
    source, kind, source_id, local_id, created_at: what the WordPress and Disqus importers
    brought in, so importing the same file after a restore still adds nothing.
moderation_actions
    id, comment_id, article_id, staff_id, action, detail, status_before, status_after,
    created_at: the audit log.

Left out, as transient or rebuilt from the rest: the outbox (mail queued or sent), spent
single-use links, the page cache's debts, the archive's months and the tag rows' copies of
publication times (rebuilt on restore), the rendered HTML of articles and comments (rendered on
restore), and the search index (rebuilt on restore). Links sent by email before the export
(confirmations, unsubscribes, moderation) keep working on the restored site under the same
SECRET_KEY; without the spent-link table a used one is still refused by its own checks (a
moderation link once its comment's status has changed, a reset link once the password has).
Run the restored site with a new SECRET_KEY to void every link sent before.

Restore loads a document into a database that has the schema (`flask db upgrade`) and no rows,
in one transaction: a document cut short, of another format, of a newer version, or with a row
that does not fit leaves the database as empty as it found it. Then it sets PostgreSQL's
sequences past the restored ids and rebuilds the archive months and the search index.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

import click
import ijson
import sqlalchemy as sa
from flask.cli import with_appcontext

from blog import search
from blog.articles.archive import copy_published_at, refresh_months
from blog.auth.accounts import new_session_token
from blog.database import BEGIN_IMMEDIATE
from blog.extensions import db
from blog.models import UTCDateTime
from blog.rendering import render_body, render_comment

FORMAT = "blog-export"
VERSION = 1
#: Rows fetched from a cursor, or inserted in one statement, at a time.
BATCH = 1000
#: The password hash of an account restored without its secret: no password matches it
#: (werkzeug refuses a hash without its method), so it can only be reset.
NO_PASSWORD = "!restored-without-password"  # noqa: S105 (a mark, not a password)


class RestoreRefused(Exception):
    """The document or the database cannot be restored; the message says why, in one line."""


@dataclass(frozen=True)
class Section:
    """One table's array: its members in order, and how restore fills what is left out."""

    table: str
    fields: tuple[str, ...]
    #: Members written only with --with-staff-secrets (null otherwise).
    secret: tuple[str, ...] = ()
    #: Columns restore derives from the row (rendered HTML), by name.
    derived: dict[str, Callable[[dict[str, Any]], Any]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.table


SECTIONS: tuple[Section, ...] = (
    Section("authors", ("id", "name", "slug", "bio")),
    Section("categories", ("id", "name", "slug")),
    Section("tags", ("id", "name", "slug")),
    Section(
        "staff",
        (
            "id",
            "username",
            "display_name",
            "email",
            "role",
            "active",
            "last_login_at",
            "created_at",
            "password_hash",
            "session_token",
        ),
        secret=("password_hash", "session_token"),
    ),
    Section(
        "articles",
        (
            "id",
            "title",
            "slug",
            "summary",
            "body_format",
            "body_markdown",
            "source_name",
            "source_url",
            "author_id",
            "category_id",
            "status",
            "published_at",
            "created_at",
            "updated_at",
            "comments_open",
        ),
        derived={"body_html": lambda row: render_body(row["body_markdown"], row["body_format"])},
    ),
    Section("article_tags", ("article_id", "tag_id")),
    Section("article_slugs", ("id", "article_id", "slug", "created_at")),
    Section("redirects", ("id", "path", "article_id", "created_at")),
    Section(
        "comments",
        (
            "id",
            "article_id",
            "parent_id",
            "depth",
            "status",
            "hold_reason",
            "author_name",
            "author_email",
            "author_website",
            "body",
            "created_at",
            "edited_at",
            "ip_address",
            "user_agent",
            "staff_id",
        ),
        derived={"body_html": lambda row: render_comment(row["body"])},
    ),
    Section("reply_targets", ("comment_id", "target_id")),
    Section("comment_revisions", ("id", "comment_id", "body", "staff_id", "created_at")),
    Section(
        "comment_reports",
        (
            "id",
            "comment_id",
            "reason",
            "note",
            "reporter",
            "network",
            "created_at",
            "closed_at",
            "closed_by_id",
        ),
    ),
    Section("bans", ("id", "kind", "value", "reason", "expires_at", "staff_id", "created_at")),
    Section(
        "subscribers",
        ("id", "email", "mailbox", "confirmed_at", "confirmation_sent_at", "created_at"),
    ),
    Section(
        "subscriptions",
        ("id", "subscriber_id", "kind", "article_id", "comment_id", "created_at", "last_digest_at"),
    ),
    Section(
        "follow_up_notices",
        ("subscriber_id", "comment_id", "article_id", "kind", "created_at", "mailed_at"),
    ),
    Section("import_keys", ("source", "kind", "source_id", "local_id", "created_at")),
    Section(
        "moderation_actions",
        (
            "id",
            "comment_id",
            "article_id",
            "staff_id",
            "action",
            "detail",
            "status_before",
            "status_after",
            "created_at",
        ),
    ),
)

#: The members before the tables.
HEADER = ("format", "version", "exported_at", "staff_secrets")
#: What the format leaves out, and why (the module docstring says the same for readers).
LEFT_OUT_TABLES = {
    "outbox_messages": "mail queued or sent: transient",
    "spent_tokens": "used single-use links: transient",
    "cache_debts": "the page cache's pending invalidations: transient",
    "archive_months": "rebuilt from the articles on restore",
}
LEFT_OUT_COLUMNS = {
    ("articles", "body_html"): "rendered from body_markdown on restore",
    ("comments", "body_html"): "rendered from body on restore",
    ("article_tags", "published_at"): "copied from the article on restore",
}


def _table(section: Section) -> sa.Table:
    return db.metadata.tables[section.table]


# Export.


def timestamp(moment: datetime) -> str:
    """A time as the format writes it: UTC, ISO 8601, microseconds, "Z"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _in_key_order(column: sa.Column, dialect: str) -> sa.ColumnElement:
    """A key column to sort by in the same order on every database: text by code point
    (PostgreSQL's "C" collation; SQLite's default already is)."""
    if dialect == "postgresql" and isinstance(column.type, sa.String):
        return column.collate("C")
    return column


def _rows(connection: sa.Connection, section: Section, with_secrets: bool) -> Iterator[dict]:
    """The section's rows as the format writes them, in primary key order, BATCH at a time."""
    table = _table(section)
    hidden = () if with_secrets else section.secret
    columns = [table.c[name] for name in section.fields if name not in hidden]
    order = [_in_key_order(column, connection.dialect.name) for column in table.primary_key]
    query = sa.select(*columns).order_by(*order)
    for row in connection.execute(query.execution_options(yield_per=BATCH)):
        values = row._asdict()
        yield {name: None if name in hidden else _written(values[name]) for name in section.fields}


def _written(value: Any) -> Any:
    return timestamp(value) if isinstance(value, datetime) else value


def write_document(
    out: IO[str], rows_of: Callable[[Section], Iterable[dict]], *, staff_secrets: bool
) -> dict[str, int]:
    """Write a document of the rows rows_of gives for each section, in the layout described
    above; returns the rows written per table."""
    header = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timestamp(datetime.now(UTC)),
        "staff_secrets": staff_secrets,
    }
    out.write(json.dumps(header, ensure_ascii=False)[:-1])  # the object stays open
    counts: dict[str, int] = {}
    for section in SECTIONS:
        out.write(f',\n"{section.name}": [')
        count = 0
        for row in rows_of(section):
            out.write(",\n" if count else "\n")
            out.write(json.dumps(row, ensure_ascii=False))
            count += 1
        out.write("\n]" if count else "]")
        counts[section.name] = count
    out.write("}\n")
    return counts


def write_export(out: IO[str], *, with_secrets: bool = False) -> dict[str, int]:
    """Write the whole site to out as one document; returns the rows written per table."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # One consistent state of every table (SQLite's read transaction is one already).
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            return write_document(
                out,
                lambda section: _rows(connection, section, with_secrets),
                staff_secrets=with_secrets,
            )


@click.command("export")
@click.argument("path", metavar="FILE.json")
@click.option(
    "--with-staff-secrets",
    is_flag=True,
    help="Include staff password hashes and session tokens (else they must reset passwords).",
)
@with_appcontext
def export_command(path: str, with_staff_secrets: bool) -> None:
    """Write every article, comment, subscriber, account and the audit log to FILE.json
    ("-": standard output)."""
    started = time.monotonic()
    # Written beside the file and renamed when whole: a failed export leaves no document.
    with click.open_file(path, "w", encoding="utf-8", atomic=path != "-") as out:
        counts = write_export(out, with_secrets=with_staff_secrets)
    click.echo(_summary("Exported", counts, time.monotonic() - started), err=True)


def _summary(verb: str, counts: dict[str, int], seconds: float) -> str:
    total = sum(counts.values())
    parts = ", ".join(f"{count} {name}" for name, count in counts.items() if count)
    return f"{verb} {total} rows in {seconds:.1f} s ({parts or 'nothing'})."


# Restore.


def _kind_of(column: sa.Column) -> str:
    if isinstance(column.type, UTCDateTime):
        return "time"
    if isinstance(column.type, sa.Boolean):
        return "boolean"
    if isinstance(column.type, sa.Integer):
        return "integer"
    return "string"


def _parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment.astimezone(UTC)


#: Each kind of value: how to tell a JSON value is one, and what a refusal calls it.
_KINDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "integer": (lambda value: isinstance(value, int) and not isinstance(value, bool), "an integer"),
    "boolean": (lambda value: isinstance(value, bool), "true or false"),
    "string": (lambda value: isinstance(value, str), "a string"),
    "time": (lambda value: isinstance(value, str), "a UTC time"),
}


class _RowReader:
    """Checks a section's rows against the format and makes them ready to insert."""

    def __init__(self, section: Section, staff_secrets: bool) -> None:
        self.section = section
        table = _table(section)
        self.kinds = {name: _kind_of(table.c[name]) for name in section.fields}
        self.nullable = {name: table.c[name].nullable for name in section.fields}
        self.missing_secrets = () if staff_secrets else section.secret
        self.count = 0

    def read(self, row: Any) -> dict[str, Any]:
        self.count += 1
        where = f"{self.section.name}, row {self.count}"
        if not isinstance(row, dict):
            raise RestoreRefused(f"{where}: not an object")
        if set(row) != set(self.section.fields):
            extra = sorted(set(row) - set(self.section.fields))
            lacking = sorted(set(self.section.fields) - set(row))
            raise RestoreRefused(f"{where}: unknown members {extra}, missing members {lacking}")
        values: dict[str, Any] = {}
        for name, value in row.items():
            if name in self.missing_secrets:
                value = _stand_in_secret(name)
            elif value is None:
                if not self.nullable[name]:
                    raise RestoreRefused(f"{where}: {name} may not be null")
            elif not _KINDS[self.kinds[name]][0](value):
                raise RestoreRefused(f"{where}: {name} should be {_KINDS[self.kinds[name]][1]}")
            elif self.kinds[name] == "time":
                try:
                    value = _parse_time(value)
                except ValueError:
                    raise RestoreRefused(f"{where}: {name} is not a UTC time") from None
            values[name] = value
        for name, derive in self.section.derived.items():
            values[name] = derive(values)
        return values


def _stand_in_secret(name: str) -> str:
    """What an account restored without its secrets gets: a password nothing matches, and a
    session token no cookie carries."""
    return (
        f"{NO_PASSWORD}:{secrets.token_hex(8)}" if name == "password_hash" else new_session_token()
    )


CUT_SHORT = "the document ends too early: is it cut short?"


class _Document:
    """Reads a document's header and then its sections' rows, one at a time, in one pass."""

    def __init__(self, source: IO[bytes]) -> None:
        self.events = iter(ijson.parse(source, use_float=True))
        self.header: dict[str, Any] = {}

    def _next(self) -> tuple[str, str, Any]:
        try:
            return next(self.events)
        except StopIteration:
            raise RestoreRefused(CUT_SHORT) from None
        except ijson.JSONError as error:
            reason = (str(error).splitlines() or ["?"])[0].strip()  # the parser's first line
            if "premature EOF" in reason:
                raise RestoreRefused(CUT_SHORT) from None
            raise RestoreRefused(f"not a readable JSON document ({reason})") from None

    def _check_end(self) -> None:
        """Nothing may follow the document's object but white space."""
        try:
            next(self.events)
        except StopIteration:
            return
        except ijson.JSONError:
            pass
        raise RestoreRefused("the document goes on after its end")

    def sections(self) -> Iterator[tuple[Section, Iterator[Any]]]:
        """Each table's section, in the format's order, with an iterator over its rows (to be
        used up before the next section is asked for)."""
        _prefix, event, _value = self._next()
        if event != "start_map":
            raise RestoreRefused("not a blog export: the document is not a JSON object")
        position = 0
        while True:
            _prefix, event, key = self._next()
            if event == "end_map":
                break
            if key in HEADER:
                self._read_header_value(key)
                continue
            self._check_header()
            if position == len(SECTIONS) or key != SECTIONS[position].name:
                raise RestoreRefused(f"unexpected member {key!r}: {self._expecting(position)}")
            yield SECTIONS[position], self._rows(SECTIONS[position])
            position += 1
        if position < len(SECTIONS):
            raise RestoreRefused(f"the document ends early: {self._expecting(position)}")
        self._check_header()
        self._check_end()

    @staticmethod
    def _expecting(position: int) -> str:
        if position == len(SECTIONS):
            return "expected the end of the document"
        return f"expected {SECTIONS[position].name!r}"

    def _read_header_value(self, key: str) -> None:
        _prefix, event, value = self._next()
        if event in {"start_map", "start_array"}:
            raise RestoreRefused(f"not a blog export: {key} is not a plain value")
        self.header[key] = value
        if key == "format" and value != FORMAT:
            raise RestoreRefused(f"not a blog export (format {value!r}, expected {FORMAT!r})")
        if key == "staff_secrets" and not isinstance(value, bool):
            raise RestoreRefused("not a blog export: staff_secrets is not true or false")
        if key == "version" and not (isinstance(value, int) and 1 <= value <= VERSION):
            raise RestoreRefused(
                f"the document is version {value!r}; this site reads version {VERSION} or "
                f"earlier (upgrade the site first)"
            )

    def _check_header(self) -> None:
        if "format" not in self.header:
            raise RestoreRefused('not a blog export: no "format" before the tables')
        if "version" not in self.header:
            raise RestoreRefused('not a blog export: no "version" before the tables')

    def _rows(self, section: Section) -> Iterator[Any]:
        _prefix, event, _value = self._next()
        if event != "start_array":
            raise RestoreRefused(f"{section.name} is not an array")
        item = f"{section.name}.item"
        while True:
            prefix, event, value = self._next()
            if event == "end_array" and prefix == section.name:
                return
            if event != "start_map":
                raise RestoreRefused(f"{section.name}: a row is not an object")
            builder = ijson.ObjectBuilder()
            builder.event(event, value)
            while not (event == "end_map" and prefix == item):
                prefix, event, value = self._next()
                builder.event(event, value)
            yield builder.value


def check_empty(connection: sa.Connection) -> None:
    """Refuse a database without the site's tables, or with any row in them."""
    names = set(sa.inspect(connection).get_table_names())
    absent = [name for name in db.metadata.tables if name not in names]
    if absent:
        raise RestoreRefused(
            f"the database lacks the table {absent[0]}: run `flask db upgrade` first"
        )
    tables = [_table(section) for section in SECTIONS]  # named first when they have rows
    tables += [table for table in db.metadata.sorted_tables if table not in tables]
    for table in tables:
        if connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
            raise RestoreRefused(
                f"the database is not empty ({table.name} has rows): restore only into a new one"
            )


def _insert(connection: sa.Connection, section: Section, rows: list[dict[str, Any]]) -> None:
    """Insert a batch; a row the database refuses (a reference to nothing, a value too long)
    refuses the document."""
    if not rows:
        return
    try:
        connection.execute(_table(section).insert(), rows)
    except (sa.exc.IntegrityError, sa.exc.DataError) as error:
        reason = (str(error.orig).splitlines() or ["?"])[0]
        raise RestoreRefused(f"the database refused a row of {section.name} ({reason})") from None


def _load(connection: sa.Connection, document: _Document) -> dict[str, int]:
    """Insert every section's rows, BATCH at a time; returns the rows per table."""
    counts: dict[str, int] = {}
    for section, rows in document.sections():
        reader = _RowReader(section, staff_secrets=document.header.get("staff_secrets") is True)
        #: Replies whose parent comes later in the array: inserted without it, then joined up.
        later_parents: list[dict[str, int]] = []
        batch: list[dict[str, Any]] = []
        for raw in rows:
            row = reader.read(raw)
            if section.name == "comments" and (row["parent_id"] or 0) >= row["id"]:
                later_parents.append({"row_id": row["id"], "parent": row["parent_id"]})
                row["parent_id"] = None
            batch.append(row)
            if len(batch) >= BATCH:
                _insert(connection, section, batch)
                batch = []
        _insert(connection, section, batch)
        if later_parents:
            comments = _table(section)
            connection.execute(
                comments.update()
                .where(comments.c.id == sa.bindparam("row_id"))
                .values(parent_id=sa.bindparam("parent")),
                later_parents,
            )
        counts[section.name] = reader.count
    return counts


def _advance_sequences(connection: sa.Connection) -> None:
    """PostgreSQL: each id sequence to just past the highest restored id (SQLite needs none)."""
    if connection.dialect.name != "postgresql":
        return
    for section in SECTIONS:
        table = _table(section)
        if [column.name for column in table.primary_key] != ["id"]:
            continue
        connection.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence(:table, 'id'), "  # noqa: S608 (our names)
                f"coalesce(max(id), 0) + 1, false) FROM {table.name}"
            ),
            {"table": table.name},
        )


@dataclass(frozen=True)
class Restored:
    """What a restore loaded: the rows per table, and whether staff secrets came with them."""

    counts: dict[str, int]
    staff_secrets: bool


def restore(source: IO[bytes]) -> Restored:
    """Load a document into this empty database, all or nothing.

    Raises RestoreRefused, having written nothing, for a database that is not empty or a
    document that is not an export this site reads.
    """
    document = _Document(source)
    with db.engine.connect() as plain:
        connection = plain.execution_options(**{BEGIN_IMMEDIATE: True})
        with connection.begin():
            check_empty(connection)
            search.uninstall(connection)  # built once at the end, not row by row
            counts = _load(connection, document)
            copy_published_at(connection)
            refresh_months(connection)
            search.install(connection)
            _advance_sequences(connection)
    return Restored(counts, document.header.get("staff_secrets") is True)


@click.command("restore")
@click.argument("source", metavar="FILE.json", type=click.File("rb"))
@with_appcontext
def restore_command(source: IO[bytes]) -> None:
    """Load FILE.json (written by `flask export`; "-": standard input) into an empty database."""
    started = time.monotonic()
    try:
        restored = restore(source)
    except RestoreRefused as refusal:
        raise click.ClickException(f"Nothing restored: {refusal}.") from None
    click.echo(_summary("Restored", restored.counts, time.monotonic() - started), err=True)
    if restored.counts.get("staff") and not restored.staff_secrets:
        click.echo(
            "The staff accounts have no password: each sets one with “Forgot your password?” "
            "(an account needs an email for it), or an admin with `flask create-admin`.",
            err=True,
        )
