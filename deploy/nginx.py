"""deploy/nginx.conf, run for real: rendered with given values and served by Debian's nginx.

The tests (tests/deploy/test_nginx.py) and the bench put nginx in front of their gunicorn with

    from deploy import nginx

    with nginx.in_front_of(["127.0.0.1:8000"]) as proxy:
        urllib.request.urlopen(f"{proxy.url}/")       # through the cache
        proxy.access_log()                            # its lines, with cache=HIT/MISS/...

It runs unprivileged (or as root, with root's workers) in a prefix of its own: the shipped site
config, with the operator's values (the lines marked `#@`) replaced, inside a small main config
that stands in for Debian's /etc/nginx/nginx.conf with every path under the prefix.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

#: Debian's nginx (apt-get install nginx).
NGINX = Path("/usr/sbin/nginx")
#: The site config an operator installs in /etc/nginx/sites-available/.
SITE_CONFIG = Path(__file__).with_name("nginx.conf")
#: The app's static files, which nginx serves from disk.
STATIC_ROOT = Path(__file__).resolve().parents[1] / "blog" / "static"
#: The pictures' folder of an app run from this checkout (MEDIA_STORE = "files", MEDIA_DIR
#: "media" in the instance folder), which nginx serves from disk too.
MEDIA_ROOT = Path(__file__).resolve().parents[1] / "instance" / "media"

#: A line whose value an operator sets: `directive value ...;  #@ name`.
_MARKED_LINE = re.compile(
    r"^(?P<head>[ \t]*\S+[ \t]+)(?P<value>\S+?)(?P<tail>(?:[ \t][^;\n]*)?;[ \t]*#@ (?P<name>\w+))$",
    re.MULTILINE,
)

#: What Debian's /etc/nginx/nginx.conf gives a site, with its paths under the prefix instead.
_MAIN_CONFIG = """\
# deploy/nginx.conf run in a prefix of its own (deploy/nginx.py): Debian's main config, trimmed.
{user}worker_processes {worker_processes};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log notice;
events {{
    worker_connections 1024;
}}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    gzip on;
    access_log off;
    client_body_temp_path {prefix}/temp/body;
    proxy_temp_path {prefix}/temp/proxy;
    fastcgi_temp_path {prefix}/temp/fastcgi;
    uwsgi_temp_path {prefix}/temp/uwsgi;
    scgi_temp_path {prefix}/temp/scgi;
    include {prefix}/site.conf;
}}
"""


def available() -> bool:
    """Whether Debian's nginx is installed."""
    return os.access(NGINX, os.X_OK)


def render(
    *,
    listen: str,
    upstreams: Sequence[str],
    server_name: str,
    static_root: Path | str,
    media_root: Path | str,
    cache_path: Path | str,
    media_cache_path: Path | str,
    access_log: Path | str,
) -> str:
    """deploy/nginx.conf with the operator's values: `listen` as nginx writes it ("8080",
    "127.0.0.1:8080"), one gunicorn "host:port" per upstream, the static directory, the
    pictures' folder (the app's MEDIA_DIR), the pages' and the pictures' cache directories and
    the access log file. Raises ValueError if the config lacks one of them."""
    if not upstreams:
        raise ValueError("at least one upstream is needed")
    values = {
        "listen": [listen],
        "server_name": [server_name],
        "upstream": list(upstreams),
        "static_root": [f"{str(static_root).rstrip('/')}/"],
        "media_root": [str(media_root).rstrip("/") or "/"],
        "cache_path": [str(cache_path)],
        "media_cache_path": [str(media_cache_path)],
        "access_log": [str(access_log)],
    }
    seen: set[str] = set()

    def substitute(line: re.Match) -> str:
        name = line["name"]
        if name not in values:
            raise ValueError(f"deploy/nginx.conf marks an unknown value: {name}")
        seen.add(name)
        return "\n".join(f"{line['head']}{value}{line['tail']}" for value in values[name])

    config = _MARKED_LINE.sub(substitute, SITE_CONFIG.read_text())
    if missing := values.keys() - seen:
        raise ValueError(f"deploy/nginx.conf has no line marked for {', '.join(sorted(missing))}")
    return config


@dataclass
class Proxy:
    """A running nginx: where it answers and what it logged."""

    #: the port it listens on, on 127.0.0.1
    port: int
    #: its directory: configs, pid, logs, cache and temp files
    prefix: Path

    @property
    def url(self) -> str:
        """http://127.0.0.1:<port>"""
        return f"http://127.0.0.1:{self.port}"

    def access_log(self) -> list[str]:
        """The site's access log so far, a line per request (see log_format blog_cache)."""
        return _read(self.prefix / "access.log").splitlines()

    def error_log(self) -> str:
        """nginx's own log so far."""
        return _read(self.prefix / "error.log")


@contextmanager
def in_front_of(
    upstreams: Sequence[str],
    *,
    static_root: Path | str = STATIC_ROOT,
    media_root: Path | str = MEDIA_ROOT,
    server_name: str = "127.0.0.1",
    worker_processes: int | str = "auto",
    prefix: Path | None = None,
) -> Iterator[Proxy]:
    """Debian's nginx with deploy/nginx.conf on a free port of 127.0.0.1, in front of
    `upstreams` ("127.0.0.1:8000", ...), serving static files from `static_root` and pictures
    from `media_root`; yields once it answers, stops it on leaving. Its files go in `prefix` (a
    new temporary directory, removed afterwards, when None)."""
    with ExitStack() as cleanup:
        if prefix is None:
            prefix = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="blog-nginx-")))
        proxy = _configure(
            Path(prefix).resolve(),
            upstreams,
            static_root,
            media_root,
            server_name,
            worker_processes,
        )
        with open(proxy.prefix / "stderr.log", "wb") as stderr:
            process = subprocess.Popen(  # noqa: S603 (a fixed program with our own arguments)
                [
                    str(NGINX),
                    "-p",
                    f"{proxy.prefix}/",
                    "-e",
                    str(proxy.prefix / "error.log"),
                    "-c",
                    str(proxy.prefix / "nginx.conf"),
                    "-g",
                    "daemon off;",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        try:
            _wait_until_listening(process, proxy)
            yield proxy
        finally:
            process.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _configure(
    prefix: Path,
    upstreams: Sequence[str],
    static_root: Path | str,
    media_root: Path | str,
    server_name: str,
    worker_processes: int | str,
) -> Proxy:
    """Write the rendered site and the main config into `prefix`, for a free port."""
    (prefix / "temp").mkdir(parents=True, exist_ok=True)
    port = _free_port()
    (prefix / "site.conf").write_text(
        render(
            listen=f"127.0.0.1:{port}",
            upstreams=upstreams,
            server_name=server_name,
            static_root=static_root,
            media_root=media_root,
            cache_path=prefix / "cache",
            media_cache_path=prefix / "media-cache",
            access_log=prefix / "access.log",
        )
    )
    (prefix / "nginx.conf").write_text(
        _MAIN_CONFIG.format(
            # Started by root, nginx's workers would switch to a user that cannot enter the
            # prefix (a private temporary directory); so they stay root, as the test does.
            user="user root;\n" if os.geteuid() == 0 else "",
            worker_processes=worker_processes,
            prefix=prefix,
        )
    )
    return Proxy(port=port, prefix=prefix)


def _wait_until_listening(process: subprocess.Popen, proxy: Proxy, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                "nginx did not start:\n" + _read(proxy.prefix / "stderr.log") + proxy.error_log()
            )
        try:
            with socket.create_connection(("127.0.0.1", proxy.port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not answer:\n" + proxy.error_log()) from None
            time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
