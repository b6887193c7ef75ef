"""Find inputs (files, folders, ``-`` for stdin) and read their bytes.

Reading is bounded: at most ``max_input_bytes + 1`` bytes are ever held for
one input, compressed or not, so a 50 MB single-line file or a gzip bomb is
refused without filling memory.

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("Title\\nBody")
    >>> [ref.origin.endswith("a.txt") for ref in find_inputs([str(folder)])]
    [True]
    >>> read_input(find_inputs([str(folder)])[0]).data
    b'Title\\nBody'
"""

from __future__ import annotations

import gzip
import hashlib
import os
import stat
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

from .config import DEFAULT_MAX_INPUT_BYTES
from .decoding import undecoded_bytes
from .errors import CompressedInputError, EmptyInput, InputError, InputNotFound, InputTooLarge
from .records import RawInput
from .urls import is_url

STDIN = "-"
_GZIP_MAGIC = b"\x1f\x8b"


class _Readable(Protocol):
    def read(self, n: int, /) -> bytes: ...


@dataclass(frozen=True)
class InputRef:
    """A named input not read yet: a file path, or ``-`` for standard input.

    ``source``: the outlet its folder names, when inputs are found with ``source_from_folder``.
    ``in_folder``: found by walking a folder, not named: read only if it is a regular file
    (a named pipe there would wait for a writer forever; one named is read, as ``cat`` would).
    """

    origin: str
    source: str | None = None
    in_folder: bool = field(default=False, compare=False)

    @property
    def name(self) -> str:
        """The file name used to guess the format, without a ``.gz`` suffix."""
        name = "stdin" if self.origin == STDIN else os.path.basename(self.origin)
        return name[:-3] if name.lower().endswith(".gz") else name


def iter_inputs(
    paths: Iterable[str], *, include_hidden: bool = False, source_from_folder: bool = False
) -> Iterator[InputRef]:
    """Yield every input named by ``paths``, walking folders recursively in name order.

    A path that does not exist is yielded as it is: reading it raises
    :class:`InputNotFound`, so it is reported with the other inputs' results. So is a
    folder that holds no file to read (reading it raises :class:`EmptyInput`).
    Links to folders are not followed, so a link loop cannot trap the walk.

    ``source_from_folder``: each file gets the outlet name of the folder that holds one
    outlet's files (a corpus kept as ``corpus/<outlet>/...``): in a folder named, the
    name of its subfolder the file is in, at any depth (``corpus/VNE/2020/a.txt``: ``VNE``),
    or the named folder's own name for a file directly in it; for a file named, the name
    of the folder it is in. Standard input and URLs get none.

    >>> import tempfile, pathlib
    >>> corpus = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("VNE/2020/a.txt", "TN/b.txt"):
    ...     (corpus / name).parent.mkdir(parents=True, exist_ok=True)
    ...     _ = (corpus / name).write_text("Title\\nBody")
    >>> [ref.source for ref in iter_inputs([str(corpus)], source_from_folder=True)]
    ['TN', 'VNE']
    """
    for path in paths:
        if path != STDIN and os.path.isdir(path):
            yield from _walk(path, include_hidden, source_from_folder)
        elif source_from_folder and path != STDIN and not is_url(path):
            yield InputRef(path, _folder_name(os.path.dirname(os.path.abspath(path))))
        else:
            yield InputRef(path)


def find_inputs(
    paths: Iterable[str], *, include_hidden: bool = False, source_from_folder: bool = False
) -> list[InputRef]:
    """:func:`iter_inputs` as a list (to count inputs before reading them)."""
    return list(iter_inputs(paths, include_hidden=include_hidden, source_from_folder=source_from_folder))


def _walk(folder: str, include_hidden: bool, source_from_folder: bool) -> Iterator[InputRef]:
    own_name = _folder_name(os.path.abspath(folder)) if source_from_folder else None
    found = False
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if include_hidden or not d.startswith("."))
        source = own_name
        if source_from_folder and root != folder:
            source = os.path.relpath(root, folder).split(os.sep, 1)[0]
        for name in sorted(files):
            if include_hidden or not name.startswith("."):
                found = True
                yield InputRef(os.path.join(root, name), source, in_folder=True)
    if not found:  # named, yet nothing to read: an error of its own, not a silent success
        yield InputRef(folder)


def _folder_name(path: str) -> str | None:
    """A folder's name (None for the root, which has none)."""
    return os.path.basename(path.rstrip(os.sep)) or None


def storable(name: str) -> str:
    """A path or folder name as text that can be stored and printed: the bytes of a file name
    that are not UTF-8 (which Python keeps as lone surrogates, and SQLite and a UTF-8
    terminal refuse) written as ``\\xNN``. Any other name is returned as it is.

    >>> storable("tin/bài 1.txt"), storable("tin/b" + b"\\xff".decode("utf-8", "surrogateescape") + ".txt")
    ('tin/bài 1.txt', 'tin/b\\\\xff.txt')
    """
    data = undecoded_bytes(name)
    return name if data is None else data.decode("utf-8", "backslashreplace")


def read_input(ref: InputRef, max_bytes: int = DEFAULT_MAX_INPUT_BYTES, *, stdin: BinaryIO | None = None) -> RawInput:
    """Read one input's bytes, decompressing gzip, refusing anything over ``max_bytes``.

    ``stdin`` replaces ``sys.stdin.buffer`` for ``-`` (a stream already peeked into).

    Raises:
        InputNotFound, InputTooLarge, CompressedInputError, InputError.
    """
    if ref.origin == STDIN:
        data = _read_stream(stdin or sys.stdin.buffer, max_bytes, ref.origin)
    else:
        data = _read_file(ref.origin, max_bytes, regular_only=ref.in_folder)
    if data.startswith(_GZIP_MAGIC):
        data = _gunzip(data, max_bytes, ref.origin)
    digest = hashlib.sha256(data).hexdigest()
    source = None if ref.source is None else storable(ref.source)
    return RawInput(origin=storable(ref.origin), name=ref.name, data=data, sha256=digest, source=source)


def _read_file(path: str, max_bytes: int, *, regular_only: bool = False) -> bytes:
    try:
        if regular_only:
            check_regular_file(path)
        with open(path, "rb") as stream:
            if path.lower().endswith(".gz"):
                # Stream-decompress so only max_bytes + 1 bytes are ever held.
                return _read_gzip_stream(stream, max_bytes, path)
            return _read_stream(stream, max_bytes, path, size=os.fstat(stream.fileno()).st_size)
    except FileNotFoundError:
        raise InputNotFound("no such file or folder") from None
    except IsADirectoryError:
        raise EmptyInput(_no_files(path)) from None
    except PermissionError:
        raise InputError("permission denied") from None
    except OSError as err:
        raise InputError(f"cannot read it: {err.strerror or err}") from None


def check_regular_file(path: str) -> None:
    """Refuse a file found in a folder that is not a regular one, without opening it: a named
    pipe would wait for a writer forever (one named on the command line is read, as ``cat`` would).

    Raises:
        InputError: it is a named pipe, a socket or a device.
        OSError: it cannot be looked at (``FileNotFoundError`` if it is gone).
    """
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise InputError(f"not a regular file but {_file_kind(mode)}: not read from a folder (name it to read it)")


def _file_kind(mode: int) -> str:
    """What a file that is not a regular one is, in words.

    >>> _file_kind(stat.S_IFIFO), _file_kind(stat.S_IFSOCK)
    ('a named pipe', 'a socket')
    """
    kinds = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"))
    return next((name for test, name in kinds if test(mode)), "a special file")


def _no_files(folder: str) -> str:
    # Any file in it was passed over as hidden (its name, or a folder's on its path, starts with ".").
    hidden = any(files for _, _, files in os.walk(folder))
    why = " but hidden ones (names starting with '.'), read with --include-hidden" if hidden else ""
    return f"a folder with no files to ingest{why}"


def _read_stream(stream: _Readable, max_bytes: int, origin: str, *, size: int | None = None) -> bytes:
    # Asked for max_bytes + 1 at once, a reader allocates (and maps) that much, whatever
    # the stream holds: with its ``size`` known (a file's), that first, then what it grew by.
    data = stream.read(max_bytes + 1 if size is None else min(size, max_bytes) + 1)
    if size is not None and len(data) > size:
        data += stream.read(max_bytes + 1 - len(data))
    if len(data) > max_bytes:
        raise InputTooLarge(_too_large(max_bytes))
    return data


def _read_gzip_stream(stream: BinaryIO, max_bytes: int, origin: str) -> bytes:
    try:
        with gzip.GzipFile(fileobj=stream, mode="rb") as unzipped:
            return _read_stream(unzipped, max_bytes, origin)
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise CompressedInputError(f"corrupt or truncated gzip data: {err}") from None


def _gunzip(data: bytes, max_bytes: int, origin: str) -> bytes:
    decompressor = zlib.decompressobj(wbits=31)
    try:
        out = decompressor.decompress(data, max_bytes + 1)
    except zlib.error as err:
        raise CompressedInputError(f"corrupt gzip data: {err}") from None
    if len(out) > max_bytes:
        raise InputTooLarge(_too_large(max_bytes))
    if not decompressor.eof:
        raise CompressedInputError("truncated gzip data: the stream ends before its end marker")
    return out


def _too_large(max_bytes: int) -> str:
    return f"larger than the {max_bytes:,}-byte limit (raise it with --max-bytes)"


def read_input_list(path: str) -> list[str]:
    """The inputs listed in a file (``-``: standard input), one per line; blank lines and ``#`` comments skipped.

    Lines are paths, folders, URLs, feeds or crawl files, as on the command line.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
    ...     _ = f.write("# feeds\\nhttps://tin.vn/rss  \\n\\n  data/a.txt\\n")
    >>> read_input_list(f.name)
    ['https://tin.vn/rss', 'data/a.txt']

    Raises:
        InputNotFound, InputError: the list cannot be read.
    """
    try:
        if path == STDIN:
            text = sys.stdin.read()
        else:
            # A path's bytes that are not UTF-8 (as `find` writes them) stay the file's name.
            with open(path, encoding="utf-8-sig", errors="surrogateescape") as stream:
                text = stream.read()
    except FileNotFoundError:
        raise InputNotFound(f"{path}: no such file (the list of inputs given to --from-file)") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read the list of inputs: {err}") from None
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]
