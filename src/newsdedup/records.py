"""Records passed between the pipeline stages: small frozen dataclasses.

Example:
    >>> b = Block(index=0, role="title", text="Hello")
    >>> b.kept, b.reason
    (True, None)
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass, replace
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:
    from .fingerprint import Fingerprint
    from .originals import Packed

#: The largest id an article, cluster or revision can have: SQLite's largest integer. A larger
#: number names nothing (SQLite could not even be asked for it).
MAX_ID = (1 << 63) - 1

Role = Literal["title", "dateline", "body", "subheading", "caption", "byline", "boilerplate"]
#: Roles of kept blocks, and ``boilerplate`` for dropped ones.
ROLES: tuple[str, ...] = ("title", "dateline", "body", "subheading", "caption", "byline", "boilerplate")
#: Roles whose text makes up the article body (what duplicates are judged on).
BODY_ROLES: frozenset[str] = frozenset({"body", "subheading"})

IngestStatus = Literal["new", "revision", "duplicate", "skipped", "error"]

_R = TypeVar("_R")


def shown_title(title: str | None, origin: str | None = None) -> str:
    """An article's title as listings show it: an untitled article is marked as such and
    named by where it came from (its file or URL), the same way in every listing.

    >>> shown_title("Họp báo"), shown_title(None, "data/a.txt"), shown_title("", None)
    ('Họp báo', '(no title: data/a.txt)', '(no title)')
    """
    if title:
        return title
    return f"(no title: {origin})" if origin else "(no title)"


def evolve(record: _R, /, **changes: Any) -> _R:
    """``dataclasses.replace`` for the records ingestion copies on every article: the same copy
    with ``changes``, made without calling the class's ``__init__`` when nothing in the class
    needs it.

    ``replace`` reads every field and calls ``__init__`` with them as keywords, which a frozen
    dataclass runs through ``object.__setattr__`` field by field: 12 µs for an
    :class:`ExtractedArticle`, against 2 µs here, five times an article. A class with a
    ``__post_init__``, a field that is not an ``__init__`` argument, slots or a cached property
    (see :func:`_state_fields`) is copied by ``replace`` itself. mypy checks the keywords of
    ``replace``, not these: tests compare the two.

    Raises:
        TypeError: ``record`` is no dataclass, or a change names no field of its class
            (``replace`` raises ``ValueError`` for a field that ``__init__`` does not take).

    >>> b = Block(0, "body", "Một đoạn.")
    >>> evolve(b, kept=False, reason="advert") == replace(b, kept=False, reason="advert")
    True
    >>> evolve(b, colour="red")
    Traceback (most recent call last):
    ...
    TypeError: Block has no field 'colour'
    """
    cls: type = type(record)
    names = _state_fields(cls)
    if names is None:
        return replace(record, **changes)  # type: ignore[type-var]
    unknown = changes.keys() - names
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {min(unknown)!r}")
    copy: _R = object.__new__(cls)
    state = copy.__dict__
    state.update(record.__dict__)
    state.update(changes)
    return copy


@cache
def _state_fields(cls: type) -> frozenset[str] | None:
    """The fields of ``cls`` if :func:`evolve` may copy its instances by their ``__dict__``: a
    dataclass whose fields are all plain ``__init__`` arguments (no ``ClassVar``, ``InitVar`` or
    ``init=False``), with no ``__post_init__``, no ``__slots__`` in its classes and no cached
    property (a copy would keep a value computed from the original); None otherwise."""
    if not is_dataclass(cls) or hasattr(cls, "__post_init__"):
        return None
    names = frozenset(f.name for f in fields(cls) if f.init)
    # (fields() leaves out ClassVar and InitVar pseudo-fields, which __dataclass_fields__ holds.)
    plain = len(names) == len(cls.__dataclass_fields__)
    slotted = any("__slots__" in vars(klass) for klass in cls.__mro__[:-1])
    cached = any(isinstance(v, cached_property) for klass in cls.__mro__ for v in vars(klass).values())
    return names if plain and not slotted and not cached else None


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
    #: The URL the bytes were fetched from, normalised (see :mod:`newsdedup.urls`); None for files.
    url: str | None = None
    #: When the bytes were fetched (ISO 8601, UTC), if known.
    fetched_at: str | None = None
    #: The media type the server or the WARC record declared (``text/html; charset=...``), if any.
    content_type: str | None = None
    #: Hints from a feed entry, used when the page itself does not say (or says less reliably).
    title: str | None = None
    published: str | None = None
    #: The outlet its folder names (``Config.source_from_folder``: see :func:`newsdedup.sources.iter_inputs`), if any.
    source: str | None = None


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
class Precomputed:
    """What storing an extracted article needs that can be made without writing, made
    beforehand (:meth:`newsdedup.archive.Archive.precompute`; by ingestion, in its worker
    processes), so that the archive's single writer only writes it.

    ``sha256``: of the raw bytes it was made from (``add_many`` checks it is its item's);
    ``fingerprint``: of its body (None if the body has no words); ``original``: the raw
    bytes packed (:meth:`newsdedup.originals.OriginalStore.pack`); ``frame``: its blocks
    as stored (:func:`newsdedup.blockstore.encode_blocks`, against the raw bytes);
    ``line_hashes``: its lines as site templates count them (:func:`newsdedup.templates.line_hashes`).
    """

    sha256: str
    fingerprint: Fingerprint | None
    original: Packed
    frame: tuple[str, bytes]
    line_hashes: frozenset[int]


@dataclass(frozen=True)
class Article:
    """An archived article, as read back from the archive.

    ``revision`` is the number of the revision this record holds (the latest,
    unless it was read with :meth:`~newsdedup.archive.Archive.revision`) and
    ``revisions`` how many the article has; both are None where not read.
    """

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
    revision: int | None = None
    revisions: int | None = None

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
            "revision": self.revision,
            "revisions": self.revisions,
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

    ``status`` is ``new`` (a new article), ``revision`` (a new text of the
    article archived under the same URL: ``id`` is that article, ``revision``
    the new revision's number), ``duplicate`` (the same bytes were archived
    before, so ``id`` is that article and ``duplicate_of`` the one it is an exact copy
    of, or itself; or the same normalised body, so ``id``
    is the new record and ``duplicate_of`` the first one; or, ``match``
    ``same-url``, the same title and body as revision ``revision`` of article
    ``id``, archived under the same URL: nothing is stored; ``known-url``,
    a feed entry whose link is archived and which is not newer than that copy,
    so it was not fetched again; ``not-modified``, the server answered 304;
    ``same-entry``, a feed listing one entry twice), ``skipped`` (not meant to
    be archived: a WARC request record, an image; ``note`` says what it was) or
    ``error`` (``error`` says why; nothing was written for this input).
    ``cluster`` is the cluster of article ``id`` (stored or found) and ``link`` its strongest link;
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
    revision: int | None = None

    @classmethod
    def same_bytes(cls, path: str, existing: int, title: str | None, copy_of: int) -> IngestResult:
        """The result for an input whose bytes are archived already as article ``existing``, an
        exact copy of article ``copy_of`` (itself if it is no copy): what ``Archive.find_original`` gives.

        >>> IngestResult.same_bytes("a.txt", 3, "T", 1).to_dict()
        {'path': 'a.txt', 'id': 3, 'status': 'duplicate', 'duplicate_of': 1, 'match': 'same-bytes', 'title': 'T'}
        """
        return cls(path=path, status="duplicate", id=existing, duplicate_of=copy_of, match="same-bytes", title=title)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict; keys that do not apply are left out."""
        out: dict[str, object] = {"path": self.path, "id": self.id, "status": self.status}
        for key in ("duplicate_of", "match", "revision", "title", "error", "cluster", "link", "note"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value.to_dict() if isinstance(value, Link) else value
        return out


@dataclass(frozen=True)
class RevisionChanges:
    """What changed from the previous revision of an article to this one.

    Counts are of body paragraphs (roles in :data:`BODY_ROLES`), as
    ``newsdedup diff`` aligns them: ``changed`` counts changed, split and
    merged groups, ``moved`` paragraphs matched out of order, ``added`` and
    ``removed`` paragraphs found on one side only; ``words_added`` and
    ``words_removed`` compare the body's words in order (comparison keys).
    ``reverted_to`` is set when the text is back to an earlier revision's.

    >>> RevisionChanges(title=True, changed=2, added=1, words_added=30, words_removed=4).summary()
    'title changed; 2 paragraphs changed, 1 added (+30 -4 words)'
    >>> RevisionChanges(reverted_to=1, removed=1, words_removed=12).summary()
    'back to the text of revision 1; 1 paragraph removed (-12 words)'
    """

    title: bool = False
    changed: int = 0
    moved: int = 0
    added: int = 0
    removed: int = 0
    words_added: int = 0
    words_removed: int = 0
    reverted_to: int | None = None

    def summary(self) -> str:
        """One line for people: title, paragraphs, words."""
        parts: list[str] = []
        if self.reverted_to is not None:
            parts.append(f"back to the text of revision {self.reverted_to}")
        if self.title:
            parts.append("title changed")
        counts = [
            (n, word)
            for n, word in (
                (self.changed, "changed"),
                (self.moved, "moved"),
                (self.added, "added"),
                (self.removed, "removed"),
            )
            if n
        ]
        if counts:
            first, *rest = counts
            text = f"{first[0]} paragraph{'s' if first[0] != 1 else ''} {first[1]}"
            text += "".join(f", {n} {word}" for n, word in rest)
            words = " ".join(f"{sign}{n}" for sign, n in (("+", self.words_added), ("-", self.words_removed)) if n)
            parts.append(f"{text} ({words} words)" if words else text)
        elif self.words_added or self.words_removed:
            parts.append(f"+{self.words_added} -{self.words_removed} words")
        return "; ".join(parts) if parts else "no change to the title or body"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict (what the archive stores)."""
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> RevisionChanges:
        """The changes stored by :meth:`to_dict` (unknown keys are ignored).

        >>> RevisionChanges.from_dict({"title": True, "added": 2, "later": 1}).added
        2
        """
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Revision:
    """One revision of an archived article: a text it had under its URL.

    Revision 1 is the text first archived; a new one is made each time the
    article's URL is fetched again with another title or body (see
    :meth:`newsdedup.archive.Archive.history`). ``fetched_at`` is when the text
    was fetched, if known (files have no fetch time), ``ingested_at`` when it
    was archived; ``raw_sha256`` names the original it was extracted from and
    ``changes`` says what changed from the previous revision (None for the first).

    >>> r = Revision(7, 1, "a.html", None, "2024-05-01T10:00:00+00:00", "T", None, "ab", "cd", None)
    >>> r.to_dict()["summary"]
    'first archived'
    """

    article_id: int
    number: int
    origin: str | None
    fetched_at: str | None
    ingested_at: str
    title: str | None
    published: str | None
    raw_sha256: str
    body_hash: str | None
    changes: RevisionChanges | None

    @property
    def summary(self) -> str:
        """What changed, in a few words."""
        return self.changes.summary() if self.changes is not None else "first archived"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "article_id": self.article_id,
            "revision": self.number,
            "origin": self.origin,
            "fetched_at": self.fetched_at,
            "ingested_at": self.ingested_at,
            "title": self.title,
            "published": self.published,
            "raw_sha256": self.raw_sha256,
            "body_hash": self.body_hash,
            "summary": self.summary,
            "changes": self.changes.to_dict() if self.changes is not None else None,
        }
