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

from dataclasses import dataclass, fields, replace
from typing import Any, Literal

from .errors import ConfigError

InputFormat = Literal["auto", "text", "html"]
INPUT_FORMATS: tuple[str, ...] = ("auto", "text", "html")

DEFAULT_MAX_INPUT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Config:
    """Options for reading inputs and writing the archive.

    Attributes:
        max_input_bytes: largest input accepted, counted after decompression.
            Reading stops one byte past it, so memory stays bounded whatever
            the file's size.
        batch_size: articles written per SQLite transaction; larger batches
            ingest faster, smaller ones hold the write lock for less time.
        busy_timeout: seconds a writer waits for another process's lock.
        input_format: ``auto`` tells HTML from plain text by name and content.
        source: outlet name given to every article of a run (plain text has
            none of its own; HTML falls back to its site name or host).
        include_hidden: also read dot-files and dot-folders inside folders.
    """

    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    batch_size: int = 200
    busy_timeout: float = 60.0
    input_format: InputFormat = "auto"
    source: str | None = None
    include_hidden: bool = False

    def __post_init__(self) -> None:
        _require_int("max_input_bytes", self.max_input_bytes, minimum=1)
        _require_int("batch_size", self.batch_size, minimum=1)
        if not isinstance(self.busy_timeout, (int, float)) or isinstance(self.busy_timeout, bool):
            raise ConfigError(f"busy_timeout must be a number of seconds, got {self.busy_timeout!r}")
        if self.busy_timeout < 0:
            raise ConfigError(f"busy_timeout must be >= 0, got {self.busy_timeout!r}")
        if self.input_format not in INPUT_FORMATS:
            raise ConfigError(f"input_format must be one of {', '.join(INPUT_FORMATS)}, got {self.input_format!r}")
        if self.source is not None and (not isinstance(self.source, str) or not self.source.strip()):
            raise ConfigError(f"source must be a non-empty string or None, got {self.source!r}")

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
