"""Fingerprints: word shingles of the body text, their MinHash and its LSH band keys.

An article's kept body text (roles ``body`` and ``subheading``) is turned into its
comparison key (:func:`newsdedup.normalize.comparison_key`: case, tone-mark placement,
quotes and white space do not matter), split into words (``\\w+``: punctuation does not
matter either), and every run of :data:`SHINGLE_SIZE` consecutive words becomes one
32-bit shingle hash. Paragraph breaks count as white space, so an outlet that splits a
paragraph in two keeps the same shingles. datasketch's :class:`~datasketch.MinHash`
(``affine32`` scheme, :data:`NUM_PERM` permutations) summarises the set of shingles
(its arithmetic done here on whole arrays, bit for bit what datasketch computes: see
:func:`fingerprint_shingles`);
the signature is cut into :data:`BANDS` bands of :data:`BAND_ROWS` values, and each
band becomes one integer key of the persistent LSH index (see :mod:`newsdedup.cluster`).

Why word 3-shingles, 128 permutations, 64 bands of 2 rows (measured by
``eval/eval_links_vntc.py`` and ``bench/bench_links.py``, see ``docs/performance.md``):
3 words are long enough that unrelated Vietnamese articles share few shingles (one
syllable per token, so a 3-shingle is about one English word pair), and short enough
that an edited paragraph keeps most of its shingles. Same-story pairs like the seeds sit
at a Jaccard of 0.2-0.26; bands of 2 rows make such a pair an LSH candidate with
probability ``1 - (1 - J**2) ** 64``: 0.93 at J = 0.2, 0.98 at 0.25, 0.999 at 0.35,
while bands of 3 rows would find it only 29% of the time.

Byte layouts (stored in the archive):

* ``signature``: :data:`NUM_PERM` little-endian ``uint16``: the low 16 bits of each
  MinHash value (a minimum of 32-bit values has its high bits mostly zero; its low bits
  are uniform). Two different values agree by chance with probability 2**-16, which
  biases a Jaccard estimate by 0.00002; it halves the row against 32-bit values.
* band key: a signed 32-bit integer (SQLite stores it in 4 bytes): the MurmurHash3
  64-bit finalizer of ``band << 32 | v[2*band] << 16 | v[2*band + 1]``, cut to its low 32
  bits, over the 16-bit values above. Keys of two different bands may collide (2**-32);
  such a false candidate is dropped by verification.

Example:
    >>> fp = fingerprint("Hôm nay trời đẹp quá. Chúng tôi đi chơi công viên.")
    >>> fp.distinct, len(fp.signature), len(fp.bands)
    (9, 256, 64)
    >>> fingerprint("HÔM NAY trời đẹp quá!  Chúng tôi đi chơi công viên").bands == fp.bands
    True
    >>> fingerprint("   ") is None
    True
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from .errors import REPAIR_INDEX, ArchiveError
from .normalize import cached_map, compare_token, comparison_key, split_tokens

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: Words per shingle.
SHINGLE_SIZE = 3
#: MinHash permutations.
NUM_PERM = 128
#: Bytes of a stored signature (see the module's byte layouts).
SIGNATURE_BYTES = 2 * NUM_PERM
#: Values per LSH band.
BAND_ROWS = 2
#: LSH bands (``BANDS * BAND_ROWS == NUM_PERM``).
BANDS = NUM_PERM // BAND_ROWS
#: Seed of the MinHash permutations: fixed, so fingerprints agree across processes and runs.
SEED = 1
#: Names everything above; stored in the archive so that the index of an archive made with
#: other parameters is refused (until ``newsdedup reindex``) instead of silently compared with
#: incompatible fingerprints.
SCHEME = f"words{SHINGLE_SIZE}-minhash{NUM_PERM}-affine32-seed{SEED}-u16-bands{BANDS}x{BAND_ROWS}-v1"

_WORD = re.compile(r"\w+")
# Odd 64-bit multipliers to combine word hashes into a shingle hash.
_MIX1 = 0x9E3779B97F4A7C15
_MIX2 = 0xC2B2AE3D27D4EB4F
# Shingles per block of the MinHash computation (a block is permutations x shingles, 512 kB):
# an article of average length (about 500 shingles) is one block. On 4,000 VNTC articles' shingles,
# 53 µs an article against 68 µs with blocks of 240 shingles x permutations (the minimum then ran
# across rows, and a mean article took three blocks).
_BLOCK_COLUMNS = 1024
# Shingles of the articles made together in one block by fingerprint_many (2 MB a block).
_GROUP_COLUMNS = 4096


@dataclass(frozen=True)
class Fingerprint:
    """What an article is compared by.

    ``shingles``: the shingle hashes in reading order (little-endian ``uint32``; not
    stored: verification recomputes a stored article's from its blocks).
    ``signature``: see the module's byte layouts. ``bands``: one LSH key per band.
    ``distinct``: number of distinct shingles. ``words``: number of words.
    ``band_probes``: the bands' Bloom-filter probes (:func:`newsdedup.bandfilter.probes`),
    made with the fingerprint so that the writer's lookup need not; empty if not made.
    Derived from ``bands``, so left out of comparisons and ``repr``.
    """

    shingles: bytes
    signature: bytes
    bands: tuple[int, ...]
    distinct: int
    words: int
    band_probes: bytes = field(default=b"", compare=False, repr=False)

    def shingle_array(self) -> npt.NDArray[np.uint32]:
        """The shingle hashes as a numpy array (no copy)."""
        import numpy as np

        return np.frombuffer(self.shingles, dtype="<u4")


def words(text: str) -> list[str]:
    """The words of ``text``'s comparison key: what shingles are made of.

    >>> words("Hòa  “Lạc”, 3.204,3ha!")
    ['hoà', 'lạc', '3', '204', '3ha']
    """
    return _WORD.findall(comparison_key(text))


def shingle_hashes(text: str) -> npt.NDArray[np.uint32]:
    """32-bit hashes of the word :data:`SHINGLE_SIZE`-shingles of ``text``, in order.

    A text with fewer words than a shingle gives one shingle of all its words; an
    empty text gives none. Hashes are stable across processes and Python versions.

    >>> len(shingle_hashes("một hai ba bốn")), len(shingle_hashes("một hai")), len(shingle_hashes(""))
    (2, 1, 0)
    """
    # Only the hashes: verification re-makes the shingles of archived bodies, and the
    # list of comparison tokens would be a tenth of the cost, for nothing.
    return _shingles_of_hashes(_word_hashes(_token_entries(text)))


def _shingles_of_hashes(hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint32]:
    import numpy as np

    if len(hashes) == 0:
        return np.zeros(0, dtype=np.uint32)
    k = SHINGLE_SIZE
    if len(hashes) < k:
        hashes = np.concatenate([hashes, np.zeros(k - len(hashes), dtype=np.uint64)])
    n = len(hashes) - k + 1
    # Combine the k word hashes of each window: h = (w0 * M1 + w1) * M2 + w2 (mod 2**64).
    # Unsigned array overflow is the intended modulo; the high half is the best-mixed.
    combined = hashes[:n].astype(np.uint64)  # a copy: the caller's array stays as it is
    for offset in range(1, k):
        combined *= np.uint64(_MIX1 if offset % 2 else _MIX2)
        combined += hashes[offset : offset + n]
    return (combined >> np.uint64(32)).astype(np.uint32)


def fingerprint(body_text: str) -> Fingerprint | None:
    """The fingerprint of an article's kept body text, or None if it holds no word."""
    return fingerprint_with_key(body_text)[1]


def fingerprint_with_key(body_text: str) -> tuple[str, Fingerprint | None]:
    """The comparison key of a body text (:func:`newsdedup.normalize.comparison_key`) and
    its fingerprint, from one tokenisation: ingestion needs both, the key for the body's
    hash (:func:`newsdedup.normalize.key_hash`).

    >>> key, fp = fingerprint_with_key("Một  HAI ba bốn")
    >>> key, fp == fingerprint("một hai ba bốn")
    ('một hai ba bốn', True)
    """
    key, shingles, word_count = shingles_with_key(body_text)
    return key, None if shingles is None else fingerprint_shingles(shingles, word_count=word_count)


def shingles_with_key(body_text: str) -> tuple[str, npt.NDArray[np.uint32] | None, int]:
    """What :func:`fingerprint_with_key` makes its fingerprint of: the comparison key, the
    shingle hashes (None if the text holds no word) and the number of words. For
    :func:`fingerprint_many`, which makes many articles' fingerprints at once.

    >>> key, shingles, words = shingles_with_key("Một  HAI ba bốn")
    >>> key, len(shingles), words, shingles_with_key("  ")
    ('một hai ba bốn', 2, 4, ('', None, 0))
    """
    key, hashes = _key_and_word_hashes(body_text)
    if len(hashes) == 0:
        return key, None, 0
    return key, _shingles_of_hashes(hashes), len(hashes)


def _key_and_word_hashes(text: str) -> tuple[str, npt.NDArray[np.uint64]]:
    """The comparison key of ``text`` and the hashes of its words, fast.

    News repeats its tokens, so each white-space token is looked up in one cache (in C,
    with ``map``) that gives both its comparison form, a space after it, and its words'
    hashes, packed as bytes: one look-up a token, the key one join (a token of invisible
    characters only is "", with no space: 33 against 46 µs an article joined with spaces
    after such tokens were left out), and the hashes joined into one array without making
    a Python int of each.
    """
    entries = _token_entries(text)
    return "".join(map(itemgetter(0), entries))[:-1], _word_hashes(entries)


def _token_entries(text: str) -> list[tuple[str, bytes]]:
    return cached_map(_TOKEN_ENTRIES, _TOKEN_ENTRIES_MAX, split_tokens(text), _token_entry)


def _word_hashes(entries: list[tuple[str, bytes]]) -> npt.NDArray[np.uint64]:
    import numpy as np

    return np.frombuffer(b"".join(map(itemgetter(1), entries)), dtype="<u8")


def _token_entry(token: str) -> tuple[str, bytes]:
    compared = compare_token(token)
    found = _WORD.findall(compared)
    # Nearly every token is one word: its hash's bytes as they are (a miss of the token
    # cache, 14 of an article's 475 tokens in VNTC, took 3.6 µs against 5.3 with a pack).
    # The comparison form is followed by the space that joins it to the next (see
    # _key_and_word_hashes); a token of invisible characters only has none, nor words.
    spaced = compared + " " if compared else ""
    return spaced, _word_hash(found[0]) if len(found) == 1 else b"".join(map(_word_hash, found))


def fingerprint_shingles(shingles: npt.NDArray[np.uint32], *, word_count: int) -> Fingerprint:
    """The fingerprint of a non-empty array of shingle hashes.

    The signature is datasketch's :class:`~datasketch.MinHash` of the shingles (scheme
    ``affine32``: its permutations, drawn once from :data:`SEED`, after its MurmurHash3
    pre-mix), computed on the whole array at once: ``MinHash.update_batch`` passes every
    value through a Python call and a list, which cost twice the arithmetic itself.
    ``tests/test_fingerprint.py`` checks the values against ``update_batch``.
    """

    from .bandfilter import probes

    values = _hashvalues(shingles).astype("<u2")  # the low 16 bits (a cast to a narrower integer wraps)
    keys = _band_key_array(values)
    return _fingerprint_of(shingles, word_count, values, keys, probes(keys))


def _fingerprint_of(
    shingles: npt.NDArray[np.uint32],
    word_count: int,
    values: npt.NDArray[np.uint16],
    keys: npt.NDArray[np.int32],
    band_probes: bytes,
) -> Fingerprint:
    """The :class:`Fingerprint` of shingles whose signature values, band keys and probes are made."""
    import numpy as np

    ordered = np.sort(shingles)
    return Fingerprint(
        shingles=shingles.astype("<u4").tobytes(),
        signature=values.tobytes(),
        bands=tuple(keys.tolist()),
        distinct=int(np.count_nonzero(ordered[1:] != ordered[:-1])) + 1,
        words=word_count,
        band_probes=band_probes,
    )


def fingerprint_many(arrays: Sequence[npt.NDArray[np.uint32]], word_counts: Sequence[int]) -> list[Fingerprint]:
    """:func:`fingerprint_shingles` of each non-empty array of shingle hashes (with its word
    count), the same fingerprints, made together: NumPy's few microseconds a call,
    paid some forty times an article, are paid once for all. The MinHash of articles of
    up to :data:`_BLOCK_COLUMNS` shingles runs on blocks of whole articles (up to
    :data:`_GROUP_COLUMNS` shingles), each one's minimum taken by ``np.minimum.reduceat``;
    the band keys and their filter probes are
    made for all at once. On 3,200 VNTC articles, in chunks of 32 (as a worker prepares
    them): 107-111 µs an article against 196-203 µs one by one.

    >>> texts = ["một hai ba bốn năm", "sáu bảy tám chín mười một"]
    >>> arrays = [shingle_hashes(t) for t in texts]
    >>> fingerprint_many(arrays, [5, 6]) == [fingerprint(t) for t in texts]
    True
    """
    import numpy as np

    from .bandfilter import probes

    if len(arrays) != len(word_counts):
        raise ValueError(f"one word count an array: got {len(arrays)} arrays and {len(word_counts)} counts")
    if any(len(shingles) == 0 for shingles in arrays):
        raise ValueError("every array must hold at least one shingle")
    if not arrays:
        return []
    arithmetic = _arithmetic()
    a, b = arithmetic.a, arithmetic.b
    hashvalues = np.empty((len(arrays), NUM_PERM), dtype=np.uint32)
    short: list[int] = []
    for at, shingles in enumerate(arrays):
        if len(shingles) > _BLOCK_COLUMNS:  # (a long article alone, a block at a time)
            hashvalues[at] = _hashvalues(shingles)
        else:
            short.append(at)
    start = 0
    while start < len(short):
        # Whole articles, as many as fit in a block (one at least).
        end, columns = start, 0
        while end < len(short) and (end == start or columns + len(arrays[short[end]]) <= _GROUP_COLUMNS):
            columns += len(arrays[short[end]])
            end += 1
        group = [arrays[at] for at in short[start:end]]
        mixed = _fmix(np.concatenate(group).astype(np.uint32), arithmetic.fmix32)
        hashed = np.multiply(a, mixed)
        hashed += b
        offsets = np.cumsum([0, *(len(shingles) for shingles in group[:-1])])
        hashvalues[short[start:end]] = np.minimum.reduceat(hashed, offsets, axis=1).T
        start = end
    values = hashvalues.astype("<u2")  # the low 16 bits (a cast to a narrower integer wraps)
    keys = _band_key_array(values)
    # Per article its 64 word numbers, then its 64 masks (the layout of probes()).
    made = np.frombuffer(probes(keys.ravel()), dtype="<u8").reshape(2, len(arrays), BANDS)
    made = np.ascontiguousarray(made.transpose(1, 0, 2))
    return [
        _fingerprint_of(shingles, words, values[at], keys[at], made[at].tobytes())
        for at, (shingles, words) in enumerate(zip(arrays, word_counts, strict=True))
    ]


def _hashvalues(shingles: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """The :data:`NUM_PERM` MinHash values of an array of shingle hashes (see :func:`fingerprint_shingles`)."""
    import numpy as np

    arithmetic = _arithmetic()
    a, b = arithmetic.a, arithmetic.b
    mixed = _fmix(shingles.astype(np.uint32), arithmetic.fmix32)
    # Unsigned arithmetic wraps around: the modulo 2**32 of datasketch's affine32 scheme.
    if len(mixed) <= _BLOCK_COLUMNS:
        hashed = np.multiply(a, mixed)
        hashed += b
        hashvalues: npt.NDArray[np.uint32] = hashed.min(axis=1)
        return hashvalues
    # Permutations x shingles, a block of shingles at a time in one buffer: a whole long
    # article's matrix (megabytes) would be a fresh mapping of the allocator each call.
    block = np.empty((NUM_PERM, _BLOCK_COLUMNS), dtype=np.uint32)
    hashvalues = np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)
    for start in range(0, len(mixed), _BLOCK_COLUMNS):
        part = mixed[start : start + _BLOCK_COLUMNS]
        hashed = block[:, : len(part)]
        np.multiply(a, part, out=hashed)
        hashed += b
        np.minimum(hashvalues, hashed.min(axis=1), out=hashvalues)
    return hashvalues


def band_keys(values: npt.NDArray[np.uint16]) -> tuple[int, ...]:
    """The :data:`BANDS` LSH keys of a signature's values (layout in the module docstring)."""
    return tuple(_band_key_array(values).tolist())


def joined_signatures(rows: Iterable[tuple[int, bytes]]) -> bytes:
    """The stored signatures of ``(article_id, signature)`` rows, joined end to end.

    Raises:
        ArchiveError: a signature is not :data:`SIGNATURE_BYTES` long (the first such article is named).

    >>> joined_signatures([(4, bytes(256)), (9, b"x")])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    newsdedup.errors.ArchiveError: the fingerprint of article 9 is damaged: its signature is not 256 bytes; ...
    >>> joined_signatures([(4, bytes(255)), (5, bytes(257))])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    newsdedup.errors.ArchiveError: the fingerprint of article 4 is damaged: its signature is not 256 bytes; ...
    """
    rows = list(rows)
    try:
        # Each length, not the total: two damaged signatures may add up to the right total.
        if set(map(len, (signature for _, signature in rows))) <= {SIGNATURE_BYTES}:
            return b"".join(signature for _, signature in rows)
    except TypeError:  # a value that is not bytes (a damaged row): named below
        pass
    damaged = next(
        article for article, signature in rows if not isinstance(signature, bytes) or len(signature) != SIGNATURE_BYTES
    )
    raise ArchiveError(
        f"the fingerprint of article {damaged} is damaged: its signature is not {SIGNATURE_BYTES} bytes; {REPAIR_INDEX}"
    )


def signature_band_keys(signatures: bytes) -> npt.NDArray[np.int32]:
    """The band keys of stored signatures joined end to end (:data:`SIGNATURE_BYTES`
    each), all in one go: an array of :data:`BANDS` keys a signature, in its order.

    >>> x, y = fingerprint("một hai ba bốn năm"), fingerprint("sáu bảy tám chín mười")
    >>> keys = signature_band_keys(x.signature + y.signature)
    >>> keys.shape, tuple(keys[1].tolist()) == y.bands
    ((2, 64), True)
    """
    import numpy as np

    if len(signatures) % SIGNATURE_BYTES:
        raise ValueError(f"signatures must be {SIGNATURE_BYTES} bytes each, got {len(signatures)} bytes in all")
    return _band_key_array(np.frombuffer(signatures, dtype="<u2").reshape(-1, NUM_PERM))


def _band_key_array(values: npt.NDArray[np.uint16]) -> npt.NDArray[np.int32]:
    """The band keys of a signature's values; of many signatures' at once, as rows of ``values``."""
    import numpy as np

    arithmetic = _arithmetic()
    # A band is two values (BAND_ROWS): as one big-endian 32-bit word, v[2*band] << 16 | v[2*band + 1].
    packed = values.astype(">u2").view(">u4").astype(np.uint64)
    packed |= arithmetic.band_numbers
    # A cast to 32 bits keeps the low half (a cast to a narrower integer wraps).
    keys: npt.NDArray[np.int32] = _fmix(packed, arithmetic.fmix64).astype(np.uint32).view(np.int32)
    return keys


def signature_values(signature: bytes) -> npt.NDArray[np.uint16]:
    """A stored signature as an array of :data:`NUM_PERM` 16-bit values."""
    import numpy as np

    return np.frombuffer(signature, dtype="<u2")


def estimate_jaccard(a: bytes, b: bytes) -> float:
    """The Jaccard similarity estimated from two stored signatures.

    >>> x = fingerprint("một hai ba bốn năm sáu bảy tám chín mười")
    >>> estimate_jaccard(x.signature, x.signature)
    1.0
    """
    import numpy as np

    return float(np.count_nonzero(signature_values(a) == signature_values(b))) / NUM_PERM


def _fmix(values: Any, constants: tuple[Any, Any, Any, Any, Any]) -> Any:
    """MurmurHash3's finalizer, in place on ``values`` (a new array the caller owns), with
    the ``(shift, multiplier, shift, multiplier, shift)`` of its width: see :class:`_Arithmetic`
    (array arithmetic wraps around without a warning)."""
    shift1, multiplier1, shift2, multiplier2, shift3 = constants
    values ^= values >> shift1
    values *= multiplier1
    values ^= values >> shift2
    values *= multiplier2
    values ^= values >> shift3
    return values


class _Arithmetic:
    """The arrays and scalars of a fingerprint's arithmetic, made once a process rather than
    at every call (with fewer array operations: 106-107 against 141-145 µs a fingerprint of
    a VNE article, timed alone). A plain class: a dataclass costs every process 0.7 ms to define."""

    __slots__ = ("a", "b", "band_numbers", "fmix32", "fmix64")

    def __init__(self, a: Any, b: Any, fmix32: Any, fmix64: Any, band_numbers: Any) -> None:
        self.a, self.b = a, b  # the permutations' multipliers and offsets, as columns (a permutation a row)
        self.fmix32 = fmix32  # (shift, multiplier, shift, multiplier, shift): datasketch's pre-mix (affine32)
        self.fmix64 = fmix64  # the same for the band keys' mix
        self.band_numbers = band_numbers  # band << 32, for each band


@lru_cache(maxsize=1)
def _arithmetic() -> _Arithmetic:
    import numpy as np

    a, b = _permutations()[:, :, np.newaxis]
    u32, u64 = np.uint32, np.uint64
    return _Arithmetic(
        a=a,
        b=b,
        fmix32=(u32(16), u32(0x85EBCA6B), u32(13), u32(0xC2B2AE35), u32(16)),
        fmix64=(u64(33), u64(0xFF51AFD7ED558CCD), u64(33), u64(0xC4CEB9FE1A85EC53), u64(33)),
        band_numbers=np.arange(BANDS, dtype=u64) << u64(32),
    )


@lru_cache(maxsize=1)
def _permutations() -> Any:
    """The ``(a, b)`` arrays of datasketch's affine32 permutations for :data:`SEED`.

    Drawn the way ``MinHash(NUM_PERM, seed=SEED, scheme="affine32")`` draws them (NumPy's
    legacy ``RandomState``, whose stream NumPy keeps stable): importing datasketch would
    cost every worker process 56 MB and 0.85 s, for two arrays, because its package
    imports SciPy for ``MinHashLSH``. ``tests/test_fingerprint.py`` checks they are
    datasketch's own.
    """
    import numpy as np

    generator = np.random.RandomState(SEED)
    # An odd multiplier makes h -> a * h + b (mod 2**32) a bijection.
    a = generator.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return np.array([a, b])


# Word hashes (8 bytes, read as a little-endian uint64): a language has few distinct words,
# so a cache makes hashing one dict look-up per word. It is emptied when it grows too
# large (names, numbers).
_WORD_HASHES: dict[str, bytes] = {}
_WORD_HASHES_MAX = 1 << 16
# White-space tokens of a text (split_tokens, as written) -> their comparison form and a space
# ("" for invisible characters only) and their words' hashes (little-endian uint64); emptied when it grows too large.
_TOKEN_ENTRIES: dict[str, tuple[str, bytes]] = {}
_TOKEN_ENTRIES_MAX = 1 << 16


def _word_hash(word: str) -> bytes:
    value = _WORD_HASHES.get(word)
    if value is None:
        if len(_WORD_HASHES) >= _WORD_HASHES_MAX:
            _WORD_HASHES.clear()
        value = _WORD_HASHES[word] = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
    return value
