"""Comparison keys: Vietnamese tone placement, Unicode forms, case, spaces, punctuation."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdedup import normalize
from newsdedup.normalize import (
    body_hash,
    comparison_key,
    comparison_tokens,
    is_single_spaced,
    line_key,
    retone_word,
    squeeze_spaces,
    word_count,
)

# Syllables written with the tone on either vowel, in real use both ways.
OLD_NEW_PAIRS = [
    ("hòa", "hoà"),
    ("khóa", "khoá"),
    ("thủy", "thuỷ"),
    ("Hòa Lạc", "Hoà Lạc"),
    ("xòe", "xoè"),
    ("lũy", "luỹ"),
    ("tòa", "toà"),
    ("hóa", "hoá"),
    ("quỳ", "quỳ"),
    ("thúy", "thuý"),
]


def test_old_and_new_tone_placement_give_one_key() -> None:
    for old, new in OLD_NEW_PAIRS:
        assert comparison_key(old) == comparison_key(new), (old, new)


def test_different_words_keep_different_keys() -> None:
    distinct = ["hoà", "hoá", "hỏa", "hoa", "hòn", "thuỷ", "thủ", "DN", "doanh nghiệp", "ma", "má", "mà", "mả"]
    keys = [comparison_key(w) for w in distinct]
    assert len(set(keys)) == len(distinct)


def test_unchanged_syllables() -> None:
    for word in ["hoàn", "ngoài", "của", "quá", "giá", "gì", "người", "tuổi", "hữu", "khuya", "xoáy", "được"]:
        assert retone_word(word) == unicodedata.normalize("NFC", word)


def test_nfc_nfd_case_space_quotes_dashes() -> None:
    text = "Hà Nội “mới” – 2020…"
    variant = '  HÀ\u00a0NỘI "mới" - 2020...  '
    assert comparison_key(unicodedata.normalize("NFD", text)) == comparison_key(variant)
    assert comparison_key("a\u200bb") == "ab"


def test_non_vietnamese_words_are_left_alone() -> None:
    assert comparison_key("Élève café") == "élève café"
    assert comparison_key("naïve résumé") == "naïve résumé"


def test_body_hash_ignores_wrapping_and_is_none_for_blank() -> None:
    assert body_hash(["Một hai", "ba"]) == body_hash(["một  hai ba"])
    assert body_hash([]) is None
    assert body_hash(["  ", "\n"]) is None


vietnamese_text = st.text(
    alphabet=st.sampled_from(list("aăâeêioôơuưyđbcdghklmnpqrstvx HOÀÁẢÃẠòóỏõọùúủũụ.,\u00a0\u201c\u201d-")),
    max_size=60,
)


@given(vietnamese_text)
def test_key_is_idempotent(text: str) -> None:
    key = comparison_key(text)
    assert comparison_key(key) == key


@given(vietnamese_text)
def test_key_ignores_unicode_form_and_case(text: str) -> None:
    key = comparison_key(text)
    assert comparison_key(unicodedata.normalize("NFD", text)) == key
    assert comparison_key(text.upper()) == key


syllable_bases = st.sampled_from(["hoa", "khoa", "thuy", "xoe", "toa", "luy", "hoan", "ngoai", "mua", "tuoi"])
tones = st.sampled_from(["\u0300", "\u0301", "\u0303", "\u0309", "\u0323"])


@given(syllable_bases, tones, st.data())
def test_tone_position_never_matters(base: str, tone: str, data: st.DataObject) -> None:
    vowel_positions = [i for i, c in enumerate(base) if c in "aeiouy"]
    first, second = data.draw(st.sampled_from(vowel_positions)), data.draw(st.sampled_from(vowel_positions))
    a = unicodedata.normalize("NFC", base[: first + 1] + tone + base[first + 1 :])
    b = unicodedata.normalize("NFC", base[: second + 1] + tone + base[second + 1 :])
    assert comparison_key(a) == comparison_key(b)


@given(vietnamese_text)
def test_tokens_join_to_the_key_whatever_the_cache_holds(text: str) -> None:
    key = comparison_key(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(normalize, "_TOKEN_CACHE", {})
        patch.setattr(normalize, "_TOKEN_CACHE_MAX", 2)  # cleared on nearly every new token
        assert comparison_key(text) == key
        assert comparison_tokens(text) == key.split()


def test_line_keys_are_the_comparison_keys_and_the_cache_stays_bounded() -> None:
    lines = ["Ý KIẾN  của bạn", "ý kiến của bạn", "Tin  liên quan", "Chia sẻ", "Ý KIẾN  của bạn"]
    assert [line_key(line) for line in lines] == [comparison_key(line) for line in lines]
    for n in range(5000):
        line_key(f"Dòng {n}")
    info = line_key.cache_info()
    assert info.maxsize is not None and info.currsize == info.maxsize  # full, never over


def test_every_white_space_character_but_the_space_is_unprintable() -> None:
    # What is_single_spaced relies on, checked over all of Unicode (in this Python's tables).
    splitting = [c for c in map(chr, range(0x110000)) if len(f"a{c}b".split()) != 1]
    assert " " in splitting
    assert [c for c in splitting if c != " " and c.isprintable()] == []


spaced_text = st.text(alphabet=st.sampled_from(list("ab ờ\t\n\u00a0\u200b\u2003\u3000.")), max_size=30)


@given(spaced_text)
def test_whitespace_helpers_agree_with_splitting(text: str) -> None:
    assert squeeze_spaces(text) == " ".join(text.split())
    assert word_count(text) == len(text.split())
    assert is_single_spaced(text) <= (text == " ".join(text.split()))


special_text = st.text(
    alphabet=st.sampled_from(list("hòa thủy ab 3,1 \u201c\u201d\u2018\u2019\u2013\u2014\u2026\u200b\u00ad\ufeff")),
    max_size=40,
)


@given(special_text)
def test_tokens_made_plain_one_by_one_are_those_of_the_text_made_plain(text: str) -> None:
    # The key as it was made before tokens were made plain one at a time: the whole text first.
    plain = normalize._SPECIAL.sub(normalize._replace_special, unicodedata.normalize("NFC", text).lower())
    expected = [normalize.retone_token(token) for token in plain.split()]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(normalize, "_TOKEN_CACHE", {})
        assert comparison_tokens(text) == expected
        assert comparison_tokens(text) == expected  # from the cache
    assert comparison_key(text) == " ".join(expected)
