"""Comparison of N articles (a cluster): passages x outlets, and what each outlet alone adds.

One article is the pivot. Each other article is aligned with it
(:func:`newsdedup.align.align_articles`); every body paragraph of the pivot is a
passage, and each article's cell in that passage says whether it carries it:

``present``  the same text (after normalisation), wherever it sits;
``changed``  an edited version: rewritten, split or merged with a neighbour;
``partial``  not the paragraph, but at least one of its sentences;
``absent``   nothing of it.

Paragraphs an article has that the pivot lacks become new passages, placed
after the pivot passage they follow in that article; later articles are
matched against them too, with the same aligner, so a passage that two outlets
share and the pivot lacks is one row, not two. Every article's cell in such a
passage is then filled, whichever article was aligned first: the same text gets
the same mark whatever the pivot.

Pivot rules (``pivot=``):

``complete`` (default)  the article with the most words of body text, as the
    one likely to carry most of what the others have, so that fewest passages
    hang off it; ties go to the earliest.
``earliest``  the earliest ``published`` date: the version others may have
    copied. Undated articles come after dated ones; ties go to the lower id.
an article id  that article.

Example:
    >>> from newsdedup.records import Block
    >>> from newsdedup.align import _stub
    >>> from dataclasses import replace
    >>> x = replace(_stub(1), blocks=(Block(0, "body", "Một hai ba bốn năm sáu."),))
    >>> y = replace(_stub(2), blocks=(Block(0, "body", "Một hai ba bốn năm sáu."), Block(1, "body", "Bảy tám.")))
    >>> result = compare_articles([x, y])
    >>> result.pivot_article.id, [[c.status for c in p.cells] for p in result.passages]
    (2, [['present', 'present'], ['absent', 'present']])
    >>> [result.passages[i].blocks for i in result.alone(1)]
    [(1,)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .align import Alignment, Group, align_articles, align_blocks, section_of
from .config import Config
from .errors import ConfigError
from .records import Article, Block

CellStatus = Literal["present", "changed", "partial", "absent"]
#: Cell statuses, from fullest to emptiest.
STATUSES: tuple[str, ...] = ("present", "changed", "partial", "absent")
#: Named pivot rules (an article id is accepted too).
PIVOT_RULES: tuple[str, ...] = ("complete", "earliest")


@dataclass(frozen=True)
class Cell:
    """What one article has of one passage: a status, its blocks, their similarity to the passage."""

    status: str
    blocks: tuple[int, ...] = ()
    similarity: float = 0.0

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {"status": self.status, "blocks": list(self.blocks), "similarity": self.similarity}


_ABSENT = Cell("absent")


@dataclass(frozen=True)
class Passage:
    """One row of the comparison: a passage, in the words of article ``origin`` (a position
    in ``articles``) and its blocks there, and one cell per article."""

    origin: int
    blocks: tuple[int, ...]
    cells: tuple[Cell, ...]

    def carriers(self) -> tuple[int, ...]:
        """Positions of the articles that carry the passage, as it is or edited (not just a sentence of it)."""
        return tuple(i for i, c in enumerate(self.cells) if c.status in ("present", "changed"))

    def to_dict(self, articles: Sequence[Article]) -> dict[str, object]:
        """A JSON-ready dict, with article ids for positions."""
        return {
            "origin": articles[self.origin].id,
            "blocks": list(self.blocks),
            "cells": [{"article": articles[i].id, **c.to_dict()} for i, c in enumerate(self.cells)],
        }


@dataclass(frozen=True)
class ClusterComparison:
    """The comparison of several articles: passages in reading order, pairwise alignments with the pivot."""

    articles: tuple[Article, ...]
    pivot: int  # position in ``articles``
    pivot_rule: str
    passages: tuple[Passage, ...]
    alignments: tuple[Alignment, ...]  # the pivot (as A) against each other article, in ``articles`` order

    @property
    def pivot_article(self) -> Article:
        """The article every other one was aligned with."""
        return self.articles[self.pivot]

    def alone(self, position: int) -> tuple[int, ...]:
        """Indices of the passages that only the article at ``position`` carries.

        Others may quote a sentence of such a passage (their cell is ``partial``):
        the passage as a whole is still what this article adds.
        """
        return tuple(i for i, p in enumerate(self.passages) if p.carriers() == (position,))

    def status_counts(self, position: int) -> dict[str, int]:
        """How many passages the article at ``position`` has in each status."""
        out = dict.fromkeys(STATUSES, 0)
        for p in self.passages:
            out[p.cells[position].status] += 1
        return out


def compare_articles(
    articles: Sequence[Article], *, pivot: str | int = "complete", config: Config | None = None
) -> ClusterComparison:
    """Compare two or more articles (see the module docstring).

    Raises:
        ConfigError: fewer than two articles, an unknown pivot rule, or a pivot id not among them.
    """
    if len(articles) < 2:
        raise ConfigError(f"a comparison needs at least two articles, got {len(articles)}")
    config = config or Config()
    arts = tuple(articles)
    position, rule = _choose_pivot(arts, pivot)
    pivot_article = arts[position]
    pivot_body = [b for b in pivot_article.blocks if section_of(b) == "body"]
    rows = _Rows(len(arts))
    after_pivot_block: dict[int, int] = {}  # pivot block index -> row of its passage
    for block in pivot_body:
        after_pivot_block[block.index] = rows.add(position, (block.index,), Cell("present", (block.index,), 1.0))
    alignments: list[Alignment] = []
    extras: list[tuple[int, Block]] = []  # (row, the passage's text as a block) for rows not in the pivot
    for other, article in enumerate(arts):
        if other == position:
            continue
        alignment = align_articles(pivot_article, article, config)
        alignments.append(alignment)
        leftovers: list[tuple[Block, Group, int | None]] = []  # (block, its only-b group, pivot row it follows)
        last_row: int | None = None
        blocks = {b.index: b for b in article.blocks}
        for group in alignment.section("body"):
            if group.a and group.b and group.kind != "moved":  # in-order matches anchor the rest
                last_row = after_pivot_block[group.a[-1]]
            _place_pivot_group(rows, after_pivot_block, group, other)
            if group.kind == "only-b":
                leftovers.append((blocks[group.b[0]], group, last_row))
        extras += _place_leftovers(rows, extras, leftovers, other, position, config)
    _fill_added(rows, extras, arts, config)
    passages = rows.ordered(pivot_body, after_pivot_block)
    return ClusterComparison(arts, position, rule, passages, tuple(alignments))


def _place_pivot_group(rows: _Rows, row_of: dict[int, int], group: Group, other: int) -> None:
    """Fill ``other``'s cells in the pivot's passages from one group of its alignment with the pivot."""
    if group.kind == "only-a":
        if group.reused:
            rows.set(row_of[group.a[0]], other, _partial(group, side="b"))
        return
    if not group.a or not group.b:
        return
    status = _status(group)
    for block in group.a:
        rows.set(row_of[block], other, Cell(status, group.b, group.similarity))


def _place_leftovers(
    rows: _Rows,
    extras: list[tuple[int, Block]],
    leftovers: list[tuple[Block, Group, int | None]],
    other: int,
    pivot: int,
    config: Config,
) -> list[tuple[int, Block]]:
    """Match paragraphs the pivot lacks with passages earlier articles added; the rest become new rows."""
    if not leftovers:
        return []
    # The aligner numbers blocks by their index: give the known extra passages
    # indices of their own, one per row, to tell them apart from the article's.
    known = [Block(n, "body", block.text) for n, (_, block) in enumerate(extras)]
    matched = align_blocks(known, [block for block, _, _ in leftovers], config) if known else ()
    by_index = {block.index: (block, group, follows) for block, group, follows in leftovers}
    taken: set[int] = set()
    for group in matched:
        if not group.a or not group.b:
            continue
        status = _status(group)
        for n in group.a:
            rows.set(extras[n][0], other, Cell(status, group.b, group.similarity))
        taken.update(group.b)
    new: list[tuple[int, Block]] = []
    for index, (block, group, follows) in by_index.items():
        if index in taken:
            continue
        row = rows.add(other, (index,), Cell("present", (index,), 1.0), follows=follows)
        if group.reused:  # sentences of it that the pivot has
            rows.set(row, pivot, _partial(group, side="a"))
        new.append((row, block))
    return new


def _partial(group: Group, *, side: str) -> Cell:
    """The ``partial`` cell of the article on ``side`` ("a" or "b") of an unmatched group:
    the blocks holding its reused sentences there, and their best similarity."""
    found = tuple(sorted({(r.a if side == "a" else r.b).block for r in group.reused}))
    return Cell("partial", found, max(r.similarity for r in group.reused))


def _status(group: Group) -> str:
    """A matched group's cell status: the same text is ``present`` where it sits, moved or not."""
    return "present" if group.kind == "identical" or (group.kind == "moved" and not group.changes) else "changed"


def _fill_added(rows: _Rows, extras: list[tuple[int, Block]], articles: tuple[Article, ...], config: Config) -> None:
    """Fill the cells left absent in passages the pivot lacks: an article aligned before the
    passage was added was never matched against it (one aligned after was, paragraph for
    paragraph, but not for a sentence of it). One alignment an article, of all such passages."""
    for position, article in enumerate(articles):
        missing = [(row, block) for row, block in extras if rows.cells[row][position].status == "absent"]
        if not missing:
            continue
        # Numbered by their place in ``missing``: their own indices may clash (several origins).
        blocks = [Block(n, "body", block.text) for n, (_, block) in enumerate(missing)]
        for group in align_blocks(blocks, article.blocks, config):
            if not group.a:
                continue
            row = missing[group.a[0]][0]
            if group.b:
                rows.set(row, position, Cell(_status(group), group.b, group.similarity))
            elif group.reused:
                rows.set(row, position, _partial(group, side="b"))


class _Rows:
    """Passages under construction: one list of cells per row, and where extra rows go."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.origin: list[tuple[int, tuple[int, ...]]] = []
        self.cells: list[list[Cell]] = []
        self.follows: list[int | None] = []  # for rows not in the pivot: the pivot row they come after

    def add(self, origin: int, blocks: tuple[int, ...], cell: Cell, *, follows: int | None = None) -> int:
        self.origin.append((origin, blocks))
        self.cells.append([_ABSENT] * self.width)
        self.cells[-1][origin] = cell
        self.follows.append(follows)
        return len(self.cells) - 1

    def set(self, row: int, article: int, cell: Cell) -> None:
        current = self.cells[row][article]
        # A block may meet a passage twice (merged into it, and reusing a sentence
        # of it): keep the fullest status.
        if STATUSES.index(cell.status) < STATUSES.index(current.status):
            self.cells[row][article] = cell

    def ordered(self, pivot_body: list[Block], row_of: dict[int, int]) -> tuple[Passage, ...]:
        pivot_rows = [row_of[b.index] for b in pivot_body]
        extra = [r for r in range(len(self.cells)) if r not in set(pivot_rows)]
        order = [r for r in extra if self.follows[r] is None]
        for row in pivot_rows:
            order.append(row)
            order += [r for r in extra if self.follows[r] == row]
        return tuple(Passage(self.origin[r][0], self.origin[r][1], tuple(self.cells[r])) for r in order)


def _choose_pivot(articles: tuple[Article, ...], pivot: str | int) -> tuple[int, str]:
    if isinstance(pivot, int) and not isinstance(pivot, bool):
        for position, article in enumerate(articles):
            if article.id == pivot:
                return position, f"article {pivot}"
        raise ConfigError(f"pivot must be one of the compared articles ({_ids(articles)}), got {pivot}")
    if pivot == "earliest":
        return min(range(len(articles)), key=lambda p: _earliest_key(articles[p])), "earliest"
    if pivot == "complete":
        return (
            min(range(len(articles)), key=lambda p: (-_body_words(articles[p]), _earliest_key(articles[p]))),
            "complete",
        )
    raise ConfigError(f"pivot must be one of {', '.join(PIVOT_RULES)} or an article id, got {pivot!r}")


def _earliest_key(article: Article) -> tuple[int, str, int]:
    return (0 if article.published else 1, article.published or "", article.id)


def _body_words(article: Article) -> int:
    return sum(len(b.text.split()) for b in article.blocks if section_of(b) == "body")


def _ids(articles: Sequence[Article]) -> str:
    return ", ".join(str(a.id) for a in articles)
