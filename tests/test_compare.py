"""Comparing N articles: pivot rules, passages x outlets, what each alone carries, and diff()."""

from __future__ import annotations

from dataclasses import replace

import pytest

from newsdedup import Archive, ArticleNotFound, ConfigError, ingest_paths
from newsdedup.align import Alignment
from newsdedup.compare import ClusterComparison, compare_articles
from newsdedup.diff import diff
from newsdedup.records import Article, Block

P1 = "Rạng sáng nay, một vụ cháy lớn đã xảy ra tại chợ trung tâm thành phố, thiêu rụi hơn 200 ki-ốt bán hàng."
P2 = "Lực lượng cứu hỏa đã huy động 15 xe chữa cháy và hơn 100 chiến sĩ, sau ba giờ mới khống chế được đám cháy."
QUOTED = "Cơ quan chức năng đang tiếp tục điều tra làm rõ thiệt hại và trách nhiệm của các bên liên quan."
P3 = "Nguyên nhân ban đầu được xác định là do chập điện tại một ki-ốt bán quần áo ở tầng hai. " + QUOTED
P4 = "Ban quản lý chợ cho biết sẽ hỗ trợ các tiểu thương ổn định kinh doanh trong thời gian sớm nhất."
P5 = "Chợ trung tâm được xây dựng từ năm 1990 và là nơi buôn bán của hơn 1.000 hộ kinh doanh trong và ngoài tỉnh."
SHARED = (
    "Nhiều tiểu thương cho biết họ mất toàn bộ hàng hóa chuẩn bị cho dịp Tết, ước tính thiệt hại hàng chục tỷ đồng."
)


def make(article_id: int, texts: list[str], published: str | None = None) -> Article:
    blocks = (Block(0, "title", f"Bài {article_id}"), *(Block(i + 1, "body", t) for i, t in enumerate(texts)))
    return Article(
        article_id, f"outlet{article_id}", None, f"Bài {article_id}", published, None, None, None, "text", None,
        "", None, None, "", blocks,
    )  # fmt: skip


PIVOT = make(1, [P1, P2, P3, P4, P5], "2020-08-13T10:00")
X = make(
    2,
    [
        P1,
        P2.replace("15 xe", "20 xe").replace("hơn 100", "gần 150"),
        SHARED,
        "Phóng viên ghi nhận tại hiện trường, khói vẫn còn bốc lên nghi ngút đến trưa và người dân vẫn đứng chật kín "
        "các ngả đường xung quanh khu chợ. " + QUOTED,
    ],
    "2020-08-13T08:00",
)
Y = make(
    3,
    [
        P1.replace("cháy lớn", "cháy rất lớn").replace(" bán hàng", ""),
        SHARED.replace("ước tính thiệt hại", "thiệt hại ước tính"),
        "Đây là vụ cháy chợ thứ hai trên địa bàn tỉnh kể từ đầu năm, sau vụ cháy chợ huyện hồi tháng ba.",
        P4,
    ],
)


@pytest.fixture(scope="module")
def story() -> ClusterComparison:
    return compare_articles([PIVOT, X, Y])


def row(result: ClusterComparison, text_start: str) -> list[str]:
    for i, passage in enumerate(result.passages):
        origin = result.articles[passage.origin]
        if next(b.text for b in origin.blocks if b.index == passage.blocks[0]).startswith(text_start):
            return [c.status for c in result.passages[i].cells]
    raise AssertionError(f"no passage starts with {text_start!r}")


def test_passages_by_outlets(story: ClusterComparison) -> None:
    assert story.pivot_article.id == 1 and story.pivot_rule == "complete"
    assert row(story, "Rạng sáng nay") == ["present", "present", "changed"]
    assert row(story, "Lực lượng cứu hỏa") == ["present", "changed", "absent"]
    assert row(story, "Nguyên nhân ban đầu") == ["present", "partial", "absent"]  # X quotes one sentence
    assert row(story, "Ban quản lý chợ") == ["present", "absent", "present"]
    assert row(story, "Chợ trung tâm được xây dựng") == ["present", "absent", "absent"]
    # what the pivot lacks: one row per passage, however many outlets carry it
    assert row(story, "Nhiều tiểu thương") == ["absent", "present", "changed"]
    assert row(story, "Phóng viên ghi nhận") == ["partial", "present", "absent"]
    assert row(story, "Đây là vụ cháy chợ thứ hai") == ["absent", "absent", "present"]
    assert len(story.passages) == 8


def test_passages_follow_reading_order(story: ClusterComparison) -> None:
    starts = []
    for passage in story.passages:
        origin = story.articles[passage.origin]
        starts.append(next(b.text for b in origin.blocks if b.index == passage.blocks[0])[:11])
    assert starts == [
        "Rạng sáng n",  # p1
        "Đây là vụ c",  # Y's own, after p1 in Y
        "Lực lượng c",  # p2
        "Nhiều tiểu ",  # X's (and Y's), after p2 in X
        "Phóng viên ",
        "Nguyên nhân",  # p3
        "Ban quản lý",  # p4
        "Chợ trung t",  # p5
    ]


def test_what_each_outlet_alone_carries(story: ClusterComparison) -> None:
    def alone(position: int) -> list[str]:
        return [story.articles[story.passages[i].origin].blocks[story.passages[i].blocks[0]].text[:12] for i in
                story.alone(position)]  # fmt: skip

    assert alone(0) == ["Nguyên nhân ", "Chợ trung tâ"]  # X quotes a sentence of the first: still the pivot's
    assert alone(1) == ["Phóng viên g"]
    assert alone(2) == ["Đây là vụ ch"]
    assert story.status_counts(1) == {"present": 3, "changed": 1, "partial": 1, "absent": 3}


def test_cells_point_at_blocks_and_carry_similarity(story: ClusterComparison) -> None:
    p2 = next(p for p in story.passages if p.origin == 0 and p.blocks == (2,))
    assert p2.cells[1].blocks == (2,) and 0.5 < p2.cells[1].similarity < 1.0
    assert p2.cells[0].blocks == (2,) and p2.cells[0].similarity == 1.0
    assert [a.b.id for a in story.alignments] == [2, 3]
    assert all(a.a.id == 1 for a in story.alignments)


def test_a_paragraph_moved_as_it_is_is_present() -> None:
    moved = make(2, [P1, P3, P2, P4, P5])
    result = compare_articles([PIVOT, moved], pivot=1)
    assert [p.cells[1].status for p in result.passages] == ["present"] * 5
    edited = make(3, [P1, P3, P2.replace("15 xe", "20 xe"), P4, P5])
    cells = [p.cells[1] for p in compare_articles([PIVOT, edited], pivot=1).passages]
    assert [c.status for c in cells] == ["present", "changed", "present", "present", "present"]


@pytest.mark.parametrize("pivot", ["complete", "earliest", 1, 2, 3])
def test_the_same_text_gets_the_same_marks_whatever_the_pivot(pivot: str | int) -> None:
    # 3 is 1 with one paragraph more: in every passage, 1's mark is 3's unless the passage
    # is that paragraph (whichever of them was aligned with the pivot first).
    extra = "Theo kế hoạch, chợ tạm sẽ được dựng ngay trong tuần tới để các tiểu thương có chỗ buôn bán."
    one, more = make(1, [P1, P2, P3]), make(3, [P1, P2, P3, extra])
    other = make(2, [P1.replace("cháy lớn", "cháy rất lớn"), SHARED, X.blocks[4].text, P5])
    result = compare_articles([one, other, more], pivot=pivot)
    for passage in result.passages:
        if passage.origin == 2 and passage.blocks == (4,):
            continue  # the extra paragraph: 3 alone has it
        assert passage.cells[0].status == passage.cells[2].status, (pivot, passage)
    assert any(p.cells[0].status == "partial" for p in result.passages)  # QUOTED, a sentence of 2's (and of P3)


def test_pivot_rules() -> None:
    assert compare_articles([X, PIVOT, Y], pivot="earliest").pivot_article.id == 2
    assert compare_articles([Y, X], pivot="earliest").pivot_article.id == 2  # undated comes last
    assert compare_articles([PIVOT, X, Y], pivot=3).pivot_article.id == 3
    assert compare_articles([PIVOT, X, Y], pivot=3).pivot_rule == "article 3"
    twins = [replace(PIVOT, id=9), replace(PIVOT, id=4, published=None)]
    assert compare_articles(twins).pivot_article.id == 9  # a tie on length goes to the earliest


@pytest.mark.parametrize(
    ("articles", "pivot", "message"),
    [
        ([PIVOT], "complete", "a comparison needs at least two articles, got 1"),
        ([PIVOT, X], "latest", "pivot must be one of complete, earliest or an article id, got 'latest'"),
        ([PIVOT, X], 7, "pivot must be one of the compared articles (1, 2), got 7"),
    ],
)
def test_comparison_errors(articles: list[Article], pivot: str | int, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        compare_articles(articles, pivot=pivot)
    assert str(err.value) == message


def test_diff_two_ids_three_ids_and_a_cluster(tmp_path: pytest.TempPathFactory) -> None:
    folder = tmp_path / "in"  # type: ignore[operator]
    folder.mkdir()
    for art in (PIVOT, X, Y):
        (folder / f"{art.id}.txt").write_text("\n".join(b.text for b in art.blocks) + "\n", encoding="utf-8")
    with Archive(":memory:") as archive:
        ids = [r.id for r in ingest_paths(archive, [str(folder)])]
        assert ids == [1, 2, 3]
        assert isinstance(diff(archive, [1, 2]), Alignment)
        three = diff(archive, [1, 2, 3], pivot="earliest")
        assert isinstance(three, ClusterComparison) and [a.id for a in three.articles] == [1, 2, 3]
        cluster = archive.link(1, 2, "same-story")
        archive.link(2, 3, "same-story")
        grouped = diff(archive, cluster=cluster)
        assert isinstance(grouped, ClusterComparison) and {a.id for a in grouped.articles} == {1, 2, 3}
        with pytest.raises(ConfigError, match="not both"):
            diff(archive, [1, 2], cluster=cluster)
        with pytest.raises(ArticleNotFound):
            diff(archive, [1, 99])
        with pytest.raises(ArticleNotFound):
            diff(archive, cluster=99)
