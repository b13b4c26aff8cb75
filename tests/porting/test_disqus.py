"""`flask import-disqus`: threads matched to articles by their link, posts as comments with
their threads, statuses and authors, unmatched threads and orphan posts reported, importing
again adding nothing, and files that are not exports (or are unsafe, or cut short) refused
with nothing written."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from blog.extensions import db
from blog.models import ArticleSlug, Comment, ImportKey, Redirect, utcnow
from blog.porting.disqus import comment_status, import_disqus
from blog.porting.disqus_export import DisqusPost, DisqusThread, check_export, read_export
from blog.porting.safexml import ImportRefused
from tests.factories import make_article
from tests.porting.disqus_xml import FORUM, export_xml, post, thread, write_export


def articles(app, *slugs: str) -> list[int]:
    """Published articles with these slugs; their ids."""
    with app.app_context():
        made = [make_article(slug=slug) for slug in slugs]
        db.session.commit()
        return [article.id for article in made]


def comments(app) -> list[Comment]:
    """Every comment, oldest first, detached from the session."""
    with app.app_context():
        rows = db.session.scalars(sa.select(Comment).order_by(Comment.created_at, Comment.id))
        result = rows.all()
        db.session.expunge_all()
        return result


def count_rows(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(sa.select(sa.func.count()).select_from(Comment)),
            db.session.scalar(sa.select(sa.func.count()).select_from(ImportKey)),
        )


def run_import(app, path: Path, batch_size: int = 500):
    with app.app_context():
        return import_disqus(path, batch_size=batch_size)


def test_posts_become_comments_with_their_statuses_authors_and_threads(app, runner, tmp_path):
    (article_id,) = articles(app, "budget-vote")
    old = utcnow() - timedelta(days=400)
    path = write_export(
        tmp_path / "export.xml",
        [thread("100", "https://news.example.org/articles/budget-vote/")],
        [
            post("1", "100", message='<p>First &amp; <a href="https://e.org/x">this</a></p>'),
            post("2", "100", parent="1", spam=True),
            post("3", "100", parent="1", deleted=True, message=""),
            post("4", "100", anonymous=True, name="", created_at=old),
            post("5", "100", email="not an address", name="", username="fallback-name"),
        ],
    )
    result = runner.invoke(args=["import-disqus", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Imported 5 comments: 3 approved, 1 spam, 1 trash.",
        "Already here (imported before, kept or since deleted): 0.",
        "Threads: 1 matched to articles, 0 unmatched (0 comments skipped), 0 without comments.",
        "Orphan posts (their thread is not in the file): 0 skipped.",
    ]
    assert "Importing" in result.stderr  # the progress bar, on stderr
    rows = {c.body: c for c in comments(app)}
    first = rows["First & this (https://e.org/x)"]
    assert (first.article_id, first.status, first.depth) == (article_id, "approved", 1)
    assert (first.author_name, first.author_email) == ("Reader 1", "reader1@example.org")
    assert first.ip_address == "203.0.113.7"
    spam, trash = rows["Comment 2"], rows[""]
    assert (spam.status, spam.parent_id, spam.depth) == ("spam", first.id, 2)
    assert (trash.status, trash.parent_id) == ("trash", first.id)
    guest = rows["Comment 4"]
    assert (guest.author_name, guest.author_email, guest.ip_address) == ("Anonymous", "", None)
    assert (rows["Comment 5"].author_name, rows["Comment 5"].author_email) == ("fallback-name", "")
    with app.app_context():
        sources = db.session.scalars(sa.select(ImportKey.source).distinct()).all()
    assert sources == [f"disqus:{FORUM}"]


def test_threads_match_by_old_slug_old_wordpress_address_and_identifier(app, tmp_path):
    renamed, moved, identified = articles(app, "new-slug", "moved-from-wp", "by-identifier")
    with app.app_context():
        db.session.add(ArticleSlug(article_id=renamed, slug="old-slug"))
        db.session.add(Redirect(path="/2014/01/moved-from-wordpress", article_id=moved))
        db.session.add(Redirect(path="/?p=123", article_id=identified))
        db.session.commit()
    path = write_export(
        tmp_path / "export.xml",
        [
            thread("10", "http://news.example.org/articles/old-slug"),
            thread("11", "https://old.example.org/2014/01/moved-from-wordpress/"),
            thread(
                "12", "http://preview.example.org/x", identifier="123 http://old.example.org/?p=123"
            ),
        ],
        [post("1", "10"), post("2", "11"), post("3", "12")],
    )
    summary = run_import(app, path)
    assert (summary.matched_threads, summary.unmatched_links) == (3, [])
    assert [c.article_id for c in comments(app)] == [renamed, moved, identified]


def test_unmatched_threads_and_orphan_posts_are_reported_and_skipped(app, runner, tmp_path):
    articles(app, "kept")
    links = [f"https://old.example.org/gone-{n}/" for n in range(7)]
    path = write_export(
        tmp_path / "export.xml",
        [thread("1", "https://old.example.org/articles/kept")]
        + [thread(str(10 + n), link) for n, link in enumerate(links)]
        + [thread("99", "https://old.example.org/never-commented/")],
        [post("1", "1")]
        + [post(str(10 + n), str(10 + n)) for n in range(7)]
        + [post("30", "4444"), post("31", None), post("32", "10", parent="10")],
    )
    result = runner.invoke(args=["import-disqus", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Imported 1 comment: 1 approved."
    assert lines[2] == (
        "Threads: 1 matched to articles, 7 unmatched (8 comments skipped), 1 without comments."
    )
    assert lines[3] == f"Unmatched threads: {', '.join(links[:5])} and 2 more."
    assert lines[4] == "Orphan posts (their thread is not in the file): 2 skipped."
    assert count_rows(app) == (1, 1)


def test_a_deep_thread_is_folded_at_the_sites_depth_in_order(app, tmp_path):
    articles(app, "deep")
    chain = [post("1", "7")] + [post(str(n), "7", parent=str(n - 1)) for n in range(2, 7)]
    path = write_export(tmp_path / "e.xml", [thread("7", "/articles/deep")], chain)
    run_import(app, path)
    rows = comments(app)
    assert [c.body for c in rows] == [f"Comment {n}" for n in range(1, 7)]
    max_depth = app.config["COMMENT_MAX_DEPTH"]
    assert [c.depth for c in rows] == [min(n, max_depth) for n in range(1, 7)]
    last_level = rows[max_depth - 2].id  # every reply past the limit sits beside the deepest
    assert [c.parent_id for c in rows[max_depth:]] == [last_level] * (6 - max_depth)


def test_replies_before_their_parents_are_held_back_across_batches(app, tmp_path):
    articles(app, "busy")
    now = utcnow() - timedelta(days=1)
    # In the file, newest first; one reply is dated before its parent (clocks differ), and one
    # names a parent that was never exported: it becomes a comment on the article.
    posts = [
        post("5", "8", parent="4", created_at=now + timedelta(minutes=5)),
        post("4", "8", parent="3", created_at=now + timedelta(minutes=4)),
        post("9", "8", parent="404", created_at=now + timedelta(minutes=9)),
        post("3", "8", parent="2", created_at=now - timedelta(minutes=30)),
        post("2", "8", parent="1", created_at=now + timedelta(minutes=2)),
        post("1", "8", created_at=now + timedelta(minutes=1)),
    ]
    path = write_export(tmp_path / "e.xml", [thread("8", "/articles/busy")], posts)
    for batch_size in (1, 2, 500):
        with app.app_context():
            db.session.execute(sa.delete(Comment))
            db.session.execute(sa.delete(ImportKey))
            db.session.commit()
        run_import(app, path, batch_size=batch_size)
        by_body = {c.body: c for c in comments(app)}
        parents = {
            body: next((b for b, c in by_body.items() if c.id == row.parent_id), None)
            for body, row in by_body.items()
        }
        assert parents == {
            "Comment 1": None,
            "Comment 2": "Comment 1",
            "Comment 3": "Comment 2",
            "Comment 4": "Comment 2",  # folded beside comment 3 at depth 3
            "Comment 5": "Comment 2",
            "Comment 9": None,
        }, batch_size


def test_importing_again_adds_nothing_and_brings_back_nothing_deleted(app, runner, tmp_path):
    articles(app, "again")
    path = write_export(
        tmp_path / "e.xml",
        [thread("1", "/articles/again")],
        [post("1", "1"), post("2", "1", parent="1"), post("3", "1")],
    )
    assert runner.invoke(args=["import-disqus", str(path)]).exit_code == 0
    with app.app_context():
        db.session.execute(sa.delete(Comment).where(Comment.body == "Comment 3"))
        db.session.commit()
    result = runner.invoke(args=["import-disqus", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == [
        "Imported 0 comments.",
        "Already here (imported before, kept or since deleted): 3.",
    ]
    assert [c.body for c in comments(app)] == ["Comment 1", "Comment 2"]


#: An export whose thread matches the article the refusal tests make.
WHOLE = export_xml([thread("1", "/articles/whole")], [post(str(n), "1") for n in range(1, 40)])
_head, _post_2 = WHOLE.split(b'<post dsq:id="2">')
#: The same with post 2's date damaged (post 1 is fine, and is not written either).
BAD_DATE = _head + b'<post dsq:id="2">' + _post_2.replace(b"<createdAt>", b"<createdAt>x", 1)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(WHOLE[: len(WHOLE) // 2], "not well-formed XML", id="cut-in-half"),
        pytest.param(
            b'<?xml version="1.0"?>\n<!DOCTYPE disqus [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;">]>'
            b'<disqus xmlns="http://disqus.com"><thread><link>&c;</link></thread></disqus>',
            "refused unsafe XML",
            id="entity-bomb",
        ),
        pytest.param(
            b'<?xml version="1.0"?>\n<!DOCTYPE disqus [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<disqus xmlns="http://disqus.com"><thread><link>&x;</link></thread></disqus>',
            "refused unsafe XML",
            id="external-entity",
        ),
        pytest.param(
            b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>',
            "not a Disqus export: the document is <rss>",
            id="not-disqus",
        ),
        pytest.param(
            b'<?xml version="1.0"?><disqus><thread/></disqus>',
            "not a Disqus export",
            id="disqus-without-its-namespace",
        ),
        pytest.param(
            BAD_DATE,
            "post 2 has no valid createdAt",
            id="bad-date",
        ),
    ],
)
def test_a_file_it_will_not_take_is_refused_in_one_line_with_nothing_written(
    app, runner, tmp_path, content, reason
):
    articles(app, "whole")
    path = tmp_path / "export.xml"
    path.write_bytes(content)
    result = runner.invoke(args=["import-disqus", str(path)])
    assert result.exit_code != 0
    assert result.stdout == ""
    message = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(message) == 1 and reason in message[0], result.stderr
    assert count_rows(app) == (0, 0)


def test_thread_references_inside_posts_are_not_taken_for_threads():
    # Enough posts that the parser reads ahead of the element it hands over.
    data = export_xml(
        [thread(str(n), f"/articles/a{n}") for n in range(200)],
        [post(str(n), str(n % 200), parent=str(n - 1) if n % 2 else None) for n in range(400)],
    )
    items = list(read_export(io.BytesIO(data)))
    threads = [i for i in items if isinstance(i, DisqusThread)]
    posts = [i for i in items if isinstance(i, DisqusPost)]
    assert [t.link for t in threads] == [f"/articles/a{n}" for n in range(200)]
    assert [(p.dsq_id, p.thread_id) for p in posts] == [(str(n), str(n % 200)) for n in range(400)]
    assert posts[3].parent_id == "2" and posts[4].parent_id is None
    assert posts[0].message == "<p>Comment 0</p>"


def test_spam_outranks_deleted_and_the_rest_is_approved():
    def flagged(deleted: bool, spam: bool) -> str:
        item = next(
            i
            for i in read_export(
                io.BytesIO(export_xml([], [post("1", "1", deleted=deleted, spam=spam)]))
            )
        )
        return comment_status(item)

    assert flagged(False, False) == "approved"
    assert flagged(True, False) == "trash"
    assert flagged(False, True) == "spam"
    assert flagged(True, True) == "spam"


def test_refusal_is_raised_before_any_item_of_a_foreign_file():
    with pytest.raises(ImportRefused, match="not a Disqus export"):
        next(read_export(io.BytesIO(b"<feed xmlns='http://www.w3.org/2005/Atom'/>")))


def test_the_first_pass_keeps_each_posts_thread_and_which_replies_come_early():
    data = export_xml(
        [thread("1", "/articles/a"), thread("2", "/articles/b")],
        [
            post("11", "1", parent="10"),  # its parent comes later
            post("10", "1"),
            post("12", "2", parent="99"),  # its parent never comes: nothing to wait for
            post("13", "2", parent="10"),
        ],
    )
    export = check_export(io.BytesIO(data))
    assert export.posts == {"11": "1", "10": "1", "12": "2", "13": "2"}
    assert export.early_replies == {"11": "10"}
    assert (export.posts_per_thread["1"], export.forum) == (2, FORUM)


def test_a_reply_to_a_post_in_another_thread_is_a_comment_on_its_own_article(app, tmp_path):
    first, second = articles(app, "first", "second")
    path = write_export(
        tmp_path / "e.xml",
        [thread("1", "/articles/first"), thread("2", "/articles/second")],
        [post("10", "1"), post("11", "2", parent="10")],
    )
    run_import(app, path)
    rows = comments(app)
    assert [(c.article_id, c.parent_id, c.depth) for c in rows] == [
        (first, None, 1),
        (second, None, 1),
    ]
