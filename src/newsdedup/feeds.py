"""RSS and Atom feeds: telling one by its bytes, reading its entries with feedparser.

An entry that carries the article (``content:encoded``, Atom ``<content>``, or a
``description`` of at least :data:`FULL_CONTENT_MIN_WORDS` words) is archived from
the feed; an entry with less (a teaser) and a link is fetched from its link.

Each full-content entry becomes its own original: a small HTML document made from
the entry (:func:`entry_document`: title, link, dates, author and the content as
feedparser gives it, sanitised, relative links resolved). It is made the same way
every time, so the same entry read again has the same SHA-256 and is a same-bytes
duplicate before any extraction, and it can be re-extracted alone later.

A feed that is not well-formed but still yields entries (feedparser's loose
parser recovers them) is read, and :attr:`Feed.problem` says what was wrong, so
the run can report it; one that yields none raises :class:`FeedError`.

Example:
    >>> rss = b'''<rss version="2.0"><channel><title>Tin</title>
    ... <item><title>Teaser</title><link>https://tin.vn/a?utm_source=rss</link><description>Short.</description></item>
    ... </channel></rss>'''
    >>> looks_like_feed(rss)
    True
    >>> feed = parse_feed(rss, "https://tin.vn/rss")
    >>> [(e.position, e.link, e.content is None) for e in feed.entries]
    [(1, 'https://tin.vn/a', True)]
"""

from __future__ import annotations

import hashlib
import html
import re
import time
from calendar import timegm
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import FeedError, InputError
from .urls import is_url, normalize_url

#: A description (summary) at least this long is taken as the article; shorter ones are teasers.
FULL_CONTENT_MIN_WORDS = 120
_FEED_ROOT = re.compile(
    r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:(?:<!--.*?-->|<!DOCTYPE[^>]*>|<\?[^>]*\?>)\s*)*<(?:rss|feed|(?:\w+:)?RDF)\b",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"<[^>]+>")
# feedparser's notes that do not mean the feed is broken (a charset declared one
# way and found another; a feed served as text/plain).
_BENIGN = ("CharacterEncodingOverride", "NonXMLContentType", "CharacterEncodingUnknown")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+xml")


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed, as newsdedup uses it.

    ``position`` counts from 1 in feed order; ``key`` is the entry's identity in
    its feed (its ``id``/``guid``, else its link, else a hash of its content);
    ``link`` is normalised; dates are ISO 8601 in UTC; ``content`` is the
    article's HTML for a full-content entry and None for a teaser.
    """

    position: int
    key: str
    link: str | None
    title: str | None
    published: str | None
    updated: str | None
    author: str | None
    content: str | None


@dataclass(frozen=True)
class Feed:
    """A parsed feed: its title, format (``rss20``, ``atom10``...) and entries in order."""

    title: str | None
    version: str
    entries: tuple[FeedEntry, ...]
    #: What was wrong with a feed that was read anyway (not well-formed XML), or None.
    problem: str | None = None


def looks_like_feed(data: bytes, content_type: str | None = None) -> bool:
    """True if the bytes are an RSS, RDF or Atom document (by its root element or a feed media type).

    >>> looks_like_feed(b'<?xml version="1.0"?>\\n<!-- hi -->\\n<feed xmlns="http://www.w3.org/2005/Atom">')
    True
    >>> looks_like_feed(b"<html><body>rss</body></html>"), looks_like_feed(b"{}", "application/atom+xml")
    (False, True)
    """
    if content_type and content_type.split(";", 1)[0].strip().lower() in _FEED_TYPES:
        return True
    # Dropping NULs lets the sniff read UTF-16 feeds too. A feed starts with "<" after white
    # space: the first bytes tell most files that do not (every plain-text article) for a
    # tenth of decoding 4 kB.
    start = _sniffed(data[:64]).lstrip()
    if start and not start.startswith("<"):
        return False
    return bool(_FEED_ROOT.match(_sniffed(data[:4096])))


def _sniffed(head: bytes) -> str:
    return head.replace(b"\x00", b"").decode("utf-8", "ignore").lstrip("\ufeff")


def parse_feed(data: bytes, url: str | None = None, content_type: str | None = None) -> Feed:
    """Parse a feed's bytes; ``url`` (where it came from) resolves relative links.

    Raises:
        FeedError: not a feed, or so malformed that no entry could be read.
    """
    import feedparser  # imported here: only feeds need it

    headers = {"content-type": content_type or "application/xml"}
    if url:
        headers["content-location"] = url
    parsed: Any = feedparser.parse(data, response_headers=headers, sanitize_html=True, resolve_relative_uris=True)
    problem = _problem(parsed)
    if not parsed.entries:
        if problem:
            raise FeedError(f"not a well-formed RSS or Atom feed ({problem}) and no entry could be read")
        if not parsed.version:
            raise FeedError("expected an RSS or Atom feed, got a document that is neither")
    entries = tuple(_entry(position, raw) for position, raw in enumerate(parsed.entries, start=1))
    title = _text(parsed.feed.get("title"))
    return Feed(title=title, version=parsed.version or "unknown", entries=entries, problem=problem)


def entry_document(entry: FeedEntry) -> bytes:
    """The original archived for a full-content entry: a small HTML page made from it.

    >>> e = FeedEntry(1, "g1", "https://tin.vn/a", "A & B", "2020-08-13T11:50:00+00:00", None, None, "<p>Hi</p>")
    >>> print(entry_document(e).decode())  # doctest: +NORMALIZE_WHITESPACE
    <!DOCTYPE html>
    <html><head><meta charset="utf-8">
    <title>A &amp; B</title>
    <link rel="canonical" href="https://tin.vn/a">
    <meta property="article:published_time" content="2020-08-13T11:50:00+00:00">
    </head><body><article>
    <h1>A &amp; B</h1>
    <p>Hi</p>
    </article></body></html>
    """
    if entry.content is None:
        raise InputError(f"entry {entry.position} has no content to archive")
    head = ['<meta charset="utf-8">']
    if entry.title:
        head.append(f"<title>{html.escape(entry.title)}</title>")
    if entry.link:
        head.append(f'<link rel="canonical" href="{html.escape(entry.link)}">')
    for name, value in (("article:published_time", entry.published), ("article:modified_time", entry.updated)):
        if value:
            head.append(f'<meta property="{name}" content="{html.escape(value)}">')
    if entry.author:
        head.append(f'<meta name="author" content="{html.escape(entry.author)}">')
    heading = f"<h1>{html.escape(entry.title)}</h1>\n" if entry.title else ""
    page = (
        "<!DOCTYPE html>\n<html><head>"
        + "\n".join(head)
        + "\n</head><body><article>\n"
        + heading
        + entry.content.strip()
        + "\n</article></body></html>\n"
    )
    return page.encode("utf-8")


def word_count(markup: str) -> int:
    """Words of an HTML fragment's text.

    >>> word_count("<p>Một <b>hai</b></p><p>ba</p>")
    3
    """
    return len(html.unescape(_TAG.sub(" ", markup)).split())


def _problem(parsed: Any) -> str | None:
    if not parsed.get("bozo"):
        return None
    err = parsed.get("bozo_exception")
    if err is None or type(err).__name__ in _BENIGN:
        return None
    line = getattr(err, "getLineNumber", lambda: None)()
    where = f" at line {line}" if line else ""
    message = err.getMessage() if hasattr(err, "getMessage") else str(err)
    return f"not well-formed XML{where}: {message}"


def _entry(position: int, raw: Any) -> FeedEntry:
    link = _link(raw.get("link"))
    content = _content(raw)
    published = _iso(raw.get("published_parsed"))
    updated = _iso(dict.get(raw, "updated_parsed")) or published  # (dict.get: no fallback warning)
    guid = _text(raw.get("id"))
    if guid:
        key = "id:" + guid
    elif link:
        key = "link:" + link
    else:
        key = "sha256:" + hashlib.sha256(f"{raw.get('title')}\n{content}".encode()).hexdigest()
    return FeedEntry(
        position=position,
        key=key,
        link=link,
        title=_text(raw.get("title")),
        published=published,
        updated=updated,
        author=_text(raw.get("author")),
        content=content,
    )


def _content(raw: Any) -> str | None:
    """The entry's article HTML: its longest ``content``, or a long enough summary; else None."""
    candidates: list[str] = []
    for part in raw.get("content") or []:
        value = part.get("value") or ""
        candidates.append(_as_html(value, part.get("type")))
    summary = raw.get("summary") or ""
    summary_detail = raw.get("summary_detail") or {}
    if summary and word_count(summary) >= FULL_CONTENT_MIN_WORDS:
        candidates.append(_as_html(summary, summary_detail.get("type")))
    candidates = [c for c in candidates if word_count(c) > 0]
    if not candidates:
        return None
    best = max(candidates, key=word_count)
    # A content element holding a teaser (some feeds copy the description into it) is no article.
    return best if word_count(best) >= FULL_CONTENT_MIN_WORDS or not raw.get("link") else None


def _as_html(value: str, media_type: str | None) -> str:
    if media_type == "text/plain":
        return "\n".join(f"<p>{html.escape(line.strip())}</p>" for line in value.splitlines() if line.strip())
    return value


def _link(value: object) -> str | None:
    if not isinstance(value, str) or not is_url(value):
        return None
    try:
        return normalize_url(value)
    except InputError:
        return None


def _iso(value: time.struct_time | None) -> str | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(timegm(value), UTC).isoformat(timespec="seconds")
    except (OverflowError, ValueError, OSError):
        return None


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None
