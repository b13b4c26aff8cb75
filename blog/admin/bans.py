"""Bans: what a ban's value may be, what it would catch, making and lifting one, and the check
that sends a banned commenter's comments to spam.

A ban is an email address or an IP network. Before one is made, a moderator sees its impact
(ban_impact): how many comments came from it and how many of those commenters are regulars
whose next comments would otherwise have been published. A ban may end (expires_at); one whose
end has passed catches nothing, though it stays listed.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import aliased

from blog.extensions import db
from blog.models import (
    Ban,
    BanKind,
    Comment,
    CommentStatus,
    ModerationAction,
    Staff,
    now_at_execution,
)
from blog.refusals import Refused
from blog.templating import human_date

#: How long a ban lasts unless the moderator says otherwise. Addresses change hands (a mobile
#: carrier hands the same address to someone else tomorrow), emails do not.
DEFAULT_DURATION: dict[str, timedelta | None] = {
    BanKind.EMAIL: None,
    BanKind.IP: timedelta(days=30),
}

#: The widest networks a ban may cover. Wider ones (0.0.0.0/0, a /8) would send a large part of
#: the world's comments to spam; that is a job for a firewall, not a moderator's button.
MIN_PREFIX = {4: 16, 6: 32}

#: The most (address, email) groups ban_impact reads; past it the counts are a lower bound.
IMPACT_SCAN_LIMIT = 50_000

#: What ban_reason writes into a caught comment's hold_reason (see caught_by).
EMAIL_REASON = "banned email"
NETWORK_REASON = "banned IP address"


# --- The value --------------------------------------------------------------------------------


def parse_ban(kind: str, value: str) -> str:
    """The canonical form of a ban's value (a normalized email, a network in CIDR form).

    Raises Refused for a malformed value or a network wider than MIN_PREFIX allows.
    """
    value = (value or "").strip()
    if kind == BanKind.EMAIL:
        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError:
            raise Refused("Enter a valid email address.", "value") from None
    if kind == BanKind.IP:
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise Refused(
                "Enter an IP address or a network such as 203.0.113.0/24.", "value"
            ) from None
        widest = MIN_PREFIX[network.version]
        if network.prefixlen < widest:
            raise Refused(
                f"{network} is too wide a network to ban: {network.num_addresses:,} addresses. "
                f"Ban a /{widest} or narrower.",
                "value",
            )
        return str(network)
    raise Refused("Choose an email address or an IP address.", "kind")


def default_end_date(kind: str, today: date) -> date | None:
    """The end date a new ban's form offers: none for an email, 30 days on for an address."""
    duration = DEFAULT_DURATION.get(kind)
    return today + duration if duration else None


def end_of(end_date: date | None) -> datetime | None:
    """When a ban that ends on end_date stops: the start of that day, UTC."""
    return datetime.combine(end_date, time(), UTC) if end_date else None


# --- What a ban would catch -------------------------------------------------------------------


@dataclass(frozen=True)
class BanImpact:
    """What a ban's value has caught so far: a moderator reads it before confirming."""

    #: Comments from the email, or from addresses in the network (among those still stored).
    comments: int
    #: How many of those comments are approved.
    approved_comments: int
    #: Distinct commenters (by email) behind those comments.
    commenters: int
    #: Those commenters who have an approved comment anywhere: regulars, approved at once
    #: today, whose comments would go to spam once the ban is in place.
    known_commenters: int
    #: True when there was more to read than IMPACT_SCAN_LIMIT: the counts are at least these.
    partial: bool = False


def _impact_groups() -> sa.Select:
    """Comments grouped by address and email, with whether each email is a regular's."""
    approved = aliased(Comment)
    is_known = (
        sa.select(approved.id)
        .where(
            approved.author_email == Comment.author_email,
            approved.status == CommentStatus.APPROVED,
        )
        .exists()
    )
    return sa.select(
        Comment.ip_address,
        Comment.author_email,
        sa.func.count(Comment.id),
        sa.func.count(Comment.id).filter(Comment.status == CommentStatus.APPROVED),
        is_known,
    ).group_by(Comment.ip_address, Comment.author_email)


def _text_prefix(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    """A LIKE pattern every address of network matches as text (stored addresses are text).

    For IPv4, the octets the prefix fixes whole ("203.0.113.%" for a /24; a /32 is the address
    itself); IPv6 is written in
    too many ways (zeros compressed anywhere) for a text prefix, so any address with a colon.
    """
    if network.version == 6:
        return "%:%"
    if network.prefixlen == 32:
        return str(network.network_address)
    octets = str(network.network_address).split(".")[: network.prefixlen // 8]
    return "".join(f"{octet}." for octet in octets) + "%"


def ban_impact(kind: str, value: str) -> BanImpact:
    """How many comments and commenters a ban on value (as parse_ban returns it) would cover.

    An email matches in any case, as the ban check does. A network is matched against the
    addresses comments still have stored: the database narrows them by their text, then
    Python tests each distinct address, so the work grows with the addresses in (roughly) the
    network, not with the whole table.
    """
    query = _impact_groups()
    network = None
    if kind == BanKind.EMAIL:
        query = query.where(sa.func.lower(Comment.author_email) == value.lower())
    else:
        network = ipaddress.ip_network(value, strict=False)
        query = query.where(
            Comment.ip_address.is_not(None), Comment.ip_address.like(_text_prefix(network))
        )
    rows = db.session.execute(query.limit(IMPACT_SCAN_LIMIT + 1)).all()
    partial = len(rows) > IMPACT_SCAN_LIMIT
    comments = approved_comments = 0
    emails: set[str] = set()
    known: set[str] = set()
    for address, email, count, approved_count, is_known in rows[:IMPACT_SCAN_LIMIT]:
        if network is not None and not _address_in(address, network):
            continue
        comments += count
        approved_comments += approved_count
        # One mailbox whatever the case of its local part (as the ban check reads emails).
        emails.add(email.lower())
        if is_known:
            known.add(email.lower())
    return BanImpact(comments, approved_comments, len(emails), len(known), partial)


def _address_in(
    address: str | None, network: ipaddress.IPv4Network | ipaddress.IPv6Network
) -> bool:
    """Whether a stored address lies in network (an unreadable one never does)."""
    try:
        return address is not None and ipaddress.ip_address(address) in network
    except ValueError:
        return False


# --- Making and lifting -----------------------------------------------------------------------


def find_ban(kind: str, value: str) -> Ban | None:
    """The ban on this value (as parse_ban returns it; an email in any case), ended or not."""
    if kind == BanKind.EMAIL:
        same = sa.func.lower(Ban.value) == value.lower()
    else:
        same = Ban.value == value
    return db.session.scalar(sa.select(Ban).where(Ban.kind == kind, same).limit(1))


def place_ban(
    kind: str, value: str, *, reason: str, expires_at: datetime | None, staff: Staff
) -> Ban:
    """Ban value until expires_at (None: no end), or renew the ban already on it; the caller
    commits. The audit log records a "ban" with the value.
    """
    ban = find_ban(kind, value)
    if ban is None:
        ban = Ban(kind=kind, value=value)
        db.session.add(ban)
    ban.reason = reason
    ban.expires_at = expires_at
    ban.staff_id = staff.id
    db.session.add(ModerationAction(staff_id=staff.id, action="ban", detail=value))
    return ban


def lift_ban(ban: Ban, staff: Staff) -> None:
    """Delete a ban and record an "unban" with its value; the caller commits."""
    db.session.add(ModerationAction(staff_id=staff.id, action="unban", detail=ban.value))
    db.session.delete(ban)


def ban_state(ban: Ban, now: datetime) -> str:
    """'no end', 'ends 3 January 2027' or 'ended 2 December 2026', for the bans list."""
    if ban.expires_at is None:
        return "no end"
    day = human_date(ban.expires_at)
    return f"ended {day}" if ban.expires_at <= now else f"ends {day}"


# --- The check on every new comment -----------------------------------------------------------


@cache
def _active_bans_query() -> sa.Select:
    """Every ban that has not ended, judged when the statement runs (it is built once)."""
    return sa.select(Ban.kind, Ban.value).where(
        sa.or_(Ban.expires_at.is_(None), Ban.expires_at > now_at_execution())
    )


def ban_reason(email: str, ip_address: str | None) -> str | None:
    """Why this email or address is banned ("banned IP address 203.0.113.0/24"), or None.

    The reason names the network, so the queue can say which ban caught a comment.
    """
    bans = db.session.connection().execute(_active_bans_query()).all()
    for kind, value in bans:
        if kind == BanKind.EMAIL and value.lower() == email.lower():
            return EMAIL_REASON
    if ip_address:
        try:
            address = ipaddress.ip_address(ip_address)
        except ValueError:
            return None
        for kind, value in bans:
            if kind == BanKind.IP and address in ipaddress.ip_network(value, strict=False):
                return f"{NETWORK_REASON} {value}"
    return None


@dataclass(frozen=True)
class CaughtBy:
    """The ban a held comment's reason names, and that ban's row if it is still there."""

    kind: str
    value: str
    ban: Ban | None = None


def caught_by(hold_reason: str | None, author_email: str) -> CaughtBy | None:
    """The ban named in a comment's hold_reason (as ban_reason wrote it), or None.

    An email ban's reason does not repeat the email: it is the comment's own.
    """
    for part in (hold_reason or "").split("; "):
        if part == EMAIL_REASON:
            return CaughtBy(BanKind.EMAIL, author_email)
        if part.startswith(NETWORK_REASON + " "):
            return CaughtBy(BanKind.IP, part.removeprefix(NETWORK_REASON + " "))
    return None
