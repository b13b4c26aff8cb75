"""The audit log as admins read it: who did what to which comment, article or ban, and when.

Staff actions on comments (blog.admin.actions), the editor (blog.editorial) and bans all write
ModerationAction rows; this module filters them, pages through them in a fixed number of
queries, and says each one in words.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.sql import Select

from blog.extensions import db
from blog.inputs import MAX_PAGE, page_number, parse_day  # noqa: F401 - the log's pages are read by this rule
from blog.models import Article, Comment, CommentStatus, ModerationAction, Staff

#: What each action did, as the log says it ("Maren Holt approved a comment"), by subject.
COMMENT_ACTIONS = {
    "approve": "approved",
    "unapprove": "unapproved",
    "spam": "marked as spam",
    "not-spam": "marked as not spam",
    "trash": "moved to the trash",
    "restore": "restored",
    "delete": "deleted permanently",
    "reply": "replied",
    "edit": "edited",
    "hidden-by-reports": "hid",
    "reports-dismissed": "dismissed the reports on",
    "edited-by-author": "edited",
    "deleted-by-author": "deleted",
}
#: Actions taken by no staff member, and who the log says took them.
RULE_ACTIONS = {
    "hidden-by-reports": "Readers' reports",
    "edited-by-author": "The commenter",
    "deleted-by-author": "The commenter",
}
ARTICLE_ACTIONS = {
    "publish": "published",
    "update": "updated",
    "schedule": "scheduled",
    "unpublish": "unpublished",
    "delete": "deleted",
}
BAN_ACTIONS = {"ban": "banned", "unban": "lifted the ban on"}
#: Readers' data (blog.privacy.records): the entry's detail names the address by a keyed digest.
DATA_ACTIONS = {
    "data-request": "asked for a link to the data of",
    "data-export": "downloaded the data of",
    "data-erase": "erased the data of",
}

#: The action filter's menu: (group, [(value, label)]). "delete" is one value for both kinds.
ACTION_CHOICES: list[tuple[str, list[tuple[str, str]]]] = [
    ("Comments", [(name, words.capitalize()) for name, words in COMMENT_ACTIONS.items()]),
    (
        "Articles",
        [(name, words.capitalize()) for name, words in ARTICLE_ACTIONS.items() if name != "delete"],
    ),
    ("Bans", [("ban", "Banned"), ("unban", "Ban lifted")]),
    (
        "Readers' data",
        [
            ("data-request", "Link asked for"),
            ("data-export", "Data downloaded"),
            ("data-erase", "Data erased"),
        ],
    ),
]
KNOWN_ACTIONS = (
    frozenset(COMMENT_ACTIONS)
    | frozenset(ARTICLE_ACTIONS)
    | frozenset(BAN_ACTIONS)
    | frozenset(DATA_ACTIONS)
)

#: The staff filter's value for actions whose account has since been deleted.
FORMER_ACCOUNT = "former"


@dataclass(frozen=True)
class AuditFilters:
    """What the admin narrowed the log to; empty means everything."""

    staff: int | str | None = None  # an account id, FORMER_ACCOUNT, or None for anyone
    action: str = ""
    since: date | None = None
    until: date | None = None
    problems: tuple[str, ...] = field(default=(), compare=False)

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments, for links to other pages of the log."""
        args = {
            "staff": "" if self.staff is None else str(self.staff),
            "action": self.action,
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
        }
        return {name: value for name, value in args.items() if value}


def _parse_date(text: str, label: str, problems: list[str]) -> date | None:
    if not text:
        return None
    day = parse_day(text)
    if day is None:
        problems.append(f"“{text[:40]}” is not a date like 2026-11-28, so {label} was ignored.")
    return day


def parse_filters(args: Mapping[str, str]) -> AuditFilters:
    """Filters from the query string. What cannot be read is left out and said in problems."""
    problems: list[str] = []
    staff_text = args.get("staff", "").strip()
    staff: int | str | None = None
    if staff_text == FORMER_ACCOUNT:
        staff = FORMER_ACCOUNT
    elif staff_text.isascii() and staff_text.isdigit() and len(staff_text) < 10:
        staff = int(staff_text)
    elif staff_text:
        problems.append("That staff member is unknown, so the log shows everyone.")
    action = args.get("action", "").strip()
    if action and action not in KNOWN_ACTIONS:
        problems.append("That action is unknown, so the log shows every action.")
        action = ""
    since = _parse_date(args.get("from", "").strip(), "the From date", problems)
    until = _parse_date(args.get("to", "").strip(), "the To date", problems)
    if since and until and since > until:
        since, until = until, since
        problems.append("The From date was after the To date, so the two were swapped.")
    return AuditFilters(staff, action, since, until, tuple(problems))


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_entries(filters: AuditFilters) -> Select:
    """The log's entries that match filters, newest first, with their staff and article."""
    query = sa.select(ModerationAction).options(
        joinedload(ModerationAction.staff), joinedload(ModerationAction.article)
    )
    if filters.staff == FORMER_ACCOUNT:
        query = query.where(ModerationAction.staff_id.is_(None))
    elif filters.staff is not None:
        query = query.where(ModerationAction.staff_id == filters.staff)
    if filters.action:
        query = query.where(ModerationAction.action == filters.action)
    if filters.since:
        query = query.where(ModerationAction.created_at >= _start_of(filters.since))
    if filters.until:  # the whole of the To day
        query = query.where(
            ModerationAction.created_at < _start_of(filters.until + timedelta(days=1))
        )
    return query.order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())


@dataclass(frozen=True)
class CommentSummary:
    """Enough of a comment to name it in the log."""

    id: int
    author_name: str
    article_title: str


def comments_named_in(comment_ids: Collection[int]) -> dict[int, CommentSummary]:
    """The comments a page of the log acts on, with their articles' titles, in one query."""
    if not comment_ids:
        return {}
    on_article = aliased(Article)
    rows = db.session.execute(
        sa.select(Comment.id, Comment.author_name, on_article.title)
        .join(on_article, on_article.id == Comment.article_id)
        .where(Comment.id.in_(list(comment_ids)))
    ).all()
    return {row[0]: CommentSummary(*row) for row in rows}


def staff_choices() -> list[tuple[int, str]]:
    """Every account, by display name, for the staff filter (usernames stay out of sight)."""
    rows = db.session.execute(
        sa.select(Staff.id, Staff.display_name).order_by(Staff.display_name, Staff.id)
    ).all()
    return [(row.id, row.display_name) for row in rows]


@dataclass(frozen=True)
class AuditLine:
    """One entry of the log, said in words: who did what to which thing, and the statuses."""

    entry: ModerationAction
    who: str
    did: str
    subject: str  # "comment", "article", "ban" or "data"
    what: str
    #: Where the thing can be seen now (the edit page), or None once it is gone.
    link: tuple[str, dict[str, int]] | None
    status_before: str
    status_after: str


def subject_of(entry: ModerationAction) -> str:
    """Whether an entry acted on a comment, an article, a ban or a reader's data.

    "delete" is both a comment action and an article action; once the thing is gone both of
    its ids are null, so the status before tells them apart (comments are only deleted from
    spam or the trash, which articles never are in).
    """
    if entry.action in BAN_ACTIONS:
        return "ban"
    if entry.action in DATA_ACTIONS:
        return "data"
    if entry.comment_id is not None:
        return "comment"
    if entry.article_id is not None or entry.action in ARTICLE_ACTIONS.keys() - {"delete"}:
        return "article"
    if entry.action == "delete" and entry.status_before not in CommentStatus.__members__.values():
        return "article"
    return "comment"


def describe(entry: ModerationAction, comments: Mapping[int, CommentSummary]) -> AuditLine:
    """One entry in words, for the log's table."""
    subject = subject_of(entry)
    words = {
        "comment": COMMENT_ACTIONS,
        "article": ARTICLE_ACTIONS,
        "ban": BAN_ACTIONS,
        "data": DATA_ACTIONS,
    }[subject]
    link = None
    if subject == "comment":
        summary = comments.get(entry.comment_id) if entry.comment_id else None
        if summary is not None:
            noun = "reply" if entry.action == "reply" else "comment"
            what = f"{noun} by {summary.author_name} on “{summary.article_title}”"
            link = ("admin.edit", {"comment_id": summary.id})
        else:
            what = "a comment since deleted"
    elif subject == "article":
        if entry.article is not None:
            what = f"“{entry.article.title}”"
            link = ("editorial.edit_article", {"article_id": entry.article.id})
        elif entry.detail:
            what = f"“{entry.detail}” (since deleted)"
        else:
            what = "an article since deleted"
    else:  # a ban's value, or for readers' data the address's digest and the outcome
        what = entry.detail or "an address"
    return AuditLine(
        entry=entry,
        who=entry.staff.display_name
        if entry.staff
        else RULE_ACTIONS.get(
            entry.action, "A reader" if subject == "data" else "a former account"
        ),
        did=words.get(entry.action, entry.action),
        subject=subject,
        what=what,
        link=link,
        status_before=entry.status_before or "",
        status_after=entry.status_after or ("gone" if entry.action == "delete" else ""),
    )
