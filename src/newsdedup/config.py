"""One validated object for every tunable option.

Example:
    >>> Config(max_input_bytes=1_000_000).max_input_bytes
    1000000
    >>> Config(batch_size=0)
    Traceback (most recent call last):
    ...
    newsdedup.errors.ConfigError: batch_size must be an integer >= 1, got 0
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from .errors import ConfigError

InputFormat = Literal["auto", "text", "html"]
INPUT_FORMATS: tuple[str, ...] = ("auto", "text", "html")

DEFAULT_MAX_INPUT_BYTES = 20 * 1024 * 1024

#: Longest ``Crawl-delay`` honoured (seconds); a longer one is taken as this.
MAX_CRAWL_DELAY = 30.0

#: Link levels, strongest first (see :mod:`newsdedup.similarity`).
LINK_LEVELS: tuple[str, ...] = ("exact", "near-duplicate", "same-story")


def distinct_link_levels(levels: Sequence[str]) -> bool:
    """Whether ``levels`` (a sequence, not one string) holds link levels, each once.

    >>> distinct_link_levels(("exact", "same-story")), distinct_link_levels(["exact", "exact"])
    (True, False)
    >>> distinct_link_levels("exact"), distinct_link_levels(["copy"])
    (False, False)
    """
    return (
        not isinstance(levels, str)
        and all(level in LINK_LEVELS for level in levels)
        and len(set(levels)) == len(levels)
    )


@dataclass(frozen=True)
class Config:
    """Options for reading inputs and writing the archive.

    Attributes:
        max_input_bytes: largest input accepted, counted after decompression.
            Reading stops one byte past it, so memory stays bounded whatever
            the file's size.
        batch_size: articles written per SQLite transaction; larger batches
            ingest faster (a commit writes every page it changed, and the
            archive's hash-keyed indexes change pages all over: a batch of
            1,000 writes about a quarter of the bytes per article that a
            batch of 200 does, measured at 24k articles), smaller ones hold
            the write lock for less time and redo less after a crash. Once
            worker processes hold every input, batches shrink to 128
            articles (see :func:`newsdedup.ingest.ingest_paths`): what is
            written then is not left for the writer to write alone.
        busy_timeout: seconds a writer waits for another process's lock.
        input_format: ``auto`` tells HTML from plain text by name and content.
        source: outlet name given to every article of a run (plain text has
            none of its own; HTML falls back to its site name or host).
        source_from_folder: give each file found in a folder the outlet name of
            the folder it is in, directly under the folder named (a corpus kept as
            ``corpus/<outlet>/...`` ingested in one run; see
            :func:`newsdedup.sources.iter_inputs`); not with ``source``.
        include_hidden: also read dot-files and dot-folders inside folders.
        template_min_articles: in how many articles of one source a line must
            appear to be dropped as a ``site-template`` (see
            :mod:`newsdedup.templates`).
        align_min_similarity: word-sequence similarity (2 * common words in
            order / all words, over comparison keys) from which two paragraphs,
            or one paragraph and 2-3 consecutive ones, count as one passage.
        align_max_group: most consecutive paragraphs on one side that can
            match one paragraph on the other (2 or 3: splits and merges).
        reuse_min_similarity: how closely a sentence must be found in the
            other article (best window, word-level) to count as reused.
        reuse_min_words: fewest words a reused sentence, or a paragraph
            matched out of order (moved), must have.
        workers: processes that read, extract and fingerprint inputs, this
            one included: it also writes, and prepares inputs whenever it would
            wait for the others (``1``: all in this process; default: the cores).
        near_duplicate_jaccard: word-shingle Jaccard from which two articles
            are the same article republished (``near-duplicate``).
        passage_min_words: fewest words of shared text that count as a passage.
        same_story_min_passages, same_story_min_words, same_story_min_coverage:
            a ``same-story`` link needs this many shared passages, holding
            together this many words and this share of the shorter article.
        same_story_single_passage_coverage: one shared passage is enough when
            it covers this share of the shorter article.
        same_source_min_coverage: the share of the shorter article a
            ``same-story`` link needs when both articles have one source: an
            outlet repeats its own results tables, squad lists, ad and programme
            blurbs and background paragraphs across different stories. A floor
            over ``same_story_min_coverage``: the larger of the two applies.
        stock_min_articles: text found in at least this many articles of one
            source (the article itself and those it is verified against) is
            that outlet's stock text: a results table, a medal list, an ad or
            column blurb it prints again and again. It is no evidence of a
            ``same-story`` link between one of that outlet's articles and any other
            article; links made through it before it was that common are verified
            again without it. Copies of one text (exact or near-duplicate) count once.
            5, as ``template_min_articles``: measured in ``docs/architecture.md``.
        same_story_day_tolerance: two articles that both name calendar days
            (13/8, ngày 13-8, 13.8.2020: :mod:`newsdedup.dates`), no two of them
            within this many days of each other, report different days' events:
            what text they share is background or stock (a school's blurb, a
            medal table), and they are not linked ``same-story``. 2: reports of
            one event written a day or two apart name days a day or two apart
            (measured in ``docs/architecture.md``). None: days are not checked.
            Near-duplicates are linked whatever their days.
        verify_min_estimate: candidates whose MinHash-estimated containment is
            below this are not verified (they cannot reach a link).
        cluster_levels: link levels whose connected components are clusters.
        fetch_timeout: seconds one fetch may take (connecting, each read, and
            the whole body: a server trickling bytes cannot hold a worker).
        max_redirects: redirects followed per fetch (each hop checked against
            its host's robots.txt).
        user_agent: the ``User-Agent`` sent; default ``newsdedup/<version>``
            with the project's URL (see :func:`newsdedup.fetch.default_user_agent`).
        obey_robots: fetch only what the site's robots.txt allows (and wait its
            ``Crawl-delay``, up to :data:`MAX_CRAWL_DELAY` seconds, between
            requests of one process to one host).
        Thresholds are measured on real data: see ``docs/architecture.md``.
    """

    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    batch_size: int = 1000
    busy_timeout: float = 60.0
    input_format: InputFormat = "auto"
    source: str | None = None
    source_from_folder: bool = False
    include_hidden: bool = False
    template_min_articles: int = 5
    align_min_similarity: float = 0.5
    align_max_group: int = 3
    reuse_min_similarity: float = 0.8
    reuse_min_words: int = 6
    workers: int = field(default_factory=lambda: _usable_cores())
    near_duplicate_jaccard: float = 0.8
    passage_min_words: int = 20
    same_story_min_passages: int = 2
    same_story_min_words: int = 100
    same_story_min_coverage: float = 0.25
    same_story_single_passage_coverage: float = 0.5
    same_source_min_coverage: float = 0.4
    stock_min_articles: int = 5
    same_story_day_tolerance: int | None = 2
    verify_min_estimate: float = 0.1
    cluster_levels: tuple[str, ...] = LINK_LEVELS
    fetch_timeout: float = 30.0
    max_redirects: int = 10
    user_agent: str | None = None
    obey_robots: bool = True

    def __post_init__(self) -> None:
        _require_int("max_input_bytes", self.max_input_bytes, minimum=1)
        _require_int("batch_size", self.batch_size, minimum=1)
        _require_int("template_min_articles", self.template_min_articles, minimum=2)
        if not isinstance(self.busy_timeout, (int, float)) or isinstance(self.busy_timeout, bool):
            raise ConfigError(f"busy_timeout must be a number of seconds, got {self.busy_timeout!r}")
        if not 0 <= self.busy_timeout < math.inf:  # (NaN fails both)
            raise ConfigError(f"busy_timeout must be a finite number >= 0, got {self.busy_timeout!r}")
        if self.input_format not in INPUT_FORMATS:
            raise ConfigError(f"input_format must be one of {', '.join(INPUT_FORMATS)}, got {self.input_format!r}")
        if self.source is not None and (not isinstance(self.source, str) or not self.source.strip()):
            raise ConfigError(f"source must be a non-empty string or None, got {self.source!r}")
        if not isinstance(self.source_from_folder, bool):
            raise ConfigError(f"source_from_folder must be True or False, got {self.source_from_folder!r}")
        if self.source_from_folder and self.source is not None:
            raise ConfigError(
                f"source and source_from_folder exclude each other: got source={self.source!r} "
                "and source_from_folder=True"
            )
        _validate_alignment(self)
        _validate_linking(self)
        _validate_fetching(self)

    def with_options(self, **changes: Any) -> Config:
        """Return a copy with ``changes`` applied and validated.

        >>> Config().with_options(batch_size=10).batch_size
        10
        """
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ConfigError(f"unknown option(s): {', '.join(unknown)}; expected one of {', '.join(sorted(known))}")
        return replace(self, **changes)


def _require_int(name: str, value: object, *, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _validate_alignment(config: Config) -> None:
    for name in ("align_min_similarity", "reuse_min_similarity"):
        value = getattr(config, name)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= 1:
            raise ConfigError(f"{name} must be in (0, 1], got {value!r}")
    if config.align_max_group not in (1, 2, 3) or isinstance(config.align_max_group, bool):
        raise ConfigError(f"align_max_group must be 1, 2 or 3, got {config.align_max_group!r}")
    _require_int("reuse_min_words", config.reuse_min_words, minimum=1)


def _usable_cores() -> int:
    """Cores this process may run on (fewer than the machine's under a CPU affinity mask)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _validate_linking(config: Config) -> None:
    _require_int("workers", config.workers, minimum=1)
    for name in (
        "near_duplicate_jaccard",
        "same_story_min_coverage",
        "same_story_single_passage_coverage",
        "same_source_min_coverage",
        "verify_min_estimate",
    ):
        value = getattr(config, name)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
            raise ConfigError(f"{name} must be in [0, 1], got {value!r}")
    _require_int("passage_min_words", config.passage_min_words, minimum=1)
    _require_int("same_story_min_passages", config.same_story_min_passages, minimum=1)
    _require_int("same_story_min_words", config.same_story_min_words, minimum=1)
    # (With 2, any text two articles of one outlet share would be stock: no same-story link within it.)
    _require_int("stock_min_articles", config.stock_min_articles, minimum=3)
    tolerance = config.same_story_day_tolerance
    if tolerance is not None and (not isinstance(tolerance, int) or isinstance(tolerance, bool) or tolerance < 0):
        raise ConfigError(f"same_story_day_tolerance must be an integer >= 0 or None, got {tolerance!r}")
    levels = config.cluster_levels
    if not isinstance(levels, tuple) or not distinct_link_levels(levels):
        raise ConfigError(
            f"cluster_levels must be a tuple of distinct levels from {', '.join(LINK_LEVELS)}, got {levels!r}"
        )


def _validate_fetching(config: Config) -> None:
    timeout = config.fetch_timeout
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not timeout > 0:
        raise ConfigError(f"fetch_timeout must be a number of seconds > 0, got {timeout!r}")
    _require_int("max_redirects", config.max_redirects, minimum=0)
    agent = config.user_agent
    if agent is not None and (not isinstance(agent, str) or not agent.strip() or "\n" in agent or "\r" in agent):
        raise ConfigError(f"user_agent must be a non-empty one-line string or None, got {agent!r}")
    if not isinstance(config.obey_robots, bool):
        raise ConfigError(f"obey_robots must be True or False, got {config.obey_robots!r}")
