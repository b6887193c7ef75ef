"""Words and sentences of a paragraph, with where each sits in the displayed text.

The aligner compares comparison keys (see :mod:`newsdedup.normalize`), which
also fold the i/y spelling variants here ("tỉ"/"tỷ"), but shows people the
original text, so every token keeps its character span in the text it came
from. A token is a number ("3.204,3", "20.267"), a word (letters, digits and
combining marks, so NFD text stays one word per syllable) or one punctuation
character: punctuation changes ("cao." vs "cao;") are then small, separate edits.

For the fast string routines of rapidfuzz, a :class:`Vocabulary` turns each
paragraph's token keys into a string with one character per token: comparing
those strings compares word sequences.

Example:
    >>> tokens = tokenize("Khu công nghệ cao Hòa Lạc; 3.204,3ha.")
    >>> [t.key for t in tokens]
    ['khu', 'công', 'nghệ', 'cao', 'hoà', 'lạc', ';', '3.204,3', 'ha', '.']
    >>> tokens[4].start, tokens[4].end
    (18, 21)
    >>> vocab = Vocabulary()
    >>> vocab.encode(["hoà", "lạc"]) == vocab.encode(["hoà", "lạc"]) != vocab.encode(["lạc", "hoà"])
    True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from .normalize import comparison_key

# Combining marks, so that "Hòa" written in NFD (o + U+0300) stays one word.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_TOKEN = re.compile(rf"\d+(?:[.,]\d+)*|[\w{_MARKS}]+|[^\s{_MARKS}]")

# A sentence ends at one of these, when the next token opens a new sentence.
_SENTENCE_END = frozenset({".", "!", "?", "…", ";"})
_OPENERS = frozenset("\"'“‘«([")
# Abbreviations that a full stop does not end a sentence after ("TP. Hà Nội",
# "GS. Nguyễn"); initials ("Nguyễn V. A") are handled as single letters.
_ABBREVIATIONS = frozenset(
    {"tp", "tx", "tt", "q", "p", "ts", "gs", "pgs", "ths", "bs", "ks", "ls", "mr", "mrs", "ms", "dr"}
)

_KEY_CACHE: dict[str, str] = {}
_KEY_CACHE_MAX = 1 << 18

# The i/y spelling variants of the 1980s spelling reform: a syllable made of one
# onset and a lone i or y is written either way ("tỉ"/"tỷ", "kĩ"/"kỹ", "lí"/"lý",
# "sĩ"/"sỹ", "quí"/"quý", "hi vọng"/"hy vọng"), and outlets keep to their own
# habit. Folded to i here, for the aligner only (stored hashes are unaffected).
# Untoned "ly" (a glass) and "li" (a millimetre) are different words: kept apart.
_I_FOR_Y = dict(zip("yýỳỷỹỵ", "iíìỉĩị", strict=True))
_IY_FOLD = {
    onset + y: onset + i
    for onset in ("h", "k", "l", "m", "s", "t", "qu")
    for y, i in _I_FOR_Y.items()
    if not (onset == "l" and y == "y")
}


class Token(NamedTuple):
    """One token: its comparison key and its span ``[start, end)`` in the text.

    A named tuple rather than a dataclass: an article has thousands of them,
    and a tuple is built several times faster.
    """

    key: str
    start: int
    end: int


def tokenize(text: str) -> tuple[Token, ...]:
    """The tokens of ``text`` in order, keyed for comparison.

    >>> [t.key for t in tokenize("DN “bán lẻ”")]
    ['dn', '"', 'bán', 'lẻ', '"']
    >>> [t.key for t in tokenize("1.500 tỷ, KỸ sư, quy định, ly")]
    ['1.500', 'tỉ', ',', 'kĩ', 'sư', ',', 'qui', 'định', ',', 'ly']
    """
    cache = _KEY_CACHE
    out = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        key = cache.get(token) or _key(token)
        start, end = match.span()
        out.append(Token(key, start, end))
    return tuple(out)


def _key(token: str) -> str:
    key = _KEY_CACHE.get(token)
    if key is None:
        if len(_KEY_CACHE) >= _KEY_CACHE_MAX:
            _KEY_CACHE.clear()
        # A token can normalise to nothing (a zero-width character): keep it
        # as itself so every token has a non-empty key.
        key = comparison_key(token) or token
        key = _KEY_CACHE[token] = _IY_FOLD.get(key, key)
    return key


def sentences(text: str, tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """Sentences as token ranges ``[first, last)`` covering all ``tokens``.

    A sentence ends at ``. ! ? … ;`` followed by a token that opens a sentence
    (a capital letter, a digit or an opening quote), except after a single
    letter or a known abbreviation. The semicolon counts because Vietnamese
    reports join whole sentences with it ("...; Phối hợp hướng dẫn ...").

    >>> text = "Ông A. Nguyễn đến TP. Hà Nội. Ông nói; Bộ sẽ làm. xong"
    >>> toks = tokenize(text)
    >>> [text[toks[s].start : toks[e - 1].end] for s, e in sentences(text, toks)]
    ['Ông A. Nguyễn đến TP. Hà Nội.', 'Ông nói;', 'Bộ sẽ làm. xong']
    """
    out: list[tuple[int, int]] = []
    start = 0
    for i in range(len(tokens) - 1):
        if tokens[i].key not in _SENTENCE_END or not _opens_sentence(text, tokens[i + 1]):
            continue
        if tokens[i].key == "." and i > start and _is_abbreviation(text, tokens[i - 1], tokens[i]):
            continue
        out.append((start, i + 1))
        start = i + 1
    if start < len(tokens):
        out.append((start, len(tokens)))
    return out


def _opens_sentence(text: str, token: Token) -> bool:
    first = text[token.start]
    return first.isupper() or first.isdigit() or first in _OPENERS


def _is_abbreviation(text: str, word: Token, stop: Token) -> bool:
    if word.end != stop.start:  # "ông A ." is not an abbreviation
        return False
    raw = text[word.start : word.end]
    return (len(raw) == 1 and raw.isalpha()) or word.key in _ABBREVIATIONS


class Vocabulary:
    """Maps token keys to single characters, so a token sequence becomes a string.

    rapidfuzz compares strings in C; a string with one character per token
    lets its LCS and opcode routines work on words. Code points skip the
    surrogate range, which a Python string may hold but no encoder accepts.

    >>> v = Vocabulary()
    >>> v.encode(["a", "b", "a"])
    '\\x00\\x01\\x00'
    >>> len(v)
    2
    """

    def __init__(self) -> None:
        self._codes: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._codes)

    def encode(self, keys: Sequence[str]) -> str:
        """One character per key, the same character for the same key."""
        codes = self._codes
        out = []
        for key in keys:
            code = codes.get(key)
            if code is None:
                n = len(codes)
                code = codes[key] = chr(n if n < 0xD800 else n + 0x800)
            out.append(code)
        return "".join(out)
