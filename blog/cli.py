"""Command-line tools: import-article, load-demo, rerender-articles, create-admin, worker."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from blog.auth.accounts import (
    DisplayNameRefused,
    EmailRefused,
    PasswordRefused,
    check_display_name,
    check_staff_email,
    create_or_update_staff,
    normalize_username,
    shows_username,
)
from blog.demo import DEMO_DIR, load_demo_comments
from blog.demo.pictures import load_demo_pictures
from blog.editorial.importer import ArticleFileError, parse_article_file, save_article
from blog.extensions import db
from blog.models import Article, Staff, StaffRole
from blog.outbox.pickup import pickup_dir
from blog.outbox.queue import error_summary
from blog.outbox.sender import send_due
from blog.rendering import render_body


def import_files(paths: list[Path]) -> int:
    """Import each file in its own transaction; report bad ones. Returns how many failed."""
    failures = 0
    for path in paths:
        try:
            data = parse_article_file(path)
            article = save_article(data)
            db.session.commit()
        except ArticleFileError as exc:
            db.session.rollback()
            failures += 1
            click.echo(f"{path}: {exc}", err=True)
        except sa.exc.SQLAlchemyError as exc:
            db.session.rollback()
            failures += 1
            click.echo(f"{path}: could not be saved ({exc.__class__.__name__})", err=True)
        else:
            click.echo(f"{path}: imported as /articles/{article.slug}")
    return failures


@click.command("import-article")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@with_appcontext
def import_article_command(files: tuple[Path, ...]) -> None:
    """Import Markdown files with YAML front matter, updating articles with the same slug."""
    if import_files(list(files)):
        raise SystemExit(1)


@click.command("load-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when articles already exist.")
@with_appcontext
def load_demo_command(if_empty: bool) -> None:
    """Load the demo authors and articles, their pictures, and comments under two of them."""
    if if_empty and db.session.scalar(sa.select(sa.func.count(Article.id))):
        click.echo("The database already has articles; demo content not loaded.")
        return
    if import_files(sorted(DEMO_DIR.glob("*.md"))):
        raise SystemExit(1)
    added = load_demo_comments()
    drawn = load_demo_pictures()
    db.session.commit()
    click.echo(f"{added} demo comments added (one waits in the moderation queue).")
    click.echo(f"{drawn} demo pictures drawn.")


def rerender_article_bodies() -> int:
    """Render every article's stored HTML again from its source; returns how many changed.

    For databases made before a change to render_markdown (such as the heading levels). Only
    the HTML is written: updated_at is kept, so readers see no "Updated" that nobody made.
    """
    changed = 0
    rows = db.session.execute(
        sa.select(Article.id, Article.body_markdown, Article.body_format, Article.body_html)
    )
    for article_id, source, body_format, html in rows.all():
        fresh = render_body(source, body_format)
        if fresh != html:
            db.session.execute(
                sa.update(Article)
                .where(Article.id == article_id)
                .values(body_html=fresh, updated_at=Article.updated_at)
            )
            changed += 1
    db.session.commit()
    return changed


@click.command("rerender-articles")
@with_appcontext
def rerender_articles_command() -> None:
    """Render stored article bodies again with the current Markdown rules."""
    changed = rerender_article_bodies()
    click.echo(f"{changed} article {'body' if changed == 1 else 'bodies'} rendered again.")


#: Every role the staff area knows; the command offers them all (editors included).
ROLE_CHOICES = [role.value for role in StaffRole]


@click.command("create-admin")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option(
    "--display-name",
    default=None,
    help="The name readers see on this person's replies; never the username. "
    "Asked for when missing, unless --password-stdin is given.",
)
@click.option(
    "--role", type=click.Choice(ROLE_CHOICES), default=StaffRole.ADMIN.value, show_default=True
)
@click.option("--email", default=None, help="Where moderation notices go.")
@with_appcontext
def create_admin_command(
    username: str, password_stdin: bool, display_name: str | None, role: str, email: str | None
) -> None:
    """Create a staff account, or set a new password for an existing one."""
    exists = db.session.scalar(
        sa.select(Staff.id).where(Staff.username == normalize_username(username))
    )
    if display_name is None and not exists:
        # Standard input carries the password, so there is no one to ask: refuse rather than
        # guess, since any guess made from the username would print the login on every reply.
        if password_stdin:
            raise click.UsageError(
                "A new account needs --display-name: the name readers see on its replies "
                "(not the username)."
            )
        display_name = click.prompt("Display name (readers see it; not the username)")
    try:
        if display_name is not None:
            check_display_name(display_name, username)
        check_staff_email(email)  # before the password is asked for
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        staff, created = create_or_update_staff(
            username, password, role=role, display_name=display_name, email=email
        )
    except (PasswordRefused, DisplayNameRefused, EmailRefused) as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    if created:
        click.echo(
            f"Created {staff.role} account '{staff.username}'; readers see '{staff.display_name}'."
        )
    else:
        renamed = f" Readers see '{staff.display_name}'." if display_name is not None else ""
        click.echo(
            f"Password updated for '{staff.username}'; their other sessions have ended.{renamed}"
        )
        if shows_username(staff.display_name, staff.username):
            # An account from before display names were asked for: readers see the login.
            click.echo(
                f"Readers see the username on this account's replies ('{staff.display_name}'): "
                "give it another name with --display-name, or on its Your account page.",
                err=True,
            )


@click.command("staff-hint")
@with_appcontext
def staff_hint_command() -> None:
    """Say how to create the first staff account when there is none."""
    # Active accounts only: the demo account that signs the demo replies cannot log in.
    if not db.session.scalar(sa.select(sa.func.count(Staff.id)).where(Staff.active)):
        click.echo(
            "No staff account yet. To moderate comments, create one with:\n"
            "  .venv/bin/flask --app blog create-admin YOUR-NAME"
        )


def init_app(app: Flask) -> None:
    """Register the commands; Flask's CLI runs them inside an app context."""
    app.cli.add_command(import_article_command)
    app.cli.add_command(load_demo_command)
    app.cli.add_command(rerender_articles_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(staff_hint_command)
    app.cli.add_command(worker_command)


@click.command("worker")
@click.option("--once", is_flag=True, help="Send what is due, then exit (for cron and tests).")
@with_appcontext
def worker_command(once: bool) -> None:
    """Send the outbox's mail: what is due now and whatever comes due, until stopped (SIGTERM or
    Ctrl-C). Several may run at once, on any machine (blog.outbox claims each message once).
    With no MAIL_SERVER, each message is written as an .eml file into MAIL_PICKUP_DIR instead.

    With --once: what is due now, then exit; status 1 when a message could not be sent (it is
    kept and tried again later).
    """
    click.echo(f"Mail goes {destination(current_app)}.")
    if once:
        result = send_due()
        click.echo(f"{result.sent} sent, {result.failed} not sent (kept for a later attempt)")
        if result.failed:
            raise SystemExit(1)
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    poll = current_app.config["OUTBOX_POLL_SECONDS"]
    click.echo(f"Sending the outbox's mail every {poll} s; stop with Ctrl-C.")
    try:
        while not stop.is_set():
            send_round()
            stop.wait(poll)
    except KeyboardInterrupt:
        pass


def destination(app: Flask) -> str:
    """Where the senders put mail, in words: the mail server, or the pickup folder."""
    if app.config.get("MAIL_SERVER"):
        return f"to the mail server {app.config['MAIL_SERVER']}:{app.config['MAIL_PORT']}"
    return f"into {pickup_dir(app)} as .eml files (MAIL_SERVER is not set)"


def send_round() -> None:
    """One round of the worker; the database away is logged and tried again next round."""
    try:
        send_due()
    # Anything at all: the mail waits in the outbox, and the next round tries again.
    except Exception as error:
        current_app.logger.warning("outbox not read (%s)", error_summary(error))
        db.session.rollback()
    finally:
        db.session.remove()  # no connection held between rounds
