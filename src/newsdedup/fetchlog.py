"""The fetch log: what was fetched from each URL, so a re-run asks little and fetches less.

Table ``fetches`` (schema version 6), one row per normalised URL asked for (and one per
URL it redirected to): whether it is a ``page`` or a ``feed``, the article made from it
(pages), the SHA-256 of the last body, the ``ETag`` and ``Last-Modified`` it sent,
``fetched_at`` (the last 200) and ``checked_at`` (the last 200 or 304).

How a re-run uses it:

* a feed URL is requested with ``If-None-Match``/``If-Modified-Since``: a 304, or a 200
  with the bytes of last time, skips the whole feed. A feed's row is written only
  once every entry of that run was ingested without error, so a feed whose entries
  failed is read again next time and the failed entries retried;
* a link-only feed entry whose link is in the log (or is an archived article's URL)
  is not fetched again unless the entry says it was updated after our copy
  (``updated``, else ``published``, later than ``fetched_at``); an entry with no
  date is not fetched again. Then, and for URLs named on the command line, the
  request is conditional: an unchanged page costs a 304.

Rows are written by the single writer after the batch's articles are stored (one
more short transaction): a process killed between the two loses only log rows, and
the next run fetches those URLs again and finds their bytes archived.

Example:
    >>> from newsdedup import Archive
    >>> conn = Archive(":memory:").conn
    >>> row = FetchRecord("https://tin.vn/a", "page", "https://tin.vn/a", 7, "ab", '"e1"', None,
    ...                   "2020-08-13T11:50:00+00:00", "2020-08-13T11:50:00+00:00")
    >>> store(conn, [row])
    >>> lookup(conn, "https://tin.vn/a").article_id
    7
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .fetch import Validators

_COLUMNS = "url, kind, final_url, article_id, sha256, etag, last_modified, fetched_at, checked_at"


@dataclass(frozen=True)
class FetchRecord:
    """One row of the fetch log (see the module docstring)."""

    url: str
    kind: str
    final_url: str | None
    article_id: int | None
    sha256: str | None
    etag: str | None
    last_modified: str | None
    fetched_at: str
    checked_at: str

    @property
    def validators(self) -> Validators | None:
        """What a conditional request for this URL sends, if the server gave anything."""
        from .fetch import Validators  # (fetch imports httpx: only runs that fetch pay for it)

        return Validators(self.etag, self.last_modified) if self.etag or self.last_modified else None


def lookup(conn: sqlite3.Connection, url: str) -> FetchRecord | None:
    """The log row of a normalised URL, or None (also on an archive older than the table)."""
    try:
        row = conn.execute(f"SELECT {_COLUMNS} FROM fetches WHERE url = ?", [url]).fetchone()
    except sqlite3.OperationalError:
        return None
    return FetchRecord(*row) if row else None


def store(conn: sqlite3.Connection, records: Iterable[FetchRecord]) -> None:
    """Insert or replace rows (inside the caller's write transaction)."""
    conn.executemany(
        f"INSERT OR REPLACE INTO fetches ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (r.url, r.kind, r.final_url, r.article_id, r.sha256, r.etag, r.last_modified, r.fetched_at, r.checked_at)
            for r in records
        ],
    )


def newer(entry_date: str | None, ours: str | None) -> bool:
    """True if a feed entry's date is later than the time of our copy (False when either is unknown).

    >>> newer("2020-08-14T00:00:00+00:00", "2020-08-13T11:50:00+00:00"), newer(None, "2020-08-13T11:50:00")
    (True, False)
    """
    if not entry_date or not ours:
        return False
    try:
        return _utc(entry_date) > _utc(ours)
    except ValueError:
        return False


def _utc(text: str) -> datetime:
    from datetime import UTC

    when = datetime.fromisoformat(text)
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
