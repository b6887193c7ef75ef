"""Fingerprints: shingles of the normalised body, MinHash signature, LSH band keys."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsdedup import bandfilter
from newsdedup import fingerprint as fingerprint_module
from newsdedup.fingerprint import (
    BANDS,
    NUM_PERM,
    estimate_jaccard,
    fingerprint,
    fingerprint_many,
    fingerprint_shingles,
    fingerprint_with_key,
    shingle_hashes,
)
from newsdedup.normalize import comparison_tokens

TEXT = "Chiều 13/8, Thường trực Thành ủy Hà Nội làm việc với Ban Cán sự Đảng Bộ Công thương về kết quả phối hợp."


def test_spelling_variants_give_the_same_fingerprint() -> None:
    variants = [
        TEXT,
        TEXT.upper(),
        TEXT.replace("ủy", "uỷ"),  # the other tone-mark placement
        "  " + TEXT.replace(" ", "\n\n") + "  ",  # paragraph breaks and white space
        TEXT.replace(",", " ,").replace(".", " !"),  # punctuation does not count
    ]
    prints = [fingerprint(v) for v in variants]
    assert all(p is not None for p in prints)
    assert len({(p.signature, p.bands) for p in prints if p is not None}) == 1


def test_layout_and_sizes() -> None:
    fp = fingerprint(TEXT)
    assert fp is not None
    assert len(fp.signature) == 2 * NUM_PERM and len(fp.bands) == BANDS
    assert all(-(2**31) <= key < 2**31 for key in fp.bands)  # stored by SQLite in 4 bytes
    assert fp.words == 24 and len(fp.shingle_array()) == 22 and fp.distinct == 22


def test_empty_and_tiny_texts() -> None:
    assert fingerprint("") is None and fingerprint(" \n ,;- ") is None
    one = fingerprint("Hà")
    assert one is not None and one.words == 1 and one.distinct == 1


def test_hashes_are_stable_across_processes() -> None:
    # Stored signatures must compare with tomorrow's: no per-process hash seed.
    code = f"from newsdedup.fingerprint import shingle_hashes as s; print(s({TEXT!r}).tolist())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(shingle_hashes(TEXT).tolist())


def test_fingerprints_of_archived_articles_do_not_change() -> None:
    # Archives store signatures and band keys: a change to normalising, word hashing or
    # MinHash that alters them must come with a new SCHEME. Values from scheme v1's code.
    fp = fingerprint(
        "Chiều 13/8, Thường trực Thành uỷ Hà Nội họp bàn về công tác phòng chống dịch Covid-19 trên địa bàn thành phố."
    )
    assert fp is not None
    assert fp.bands[:4] == (-207571271, 1330639637, 315940749, 714324233)
    assert fp.signature[:8].hex() == "5448989ae6425c80"
    assert (fp.distinct, fp.words) == (22, 24)


def test_permutations_are_datasketchs() -> None:
    import numpy as np
    from datasketch import MinHash

    from newsdedup.fingerprint import SEED, _permutations

    expected = MinHash(NUM_PERM, seed=SEED, scheme="affine32").permutations
    assert _permutations().dtype == expected.dtype and np.array_equal(_permutations(), expected)


def test_fingerprinting_does_not_import_datasketch() -> None:
    # datasketch's package imports SciPy (56 MB a worker process); fingerprints need neither.
    code = (
        f"import sys; from newsdedup.fingerprint import fingerprint; fingerprint({TEXT!r}); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('datasketch', 'scipy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=3000))
@example([(n * 2_654_435_761) % 2**32 for n in range(2500)])  # three blocks of the computation
def test_signature_is_datasketch_minhash(values: list[int]) -> None:
    # fingerprint_shingles does datasketch's arithmetic on the whole array: it must give
    # exactly what MinHash.update_batch gives, with the same permutations.
    import numpy as np
    from datasketch import MinHash

    from newsdedup.fingerprint import SEED, fingerprint_shingles

    minhash = MinHash(NUM_PERM, seed=SEED, hashfunc=int, scheme="affine32")  # its own permutations
    minhash.update_batch(values)
    fp = fingerprint_shingles(np.array(values, dtype=np.uint32), word_count=len(values) + 2)
    assert fp.signature == (minhash.hashvalues & 0xFFFF).astype("<u2").tobytes()
    assert fp.distinct == len(set(values))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["Hòa", "hoà", "thủy,", "Covid-19", "3.204,3ha", "“Lạc”", "một", "ba!", "x"]), max_size=40)
)
def test_token_caches_never_change_a_fingerprint(word_list: list[str]) -> None:
    text = " ".join(word_list)
    fresh = fingerprint(text)
    with pytest.MonkeyPatch.context() as patch:
        # Caches emptied and kept tiny: every look-up misses or follows a clearing.
        patch.setattr(fingerprint_module, "_TOKEN_ENTRIES", {})
        patch.setattr(fingerprint_module, "_TOKEN_ENTRIES_MAX", 3)
        patch.setattr(fingerprint_module, "_WORD_HASHES", {})
        patch.setattr(fingerprint_module, "_WORD_HASHES_MAX", 2)
        assert fingerprint_with_key(text) == (" ".join(comparison_tokens(text)), fresh)
        assert fingerprint(text) == fresh


def test_a_token_of_invisible_characters_leaves_no_trace() -> None:
    # Made plain a token at a time, "\u200b" alone becomes an empty token: not a double space in the key.
    key, fp = fingerprint_with_key("Một \u200b hai \ufeff\u00ad ba bốn")
    assert key == "một hai ba bốn"
    assert fp == fingerprint("một hai ba bốn")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám"]), min_size=30, max_size=200))
def test_estimate_tracks_the_exact_jaccard(word_list: list[str]) -> None:
    a = " ".join(word_list)
    b = " ".join(word_list[: len(word_list) // 2] + ["khác"] * 5 + word_list[len(word_list) // 2 :])
    fa, fb = fingerprint(a), fingerprint(b)
    assert fa is not None and fb is not None
    sa, sb = set(shingle_hashes(a).tolist()), set(shingle_hashes(b).tolist())
    exact = len(sa & sb) / len(sa | sb)
    # 128 permutations: the standard error is at most 0.045; allow five of them.
    assert abs(estimate_jaccard(fa.signature, fb.signature) - exact) < 0.23


def test_similar_texts_share_bands_and_unrelated_ones_do_not() -> None:
    base = " ".join(f"câu thứ {i} kể chuyện số {i * 7} ở phường {i % 13}" for i in range(60))
    edited = base.replace("phường 5", "quận 5")
    other = " ".join(f"đoạn {i} viết điều {i * 3} về xã {i % 11}" for i in range(60))
    fb, fe, fo = fingerprint(base), fingerprint(edited), fingerprint(other)
    assert fb is not None and fe is not None and fo is not None
    assert len(set(fb.bands) & set(fe.bands)) > BANDS // 2
    assert not set(fb.bands) & set(fo.bands)


def test_a_fingerprint_carries_its_bands_probes() -> None:
    fp = fingerprint("Hôm nay trời đẹp quá. Chúng tôi đi chơi công viên.")
    assert fp is not None and fp.band_probes == bandfilter.probes(fp.bands)
    assert dataclasses.replace(fp, band_probes=b"") == fp  # derived: not part of equality


ARRAYS = st.lists(
    st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=40).map(lambda v: np.array(v, dtype=np.uint32)),
    max_size=12,
)


@settings(max_examples=80, deadline=None)
@given(ARRAYS, st.sampled_from([(1024, 4096), (8, 16), (4, 4), (16, 8)]))
def test_fingerprints_made_together_are_those_made_one_by_one(arrays: list[np.ndarray], sizes: tuple[int, int]) -> None:
    # Small blocks and groups, so that long articles, groups of several and groups of one all occur.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fingerprint_module, "_BLOCK_COLUMNS", sizes[0])
        patch.setattr(fingerprint_module, "_GROUP_COLUMNS", sizes[1])
        words = [len(a) + 2 for a in arrays]
        together = fingerprint_many(arrays, words)
        alone = [fingerprint_shingles(a, word_count=w) for a, w in zip(arrays, words, strict=True)]
    assert together == alone
    assert [fp.band_probes for fp in together] == [fp.band_probes for fp in alone]  # (not compared by ==)


def test_fingerprints_made_together_refuse_what_they_cannot_make() -> None:
    with pytest.raises(ValueError, match="one word count an array: got 1 arrays and 2 counts"):
        fingerprint_many([np.array([1], dtype=np.uint32)], [3, 4])
    with pytest.raises(ValueError, match="every array must hold at least one shingle"):
        fingerprint_many([np.zeros(0, dtype=np.uint32)], [0])


def test_fingerprints_made_together_at_the_real_block_sizes() -> None:
    # Articles at and over the block's 1,024 shingles, and groups that fill 4,096 exactly.
    rng = np.random.default_rng(7)
    lengths = [1, 1024, 1025, 2048, 2048, 4095, 1, 1023, 1024, 1024, 1024, 5000, 3]
    arrays = [rng.integers(0, 2**32, n, dtype=np.uint32) for n in lengths]
    together = fingerprint_many(arrays, lengths)
    alone = [fingerprint_shingles(a, word_count=n) for a, n in zip(arrays, lengths, strict=True)]
    assert together == alone
    assert [fp.band_probes for fp in together] == [fp.band_probes for fp in alone]


@given(st.text(alphabet=st.sampled_from(list("ab hòa thủy \u200b\u00ad“”—…\t\n.,")), max_size=40))
def test_the_key_made_with_the_fingerprint_is_the_comparison_key(text: str) -> None:
    from newsdedup.fingerprint import fingerprint_with_key, words
    from newsdedup.normalize import comparison_key

    key, fp = fingerprint_with_key(text)
    assert key == comparison_key(text)
    assert (fp is None) == (not words(text))
