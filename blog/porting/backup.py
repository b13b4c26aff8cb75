"""The whole site as one JSON document, and back: `flask export FILE.json` and
`flask restore FILE.json` (FILE may be "-" for standard output or input).

Both stream: export writes row by row from cursors read in batches, restore reads the document
with an incremental parser (ijson) and inserts in batches, so neither holds the database or the
document in memory, whatever its size. Export → restore → export gives the same document but
for exported_at, on SQLite, on PostgreSQL, and from one to the other.

Here: the export and both commands. The format's definitions (each table's members, in order)
are in blog.porting.backup_format, the reading and loading in blog.porting.backup_restore, the
pictures' files in blog.porting.backup_files.

The format (version 2)
======================

One JSON object, UTF-8. Its first members say what it is; then come the tables, one array per
table, in an order where each row refers only to rows of earlier arrays (or, for a comment's
parent, to rows of the same array)::

    {"format": "blog-export", "version": 2, "exported_at": "2026-12-06T13:30:00.000000Z",
     "staff_secrets": false,
     "categories": [
    {"id": 1, "name": "City", "slug": "city"},
    …
    ],
     "tags": [ … ], …
     "media_files": [
    {"name": "5f0c…-1600x900-480.jpg", "content": "/9j/4AAQSkZJRgABAQAAAQABAAD…"},
    …
    ]}

- format: always "blog-export". version: 2; a later version of the site that changes the
  format writes a higher number, and a site refuses a version newer than the one it reads.
  These two come before any table. Restore still reads version 1 (written before pictures:
  authors first, then categories, tags, staff, articles and the rest in the order below, with
  no media, media_files, photo_id or lead image members; they restore as no picture and not
  featured).
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

categories, tags
    id, name, slug.
staff
    id, username (lower case), display_name, email (null: none), role ("admin", "editor",
    "moderator"), active, last_login_at, created_at, password_hash and session_token (null
    unless staff_secrets: werkzeug's hash; the token that logged-in cookies carry).
media
    id, digest (of the upload: it begins every file's name), format ("jpeg", "png", "webp":
    as uploaded), width and height (of its widest file), original_name, stored_bytes (of all
    its files), uploaded_by_id (a staff id, or null), created_at: the pictures.
authors
    id, name, slug, bio (plain text), photo_id (a picture, or null).
articles
    id, title, slug, summary, body_format ("markdown", or "html" for an imported body kept as
    sanitised HTML), body_markdown (the body's source, in body_format; the HTML shown is
    rendered from it on restore), source_name, source_url, author_id, category_id (null:
    none), status ("draft", "published"), published_at (null for a draft never dated),
    created_at, updated_at, comments_open, lead_image_id (a picture, or null), lead_image_alt,
    lead_image_caption, lead_image_credit ("" when none), featured (marked to lead the front
    page).
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
media_files
    name, content: every file of every picture (each width, in its own format and in WebP),
    named as blog.media.names says, its bytes in base64; pictures in id order, a picture's
    files in the order of Media.all_files. Written from whichever store keeps them
    (MEDIA_STORE) and restored into whichever the restoring site uses, so a site moves from
    the folder to the database and back by an export and a restore. Restore refuses a name
    that is not one of ours, a file of no picture in the document, and bytes that are not the
    picture the name says (format and size). Last, because it is the bulk of the document.
    Inside the document rather than beside it, so one file (or one pipe: `export - | ssh …
    restore -`) is still the whole site, and restore stays all or nothing: a refusal takes
    back the files it wrote to the folder as the transaction takes back the rows. Base64 adds
    a third to the pictures' bytes, which compress no further anyway.

Left out, as transient or rebuilt from the rest: the outbox (mail queued or sent), spent
single-use links, the page cache's debts, the archive's months and the tag rows' copies of
publication times (rebuilt on restore), the rendered HTML of articles and comments (rendered on
restore), the search index (rebuilt on restore), and files in the store that belong to no
picture (left by an upload whose transaction failed). Links sent by email before the export
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
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import IO, Any

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from blog.extensions import db
from blog.media.store import store_for
from blog.porting.backup_files import stored_files
from blog.porting.backup_format import BATCH, FORMAT, SECTIONS, VERSION, Section, timestamp
from blog.porting.backup_restore import RestoreRefused, restore


def _in_key_order(column: sa.Column, dialect: str) -> sa.ColumnElement:
    """A key column to sort by in the same order on every database: text by code point
    (PostgreSQL's "C" collation; SQLite's default already is)."""
    if dialect == "postgresql" and isinstance(column.type, sa.String):
        return column.collate("C")
    return column


def _rows(
    connection: sa.Connection, section: Section, with_secrets: bool, batch: int
) -> Iterator[dict]:
    """The section's rows as the format writes them, in primary key order, batch at a time."""
    table = section.table
    hidden = () if with_secrets else section.secret
    columns = [table.c[name] for name in section.fields if name not in hidden]
    order = [_in_key_order(column, connection.dialect.name) for column in table.primary_key]
    query = sa.select(*columns).order_by(*order)
    for row in connection.execute(query.execution_options(yield_per=batch)):
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


def write_export(
    out: IO[str],
    *,
    with_secrets: bool = False,
    batch: int = BATCH,
    missing: list[str] | None = None,
) -> dict[str, int]:
    """Write the whole site to out as one document, reading batch rows at a time; returns the
    rows written per table. The names of pictures' files the store lacks go in missing."""
    store = store_for(current_app)
    missing = [] if missing is None else missing

    def rows_of(connection: sa.Connection, section: Section) -> Iterator[dict]:
        if section.stored_files:
            return stored_files(connection, store, batch, missing)
        return _rows(connection, section, with_secrets, batch)

    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # One consistent state of every table (SQLite's read transaction is one already).
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            return write_document(
                out, lambda section: rows_of(connection, section), staff_secrets=with_secrets
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
    missing: list[str] = []
    # Written beside the file and renamed when whole: a failed export leaves no document.
    with click.open_file(path, "w", encoding="utf-8", atomic=path != "-") as out:
        counts = write_export(out, with_secrets=with_staff_secrets, missing=missing)
    click.echo(_summary("Exported", counts, time.monotonic() - started), err=True)
    if missing:
        click.echo(
            f"Warning: {len(missing)} of the pictures' files "
            f"{'was' if len(missing) == 1 else 'were'} not in the store "
            f"(MEDIA_STORE = {current_app.config['MEDIA_STORE']!r}) and are not in the export, "
            f"the first: {missing[0]}.",
            err=True,
        )


def _summary(verb: str, counts: dict[str, int], seconds: float) -> str:
    total = sum(counts.values())
    parts = ", ".join(f"{count} {name}" for name, count in counts.items() if count)
    return f"{verb} {total} rows in {seconds:.1f} s ({parts or 'nothing'})."


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
