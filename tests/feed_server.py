"""A real HTTP server on 127.0.0.1 for the feed, incremental and health tests.

It serves a folder laid out as ``<host>/<path>`` (``fixtures/feeds/``) and
acts as an HTTP proxy: a crawl run with ``http_proxy`` pointing at it fetches
``http://news.example.test/rss.xml`` or a Sina URL from that folder, so feeds
keep their real absolute URLs and nothing reaches the internet. Every request
is logged (``host/path``, query left out) for the tests to count fetches.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

FEED_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"

TYPES = {
    ".xml": "application/xml",
    ".gz": "application/x-gzip",
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".shtml": "text/html; charset=utf-8",
}


@dataclass
class FeedServer:
    root: Path
    port: int = 0
    log: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    """Every request's target as sent (query included)."""
    delay: float = 0.0
    """Seconds to wait before answering an article page (pause/resume tests)."""
    gate: threading.Event = field(default_factory=threading.Event)
    """Article pages are answered only while this is set (cleared: they wait)."""

    def __post_init__(self) -> None:
        self.gate.set()

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """Environment for a crawl subprocess that fetches through this server."""
        return {"http_proxy": self.proxy, "HTTP_PROXY": self.proxy, "no_proxy": "", "NO_PROXY": ""}

    def fetched(self, prefix: str = "") -> list[str]:
        """Logged requests (``host/path``), robots.txt left out."""
        return [p for p in self.log if p.startswith(prefix) and not p.endswith("/robots.txt")]


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            host = parts.hostname or (self.headers.get("Host") or "").split(":")[0]
            path = parts.path if parts.scheme else self.path.split("?")[0]
            key = f"{host}{path}"
            server.log.append(key)
            server.targets.append(self.path)
            file = server.root / host / path.lstrip("/")
            if not file.is_file() or ".." in path:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if file.suffix in (".html", ".shtml"):
                server.gate.wait(timeout=120)
                if server.delay:
                    time.sleep(server.delay)
            body = file.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", TYPES.get(file.suffix, "application/octet-stream"))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def feed_server(tmp: Path, source: Path = FEED_FIXTURES) -> Iterator[FeedServer]:
    """A copy of ``source`` in ``tmp/site`` (tests change it between runs), served."""
    root = tmp / "site"
    shutil.copytree(source, root)
    for page in list(root.rglob("*.page")):  # stored so that replay of fixtures/ skips them
        page.rename(page.with_suffix(""))
    state = FeedServer(root)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = int(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
