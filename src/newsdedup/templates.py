"""Site templates: lines an outlet prints in many of its articles, learned from the archive.

Like CCNet's paragraph deduplication, but counted per source: every canonical
article adds one to the count of each of its short lines, keyed by
``(source, line hash)``. A line counted in at least ``min_articles`` articles of
one source is a template of that source, and cleaning drops it where it sits at
an article's edge (see :func:`newsdedup.clean.clean_article`). A paragraph that
several outlets copy from one press release is counted once per outlet, so it
never becomes a template; exact duplicates are not counted at all.

Storage: table ``line_counts(source TEXT, hash INTEGER, articles INTEGER)``,
primary key ``(source, hash)``; ``hash`` is the first 8 bytes of the SHA-256
of the line's comparison key (:func:`newsdedup.normalize.comparison_key`),
read as a big-endian signed 64-bit integer.

Example:
    >>> from newsdedup import Archive
    >>> archive = Archive(":memory:")
    >>> for _ in range(3):
    ...     count_lines(archive.conn, "vne", ["Ý kiến của bạn", "Một đoạn văn khác nhau."])
    >>> SiteTemplates(archive.conn, min_articles=3)("vne", ["ý kiến của bạn", "không"])
    {'ý kiến của bạn'}
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence

from .normalize import line_key

#: Lines longer than this are article text, not templates, and are not counted.
MAX_TEMPLATE_WORDS = 40


def line_hash(key: str) -> int:
    """The stored hash of a line's comparison key.

    >>> line_hash("ý kiến của bạn") == line_hash("ý kiến của bạn")
    True
    """
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big", signed=True)


def at_most_words(text: str, limit: int) -> bool:
    """True if ``text`` has at most ``limit`` words (white-space separated).

    It splits off at most ``limit + 1`` words: a long paragraph costs no more than a short one.

    >>> at_most_words("một hai  ba", 3), at_most_words("một hai ba bốn", 3)
    (True, False)
    """
    return len(text.split(None, limit)) <= limit


def count_lines(conn: sqlite3.Connection, source: str, lines: Iterable[str]) -> None:
    """Add one article's lines to its source's counts (call inside the write transaction)."""
    count_hashes(conn, source, line_hashes(lines))


def line_hashes(lines: Iterable[str]) -> frozenset[int]:
    """The hashes :func:`count_lines` counts for these lines: those of the short ones' keys.

    They need no archive, so ingestion computes them with the rest of an article's
    preparation (in a worker process), and the single writer only counts them.

    >>> line_hashes(["Ý kiến của bạn", "ý  KIẾN của bạn", " ".join(["chữ"] * 41)]) == {line_hash("ý kiến của bạn")}
    True
    """
    # Word counts first: most paragraphs are longer than a template and need no key.
    short = (line for line in lines if at_most_words(line, MAX_TEMPLATE_WORDS))
    return frozenset(line_hash(key) for key in map(line_key, short) if key)


def count_hashes(conn: sqlite3.Connection, source: str, hashes: Iterable[int]) -> None:
    """Add one article's line hashes (:func:`line_hashes`) to its source's counts (in the write transaction)."""
    conn.executemany(
        "INSERT INTO line_counts (source, hash, articles) VALUES (?, ?, 1) "
        "ON CONFLICT (source, hash) DO UPDATE SET articles = articles + 1",
        [(source, h) for h in hashes],
    )


class SiteTemplates:
    """Tells which of an article's lines are templates of its source.

    Call it with a source and the comparison keys of the article's lines; it
    answers with the keys that are templates. One indexed query per article.

    Args:
        conn: a connection to the archive (the archive's own, or a read-only one
            in a worker process).
        min_articles: how many articles of one source must hold a line.
    """

    def __init__(self, conn: sqlite3.Connection, min_articles: int) -> None:
        self.conn = conn
        self.min_articles = min_articles

    def __call__(self, source: str, keys: Sequence[str]) -> set[str]:
        by_hash = {line_hash(k): k for k in keys if k and at_most_words(k, MAX_TEMPLATE_WORDS)}
        if not by_hash:
            return set()
        marks = ",".join("?" * len(by_hash))
        rows = self.conn.execute(
            f"SELECT hash FROM line_counts WHERE source = ? AND articles >= ? AND hash IN ({marks})",
            [source, self.min_articles, *by_hash],
        ).fetchall()
        return {by_hash[row[0]] for row in rows}
