"""An aiosmtpd handler that keeps each message it accepts as a file in a directory.

Run by tests.deploy.services.MailServer as
`python -m aiosmtpd -n -c tests.deploy.maildrop.MailDrop -l 127.0.0.1:PORT DIRECTORY`;
a test reads the directory as the inbox.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path


class MailDrop:
    """Writes every message to DIRECTORY/<uuid>.eml (written aside, then renamed into place,
    so a reader never sees half a message)."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args: str) -> MailDrop:
        """aiosmtpd's hook for `-c`: the one argument is the directory."""
        if len(args) != 1:
            parser.error("MailDrop takes one argument: the directory to write messages to")
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope) -> str:
        """Keep the message as received; 250 only once it is on disk."""
        name = uuid.uuid4().hex
        partial = self.directory / f".{name}.part"
        partial.write_bytes(envelope.original_content or envelope.content)
        os.replace(partial, self.directory / f"{name}.eml")
        return "250 Message accepted for delivery"
