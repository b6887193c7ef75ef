"""Fetching pages and feeds over HTTP, politely and within bounds.

A :class:`Fetcher` wraps one ``httpx.Client`` and adds what an archive's crawler owes
the sites it reads and itself:

* a ``User-Agent`` naming newsdedup and its version (:func:`default_user_agent`);
* robots.txt (RFC 9309), read once per host and process with ``urllib.robotparser``:
  a 4xx robots.txt allows everything, a 5xx or unreachable one allows nothing on
  that host for the run (the standard's rule: the site may be overloaded), and
  ``Crawl-delay`` is waited between this process's requests to one host (capped
  at :data:`~newsdedup.config.MAX_CRAWL_DELAY`);
* redirects followed by hand, at most ``max_redirects``, each hop only to http(s)
  and checked against its own host's robots.txt;
* one timeout for connecting, each read and the whole body (``fetch_timeout``),
  so a server trickling bytes cannot hold a worker;
* a size limit (``max_input_bytes``) counted on the decoded body while it
  streams: the body is decompressed here (gzip, deflate; nothing else is
  accepted) with bounded output, so a compression bomb stops at the limit;
* conditional requests: with an archived copy's ``ETag``/``Last-Modified``
  (:class:`Validators`), an unchanged page costs a ``304`` and no body.

Failures raise :class:`~newsdedup.errors.FetchError` (``RobotsDisallowed`` for
robots.txt) or ``InputTooLarge``: they concern one input and the run goes on.

Example:
    >>> Validators(etag='"v1"', last_modified="Wed, 12 Aug 2020 10:00:00 GMT").headers()
    {'If-None-Match': '"v1"', 'If-Modified-Since': 'Wed, 12 Aug 2020 10:00:00 GMT'}
    >>> with Fetcher(Config(fetch_timeout=5)) as fetcher:
    ...     fetcher.user_agent.startswith("newsdedup/")
    True
"""

from __future__ import annotations

import time
import urllib.robotparser
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urljoin

import httpx

from .config import MAX_CRAWL_DELAY, Config
from .errors import FetchError, InputTooLarge, RobotsDisallowed
from .urls import host_of, is_url, normalize_url

#: The product token robots.txt rules are matched against.
ROBOTS_AGENT = "newsdedup"
#: RFC 9309: crawlers must read at least 500 KiB of a robots.txt; the rest is ignored.
_ROBOTS_MAX_BYTES = 500 * 1024
_ROBOTS_MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Validators:
    """What a conditional request sends: the archived copy's ``ETag`` and ``Last-Modified``."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        """The request headers (``If-None-Match``, ``If-Modified-Since``).

        >>> Validators('"a1"', None).headers()
        {'If-None-Match': '"a1"'}
        """
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out


@dataclass(frozen=True)
class Response:
    """One fetched URL: ``status`` 200 with the decoded body, or 304 (not modified) with none.

    ``url`` is the URL asked for and ``final_url`` the one answered after
    redirects, both normalised (:func:`newsdedup.urls.normalize_url`).
    """

    url: str
    final_url: str
    status: int
    data: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    fetched_at: str

    @property
    def validators(self) -> Validators:
        """This response's validators, for the next conditional request."""
        return Validators(self.etag, self.last_modified)


@lru_cache(maxsize=1)
def default_user_agent() -> str:
    """``newsdedup/<version>`` and the project's URL (``Project-URL`` in its metadata) when it has one.

    >>> default_user_agent().startswith("newsdedup/")
    True
    """
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        meta = metadata("newsdedup")
        version = str(meta["Version"])
        homes = [entry.split(",", 1)[-1].strip() for entry in meta.get_all("Project-URL") or []]
    except PackageNotFoundError:
        version, homes = "unknown", []
    about = f"+{homes[0]}; " if homes else ""
    return f"newsdedup/{version} ({about}news archive; obeys robots.txt)"


class Fetcher:
    """Fetch URLs with one connection pool, a robots.txt cache and per-host pacing.

    One per process (workers each make their own); not thread-safe.
    """

    def __init__(self, config: Config, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        self.user_agent = config.user_agent or default_user_agent()
        self._client = httpx.Client(
            timeout=httpx.Timeout(config.fetch_timeout),
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=False,
            transport=transport,
        )
        self._robots: dict[str, urllib.robotparser.RobotFileParser | str] = {}
        self._last_request: dict[str, float] = {}

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get(self, url: str, validators: Validators | None = None) -> Response:
        """Fetch ``url`` (redirects followed); a 304 when ``validators`` match.

        Raises:
            FetchError: network failure, timeout, an HTTP error status, too many
                redirects, an unsupported ``Content-Encoding``.
            RobotsDisallowed: robots.txt forbids a URL on the way.
            InputTooLarge: the body is over ``max_input_bytes``.
        """
        asked = normalize_url(url)
        target = url.strip().split("#", 1)[0]
        headers = validators.headers() if validators else {}
        for _ in range(self.config.max_redirects + 1):
            self._allow(target)
            with self._send(target, headers) as response:
                if response.status_code == 304 and headers:
                    return self._response(asked, target, response, b"")
                if response.status_code in _REDIRECTS:
                    target = self._redirect_target(response, target)
                    continue
                if response.status_code != 200:
                    raise FetchError(f"HTTP {response.status_code} {response.reason_phrase} for {target}".rstrip())
                return self._response(asked, target, response, self._body(response, target))
        raise FetchError(f"more than {self.config.max_redirects} redirects, from {url} (last: {target})")

    # -- requests ------------------------------------------------------------

    def _send(self, url: str, headers: dict[str, str]) -> _Streamed:
        self._pace(url)
        try:
            request = self._client.build_request("GET", url, headers=headers)
            response = self._client.send(request, stream=True)
        except httpx.TimeoutException:
            raise FetchError(f"timed out after {self.config.fetch_timeout:g} s: {url}") from None
        except httpx.InvalidURL as err:
            raise FetchError(f"not a valid URL: {url} ({err})") from None
        except httpx.HTTPError as err:
            raise FetchError(f"network error fetching {url}: {err or type(err).__name__}") from None
        return _Streamed(response)

    def _redirect_target(self, response: httpx.Response, current: str) -> str:
        location = response.headers.get("Location")
        if not location:
            raise FetchError(f"HTTP {response.status_code} redirect without a Location header at {current}")
        target = urljoin(current, str(location).strip()).split("#", 1)[0]
        if not is_url(target):
            raise FetchError(f"redirected from {current} to {target!r}, which is not an http(s) URL")
        return target

    def _response(self, asked: str, final: str, response: httpx.Response, data: bytes) -> Response:
        return Response(
            url=asked,
            final_url=normalize_url(final),
            status=response.status_code,
            data=data,
            content_type=response.headers.get("Content-Type"),
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )

    def _body(self, response: httpx.Response, url: str, limit: int | None = None, *, truncate: bool = False) -> bytes:
        """The decoded body, read in chunks: never more than ``limit + 1`` bytes held.

        Over ``limit``: ``InputTooLarge``, or with ``truncate`` the first ``limit`` bytes.
        """
        limit = self.config.max_input_bytes if limit is None else limit
        declared = response.headers.get("Content-Length", "")
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if not truncate and declared.isdigit() and encoding in ("", "identity") and int(declared) > limit:
            raise InputTooLarge(f"{url}: {int(declared):,} bytes, over the {limit:,}-byte limit (raise --max-bytes)")
        inflate = _Inflate(url, encoding)
        deadline = time.monotonic() + self.config.fetch_timeout
        parts: list[bytes] = []
        size = 0
        try:
            # Chunks as they arrive (no chunk size: httpx would buffer until one is full, and a server
            # trickling a few bytes a second would never reach the deadline check).
            for chunk in response.iter_raw():
                piece = inflate(chunk, limit + 1 - size)
                parts.append(piece)
                size += len(piece)
                if size > limit:
                    if truncate:
                        return b"".join(parts)[:limit]
                    raise InputTooLarge(f"{url}: larger than the {limit:,}-byte limit (raise --max-bytes)")
                if time.monotonic() > deadline:
                    raise FetchError(f"timed out after {self.config.fetch_timeout:g} s reading {url}")
        except httpx.TimeoutException:
            raise FetchError(f"timed out after {self.config.fetch_timeout:g} s reading {url}") from None
        except httpx.HTTPError as err:
            raise FetchError(f"network error reading {url}: {err or type(err).__name__}") from None
        inflate.finish()
        return b"".join(parts)

    def _pace(self, url: str) -> None:
        host = host_of(url)
        delay = self._crawl_delay(host)
        last = self._last_request.get(host)
        if delay and last is not None:
            wait = last + delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        self._last_request[host] = time.monotonic()

    # -- robots.txt ----------------------------------------------------------

    def _allow(self, url: str) -> None:
        if not self.config.obey_robots:
            return
        host = host_of(url)
        rules = self._robots.get(host)
        if rules is None:
            rules = self._robots[host] = self._read_robots(host)
        if isinstance(rules, str):
            raise RobotsDisallowed(f"{rules}; not fetching {url}")
        if not rules.can_fetch(ROBOTS_AGENT, url):
            raise RobotsDisallowed(f"{host}/robots.txt does not allow {ROBOTS_AGENT} to fetch {url}")

    def _read_robots(self, host: str) -> urllib.robotparser.RobotFileParser | str:
        """The host's rules, or why nothing on it may be fetched this run (a 5xx or unreachable robots.txt)."""
        url = f"{host}/robots.txt"
        parser = urllib.robotparser.RobotFileParser(url)
        try:
            for _ in range(_ROBOTS_MAX_REDIRECTS + 1):
                with self._send(url, {}) as response:
                    if response.status_code in _REDIRECTS:
                        url = self._redirect_target(response, url)
                        continue
                    status = response.status_code
                    if 400 <= status < 500:
                        parser.parse([])  # RFC 9309: an unavailable robots.txt allows everything
                    elif status != 200:
                        return f"{url} answered HTTP {status} (by RFC 9309 nothing on {host} is fetched this run)"
                    else:
                        # RFC 9309: at least 500 KiB must be read; rules past that may be ignored.
                        body = self._body(response, url, limit=_ROBOTS_MAX_BYTES, truncate=True)
                        parser.parse(body.decode("utf-8", "replace").splitlines())
                    parser.modified()  # robotparser answers "no" to everything until it has read something
                    return parser
        except FetchError as err:
            return f"{url} is unreachable: {err} (by RFC 9309 nothing on {host} is fetched this run)"
        return f"{url}: more than {_ROBOTS_MAX_REDIRECTS} redirects (by RFC 9309 nothing on {host} is fetched this run)"

    def _crawl_delay(self, host: str) -> float:
        rules = self._robots.get(host)
        if not self.config.obey_robots or not isinstance(rules, urllib.robotparser.RobotFileParser):
            return 0.0
        delay = rules.crawl_delay(ROBOTS_AGENT)
        return min(float(delay), MAX_CRAWL_DELAY) if delay else 0.0


class _Streamed:
    """A streamed response closed on exit (httpx's own context manager needs ``client.stream``)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    def __enter__(self) -> httpx.Response:
        return self.response

    def __exit__(self, *exc_info: object) -> None:
        self.response.close()


class _Inflate:
    """Decodes a ``Content-Encoding`` (identity, gzip or deflate), never producing more than ``room`` bytes a call."""

    def __init__(self, url: str, encoding: str) -> None:
        self.url = url
        if encoding in ("", "identity", "none"):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip", "deflate"):
            # 47: a gzip or zlib header, detected. "deflate" is zlib by the RFC and raw deflate from some servers.
            self._zlib = zlib.decompressobj(47)
            self._raw_fallback = encoding == "deflate"
        else:
            raise FetchError(f"{url}: unsupported Content-Encoding {encoding!r} (newsdedup asks for gzip or deflate)")
        self._started = False

    def __call__(self, chunk: bytes, room: int) -> bytes:
        if self._zlib is None:
            return chunk
        try:
            out = self._zlib.decompress(chunk, max(room, 1))
        except zlib.error:
            if not (self._raw_fallback and not self._started):
                raise FetchError(f"{self.url}: corrupt compressed response body") from None
            self._zlib = zlib.decompressobj(-15)
            try:
                out = self._zlib.decompress(chunk, max(room, 1))
            except zlib.error:
                raise FetchError(f"{self.url}: corrupt compressed response body") from None
        self._started = True
        return out

    def finish(self) -> None:
        """Raise if a compressed body ended before its end marker."""
        if self._zlib is not None and self._started and not self._zlib.eof:
            raise FetchError(f"{self.url}: truncated compressed response body")
