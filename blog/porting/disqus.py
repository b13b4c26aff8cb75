"""`flask import-disqus FILE.xml`: the comments of a Disqus export, on the articles they were
written under.

A thread (a page that had the Disqus widget) is matched to an article by its link
(blog.porting.links: /articles/<slug>, an old slug, or an old address kept in the redirects
table), else by its identifier when that is an address; threads that match nothing are
reported and their posts skipped.

The file is read twice. The first pass (blog.porting.disqus_export) checks it to its end (a
Disqus export, well-formed, no document type) and keeps, in bounded form, what the second
needs: each thread's link and each post's thread. The second writes the comments through
blog.porting.comments in committed batches. A reply that comes before its parent in the file
is held back until the parent is written, so threads come out whole whatever the order of the
file and the batches.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from blog.database import begin_write
from blog.extensions import db
from blog.models import CommentStatus
from blog.porting.comments import ImportedComment, add_comment_groups, ip_kept_since
from blog.porting.console import counted, reading_with_progress
from blog.porting.disqus_export import (
    DisqusPost,
    DisqusThread,
    Export,
    check_export,
    read_export,
)
from blog.porting.links import article_for_link
from blog.porting.safexml import ImportRefused

#: Comments written per committed transaction: commenters wait a moment at most.
BATCH_SIZE = 200
#: How many unmatched threads' links the summary names.
SHOWN_LINKS = 5


@dataclass
class Summary:
    """What an import did, for the closing lines."""

    imported: Counter[str] = field(default_factory=Counter)
    already_here: int = 0
    matched_threads: int = 0
    unmatched_links: list[str] = field(default_factory=list)
    unmatched_posts: int = 0
    orphan_posts: int = 0
    unidentified_posts: int = 0
    threads_without_posts: int = 0

    def lines(self) -> list[str]:
        """The summary, a line per fact."""
        total = sum(self.imported.values())
        by_status = ", ".join(
            f"{self.imported[status]} {status}" for status in CommentStatus if self.imported[status]
        )
        lines = [
            f"Imported {counted(total, 'comment')}" + (f": {by_status}." if by_status else ".")
        ]
        lines.append(f"Already here (imported before, kept or since deleted): {self.already_here}.")
        unmatched = len(self.unmatched_links)
        lines.append(
            f"Threads: {self.matched_threads} matched to articles, {unmatched} unmatched"
            f" ({self.unmatched_posts} comments skipped)"
            f", {self.threads_without_posts} without comments."
        )
        if unmatched:
            shown = ", ".join(self.unmatched_links[:SHOWN_LINKS])
            more = f" and {unmatched - SHOWN_LINKS} more" if unmatched > SHOWN_LINKS else ""
            lines.append(f"Unmatched threads: {shown}{more}.")
        lines.append(
            f"Orphan posts (their thread is not in the file): {self.orphan_posts} skipped."
        )
        if self.unidentified_posts:
            lines.append(f"Posts without an id: {self.unidentified_posts} skipped.")
        return lines


def comment_status(post: DisqusPost) -> str:
    """Where a Disqus post goes here: spam stays spam, deleted goes to the trash, the rest is
    approved (Disqus exports what it showed, and what its moderators removed)."""
    if post.is_spam:
        return CommentStatus.SPAM
    if post.is_deleted:
        return CommentStatus.TRASH
    return CommentStatus.APPROVED


def match_threads(export: Export, summary: Summary) -> dict[str, int]:
    """The article each thread that has posts belongs to (thread id → article id); the others
    are counted in summary with their links."""
    matches: dict[str, int] = {}
    by_link: dict[str, int | None] = {}
    for thread_id, thread in export.threads.items():
        if not export.posts_per_thread[thread_id]:
            summary.threads_without_posts += 1
            continue
        article_id = None
        for link in _candidate_links(thread):
            if link not in by_link:
                article = article_for_link(link)
                by_link[link] = article.id if article is not None else None
            article_id = by_link[link]
            if article_id is not None:
                break
        if article_id is None:
            summary.unmatched_links.append(thread.link or f"(no link; thread {thread_id})")
        else:
            matches[thread_id] = article_id
    summary.matched_threads = len(matches)
    return matches


def _candidate_links(thread: DisqusThread) -> list[str]:
    """The thread's link, then its identifier's last word when that is an address (Disqus's
    WordPress plugin writes "123 https://example.org/?p=123")."""
    words = thread.identifier.split()
    links = [thread.link] if thread.link else []
    if words and words[-1].startswith(("http://", "https://", "/")):
        links.append(words[-1])
    return links


class _Writer:
    """The second pass: places each post, holds back a reply until its parent is written, and
    writes comments in committed batches."""

    def __init__(
        self, export: Export, matches: dict[str, int], summary: Summary, batch_size: int
    ) -> None:
        self.export = export
        self.matches = matches
        self.summary = summary
        self.batch_size = batch_size
        config = current_app.config
        self.max_depth: int = config["COMMENT_MAX_DEPTH"]
        self.ip_kept_after = ip_kept_since(config)
        #: Comments not yet written: (source, article id) → comments.
        self.batch: dict[tuple[str, int], list[ImportedComment]] = defaultdict(list)
        self.batch_length = 0
        #: Replies held back, by the id of the parent they wait for.
        self.waiting: dict[str, list[DisqusPost]] = defaultdict(list)
        self.held: set[str] = set()

    def take(self, post: DisqusPost) -> None:
        """Place a post read from the file, and every reply that was waiting for it."""
        pending = [(post, post.parent_id, False)]
        while pending:
            item, parent_id, released = pending.pop()
            if self._place(item, parent_id, released):
                replies = self.waiting.pop(item.dsq_id, ())
                pending.extend((reply, reply.parent_id, True) for reply in replies)
                self.held.discard(item.dsq_id)

    def finish(self) -> None:
        """Write what is left: replies still waiting (their parents wait for them in turn, a
        loop no export should have) become comments on the article."""
        for replies in list(self.waiting.values()):
            for reply in replies:
                self._place(reply, None, released=True)
        self.waiting.clear()
        self._flush()

    def _place(self, post: DisqusPost, parent_id: str | None, released: bool) -> bool:
        """Write post as a reply to parent_id, or skip it; False when it is held back until
        its parent is written (released: the parent is written now)."""
        if not post.dsq_id:
            return True
        if post.thread_id not in self.export.threads:
            self.summary.orphan_posts += 1
            return True
        article_id = self.matches.get(post.thread_id)
        if article_id is None:
            self.summary.unmatched_posts += 1
            return True
        if parent_id and self.export.posts.get(parent_id, post.thread_id) != post.thread_id:
            parent_id = None  # a parent in another thread: never a reply across articles
        if parent_id and not released and self._parent_pending(post.dsq_id, parent_id):
            self.waiting[parent_id].append(post)
            self.held.add(post.dsq_id)
            return False
        self._write(post, article_id, parent_id)
        return True

    def _parent_pending(self, post_id: str, parent_id: str) -> bool:
        """Whether the parent is still to come in the file, or is itself held back."""
        return post_id in self.export.early_replies or parent_id in self.held

    def _write(self, post: DisqusPost, article_id: int, parent_id: str | None) -> None:
        thread = self.export.threads[post.thread_id]
        source = "disqus:" + (thread.forum or self.export.forum)
        self.batch[(source, article_id)].append(
            ImportedComment(
                source_id=post.dsq_id,
                parent_source_id=parent_id,
                author_name=post.author_name,
                author_email=post.author_email,
                author_website="",  # Disqus does not export it
                body_html=post.message,
                created_at=post.created_at,
                status=comment_status(post),
                ip_address=post.ip_address or None,
            )
        )
        self.batch_length += 1
        if self.batch_length >= self.batch_size:
            self._flush()

    def _flush(self) -> None:
        """Write the batch in one short transaction that holds SQLite's write lock from its
        start (a read upgraded to a write fails at once when a commenter wrote meanwhile)."""
        if not self.batch_length:
            return
        begin_write(db.session)
        by_source: dict[str, dict[int, list[ImportedComment]]] = defaultdict(dict)
        for (source, article_id), comments in self.batch.items():
            by_source[source][article_id] = comments
        for source, groups in by_source.items():
            # An id the file has twice is written once, the second counted as already here.
            _, skipped = add_comment_groups(
                source,
                groups,
                max_depth=self.max_depth,
                ip_kept_after=self.ip_kept_after,
                tally=self.summary.imported,
            )
            self.summary.already_here += skipped
        db.session.commit()
        self.batch.clear()
        self.batch_length = 0


def import_disqus(path: Path, *, batch_size: int = BATCH_SIZE) -> Summary:
    """Import a Disqus export: check it whole, match its threads, then write its comments in
    committed batches. Raises ImportRefused (nothing written) for a file it will not take."""
    with reading_with_progress(path, "Checking") as source:
        export = check_export(source)
    summary = Summary(unidentified_posts=export.unidentified)
    matches = match_threads(export, summary)
    db.session.commit()  # ends the read: no transaction stays open while the file is read
    writer = _Writer(export, matches, summary, batch_size)
    with reading_with_progress(path, "Importing") as source:
        for item in read_export(source):
            if isinstance(item, DisqusPost):
                writer.take(item)
    writer.finish()
    return summary


@click.command("import-disqus")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_disqus_command(file: Path) -> None:
    """Import the comments of a Disqus export (XML), matching threads to articles by link."""
    try:
        summary = import_disqus(file)
    except ImportRefused as refused:
        db.session.rollback()
        raise click.ClickException(f"{file}: not imported, {refused}") from None
    for line in summary.lines():
        click.echo(line)
