"""Ingestion: read every input, extract it, store it, report one result each.

A failing input (missing, binary, too large, badly encoded, corrupt gzip)
gives an ``error`` result and the run goes on; articles are committed in
batches, so whatever was committed before a crash or a kill stays, and a
second run skips it as ``duplicate`` and completes the rest.

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("Title\\nBody text.")
    >>> _ = (folder / "empty.txt").write_text("")
    >>> archive = Archive(":memory:")
    >>> [(r.status, r.error) for r in ingest_paths(archive, [str(folder)])]
    [('new', None), ('error', 'empty input (0 bytes)')]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from .archive import Archive
from .clean import clean_article
from .config import Config
from .errors import InputError
from .extract import extract
from .fingerprint import Fingerprint, fingerprint
from .normalize import body_hash
from .parallel import prepare_all
from .records import ExtractedArticle, IngestResult, RawInput
from .sources import InputRef, iter_inputs, read_input
from .templates import SiteTemplates

_MAX_BATCH_BYTES = 64 * 1024 * 1024

#: Called after each input with its result (for progress bars).
ProgressCallback = Callable[[IngestResult], None]


@dataclass(frozen=True)
class _Prepared:
    raw: RawInput
    article: ExtractedArticle
    fingerprint: Fingerprint | None = None


#: What preparing one input gives: a result if it needs no writing.
Prepared = IngestResult | _Prepared


def ingest_paths(
    archive: Archive,
    paths: Iterable[str],
    config: Config | None = None,
    *,
    on_result: ProgressCallback | None = None,
) -> Iterator[IngestResult]:
    """Ingest files, folders (recursively), ``.gz`` files and ``-`` (stdin).

    Yields one :class:`IngestResult` per input, in input order, as each batch
    is committed.
    """
    config = config or archive.config
    refs = iter_inputs(paths, include_hidden=config.include_hidden)
    yield from ingest_refs(archive, refs, config, on_result=on_result)


def ingest_refs(
    archive: Archive,
    refs: Iterable[InputRef],
    config: Config,
    *,
    on_result: ProgressCallback | None = None,
) -> Iterator[IngestResult]:
    """Ingest inputs already found (see :func:`newsdedup.sources.find_inputs`)."""
    pending: list[IngestResult | _Prepared] = []
    prepared = held_bytes = 0
    for item in prepare_all(archive, refs, config):
        pending.append(item)
        if isinstance(item, _Prepared):
            prepared += 1
            held_bytes += len(item.raw.data)
        # Flushing on bytes too keeps memory bounded when inputs are large.
        if prepared >= config.batch_size or held_bytes >= _MAX_BATCH_BYTES:
            yield from _flush(archive, pending, on_result)
            pending, prepared, held_bytes = [], 0, 0
    yield from _flush(archive, pending, on_result)


def prepare(archive: Archive, ref: InputRef, config: Config) -> IngestResult | _Prepared:
    """Read, extract and clean one input; a result if it needs no writing."""
    try:
        raw = read_input(ref, config.max_input_bytes)
        existing = archive.find_original(raw.sha256)
        if existing is not None:
            return IngestResult.same_bytes(ref.origin, *existing)
        templates = SiteTemplates(archive.db.conn, config.template_min_articles)
        article = clean_article(extract(raw, config), templates=templates)
        body = article.body_paragraphs
        # Hashed here, in the worker: the writer is the pipeline's one serial stage.
        article = replace(article, body_hash=body_hash(body))
        return _Prepared(raw, article, fingerprint("\n".join(body)))
    except InputError as err:
        return IngestResult(path=ref.origin, status="error", error=str(err))


def _flush(
    archive: Archive, pending: list[IngestResult | _Prepared], on_result: ProgressCallback | None
) -> Iterator[IngestResult]:
    to_store = [p for p in pending if isinstance(p, _Prepared)]
    stored = iter(
        archive.add_many([(p.raw, p.article) for p in to_store], [p.fingerprint for p in to_store]) if to_store else []
    )
    for item in pending:
        result = next(stored) if isinstance(item, _Prepared) else item
        if on_result is not None:
            on_result(result)
        yield result
