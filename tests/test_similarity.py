"""Verification: Jaccard, containment and shared passages; the level they support."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsdedup import Config, ConfigError
from newsdedup.fingerprint import SHINGLE_SIZE, shingle_hashes
from newsdedup.similarity import PASSAGE_GAP, Evidence, _distinct, _member, _passages, compare, link_level

_WORDS = (
    "thành phố hà nội bộ công thương hội nghị phát triển kinh tế doanh nghiệp thị trường chính sách "
    "xuất khẩu hàng hoá đầu tư dự án ngân sách người dân lao động nông nghiệp giáo dục y tế giao thông "
    "quy hoạch đất đai cán bộ ủy ban nhân dân tỉnh huyện xã điều tra vụ án bị cáo tòa xét xử công an"
)
VOCABULARY = tuple(_WORDS.split())


def paragraph(rng: random.Random, words: int = 60) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(words)) + "."


def shingles(*paragraphs: str) -> object:
    return shingle_hashes("\n".join(paragraphs))


def test_split_and_edited_paragraphs_stay_passages() -> None:
    rng = random.Random(1)
    shared = [paragraph(rng) for _ in range(3)]
    a = [shared[0], paragraph(rng), shared[1], paragraph(rng), shared[2], paragraph(rng)]
    words, edited = shared[1].split(), shared[2].split()
    edited[20] = "khác"
    # Outlet B splits one paragraph in two, edits a word in another, and reorders them.
    b = [" ".join(words[:30]), " ".join(words[30:]), paragraph(rng), " ".join(edited), shared[0], paragraph(rng)]
    evidence = compare(shingles(*a), shingles(*b))
    assert evidence.passages == 3  # the split and the edit do not cut passages in two
    assert 175 <= evidence.passage_words <= 180
    # Copied in another order, consecutive paragraphs are separate passages.
    moved = compare(shingles(*shared), shingles(shared[2], shared[0], shared[1]))
    assert moved.passages == 2 and moved.passage_words == 180
    assert link_level(evidence, Config()) == "same-story"


def test_one_shared_background_paragraph_is_not_a_story_link() -> None:
    rng = random.Random(2)
    background = paragraph(rng, 110)
    a = [paragraph(rng) for _ in range(3)] + [background]
    b = [background] + [paragraph(rng) for _ in range(3)]
    evidence = compare(shingles(*a), shingles(*b))
    assert evidence.passages == 1 and evidence.coverage < 0.5
    assert link_level(evidence, Config()) is None


def test_same_topic_without_shared_text_is_not_linked() -> None:
    rng = random.Random(3)
    evidence = compare(shingles(*(paragraph(rng) for _ in range(6))), shingles(*(paragraph(rng) for _ in range(6))))
    assert evidence.passages == 0 and evidence.jaccard < 0.05
    assert link_level(evidence, Config()) is None


def test_short_article_inside_a_long_one_is_not_a_near_duplicate() -> None:
    rng = random.Random(4)
    long = [paragraph(rng) for _ in range(12)]
    two_lines = long[3]
    evidence = compare(shingles(two_lines), shingles(*long))
    assert evidence.containment == 1.0 and evidence.jaccard < 0.1
    assert link_level(evidence, Config()) != "near-duplicate"


def test_a_republished_article_with_a_paragraph_more_is_a_near_duplicate() -> None:
    rng = random.Random(5)
    a = [paragraph(rng) for _ in range(10)]
    evidence = compare(shingles(*a), shingles(*a, paragraph(rng, 40)))
    assert evidence.jaccard > 0.9
    assert link_level(evidence, Config()) == "near-duplicate"


def test_empty_sides_give_no_evidence() -> None:
    assert compare(shingle_hashes(""), shingle_hashes("một hai ba")) == Evidence(0.0, 0.0, 0, 0, 0)


def test_thresholds_are_validated() -> None:
    with pytest.raises(ConfigError, match=r"near_duplicate_jaccard must be in \[0, 1\], got 1.3"):
        Config(near_duplicate_jaccard=1.3)
    with pytest.raises(ConfigError, match="same_story_min_passages must be an integer >= 1"):
        Config(same_story_min_passages=0)
    with pytest.raises(ConfigError, match="cluster_levels must be a tuple"):
        Config(cluster_levels=("exact", "related"))
    with pytest.raises(ConfigError, match="workers must be an integer >= 1, got 0"):
        Config(workers=0)


# Small alphabets make shared shingles repeat, large ones keep them unique.
SEQUENCES = st.one_of(
    st.lists(st.integers(0, 10**6), max_size=120, unique=True),
    st.integers(2, 400).flatmap(lambda size: st.lists(st.integers(0, size), max_size=120)),
)


def walked_passages(shorter: list[int], longer: list[int], min_words: int) -> tuple[int, int]:
    """The reference: the runs followed position by position, keeping every place in
    ``longer`` a run may have reached (how passages were first found, in Python)."""
    occurrences: dict[int, list[int]] = {}
    for where, value in enumerate(longer):
        occurrences.setdefault(value, []).append(where)
    positions = [i for i, value in enumerate(shorter) if value in occurrences]
    if not positions:
        return 0, 0
    step, count, words = PASSAGE_GAP + 1, 0, 0
    start = last = positions[0]
    alive = occurrences[shorter[start]]
    for here in positions[1:]:
        there = occurrences[shorter[here]]
        alive = [q for q in there if any(0 < q - p <= step for p in alive)] if here - last <= step else []
        if not alive:
            if last - start + SHINGLE_SIZE >= min_words:
                count, words = count + 1, words + last - start + SHINGLE_SIZE
            start, alive = here, there
        last = here
    if last - start + SHINGLE_SIZE >= min_words:
        count, words = count + 1, words + last - start + SHINGLE_SIZE
    return count, words


@st.composite
def edited_copies(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    """A sequence and an edited copy: between pieces of it, 0-9 values put in or left
    out, so that runs stop and go on right at the gap PASSAGE_GAP allows."""
    original = draw(SEQUENCES)
    copy: list[int] = []
    at = 0
    while at < len(original):
        cut = draw(st.integers(1, 12))
        copy += original[at : at + cut]
        at += cut
        edit = draw(st.integers(-9, 9))
        if edit > 0:
            copy += [10_000 + draw(st.integers(0, 50)) for _ in range(edit)]
        else:
            at -= edit  # leaves out -edit values
    return original, copy


@settings(max_examples=300)
# A repeated shingle first: a run may start at any of its places, not only the first.
@example(([5, 6, 7, 8, 9], [5, *range(100, 120), 5, 6, 7, 8, 9]), False, 5)
# Gaps one longer than a run bridges, on either side: 5 shingles left out, or 5 put in.
@example((list(range(30)), [*range(10), *range(15, 30)]), False, 5)
@example((list(range(30)), [*range(10), *range(100, 105), *range(10, 30)]), False, 5)
@given(st.one_of(st.tuples(SEQUENCES, SEQUENCES), edited_copies()), st.booleans(), st.integers(3, 12))
def test_passages_on_whole_arrays_equal_the_walk(pair: tuple[list[int], list[int]], swap: bool, min_words: int) -> None:
    a, b = reversed(pair) if swap else pair
    expected = walked_passages(a, b, min_words)
    assert _passages(np.array(a, dtype=np.uint32), np.array(b, dtype=np.uint32), min_words) == expected


@given(SEQUENCES, SEQUENCES)
def test_set_operations_equal_numpys(a: list[int], b: list[int]) -> None:
    values, others = np.array(a, dtype=np.uint32), np.array(b, dtype=np.uint32)
    assert _distinct(values).tolist() == np.unique(values).tolist()
    assert _member(values, _distinct(others)).tolist() == np.isin(values, others).tolist()


@given(st.tuples(SEQUENCES, SEQUENCES), st.integers(3, 30))
def test_evidence_mirrors_when_the_sides_swap(pair: tuple[list[int], list[int]], min_words: int) -> None:
    a, b = (np.array(side, dtype=np.uint32) for side in pair)
    forward, backward = compare(a, b, min_passage_words=min_words), compare(b, a, min_passage_words=min_words)
    assert (forward.jaccard, forward.containment) == (backward.jaccard, backward.containment)
    if len(np.unique(a)) != len(np.unique(b)):  # (on a tie, the first side is the shorter)
        assert forward == backward


def test_a_repeated_phrase_continues_a_run_from_either_place() -> None:
    # 7 8 9 occurs twice in the longer side; the run 1..12 goes on through its second place.
    shorter = np.array([1, 2, 3, 7, 8, 9, 10, 11, 12], dtype=np.uint32)
    longer = np.array([7, 8, 9, 0, 1, 2, 3, 7, 8, 9, 10, 11, 12], dtype=np.uint32)
    assert _passages(shorter, longer, 5) == (1, 9 + 2)
    assert _passages(shorter, np.array([10, 11, 12, 0, 1, 2, 3, 7, 8, 9], dtype=np.uint32), 5) == (2, 8 + 5)
    # The first shingle repeated: the run starts from its second place, not its first.
    longer = np.array([5, *range(100, 120), 5, 6, 7, 8, 9], dtype=np.uint32)
    assert _passages(np.array([5, 6, 7, 8, 9], dtype=np.uint32), longer, 5) == (1, 7)
