"""A Bloom filter of the band keys in the LSH index's large tier, stored in the archive.

A lookup asks both tiers of the index (:mod:`newsdedup.cluster`) for the buckets of a
new article's 64 band keys. The large tier, ``lsh_bands``, outgrows the CPU's caches as
the archive grows, and a seek into it with it: 0.5 µs into 5,000 articles' rows and
1.9 µs into 80,000 articles' (64 keys in one ``IN``, the table in SQLite's cache, the
statement's own 22 µs taken off; measured on the archives ``bench/bench_links.py``
builds). Yet most of an article's band
keys are in no bucket at all: nothing archived shares that band. This filter says which
keys *may* be in the large tier, so a lookup seeks only those (6.4 of 64, 6.3 of them
really there, with the 83,632 articles of ``bench/bench_links.py``), at the price of
testing the 64 keys: 5 µs in NumPy from the :func:`probes` that fingerprinting made
ahead (in a worker process), 14 µs from the keys alone. So a lookup costs about what it
cost when the archive was small.

A Bloom filter has no false negatives: a key in ``lsh_bands`` is always reported, so
the filter never hides a candidate. It only has false positives (a wasted seek), at a
rate set by its bits per key. Every write to ``lsh_bands`` (a merge of the small tier,
see :meth:`newsdedup.cluster.LinkIndex.merge_recent`) adds its keys to the filter in the
same transaction; deleted rows leave their bits (a false positive, not a miss).

It is a blocked Bloom filter: all :data:`HASHES` bits of a key lie in one 64-bit word,
so testing a key costs one cache miss, not three (the filter is larger than the caches).

Size: a power of two, at least :data:`BUILD_BITS_PER_KEY` bits per key when (re)built
(:func:`size_for`), rebuilt so (from the stored fingerprints: :func:`rebuild`), larger (as
a rule twice the size), when a merge would take it below :data:`MIN_BITS_PER_KEY`; so it
holds 16 to 32 bits a key.
Never more than :data:`MAX_BITS` (16 MiB), so that memory stays flat however large the
archive grows: it reaches 16 MiB at about 4.2 million keys (65,000 articles), and past
about 8.4 million (130,000 articles) its false-positive rate rises instead, and a lookup
seeks more.
Measured on random keys with :data:`HASHES` = 5 (``tests/test_bandfilter.py`` checks the
32, 16 and 8; with 3 hashes a key in brackets): 0.05% at 32 bits per key (0.2%), 0.42% at
16 (0.75%), 0.9% at 12.5 (1.4%), 3.5% at 8 (3.8%), 20% at 4 (16%), 65% at 2 (47%). So a
lookup of 64 keys that finds nothing seeks at most 0.27 of them in vain, and 0.03 when the
filter was just rebuilt.

At 84k articles (5.1 million keys) the filter is 16 MiB, 26 bits a key, and a lookup that
finds nothing seeks 0.04 keys in vain (the 126 of ``bench/bench_links.py``'s probes with no
candidate at either size). Until session 16 it was built at 16 and rebuilt under 8 bits a
key (8 to 16 bits a key: up to 2.2 keys in vain a lookup): 8 MiB there, 13 bits a key, and
such a lookup sought 0.33 keys in vain: 81 against 75 µs a lookup, one after another, where
a lookup at 5,000 articles took 57 (1.43x against 1.32x); in the bench, amid lookups that
verify candidates (the CPU's caches cold), 1.54-1.61x (session 15) against 1.41-1.50x. The
price: the writer holds 8 MiB more at 84k (its peak in the bench: 304-323 against 287-298 MB),
and the archive is 8 MB larger (1.08 against 1.046 times the raw text); ingest was no slower
(1.01-1.25 of the scaled target, against 0.85-1.11). At 16 MiB how the filter is read and
written matters too: read a chunk at a time through the blob (:func:`load`), never the whole
as one bytes object beside the array, and written from the array's own buffer (:func:`save`).

Stored layout, the one row of ``lsh_band_filter`` (schema version 12):

* ``token``: a random 63-bit integer, new at every write, so that a connection notices
  that another one (another process) changed the filter and reloads it;
* ``hashes``: the number of bits set per key, :data:`HASHES`;
* ``keys``: how many keys were added (an upper bound of those still present);
* ``bits``: the bit array, ``len(bits) * 8`` bits (a power of two). Bit ``p`` is bit
  ``p % 8`` (least significant first) of byte ``p // 8``; so the 64-bit little-endian
  word ``w`` holds bits ``64 w`` to ``64 w + 63``. With ``x = k mod 2**64`` for a
  (signed) band key ``k``, and ``h(i) = x * C[i] mod 2**64`` for the odd constants
  ``C`` of :data:`MULTIPLIERS`, the key sets, in word ``(h(0) >> 43) mod words``
  (43 is 64 - :data:`WORD_BITS`), the bits ``h(i) >> 58`` for ``i`` from 1 to
  ``hashes``. (Until version 12 the word was the top ``log2(words)`` bits of ``h(0)``:
  the archive builds the filter again when it applies version 12.)

No row means nothing was ever merged into the large tier: a lookup then does not read it.
A lookup reads the filter again when another connection has committed since (and its
token changed), after the small tier (see :meth:`newsdedup.cluster.LinkIndex.candidates`).

Example:
    >>> f = BandFilter.build([5, -7, 123456], bits=1 << 16)
    >>> f.may_contain([5, -7, 123456]).tolist()
    [True, True, True]
    >>> int(f.may_contain(range(1000, 2000)).sum()) < 5
    True
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .errors import REPAIR_INDEX, ArchiveError
from .fingerprint import BANDS, joined_signatures, signature_band_keys

#: Bits set per key, all in one 64-bit word: 5, not 3, sets a false positive rate of 0.9%
#: against 1.4% at 12.5 bits a key (3.5% against 3.8% at 8), for no more work in a lookup
#: that tests :func:`probes` made ahead; past :data:`MAX_BITS` (4 bits a key and fewer) it
#: would be worse (20% against 16% at 4).
HASHES = 5
#: Odd 64-bit multipliers of the multiply-shift hashes: the first picks the word, the
#: others a bit in it.
MULTIPLIERS = (
    0x9E3779B97F4A7C15,
    0xC2B2AE3D27D4EB4F,
    0x165667B19E3779F9,
    0xD6E8FEB86659FD93,
    0xFF51AFD7ED558CCD,
    0xC4CEB9FE1A85EC53,
)
#: Bits per key a filter is built with, at least (a power of two: 16 to 32); below
#: :data:`MIN_BITS_PER_KEY` it is rebuilt larger, as a rule twice the size (the
#: measurements that chose them are in the module's docstring).
BUILD_BITS_PER_KEY = 16
MIN_BITS_PER_KEY = 16
#: Smallest and largest sizes in bits (8 KiB and 16 MiB).
MIN_BITS = 1 << 16
MAX_BITS = 1 << 27
_CHUNK_ROWS = 65_536
_CHUNK_BYTES = 1 << 20
#: The bits of the word hash ``h(0)`` that pick a key's word: its top :data:`WORD_BITS`,
#: reduced modulo the filter's words (at most ``2**WORD_BITS``: :data:`MAX_BITS` / 64).
WORD_BITS = 21
_ONE = np.uint64(1)
_MULTIPLIERS = np.array(MULTIPLIERS, dtype=np.uint64)[:, None]
_BIT_SHIFT = np.uint64(58)
_WORD_SHIFT = np.uint64(64 - WORD_BITS)
_DAMAGED = "the archive's LSH band filter (table lsh_band_filter) is damaged"


def size_for(keys: int) -> int:
    """The size in bits of a filter built for ``keys`` keys.

    >>> size_for(10), size_for(1_000_000), size_for(10**9) == MAX_BITS
    (65536, 16777216, True)
    """
    wanted = max(MIN_BITS, BUILD_BITS_PER_KEY * keys)
    return min(MAX_BITS, 1 << (wanted - 1).bit_length())


@dataclass
class BandFilter:
    """The bits of the filter and what they were made from (see the module's layout).

    Mutable: :meth:`add` sets bits in place, in memory; :func:`save` stores them.
    """

    bits: npt.NDArray[np.uint8]
    keys: int = 0
    hashes: int = HASHES
    token: int = 0
    _words: npt.NDArray[np.uint64] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if (problem := _size_problem(len(self.bits) * 8)) is not None:
            raise ValueError(problem)
        if not 1 <= self.hashes < len(MULTIPLIERS):
            raise ValueError(f"hashes must be in [1, {len(MULTIPLIERS) - 1}], got {self.hashes}")
        self._words = self.bits.view("<u8")  # shares the bytes: setting a word sets them

    @classmethod
    def build(cls, keys: Iterable[int], *, bits: int | None = None) -> BandFilter:
        """A new filter holding ``keys``, of ``bits`` bits (default: :func:`size_for` their number)."""
        array = _int64(keys)
        built = cls(np.zeros((bits or size_for(len(array))) // 8, dtype=np.uint8))
        built.add(array)
        return built

    @property
    def size(self) -> int:
        """The number of bits."""
        return len(self.bits) * 8

    def too_full(self, *, adding: int = 0) -> bool:
        """True when the filter holds (after ``adding`` keys more) more keys than it was sized
        for and may still grow."""
        return _too_full(self.keys + adding, self.size)

    def add(self, keys: Iterable[int]) -> None:
        """Set the bits of ``keys``."""
        words, masks = self._words_and_masks(keys)
        # .at: a word named twice gets both masks. (The word numbers reduced here, as a
        # test's take(mode="wrap") reduces them.)
        np.bitwise_or.at(self._words, words & (len(self._words) - 1), masks)
        self.keys += len(words)

    def may_contain(self, keys: Iterable[int], probes: bytes = b"") -> npt.NDArray[np.bool_]:
        """Per key: False if it is certainly not in the filter, True if it may be.

        ``probes``: the keys' :func:`probes`, if made already (fingerprinting makes them).
        """
        if probes and self.hashes == HASHES:
            count = len(keys if isinstance(keys, Sized) else list(keys))
            if len(probes) != 16 * count:
                raise ValueError(f"probes must hold 16 bytes a key ({16 * count} for {count}), got {len(probes)}")
            made = np.frombuffer(probes, dtype="<i8")  # word numbers are under 2**21: int64 as they are
            words, masks = made[:count], made[count:].view(np.uint64)
        else:
            words, masks = self._words_and_masks(keys)
        # take, not indexing: the test of a lookup's 64 keys went from 16 to 13 µs. Its
        # mode="wrap" reduces a word number modulo the words, with no array operation of its
        # own: a lookup amid others (the CPU's caches cold) took 77 µs against 82 when the word
        # was the top bits of h(0), shifted here for the filter's size.
        found: npt.NDArray[np.bool_] = self._words.take(words, mode="wrap") & masks == masks
        return found

    def keys_to_seek(self, keys: Sequence[int], probes: bytes = b"") -> list[int]:
        """Those of ``keys`` that may be in the filter, in their order (``probes``: see :meth:`may_contain`)."""
        return [keys[at] for at in self.may_contain(keys, probes).nonzero()[0].tolist()]

    def _words_and_masks(self, keys: Iterable[int]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
        """Per key: its word number (not yet reduced modulo the words) and the mask of its bits."""
        hashed, masks = _hashes_and_masks(_int64(keys), self.hashes)
        # A word number is under 2**21: read as int64 as it is (astype would copy).
        words: npt.NDArray[np.int64] = (hashed >> _WORD_SHIFT).view(np.int64)
        return words, masks


def probes(keys: npt.NDArray[np.int32] | Sequence[int]) -> bytes:
    """What testing ``keys`` against a filter needs that its size does not decide: per key
    its word number (the top :data:`WORD_BITS` bits of ``h(0)``, before the modulo) and the
    mask of its :data:`HASHES` bits, as little-endian 64-bit integers, all the word numbers
    and then all the masks (``16 * len(keys)`` bytes).

    Fingerprinting makes them (:attr:`newsdedup.fingerprint.Fingerprint.band_probes`), in a
    worker process: a lookup in the writer, the pipeline's one serial stage, then tests 64
    keys in 5 µs instead of 14 (measured on the 84k archive of ``bench/bench_links.py``).

    >>> f = BandFilter.build([5, -7, 123456])
    >>> f.keys_to_seek([5, 9, -7], probes([5, 9, -7]))
    [5, -7]
    """
    array = keys.astype(np.int64) if isinstance(keys, np.ndarray) else _int64(keys)
    made = np.empty((2, len(array)), dtype="<u8")
    # The masks written into the bytes' array as they are made: 8.3-8.5 against 9.6 µs with a copy.
    np.right_shift(_hashes_and_masks(array, HASHES, masks_out=made[1])[0], _WORD_SHIFT, out=made[0])
    return made.tobytes()


def _hashes_and_masks(
    keys: npt.NDArray[np.int64], hashes: int, *, masks_out: npt.NDArray[np.uint64] | None = None
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """Per key: the hash that picks its word, and the mask of its ``hashes`` bits (made in
    ``masks_out`` if given)."""
    # uint64 products wrap modulo 2**64, as multiply-shift hashing wants.
    hashed = keys.view(np.uint64)[None, :] * _MULTIPLIERS[: hashes + 1]
    masks: npt.NDArray[np.uint64] = np.bitwise_or.reduce(_ONE << (hashed[1:] >> _BIT_SHIFT), axis=0, out=masks_out)
    return hashed[0], masks


def _size_problem(size: int) -> str | None:
    """What is wrong with a filter of ``size`` bits, if anything."""
    if not 64 <= size <= MAX_BITS or size & (size - 1):
        return f"a band filter's size must be a power of two from 64 to {MAX_BITS} bits, got {size}"
    return None


def _int64(keys: Iterable[int]) -> npt.NDArray[np.int64]:
    return np.array(keys if isinstance(keys, np.ndarray | tuple | list) else list(keys), dtype=np.int64)


# -- storage -------------------------------------------------------------------


def load(conn: sqlite3.Connection) -> BandFilter | None:
    """The stored filter; None if there is none (nothing was merged into the large tier yet)."""
    with _one_state(conn):
        row = conn.execute(
            "SELECT token, hashes, keys, length(bits), typeof(bits) FROM lsh_band_filter WHERE id = 1"
        ).fetchone()
        if row is None:
            return None
        token, hashes, keys, length, kind = row
        if kind != "blob":
            raise ArchiveError(f"{_DAMAGED}: its bits are a {kind}; {REPAIR_INDEX}")
        if (problem := _size_problem(8 * length)) is not None:
            raise ArchiveError(f"{_DAMAGED}: {problem}; {REPAIR_INDEX}")  # (before memory is taken for it)
        # Read a chunk at a time into the array it ends in: the whole blob as one bytes object
        # beside it would double the writer's memory for the filter (16 MiB more at its largest).
        bits = np.empty(length, dtype=np.uint8)
        with conn.blobopen("lsh_band_filter", "bits", 1, readonly=True) as blob:
            for start in range(0, length, _CHUNK_BYTES):
                bits[start : start + _CHUNK_BYTES] = np.frombuffer(blob.read(_CHUNK_BYTES), dtype=np.uint8)
    try:
        return BandFilter(bits, keys=keys, hashes=hashes, token=token)
    except (ValueError, TypeError) as err:
        raise ArchiveError(f"{_DAMAGED}: {err}; {REPAIR_INDEX}") from None


@contextlib.contextmanager
def _one_state(conn: sqlite3.Connection) -> Iterator[None]:
    """The statements inside read one state of the archive: outside a transaction each would
    read the latest commit, and a filter that another process stores between the row's header
    and its bits would be read as half of one and half of the other."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")  # (it only read)


def save(conn: sqlite3.Connection, band_filter: BandFilter) -> None:
    """Store ``band_filter`` with a new token (in the caller's write transaction)."""
    band_filter.token = secrets.randbits(63)
    row = conn.execute("SELECT length(bits), typeof(bits) FROM lsh_band_filter WHERE id = 1").fetchone()
    values = (band_filter.token, band_filter.hashes, band_filter.keys)
    if row == (len(band_filter.bits), "blob"):
        # The same size: written over in place, rather than a new blob and a freed old one.
        conn.execute("UPDATE lsh_band_filter SET token = ?, hashes = ?, keys = ? WHERE id = 1", values)
    else:
        # A blob of zeros, then written through from the array's own buffer: bound as a
        # parameter, the bits would be copied whole.
        conn.execute(
            "INSERT OR REPLACE INTO lsh_band_filter (id, token, hashes, keys, bits) VALUES (1, ?, ?, ?, zeroblob(?))",
            (*values, len(band_filter.bits)),
        )
    with conn.blobopen("lsh_band_filter", "bits", 1) as blob:
        blob.write(band_filter.bits.data)


def rebuild(conn: sqlite3.Connection) -> BandFilter | None:
    """Build the filter for the keys in ``lsh_bands`` and store it (None, and no row, if it is empty).

    The keys are made from the stored fingerprints' signatures, not read from
    ``lsh_bands``: a row there is always a band key of its article's stored fingerprint
    (``LinkIndex._unindex`` finds an article's rows so too), so the filter holds every
    key of the large tier, and also those of the small tier and of full buckets (a
    seek in vain when one is looked up: rare). At 80,000 articles, reading their
    signatures took 0.1 s, reading the 5.1 million rows of ``lsh_bands`` 3.9 s, as
    many Python tuples: a rebuild took 0.8-1.2 s against 4.3-4.6 s, most of it now
    setting the bits. All of VNTC in one call, old and new code alternating, took
    116 and 108 s against 127 and 114 s, and its largest process peaked at 303-313
    against 329-330 MB. Only when a fingerprint is damaged (or rows outnumber what
    the fingerprints can account for) are the rows read instead.
    """
    if conn.execute("SELECT 1 FROM lsh_bands LIMIT 1").fetchone() is None:
        conn.execute("DELETE FROM lsh_band_filter")
        return None
    count = int(conn.execute("SELECT count(*) FROM fingerprints").fetchone()[0])
    # (20 ms for 5.1 million rows with their pages cached, as after a merge; 0.8 s read cold.)
    rows_there = int(conn.execute("SELECT count(*) FROM lsh_bands").fetchone()[0])
    try:
        if rows_there > count * BANDS:
            # Not every row can be a key of a stored fingerprint: such a filter would hide candidates.
            raise ArchiveError(f"lsh_bands holds {rows_there} rows, more than {BANDS} a fingerprint")
        built = BandFilter(np.zeros(size_for(count * BANDS) // 8, dtype=np.uint8))
        rows = conn.execute("SELECT article_id, signature FROM fingerprints")
        # A chunk at a time: the keys of all signatures at once would take 40 MB at 80k articles.
        while chunk := rows.fetchmany(_CHUNK_ROWS // BANDS):
            built.add(signature_band_keys(joined_signatures(chunk)).ravel())
    except ArchiveError:
        # A damaged fingerprint: the filter is made from the rows themselves (4 s at 80k
        # articles), so that the archive stays usable (and, when an older version's is
        # migrated, can be opened to be repaired). A lookup that meets an article with a
        # damaged fingerprint names it and the repair (one with none is passed over). A
        # row whose key is no 32-bit integer cannot be sought, so it needs no bit.
        built = BandFilter(np.zeros(size_for(rows_there) // 8, dtype=np.uint8))
        rows = conn.execute(
            "SELECT key FROM lsh_bands WHERE typeof(key) = 'integer' AND key BETWEEN -2147483648 AND 2147483647"
        )
        while chunk := rows.fetchmany(_CHUNK_ROWS):
            built.add(np.array(chunk, dtype=np.int32).ravel())
    save(conn, built)
    return built


def add_merged(conn: sqlite3.Connection, keys: npt.NDArray[np.int32]) -> BandFilter | None:
    """The filter once the small tier's rows (their ``keys``) are merged into ``lsh_bands``,
    stored (in the caller's transaction, after the copy).

    The keys are added to the stored filter, unless it would then be too full for its
    size (or there is none): it is rebuilt larger instead (:func:`rebuild`), without the
    old bits ever read, so that one filter is held at a time.
    """
    row = conn.execute("SELECT keys, length(bits) FROM lsh_band_filter WHERE id = 1").fetchone()
    if row is not None and not all(isinstance(value, int) for value in row):
        raise ArchiveError(f"{_DAMAGED}: its header {row!r}; {REPAIR_INDEX}")
    if row is None or _too_full(row[0] + len(keys), 8 * row[1]):
        return rebuild(conn)
    current = load(conn)
    assert current is not None  # (the row was just read, in this transaction)
    for start in range(0, len(keys), _CHUNK_ROWS):  # a chunk at a time: the hashing makes 4 copies
        current.add(keys[start : start + _CHUNK_ROWS])
    save(conn, current)
    return current


def _too_full(keys: int, bits: int) -> bool:
    return keys * MIN_BITS_PER_KEY > bits and bits < MAX_BITS
