"""The archive by month: which months have articles, what each holds, and when it last changed;
and the copies of articles' publication times that keep listings flat as the archive grows.

A month is "YYYY-MM" of an article's published_at in UTC. The table archive_months keeps one row
per month that has (or had) an article, with the time its articles last changed; a Session hook
marks the months of every article added, changed or deleted. So the archive index and the
sitemap index read a few hundred small rows and one index seek per month, never every article.
What is *visible* in a month is still decided by Article.is_visible when read: a month whose
only article is a draft or scheduled is not listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, attributes, joinedload, load_only
from sqlalchemy.sql import Select

from blog.extensions import db
from blog.models import (
    ArchiveMonth,
    Article,
    Author,
    Category,
    UTCDateTime,
    article_tags,
    utcnow,
)

#: Where the months being changed by a flush wait for it to finish.
_PENDING = "archive_months_changed"


def month_key(moment: datetime) -> str:
    """The archive month of a moment: "YYYY-MM" in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The first moment of a month and of the next one, in UTC."""
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return start, end


@dataclass(frozen=True)
class Month:
    """A month with visible articles, and when what it shows last changed."""

    year: int
    month: int
    last_modified: datetime

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @classmethod
    def from_row(cls, key: str, last_modified: datetime) -> Month:
        year, month = (int(part) for part in key.split("-"))
        return cls(year, month, last_modified)


def _newest_visible() -> sa.ScalarSelect:
    """The newest visible article's time in the month of the ArchiveMonth row (one seek)."""
    return (
        sa.select(sa.func.max(Article.published_at))
        .where(Article.visible_during(ArchiveMonth.starts_at, ArchiveMonth.ends_at))
        .correlate(ArchiveMonth)
        .scalar_subquery()
    )


def _visible_months_query() -> sa.Select:
    newest = _newest_visible()
    last_modified = sa.type_coerce(
        sa.case((newest > ArchiveMonth.changed_at, newest), else_=ArchiveMonth.changed_at),
        UTCDateTime(),
    )
    return (
        sa.select(ArchiveMonth.month, last_modified)
        .where(newest.is_not(None))
        .order_by(ArchiveMonth.month.desc())
    )


def visible_months(*, year: int | None = None) -> list[Month]:
    """Months with at least one visible article, newest first (of one year, if given).

    One query, with one index seek per month (the newest visible article in it), however many
    articles the months hold. A month's last change is the later of the last save of any of its
    articles and the newest publication time that has passed (a scheduled article changes its
    month when it appears, not when it was saved).
    """
    query = _visible_months_query()
    if year is not None:
        query = query.where(ArchiveMonth.month.like(f"{year:04d}-%"))
    return [Month.from_row(key, at) for key, at in db.session.execute(query)]


def neighbours(year: int, month: int) -> tuple[Month | None, Month | None]:
    """The months with visible articles just before and just after this one."""
    key = f"{year:04d}-{month:02d}"
    query = _visible_months_query().limit(1)
    before = db.session.execute(query.where(ArchiveMonth.month < key)).first()
    after = db.session.execute(
        query.where(ArchiveMonth.month > key).order_by(None).order_by(ArchiveMonth.month)
    ).first()
    return (
        Month.from_row(*before) if before else None,
        Month.from_row(*after) if after else None,
    )


def month_articles(year: int, month: int) -> Select:
    """The visible articles of one month, newest first."""
    start, end = month_bounds(year, month)
    return (
        sa.select(Article)
        .where(Article.visible_during(start, end))
        .order_by(Article.published_at.desc(), Article.id.desc())
    )


def month_rows(ids: list[int]) -> Select:
    """Articles by id with what a month's page shows of them: headline, time, author, section."""
    return (
        sa.select(Article)
        .where(Article.id.in_(ids))
        .options(
            load_only(Article.title, Article.slug, Article.published_at),
            joinedload(Article.author).load_only(Author.name),
            joinedload(Article.category).load_only(Category.name),
        )
    )


def month_counts(year: int) -> dict[int, int]:
    """How many visible articles each month of a year has (counts one year's index entries)."""
    count = (
        sa.select(sa.func.count())
        .where(Article.visible_during(ArchiveMonth.starts_at, ArchiveMonth.ends_at))
        .correlate(ArchiveMonth)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(ArchiveMonth.month, count).where(ArchiveMonth.month.like(f"{year:04d}-%"))
    )
    return {int(key[5:]): number for key, number in rows if number}


def _month_row(key: str, changed_at: datetime) -> dict[str, Any]:
    year, month = (int(part) for part in key.split("-"))
    start, end = month_bounds(year, month)
    return {"month": key, "starts_at": start, "ends_at": end, "changed_at": changed_at}


def refresh_months(connection: sa.Connection) -> None:
    """Rebuild archive_months from the articles (after a migration or a bulk load).

    Reads every article once; the app keeps the table in step from then on.
    """
    table = ArchiveMonth.__table__
    articles = Article.__table__
    rows = connection.execute(
        sa.select(articles.c.published_at, articles.c.updated_at).where(
            articles.c.published_at.is_not(None)
        )
    )
    months: dict[str, datetime] = {}
    for published_at, updated_at in rows:
        key = month_key(published_at)
        months[key] = max(months.get(key, updated_at), updated_at)
    connection.execute(table.delete())
    if months:
        connection.execute(table.insert(), [_month_row(key, at) for key, at in months.items()])


def _months_touched(session: Session) -> set[str]:
    """Months of the articles this flush adds, changes or deletes (before and after a move)."""
    touched: set[str] = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(instance, Article):
            continue
        history = attributes.get_history(instance, "published_at")
        for moment in (*history.added, *history.unchanged, *history.deleted):
            if moment is not None:
                touched.add(month_key(moment))
    return touched


def copy_published_at(connection: sa.Connection, article_ids: list[int] | None = None) -> None:
    """Copy each article's published_at onto its tag rows (all articles when ids is None).

    article_tags.published_at lets a tag's page read its newest articles from one index; the
    app calls this for every article it saves, and after writing tag rows itself (merge_tags).
    """
    tags = article_tags
    copied = (
        sa.select(Article.published_at).where(Article.id == tags.c.article_id).scalar_subquery()
    )
    update = tags.update().values(published_at=copied)
    if article_ids is not None:
        if not article_ids:
            return
        update = update.where(tags.c.article_id.in_(article_ids))
    connection.execute(update)


def _tag_rows_may_lack_time(session: Session, article: Article) -> bool:
    """Whether this flush wrote tag rows for the article or moved it in time (not, say, a body
    edit), so its tag rows need their copy of published_at (read in after_flush, while the
    flush's history is still there)."""
    if article.id is None:
        return False
    if article in session.new or attributes.get_history(article, "published_at").has_changes():
        return True
    return bool(attributes.get_history(article, "tags").added)


def _note_months(session: Session, _context: Any, _instances: Any) -> None:
    touched = _months_touched(session)
    if touched:
        session.info.setdefault(_PENDING, set()).update(touched)


def _mark_months(session: Session, _context: Any) -> None:
    saved = [
        instance.id
        for instance in (*session.new, *session.dirty)
        if isinstance(instance, Article) and _tag_rows_may_lack_time(session, instance)
    ]
    if saved:
        copy_published_at(session.connection(), saved)
    touched = session.info.pop(_PENDING, None)
    if not touched:
        return
    connection = session.connection()
    now = utcnow()
    values = [_month_row(key, now) for key in sorted(touched)]
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(ArchiveMonth.__table__).values(values)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["month"], set_={"changed_at": statement.excluded.changed_at}
        )
    )


def init_app(_app: Flask) -> None:
    """Keep archive_months in step with every Session's article changes (once a process)."""
    for event, listener in (("before_flush", _note_months), ("after_flush", _mark_months)):
        if not sa.event.contains(Session, event, listener):
            sa.event.listen(Session, event, listener)
