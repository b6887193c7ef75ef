"""Paragraph alignment of two articles: what they share, what each changed, what each alone carries.

The kept blocks of each article are compared section by section: the body
(roles in :data:`~newsdedup.records.BODY_ROLES`), captions, and the title,
dateline and byline, which are slots: one is always compared with the other.
Inside a section:

1. Every paragraph becomes a sequence of word keys (:mod:`newsdedup.segment`),
   so tone-mark placement, case and quote style never count as changes, while
   "DN" against "doanh nghiệp" does.
2. The similarity of two passages is ``2 * LCS / (words in both)``, LCS being
   the longest common word subsequence (rapidfuzz's Indel similarity over
   words). A dynamic programme finds the in-order alignment with the most
   shared words, each group weighted by its similarity, using 1:1 steps and
   1:2, 1:3, 2:1, 3:1 steps (one outlet splits what the other keeps whole). A
   group must reach ``config.align_min_similarity``, and a split or merge
   must be more similar than any part of it, so every paragraph in it earns
   its place.
3. Paragraphs left over are paired out of order when they match (``moved``)
   and have at least ``config.reuse_min_words`` words.
4. For body paragraphs still unmatched, each sentence is looked for in the
   other article (best word window, ``config.reuse_min_similarity``), so a
   sentence copied into an otherwise different paragraph is found.
5. Every matched group gets its word-level changes (rapidfuzz opcodes over
   the word sequences), with character spans in the displayed text.

The result does not depend on argument order: the two articles are put in a
canonical order (by their comparison keys) before aligning and the result is
mirrored back, so ``diff A B`` and ``diff B A`` show the same correspondence.

Example:
    >>> from newsdedup.records import Block
    >>> a = [Block(0, "body", "Bộ Công thương hỗ trợ DN bán lẻ nội địa."), Block(1, "body", "Hòa Lạc.")]
    >>> b = [Block(0, "body", "Bộ Công thương hỗ trợ doanh nghiệp bán lẻ nội địa."), Block(1, "body", "Hoà Lạc.")]
    >>> [(g.kind, g.a, g.b) for g in align_blocks(a, b)]
    [('changed', (0,), (0,)), ('identical', (1,), (1,))]
    >>> [(c.op, c.a_text, c.b_text) for c in align_blocks(a, b)[0].changes]
    [('replace', 'DN', 'doanh nghiệp')]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, LCSseq

from .config import Config
from .records import BODY_ROLES, Article, Block
from .segment import Token, Vocabulary, sentences, tokenize

Kind = Literal["identical", "changed", "split", "merged", "moved", "only-a", "only-b"]
#: Every group kind, in the order reports list them.
KINDS: tuple[str, ...] = ("identical", "changed", "split", "merged", "moved", "only-a", "only-b")
#: Kinds of groups that pair passages of both articles.
MATCHED_KINDS: frozenset[str] = frozenset({"identical", "changed", "split", "merged", "moved"})
#: Sections in the order they are aligned and reported.
SECTIONS: tuple[str, ...] = ("title", "dateline", "body", "caption", "byline", "other")
# One block per article, compared whatever their similarity.
_SLOTS = frozenset({"title", "dateline", "byline"})
_SECTION_OF_ROLE = {"title": "title", "dateline": "dateline", "caption": "caption", "byline": "byline"}
_MIRROR_KIND = {"split": "merged", "merged": "split", "only-a": "only-b", "only-b": "only-a"}
# An equal run of at most this many words between two changes is shown as
# part of one replacement: "a x b y c" -> "a z b w c" reads better as one
# rewrite than as four fragments.
_MAX_ISLAND = 2
# Ties between equally good alignments are broken in favour of matching.
_MATCH_BONUS = 1e-6


@dataclass(frozen=True)
class Span:
    """Characters ``[start, end)`` of the text of block ``block`` (its index, as in ``show --json``)."""

    block: int
    start: int
    end: int

    def to_dict(self) -> dict[str, int]:
        """A JSON-ready dict."""
        return {"block": self.block, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Change:
    """A word-level change inside a matched group: words deleted from A, inserted in B, or both.

    ``a`` and ``b`` are the affected text spans (one per block touched); ``a_text``
    and ``b_text`` the affected words as displayed, spans joined by a space.
    """

    op: Literal["insert", "delete", "replace"]
    a: tuple[Span, ...]
    b: tuple[Span, ...]
    a_text: str
    b_text: str

    def mirrored(self) -> Change:
        """The same change seen from the other article."""
        return Change(_op_name(self.b, self.a), self.b, self.a, self.b_text, self.a_text)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "op": self.op,
            "a": self.a_text,
            "b": self.b_text,
            "a_spans": [s.to_dict() for s in self.a],
            "b_spans": [s.to_dict() for s in self.b],
        }


@dataclass(frozen=True)
class Reuse:
    """A sentence of an unmatched paragraph found again in the other article.

    ``a`` and ``b`` are where the shared words sit in each article;
    ``similarity`` is their word-level similarity (1.0: copied as is).
    """

    a: Span
    b: Span
    similarity: float

    def mirrored(self) -> Reuse:
        """The same reuse seen from the other article."""
        return Reuse(self.b, self.a, self.similarity)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {"a": self.a.to_dict(), "b": self.b.to_dict(), "similarity": self.similarity}


@dataclass(frozen=True)
class Group:
    """One passage: the blocks of A and of B that hold it, and how they differ.

    ``kind`` is ``identical`` or ``changed`` (one paragraph each, in order),
    ``split`` (one A paragraph in 2-3 consecutive B paragraphs), ``merged``
    (the reverse), ``moved`` (one paragraph each, out of order; ``similarity``
    tells if it changed), ``only-a`` or ``only-b``. ``a`` and ``b`` are block
    indices, empty on the side where the passage is absent. ``similarity`` is
    0 for unmatched passages; their ``reused`` sentences say what of them the
    other article still carries.
    """

    section: str
    kind: str
    a: tuple[int, ...]
    b: tuple[int, ...]
    similarity: float
    changes: tuple[Change, ...] = ()
    reused: tuple[Reuse, ...] = ()

    def mirrored(self) -> Group:
        """The same group with A and B swapped."""
        return Group(
            section=self.section,
            kind=_MIRROR_KIND.get(self.kind, self.kind),
            a=self.b,
            b=self.a,
            similarity=self.similarity,
            changes=tuple(c.mirrored() for c in self.changes),
            reused=tuple(r.mirrored() for r in self.reused),
        )

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "section": self.section,
            "kind": self.kind,
            "a": list(self.a),
            "b": list(self.b),
            "similarity": self.similarity,
            "changes": [c.to_dict() for c in self.changes],
            "reused": [r.to_dict() for r in self.reused],
        }


@dataclass(frozen=True)
class Alignment:
    """The alignment of two articles: their groups, section by section, in reading order."""

    a: Article
    b: Article
    groups: tuple[Group, ...]

    def section(self, name: str) -> tuple[Group, ...]:
        """The groups of one section (``body``, ``caption``, ``title``, ...)."""
        return tuple(g for g in self.groups if g.section == name)

    def counts(self, section: str = "body") -> dict[str, int]:
        """How many groups of each kind a section has (every kind listed).

        >>> Alignment(_stub(1), _stub(2), ()).counts()["identical"]
        0
        """
        out = dict.fromkeys(KINDS, 0)
        for g in self.section(section):
            out[g.kind] += 1
        return out

    def mirrored(self) -> Alignment:
        """The alignment of B with A."""
        return Alignment(self.b, self.a, _reading_order([g.mirrored() for g in self.groups]))


def align_articles(a: Article, b: Article, config: Config | None = None) -> Alignment:
    """Align two archived articles (see the module docstring).

    Example:
        >>> from newsdedup.records import Block
        >>> x = replace(_stub(1), blocks=(Block(0, "title", "T"), Block(1, "body", "Một hai ba bốn.")))
        >>> y = replace(_stub(2), blocks=(Block(0, "title", "T"), Block(1, "body", "Một hai ba bốn.")))
        >>> [g.kind for g in align_articles(x, y).groups]
        ['identical', 'identical']
    """
    return Alignment(a, b, align_blocks(a.blocks, b.blocks, config))


def align_blocks(a: Sequence[Block], b: Sequence[Block], config: Config | None = None) -> tuple[Group, ...]:
    """Align the kept blocks of two articles; dropped blocks take no part.

    Every kept block appears in exactly one group, on its own side.
    """
    config = config or Config()
    vocab = Vocabulary()
    units_a = _units(a, vocab)
    units_b = _units(b, vocab)
    swap = _order_key(units_a) > _order_key(units_b)
    if swap:
        units_a, units_b = units_b, units_a
    groups: list[Group] = []
    for section in SECTIONS:
        groups += _align_section(section, units_a.get(section, []), units_b.get(section, []), config)
    if swap:
        groups = [g.mirrored() for g in groups]
    return _reading_order(groups)


def section_of(block: Block) -> str | None:
    """The section a block is compared in, or None for dropped blocks.

    >>> section_of(Block(0, "subheading", "x")), section_of(Block(1, "caption", "y"))
    ('body', 'caption')
    >>> section_of(Block(2, "body", "z", kept=False)) is None
    True
    """
    if not block.kept:
        return None
    if block.role in BODY_ROLES:
        return "body"
    return _SECTION_OF_ROLE.get(block.role, "other")


# -- units -----------------------------------------------------------------


@dataclass
class _Unit:
    """One block as the aligner sees it: its tokens and their encoded string."""

    block: Block
    tokens: tuple[Token, ...]
    code: str
    sentences: list[tuple[int, int]] | None = field(default=None)

    @property
    def words(self) -> int:
        """Tokens that are words or numbers, not punctuation."""
        return sum(1 for t in self.tokens if t.key[0].isalnum())

    def sentence_ranges(self) -> list[tuple[int, int]]:
        if self.sentences is None:
            self.sentences = sentences(self.block.text, self.tokens)
        return self.sentences


def _units(blocks: Iterable[Block], vocab: Vocabulary) -> dict[str, list[_Unit]]:
    out: dict[str, list[_Unit]] = {}
    for block in blocks:
        section = section_of(block)
        if section is None:
            continue
        tokens = tokenize(block.text)
        out.setdefault(section, []).append(_Unit(block, tokens, vocab.encode([t.key for t in tokens])))
    return out


def _order_key(units: dict[str, list[_Unit]]) -> list[tuple[str, list[list[str]]]]:
    return [(s, [[t.key for t in u.tokens] for u in units.get(s, [])]) for s in SECTIONS]


# -- one section -----------------------------------------------------------


@dataclass(frozen=True)
class _Match:
    a: tuple[int, ...]  # positions in the section's unit list
    b: tuple[int, ...]
    common: int  # words in common (LCS)
    similarity: float
    moved: bool = False


def _align_section(section: str, ua: list[_Unit], ub: list[_Unit], config: Config) -> list[Group]:
    if section in _SLOTS and len(ua) == 1 and len(ub) == 1:
        common = LCSseq.similarity(ua[0].code, ub[0].code)
        matches = [_Match((0,), (0,), common, _similarity(common, len(ua[0].code), len(ub[0].code)))]
    else:
        matches = _Aligner(ua, ub, config).run()
    groups = [_matched_group(section, m, ua, ub) for m in matches]
    used_a = {i for m in matches for i in m.a}
    used_b = {j for m in matches for j in m.b}
    free_a = [i for i in range(len(ua)) if i not in used_a]
    free_b = [j for j in range(len(ub)) if j not in used_b]
    reuse_a: dict[int, list[Reuse]] = {}
    reuse_b: dict[int, list[Reuse]] = {}
    if section == "body":
        reuse_a, reuse_b = _find_reuse(ua, ub, free_a, free_b, config)
    groups += [
        Group(section, "only-a", (ua[i].block.index,), (), 0.0, reused=tuple(reuse_a.get(i, ()))) for i in free_a
    ]
    groups += [
        Group(section, "only-b", (), (ub[j].block.index,), 0.0, reused=tuple(reuse_b.get(j, ()))) for j in free_b
    ]
    return groups


def _similarity(common: int, len_a: int, len_b: int) -> float:
    return 2 * common / (len_a + len_b) if len_a + len_b else 1.0


class _Aligner:
    """The dynamic programme and the moved-paragraph pass over one section."""

    def __init__(self, ua: list[_Unit], ub: list[_Unit], config: Config) -> None:
        self.ua, self.ub = ua, ub
        self.threshold = config.align_min_similarity
        self.max_group = config.align_max_group
        self.min_words = config.reuse_min_words
        self.len_a = [len(u.code) for u in ua]
        self.len_b = [len(u.code) for u in ub]
        self.words_a = [u.words for u in ua]
        self.words_b = [u.words for u in ub]
        self.common: list[list[int]] = []
        if ua and ub:
            matrix = process.cdist([u.code for u in ua], [u.code for u in ub], scorer=LCSseq.similarity, workers=1)
            self.common = matrix.tolist()
        # Whether a paragraph can be one piece of a split or a merge with a
        # given paragraph of the other side: a piece must bring more than half
        # the group's similarity in shared words (see _check_group), so more
        # than threshold / 2 of its words must be shared with that paragraph.
        # b_piece[i][j]: B paragraph j can be a piece of a split of A paragraph i;
        # a_piece[i][j]: A paragraph i can be a piece of a merge into B paragraph j.
        t = self.threshold
        self.b_piece = [[2 * c > t * n > 0 for c, n in zip(row, self.len_b, strict=True)] for row in self.common]
        self.a_piece = [[2 * c > t * self.len_a[i] > 0 for c in row] for i, row in enumerate(self.common)]
        self._groups: dict[tuple[str, int, int, int], _Match | None] = {}

    def run(self) -> list[_Match]:
        if not self.ua or not self.ub:
            return []
        matches = self._monotone()
        return matches + self._moved(matches)

    def _pair(self, i: int, j: int) -> _Match | None:
        common = self.common[i][j]
        sim = _similarity(common, self.len_a[i], self.len_b[j])
        if sim < self.threshold:
            return None
        return _Match((i,), (j,), common, sim)

    def _group(self, side: str, one: int, first: int, k: int) -> _Match | None:
        """One paragraph (``one``) against ``k`` consecutive ones from ``first`` on the other side."""
        key = (side, one, first, k)
        if key in self._groups:
            return self._groups[key]
        self._groups[key] = result = self._check_group(side, one, first, k)
        return result

    def _check_group(self, side: str, one: int, first: int, k: int) -> _Match | None:
        if side == "a":  # one A paragraph, k B paragraphs
            one_len, many_len = self.len_a[one], self.len_b
            common = [self.common[one][first + t] for t in range(k)]
        else:
            one_len, many_len = self.len_b[one], self.len_a
            common = [self.common[first + t][one] for t in range(k)]
        lengths = [many_len[first + t] for t in range(k)]
        # Cheap necessary conditions before the exact LCS: each piece must bring
        # more than half the group's similarity in shared words, and the group
        # as a whole could reach the threshold.
        if any(n == 0 or c * 2 <= self.threshold * n for c, n in zip(common, lengths, strict=True)):
            return None
        if _similarity(min(one_len, sum(common)), one_len, sum(lengths)) < self.threshold:
            return None
        shared, sim = self._exact(side, one, first, k)
        if sim < self.threshold:
            return None
        # Every part of the group must do worse than the whole.
        for size in range(1, k):
            for start in range(first, first + k - size + 1):
                if self._exact(side, one, start, size)[1] >= sim:
                    return None
        pieces = tuple(range(first, first + k))
        if side == "a":
            return _Match((one,), pieces, shared, sim)
        return _Match(pieces, (one,), shared, sim)

    def _exact(self, side: str, one: int, first: int, k: int) -> tuple[int, float]:
        if side == "a":
            if k == 1:
                common = self.common[one][first]
                return common, _similarity(common, self.len_a[one], self.len_b[first])
            x, ys = self.ua[one].code, "".join(u.code for u in self.ub[first : first + k])
        else:
            if k == 1:
                common = self.common[first][one]
                return common, _similarity(common, self.len_a[first], self.len_b[one])
            x, ys = self.ub[one].code, "".join(u.code for u in self.ua[first : first + k])
        common = LCSseq.similarity(x, ys)
        return common, _similarity(common, len(x), len(ys))

    def _monotone(self) -> list[_Match]:
        n, m = len(self.ua), len(self.ub)
        best = [[0.0] * (m + 1) for _ in range(n + 1)]
        back: list[list[tuple[int, int, _Match | None]]] = [[(0, 0, None)] * (m + 1) for _ in range(n + 1)]
        for i in range(n + 1):
            for j in range(m + 1):
                if i == 0 and j == 0:
                    continue
                # Matches first, so that on a tie the earlier candidate (a match) stays.
                top = -1.0
                choice: tuple[int, int, _Match | None] = (0, 0, None)
                for match in self._matches_ending_at(i, j):
                    score = best[i - len(match.a)][j - len(match.b)] + match.common * match.similarity + _MATCH_BONUS
                    if score > top:
                        top, choice = score, (len(match.a), len(match.b), match)
                if i > 0 and best[i - 1][j] > top:
                    top, choice = best[i - 1][j], (1, 0, None)
                if j > 0 and best[i][j - 1] > top:
                    top, choice = best[i][j - 1], (0, 1, None)
                best[i][j], back[i][j] = top, choice
        matches: list[_Match] = []
        i, j = n, m
        while i or j:
            di, dj, step = back[i][j]
            if step is not None:
                matches.append(step)
            i, j = i - di, j - dj
        matches.reverse()
        return matches

    def _matches_ending_at(self, i: int, j: int) -> Iterable[_Match]:
        """Valid groups whose last paragraphs are ``i - 1`` in A and ``j - 1`` in B."""
        if i == 0 or j == 0:
            return
        pair = self._pair(i - 1, j - 1)
        if pair is not None:
            yield pair
        b_piece, a_piece = self.b_piece[i - 1], self.a_piece
        for k in range(2, self.max_group + 1):
            if j >= k and all(b_piece[j - k : j]) and (group := self._group("a", i - 1, j - k, k)) is not None:
                yield group
            if (
                i >= k
                and all(a_piece[t][j - 1] for t in range(i - k, i))
                and (group := self._group("b", j - 1, i - k, k)) is not None
            ):
                yield group

    def _moved(self, matches: list[_Match]) -> list[_Match]:
        used_a = {i for m in matches for i in m.a}
        used_b = {j for m in matches for j in m.b}
        # A moved passage must be long enough to be recognised out of context:
        # one-word lines and table cells ("TT", "64") would pair by chance.
        long_a = [i for i in range(len(self.ua)) if i not in used_a and self.words_a[i] >= self.min_words]
        long_b = [j for j in range(len(self.ub)) if j not in used_b and self.words_b[j] >= self.min_words]
        candidates = [pair for i in long_a for j in long_b if (pair := self._pair(i, j)) is not None]
        candidates.sort(key=lambda p: (-p.common * p.similarity, p.a, p.b))
        moved: list[_Match] = []
        for pair in candidates:
            if pair.a[0] in used_a or pair.b[0] in used_b:
                continue
            used_a.add(pair.a[0])
            used_b.add(pair.b[0])
            moved.append(replace(pair, moved=True))
        return moved


# -- groups, changes and reuse -------------------------------------------------


def _matched_group(section: str, match: _Match, ua: list[_Unit], ub: list[_Unit]) -> Group:
    units_a = [ua[i] for i in match.a]
    units_b = [ub[j] for j in match.b]
    code_a = "".join(u.code for u in units_a)
    code_b = "".join(u.code for u in units_b)
    if match.moved:
        kind = "moved"
    elif len(units_a) > 1:
        kind = "merged"
    elif len(units_b) > 1:
        kind = "split"
    else:
        kind = "identical" if code_a == code_b else "changed"
    return Group(
        section=section,
        kind=kind,
        a=tuple(u.block.index for u in units_a),
        b=tuple(u.block.index for u in units_b),
        similarity=round(match.similarity, 3),
        changes=_changes(units_a, units_b, code_a, code_b),
    )


def _changes(units_a: list[_Unit], units_b: list[_Unit], code_a: str, code_b: str) -> tuple[Change, ...]:
    if code_a == code_b:
        return ()
    # Non-equal runs separated by nothing, or by a short equal island, become one change.
    runs: list[list[int]] = []  # [a_start, a_end, b_start, b_end]
    last_equal: tuple[int, int] | None = None  # (a_start, a_end) of the equal run before the current point
    for op in Indel.opcodes(code_a, code_b):
        if op.tag == "equal":
            last_equal = (op.src_start, op.src_end)
            continue
        island = last_equal[1] - last_equal[0] if last_equal is not None else 0
        if runs and island <= _MAX_ISLAND and 2 * island < _run_size(runs[-1]) + _op_size(op):
            runs[-1][1] = max(runs[-1][1], op.src_end)
            runs[-1][3] = max(runs[-1][3], op.dest_end)
        else:
            runs.append([op.src_start, op.src_end, op.dest_start, op.dest_end])
        last_equal = None
    tokens_a = [(u.block, t) for u in units_a for t in u.tokens]
    tokens_b = [(u.block, t) for u in units_b for t in u.tokens]
    out = []
    for a0, a1, b0, b1 in runs:
        spans_a, spans_b = _spans(tokens_a[a0:a1]), _spans(tokens_b[b0:b1])
        text_a, text_b = _span_text(spans_a, units_a), _span_text(spans_b, units_b)
        out.append(Change(_op_name(spans_a, spans_b), spans_a, spans_b, text_a, text_b))
    return tuple(out)


def _op_name(spans_a: tuple[Span, ...], spans_b: tuple[Span, ...]) -> Literal["insert", "delete", "replace"]:
    if spans_a and spans_b:
        return "replace"
    return "delete" if spans_a else "insert"


def _run_size(run: list[int]) -> int:
    return max(run[1] - run[0], run[3] - run[2])


def _op_size(op: Any) -> int:
    return int(max(op.src_end - op.src_start, op.dest_end - op.dest_start))


def _spans(tokens: list[tuple[Block, Token]]) -> tuple[Span, ...]:
    spans: list[Span] = []
    for block, token in tokens:
        if spans and spans[-1].block == block.index:
            spans[-1] = Span(block.index, spans[-1].start, token.end)
        else:
            spans.append(Span(block.index, token.start, token.end))
    return tuple(spans)


def _span_text(spans: tuple[Span, ...], units: list[_Unit]) -> str:
    texts = {u.block.index: u.block.text for u in units}
    return " ".join(texts[s.block][s.start : s.end] for s in spans)


@dataclass(frozen=True)
class _Sentence:
    unit: int  # position in the section's unit list
    first: int  # token range in the unit
    last: int
    code: str
    words: int


def _sentences_of(units: list[_Unit], positions: Iterable[int], min_words: int) -> list[_Sentence]:
    out = []
    for p in positions:
        unit = units[p]
        for first, last in unit.sentence_ranges():
            words = sum(1 for t in unit.tokens[first:last] if t.key[0].isalnum())
            if words >= min_words:
                out.append(_Sentence(p, first, last, unit.code[first:last], words))
    return out


def _find_reuse(
    ua: list[_Unit], ub: list[_Unit], free_a: list[int], free_b: list[int], config: Config
) -> tuple[dict[int, list[Reuse]], dict[int, list[Reuse]]]:
    """Sentences of unmatched paragraphs found again anywhere in the other article."""
    reuse_a: dict[int, list[Reuse]] = {}
    reuse_b: dict[int, list[Reuse]] = {}
    if not free_a and not free_b:
        return reuse_a, reuse_b
    cutoff = config.reuse_min_similarity
    # partial_ratio >= c needs the shorter sentence to share at least
    # c / (2 - c) of its words with the longer one (a window shorter than the
    # sentence, at an end of the longer one, is the worst case): the LCS
    # matrix, fifty times cheaper than partial_ratio, rules most pairs out.
    bound = cutoff / (2 - cutoff)
    all_a = _sentences_of(ua, range(len(ua)), config.reuse_min_words)
    all_b = _sentences_of(ub, range(len(ub)), config.reuse_min_words)
    for own, other, own_units, other_units, free, out, flip in (
        (all_a, all_b, ua, ub, set(free_a), reuse_a, False),
        (all_b, all_a, ub, ua, set(free_b), reuse_b, True),
    ):
        queries = [s for s in own if s.unit in free]
        if not queries or not other:
            continue
        common = process.cdist([s.code for s in queries], [s.code for s in other], scorer=LCSseq.similarity, workers=1)
        for q, row in zip(queries, common.tolist(), strict=True):
            candidates = []
            for c, shared in enumerate(row):
                if shared < bound * min(len(q.code), len(other[c].code)):
                    continue
                score = fuzz.partial_ratio(q.code, other[c].code, score_cutoff=cutoff * 100)
                if score:
                    candidates.append((-score, -other[c].words, c))
            # The best match whose shared words, on both sides, are enough to count.
            for _, _, c in sorted(candidates):
                found = _reuse(q, other[c], own_units, other_units, config.reuse_min_words)
                if found is not None:
                    out.setdefault(q.unit, []).append(found.mirrored() if flip else found)
                    break
    return reuse_a, reuse_b


def _reuse(
    own: _Sentence, other: _Sentence, own_units: list[_Unit], other_units: list[_Unit], min_words: int
) -> Reuse | None:
    """Where the two sentences share words: the shorter one, and its best window in the longer.

    None if either side of the shared passage has fewer than ``min_words`` words.
    """
    short, long_ = (own, other) if len(own.code) <= len(other.code) else (other, own)
    hit = fuzz.partial_ratio_alignment(short.code, long_.code)
    if hit is None:
        return None
    span_short, words_short = _sentence_span(
        short, hit.src_start, hit.src_end, own_units if short is own else other_units
    )
    span_long, words_long = _sentence_span(
        long_, hit.dest_start, hit.dest_end, own_units if long_ is own else other_units
    )
    if min(words_short, words_long) < min_words:
        return None
    span_own, span_other = (span_short, span_long) if short is own else (span_long, span_short)
    return Reuse(span_own, span_other, round(hit.score / 100, 3))


def _sentence_span(sentence: _Sentence, start: int, end: int, units: list[_Unit]) -> tuple[Span, int]:
    """The text span of tokens ``[start, end)`` of a sentence, and how many words it holds."""
    unit = units[sentence.unit]
    tokens = unit.tokens[sentence.first + start : sentence.first + max(end, start + 1)]
    words = sum(1 for t in tokens if t.key[0].isalnum())
    return Span(unit.block.index, tokens[0].start, tokens[-1].end), words


# -- order -----------------------------------------------------------------


def _reading_order(groups: Iterable[Group]) -> tuple[Group, ...]:
    """Sections in :data:`SECTIONS` order; inside one, in-order matches as anchors,
    and between two anchors first what only A has (and A's moved passages), then
    what only B has, each in its own article's order."""
    by_section: dict[str, list[Group]] = {}
    for g in groups:
        by_section.setdefault(g.section, []).append(g)
    out: list[Group] = []
    for section in SECTIONS:
        members = by_section.get(section, [])
        anchors = sorted((g for g in members if g.a and g.b and g.kind != "moved"), key=lambda g: g.a[0])
        anchor_a = [g.a[0] for g in anchors]
        anchor_b = [g.b[0] for g in anchors]

        def key(g: Group, anchor_a: list[int] = anchor_a, anchor_b: list[int] = anchor_b) -> tuple[int, int, int]:
            if g.a and g.b and g.kind != "moved":
                return (anchor_a.index(g.a[0]), 0, 0)
            if g.a:
                return (sum(1 for x in anchor_a if x < g.a[0]) - 1, 1, g.a[0])
            return (sum(1 for x in anchor_b if x < g.b[0]) - 1, 2, g.b[0])

        out += sorted(members, key=key)
    return tuple(out)


def _stub(article_id: int) -> Article:
    """An empty article, for examples."""
    return Article(article_id, None, None, None, None, None, None, None, "text", None, "", None, None, "")
