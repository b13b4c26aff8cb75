"""Servers the tests start and own: Redis, a PostgreSQL cluster and an SMTP server.

Each runs as a real process on a free port of its own, so a test can stop it (and start it again
on the same address) or pause it with SIGSTOP, as an outage does. Each is a context manager that
kills what it started and removes its directory however the test ends.

PostgreSQL refuses to run as root: when the tests run as root, the cluster belongs to the
`postgres` OS user and initdb and pg_ctl run through `runuser -u postgres --`.
"""

from __future__ import annotations

import contextlib
import email
import email.message
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from email import policy
from pathlib import Path

from tests.deploy.servers import ROOT, free_port

REDIS_SERVER = "/usr/bin/redis-server"
#: How long a server may take to answer after it was started.
STARTUP_SECONDS = 30


def wait_until(ready: Callable[[], bool], process: subprocess.Popen | None, what: str) -> None:
    """Poll ready() until it says yes; fail at once if the process died meanwhile."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if ready():
            return
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode}")
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not answer within {STARTUP_SECONDS} s")


def greets(port: int, greeting: bytes, send: bytes = b"") -> bool:
    """Whether a server on 127.0.0.1:port answers with greeting (after send, if any)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            if send:
                sock.sendall(send)
            return sock.recv(64).startswith(greeting)
    except OSError:
        return False


def end_process(process: subprocess.Popen | None) -> None:
    """Stop a process we started, paused or not: SIGTERM, then SIGKILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGCONT)  # a stopped process never handles SIGTERM
        process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class OwnedProcess:
    """A server process of ours on a free port, with a directory of its own for its files."""

    prefix = "blog-service-"

    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix=self.prefix))
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Shut it down (SIGTERM): connections are refused until start()."""
        end_process(self.process)

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            end_process(self.process)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class RedisServer(OwnedProcess):
    """redis-server on 127.0.0.1:port, nothing saved: a restart starts it empty."""

    prefix = "blog-redis-"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start (or start again) on the same port; returns once it answers PING."""
        with open(self.root / "redis.log", "ab") as log:
            self.process = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
                + ["--save", "", "--appendonly", "no", "--dir", str(self.root)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(lambda: greets(self.port, b"+PONG", b"PING\r\n"), self.process, "redis-server")

    def pause(self) -> None:
        """SIGSTOP: the kernel still accepts connections, nothing ever answers."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


def postgres_program(name: str) -> str:
    """A PostgreSQL program: /usr/local/bin's, or the newest /usr/lib/postgresql/*/bin's."""
    candidates = [f"/usr/local/bin/{name}"] + sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: int(Path(path).parts[-3]),
        reverse=True,
    )
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    raise RuntimeError(f"PostgreSQL's {name} is not installed")


class PostgresServer(OwnedProcess):
    """A PostgreSQL cluster of its own in a temporary directory, on 127.0.0.1:port with trust
    authentication (user postgres, database postgres), tuned to start fast and never fsync."""

    prefix = "blog-postgres-"

    def __init__(self) -> None:
        super().__init__()
        self.data = self.root / "data"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        result = subprocess.run(
            prefix + list(command),
            capture_output=True,
            timeout=STARTUP_SECONDS * 2,
            check=False,
        )
        if result.returncode:
            output = (result.stdout + result.stderr).decode(errors="replace")
            log = self.root / "postgres.log"
            if log.exists():
                output += "\n" + log.read_text(errors="replace")[-4000:]
            raise RuntimeError(f"{' '.join(command[:1])} failed:\n{output}")

    def initdb(self) -> None:
        self._run(
            postgres_program("initdb"),
            *("-D", str(self.data), "-U", "postgres", "-A", "trust"),
            *("--no-sync", "--no-locale", "-E", "UTF8"),
        )

    def start(self) -> None:
        """Start (or start again) on the same port; returns once it accepts connections.
        The first start makes the cluster."""
        if not self.data.exists():
            self.initdb()
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.root}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c shared_buffers=16MB",
                "-c max_connections=60",
            ]
        )
        self._run(
            postgres_program("pg_ctl"),
            *("-D", str(self.data), "-l", str(self.root / "postgres.log")),
            *("-o", options, "-w", "-t", str(STARTUP_SECONDS), "start"),
        )

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop: `fast` ends every session and refuses new ones until start()."""
        self._run(postgres_program("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def __exit__(self, *exc_info: object) -> None:
        """pg_ctl runs the server apart from us (as another user): stop it through pg_ctl."""
        try:
            if self.running():
                with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                    self.stop(mode="immediate")
            pid_file = self.data / "postmaster.pid"
            if pid_file.exists():  # pg_ctl could not stop it: end it ourselves
                with contextlib.suppress(ValueError, ProcessLookupError):
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class MailServer(OwnedProcess):
    """An SMTP server (aiosmtpd) on 127.0.0.1:port that keeps every message it accepts;
    messages() reads them back."""

    prefix = "blog-mail-"
    #: The aiosmtpd handler class (`-c`), given the inbox directory.
    handler = "tests.deploy.maildrop.MailDrop"

    def __init__(self) -> None:
        super().__init__()
        self.inbox = self.root / "inbox"

    def start(self) -> None:
        """Start (or start again) on the same port; returns once it greets with 220."""
        with open(self.root / "smtpd.log", "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}"]
                + ["-c", self.handler, str(self.inbox)],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(lambda: greets(self.port, b"220"), self.process, "the SMTP server")

    def messages(self) -> list[email.message.EmailMessage]:
        """Every message received so far, oldest first."""
        if not self.inbox.exists():
            return []
        files = sorted(self.inbox.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)
        return [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
