"""The scale bench's content: articles of realistic length, tags, comments in threads, bulk-loaded.

Generated from a seed, so a size is the same every time it is built. Words come from a
vocabulary of a few thousand (common English first, then made-up words) with a Zipf-like
distribution; sentences are made once and sampled, so 100,000 articles take seconds to write.
Every article says "harbour" once (a word in every article); no word starts with "zebra" (a
word in none); "council", "budget" and "vote" are common without being everywhere.

The rows go in with SQLAlchemy Core, with the ids given, into a schema made by the migrations.
Bodies are plain-text paragraphs, so body_html is written as the site's Markdown would render
them (`<p>…</p>` per paragraph; tests/test_bench_scale.py checks this against render_markdown).
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path

import sqlalchemy as sa

from blog import search
from blog.articles.archive import copy_published_at, refresh_months
from blog.models import Article, Author, Category, Comment, Media, Tag, article_tags

#: Bump when what is generated changes: databases built by another version are not reused.
DATA_VERSION = 4
#: Pictures in the site (rows only: pages are timed, not their files) and the share of
#: articles with a lead image.
PICTURES = 60
PICTURE_SHARE = 0.6
EVERY_ARTICLE_WORD = "harbour"
NO_ARTICLE_WORD = "zebra"
THREE_WORD_QUERY = "council budget vote"
ARTICLES_PER_DAY = 10
WORDS_PER_ARTICLE = (600, 1200)
MEAN_COMMENTS = 10
#: The fifth newest article always has exactly this many comments, all approved.
PLANTED_COMMENTS = 50
DRAFTS, SCHEDULED = 5, 3
CHUNK = 1000

COMMON = """the of and to a in that is was he for it with as his on be at by i this had not are
but from or have an they which one you were her all she there would their we him been has when
who will more no if out so said what up its about into than them can only other new some could
time these two may then do first any my now such like our over man me even most made after also
did many before must through back years where much your way well down should because each just
those people how too little state good very make world still own see men work long get here
between both life being under never day same another know while last might us great old year off
come since against go came right used take three city police minister government week report
people council budget vote market school hospital court plan water road river bridge station
street park house family children party election mayor company bank price money tax homes rail
ferry port coast island weather storm rain summer winter spring autumn morning evening night
public local national service centre health workers union strike deal talks law case judge jury
trial officers fire team match season club players coach league goal win loss fans music film
festival theatre museum library book art history village town county region north south east
west road traffic bus train airport flight plans proposal residents neighbours community support
growth jobs business shop owner farm farmers fish fishing boat boats ship sea beach cliff tide
""".split()  # noqa: SIM905 (words read best as text)

FIRST_NAMES = """Ada Alan Amira Anna Ben Bea Carl Clara Dan Dina Eli Ella Finn Freya Gus Grace Hal
Hana Ivan Iris Jon Jade Kai Kira Leo Lena Max Mia Nils Nora Omar Olga Paul Pia Quinn Rosa Sam
Sara Tom Tara Uma Vera Will Wren Yusuf Yara Zoe Zane""".split()  # noqa: SIM905 (words read best as text)
LAST_NAMES = """Holt Berg Okafor Lind Moreau Castro Novak Patel Kim Reyes Dahl Ueda Walsh Stone
Ferreira Quinn Abbott Baker Cole Dunn Evans Frost Garcia Hughes Ito Jensen Khan Lopez Meyer Nash
Owens Price Rossi Silva Tran Vance Wood Young Ahmed Brooks""".split()  # noqa: SIM905 (words read best as text)
CATEGORIES = """City Politics Business Transport Environment Health Education Culture Sport
Science Opinion Weather""".split()  # noqa: SIM905 (words read best as text)
COMMENT_STATUSES = (("approved", 88), ("pending", 6), ("spam", 4), ("trash", 2))
REPLY_SHARE = 0.3
MAX_DEPTH = 3


def made_up_words(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """Pronounceable words that are not English ones, none starting with NO_ARTICLE_WORD."""
    onsets = "b br c ch d dr f g gl h j k l m n p pl r s sh st t tr v w z".split()  # noqa: SIM905
    vowels = "a e i o u ai ea io ou".split()  # noqa: SIM905
    codas = ["", "", "n", "r", "s", "l", "th", "nd", "st", "x"]
    words: list[str] = []
    seen = set(taken)
    while len(words) < count:
        word = "".join(
            rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.randint(1, 3))
        ) + rng.choice(codas)
        if word not in seen and not word.startswith(NO_ARTICLE_WORD) and len(word) > 2:
            seen.add(word)
            words.append(word)
    return words


@dataclass
class Vocabulary:
    """Words by rank, their Zipf weights, and sentences made from them once."""

    rng: random.Random
    words: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    sentence_words: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, rng: random.Random, size: int = 3000, sentences: int = 5000) -> Vocabulary:
        """A vocabulary of `size` words and `sentences` sentences of 6 to 22 words."""
        common = [w for w in dict.fromkeys(COMMON) if w != EVERY_ARTICLE_WORD]
        # The query's words are common, not top-ranked: most articles have one, fewer all three.
        for word in THREE_WORD_QUERY.split():
            common.remove(word)
        for rank, word in zip((60, 90, 120), THREE_WORD_QUERY.split(), strict=True):
            common.insert(rank, word)
        words = common + made_up_words(rng, size - len(common), set(common))
        weights = list(accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(words))))
        vocabulary = cls(rng, words)
        for _ in range(sentences):
            chosen = rng.choices(words, cum_weights=weights, k=rng.randint(6, 22))
            if len(chosen) > 9 and rng.random() < 0.4:
                chosen[rng.randint(3, len(chosen) - 4)] += ","
            vocabulary.sentences.append(" ".join(chosen).capitalize() + ".")
            vocabulary.sentence_words.append(len(chosen))
        return vocabulary

    def sentence(self) -> str:
        return self.rng.choice(self.sentences)

    def title(self) -> str:
        """A headline of four to nine words."""
        words = self.sentence().rstrip(".").replace(",", "").split()
        return " ".join(words[: self.rng.randint(4, 9)]).capitalize()

    def body(self) -> list[str]:
        """Paragraphs of 600 to 1,200 words in all, one sentence naming the harbour."""
        low, high = WORDS_PER_ARTICLE
        harbour = f"The {EVERY_ARTICLE_WORD} was mentioned again."
        target = self.rng.randint(low, high - 22 - len(harbour.split()))
        sentences = [harbour]
        count = len(harbour.split())
        picks = len(self.sentences)
        while count < target:
            index = int(self.rng.random() * picks)
            sentences.append(self.sentences[index])
            count += self.sentence_words[index]
        self.rng.shuffle(sentences)
        paragraphs = []
        while sentences:
            take = self.rng.randint(2, 6)
            paragraphs.append(" ".join(sentences[:take]))
            del sentences[:take]
        return paragraphs


def paragraphs_html(paragraphs: list[str]) -> str:
    """What render_markdown makes of plain-text paragraphs (no Markdown syntax in them)."""
    return "".join(f"<p>{paragraph}</p>\n" for paragraph in paragraphs)


def slugify(text: str) -> str:
    return "-".join(text.lower().replace(",", "").split())


def weighted(rng: random.Random, items: list, skew: float = 1.0) -> tuple[list, list[float]]:
    """Items in a random order with Zipf-like cumulative weights, for rng.choices."""
    items = list(items)
    rng.shuffle(items)
    return items, list(accumulate(1 / (rank + 1) ** skew for rank in range(len(items))))


def pick(rng: random.Random, table: tuple[list, list[float]]) -> object:
    """One item of a (items, cumulative weights) table."""
    items, cumulative = table
    return items[bisect(cumulative, rng.random() * cumulative[-1])]


def comment_count(rng: random.Random) -> int:
    """Comments on one article: about ten on average, a tenth with none, a few with hundreds."""
    if rng.random() < 0.002:
        return rng.randint(150, 400)
    return int(rng.expovariate(1 / MEAN_COMMENTS))


@dataclass
class Generated:
    """The rows of one chunk of articles, ready for Core inserts."""

    articles: list[dict] = field(default_factory=list)
    tags: list[dict] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)


class Generator:
    """The content of a site with `size` published articles, in chunks, from `seed`."""

    def __init__(self, size: int, seed: int = 1, now: datetime | None = None) -> None:
        self.size = size
        self.rng = random.Random(seed)  # noqa: S311 (made-up content, not secrets)
        self.now = (now or datetime.now(UTC)).replace(microsecond=0)
        self.vocabulary = Vocabulary.build(self.rng)
        rng = self.rng
        # Pictures from a generator of their own, so the rest is what earlier versions made.
        self.picture_rng = random.Random(seed + 1)  # noqa: S311
        self.media = [
            {
                "id": n + 1,
                "digest": f"{n + 1:020x}",
                "format": "jpeg",
                "width": 1600,
                "height": 900 if n % 3 else 1067,
                "original_name": f"picture-{n + 1}.jpg",
                "stored_bytes": 0,
                "created_at": self.now,
            }
            for n in range(PICTURES)
        ]
        names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
        rng.shuffle(names)
        self.authors = [
            {
                "id": n + 1,
                "name": name,
                "slug": slugify(name),
                "bio": f"{name.split()[0]} covers {CATEGORIES[n % len(CATEGORIES)].lower()}. "
                + " ".join(self.vocabulary.sentence() for _ in range(2)),
                "photo_id": PICTURES - n,
            }
            for n, name in enumerate(names[:20])
        ]
        self.categories = [
            {"id": n + 1, "name": name, "slug": name.lower()} for n, name in enumerate(CATEGORIES)
        ]
        tag_names = list(dict.fromkeys(COMMON[150:] + self.vocabulary.words[300:600]))[:300]
        self.tags = [
            {"id": n + 1, "name": name, "slug": f"{slugify(name)}-{n + 1}"}
            for n, name in enumerate(tag_names)
        ]
        self.author_ids = weighted(rng, [a["id"] for a in self.authors], 0.7)
        self.category_ids = weighted(rng, [c["id"] for c in self.categories], 0.8)
        self.tag_ids = weighted(rng, [t["id"] for t in self.tags], 1.0)
        commenters = [
            (f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", n) for n in range(5000)
        ]
        self.commenters = weighted(rng, commenters, 0.8)
        self.statuses = (
            [status for status, _ in COMMENT_STATUSES],
            list(accumulate(share for _, share in COMMENT_STATUSES)),
        )
        self.next_comment_id = 1

    def published_at(self, index: int) -> datetime:
        """Ten a day going back from now; the newest (index 0) an hour ago."""
        day, slot = divmod(index, ARTICLES_PER_DAY)
        return self.now - timedelta(hours=1, days=day, minutes=slot * 24 * 60 // ARTICLES_PER_DAY)

    def chunks(self) -> Iterator[Generated]:
        """Every article (published, then drafts and scheduled ones) with its tags and comments."""
        total = self.size + DRAFTS + SCHEDULED
        for start in range(0, total, CHUNK):
            chunk = Generated()
            for index in range(start, min(start + CHUNK, total)):
                self.article(index, chunk)
            yield chunk

    def article(self, index: int, chunk: Generated) -> None:
        """Article `index` (0 the newest) into the chunk, with its tags and comments."""
        rng, vocabulary = self.rng, self.vocabulary
        article_id = index + 1
        status, published = "published", None
        if index < self.size:
            published = self.published_at(index)
        elif index < self.size + DRAFTS:
            status = "draft"
        else:
            published = self.now + timedelta(days=index - self.size - DRAFTS + 1)
        paragraphs = vocabulary.body()
        title = vocabulary.title()
        created = (published or self.now) - timedelta(hours=rng.randint(1, 48))
        chunk.articles.append(
            {
                "id": article_id,
                "title": title,
                "slug": f"{slugify(title)[:180]}-{article_id}",
                "summary": " ".join(vocabulary.sentence() for _ in range(rng.randint(1, 2))),
                "body_markdown": "\n\n".join(paragraphs),
                "body_html": paragraphs_html(paragraphs),
                "source_name": None,
                "source_url": None,
                "author_id": pick(rng, self.author_ids),
                "category_id": pick(rng, self.category_ids),
                "status": status,
                "published_at": published,
                "created_at": created,
                "updated_at": published or created,
                "comments_open": True,
                **self.lead_image(),
            }
        )
        tags: set[int] = set()
        while len(tags) < 3:
            tags.add(pick(rng, self.tag_ids))
        chunk.tags.extend({"article_id": article_id, "tag_id": tag} for tag in sorted(tags))
        if published is not None and published <= self.now:
            planted = index == 4
            count = PLANTED_COMMENTS if planted else comment_count(rng)
            self.comments(article_id, published, count, planted, chunk)

    def lead_image(self) -> dict:
        """A lead image for most articles (PICTURE_SHARE), from the site's few pictures."""
        rng = self.picture_rng
        if rng.random() >= PICTURE_SHARE:
            return {"lead_image_id": None, "lead_image_alt": ""}
        media_id = rng.randint(1, PICTURES)
        return {"lead_image_id": media_id, "lead_image_alt": f"Picture {media_id}"}

    def comments(
        self, article_id: int, published: datetime, count: int, approved: bool, chunk: Generated
    ) -> None:
        """`count` comments on an article, after it, some of them replies."""
        rng = self.rng
        seconds = max(int((self.now - published).total_seconds()), 60)
        times = sorted(rng.randint(30, min(seconds, 14 * 24 * 3600)) for _ in range(count))
        ids: list[tuple[int, int]] = []
        for offset in times:
            comment_id = self.next_comment_id
            self.next_comment_id += 1
            parent = None
            depth = 1
            if ids and rng.random() < REPLY_SHARE:
                parent, parent_depth = rng.choice(ids)
                depth = parent_depth + 1
                if depth > MAX_DEPTH:
                    parent, depth = None, 1
            ids.append((comment_id, depth))
            name, number = pick(rng, self.commenters)
            paragraphs = [
                " ".join(self.vocabulary.sentence() for _ in range(rng.randint(1, 3)))
                for _ in range(rng.choice((1, 1, 1, 2)))
            ]
            status = "approved" if approved else pick(rng, self.statuses)
            held = "first comment from this address" if status == "pending" else None
            chunk.comments.append(
                {
                    "id": comment_id,
                    "article_id": article_id,
                    "parent_id": parent,
                    "depth": depth,
                    "status": status,
                    "hold_reason": held,
                    "author_name": name,
                    "author_email": f"{name.lower().replace(' ', '.')}.{number}@example.org",
                    "author_website": None,
                    "body": "\n\n".join(paragraphs),
                    "body_html": paragraphs_html(paragraphs),
                    "created_at": published + timedelta(seconds=offset),
                    "edited_at": None,
                    "ip_address": f"198.51.100.{number % 250 + 1}",
                    "user_agent": "Mozilla/5.0 (bench)",
                    "staff_id": None,
                }
            )


def load(connection: sa.Connection, generator: Generator) -> dict[str, int]:
    """Insert everything the generator makes; rebuild what derives from it. Returns counts."""
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        search.uninstall(connection)  # triggers per row are slow; the index is rebuilt at the end
    else:
        connection.exec_driver_sql("DROP INDEX IF EXISTS ix_articles_search_vector")
    connection.execute(sa.insert(Media.__table__), generator.media)
    connection.execute(sa.insert(Author.__table__), generator.authors)
    connection.execute(sa.insert(Category.__table__), generator.categories)
    connection.execute(sa.insert(Tag.__table__), generator.tags)
    counts = {"articles": 0, "comments": 0, "article_tags": 0}
    for chunk in generator.chunks():
        connection.execute(sa.insert(Article.__table__), chunk.articles)
        connection.execute(sa.insert(article_tags), chunk.tags)
        if chunk.comments:
            connection.execute(sa.insert(Comment.__table__), chunk.comments)
        counts["articles"] += len(chunk.articles)
        counts["comments"] += len(chunk.comments)
        counts["article_tags"] += len(chunk.tags)
    search.install(connection)
    if not sqlite:
        for table in ("media", "authors", "categories", "tags", "articles", "comments"):
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
    # What the app keeps as articles are saved: the archive's months, and each tag row's copy
    # of its article's publication time.
    refresh_months(connection)
    copy_published_at(connection)
    return counts


def file_size(path: Path) -> int:
    """A SQLite database's size on disk, with its write-ahead log if any."""
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
