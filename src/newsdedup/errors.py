"""The errors newsdedup raises for users to see.

Every error a user should see derives from :class:`NewsdedupError`, so a caller
can catch one class. The tree::

    NewsdedupError
    ├── ConfigError            an option is out of range or of the wrong kind
    ├── InputError             one input cannot be read or understood
    │   ├── InputNotFound      the path does not exist
    │   ├── InputTooLarge      the input exceeds the configured size limit
    │   ├── EmptyInput         nothing to archive (empty file, no text)
    │   ├── BinaryInput        the bytes are not text or HTML
    │   ├── EncodingError      the text encoding is invalid or cannot be told
    │   ├── CompressedInputError  a .gz file is truncated or corrupt
    │   ├── FetchError         a URL could not be fetched (network, HTTP status, size, type)
    │   │   └── RobotsDisallowed  the site's robots.txt does not allow fetching it
    │   ├── FeedError          an RSS/Atom feed is malformed or holds no entries
    │   └── WarcError          a WARC file or record is truncated or corrupt
    └── ArchiveError           the archive cannot be opened, migrated or written
        └── ArticleNotFound    no article with that id

An :class:`InputError` concerns one input: the ingest run reports it and goes
on with the others. An :class:`ArchiveError` concerns the whole archive.

Example:
    >>> try:
    ...     raise InputTooLarge("big.txt: 52,428,800 bytes is over the 20,000,000-byte limit")
    ... except NewsdedupError as err:
    ...     print(err)
    big.txt: 52,428,800 bytes is over the 20,000,000-byte limit
"""

from __future__ import annotations

#: Ends the message of an :class:`ArchiveError` about a damaged LSH index: the repair.
REPAIR_INDEX = "`newsdedup reindex` (Archive.reindex) builds the index again from the archived texts"


class NewsdedupError(Exception):
    """Base class of every error newsdedup reports to users."""


class ConfigError(NewsdedupError, ValueError):
    """An option has a value outside what it accepts."""


class InputError(NewsdedupError):
    """One input could not be read or understood; other inputs are unaffected."""


class InputNotFound(InputError):
    """The input path does not exist."""


class InputTooLarge(InputError):
    """The input is larger than the configured ``max_input_bytes``."""


class EmptyInput(InputError):
    """The input holds no text to archive."""


class BinaryInput(InputError):
    """The input is binary data, not text or HTML."""


class EncodingError(InputError):
    """The input's text encoding is invalid or cannot be determined safely."""


class CompressedInputError(InputError):
    """A compressed input is truncated or corrupt."""


class FetchError(InputError):
    """A URL could not be fetched: a network failure, an HTTP error status, too large, not a page."""


class RobotsDisallowed(FetchError):
    """The site's robots.txt does not allow newsdedup to fetch the URL."""


class FeedError(InputError):
    """An RSS or Atom feed is malformed and yields no entries, or an entry cannot be used."""


class WarcError(InputError):
    """A WARC (or ARC) file is not one, or a record in it is truncated or corrupt."""


class ArchiveError(NewsdedupError):
    """The archive cannot be opened, migrated or written."""


class ArticleNotFound(ArchiveError, LookupError):
    """No article has the requested id."""
