"""The servers a bench run drives: gunicorn for the blog, and for the ceiling beside it."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType

from bench.data import SECRET
from deploy import nginx

ROOT = Path(__file__).resolve().parents[1]
#: Branch `nginx` brings it: a context manager that runs deploy/nginx.conf in front of gunicorn.


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn server in its own process group, answering once constructed."""

    def __init__(self, target: str, env: dict, args: argparse.Namespace) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                target,
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/", timeout=2).read()  # noqa: S310
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{target} did not start")

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def worker_rss_kb(self) -> list[int]:
        """Each worker's resident memory, in kB."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        sizes = []
        for pid in children.read_text().split():
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)))
        return sizes

    def stop(self) -> None:
        """Stop the arbiter and its workers, once."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)


def blog_environment(url: str, options: dict, workdir: Path) -> dict[str, str]:
    """The settings wsgi.py reads for the blog on the bench database."""
    return {
        "FLASK_SQLALCHEMY_DATABASE_URI": url,
        "FLASK_SQLALCHEMY_ENGINE_OPTIONS": json.dumps(options),
        "FLASK_SECRET_KEY": SECRET,
        "FLASK_SITE_URL": "http://127.0.0.1",
        "FLASK_RATELIMIT_ENABLED": "false",
        "FLASK_CACHE_DIR": str(workdir / "cache"),
    }


def start_blog(env: dict[str, str], args: argparse.Namespace) -> Server:
    """The blog under gunicorn, as wsgi.py serves it in production."""
    return Server("wsgi:app", env, args)


def start_ceiling(
    env: dict[str, str], captures: Path, info: dict, url: str, args: argparse.Namespace
) -> Server:
    """Bare Flask sending the blog's own answers from memory (bench.capture), and a bare insert."""
    return Server(
        "bench.ceiling:app",
        {
            **env,
            "BENCH_CAPTURE_DIR": str(captures),
            "BENCH_ARTICLE_ID": str(info["post_article_id"]),
            "BENCH_DATABASE_URL": url,
        },
        args,
    )


def nginx_missing() -> str | None:
    """Why the rows through nginx cannot run here, or None when they can."""
    if nginx.available():
        return None
    return "Debian's nginx is not installed (apt-get install -y nginx)"


def nginx_in_front_of(blog: Server) -> AbstractContextManager:
    """nginx with the shipped config in front of the blog's gunicorn; yields its Proxy (.url)."""
    return nginx.in_front_of([f"127.0.0.1:{blog.port}"])
