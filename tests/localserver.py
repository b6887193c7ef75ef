"""A web site on 127.0.0.1 for tests that fetch: no test ever reaches the internet.

Routes map a path (with its query) to a :class:`Page` or to a function of the request
that returns one; ``robots.txt`` is a 404 unless given. Every request is logged with
its headers, so tests can assert what was (not) fetched and what was sent.
"""

from __future__ import annotations

import gzip
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Page:
    """One answer: status, headers, body; ``delay`` seconds before the body, ``drip`` between its 16-byte pieces."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunked: bool = False
    drip: float = 0.0

    @classmethod
    def html(cls, text: str, **headers: str) -> Page:
        return cls(text.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8", **headers})

    @classmethod
    def redirect(cls, location: str, status: int = 301) -> Page:
        return cls(status=status, headers={"Location": location})

    @classmethod
    def gzipped(cls, data: bytes, content_type: str = "text/html; charset=utf-8") -> Page:
        return cls(gzip.compress(data), headers={"Content-Type": content_type, "Content-Encoding": "gzip"})


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]


Route = Page | Callable[[Request], Page]


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A client that closes a kept-alive connection (a timeout, a size limit, the end of
        # a test) resets it while the handler waits for its next request: not an error here.
        if isinstance(sys.exc_info()[1], ConnectionResetError | BrokenPipeError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class Site:
    """A threaded HTTP server serving ``routes``; use as a context manager."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[Request] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # (the name http.server calls)
                request = Request(self.path, {k.lower(): v for k, v in self.headers.items()})
                site.requests.append(request)
                route = site.routes.get(self.path, Page(b"not found", status=404))
                page = route(request) if callable(route) else route
                self.send_response(page.status)
                headers = {k.lower(): v for k, v in page.headers.items()}
                for name, value in page.headers.items():
                    self.send_header(name, value)
                if page.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                elif "content-length" not in headers:
                    self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                try:
                    if page.delay:
                        self.wfile.flush()
                        time.sleep(page.delay)
                    if page.drip:
                        for start in range(0, len(page.body), 16):
                            self.wfile.write(page.body[start : start + 16])
                            self.wfile.flush()
                            time.sleep(page.drip)
                    elif page.chunked:
                        for start in range(0, len(page.body), 65536):
                            piece = page.body[start : start + 65536]
                            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                        self.wfile.write(b"0\r\n\r\n")
                    else:
                        self.wfile.write(page.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout, a size limit): what the test wanted

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def url(self, path: str) -> str:
        """The full URL of a path on this site."""
        return f"http://127.0.0.1:{self.port}{path}"

    def fetched(self, path: str) -> int:
        """How many times ``path`` was requested."""
        return sum(1 for r in self.requests if r.path == path)

    def __enter__(self) -> Site:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def serve(routes: dict[str, Route] | None = None) -> Iterator[Site]:
    """A fixture body: a running :class:`Site`."""
    with Site(routes) as site:
        yield site
