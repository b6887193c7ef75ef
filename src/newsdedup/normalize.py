"""Comparison keys: text normalised so that spelling variants compare equal.

Keys are for comparing and hashing only; the text shown to people keeps its
original spelling. A key is NFC, lower-cased, with one placement of the
Vietnamese tone mark per syllable ("hòa"/"hoà", "thủy"/"thuỷ" give one key),
straight quotes, ASCII hyphens, no zero-width characters, and single spaces.

Example:
    >>> comparison_key("  Hòa  Lạc “mới” — THỦY ") == comparison_key("Hoà Lạc \\"mới\\" - thuỷ")
    True
    >>> comparison_key("doanh nghiệp") == comparison_key("DN")
    False
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

# The five Vietnamese tone marks as combining characters (NFD).
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_VOWELS = frozenset("aăâeêioôơuưy")
# Vowels that carry a quality diacritic; the tone goes on them when present.
_MARKED_VOWELS = frozenset("ăâêôơư")
# Two-vowel endings that the "new style" writes with the tone on the second vowel.
_NEW_STYLE_PAIRS = frozenset({"oa", "oe", "uy"})

_WORD = re.compile(r"\w+")
# Quote, dash and ellipsis variants, and invisible characters (zero-width, soft hyphen).
_REPLACEMENTS: dict[str, str] = {
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032`\u00b4", "'"),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    "\u2026": "...",
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
}
_SPECIAL = re.compile("[" + "".join(_REPLACEMENTS) + "]")

_T = TypeVar("_T")


def _replace_special(match: re.Match[str]) -> str:
    return _REPLACEMENTS[match.group(0)]


def comparison_key(text: str) -> str:
    """Normalise ``text`` for comparison (see the module docstring).

    >>> comparison_key("Khóa\\u00a0HỌC")
    'khoá học'
    """
    return " ".join(comparison_tokens(text))


# Lines of at most 40 words (the longest a template line can be), titles, and lines up to
# twice a title's length: a few hundred characters, so 4,096 of them, key and all, hold a few MB.
@lru_cache(maxsize=1 << 12)
def line_key(text: str) -> str:
    """:func:`comparison_key` of a line, remembered; for short lines (a title, a heading,
    a caption, a template line), not whole articles. Preparing an article keys its short
    lines up to three times (cleaning looks for site templates and a repeated title, then
    the template counts hash them), and a site's template lines recur in every article.
    Bounded: past 4,096 lines, the least recently keyed are forgotten.

    >>> line_key("Ý KIẾN  của bạn") == comparison_key("Ý KIẾN  của bạn")
    True
    """
    return comparison_key(text)


def comparison_tokens(text: str) -> list[str]:
    """The white-space tokens of ``text``'s comparison key (what :func:`comparison_key` joins).

    >>> comparison_tokens("  Hòa  “Lạc”! \u200b ")
    ['hoà', '"lạc"!']
    """
    # Only tokens not seen before are made plain and retoned, in Python.
    return without_empty(cached_map(_TOKEN_CACHE, _TOKEN_CACHE_MAX, split_tokens(text), compare_token))


def without_empty(tokens: list[str]) -> list[str]:
    """``tokens`` but those :func:`compare_token` left empty (invisible characters only).

    >>> without_empty(["a", "", "b"])
    ['a', 'b']
    """
    return tokens if "" not in tokens else [token for token in tokens if token]


def split_tokens(text: str) -> list[str]:
    """The white-space tokens of ``text`` in NFC and lower case, as written otherwise:
    what :func:`compare_token` makes comparison tokens of, one by one.

    >>> split_tokens("  Hòa  “Lạc”! ")
    ['hòa', '“lạc”!']
    """
    return unicodedata.normalize("NFC", text).lower().split()


def compare_token(token: str) -> str:
    """A token of :func:`split_tokens` as :func:`comparison_tokens` gives it: quotes,
    dashes and ellipses made plain, invisible characters dropped (which may leave
    nothing), and each word's tone mark in its canonical place (:func:`retone_word`).

    Made plain a token at a time rather than in the whole text (by a regex that calls
    Python at every special character: 12 µs for a 3 kB article), so that a token seen
    before costs one cache look-up. None of the characters replaced is white space, so
    the tokens are those of the text made plain first.

    >>> compare_token("“hòa,thủy”"), compare_token("\u200b")
    ('"hoà,thuỷ"', '')
    """
    return retone_token(_SPECIAL.sub(_replace_special, token))


def squeeze_spaces(text: str) -> str:
    """``text``'s words joined by single spaces (``" ".join(text.split())``), without
    splitting a text that is so already, as most lines of a cleaned article are.

    >>> squeeze_spaces(" Một\u00a0 hai\tba "), squeeze_spaces("một hai")
    ('Một hai ba', 'một hai')
    """
    if text[-1:] == " ":
        # Half the lines of VNTC's files end in a space, and are single-spaced without it:
        # stripped first, they need no split (24 against 57 µs for an article's lines).
        text = text.rstrip(" ")
    return text if is_single_spaced(text) else " ".join(text.split())


def word_count(text: str) -> int:
    """The number of white-space separated words in ``text`` (``len(text.split())``),
    counted without making them when ``text`` is single-spaced.

    >>> word_count("một hai ba"), word_count(" một  hai "), word_count("")
    (3, 2, 0)
    """
    if is_single_spaced(text):
        return text.count(" ") + 1 if text else 0
    return len(text.split())


def is_single_spaced(text: str) -> bool:
    """True if ``text`` is its words joined by single ASCII spaces: ``text == " ".join(text.split())``.

    Splitting makes a string of every word; this scans the text in C (a 3 kB article's
    lines squeezed: 36 µs against 55). Every white-space character but the ASCII space is
    unprintable (Unicode's "Other" and "Separator" categories; ``tests/test_normalize.py``
    checks all of them), so a printable text holds no other, and one without two spaces in a row or at
    either end is single-spaced. (Some single-spaced texts are unprintable, say with a
    zero-width space: those are split, with the same result.)

    >>> is_single_spaced("một hai"), is_single_spaced("một  hai"), is_single_spaced("một\u00a0hai")
    (True, False, False)
    """
    return text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "


def cached_map(cache: dict[str, _T], limit: int, keys: list[str], compute: Callable[[str], _T]) -> list[_T]:
    """``compute`` of each key, from ``cache`` where it is there; what is computed is stored
    (``cache`` is emptied first when it holds ``limit`` entries).

    News repeats its tokens, so nearly every key is in the cache: they are looked up in C
    (``map``), and ``list.index`` finds the few misses (names, numbers, a word with new
    punctuation), so Python runs once a miss, not once a key.

    >>> cache = {"a": "A"}
    >>> cached_map(cache, 10, ["a", "b", "b"], str.upper), sorted(cache)
    (['A', 'B', 'B'], ['a', 'b'])
    """
    found = list(map(cache.get, keys))
    try:
        at = found.index(None)
        while True:
            key = keys[at]
            value = cache.get(key)  # a key missed earlier in the same list
            if value is None:
                if len(cache) >= limit:
                    cache.clear()
                value = cache[key] = compute(key)
            found[at] = value
            at = found.index(None, at + 1)
    except ValueError:  # no miss left
        pass
    return found  # type: ignore[return-value]


def body_hash(paragraphs: Iterable[str]) -> str | None:
    """SHA-256 of the comparison key of the paragraphs, or None if they hold no word.

    Paragraph breaks count as white space, so re-wrapping a text keeps its hash. A body
    of punctuation alone ("* * *", "…") has no hash: like an empty one, it is no text to
    compare, and two such bodies are not copies of each other.

    >>> body_hash(["a  b", "c"]) == body_hash(["A b c"])
    True
    >>> body_hash(["", "  "]) is None, body_hash(["* * *", "— …"]) is None
    (True, True)
    """
    return key_hash(comparison_key(" ".join(paragraphs)))


def key_hash(key: str) -> str | None:
    """SHA-256 of a comparison key already made (see :func:`body_hash`), or None if it
    holds no word (the words :mod:`newsdedup.fingerprint` shingles: a body with a hash has
    a fingerprint).

    >>> key_hash(comparison_key("A  b")) == body_hash(["a", "B"])
    True
    >>> key_hash(""), key_hash('"..." -')
    (None, None)
    """
    if _WORD.search(key) is None:
        return None
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def retone_word(word: str) -> str:
    """Put a lower-case word's single tone mark on its canonical vowel.

    Words with no tone mark, with several, with no vowel or with two vowel
    groups (none of them one Vietnamese syllable) are returned unchanged. The
    canonical place follows the "new style" rule.

    >>> retone_word("hòa"), retone_word("khóa"), retone_word("thủy"), retone_word("quý")
    ('hoà', 'khoá', 'thuỷ', 'quý')
    >>> retone_word("thùy") == retone_word("thuỳ") and retone_word("hoàn") == "hoàn"
    True
    """
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in _TONES]
    if len(tones) != 1:
        return word
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
    position = _tone_position(base)
    if position is None:
        return word
    letter = base[position]
    toned = unicodedata.normalize("NFC", letter + tones[0])
    return base[:position] + toned + base[position + 1 :]


# A language has a few thousand syllables: a token cache makes retoning nearly
# free (one dict look-up per word). It is emptied when it grows too large: with
# 2**16 tokens, preparing 24k VNTC articles took the same time per article as with
# 2**18, and the process grew by 42 MB instead of 57 MB.
_TOKEN_CACHE: dict[str, str] = {}
_TOKEN_CACHE_MAX = 1 << 16


def retone_token(token: str) -> str:
    """A token with the tone mark of each of its words in its canonical place
    (:func:`retone_word`).

    >>> retone_token('"hòa,thủy"')
    '"hoà,thuỷ"'
    """
    # An ASCII token (numbers, English) has no tone mark to move.
    return token if token.isascii() else _WORD.sub(_retone_match, token)


def _retone_match(match: re.Match[str]) -> str:
    # A new token is mostly known words with new punctuation or numbers: the words are
    # cached too (a one-word token is its own word, so the entries agree).
    word = match.group(0)
    known = _TOKEN_CACHE.get(word)
    if known is None:
        known = _TOKEN_CACHE[word] = retone_word(word)
    return known


def _tone_position(base: str) -> int | None:
    """Index of the vowel that carries the tone in a toneless syllable, or None."""
    start = 0
    # "qu" and "gi" (before a vowel) are consonants: their u and i are not vowels.
    if (base.startswith("qu") and len(base) > 2) or (base.startswith("gi") and len(base) > 2 and base[2] in _VOWELS):
        start = 2
    first = next((i for i in range(start, len(base)) if base[i] in _VOWELS), None)
    if first is None:
        # "gì", "quạ"-less edge cases: fall back to the last vowel in the word.
        vowels = [i for i, c in enumerate(base) if c in _VOWELS]
        return vowels[-1] if vowels else None
    end = first
    while end < len(base) and base[end] in _VOWELS:
        end += 1
    if any(c in _VOWELS for c in base[end:]):
        return None  # two vowel groups: not one Vietnamese syllable ("café")
    nucleus = range(first, end)
    marked = [i for i in nucleus if base[i] in _MARKED_VOWELS]
    if marked:
        return marked[-1]
    if len(nucleus) == 1:
        return first
    has_final = end < len(base)
    if len(nucleus) >= 3:
        return first + 1
    if has_final or base[first:end] in _NEW_STYLE_PAIRS:
        return end - 1
    return first
