"""Reports: the JSON shape, Markdown, plain text, and escaping of hostile article text."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from newsdedup import Archive, ingest_paths
from newsdedup.align import KINDS, Alignment, align_articles
from newsdedup.compare import compare_articles
from newsdedup.records import Article, Block
from newsdedup.report import (
    FORMATS,
    REWRITTEN_BELOW,
    md_escape,
    render,
    render_markdown,
    render_plain,
    summary,
    to_json_dict,
)
from newsdedup.report_html import render_html

from .conftest import SEED_A, SEED_B

HOSTILE = [
    "<script>document.title='PWNED'</script> Bộ Công thương hỗ trợ doanh nghiệp xuất khẩu tìm thị trường mới.",
    '"><img src=x onerror="document.body.dataset.pwned=1"> Giá xăng giảm lần thứ ba liên tiếp trong tháng này.',
    "| cột | [liên kết](javascript:alert(1)) *đậm* _nghiêng_ `mã` </textarea></style><!-- ~~gạch~~",
]


def make(article_id: int, texts: list[str], **meta: str | None) -> Article:
    blocks = (Block(0, "title", texts[0]), *(Block(i, "body", t) for i, t in enumerate(texts[1:], 1)))
    fields: dict[str, str | None] = {"source": None, "url": None, "title": texts[0], "published": None} | meta
    return Article(
        article_id, fields["source"], fields["url"], fields["title"], fields["published"], None, None, None,
        "text", None, "", None, None, "", blocks,
    )  # fmt: skip


@pytest.fixture(scope="module")
def seeds() -> Alignment:
    with Archive(":memory:") as archive:
        ids = [r.id or 0 for r in ingest_paths(archive, [str(SEED_A), str(SEED_B)])]
        return align_articles(archive.get(ids[0]), archive.get(ids[1]))


@pytest.fixture(scope="module")
def hostile() -> Alignment:
    a = make(1, ["</title><script>alert(1)</script>", *HOSTILE], url="javascript:alert(1)", source="<b>x</b>")
    b = make(
        2, ["Tiêu đề", HOSTILE[0].replace("xuất khẩu", "nhập khẩu"), HOSTILE[2]], url="https://example.org/a?x=1&y=2"
    )
    return align_articles(a, b)


def test_json_pair_shape(seeds: Alignment) -> None:
    doc = json.loads(render(seeds, "json"))
    assert doc["type"] == "pair"
    assert [(a["side"], a["id"]) for a in doc["articles"]] == [("a", 1), ("b", 2)]
    assert {"id", "source", "title", "published", "url"} <= set(doc["articles"][0])
    assert doc["articles"][1]["title"].startswith("Mỗi mét vuông")
    for group in doc["groups"]:
        assert {"a", "b", "kind", "similarity", "section", "changes", "reused"} <= set(group)
        assert group["kind"] in KINDS and isinstance(group["similarity"], float)
        assert all(isinstance(i, int) for i in group["a"] + group["b"])
        assert (group["kind"] == "only-a") == (group["b"] == [] and group["kind"] != "only-b")
    kept_a = [b.index for b in seeds.a.blocks if b.kept]
    assert sorted(i for g in doc["groups"] for i in g["a"]) == kept_a
    assert doc["summary"]["body"] == seeds.counts("body")
    split = next(g for g in doc["groups"] if g["kind"] == "split")
    change = split["changes"][0]
    assert set(change) == {"op", "a", "b", "a_spans", "b_spans"} and set(change["a_spans"][0]) == {
        "block",
        "start",
        "end",
    }


def test_json_cluster_shape(seeds: Alignment) -> None:
    third = make(3, ["Khác", "Một đoạn văn hoàn toàn khác không liên quan gì đến hai bài báo kia cả."])
    doc = to_json_dict(compare_articles([seeds.a, seeds.b, third]))
    assert doc["type"] == "cluster" and doc["pivot"] == 1 and doc["pivot_rule"] == "complete"
    assert [a["id"] for a in doc["articles"]] == [1, 2, 3]  # type: ignore[index]
    passage = doc["passages"][0]  # type: ignore[index]
    assert set(passage) == {"origin", "blocks", "cells"}
    assert [c["article"] for c in passage["cells"]] == [1, 2, 3]
    assert {c["status"] for p in doc["passages"] for c in p["cells"]} <= {"present", "changed", "partial", "absent"}  # type: ignore[attr-defined]
    own = [i for i, p in enumerate(doc["passages"]) if p["origin"] == 3]  # type: ignore[arg-type,index]
    assert len(own) == 1 and doc["alone"]["3"] == own  # type: ignore[index]
    assert [(p["a"], p["b"]) for p in doc["pairs"]] == [(1, 2), (1, 3)]  # type: ignore[attr-defined]


def block(art: Article, prefix: str) -> int:
    return next(b.index for b in art.blocks if b.kept and b.text.startswith(prefix))


def test_plain_text_marks_changes_and_reuse(seeds: Alignment) -> None:
    text = render_plain(seeds)
    assert f"Body: {summary(seeds)}\n" in text
    assert "[-DN-]" in text and "{+doanh nghiệp+}" in text
    assert "[=Bộ Công Thương rất mong Hà Nội" in text
    assert f"(2 sentences also in B [{block(seeds.b, 'Bộ Công thương rất mong')}])" in text
    (title,) = seeds.section("title")
    assert title.similarity < REWRITTEN_BELOW  # two different headlines: shown whole, not struck word by word
    assert f"(rewritten, {title.similarity:.0%} similar)" in text and "[-Thường trực" not in text
    assert "\x1b[" not in text


def test_markdown(seeds: Alignment) -> None:
    text = render_markdown(seeds)
    assert text.startswith("# Thường trực Thành ủy")
    split = next(g for g in seeds.groups if g.kind == "split" and g.a == (block(seeds.a, "Bên cạnh đó"),))
    refs = f"A [{split.a[0]}] / B [{split.b[0]}, {split.b[1]}]"
    assert "## Body" in text and f"**split** · {refs} · {split.similarity:.0%} similar" in text
    assert "~~DN~~" in text and "**doanh nghiệp**" in text and "<mark>" in text


def test_every_format_renders(seeds: Alignment) -> None:
    three = compare_articles([seeds.a, seeds.b, make(3, ["T", "Một đoạn văn khác hẳn về thời tiết ngày mai."])])
    for fmt in FORMATS:
        assert render(seeds, fmt).strip()
        assert render(three, fmt).strip()


def test_markdown_escapes_article_text(hostile: Alignment) -> None:
    text = render_markdown(hostile)
    assert "<script>" not in text and "<img" not in text and "</textarea>" not in text
    assert "&lt;script&gt;" in text
    assert md_escape("| a | *b* [c](d)") == "\\| a \\| \\*b\\* \\[c\\](d)"


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "main", "footer", "h1", "h2", "h3", "div",
    "section", "span", "small", "p", "del", "ins", "mark", "a", "label", "input", "code", "table", "tr", "th",
    "td", "details", "summary", "b",
}  # fmt: skip


@pytest.mark.parametrize("three", [False, True])
def test_html_is_self_contained_and_escaped(hostile: Alignment, three: bool) -> None:
    result = compare_articles([hostile.a, hostile.b, make(3, ["x", HOSTILE[1]])]) if three else hostile
    page = render_html(result)
    parser = TagCollector()
    parser.feed(page)
    tags = {tag for tag, _ in parser.tags}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    for tag, attrs in parser.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name != "src"
            if name == "href":
                assert value == "https://example.org/a?x=1&y=2"  # the safe URL is linked, javascript: is not
    metas = [dict(attrs) for tag, attrs in parser.tags if tag == "meta"]
    assert {
        "http-equiv": "Content-Security-Policy",
        "content": "default-src 'none'; style-src 'unsafe-inline'",
    } in metas
    assert "url(" not in page and "@import" not in page and "//" not in page.split("<body>")[0].replace("://", "")
    text = "".join(parser.text)
    assert "<script>document.title='PWNED'</script>" in text  # shown as text
    assert 'onerror="document.body.dataset.pwned=1"' in text
    assert "javascript:alert(1)" in text


def test_html_pair_marks_and_toggle(seeds: Alignment) -> None:
    page = render_html(seeds)
    assert page.startswith("<!doctype html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<del>DN</del>" in page and "<ins>doanh nghiệp</ins>" in page and "<mark>" in page
    assert 'id="hide-same"' in page and "body:has(#hide-same:checked) .k-identical" in page
    assert page.count('class="group ') == len(seeds.groups)
