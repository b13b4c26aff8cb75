"""Mail kept where the site owner can read it: with no MAIL_SERVER, the senders write each
message as an .eml file into MAIL_PICKUP_DIR (under the instance folder) instead of SMTP.

A file is written aside and renamed into place, so a reader (the staff's outbox page, a mail
client opening the folder) never sees half a message. Its name sorts by the time it was written
and carries the outbox row's id and kind: 20261206T101500.123456Z-000042-moderation.eml. A message
written twice (a sender killed after writing, before marking it sent) is two files with the same
Message-ID.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask

from blog.models import utcnow

#: The names the senders write, and the only ones the outbox page will open.
FILE_NAME = re.compile(r"\A\d{8}T\d{6}\.\d{6}Z-\d{6,}-(?P<kind>[a-z-]{1,40})\.eml\Z")


def file_kind(name: str) -> str | None:
    """The kind of message a file of the folder holds, from its name."""
    match = FILE_NAME.match(name)
    return match["kind"] if match else None


def pickup_dir(app: Flask) -> Path:
    """MAIL_PICKUP_DIR, a relative path being in the app's instance folder."""
    return Path(app.instance_path, app.config["MAIL_PICKUP_DIR"])


def write_message(directory: Path, message_id: int, kind: str, message: bytes) -> Path:
    """Write one message as an .eml file named for now, its row and kind; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    kind = re.sub(r"[^a-z-]+", "-", kind.lower())[:40] or "notice"
    name = f"{utcnow():%Y%m%dT%H%M%S.%fZ}-{message_id:06d}-{kind}.eml"
    partial = directory / f".{name}.part"
    with open(partial, "wb") as file:
        file.write(message)
        file.flush()
        os.fsync(file.fileno())  # on disk before it is marked sent
    os.replace(partial, directory / name)
    return directory / name


@dataclass(frozen=True)
class PickupFile:
    """One message in the folder, as the outbox page lists it."""

    name: str
    size: int
    modified: datetime


def list_files(directory: Path, limit: int) -> tuple[list[PickupFile], int]:
    """The newest `limit` messages in the folder, newest first, and how many there are."""
    if not directory.is_dir():
        return [], 0
    names = sorted((n for n in os.listdir(directory) if FILE_NAME.match(n)), reverse=True)
    files = []
    for name in names[:limit]:
        try:
            stat = (directory / name).stat()
        except FileNotFoundError:  # deleted by the owner meanwhile
            continue
        files.append(PickupFile(name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)))
    return files, len(names)


def read_file(directory: Path, name: str) -> bytes | None:
    """A message of the folder by its name; None for a name the senders never write (no other
    file, no path outside the folder) or a file that is gone."""
    if not FILE_NAME.match(name):
        return None
    try:
        return (directory / name).read_bytes()
    except FileNotFoundError:
        return None
