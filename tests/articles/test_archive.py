"""The archive by month: the months kept as articles change, and the pages that list them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from blog.articles import archive
from blog.extensions import db
from blog.models import ArchiveMonth, Article, ArticleStatus, article_tags, utcnow
from tests.factories import make_article, make_tag
from tests.pages import get_html

NOV_3 = datetime(2025, 11, 3, 9, 30, tzinfo=UTC)
NOV_29 = datetime(2025, 11, 29, 18, 0, tzinfo=UTC)
SEP_14 = datetime(2025, 9, 14, 7, 0, tzinfo=UTC)


def months_kept() -> dict[str, datetime]:
    return dict(db.session.execute(sa.select(ArchiveMonth.month, ArchiveMonth.changed_at)).all())


def test_month_bounds_are_utc_and_roll_over_the_year():
    assert archive.month_bounds(2025, 12) == (
        datetime(2025, 12, 1, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert archive.month_key(datetime(2025, 11, 30, 23, 30, tzinfo=UTC)) == "2025-11"


def test_saving_an_article_marks_its_month_and_moving_it_marks_both(app):
    with app.app_context():
        article = make_article(published_at=NOV_3)
        db.session.commit()
        first = months_kept()
        assert set(first) == {"2025-11"}
        article.published_at = SEP_14
        db.session.commit()
        moved = months_kept()
        assert set(moved) == {"2025-11", "2025-09"}
        assert moved["2025-11"] > first["2025-11"]  # it lost an article: it changed


def test_refresh_rebuilds_the_months_from_the_articles(app):
    with app.app_context():
        make_article(published_at=NOV_3)
        make_article(published_at=SEP_14)
        db.session.commit()
        db.session.execute(sa.delete(ArchiveMonth))
        archive.refresh_months(db.session.connection())
        assert set(months_kept()) == {"2025-11", "2025-09"}


def test_visible_months_leave_out_months_of_drafts_and_scheduled_articles(app):
    with app.app_context():
        make_article(published_at=NOV_3)
        make_article(published_at=SEP_14, status=ArticleStatus.DRAFT)
        make_article(published_at=utcnow() + timedelta(days=40))
        db.session.commit()
        assert [m.key for m in archive.visible_months()] == ["2025-11"]


def test_a_month_changes_when_a_scheduled_article_appears_not_when_it_was_saved(app):
    with app.app_context():
        soon = utcnow() + timedelta(seconds=1)
        make_article(published_at=utcnow() - timedelta(days=1))
        make_article(published_at=soon)
        db.session.commit()
        saved_at = months_kept()[archive.month_key(soon)]
        db.session.execute(
            sa.update(Article).where(Article.published_at == soon).values(published_at=soon)
        )
        import time

        time.sleep(1.1)
        (month,) = [m for m in archive.visible_months() if m.key == archive.month_key(soon)]
        assert month.last_modified == max(saved_at, soon)


def test_visible_during_is_is_visible_within_the_period(app):
    with app.app_context():
        in_month = make_article(published_at=NOV_3)
        last_moment = make_article(published_at=datetime(2025, 11, 30, 23, 59, 59, tzinfo=UTC))
        make_article(published_at=datetime(2025, 12, 1, tzinfo=UTC))  # the next month's
        make_article(published_at=NOV_29, status=ArticleStatus.DRAFT)
        future = make_article(published_at=utcnow() + timedelta(hours=1))
        db.session.commit()
        start, end = archive.month_bounds(2025, 11)
        during = set(
            db.session.scalars(sa.select(Article.id).where(Article.visible_during(start, end)))
        )
        assert during == {in_month.id, last_moment.id}
        now_start, now_end = archive.month_bounds(
            future.published_at.year, future.published_at.month
        )
        current = set(
            db.session.scalars(
                sa.select(Article.id).where(Article.visible_during(now_start, now_end))
            )
        )
        assert future.id not in current


def test_tag_rows_carry_their_articles_publication_time_through_every_save(app):
    with app.app_context():
        tag, other = make_tag(), make_tag()
        article = make_article(published_at=NOV_3, tags=[tag])
        db.session.commit()
        article.tags.append(other)
        article.published_at = NOV_29
        db.session.commit()
        rows = db.session.execute(
            sa.select(article_tags.c.tag_id, article_tags.c.published_at)
        ).all()
        assert {tag_id: at for tag_id, at in rows} == {tag.id: NOV_29, other.id: NOV_29}


def test_a_tag_added_alone_gets_the_time_and_an_edit_keeps_it(app):
    with app.app_context():
        tag, later = make_tag(), make_tag()
        article = make_article(published_at=NOV_3, tags=[tag])
        db.session.commit()
        article.summary = "Edited."  # moves nothing in time
        db.session.commit()
        article.tags.append(later)  # only a tag row is written
        db.session.commit()
        rows = db.session.execute(
            sa.select(article_tags.c.tag_id, article_tags.c.published_at)
        ).all()
        assert {tag_id: at for tag_id, at in rows} == {tag.id: NOV_3, later.id: NOV_3}


def test_the_archive_lists_years_and_months_with_articles(app, client):
    with app.app_context():
        make_article(published_at=NOV_3)
        make_article(published_at=SEP_14)
        make_article(published_at=datetime(2024, 2, 1, tzinfo=UTC), status=ArticleStatus.DRAFT)
        db.session.commit()
    html = get_html(client, "/archive/")
    assert 'href="/archive/2025/11/"' in html and 'href="/archive/2025/09/"' in html
    assert "/archive/2024/" not in html
    year = get_html(client, "/archive/2025/")
    assert "November" in year and "1 article" in year and "October" not in year
    get_html(client, "/archive/2024/", 404)
    get_html(client, "/archive/2025/10/", 404)
    get_html(client, "/archive/2025/13/", 404)
    get_html(client, "/archive/0000/00/", 404)


def test_a_month_lists_every_article_by_day_with_the_months_either_side(app, client):
    with app.app_context():
        early = make_article(title="Early November", published_at=NOV_3)
        late = make_article(title="Late November", published_at=NOV_29)
        make_article(published_at=SEP_14)
        make_article(published_at=datetime(2026, 1, 5, tzinfo=UTC))
        db.session.commit()
        early_slug, late_slug = early.slug, late.slug
    html = get_html(client, "/archive/2025/11/")
    assert html.index(late_slug) < html.index(early_slug)  # newest first
    assert "29 November 2025" in html and "3 November 2025" in html
    assert 'rel="prev" href="/archive/2025/09/"' in html  # the month with articles before
    assert 'rel="next" href="/archive/2026/01/"' in html


def publish_in_november(app, *, days: int) -> None:
    """One article on each of the first `days` days of November 2025."""
    with app.app_context():
        for day in range(1, days + 1):
            make_article(published_at=datetime(2025, 11, day, tzinfo=UTC))
        db.session.commit()


def test_a_month_pages_past_its_page_size(app, client):
    app.config["ARCHIVE_PER_PAGE"] = 2
    publish_in_november(app, days=5)
    assert 'href="/archive/2025/11/?page=2"' in get_html(client, "/archive/2025/11/")
    get_html(client, "/archive/2025/11/?page=3")
    get_html(client, "/archive/2025/11/?page=4", 404)


def test_listings_stop_at_their_depth_and_send_readers_on_to_the_archive(app, client):
    app.config.update(ARTICLES_PER_PAGE=2, MAX_LISTING_PAGES=2)
    publish_in_november(app, days=11)  # the front page holds seven (blog.articles.front)
    first, last = get_html(client, "/"), get_html(client, "/?page=2")
    # The front page leads on to page 2 ("More stories"); no count of pages anywhere.
    assert 'rel="next" href="/?page=2"' in first and " of " not in first + last
    # Page 2 shows the 4th and 3rd of November; older ones continue in that month's archive.
    assert "3 November 2025" in last and "2 November 2025" not in last
    assert 'href="/archive/2025/11/"' in last and 'rel="next"' not in last
    get_html(client, "/?page=3", 404)


def test_a_listing_without_an_older_page_links_nowhere_older(app, client):
    app.config.update(ARTICLES_PER_PAGE=2, MAX_LISTING_PAGES=2)
    publish_in_november(app, days=8)  # seven on the front page, one on page 2
    last = get_html(client, "/?page=2")
    assert 'rel="next"' not in last and "/archive/2025/" not in last


def test_a_tag_page_lists_its_visible_articles_newest_first(app, client):
    app.config["ARTICLES_PER_PAGE"] = 2
    with app.app_context():
        tag = make_tag()
        titles = []
        for day in (3, 1, 2):
            titles.append(
                make_article(
                    title=f"Tagged {day}",
                    published_at=datetime(2025, 11, day, tzinfo=UTC),
                    tags=[tag],
                ).title
            )
        make_article(title="Tagged draft", status=ArticleStatus.DRAFT, tags=[tag])
        make_article(title="Untagged", published_at=datetime(2025, 11, 4, tzinfo=UTC))
        db.session.commit()
        slug = tag.slug
    first, second = get_html(client, f"/tag/{slug}"), get_html(client, f"/tag/{slug}?page=2")
    assert first.index("Tagged 3") < first.index("Tagged 2") and "Tagged 1" not in first
    assert "Tagged 1" in second and "draft" not in first + second and "Untagged" not in first
    get_html(client, f"/tag/{slug}?page=3", 404)


def test_a_listing_page_costs_the_same_queries_however_deep(app, client, count_queries):
    app.config["ARTICLES_PER_PAGE"] = 2
    publish_in_november(app, days=15)
    client.get("/?page=2")  # (page 1 is the front page: tests/articles/test_front_page.py)
    first = count_queries(lambda: get_html(client, "/?page=2"))
    deeper = count_queries(lambda: get_html(client, "/?page=4"))
    assert first.count == deeper.count
    # Only the comment count of each article shown; nothing counts the listing.
    counts = [s for s in first.statements if "count(" in s.lower()]
    assert all("count(comments.id)" in s for s in counts)
