"""newsdedup: a deduplicating news-article archive and diff tool.

Example:
    >>> from newsdedup import Archive, ingest_paths
    >>> archive = Archive(":memory:")
    >>> [r.status for r in ingest_paths(archive, ["data/000_9e100dd7360a05d2.txt"])]  # doctest: +SKIP
    ['new']
"""

from .archive import Archive, ArchiveStats
from .config import Config
from .errors import (
    ArchiveError,
    ArticleNotFound,
    BinaryInput,
    CompressedInputError,
    ConfigError,
    EmptyInput,
    EncodingError,
    InputError,
    InputNotFound,
    InputTooLarge,
    NewsdedupError,
)
from .ingest import ingest_paths
from .records import Article, Block, ExtractedArticle, IngestResult, RawInput

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
    "IngestResult",
    "InputError",
    "InputNotFound",
    "InputTooLarge",
    "NewsdedupError",
    "RawInput",
    "ingest_paths",
]
