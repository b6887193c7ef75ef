"""newsdedup: a deduplicating news-article archive and diff tool.

Example:
    >>> from newsdedup import Archive, ingest_paths
    >>> archive = Archive(":memory:")
    >>> [r.status for r in ingest_paths(archive, ["data/000_9e100dd7360a05d2.txt"])]  # doctest: +SKIP
    ['new']
"""

from typing import TYPE_CHECKING, Any

from .config import Config
from .errors import (
    ArchiveError,
    ArticleNotFound,
    BinaryInput,
    CompressedInputError,
    ConfigError,
    EmptyInput,
    EncodingError,
    FeedError,
    FetchError,
    InputError,
    InputNotFound,
    InputTooLarge,
    NewsdedupError,
    RobotsDisallowed,
    WarcError,
)
from .records import Article, Block, ExtractedArticle, IngestResult, RawInput

if TYPE_CHECKING:
    from .archive import Archive, ArchiveStats
    from .ingest import ingest_paths

# The archive and ingestion pull in SQLite, NumPy and the fingerprinting stack:
# imported on first use, so `newsdedup --help` (which imports this package) stays quick.
_LAZY = {"Archive": ".archive", "ArchiveStats": ".archive", "ingest_paths": ".ingest"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Archive",
    "ArchiveError",
    "ArchiveStats",
    "Article",
    "ArticleNotFound",
    "BinaryInput",
    "Block",
    "CompressedInputError",
    "Config",
    "ConfigError",
    "EmptyInput",
    "EncodingError",
    "ExtractedArticle",
    "FeedError",
    "FetchError",
    "IngestResult",
    "InputError",
    "InputNotFound",
    "InputTooLarge",
    "NewsdedupError",
    "RawInput",
    "RobotsDisallowed",
    "WarcError",
    "ingest_paths",
]
