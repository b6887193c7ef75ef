"""Site templates: learned per source from the archive, dropped at article edges only."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from newsdedup import Archive, Config, ingest_paths
from newsdedup.templates import SiteTemplates, count_lines

FOOTER = "Bản tin do phòng biên tập Báo Mẫu thực hiện"
PRESS = "Thông cáo của bộ cho biết chương trình hỗ trợ sẽ kéo dài đến hết năm và áp dụng cho mọi doanh nghiệp nhỏ."


def story(n: int, *, footer: bool = True, press: bool = False) -> str:
    lines = [
        f"Tin số {n} về thành phố",
        f"Bài số {n}: thành phố vừa công bố kết quả của đợt khảo sát thứ {n} với nhiều số liệu đáng chú ý về đời sống.",
        f"Theo báo cáo số {n}, người dân ở {n} phường được hỏi ý kiến và phần lớn hài lòng với dịch vụ công.",
    ]
    if press:
        lines.insert(2, PRESS)
    if footer:
        lines.append(FOOTER)
    return "\n".join(lines) + "\n"


def ingest(archive: Archive, folder: Path, name: str, text: str, source: str) -> int:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    (result,) = ingest_paths(archive, [str(path)], Config(source=source, template_min_articles=3))
    assert result.id is not None
    return result.id


def reasons(archive: Archive, article_id: int) -> dict[str, str | None]:
    return {b.text: b.reason for b in archive.get(article_id).blocks}


def test_a_line_repeated_by_one_source_becomes_a_template(tmp_path: Path, memory_archive: Archive) -> None:
    ids = [ingest(memory_archive, tmp_path, f"{n}.txt", story(n), "bao-mau") for n in range(5)]
    assert [reasons(memory_archive, i)[FOOTER] for i in ids] == [None, None, None, "site-template", "site-template"]
    # Another outlet printing the same line has no such template.
    other = ingest(memory_archive, tmp_path, "other.txt", story(99), "bao-khac")
    assert reasons(memory_archive, other)[FOOTER] is None


def test_a_press_release_paragraph_copied_by_many_outlets_is_kept(tmp_path: Path, memory_archive: Archive) -> None:
    ids = [
        ingest(memory_archive, tmp_path, f"p{n}.txt", story(n, footer=False, press=True), f"outlet-{n}")
        for n in range(6)
    ]
    assert all(reasons(memory_archive, i)[PRESS] is None for i in ids)


def test_templates_are_dropped_only_at_the_edges(memory_archive: Archive) -> None:
    conn = memory_archive.db.conn
    for _ in range(3):
        count_lines(conn, "s", ["xin chào", "giữa bài"])
    templates = SiteTemplates(conn, min_articles=3)
    assert templates("s", ["xin chào", "giữa bài", "khác"]) == {"xin chào", "giữa bài"}
    assert templates("other", ["xin chào"]) == set()

    from newsdedup.clean import clean_article
    from newsdedup.extract import extract_text

    text = (
        "Tiêu đề\nxin chào\n"
        + story(1, footer=False).split("\n", 1)[1]
        + "giữa bài\n"
        + "Kết thúc bài với một câu đủ dài để là văn xuôi thật sự của bài báo.\n"
    )
    article = clean_article(extract_text(text.encode(), source="s"), templates=templates)
    got = {b.text: b.reason for b in article.blocks}
    assert got["xin chào"] == "site-template"
    assert got["giữa bài"] is None  # in the middle: article text


def test_exact_duplicates_do_not_count(tmp_path: Path, memory_archive: Archive) -> None:
    for n in range(4):  # the same story in four wrappers: one canonical article
        ingest(memory_archive, tmp_path, f"d{n}.txt", story(7).replace("\n", "\n" * (n + 1)), "bao-mau")
    counts = memory_archive.db.execute("SELECT max(articles) FROM line_counts").fetchone()[0]
    assert counts == 1


@given(st.text(alphabet=st.sampled_from(list("ab \t\n\u00a0ờ")), max_size=30), st.integers(min_value=0, max_value=12))
def test_at_most_words_counts_as_splitting_does(text: str, limit: int) -> None:
    from newsdedup.templates import at_most_words

    assert at_most_words(text, limit) == (len(text.split()) <= limit)
