"""Records passed between the pipeline stages: small frozen dataclasses.

Example:
    >>> b = Block(index=0, role="title", text="Hello")
    >>> b.kept, b.reason
    (True, None)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["title", "dateline", "body", "subheading", "caption", "byline", "boilerplate"]
#: Roles of kept blocks, and ``boilerplate`` for dropped ones.
ROLES: tuple[str, ...] = ("title", "dateline", "body", "subheading", "caption", "byline", "boilerplate")
#: Roles whose text makes up the article body (what duplicates are judged on).
BODY_ROLES: frozenset[str] = frozenset({"body", "subheading"})

IngestStatus = Literal["new", "duplicate", "error"]


@dataclass(frozen=True)
class RawInput:
    """The bytes of one input, exactly as read (after any .gz decompression).

    ``origin`` is what the user named (a path, ``-`` for stdin, a path inside
    a folder); ``name`` is the file name used to guess the format.
    """

    origin: str
    name: str
    data: bytes
    sha256: str


@dataclass(frozen=True)
class Block:
    """One paragraph-like unit of an article, in reading order.

    Dropped blocks stay in the archive for provenance: ``kept`` is False and
    ``reason`` says why it was dropped.
    """

    index: int
    role: str
    text: str
    kept: bool = True
    reason: str | None = None


@dataclass(frozen=True)
class ExtractedArticle:
    """What extraction makes of one input: blocks plus metadata."""

    blocks: tuple[Block, ...]
    title: str | None = None
    published: str | None = None
    author: str | None = None
    source: str | None = None
    url: str | None = None
    language: str | None = None
    input_format: str = "text"
    encoding: str | None = None
    #: SHA-256 of the kept body's comparison key, when computed ahead (by
    #: ``ingest.prepare``, in a worker process) rather than by the single writer.
    body_hash: str | None = None

    @property
    def body_paragraphs(self) -> list[str]:
        """The texts of the kept blocks that make up the body (roles in :data:`BODY_ROLES`)."""
        return [b.text for b in self.blocks if b.kept and b.role in BODY_ROLES]

    @property
    def body_text(self) -> str:
        """The kept body paragraphs, one per line."""
        return "\n".join(self.body_paragraphs)


@dataclass(frozen=True)
class Article:
    """An archived article, as read back from the archive."""

    id: int
    source: str | None
    url: str | None
    title: str | None
    published: str | None
    author: str | None
    language: str | None
    origin: str | None
    input_format: str
    encoding: str | None
    raw_sha256: str
    body_hash: str | None
    duplicate_of: int | None
    ingested_at: str
    blocks: tuple[Block, ...] = field(default=())
    cluster: int | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict, with blocks in reading order.

        >>> a = Article(1, None, None, "T", None, None, None, "x.txt", "text", "utf-8",
        ...             "ab", None, None, "2020-01-01T00:00:00+00:00")
        >>> a.to_dict()["status"]
        'canonical'
        """
        return {
            "id": self.id,
            "source": self.source,
            "url": self.url,
            "title": self.title,
            "published": self.published,
            "author": self.author,
            "language": self.language,
            "origin": self.origin,
            "format": self.input_format,
            "encoding": self.encoding,
            "raw_sha256": self.raw_sha256,
            "body_hash": self.body_hash,
            "status": "duplicate" if self.duplicate_of is not None else "canonical",
            "duplicate_of": self.duplicate_of,
            "ingested_at": self.ingested_at,
            "cluster": self.cluster,
            "blocks": [
                {"index": b.index, "role": b.role, "text": b.text, "kept": b.kept, "reason": b.reason}
                for b in self.blocks
            ],
        }


@dataclass(frozen=True)
class Link:
    """A verified link from one article to ``other`` (see :mod:`newsdedup.similarity`).

    ``level`` is ``exact``, ``near-duplicate`` or ``same-story``; ``score`` is 1.0 for
    exact copies, the shingle Jaccard for near-duplicates and the share of the shorter
    article inside shared passages for same-story links; ``evidence`` holds the numbers.

    >>> Link(2, "same-story", 0.42, {"passages": 6}).to_dict()["level"]
    'same-story'
    """

    other: int
    level: str
    score: float
    evidence: dict[str, object] | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {"id": self.other, "level": self.level, "score": round(self.score, 4), "evidence": self.evidence}


@dataclass(frozen=True)
class IngestResult:
    """The outcome of ingesting one input (or one article inside it).

    ``status`` is ``new`` (a new article), ``duplicate`` (the same bytes were
    archived before, so ``id`` is that article; or the same normalised body,
    so ``id`` is the new record and ``duplicate_of`` the first one) or
    ``error`` (``error`` says why; nothing was written for this input).
    ``cluster`` is the stored article's cluster and ``link`` its strongest link;
    ``note`` says why an article was archived but not linked (no body text).
    """

    path: str
    status: IngestStatus
    id: int | None = None
    duplicate_of: int | None = None
    match: str | None = None
    title: str | None = None
    error: str | None = None
    cluster: int | None = None
    link: Link | None = None
    note: str | None = None

    @classmethod
    def same_bytes(cls, path: str, existing: int, title: str | None) -> IngestResult:
        """The result for an input whose bytes are archived already as article ``existing``.

        >>> IngestResult.same_bytes("a.txt", 3, "T").to_dict()["match"]
        'same-bytes'
        """
        return cls(path=path, status="duplicate", id=existing, duplicate_of=existing, match="same-bytes", title=title)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict; keys that do not apply are left out."""
        out: dict[str, object] = {"path": self.path, "id": self.id, "status": self.status}
        for key in ("duplicate_of", "match", "title", "error", "cluster", "link", "note"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value.to_dict() if isinstance(value, Link) else value
        return out
