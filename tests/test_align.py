"""The paragraph aligner: the seed pair, golden cases, word-level changes, reuse and properties."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup import Archive, Config, ConfigError, ingest_paths
from newsdedup.align import KINDS, MATCHED_KINDS, Alignment, align_articles, align_blocks, section_of
from newsdedup.records import Article, Block

from .conftest import FIXTURES, SEED_A, SEED_B

GOLDEN = FIXTURES / "align"


def lines_to_blocks(text: str) -> list[Block]:
    """A title line, then one body paragraph per line (what the aligner sees, without extraction)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return [Block(i, "title" if i == 0 else "body", line) for i, line in enumerate(lines)]


def article(article_id: int, blocks: list[Block]) -> Article:
    return Article(
        article_id, None, None, None, None, None, None, None, "text", None, "", None, None, "", tuple(blocks)
    )


# -- the seed pair ------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds() -> Alignment:
    with Archive(":memory:") as archive:
        ids = [r.id for r in ingest_paths(archive, [str(SEED_A), str(SEED_B)])]
        assert None not in ids
        return align_articles(archive.get(ids[0] or 0), archive.get(ids[1] or 0))


def block_starting(art: Article, prefix: str) -> int:
    found = [b.index for b in art.blocks if b.kept and b.text.startswith(prefix)]
    assert len(found) == 1, f"{len(found)} blocks start with {prefix!r}"
    return found[0]


def group_of(alignment: Alignment, side: str, index: int) -> tuple[str, list[str], list[str]]:
    """The kind of the group holding a block, and the texts on each side."""
    for g in alignment.groups:
        if index in (g.a if side == "a" else g.b):
            text_a = {b.index: b.text for b in alignment.a.blocks}
            text_b = {b.index: b.text for b in alignment.b.blocks}
            return g.kind, [text_a[i] for i in g.a], [text_b[i] for i in g.b]
    raise AssertionError(f"block {index} of {side} is in no group")


def test_seed_conclusion_and_energy_paragraphs_are_changed(seeds: Alignment) -> None:
    kind, _, b = group_of(seeds, "a", block_starting(seeds.a, "Kết luận hội nghị"))
    assert kind == "changed" and len(b) == 1 and b[0].startswith("Kết luận cuộc làm việc")
    kind, _, b = group_of(seeds, "a", block_starting(seeds.a, "Về lĩnh vực năng lượng"))
    assert kind == "changed" and b[0].startswith("Về lĩnh vực năng lượng")


def test_seed_paragraphs_split_in_two(seeds: Alignment) -> None:
    kind, _, b = group_of(seeds, "a", block_starting(seeds.a, "Bên cạnh đó, Bộ Công thương sẽ tạo điều kiện"))
    assert kind == "split"
    assert [t[:30] for t in b] == ["Bên cạnh đó, Bộ Công thương sẽ", "Ngoài ra, Bộ cần rà soát điều "]
    kind, _, b = group_of(seeds, "a", block_starting(seeds.a, "Trong lĩnh vực thương mại"))
    assert kind == "split"
    assert [t[:25] for t in b] == ["Trong lĩnh vực thương mại", "Đồng thời hỗ trợ thành ph"]


def test_seed_minister_sentences_found_again(seeds: Alignment) -> None:
    minister = block_starting(seeds.a, "Phát biểu tại hội nghị, Bộ trưởng")
    target = block_starting(seeds.b, "Bộ Công thương rất mong Hà Nội")
    group = next(g for g in seeds.groups if minister in g.a)
    assert group.kind == "only-a"
    text_a = next(b.text for b in seeds.a.blocks if b.index == minister)
    reused = [(text_a[r.a.start : r.a.end], r.b.block) for r in group.reused]
    assert [block for _, block in reused] == [target, target]
    assert reused[0][0].startswith("Bộ Công Thương rất mong Hà Nội") and reused[0][0].endswith("thương mại này.")
    assert reused[1][0].startswith("Đồng thời hỗ trợ DN bán lẻ") and reused[1][0].endswith("bán lẻ quốc tế.")
    # the same reuse, seen from B's unmatched paragraph
    group_b = next(g for g in seeds.groups if target in g.b)
    assert group_b.kind == "only-b" and {r.a.block for r in group_b.reused} == {minister}


@pytest.mark.parametrize(
    ("side", "prefix"),
    [
        ("a", "Dự hội nghị có các đồng chí"),  # attendees
        ("a", "Thay mặt Ban Cán sự Đảng UBND TP Hà Nội báo cáo"),  # the city's report
        ("a", "Cùng với đó, công tác thu hút đầu tư"),  # its statistics, continued
        ("a", "Đặc biệt, Bộ Công Thương đã sớm phê duyệt Quy hoạch phát triển điện lực"),  # power-grid plan
        ("b", "Góp ý cho Hà Nội trong phát triển lĩnh vực công thương"),  # Trần Hữu Linh
        ("b", "Ông Linh cho biết"),
        ("b", "Một số ý kiến cũng nêu lên thực trạng, quỹ đất"),  # land use
    ],
)
def test_seed_passages_only_one_outlet_has(seeds: Alignment, side: str, prefix: str) -> None:
    art = seeds.a if side == "a" else seeds.b
    kind, _, _ = group_of(seeds, side, block_starting(art, prefix))
    assert kind == f"only-{side}"


def test_seed_word_changes_use_normalised_keys(seeds: Alignment) -> None:
    group = next(g for g in seeds.groups if g.kind == "split" and g.a[0] == block_starting(seeds.a, "Bên cạnh đó"))
    ops = [(c.op, c.a_text, c.b_text) for c in group.changes]
    assert ("replace", "DN", "doanh nghiệp") in ops  # an abbreviation is a real change
    assert ("insert", "", "theo tinh thần Nghị quyết 50 của Bộ Chính trị") in ops
    # "Hòa Lạc" (A) against "Hoà Lạc" (B): one spelling, no change
    assert not any("Hòa" in c.a_text or "Hoà" in c.b_text for c in group.changes)


# -- golden cases ---------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(p.name for p in GOLDEN.iterdir()))
def test_golden_alignment(case: str) -> None:
    a = lines_to_blocks((GOLDEN / case / "a.txt").read_text(encoding="utf-8"))
    b = lines_to_blocks((GOLDEN / case / "b.txt").read_text(encoding="utf-8"))
    expected = json.loads((GOLDEN / case / "expected.json").read_text(encoding="utf-8"))["groups"]
    assert [[g.section, g.kind, list(g.a), list(g.b)] for g in align_blocks(a, b)] == expected


def test_changes_are_word_level_and_point_at_the_text() -> None:
    a = lines_to_blocks((GOLDEN / "edited" / "a.txt").read_text(encoding="utf-8"))
    b = lines_to_blocks((GOLDEN / "edited" / "b.txt").read_text(encoding="utf-8"))
    groups = align_blocks(a, b)
    assert [(c.op, c.a_text, c.b_text) for c in groups[1].changes] == [
        ("replace", "DN", "doanh nghiệp"),
        ("delete", "và châu Phi", ""),
    ]
    assert [(c.op, c.a_text, c.b_text) for c in groups[3].changes] == [("replace", "12", "15")]
    assert groups[2].kind == "identical" and groups[2].changes == () and groups[2].similarity == 1.0
    for g in groups:
        for c in g.changes:
            assert " ".join(a[s.block].text[s.start : s.end] for s in c.a) == c.a_text
            assert " ".join(b[s.block].text[s.start : s.end] for s in c.b) == c.b_text


def test_reused_sentence_spans() -> None:
    a = lines_to_blocks((GOLDEN / "reuse" / "a.txt").read_text(encoding="utf-8"))
    b = lines_to_blocks((GOLDEN / "reuse" / "b.txt").read_text(encoding="utf-8"))
    only_a = next(g for g in align_blocks(a, b) if g.kind == "only-a")
    (reuse,) = only_a.reused
    sentence = "Liên bộ Công Thương - Tài chính cho biết quỹ bình ổn giá sẽ tiếp tục được sử dụng linh hoạt"
    sentence += " để hạn chế biến động."
    assert a[reuse.a.block].text[reuse.a.start : reuse.a.end] == sentence
    assert b[reuse.b.block].text[reuse.b.start : reuse.b.end] == sentence
    assert reuse.similarity == 1.0


def test_a_short_shared_phrase_is_not_reuse() -> None:
    a = [Block(0, "body", "Chiều nay tại Hà Nội, các đại biểu đã thảo luận về ngân sách giáo dục của năm sau.")]
    b = [
        Block(0, "body", "Chiều nay tại Hà Nội trời mưa to, nhiều tuyến phố ngập sâu và giao thông tê liệt hoàn toàn.")
    ]
    groups = align_blocks(a, b)
    assert [g.kind for g in groups] == ["only-a", "only-b"]
    assert all(g.reused == () for g in groups)


def test_sections_are_aligned_apart_and_dropped_blocks_ignored() -> None:
    a = [
        Block(0, "title", "Tiêu đề"),
        Block(1, "body", "Đoạn thân bài thứ nhất nói về kinh tế và thương mại trong năm nay."),
        Block(2, "caption", "Ảnh: Bộ trưởng phát biểu tại hội nghị"),
        Block(3, "body", "Bình luận", kept=False, reason="comment-form"),
        Block(4, "byline", "Nhóm PV"),
    ]
    b = [
        Block(0, "title", "Tiêu đề khác hẳn"),
        Block(1, "caption", "Bộ trưởng phát biểu tại hội nghị"),
        Block(2, "subheading", "Đoạn thân bài thứ nhất nói về kinh tế và thương mại trong năm nay."),
        Block(3, "byline", "Minh Anh"),
    ]
    got = [(g.section, g.kind, g.a, g.b) for g in align_blocks(a, b)]
    assert got == [
        ("title", "changed", (0,), (0,)),
        ("body", "identical", (1,), (2,)),
        ("caption", "changed", (2,), (1,)),
        ("byline", "changed", (4,), (3,)),  # bylines are a slot: always compared
    ]
    assert section_of(a[3]) is None


def test_thresholds_come_from_config() -> None:
    a = [Block(0, "body", "Bộ Công thương hỗ trợ doanh nghiệp xuất khẩu tìm thị trường mới ở châu Âu.")]
    b = [Block(0, "body", "Bộ Công thương hỗ trợ nông dân tiêu thụ nông sản ở các tỉnh phía Bắc.")]
    assert [g.kind for g in align_blocks(a, b, Config(align_min_similarity=0.3))] == ["changed"]
    assert [g.kind for g in align_blocks(a, b, Config(align_min_similarity=0.6))] == ["only-a", "only-b"]
    split = lines_to_blocks((GOLDEN / "split_merge" / "a.txt").read_text(encoding="utf-8"))
    parts = lines_to_blocks((GOLDEN / "split_merge" / "b.txt").read_text(encoding="utf-8"))
    kinds = [g.kind for g in align_blocks(split, parts, Config(align_max_group=1))]
    assert "split" not in kinds and "merged" not in kinds


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"align_min_similarity": 1.3}, "align_min_similarity must be in (0, 1], got 1.3"),
        ({"align_min_similarity": 0}, "align_min_similarity must be in (0, 1], got 0"),
        ({"reuse_min_similarity": "high"}, "reuse_min_similarity must be in (0, 1], got 'high'"),
        ({"align_max_group": 4}, "align_max_group must be 1, 2 or 3, got 4"),
        ({"reuse_min_words": 0}, "reuse_min_words must be an integer >= 1, got 0"),
    ],
)
def test_alignment_options_are_validated(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        Config(**options)  # type: ignore[arg-type]
    assert str(err.value) == message


# -- properties -------------------------------------------------------------------

# A small vocabulary, with tone-placement and case variants, so that random
# paragraphs overlap, repeat and differ only in spelling.
WORDS = [
    *("Bộ", "Công", "thương", "Hà", "Nội", "hòa", "hoà", "khóa", "khoá", "thủy", "thuỷ", "DN", "doanh", "nghiệp"),
    *("phát", "triển", "thành", "phố", "và", "các", "của", "năm", "2020", "3.204,3", "logistics", "hạ", "tầng"),
    *("điện", "tử", "quy", "hoạch", "đầu", "tư"),
]
ROLES = ("body", "body", "body", "subheading", "caption", "title", "byline")

paragraphs = st.lists(st.sampled_from(WORDS), min_size=0, max_size=14).map(lambda ws: " ".join(ws) + ".")


@st.composite
def block_lists(draw: st.DrawFn) -> list[Block]:
    texts = draw(st.lists(paragraphs, max_size=9))
    return [
        Block(i, draw(st.sampled_from(ROLES)), text, kept=draw(st.booleans() | st.just(True)), reason=None)
        for i, text in enumerate(texts)
    ]


@st.composite
def edited(draw: st.DrawFn, blocks: list[Block]) -> list[Block]:
    """An edited copy: paragraphs dropped, added, split, merged, swapped, reworded."""
    texts = [(b.role, b.text) for b in blocks]
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["drop", "add", "split", "merge", "swap", "reword"]))
        if op == "add" or not texts:
            texts.insert(draw(st.integers(0, len(texts))), ("body", draw(paragraphs)))
            continue
        i = draw(st.integers(0, len(texts) - 1))
        role, text = texts[i]
        words = text.split()
        if op == "drop":
            del texts[i]
        elif op == "split" and len(words) > 1:
            cut = draw(st.integers(1, len(words) - 1))
            texts[i : i + 1] = [(role, " ".join(words[:cut])), (role, " ".join(words[cut:]))]
        elif op == "merge" and i + 1 < len(texts):
            texts[i : i + 2] = [(role, text + " " + texts[i + 1][1])]
        elif op == "swap" and i + 1 < len(texts):
            texts[i], texts[i + 1] = texts[i + 1], texts[i]
        elif words:
            words[draw(st.integers(0, len(words) - 1))] = draw(st.sampled_from(WORDS))
            texts[i] = (role, " ".join(words))
    return [Block(i, role, text) for i, (role, text) in enumerate(texts)]


@st.composite
def pairs(draw: st.DrawFn) -> tuple[list[Block], list[Block]]:
    a = draw(block_lists())
    b = draw(edited(a)) if draw(st.booleans()) else draw(block_lists())
    return a, b


def assert_well_formed(a: list[Block], b: list[Block], groups: tuple) -> None:  # type: ignore[type-arg]
    kept_a = sorted(x.index for x in a if x.kept)
    kept_b = sorted(x.index for x in b if x.kept)
    assert sorted(i for g in groups for i in g.a) == kept_a
    assert sorted(j for g in groups for j in g.b) == kept_b
    for g in groups:
        assert g.kind in KINDS
        assert (g.kind in MATCHED_KINDS) == bool(g.a and g.b)
        assert g.kind != "only-a" or not g.b
        assert g.kind != "only-b" or not g.a
        assert len(g.a) <= 3 and len(g.b) <= 3
        if g.kind == "identical":
            assert g.similarity == 1.0 and not g.changes and len(g.a) == len(g.b) == 1
        if g.kind == "changed":
            assert g.changes and len(g.a) == len(g.b) == 1
        texts_a = {x.index: x.text for x in a}
        texts_b = {x.index: x.text for x in b}
        for c in g.changes:
            assert (bool(c.a), bool(c.b)) == {"insert": (False, True), "delete": (True, False)}.get(c.op, (True, True))
            assert all(0 <= s.start < s.end <= len(texts_a[s.block]) and s.block in g.a for s in c.a)
            assert all(0 <= s.start < s.end <= len(texts_b[s.block]) and s.block in g.b for s in c.b)
        for r in g.reused:
            assert r.a.block in texts_a and r.b.block in texts_b
            assert (r.a.block in g.a) if g.kind == "only-a" else (r.b.block in g.b)


@settings(max_examples=150, deadline=None)
@given(block_lists())
def test_an_article_aligned_with_itself_is_all_identical(blocks: list[Block]) -> None:
    groups = align_blocks(blocks, blocks)
    assert all(g.kind == "identical" and g.a == g.b for g in groups)
    assert_well_formed(blocks, blocks, groups)


@settings(max_examples=150, deadline=None)
@given(pairs())
def test_swapping_a_and_b_mirrors_the_result(pair: tuple[list[Block], list[Block]]) -> None:
    a, b = pair
    forward = align_articles(article(1, a), article(2, b))
    backward = align_articles(article(2, b), article(1, a))
    assert backward.groups == forward.mirrored().groups
    assert forward.mirrored().mirrored().groups == forward.groups
    assert_well_formed(b, a, backward.groups)


@settings(max_examples=200, deadline=None)
@given(pairs())
def test_every_kept_paragraph_appears_exactly_once_on_its_side(pair: tuple[list[Block], list[Block]]) -> None:
    a, b = pair
    assert_well_formed(a, b, align_blocks(a, b))


SPELLINGS = {"hòa": "hoà", "khóa": "khoá", "thủy": "thuỷ", "Hà": "HÀ", "Nội": "nội"}


@settings(max_examples=100, deadline=None)
@given(block_lists(), st.sampled_from(["NFC", "NFD"]), st.booleans())
def test_spelling_variants_are_not_changes(blocks: list[Block], form: str, retone: bool) -> None:
    def respell(text: str) -> str:
        words = [SPELLINGS.get(w, w) if retone else w for w in text.split(" ")]
        return unicodedata.normalize(form, "  ".join(words))

    variant = [replace(x, text=respell(x.text)) for x in blocks]
    assert all(g.kind == "identical" for g in align_blocks(blocks, variant))


def test_identical_articles_in_any_order_of_arguments(tmp_path: Path) -> None:
    a = lines_to_blocks((GOLDEN / "moved" / "a.txt").read_text(encoding="utf-8"))
    b = lines_to_blocks((GOLDEN / "moved" / "b.txt").read_text(encoding="utf-8"))
    forward = [(g.kind, g.a, g.b) for g in align_blocks(a, b)]
    backward = [(g.kind, g.b, g.a) for g in align_blocks(b, a)]
    assert sorted(forward) == sorted(backward)
