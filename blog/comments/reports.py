"""Readers report comments; enough distinct reporters hide one until a moderator decides.

Distinct means different browsers on different networks: a report counts only if no counted
report on the comment came from the same session or from the same network (a /24 of IPv4, a
/64 of IPv6, what one household or office usually holds). So one person with three browsers,
or on a phone and a laptop at home, counts once. Reporters are kept only as keyed hashes of
their session's reporter id and of their network.

A moderator's decision on a reported comment (approve, spam, trash) closes its reports; so does
dismissing them, which also brings back a comment the reports had hidden.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask import session

from blog.extensions import db
from blog.models import (
    Comment,
    CommentReport,
    CommentStatus,
    ModerationAction,
    ReportReason,
    Staff,
    utcnow,
)

#: Session key of the browser's reporter id (made on its first report).
REPORTER_KEY = "reporter"
#: What a reason says on the report form and in the staff area.
REASON_LABELS = {
    ReportReason.SPAM: "Spam",
    ReportReason.ABUSE: "Abuse or harassment",
    ReportReason.OFF_TOPIC: "Off-topic",
    ReportReason.OTHER: "Something else",
}
#: The hold reason of a comment hidden by reports (the queue shows it).
HIDDEN_REASON = "Hidden by readers' reports"


def network_of(address: str | None) -> str:
    """The network a reader's address belongs to for counting reporters: /24 or /64."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def keyed(secret_key: str | bytes, kind: str, value: str) -> str:
    """A keyed hash that tells values apart without keeping them."""
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def reporter_id() -> str:
    """This browser's reporter id, made (in its session) on its first report."""
    value = session.get(REPORTER_KEY)
    if not isinstance(value, str) or len(value) != 32:
        value = session[REPORTER_KEY] = secrets.token_hex(16)
    return value


def distinct_reporters(reports: Iterable[Any]) -> int:
    """How many of these reports count: each from a session and a network no counted report
    came from before it (oldest first)."""
    sessions: set[str] = set()
    networks: set[str] = set()
    for report in reports:
        if report.reporter in sessions or report.network in networks:
            continue
        sessions.add(report.reporter)
        networks.add(report.network)
    return len(sessions)


class Outcome(StrEnum):
    REPORTED = "reported"
    ALREADY = "already"
    HIDDEN = "hidden"


@dataclass(frozen=True)
class Reporter:
    """Who reports, as kept: keyed hashes of their session's id and of their network."""

    session: str
    network: str

    @classmethod
    def of(cls, session_id: str, address: str | None, secret_key: str | bytes) -> Reporter:
        return cls(
            keyed(secret_key, "reporter", session_id),
            keyed(secret_key, "network", network_of(address)),
        )


def open_reports(comment_id: int) -> list[CommentReport]:
    return db.session.scalars(
        sa.select(CommentReport)
        .where(CommentReport.comment_id == comment_id, CommentReport.closed_at.is_(None))
        .order_by(CommentReport.id)
    ).all()


def report_comment(
    comment: Comment, reporter: Reporter, reason: str, note: str, *, hold_at: int
) -> Outcome:
    """Record a report; hide the comment once hold_at distinct reporters have reported it.
    The caller commits."""
    reports = open_reports(comment.id)
    if any(r.reporter == reporter.session for r in reports):
        return Outcome.ALREADY
    if db.session.scalar(
        sa.select(CommentReport.id).where(
            CommentReport.comment_id == comment.id, CommentReport.reporter == reporter.session
        )
    ):
        return Outcome.ALREADY  # reported before, and a moderator closed it since
    report = CommentReport(
        comment_id=comment.id,
        reason=reason,
        note=note.strip(),
        reporter=reporter.session,
        network=reporter.network,
    )
    db.session.add(report)
    if comment.status == CommentStatus.APPROVED and distinct_reporters([*reports, report]) >= (
        hold_at
    ):
        hide(comment)
        return Outcome.HIDDEN
    return Outcome.REPORTED


def hide(comment: Comment) -> None:
    """Back to the queue, out of readers' sight, until a moderator decides."""
    _change_status(comment, None, "hidden-by-reports", CommentStatus.PENDING)
    comment.hold_reason = HIDDEN_REASON


def _change_status(comment: Comment, staff_id: int | None, action: str, after: str) -> None:
    """Change the comment's status, recorded in the audit log (staff_id None: by the rule)."""
    db.session.add(ModerationAction.on_comment(comment, staff_id, action, after))
    comment.status = after


def close_reports(comment: Comment, staff: Staff) -> int:
    """A moderator decided on the comment: its open reports are closed. How many were."""
    result = db.session.execute(
        sa.update(CommentReport)
        .where(CommentReport.comment_id == comment.id, CommentReport.closed_at.is_(None))
        .values(closed_at=utcnow(), closed_by_id=staff.id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def dismiss_reports(comment: Comment, staff: Staff) -> int:
    """The reports were unfounded: closed, and the comment back if they had hidden it.
    The caller commits."""
    closed = close_reports(comment, staff)
    if comment.status == CommentStatus.PENDING and comment.hold_reason == HIDDEN_REASON:
        _change_status(comment, staff.id, "reports-dismissed", CommentStatus.APPROVED)
        comment.hold_reason = None
    return closed


@dataclass(frozen=True)
class ReportSummary:
    """A comment's open reports, as the staff area shows them."""

    count: int
    reasons: Mapping[str, int]
    notes: list[str]


def report_summaries(comment_ids: Iterable[int]) -> dict[int, ReportSummary]:
    """For each of these comments with open reports: how many reporters count, the reasons
    and the notes (one query)."""
    ids = list(comment_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(CommentReport)
        .where(CommentReport.comment_id.in_(ids), CommentReport.closed_at.is_(None))
        .order_by(CommentReport.id)
    ).all()
    grouped: dict[int, list[CommentReport]] = {}
    for row in rows:
        grouped.setdefault(row.comment_id, []).append(row)
    summaries = {}
    for comment_id, reports in grouped.items():
        reasons: dict[str, int] = {}
        for report in reports:
            label = REASON_LABELS.get(report.reason, report.reason)
            reasons[label] = reasons.get(label, 0) + 1
        notes = [r.note for r in reports if r.note]
        summaries[comment_id] = ReportSummary(distinct_reporters(reports), reasons, notes)
    return summaries


def reported_comment_ids() -> sa.Select:
    """The comments that have open reports (for the queue's Reported tab)."""
    return sa.select(CommentReport.comment_id).where(CommentReport.closed_at.is_(None))
