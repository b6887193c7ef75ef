"""Verification: the evidence that two articles share text, and the link level it supports.

LSH only proposes candidates. Before two articles are linked, their shingle sequences
(see :mod:`newsdedup.fingerprint`) are compared exactly, and the comparison is kept as
evidence a journalist can check:

* ``jaccard``: shared distinct shingles over all distinct shingles of the two;
* ``containment``: shared distinct shingles over those of the shorter article;
* ``passages``: runs of shared text in the shorter article, in reading order, each at
  least ``min_passage_words`` long. A run may bridge a few unshared shingles (one or two
  edited words), so an edited sentence stays one passage; shingles run across paragraph
  breaks, so a paragraph split in two stays one passage too;
* ``passage_words``: the words covered by those passages.

The level (:func:`link_level`):

``near-duplicate``
    the same article republished with small changes: ``jaccard >= near_duplicate_jaccard``.
    Jaccard, not containment: a two-line brief inside a long article is not the same
    article, and Jaccard cannot be high when the lengths differ much.
``same-story``
    coverage that shares passages: shared passages holding together at least
    ``same_story_min_words`` words and ``same_story_min_coverage`` of the shorter
    article, in at least ``same_story_min_passages`` passages, or in one passage that
    covers ``same_story_single_passage_coverage`` of the shorter article (it is mostly
    copied from the other). One shared background paragraph, a quotation or a legal
    stock phrase is not enough; several shared passages, or most of an article, are.

Example:
    >>> from newsdedup.fingerprint import shingle_hashes
    >>> a = "một hai ba bốn năm sáu bảy tám chín mười mười một mười hai"
    >>> e = compare(shingle_hashes(a), shingle_hashes(a + " khác hẳn"), min_passage_words=12)
    >>> round(e.jaccard, 2), e.containment, e.passages
    (0.86, 1.0, 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .fingerprint import SHINGLE_SIZE

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .config import Config

#: Unshared shingles a passage may bridge: one edited word breaks SHINGLE_SIZE shingles.
PASSAGE_GAP = SHINGLE_SIZE + 1


@dataclass(frozen=True)
class Evidence:
    """How much text two articles share (see the module docstring)."""

    jaccard: float
    containment: float
    passages: int
    passage_words: int
    shorter_words: int

    @property
    def coverage(self) -> float:
        """The share of the shorter article's words inside shared passages."""
        return self.passage_words / self.shorter_words if self.shorter_words else 0.0

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict (rounded ratios).

        >>> Evidence(0.5, 0.75, 2, 30, 40).to_dict()["coverage"]
        0.75
        """
        return {
            "jaccard": round(self.jaccard, 4),
            "containment": round(self.containment, 4),
            "passages": self.passages,
            "passage_words": self.passage_words,
            "coverage": round(self.coverage, 4),
        }


def compare(
    a: npt.NDArray[np.uint32],
    b: npt.NDArray[np.uint32],
    *,
    min_passage_words: int = 20,
    passages_from_containment: float = 0.0,
) -> Evidence:
    """The evidence that shingle sequences ``a`` and ``b`` share text.

    Passages, the costly part, are only looked for when the containment is at least
    ``passages_from_containment`` (below it they are reported as none).

    >>> from newsdedup.fingerprint import shingle_hashes
    >>> compare(shingle_hashes("a b c d"), shingle_hashes("x y z")).passages
    0
    """
    import numpy as np

    set_a, set_b = _distinct(a), _distinct(b)
    if len(set_a) == 0 or len(set_b) == 0:
        return Evidence(0.0, 0.0, 0, 0, 0)
    shared = int(np.count_nonzero(_member(set_a, set_b)))
    jaccard = shared / (len(set_a) + len(set_b) - shared)
    (shorter, set_shorter), (longer, set_longer) = sorted(((a, set_a), (b, set_b)), key=lambda side: len(side[1]))
    containment = shared / len(set_shorter)
    passages = passage_words = 0
    if containment >= passages_from_containment:
        passages, passage_words = _passages(shorter, longer, min_passage_words, distinct=(set_shorter, set_longer))
    return Evidence(jaccard, containment, passages, passage_words, len(shorter) + SHINGLE_SIZE - 1)


def _passages(
    shorter: npt.NDArray[np.uint32],
    longer: npt.NDArray[np.uint32],
    min_words: int,
    *,
    distinct: tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]] | None = None,
) -> tuple[int, int]:
    """Count passages of ``shorter`` found in ``longer`` and the words they cover.

    A passage is a run of shared shingles that is contiguous on both sides, bridging
    gaps of up to PASSAGE_GAP shingles (edited words): paragraphs copied in another
    order are separate passages, however they sit in the shorter article. A shingle
    that occurs several times in ``longer`` (a common phrase) continues a run if any
    of its occurrences does. ``distinct``: both sides' distinct values, if made already.
    """
    import numpy as np

    set_shorter, set_longer = distinct if distinct is not None else (_distinct(shorter), _distinct(longer))
    positions = np.flatnonzero(_member(shorter, set_longer)).tolist()
    if not positions:
        return 0, 0
    # Only shared shingles can be part of a run: index just their places in ``longer``
    # (a candidate that fails verification shares few, and this loop is the costly part).
    occurrences: dict[int, list[int]] = {}
    shared_places = np.flatnonzero(_member(longer, set_shorter))
    for where, value in zip(shared_places.tolist(), longer[shared_places].tolist(), strict=True):
        occurrences.setdefault(value, []).append(where)
    values = shorter.tolist()
    step = PASSAGE_GAP + 1
    count = words = 0
    start = last = positions[0]
    alive = occurrences[values[start]]
    for here in positions[1:]:
        there = occurrences[values[here]]
        if here - last <= step:
            if len(there) == 1 and len(alive) == 1:  # the usual case, made cheap
                alive = there if 0 < there[0] - alive[0] <= step else []
            else:
                # Occurrences that continue one of the run's possible places in ``longer``.
                alive = [q for q in there if any(0 < q - p <= step for p in alive)]
        else:
            alive = []
        if not alive:
            length = last - start + SHINGLE_SIZE
            if length >= min_words:
                count, words = count + 1, words + length
            start, alive = here, there
        last = here
    length = last - start + SHINGLE_SIZE
    if length >= min_words:
        count, words = count + 1, words + length
    return count, words


def _distinct(values: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """The distinct values, sorted: ``np.unique`` without its overhead (65 against 14 µs
    for 400 values, NumPy 2.4)."""
    import numpy as np

    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def _member(values: npt.NDArray[np.uint32], distinct: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    """Which ``values`` are in ``distinct`` (sorted, as :func:`_distinct` makes it): ``np.isin``
    by binary search, which costs a sixth of ``np.isin``'s sorting of both sides together.

    >>> import numpy as np
    >>> _member(np.array([3, 1, 9, 3], dtype=np.uint32), np.array([1, 3, 5], dtype=np.uint32)).tolist()
    [True, True, False, True]
    """
    import numpy as np

    if len(distinct) == 0:
        return np.zeros(len(values), dtype=bool)
    places = np.searchsorted(distinct, values)
    places[places == len(distinct)] = 0
    found: npt.NDArray[np.bool_] = distinct[places] == values
    return found


def link_level(evidence: Evidence, config: Config) -> str | None:
    """The strongest level the evidence supports under ``config``'s thresholds, or None.

    >>> from newsdedup.config import Config
    >>> link_level(Evidence(0.9, 0.95, 1, 400, 420), Config())
    'near-duplicate'
    >>> link_level(Evidence(0.05, 0.9, 1, 30, 33), Config()) is None  # a brief quoted in a long article
    True
    >>> link_level(Evidence(0.2, 0.4, 3, 300, 700), Config())
    'same-story'
    >>> link_level(Evidence(0.15, 0.3, 1, 120, 400), Config()) is None  # one background paragraph
    True
    """
    if evidence.jaccard >= config.near_duplicate_jaccard:
        return "near-duplicate"
    if (
        evidence.passages >= 1
        and evidence.passage_words >= config.same_story_min_words
        and evidence.coverage >= config.same_story_min_coverage
        and (
            evidence.passages >= config.same_story_min_passages
            or evidence.coverage >= config.same_story_single_passage_coverage
        )
    ):
        return "same-story"
    return None
