"""Restore: a document written by export (blog.porting.backup) loaded into an empty database.

Read in one pass with ijson's incremental parser (its C backend), so the document is never held
whole; each row is checked against the format before it is inserted, BATCH rows a statement, all
in one transaction: a refusal at any point leaves the database as empty as it found it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

import ijson
import sqlalchemy as sa

from blog import search
from blog.articles.archive import copy_published_at, refresh_months
from blog.auth.accounts import new_session_token
from blog.database import BEGIN_IMMEDIATE
from blog.extensions import db
from blog.models import UTCDateTime
from blog.porting.backup_files import FileWriter
from blog.porting.backup_format import (
    BATCH,
    FORMAT,
    HEADER,
    SECTIONS,
    VERSION,
    VERSIONS,
    RestoreRefused,
    Section,
)

#: The password hash of an account restored without its secret: no password matches it
#: (werkzeug refuses a hash without its method), so it can only be reset.
NO_PASSWORD = "!restored-without-password"  # noqa: S105 (a mark, not a password)


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
        table = section.table
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

    @property
    def layout(self) -> tuple[Section, ...]:
        """The arrays of the document's version, in order (once its header is read)."""
        return VERSIONS[self.header["version"]]

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
        """Each table's section, in its version's order, with an iterator over its rows (to be
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
            layout = self.layout
            if position == len(layout) or key != layout[position].name:
                raise RestoreRefused(f"unexpected member {key!r}: {self._expecting(position)}")
            yield layout[position], self._rows(layout[position])
            position += 1
        self._check_header()
        if position < len(self.layout):
            raise RestoreRefused(f"the document ends early: {self._expecting(position)}")
        self._check_end()

    def _expecting(self, position: int) -> str:
        if position == len(self.layout):
            return "expected the end of the document"
        return f"expected {self.layout[position].name!r}"

    def _read_header_value(self, key: str) -> None:
        _prefix, event, value = self._next()
        if event in {"start_map", "start_array"}:
            raise RestoreRefused(f"not a blog export: {key} is not a plain value")
        self.header[key] = value
        if key == "format" and value != FORMAT:
            raise RestoreRefused(f"not a blog export (format {value!r}, expected {FORMAT!r})")
        if key == "staff_secrets" and not isinstance(value, bool):
            raise RestoreRefused("not a blog export: staff_secrets is not true or false")
        if key == "version" and (isinstance(value, bool) or value not in VERSIONS):
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
    """Refuse a database without the site's current tables, or with any row in them."""
    inspector = sa.inspect(connection)
    names = set(inspector.get_table_names())
    for table in db.metadata.sorted_tables:
        present = (
            {column["name"] for column in inspector.get_columns(table.name)}
            if table.name in names
            else set()
        )
        lacking = [column.name for column in table.columns if column.name not in present]
        if lacking:
            what = f"the column {table.name}.{lacking[0]}" if present else f"the table {table.name}"
            raise RestoreRefused(f"the database lacks {what}: run `flask db upgrade` first")
    tables = [section.table for section in SECTIONS]  # named first when they have rows
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
        connection.execute(section.table.insert(), rows)
    except (sa.exc.IntegrityError, sa.exc.DataError) as error:
        reason = (str(error.orig).splitlines() or ["?"])[0]
        raise RestoreRefused(f"the database refused a row of {section.name} ({reason})") from None


def _load(
    connection: sa.Connection, document: _Document, size: int, files: FileWriter
) -> dict[str, int]:
    """Insert every section's rows, size at a time, and hand the pictures' files to files;
    returns the rows per table."""
    counts: dict[str, int] = {}
    for section, rows in document.sections():
        reader = _RowReader(section, staff_secrets=document.header.get("staff_secrets") is True)
        if section.stored_files:
            for raw in rows:
                files.write(reader.read(raw), f"{section.name}, row {reader.count}")
            files.flush()
            counts[section.name] = reader.count
            continue
        #: Replies whose parent comes later in the array: inserted without it, then joined up.
        later_parents: list[dict[str, int]] = []
        batch: list[dict[str, Any]] = []
        for raw in rows:
            row = reader.read(raw)
            if section.name == "comments" and (row["parent_id"] or 0) >= row["id"]:
                later_parents.append({"row_id": row["id"], "parent": row["parent_id"]})
                row["parent_id"] = None
            batch.append(row)
            if len(batch) >= size:
                _insert(connection, section, batch)
                batch = []
        _insert(connection, section, batch)
        if later_parents:
            comments = section.table
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
        table = section.table
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


def restore(source: IO[bytes], *, batch: int = BATCH) -> Restored:
    """Load a document into this empty database, all or nothing, batch rows a statement.

    Raises RestoreRefused, having written nothing, for a database that is not empty or a
    document that is not an export this site reads.
    """
    document = _Document(source)
    with db.engine.connect() as plain:
        connection = plain.execution_options(**{BEGIN_IMMEDIATE: True})
        with FileWriter.for_store(connection) as files, connection.begin():
            check_empty(connection)
            search.uninstall(connection)  # built once at the end, not row by row
            counts = _load(connection, document, batch, files)
            copy_published_at(connection)
            refresh_months(connection)
            search.install(connection)
            _advance_sequences(connection)
    return Restored(counts, document.header.get("staff_secrets") is True)
