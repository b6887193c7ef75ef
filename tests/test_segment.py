"""Tokens with spans, sentence splitting and the token vocabulary."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from newsdedup.segment import Vocabulary, sentences, tokenize


def test_tokens_keep_their_spans_and_compare_by_key() -> None:
    text = "Khu công nghệ cao  Hòa Lạc, khóa học 3.204,3ha; “DN”"
    tokens = tokenize(text)
    assert [text[t.start : t.end] for t in tokens] == [
        "Khu", "công", "nghệ", "cao", "Hòa", "Lạc", ",", "khóa", "học", "3.204,3", "ha", ";", "“", "DN", "”",
    ]  # fmt: skip
    assert [t.key for t in tokenize("HOÀ Lạc KHOÁ")] == [t.key for t in tokenize("hòa lạc khóa")]


def test_nfd_text_stays_one_token_per_syllable() -> None:
    nfd = unicodedata.normalize("NFD", "Thành phố Hòa Bình")
    tokens = tokenize(nfd)
    assert len(tokens) == 4
    assert [t.key for t in tokens] == [t.key for t in tokenize("Thành phố Hoà Bình")]
    assert "".join(nfd[t.start : t.end] for t in tokens) == nfd.replace(" ", "")


def test_sentences_split_on_stops_and_semicolons_but_not_abbreviations() -> None:
    text = "TP. Hà Nội có 30 quận. GS. Nguyễn V. A nói: “Tốt”. Bộ sẽ làm; Phối hợp với TP. xong 3.5 triệu."
    tokens = tokenize(text)
    found = [text[tokens[s].start : tokens[e - 1].end] for s, e in sentences(text, tokens)]
    assert found == [
        "TP. Hà Nội có 30 quận.",
        "GS. Nguyễn V. A nói: “Tốt”.",
        "Bộ sẽ làm;",
        "Phối hợp với TP. xong 3.5 triệu.",
    ]


def test_a_sentence_does_not_end_before_lower_case() -> None:
    text = "Giá tăng 5 lần... nhưng vẫn thấp."
    tokens = tokenize(text)
    assert sentences(text, tokens) == [(0, len(tokens))]


@given(st.text(max_size=200))
def test_sentences_cover_every_token_once(text: str) -> None:
    tokens = tokenize(text)
    ranges = sentences(text, tokens)
    covered = [i for start, end in ranges for i in range(start, end)]
    assert covered == list(range(len(tokens)))
    assert all(t.key for t in tokens)
    assert all(text[t.start : t.end].strip() == text[t.start : t.end] != "" for t in tokens)


def test_vocabulary_skips_the_surrogate_range() -> None:
    vocab = Vocabulary()
    code = vocab.encode([str(i) for i in range(0xD800 + 10)])
    assert len(code) == 0xD800 + 10 == len(vocab)
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in code)
    code.encode("utf-8")  # no lone surrogate
    assert vocab.encode(["0", "1"]) == code[:2]


def test_i_y_spelling_variants_share_a_key() -> None:
    def keys(text: str) -> list[str]:
        return [t.key for t in tokenize(text)]

    assert keys("tỉ kĩ lí sĩ quí hi mĩ") == keys("TỶ kỹ lý sỹ quý hy mỹ")
    assert keys("quy định") == keys("qui định")
    assert keys("ly") != keys("li")  # a glass, a millimetre
    assert keys("ý kiến") == ["ý", "kiến"]  # no onset: not a variant
    assert keys("tay") != keys("tai") and keys("thủy") == ["thuỷ"]
