"""What an ingest run is given, and the work items it expands into (in the writing process).

Named inputs are files, folders, ``-`` (standard input), URLs, RSS/Atom feeds and
WARC crawls. :class:`Expander` turns them, lazily and in order, into *items*,
each one article's worth of work or an already known outcome:

==================  ==============================================================
``InputRef``        a file, read (and sniffed) by a worker
``RawItem``         bytes in hand: a WARC page, a full-content feed entry, stdin
``UrlItem``         a URL to fetch (named on the command line, or a feed entry's link)
``DoneItem``        an outcome known without work: a record skipped, a feed error,
                    an entry whose page is archived and not newer
``SameAs``          the same entry twice in a feed, or a URL met earlier in the run:
                    resolved by the writer to the first one's article
``FeedFetched``     a feed's fetch-log row, stored once all its entries went in
``InputEnd``        the end of one named input (for progress, and the row above)
==================  ==============================================================

Streaming a WARC and parsing a feed are cheap and happen here; fetching and
extraction happen in workers (:mod:`newsdedup.parallel`). A worker that finds a
feed or a crawl where it expected a page (a URL, a file named neither ``.rss`` nor
``.warc``) hands back an :class:`Expansion`, which :meth:`Expander.expand` turns
into items in its place.

Example:
    >>> import tempfile, pathlib
    >>> from newsdedup import Archive
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "feed.rss").write_text('''<rss version="2.0"><channel><title>Tin</title>
    ... <item><guid>1</guid><link>https://tin.vn/a</link><title>A</title></item>
    ... <item><guid>1</guid><link>https://tin.vn/a</link><title>A</title></item>
    ... </channel></rss>''')
    >>> items = list(Expander(Archive(":memory:"), Config()).items([str(folder / "feed.rss")]))
    >>> [type(i).__name__ for i in items]
    ['UrlItem', 'SameAs', 'InputEnd']
    >>> items[0].url, items[1].match
    ('https://tin.vn/a', 'same-entry')
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from .config import Config
from .errors import InputError
from .feeds import entry_document, looks_like_feed, parse_feed
from .fetchlog import FetchRecord, lookup, newer
from .records import IngestResult, RawInput
from .sources import STDIN, InputRef, check_regular_file, iter_inputs, read_input, storable
from .urls import escape_bytes, is_url, normalize_url
from .warc import is_warc_name, iter_warc, looks_like_warc

if TYPE_CHECKING:
    from .archive import Archive

#: File names read as feeds without looking inside (``.xml`` files are sniffed by a worker).
FEED_SUFFIXES = (".rss", ".atom", ".rdf", ".rss.gz", ".atom.gz", ".rdf.gz")


@dataclass(frozen=True)
class RawItem:
    """Bytes in hand, to extract."""

    raw: RawInput


@dataclass(frozen=True)
class UrlItem:
    """A URL to fetch and extract; ``top_level`` URLs (named by the user) may turn out to be feeds or crawls."""

    url: str
    origin: str
    top_level: bool = False
    title: str | None = None
    published: str | None = None


@dataclass(frozen=True)
class DoneItem:
    """An outcome known without any work."""

    result: IngestResult


@dataclass(frozen=True)
class SameAs:
    """An item that is the one at path ``first``: its result is that one's article."""

    path: str
    first: str
    match: str
    what: str


@dataclass(frozen=True)
class FeedFetched:
    """A feed's fetch-log row, to store if every entry of its input went in without error."""

    record: FetchRecord


@dataclass(frozen=True)
class InputEnd:
    """The last item of one named input."""

    origin: str


@dataclass(frozen=True)
class Expansion:
    """A worker found a feed or a crawl: its bytes (or the file to stream), to expand here."""

    kind: Literal["feed", "warc"]
    origin: str
    raw: RawInput | None = None
    path: str | None = None
    fetch: FetchRecord | None = None


#: Everything an :class:`Expander` yields.
Item = InputRef | RawItem | UrlItem | DoneItem | SameAs | FeedFetched | InputEnd
#: Items that need no worker.
LOCAL_ITEMS = (DoneItem, SameAs, FeedFetched, InputEnd)


class Expander:
    """Turns named inputs into items, in order, remembering the URLs and entries of the run.

    ``referable`` holds the paths later items may name as ``SameAs.first``: the
    writer keeps those results' ids (and no others).
    """

    def __init__(self, archive: Archive, config: Config, *, stdin: BinaryIO | None = None) -> None:
        self.archive = archive
        self.config = config
        self.stdin = stdin
        self.referable: set[str] = set()
        self._urls: dict[str, str] = {}  # normalised URL -> the path of the first item with it

    def items(self, names: Iterable[str | InputRef]) -> Iterator[Item]:
        """The items of every named input, each input closed by an :class:`InputEnd`.

        An :class:`~newsdedup.sources.InputRef` (a folder's file, as
        :func:`~newsdedup.sources.find_inputs` found it) is read as the file it names,
        keeping its source; a string is looked at afresh (stdin, a URL, a folder, a file).
        """
        for named in names:
            name = named.origin if isinstance(named, InputRef) else named
            if isinstance(named, InputRef) and name != STDIN and not is_url(name) and not os.path.isdir(name):
                yield from self._file(named)
                yield InputEnd(name)
                continue
            if name == STDIN:
                yield from self._stdin()
                yield InputEnd(STDIN)
            elif is_url(name):
                yield self._url(name)
                yield InputEnd(name)
            else:
                config = self.config
                for ref in iter_inputs(
                    [name], include_hidden=config.include_hidden, source_from_folder=config.source_from_folder
                ):
                    yield from self._file(ref)
                    yield InputEnd(ref.origin)

    def expand(self, expansion: Expansion) -> Iterator[Item]:
        """The items of a feed or crawl a worker found (without an ``InputEnd``: its input has one)."""
        raw = expansion.raw
        if expansion.kind == "warc":
            if expansion.path is not None:
                yield from self._warc_file(InputRef(expansion.path))  # a worker has read it: a file
            elif raw is not None:
                yield from self._warc(io.BytesIO(raw.data), expansion.origin)
        elif raw is not None:
            yield from self._feed(raw.data, expansion.origin, raw.url, raw.content_type, raw.fetched_at)
        if expansion.fetch is not None:
            yield FeedFetched(expansion.fetch)

    # -- kinds of input ----------------------------------------------------------

    def _url(self, name: str) -> Item:
        name = escape_bytes(name)  # (bytes of a command line that are not UTF-8: %XX, as a URL has them)
        try:
            url = normalize_url(name)
        except InputError as err:
            return DoneItem(_error(name, str(err)))
        first = self._urls.get(url)
        if first is not None:
            return SameAs(name, first, "known-url", "the same URL as an earlier input")
        self._urls[url] = name
        self.referable.add(name)
        return UrlItem(url=name, origin=name, top_level=True)

    def _file(self, ref: InputRef) -> Iterator[Item]:
        name = os.path.basename(ref.origin).lower()
        if is_warc_name(name):
            yield from self._warc_file(ref)
        elif name.endswith(FEED_SUFFIXES):
            try:
                raw = read_input(ref, self.config.max_input_bytes)
            except InputError as err:
                yield DoneItem(_error(ref.origin, str(err)))
                return
            yield from self._feed(raw.data, ref.origin, None, None, None)
        else:
            yield ref  # read by a worker, which hands back an Expansion if it is a feed or a crawl

    def _stdin(self) -> Iterator[Item]:
        stream: Any = self.stdin or sys.stdin.buffer
        # A pipe's buffer can be peeked without consuming; a test's BytesIO is wrapped so it can.
        peekable: Any = stream if hasattr(stream, "peek") else io.BufferedReader(stream)
        if looks_like_warc(peekable.peek(512)[:512]):
            yield from self._warc(peekable, STDIN)
            return
        try:
            raw = read_input(InputRef(STDIN), self.config.max_input_bytes, stdin=peekable)
        except InputError as err:
            yield DoneItem(_error(STDIN, str(err)))
            return
        if looks_like_feed(raw.data):
            yield from self._feed(raw.data, STDIN, None, None, None)
        else:
            yield self._raw(raw)

    def _warc_file(self, ref: InputRef) -> Iterator[Item]:
        path = ref.origin
        try:
            if ref.in_folder:
                check_regular_file(path)
            stream = open(path, "rb")  # noqa: SIM115 - held open while its records stream out
        except InputError as err:
            yield DoneItem(_error(path, str(err)))
            return
        except OSError as err:
            message = "no such file or folder" if isinstance(err, FileNotFoundError) else f"cannot read it: {err}"
            yield DoneItem(_error(path, message))
            return
        with stream:
            yield from self._warc(stream, path)

    def _warc(self, stream: BinaryIO, origin: str) -> Iterator[Item]:
        # (Its records' origins are stored: a file name that is not UTF-8 as \\xNN.)
        for record in iter_warc(stream, storable(origin), self.config.max_input_bytes):
            yield self._raw(record) if isinstance(record, RawInput) else DoneItem(record)

    def _feed(
        self, data: bytes, origin: str, url: str | None, content_type: str | None, fetched_at: str | None
    ) -> Iterator[Item]:
        origin = storable(origin)  # (its entries' origins are stored: see _warc)
        try:
            feed = parse_feed(data, url, content_type)
        except InputError as err:
            yield DoneItem(_error(origin, str(err)))
            return
        if not feed.entries:
            yield DoneItem(IngestResult(path=origin, status="skipped", note="the feed has no entries"))
        entries: dict[str, str] = {}  # entry key -> the path of its first occurrence in this feed
        for entry in feed.entries:
            path = f"{origin}#entry-{entry.position}" + (f" {entry.link}" if entry.link else "")
            first = entries.get(entry.key)
            if first is not None:
                yield SameAs(path, first, "same-entry", "the same entry as one listed earlier in the feed")
                continue
            entries[entry.key] = path
            self.referable.add(path)
            if entry.content is not None:
                document = entry_document(entry)
                raw = RawInput(
                    origin=path,
                    name=f"entry-{entry.position}.html",
                    data=document,
                    sha256=hashlib.sha256(document).hexdigest(),
                    url=entry.link,
                    fetched_at=fetched_at,
                    content_type="text/html; charset=utf-8",
                    title=entry.title,
                    published=entry.published,
                )
                if entry.link is not None:
                    self._urls.setdefault(entry.link, path)
                yield self._raw(raw)
            elif entry.link is None:
                yield DoneItem(_error(path, "the entry has neither an article's text nor a link to one"))
            elif (earlier := self._urls.get(entry.link)) is not None:
                yield SameAs(path, earlier, "known-url", "the same URL as an earlier input of this run")
            else:
                known = self._known(path, entry.link, entry.updated)
                if known is None:
                    self._urls[entry.link] = path
                    yield UrlItem(url=entry.link, origin=path, title=entry.title, published=entry.published)
                else:
                    yield known
        if feed.problem:
            read = len(feed.entries)
            yield DoneItem(
                _error(origin, f"malformed feed: {feed.problem}; the {read} entr{'y' if read == 1 else 'ies'} read")
            )

    # -- what the archive knows -------------------------------------------------

    def _raw(self, raw: RawInput) -> Item:
        """A page to extract, or its same-bytes duplicate (looked up here: a re-run ships no bytes to workers)."""
        existing = self.archive.find_original(raw.sha256, fetched_at=raw.fetched_at)
        return DoneItem(IngestResult.same_bytes(raw.origin, *existing)) if existing else RawItem(raw)

    def _known(self, path: str, url: str, updated: str | None) -> DoneItem | None:
        """A ``known-url`` duplicate if the archive holds the entry's page and the entry is not newer.

        The fetch log knows URLs that redirected elsewhere; an article's own
        URL covers pages archived from a crawl or a full-content feed.
        """
        conn = self.archive.conn
        record = lookup(conn, url)
        if record is not None and record.kind == "page" and record.article_id is not None:
            article_id, ours = record.article_id, record.fetched_at
        else:
            # The time of our copy: when it was fetched (a crawl's capture date), else archived.
            sql = "SELECT id, coalesce(fetched_at, ingested_at) FROM articles WHERE url = ? ORDER BY id LIMIT 1"
            row = conn.execute(sql, [url]).fetchone()
            if row is None:
                return None
            article_id, ours = int(row[0]), str(row[1])
        if newer(updated, ours):
            return None  # the entry says the page changed after our copy: fetch it (conditionally)
        title = conn.execute("SELECT title FROM articles WHERE id = ?", [article_id]).fetchone()
        return DoneItem(
            IngestResult(
                path=path,
                status="duplicate",
                id=article_id,
                duplicate_of=article_id,
                match="known-url",
                title=title[0] if title else None,
                note=f"archived from this URL on {ours}; the entry is not newer, so it was not fetched again",
            )
        )


def _error(path: str, message: str) -> IngestResult:
    return IngestResult(path=path, status="error", error=message)
