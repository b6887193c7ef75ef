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
    Two articles of one source need ``same_source_min_coverage`` of the shorter one:
    an outlet's own tables, lists and blurbs recur in its reports of other events.

Example:
    >>> from newsdedup.fingerprint import shingle_hashes
    >>> a = "một hai ba bốn năm sáu bảy tám chín mười mười một mười hai"
    >>> e = compare(shingle_hashes(a), shingle_hashes(a + " khác hẳn"), min_passage_words=12)
    >>> round(e.jaccard, 2), e.containment, e.passages
    (0.86, 1.0, 1)
"""

from __future__ import annotations

from bisect import bisect_left
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
    (shorter, set_shorter), (longer, _) = sorted(((a, set_a), (b, set_b)), key=lambda side: len(side[1]))
    containment = shared / len(set_shorter)
    passages = passage_words = 0
    if containment >= passages_from_containment:
        passages, passage_words = _passages(shorter, longer, min_passage_words, distinct_shorter=set_shorter)
    return Evidence(jaccard, containment, passages, passage_words, len(shorter) + SHINGLE_SIZE - 1)


def _passages(
    shorter: npt.NDArray[np.uint32],
    longer: npt.NDArray[np.uint32],
    min_words: int,
    *,
    distinct_shorter: npt.NDArray[np.uint32] | None = None,
) -> tuple[int, int]:
    """Count passages of ``shorter`` found in ``longer`` and the words they cover.

    A passage is a run of shared shingles that is contiguous on both sides, bridging
    gaps of up to PASSAGE_GAP shingles (edited words): paragraphs copied in another
    order are separate passages, however they sit in the shorter article. A shingle
    that occurs several times in ``longer`` (a common phrase) continues a run if any
    of its occurrences does. ``distinct_shorter``: ``shorter``'s distinct values
    (:func:`_distinct`), if made already.

    Where both of two consecutive shared shingles occur once in ``longer`` (most do),
    whether the run goes on is worked out on whole arrays; only the rest is walked in
    Python. On the 102 pairs that 500 VNTC lookups verified against 84k articles: 404-420
    µs a pair, against 603-670 µs when every shared shingle was walked. Of the transitions
    still walked (55 a pair on another 115 such pairs), 95% come from one reached place,
    which needs no binary search (372-403 against 389-428 µs a pair, alternating runs).
    """
    import numpy as np

    set_shorter = distinct_shorter if distinct_shorter is not None else _distinct(shorter)
    if len(set_shorter) == 0:
        return 0, 0
    # Every value by its index in ``set_shorter``: the places in ``longer`` of each of
    # ``shorter``'s values, how many there are, and (for a value with one) which.
    in_longer, shared = _places_in(longer, set_shorter)
    shared_places = np.flatnonzero(shared)
    value_of_place = in_longer[shared_places]
    counts = np.bincount(value_of_place, minlength=len(set_shorter))
    value_of_shorter = np.searchsorted(set_shorter, shorter)
    positions = np.flatnonzero(counts[value_of_shorter])
    if len(positions) == 0:
        return 0, 0
    value_at = value_of_shorter[positions]
    single = counts[value_at] == 1
    only_place = np.zeros(len(set_shorter), dtype=np.int64)
    only_place[value_of_place] = shared_places
    step = PASSAGE_GAP + 1
    # Does the run go on from positions[k - 1] to positions[k]? Where both shingles occur once
    # in ``longer`` (most do), that depends on the two alone, and is worked out on the whole
    # arrays at once; the run's possible places are then that one place, whatever came before.
    near = np.diff(positions) <= step
    moved = np.diff(only_place[value_at])
    goes_on = near & (moved > 0) & (moved <= step)
    # Elsewhere the run may have reached several places, which depend on the positions
    # before: followed one by one, as a walk would (a shingle that occurs once resets them).
    walked = np.flatnonzero(~(single[:-1] & single[1:])) + 1
    if len(walked):
        repeated = np.flatnonzero(counts[value_of_place] > 1)
        occurrences: dict[int, list[int]] = {}
        for value, place in zip(value_of_place[repeated].tolist(), shared_places[repeated].tolist(), strict=True):
            occurrences.setdefault(value, []).append(place)
        values, near_of, places_of = value_at.tolist(), near.tolist(), only_place[value_at].tolist()
        single_at = single.tolist()
        alive = occurrences.get(values[0]) or [places_of[0]]
        walked_on: list[bool] = []
        for k in walked.tolist():
            # A shingle with several places was walked to just before (transition k - 1 is
            # walked too), so ``alive`` holds the places the run may have reached there.
            if single_at[k - 1]:
                alive = [places_of[k - 1]]
            there = [places_of[k]] if single_at[k] else occurrences[values[k]]
            if not near_of[k - 1]:
                reached = []
            elif len(alive) == 1:  # (nearly always: 95% of the walked transitions of 115 verified pairs)
                reached = [q for q in there if alive[0] < q <= alive[0] + step]
            else:
                # Places q with a reached place p at 0 < q - p <= step. Both lists are in
                # order, so a binary search finds p: a phrase that recurs all over both
                # articles (a table's row labels) would otherwise compare every pair.
                reached = [q for q in there if (at := bisect_left(alive, q - step)) < len(alive) and alive[at] < q]
            walked_on.append(bool(reached))
            alive = reached or there  # a run that stops starts again here
        goes_on[walked - 1] = walked_on
    # Runs between the breaks: a run's words are its shingles' span plus the last shingle's words.
    breaks = np.flatnonzero(~goes_on)
    starts = positions[np.concatenate(([0], breaks + 1))]
    lasts = positions[np.concatenate((breaks, [len(positions) - 1]))]
    lengths = lasts - starts + SHINGLE_SIZE
    long_enough = lengths[lengths >= min_words]
    return len(long_enough), int(long_enough.sum())


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
    return _places_in(values, distinct)[1]


def _places_in(
    values: npt.NDArray[np.uint32], distinct: npt.NDArray[np.uint32]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Per value, its index in ``distinct`` (sorted and not empty; 0 where it is absent),
    and whether it is there.

    >>> import numpy as np
    >>> places, found = _places_in(np.array([3, 9], dtype=np.uint32), np.array([1, 3, 5], dtype=np.uint32))
    >>> places.tolist(), found.tolist()
    ([1, 0], [True, False])
    """
    import numpy as np

    places = np.searchsorted(distinct, values)
    places[places == len(distinct)] = 0
    found: npt.NDArray[np.bool_] = distinct[places] == values
    return places, found


def link_level(evidence: Evidence, config: Config, *, same_source: bool = False) -> str | None:
    """The strongest level the evidence supports under ``config``'s thresholds, or None.
    ``same_source``: the two articles have one (known) source.

    >>> from newsdedup.config import Config
    >>> link_level(Evidence(0.9, 0.95, 1, 400, 420), Config())
    'near-duplicate'
    >>> link_level(Evidence(0.05, 0.9, 1, 30, 33), Config()) is None  # a brief quoted in a long article
    True
    >>> link_level(Evidence(0.2, 0.4, 3, 300, 700), Config())
    'same-story'
    >>> link_level(Evidence(0.15, 0.3, 1, 120, 400), Config()) is None  # one background paragraph
    True
    >>> link_level(Evidence(0.2, 0.35, 3, 245, 700), Config(), same_source=True) is None  # an outlet's own box
    True
    """
    if evidence.jaccard >= config.near_duplicate_jaccard:
        return "near-duplicate"
    min_coverage = config.same_story_min_coverage
    if same_source:
        min_coverage = max(min_coverage, config.same_source_min_coverage)
    if (
        evidence.passages >= 1
        and evidence.passage_words >= config.same_story_min_words
        and evidence.coverage >= min_coverage
        and (
            evidence.passages >= config.same_story_min_passages
            or evidence.coverage >= config.same_story_single_passage_coverage
        )
    ):
        return "same-story"
    return None
