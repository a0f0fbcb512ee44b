"""A real HTTP server on 127.0.0.1 for end-to-end crawls, in a background thread.

It serves a folder, a route table, or both, and records every request so a
test can assert what the crawler asked for (how often a failing page was
retried, that pagination stopped where it should)::

    from httpserver import LocalServer, Reply

    routes = {
        "/boom.html": Reply(500, b"server error"),            # always 500
        "/api": lambda req: Reply.json({"page": req.query.get("page")}),
    }
    with LocalServer(root=DATA, routes=routes) as server:
        proc = crawl("sina", "-a", f"api={server.url('/api')}")
        assert server.hits("/boom.html") == 3

Lookup order for ``GET /path?query``: the route ``"/path?query"`` (exact
query string), the route ``"/path"``, then the file ``root/path`` (a folder
serves its ``index.html``); anything else is a 404. Text files and route
bodies may contain ``{{base}}``, replaced by the server's own
``http://127.0.0.1:PORT`` so saved pages can link to each other. Content
types come from the file name (``.shtml`` is HTML); ``.gz`` files are served
as they are.

The crawl under test usually runs in a subprocess (``scrapy crawl``); the
server runs in the test's process, so both are real and nothing is mocked.
"""

from __future__ import annotations

import json
import mimetypes
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, unquote, urlsplit

TEXT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".shtml": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass
class Request:
    """What the client asked for."""

    method: str
    path: str
    """The path, percent-decoded, without the query string."""
    query: dict[str, str]
    headers: dict[str, str]

    @property
    def target(self) -> str:
        """``path?query`` as sent (query re-encoded in the client's order)."""
        from urllib.parse import urlencode

        return self.path + ("?" + urlencode(self.query) if self.query else "")


@dataclass
class Reply:
    """A response: status, body and headers."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"

    @classmethod
    def json(cls, value: Any, status: int = 200) -> Reply:
        return cls(status, json.dumps(value, ensure_ascii=False), content_type=TEXT_TYPES[".json"])

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Reply:
        return cls(status, b"", {"Location": location})


Route = Reply | Callable[[Request], Reply]


class LocalServer:
    """An HTTP server on 127.0.0.1 (a free port) serving ``root`` and ``routes``."""

    def __init__(self, root: Path | None = None, routes: Mapping[str, Route] | None = None) -> None:
        self.root = root
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> Self:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._serve(head=False)

            def do_HEAD(self) -> None:
                self._serve(head=True)

            def _serve(self, head: bool) -> None:
                parts = urlsplit(self.path)
                req = Request(
                    self.command,
                    unquote(parts.path),
                    dict(parse_qsl(parts.query, keep_blank_values=True)),
                    {k.lower(): v for k, v in self.headers.items()},
                )
                with server._lock:
                    server.requests.append(req)
                reply = server.reply(req, parts.query)
                body = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the request list is the log

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses and the request log --------------------------------------

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT``."""
        assert self._httpd is not None, "the server is not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base + (path if path.startswith("/") else "/" + path)

    def hits(self, path: str) -> int:
        """How many requests asked for ``path`` (any query string)."""
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    def paths(self) -> list[str]:
        """Every requested path, in order."""
        with self._lock:
            return [r.path for r in self.requests]

    # -- answering ------------------------------------------------------------

    def reply(self, req: Request, raw_query: str = "") -> Reply:
        """The reply to ``req`` (routes, then files, then 404), ``{{base}}`` filled in."""
        route = self.routes.get(f"{req.path}?{raw_query}") if raw_query else None
        route = route or self.routes.get(req.path)
        if route is not None:
            reply = route(req) if callable(route) else route
        else:
            reply = self._file(req.path)
        if "charset=" in reply.content_type or reply.content_type.startswith("text/"):
            body = reply.body
            if isinstance(body, bytes) and b"{{base}}" in body:
                reply = Reply(
                    reply.status,
                    body.replace(b"{{base}}", self.base.encode()),
                    reply.headers,
                    reply.content_type,
                )
            elif isinstance(body, str) and "{{base}}" in body:
                reply = Reply(
                    reply.status,
                    body.replace("{{base}}", self.base),
                    reply.headers,
                    reply.content_type,
                )
        return reply

    def _file(self, path: str) -> Reply:
        if self.root is None:
            return Reply(404, b"not found", content_type="text/plain")
        target = (self.root / path.lstrip("/")).resolve()
        if self.root.resolve() not in target.parents and target != self.root.resolve():
            return Reply(403, b"outside the served folder", content_type="text/plain")
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            return Reply(404, b"not found", content_type="text/plain")
        ctype = TEXT_TYPES.get(target.suffix.lower()) or (
            mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        )
        return Reply(200, target.read_bytes(), content_type=ctype)
