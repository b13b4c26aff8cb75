"""The markup of a page of threads, without HTTP: nesting, escaping, links."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser
from types import SimpleNamespace

from blog.comments.threads import (
    ThreadLinks,
    ThreadNode,
    build_threads,
    page_of_threads,
    render_threads,
)
from blog.extensions import db
from blog.models import CommentStatus
from tests.factories import make_article, make_comment

LINKS = ThreadLinks(avatars="/avatars/", permalinks="/comments/", reply="?comments=2&replytocom=")


def comment(id, **fields):
    values = {
        "id": id,
        "parent_id": None,
        "depth": 1,
        "status": "approved",
        "author_name": f"Reader {id}",
        "author_email": f"reader{id}@example.com",
        "author_website": None,
        "staff_id": None,
        "created_at": datetime(2026, 11, 28, 9, 30, tzinfo=UTC),
        "edited_at": None,
        "body_html": f"<p>Body {id}</p>\n",
    }
    return SimpleNamespace(**{**values, **fields})


class Outline(HTMLParser):
    """The comment ids in document order with their nesting depth in <ol> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.items, self.balance = 0, [], 0

    def handle_starttag(self, tag, attrs):
        self.balance += tag in ("li", "ol", "article")
        if tag == "ol":
            self.depth += 1
        if tag == "li":
            self.items.append((dict(attrs)["id"], self.depth))

    def handle_endtag(self, tag):
        self.balance -= tag in ("li", "ol", "article")
        if tag == "ol":
            self.depth -= 1


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def test_replies_nest_inside_their_parents_in_order():
    reply = ThreadNode(comment(2, parent_id=1, depth=2), [ThreadNode(comment(3, depth=3))])
    roots = [
        ThreadNode(comment(1), [reply, ThreadNode(comment(4, depth=2))]),
        ThreadNode(comment(5)),
    ]
    parsed = outline(render_threads(roots, links=LINKS, closed=False, secret_key="k"))
    assert parsed.items == [
        ("comment-1", 0),
        ("comment-2", 1),
        ("comment-3", 2),
        ("comment-4", 1),
        ("comment-5", 0),
    ]
    assert parsed.balance == 0  # every element opened is closed


def test_commenters_values_are_escaped_and_bodies_are_kept_as_sanitized():
    hostile = comment(
        7,
        author_name='<script>alert(1)</script>"',
        author_website='https://x.example/"onmouseover="alert(1)',
        body_html="<p>Already <em>sanitized</em></p>",
    )
    html = render_threads([ThreadNode(hostile)], links=LINKS, closed=False, secret_key="k")
    assert "<script>" not in html and 'aria-label="Comment by &lt;script&gt;' in html
    assert 'href="https://x.example/&#34;onmouseover=&#34;alert(1)"' in html
    assert "<p>Already <em>sanitized</em></p>" in html
    assert "reader7@example.com" not in html


def test_links_reply_state_and_badges():
    roots = [
        ThreadNode(comment(1, staff_id=3)),
        ThreadNode(comment(2, status="pending")),
    ]
    html = render_threads(roots, links=LINKS, closed=False, secret_key="k")
    first, second = html.split('<li id="comment-2"')
    assert 'href="/comments/1"' in first and 'class="badge badge-staff">Staff<' in first
    assert 'href="?comments=2&amp;replytocom=1#respond"' in first
    assert 'href="#comment-2"' in second and "awaiting moderation" in second
    assert "reply-link" not in second and "is-pending" in second
    assert '<time datetime="2026-11-28T09:30:00Z">28 November 2026 at 09:30</time>' in first
    closed = render_threads(roots, links=LINKS, closed=True, secret_key="k")
    assert "reply-link" not in closed


class Text(HTMLParser):
    """The text a text browser shows (it reads no stylesheet), from the comment's meta line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.inside = False

    def handle_starttag(self, tag, attrs):
        self.inside = self.inside or ("class", "comment-meta") in attrs

    def handle_endtag(self, tag):
        self.inside = self.inside and tag != "footer"

    def handle_data(self, data):
        if self.inside:
            self.parts.append(data)


def meta_text(html: str) -> str:
    parser = Text()
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


def test_author_badge_and_date_read_apart_without_a_stylesheet():
    html = render_threads(
        [ThreadNode(comment(1, author_name="Ada Reader")), ThreadNode(comment(2, staff_id=3))],
        links=LINKS,
        closed=False,
        secret_key="k",
    )
    first, second = html.split('<li id="comment-2"')
    assert meta_text(first) == "Ada Reader · 28 November 2026 at 09:30"
    assert meta_text(second) == "Reader 2 Staff · 28 November 2026 at 09:30"
    assert '<span class="meta-sep" aria-hidden="true">&middot;</span>' in first


def test_a_comment_staff_edited_says_edited_and_when():
    edited = comment(1, edited_at=datetime(2026, 12, 1, 14, 5, tzinfo=UTC))
    html = render_threads(
        [ThreadNode(edited), ThreadNode(comment(2))], links=LINKS, closed=False, secret_key="k"
    )
    first, second = html.split('<li id="comment-2"')
    assert (
        '<span class="comment-edited">edited'
        ' <time datetime="2026-12-01T14:05:00Z">1 December 2026 at 14:05</time></span>'
    ) in first
    assert (
        meta_text(first) == "Reader 1 · 28 November 2026 at 09:30 · edited 1 December 2026 at 14:05"
    )
    assert "edited" not in second


def test_a_shown_comment_has_exactly_the_columns_the_page_reads():
    import re

    from blog.comments.threads import THREAD_PAGE_SQL, ShownComment

    selected = re.search(r"SELECT c\.(.*?),\s+counts\.", THREAD_PAGE_SQL, re.S).group(1)
    assert tuple(re.split(r",\s*c\.", selected)) == ShownComment._fields


# --- reading a page of threads (one statement, on the database) ----------------------------


def titles(threads) -> list:
    """[(body, [replies...])] for a page's threads."""
    return [
        (node.comment.body_html.strip(), [r.comment.body_html.strip() for r in node.replies])
        for node in threads
    ]


def test_a_page_holds_its_roots_with_their_replies_and_the_counts(app):
    from blog.comments.threads import page_of_threads
    from blog.extensions import db
    from tests.factories import make_article, make_comment

    with app.app_context():
        article = make_article()
        for n in range(5):
            root = make_comment(article, body=f"T{n}")
            db.session.flush()
            make_comment(article, parent=root, depth=2, body=f"R{n}")
        make_comment(article, status="pending", body="Queued")
        db.session.commit()
        first = page_of_threads(article.id, [], 1, 2)
        assert titles(first.threads) == [
            ("<p>T0</p>", ["<p>R0</p>"]),
            ("<p>T1</p>", ["<p>R1</p>"]),
        ]
        assert (first.page, first.pages) == (1, 3)
        assert article.comment_count == 10  # the heading's count: approved only
        last = page_of_threads(article.id, [], 99, 2)  # past the end: the last page
        assert titles(last.threads) == [("<p>T4</p>", ["<p>R4</p>"])] and last.page == 3
        assert page_of_threads(article.id, [], 0, 2).page == 1
        empty = page_of_threads(make_article().id, [], 1, 2)
        assert (empty.threads, empty.page, empty.pages) == ([], 1, 1)


def test_own_pending_comments_and_orphans_take_their_places(app):
    from blog.comments.threads import page_of_threads
    from blog.extensions import db
    from tests.factories import make_article, make_comment

    with app.app_context():
        article = make_article()
        root = make_comment(article, body="Root")
        hidden = make_comment(article, status="trash", body="Trashed")
        db.session.flush()
        orphan = make_comment(article, parent=hidden, depth=2, body="Orphan")
        mine = make_comment(article, parent=root, depth=2, status="pending", body="Mine")
        theirs = make_comment(article, status="pending", body="Theirs")
        db.session.commit()
        shown = page_of_threads(article.id, [mine.id], 1, 10)
        assert titles(shown.threads) == [("<p>Root</p>", ["<p>Mine</p>"]), ("<p>Orphan</p>", [])]
        assert article.comment_count == 2  # the heading's count: approved only
        assert theirs.id not in {n.comment.id for n in shown.threads}
        assert orphan.id == shown.threads[1].comment.id


def test_threads_nest_replies_and_lift_orphans(app):
    with app.app_context():
        article = make_article()
        root = make_comment(article)
        db.session.flush()
        reply = make_comment(article, parent=root, depth=2)
        hidden = make_comment(article, status="spam")
        db.session.flush()
        orphan = make_comment(article, parent=hidden, depth=2)
        db.session.commit()
        threads = build_threads([root, reply, orphan])
        assert [n.comment for n in threads] == [root, orphan]
        assert [n.comment for n in threads[0].replies] == [reply]


def test_a_page_shows_approved_plus_own_pending_only(app):
    with app.app_context():
        article = make_article()
        approved = make_comment(article)
        mine = make_comment(article, status=CommentStatus.PENDING)
        theirs = make_comment(article, status=CommentStatus.PENDING)
        spam = make_comment(article, status=CommentStatus.SPAM)
        db.session.commit()
        threads = page_of_threads(article.id, [mine.id, spam.id], 1, 50).threads
        shown = [node.comment.id for node in threads]
        assert shown == [approved.id, mine.id]
        assert theirs.id not in shown
