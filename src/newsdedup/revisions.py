"""Revisions: what makes a re-fetched article a new revision, and what changed.

An article is known by its URL (normalised, so tracking parameters, the case
of the scheme and host and trailing slashes do not matter; see
:mod:`newsdedup.urls`). When an input's URL is one the archive holds, its
cleaned text is compared with the article's revisions
(:meth:`newsdedup.archive.Archive.add_many` does it under the write lock):

* the same title and body as the latest revision: nothing changed; the input is
  a ``duplicate`` (``match`` ``same-url``) and nothing is stored, not even its
  bytes. An hourly re-fetch of a page differs in ads, counters and tokens, and
  keeping each copy would grow the archive by every page every hour while
  adding no text anyone could read;
* "the same" is judged on comparison keys: the title's, and the kept body's
  (:func:`newsdedup.normalize.body_hash`, which leaves out the date line,
  captions, bylines and every dropped block), so white space, case, Unicode
  forms, a new date line or new page furniture are not revisions;
* the same text as an *earlier* revision: the article went back to that text,
  and it is a new revision that says so (``reverted_to``), if the input was
  fetched after the latest revision (its ``fetched_at`` is known and later than
  the latest revision's fetch time, or archiving time when that is unknown).
  Otherwise it is an older copy (an old crawl or file ingested again under
  other bytes, a same-URL copy whose bytes were not kept), so a ``duplicate``
  of that revision: without fetch times there is no telling a revert from a
  re-run, and a re-run must add nothing. The same rule holds for the very
  bytes of an earlier revision (:meth:`~newsdedup.archive.Archive.find_original`
  reports them unknown only when fetched after the latest revision);
* a fetch with no body text left after cleaning, of an article that has body
  text, is a failed fetch (a paywall, an error page), not a revision;
* anything else is a new revision.

References to revisions (``newsdedup diff``): ``12`` is article 12 as it is
now, ``12@1`` its first revision, ``12@-1`` its latest and ``12@-2`` the one
before (negative numbers count from the latest, as Python's indexes do).

Example:
    >>> parse_ref("12@1"), parse_ref("12"), str(parse_ref(" 12@-2 "))
    (RevisionRef(article=12, revision=1), RevisionRef(article=12, revision=None), '12@-2')
    >>> same_text("ab", "Giá xăng  tăng", "ab", "giá xăng tăng")
    True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from .config import Config
from .errors import ConfigError, InputError
from .normalize import comparison_key
from .records import BODY_ROLES, MAX_ID, Block, RevisionChanges

_REF = re.compile(r"(\d+)(?:@(-?\d+))?")


@dataclass(frozen=True)
class RevisionRef:
    """An article, and optionally one of its revisions (None: the latest).

    A negative ``revision`` counts from the latest: -1 is the latest, -2 the
    one before.
    """

    article: int
    revision: int | None = None

    def __str__(self) -> str:
        return f"{self.article}@{self.revision}" if self.revision is not None else str(self.article)


def parse_ref(text: str) -> RevisionRef:
    """Parse ``ID`` or ``ID@REVISION``.

    >>> parse_ref("7@0")
    Traceback (most recent call last):
    ...
    newsdedup.errors.ConfigError: revisions are numbered from 1 (or -1 for the latest, -2 before it), got '7@0'
    >>> parse_ref("abc")
    Traceback (most recent call last):
    ...
    newsdedup.errors.ConfigError: an article reference is ID or ID@REVISION (12, 12@1, 12@-2), got 'abc'
    """
    match = _REF.fullmatch(text.strip())
    if match is None:
        raise ConfigError(f"an article reference is ID or ID@REVISION (12, 12@1, 12@-2), got {text!r}")
    revision = int(match.group(2)) if match.group(2) is not None else None
    if int(match.group(1)) > MAX_ID or (revision is not None and abs(revision) > MAX_ID):
        raise ConfigError(f"ids and revision numbers are at most {MAX_ID:,}, got {text!r}")
    if revision == 0:
        raise ConfigError(f"revisions are numbered from 1 (or -1 for the latest, -2 before it), got {text!r}")
    return RevisionRef(int(match.group(1)), revision)


def article_url(extracted: str | None, fetched: str | None) -> str | None:
    """The normalised URL an article is archived under, or None.

    The page's own URL (its canonical link or ``og:url``, which extraction
    reads) names the story whatever feed link led to it; the URL it was
    fetched from is the fallback, and is preferred when the page names only
    its site's home page (some sites give every page that canonical link, and
    would otherwise make every article a revision of one). A URL that is not a
    valid http(s) one (a template's ``https://[site-url]/...``) is passed over
    when the other is valid, and kept as written when neither is.

    >>> article_url("https://example.com/", "https://example.com/news/a-1")
    'https://example.com/news/a-1'
    >>> article_url("https://[site-url]/a-1", "https://example.com/news/a-1?utm_source=rss")
    'https://example.com/news/a-1'
    >>> article_url(None, None) is None
    True
    """
    candidates = [u.strip() for u in (extracted, fetched) if u and u.strip()]
    normalised = [_normalize(u) for u in candidates]
    urls = [u for u in normalised if u is not None] or candidates
    return next((u for u in urls if not is_site_root(u)), urls[0] if urls else None)


def revision_key(url: str | None) -> str | None:
    """The URL to look revisions up by: None for no URL or a site's home page.

    >>> revision_key("https://example.com/news/a-1"), revision_key("https://example.com/")
    ('https://example.com/news/a-1', None)
    """
    return None if url is None or is_site_root(url) else url


def is_site_root(url: str) -> bool:
    """True for a site's home page (no path, no query), which names no article.

    >>> is_site_root("https://example.com"), is_site_root("https://example.com/?p=12")
    (True, False)
    >>> is_site_root("https://[site-url]/")  # a malformed URL (kept as written) is no home page
    False
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.path in ("", "/") and not parts.query


def _normalize(url: str) -> str | None:
    """The normal form of an http(s) URL; None for anything else."""
    # Imported here: courlan takes 0.1 s to import, and plain text never has a URL.
    from .urls import normalize_url

    try:
        return normalize_url(url)
    except InputError:
        return None


def title_key(title: str | None) -> str:
    """The comparison key of a title ('' for none)."""
    return comparison_key(title or "")


def same_text(body_a: str | None, title_a: str | None, body_b: str | None, title_b: str | None) -> bool:
    """True if two versions have the same body hash and the same title key."""
    return body_a == body_b and title_key(title_a) == title_key(title_b)


def fetched_after(fetched_at: str | None, other: str | None) -> bool:
    """True if ``fetched_at`` is known and later than ``other`` (ISO 8601; naive is UTC).

    >>> fetched_after("2024-05-01T12:00:00Z", "2024-05-01T11:00:00+00:00")
    True
    >>> fetched_after(None, "2024-05-01T11:00:00+00:00"), fetched_after("tomorrow", "2024-05-01")
    (False, False)
    """
    a, b = _when(fetched_at), _when(other)
    return a is not None and b is not None and a > b


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def revision_changes(
    old_title: str | None,
    old_blocks: Sequence[Block],
    new_title: str | None,
    new_blocks: Sequence[Block],
    config: Config | None = None,
    *,
    reverted_to: int | None = None,
) -> RevisionChanges:
    """What changed between two revisions' titles and body paragraphs.

    Paragraphs are aligned as ``newsdedup diff`` aligns them
    (:func:`newsdedup.align.align_blocks`), so a paragraph split in two is one
    change, not a removal and two additions.

    >>> old = [Block(0, "body", "Mưa lớn ở Hà Nội."), Block(1, "body", "Nhiều tuyến phố ngập.")]
    >>> new = [Block(0, "body", "Mưa rất lớn ở Hà Nội."), Block(1, "body", "Nhiều tuyến phố ngập."),
    ...        Block(2, "body", "Giao thông ùn tắc kéo dài.")]
    >>> revision_changes("Mưa", old, "Mưa lớn", new).summary()
    'title changed; 1 paragraph changed, 1 added (+7 words)'
    """
    from rapidfuzz.distance import LCSseq

    from .align import align_blocks

    body_old = [b for b in old_blocks if b.kept and b.role in BODY_ROLES]
    body_new = [b for b in new_blocks if b.kept and b.role in BODY_ROLES]
    counts = dict.fromkeys(("changed", "moved", "added", "removed"), 0)
    for group in align_blocks(body_old, body_new, config):
        if group.kind in ("changed", "split", "merged"):
            counts["changed"] += 1
        elif group.kind == "moved":
            counts["moved"] += 1
        elif group.kind == "only-a":
            counts["removed"] += len(group.a)
        elif group.kind == "only-b":
            counts["added"] += len(group.b)
    words_old = comparison_key(" ".join(b.text for b in body_old)).split()
    words_new = comparison_key(" ".join(b.text for b in body_new)).split()
    common = LCSseq.similarity(words_old, words_new)
    return RevisionChanges(
        title=title_key(old_title) != title_key(new_title),
        words_added=len(words_new) - common,
        words_removed=len(words_old) - common,
        reverted_to=reverted_to,
        **counts,
    )
