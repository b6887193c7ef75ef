"""WARC (and ARC) crawl files: every HTML page captured in them, streamed record by record.

:func:`iter_warc` reads a ``.warc`` or ``.warc.gz`` with warcio's ``ArchiveIterator``,
one record at a time (a crawl of any size costs the memory of one record), and yields:

* a :class:`RawInput` for each HTML page: a ``response`` record with HTTP status 200
  and an HTML ``Content-Type`` (or a ``resource`` record of HTML); its bytes are the
  HTTP payload (chunked and gzip transfer decoded), its ``url`` the record's
  ``WARC-Target-URI`` (normalised) and its ``fetched_at`` the ``WARC-Date``;
* a ``skipped`` :class:`IngestResult` for every other record (request, metadata,
  warcinfo, revisit records; images, PDFs, scripts; non-200 responses), with a
  ``note`` saying what it was, so a run accounts for every record;
* an ``error`` result for a record that cannot be used: over ``max_input_bytes``, a
  payload digest that does not match (``WARC-Payload-Digest``), or a record cut
  short. warcio reads a truncated file without complaint, so the reader checks
  that each page's block was read to its declared length and that the file ends
  where its last whole record ends; the records before a truncation are kept.

Origins read ``crawl.warc.gz#record-17 https://...``: the record's number in the
file (from 1, all record types counted) and its target URI.

Example:
    >>> import io
    >>> from warcio.warcwriter import WARCWriter
    >>> from warcio.statusandheaders import StatusAndHeaders
    >>> buffer = io.BytesIO()
    >>> writer = WARCWriter(buffer, gzip=True)
    >>> http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    >>> writer.write_record(writer.create_warc_record("https://tin.vn/a?utm_source=x", "response",
    ...     payload=io.BytesIO(b"<html><p>Tin</p></html>"), http_headers=http,
    ...     warc_headers_dict={"WARC-Date": "2020-08-13T11:50:00Z"}))
    >>> looks_like_warc(buffer.getvalue()[:512])
    True
    >>> [page] = iter_warc(io.BytesIO(buffer.getvalue()), "crawl.warc.gz")
    >>> page.origin, page.url
    ('crawl.warc.gz#record-1 https://tin.vn/a?utm_source=x', 'https://tin.vn/a')
    >>> page.fetched_at, page.data
    ('2020-08-13T11:50:00+00:00', b'<html><p>Tin</p></html>')
"""

from __future__ import annotations

import hashlib
import io
import re
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, BinaryIO

from .config import DEFAULT_MAX_INPUT_BYTES
from .errors import InputError
from .records import IngestResult, RawInput
from .urls import is_url, normalize_url, url_name

#: File names read as crawl files.
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_HTML_SNIFF = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*(?:<\?xml[^>]*>\s*)?<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL
)


def is_warc_name(name: str) -> bool:
    """True for names ending in ``.warc``, ``.warc.gz``, ``.arc``, ``.arc.gz``.

    >>> is_warc_name("CC-MAIN-2020.warc.gz"), is_warc_name("story.html")
    (True, False)
    """
    return name.lower().endswith(WARC_SUFFIXES)


def looks_like_warc(head: bytes) -> bool:
    """True if these first bytes (plain, or gzip: give a few hundred) start a WARC or ARC record."""
    if head.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(31).decompress(head, 16)
        except zlib.error:
            return False
    return head.startswith((b"WARC/1.", b"WARC/0.", b"filedesc://"))


def iter_warc(
    stream: BinaryIO, origin: str, max_bytes: int = DEFAULT_MAX_INPUT_BYTES
) -> Iterator[RawInput | IngestResult]:
    """Every record of a WARC/ARC stream, in order: pages to extract, records skipped, errors."""
    from warcio.archiveiterator import ArchiveIterator  # imported here: only crawls need it

    counted = _Counting(stream)
    records = ArchiveIterator(io.BufferedReader(counted, 1 << 16), arc2warc=True, check_digests=True)
    number = 0
    last_offset = -1
    try:
        for record in records:
            number += 1
            if record.format.startswith("warc") and not record.rec_headers.get_header("Content-Length"):
                # warcio makes a record of a header cut short; a real one always declares its length.
                raise ValueError("a record header without Content-Length (cut short or corrupt)")
            item = _record_item(record, origin, number, max_bytes)
            remaining = _drain(record)
            last_offset = records.get_record_offset()  # (warcio reads the record to its end for this)
            if remaining:
                target = record.rec_headers.get_header("WARC-Target-URI") or ""
                yield _error(
                    f"{origin}#record-{number} {target}".rstrip(),
                    f"truncated WARC record: the file ends {remaining:,} bytes before the record's declared end",
                )
                return
            yield item
        problem = _tail_problem(records, counted, number, last_offset)
    except Exception as err:  # warcio raises many kinds of error (TypeError, ValueError, EOFError...) on corrupt input
        problem = f"{type(err).__name__}: {err}"
    if problem:
        message = f"truncated or corrupt WARC data after record {number}: {problem}"
        yield _error(f"{origin}#record-{number + 1}", message)
    elif number == 0:
        yield _error(origin, "not a WARC file, or an empty one: no record found")


def _tail_problem(records: Any, counted: _Counting, number: int, last_offset: int) -> str | None:
    """Why the file does not end where its last whole record ends, if it does not."""
    if counted.gzip_open:
        return "the file ends inside a gzip member (cut short)"
    if number == 0:
        return "no whole record could be read" if counted.count else None
    if records.get_record_offset() != last_offset:  # warcio began a record it could not finish
        return "the file ends inside a record header"
    # Uncompressed, warcio's record length leaves out the CRLF CRLF that closes the last record.
    end = last_offset + records.get_record_length() + (0 if counted.gzip else 4)
    if counted.count > end:
        return f"{counted.count - end:,} bytes at the end of the file are not a whole record"
    return None


def _record_item(record: Any, origin: str, number: int, max_bytes: int) -> RawInput | IngestResult:
    kind = record.rec_type
    target = record.rec_headers.get_header("WARC-Target-URI") or ""
    path = f"{origin}#record-{number} {target}".rstrip()
    if kind not in ("response", "resource"):
        return _skipped(path, f"{kind} record")
    if kind == "response":
        if record.http_headers is None:
            return _skipped(path, "response record without an HTTP response")
        status = record.http_headers.get_statuscode()
        if status != "200":
            return _skipped(path, f"HTTP {status} response")
        content_type = record.http_headers.get_header("Content-Type")
    else:
        content_type = record.rec_headers.get_header("Content-Type")
    if not is_url(target):
        return _skipped(path, f"not an http(s) capture: {target or 'no WARC-Target-URI'}")
    # The type is told before the payload is read: a video or a PDF over --max-bytes is a
    # record skipped, not an error, and is never decompressed into memory.
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media and media not in _HTML_TYPES:
        return _skipped(path, f"not HTML: {media}")
    stream = record.content_stream()
    data = stream.read(1024)
    if not media and not _HTML_SNIFF.match(data):
        return _skipped(path, "not HTML: no Content-Type")
    data += stream.read(max_bytes + 1 - len(data))
    if len(data) > max_bytes:
        return IngestResult(
            path=path, status="error", error=f"larger than the {max_bytes:,}-byte limit (raise it with --max-bytes)"
        )
    if _drain(record):
        return IngestResult(path=path, status="error", error="truncated WARC record: the file ends inside it")
    if record.digest_checker.passed is False:
        problems = "; ".join(str(p) for p in record.digest_checker.problems) or "digest mismatch"
        return IngestResult(path=path, status="error", error=f"corrupt record: {problems}")
    try:
        url = normalize_url(target)
    except InputError as err:
        return IngestResult(path=path, status="error", error=str(err))
    return RawInput(
        origin=path,
        name=url_name(url),
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        url=url,
        fetched_at=_iso_date(record.rec_headers.get_header("WARC-Date")),
        content_type=content_type,
    )


def _drain(record: Any) -> int:
    """Read the record's block to its end, in chunks; return how many declared bytes never came.

    warcio does not report a file that ends inside a record; its block reader's
    remaining ``limit`` does. Reading to the end also completes the digest check.
    """
    while record.raw_stream.read(1 << 16):
        pass
    return int(getattr(record.raw_stream, "limit", 0) or 0)


def _error(path: str, message: str) -> IngestResult:
    return IngestResult(path=path, status="error", error=message)


def _skipped(path: str, note: str) -> IngestResult:
    return IngestResult(path=path, status="skipped", note=note)


def _iso_date(value: str | None) -> str | None:
    """``WARC-Date`` (W3C date-time, UTC) as ISO 8601 with seconds; None if missing or malformed.

    >>> _iso_date("2020-08-13T11:50:00.123Z"), _iso_date("yesterday")
    ('2020-08-13T11:50:00+00:00', None)
    """
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="seconds")


class _Counting(io.RawIOBase):
    """A raw stream that counts the bytes read through it and, for gzip, whether a member is left open.

    A ``.warc.gz`` is a series of gzip members, one per record. warcio reads a
    member cut before its trailer without complaint; decompressing alongside (the
    output is thrown away, a bounded piece at a time) tells whether the file ends
    between members.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.count = 0
        self._gzip: bool | None = None
        self._member: Any = None

    @property
    def gzip(self) -> bool:
        """True if the data is gzip."""
        return bool(self._gzip)

    @property
    def gzip_open(self) -> bool:
        """True if the data is gzip and the last member has not reached its end."""
        return bool(self._gzip and self._member is not None)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        if self._gzip is None and data:
            self._gzip = data.startswith(b"\x1f\x8b")
        if self._gzip:
            self._track(bytes(data))
        self.count += len(data)
        return len(data)

    def _track(self, data: bytes) -> None:
        try:
            while data:
                if self._member is None:
                    self._member = zlib.decompressobj(31)
                self._member.decompress(data, 1 << 16)
                data = self._member.unconsumed_tail
                if self._member.eof:
                    data = self._member.unused_data + data
                    self._member = None
        except zlib.error:
            self._member = None  # corrupt: warcio reports it
            self._gzip = False
