"""Revisions: an article re-fetched under its URL with another text, its history, and diffs of revisions."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdedup import Archive
from newsdedup.align import Alignment
from newsdedup.archive import _statements
from newsdedup.clean import clean_article
from newsdedup.compare import ClusterComparison
from newsdedup.diff import diff
from newsdedup.errors import ArchiveError, ArticleNotFound, ConfigError
from newsdedup.extract import extract
from newsdedup.fingerprint import fingerprint
from newsdedup.ingest import ingest_paths
from newsdedup.normalize import body_hash
from newsdedup.records import IngestResult, RawInput
from newsdedup.report import render
from newsdedup.revisions import article_url, parse_ref
from newsdedup.schema import MIGRATIONS, SCHEMA_VERSION

from .conftest import index_rows
from .legacy import to_version_12

URL = "https://tin.example/thoi-su/ha-noi-duyet-quy-hoach-123.html"
PARAGRAPHS = [
    "Thành phố Hà Nội vừa phê duyệt quy hoạch chi tiết khu đô thị mới ở phía tây, với tổng diện tích hơn 200 ha.",
    "Theo quyết định, khu đô thị sẽ có trường học, bệnh viện và công viên, được xây dựng trong năm năm tới.",
    "Người dân trong khu vực cho biết họ mong dự án sớm được triển khai để cải thiện hạ tầng giao thông.",
]
CHANGED = [PARAGRAPHS[0], PARAGRAPHS[1].replace("năm năm", "bảy năm"), PARAGRAPHS[2]]
EXTENDED = [*CHANGED, "Dự án có tổng vốn đầu tư khoảng 10.000 tỷ đồng, phần lớn từ nhà đầu tư tư nhân."]


def text(title: str = "Hà Nội duyệt quy hoạch", paragraphs: list[str] = PARAGRAPHS, head: str = "(18:50 13/08/2020)",
         tail: str = "") -> bytes:  # fmt: skip
    """A plain-text article: title, a date line, paragraphs, then page furniture."""
    return "\n".join([title, head, *paragraphs, *([tail] if tail else [])]).encode()


def html(title: str, paragraphs: list[str], canonical: str | None, extra: str = "") -> bytes:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{title}</title>{link}</head><body><nav><a href='/'>Trang chủ</a></nav>"
        f"<article><h1>{title}</h1>{body}</article>{extra}</body></html>"
    ).encode()


def add(
    archive: Archive, data: bytes, url: str | None = URL, fetched_at: str | None = None, origin: str = "page"
) -> IngestResult:
    """Clean and store one input fetched from ``url`` (as the HTTP and WARC readers make them)."""
    raw = RawInput(origin, origin, data, hashlib.sha256(data).hexdigest(), url=url, fetched_at=fetched_at)
    (result,) = archive.add_many([(raw, clean_article(extract(raw)))])
    return result


def count(archive: Archive, table: str) -> int:
    return int(archive.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def assert_index_consistent(archive: Archive) -> None:
    """The invariants tests/test_concurrency.py checks, on revised articles."""
    one = archive.db.execute
    assert one("SELECT body_hash FROM articles WHERE duplicate_of IS NULL AND body_hash IS NOT NULL "
               "GROUP BY body_hash HAVING count(*) > 1").fetchall() == []  # fmt: skip
    indexed = {r[0] for r in one("SELECT article_id FROM fingerprints")}
    assert indexed == {
        r[0] for r in one("SELECT id FROM articles WHERE duplicate_of IS NULL AND body_hash IS NOT NULL")
    }
    assert indexed == {article for _, article in index_rows(archive.db.conn)}
    assert one("SELECT id FROM articles WHERE duplicate_of IS NOT NULL AND id NOT IN "
               "(SELECT a FROM links WHERE level = 'exact' UNION SELECT b FROM links WHERE level = 'exact')"
               ).fetchall() == []  # fmt: skip
    # Superseded revisions are numbered 1 .. the articles row's revision - 1; every original is one's.
    assert one("SELECT a.id FROM articles AS a LEFT JOIN revisions AS r ON r.article_id = a.id GROUP BY a.id "
               "HAVING count(r.number) != a.revision - 1 OR coalesce(max(r.number), 0) != a.revision - 1"
               ).fetchall() == []  # fmt: skip
    assert one("SELECT id FROM originals EXCEPT SELECT original_id FROM articles "
               "EXCEPT SELECT original_id FROM revisions").fetchall() == []  # fmt: skip
    assert one("SELECT sha256 FROM originals GROUP BY sha256 HAVING count(*) > 1").fetchall() == []
    assert one("PRAGMA foreign_key_check").fetchall() == []
    assert_clusters_are_components(archive)


def assert_clusters_are_components(archive: Archive) -> None:
    """Clusters are the connected components of the links of the configured levels, each named by its smallest id."""
    stored = dict(archive.db.execute("SELECT article_id, cluster_id FROM clusters").fetchall())
    with archive._write():
        archive.links.rebuild_clusters()
        rebuilt = dict(archive.db.execute("SELECT article_id, cluster_id FROM clusters").fetchall())
    assert stored == rebuilt


def links_of(archive: Archive) -> list[tuple[int, int, str, int]]:
    return archive.db.execute("SELECT a, b, level, given FROM links ORDER BY a, b").fetchall()


# -- what is a revision --------------------------------------------------------


def test_changed_paragraph_is_revision_2_of_the_same_article(memory_archive: Archive) -> None:
    first = add(memory_archive, text())
    assert (first.status, first.id) == ("new", 1)
    second = add(memory_archive, text(paragraphs=CHANGED))
    assert (second.status, second.id, second.revision, second.match) == ("revision", 1, 2, "same-url")
    assert second.to_dict()["revision"] == 2 and second.cluster == 1
    stats = memory_archive.stats()
    assert (stats.articles, stats.revisions, stats.revised_articles, stats.originals) == (1, 1, 1, 2)
    article = memory_archive.get(1)
    assert "bảy năm" in article.blocks[3].text and (article.revision, article.revisions) == (2, 2)
    assert article.raw_sha256 == hashlib.sha256(text(paragraphs=CHANGED)).hexdigest()
    assert [a.id for a in memory_archive.articles()] == [1]  # a revision is not an article
    assert_index_consistent(memory_archive)


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(text(paragraphs=["  " + p.replace(" ", "   ") + "\t" for p in PARAGRAPHS]), id="white-space"),
        pytest.param(text(head="Cập nhật lúc 09:15 14/08/2020"), id="date-line"),
        pytest.param(text(tail="Chia sẻ bài viết lên Facebook"), id="share-button"),
        pytest.param(text(tail="Xem thêm: Giá vàng hôm nay tăng mạnh"), id="related-link"),
        pytest.param(text(paragraphs=[p.upper() for p in PARAGRAPHS]), id="case"),
    ],
)
def test_white_space_date_line_and_page_furniture_are_not_revisions(memory_archive: Archive, variant: bytes) -> None:
    add(memory_archive, text())
    result = add(memory_archive, variant)
    assert (result.status, result.id, result.match, result.revision) == ("duplicate", 1, "same-url", 1)
    assert result.cluster == 1 and result.duplicate_of == 1
    # Nothing is stored: not a revision, not even the bytes.
    assert (len(memory_archive.history(1)), count(memory_archive, "originals")) == (1, 1)
    assert memory_archive.get(1).raw_sha256 == hashlib.sha256(text()).hexdigest()


def test_headline_change_alone_is_a_revision(memory_archive: Archive) -> None:
    add(memory_archive, text())
    bands = index_rows(memory_archive.db.conn)
    result = add(memory_archive, text(title="Hà Nội duyệt quy hoạch khu đô thị 200 ha"))
    assert (result.status, result.revision) == ("revision", 2)
    (_, latest) = memory_archive.history(1)
    assert latest.changes is not None and latest.summary == "title changed"
    assert memory_archive.get(1).title == "Hà Nội duyệt quy hoạch khu đô thị 200 ha"
    # The body did not change, so neither did the index.
    assert index_rows(memory_archive.db.conn) == bands


def test_article_without_url_never_gets_revisions(memory_archive: Archive) -> None:
    assert add(memory_archive, text(), url=None).status == "new"
    assert add(memory_archive, text(paragraphs=CHANGED), url=None).status == "new"
    assert [len(memory_archive.history(i)) for i in (1, 2)] == [1, 1]  # two articles, each its revision 1


def test_fetch_without_body_text_keeps_the_article(memory_archive: Archive) -> None:
    add(memory_archive, text())
    result = add(memory_archive, "Trang lỗi\n(09:00 14/08/2020)\n".encode())
    assert (result.status, result.match, result.revision) == ("duplicate", "same-url", 1)
    assert result.note is not None and "no body text" in result.note
    assert memory_archive.get(1).title == "Hà Nội duyệt quy hoạch"


# -- URLs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        URL + "?utm_source=rss&utm_medium=feed",
        URL.replace("https://tin.example", "HTTPS://Tin.Example") + "#binh-luan",
        URL + "/",
    ],
)
def test_url_variants_normalise_to_one_article(memory_archive: Archive, variant: str) -> None:
    add(memory_archive, html("Hà Nội duyệt quy hoạch", PARAGRAPHS, URL))
    page = html("Hà Nội duyệt quy hoạch", CHANGED, variant)
    assert article_url(extract(RawInput("p", "p.html", page, "x" * 64)).url, None) == URL
    result = add(memory_archive, page, url=None)
    assert (result.status, result.id, result.revision) == ("revision", 1, 2)
    assert memory_archive.get(1).url == URL
    assert memory_archive.history(variant) == memory_archive.history(1)


def test_fetched_url_stands_in_when_the_page_names_only_its_home_page(memory_archive: Archive) -> None:
    home = "https://tin.example/"
    assert add(memory_archive, html("Tin một", PARAGRAPHS, home), url=URL).status == "new"
    assert memory_archive.get(1).url == URL
    other = "https://tin.example/thoi-su/tin-khac-456.html"
    # Another story whose page also names the home page is not a revision of the first.
    assert add(memory_archive, html("Tin hai", CHANGED, home), url=other).status == "new"
    # Without a fetch URL, a home page names no article: never a revision.
    assert add(memory_archive, html("Tin ba", EXTENDED, home), url=None).status == "new"


def test_a_malformed_page_url_is_passed_over_not_fatal(memory_archive: Archive) -> None:
    # A template's placeholder (urllib raises ValueError on it) must not stop the writer.
    assert article_url("https://[site-url]/tin-1", URL + "?utm_source=rss") == URL
    assert article_url("http://[::1/x", None) == "http://[::1/x"  # nothing better: kept as written
    data = html("Tin một", PARAGRAPHS, None)
    raw = RawInput("page", "page", data, hashlib.sha256(data).hexdigest(), url=URL)
    article = replace(clean_article(extract(raw)), url="https://[site-url]/tin-1")
    (result,) = memory_archive.add_many([(raw, article)])
    assert result.status == "new" and memory_archive.get(result.id or 0).url == URL
    lone = replace(article, url="http://[::1/x", title="Tin hai", blocks=article.blocks[:1])
    data2 = data + b" "
    (other,) = memory_archive.add_many([(RawInput("p2", "p2", data2, hashlib.sha256(data2).hexdigest()), lone)])
    assert other.status == "new"


def test_unknown_url_or_id_is_article_not_found(memory_archive: Archive) -> None:
    add(memory_archive, text())
    with pytest.raises(ArticleNotFound, match=r"no article with the URL https://tin.example/x\?utm_source=a "
                       r"\(normalised: https://tin.example/x\)"):  # fmt: skip
        memory_archive.history("https://tin.example/x?utm_source=a")
    with pytest.raises(ArticleNotFound, match="no article with id 9"):
        memory_archive.history(9)


# -- history and old texts ---------------------------------------------------------


def test_history_lists_revisions_with_what_changed(memory_archive: Archive) -> None:
    add(memory_archive, text(), fetched_at="2024-05-01T10:00:00+00:00", origin="a")
    add(memory_archive, text(paragraphs=CHANGED), fetched_at="2024-05-01T11:00:00+00:00", origin="b")
    add(memory_archive, text(paragraphs=CHANGED), fetched_at="2024-05-01T12:00:00+00:00", origin="b2")  # same text
    add(memory_archive, text(title="Hà Nội chốt quy hoạch", paragraphs=EXTENDED), fetched_at="2024-05-01T13:00:00Z")
    history = memory_archive.history(URL)
    assert [(r.number, r.origin, r.fetched_at) for r in history] == [
        (1, "a", "2024-05-01T10:00:00+00:00"),
        (2, "b", "2024-05-01T11:00:00+00:00"),
        (3, "page", "2024-05-01T13:00:00Z"),
    ]
    assert [r.summary for r in history] == [
        "first archived",
        "1 paragraph changed (+1 -1 words)",
        "title changed; 1 paragraph added (+19 words)",
    ]
    assert history[2].changes is not None and history[2].changes.to_dict() == {
        "title": True, "changed": 0, "moved": 0, "added": 1, "removed": 0,
        "words_added": 19, "words_removed": 0, "reverted_to": None,
    }  # fmt: skip
    assert [r.title for r in history] == ["Hà Nội duyệt quy hoạch"] * 2 + ["Hà Nội chốt quy hoạch"]
    assert all(r.ingested_at for r in history) and history[0].to_dict()["revision"] == 1


def test_revision_returns_the_old_text_exactly(memory_archive: Archive) -> None:
    raw = RawInput("a", "a", text(), hashlib.sha256(text()).hexdigest(), url=URL)
    first = clean_article(extract(raw))
    memory_archive.add_many([(raw, first)])
    add(memory_archive, text(paragraphs=CHANGED))
    add(memory_archive, text(paragraphs=EXTENDED))
    old = memory_archive.revision(1, 1)
    assert old.blocks == first.blocks and old.title == first.title and old.published == first.published
    assert (old.id, old.revision, old.revisions, old.origin) == (1, 1, 3, "a")
    assert memory_archive.original(old.raw_sha256) == text()
    assert [b.text for b in memory_archive.revision(1, 2).blocks if b.role == "body"] == CHANGED
    assert memory_archive.revision(1, -1).blocks == memory_archive.get(1).blocks
    assert memory_archive.revision(1, -3).blocks == first.blocks
    with pytest.raises(ArticleNotFound, match="article 1 has 3 revisions; there is no revision 5"):
        memory_archive.revision(1, 5)
    with pytest.raises(ArticleNotFound, match="there is no revision -4"):
        memory_archive.revision(1, -4)
    with pytest.raises(ArticleNotFound, match="no article with id 2"):
        memory_archive.revision(2, 1)


# -- re-ingesting ------------------------------------------------------------------


def test_rerunning_the_same_inputs_adds_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    versions = [
        html("Hà Nội duyệt quy hoạch", PARAGRAPHS, URL),
        html("Hà Nội duyệt quy hoạch", PARAGRAPHS, URL + "?utm_source=rss", extra="<footer>Quảng cáo</footer>"),
        html("Hà Nội duyệt quy hoạch", CHANGED, URL),
        html("Hà Nội chốt quy hoạch", EXTENDED, URL),
    ]
    for n, page in enumerate(versions):
        (folder / f"{n}.html").write_bytes(page)
    with Archive(tmp_path / "archive") as archive:
        first = [(r.status, r.revision) for r in ingest_paths(archive, [str(folder)])]
        assert first == [("new", None), ("duplicate", 1), ("revision", 2), ("revision", 3)]
        before = archive.history(1)
        again = [(r.status, r.match) for r in ingest_paths(archive, [str(folder)])]
        # Page 1 was never stored (same text as revision 1): it is recognised by its text, and,
        # having no fetch time, is an older copy, not a revert to revision 1.
        assert again == [("duplicate", "same-bytes"), ("duplicate", "same-url")] + [("duplicate", "same-bytes")] * 2
        assert archive.history(1) == before and archive.stats().articles == 1
        assert_index_consistent(archive)


def test_revert_needs_a_later_fetch_time(memory_archive: Archive) -> None:
    add(memory_archive, text(), fetched_at="2024-05-01T10:00:00+00:00")
    add(memory_archive, text(paragraphs=CHANGED), fetched_at="2024-05-01T11:00:00+00:00")
    # An old crawl of the first text, with other bytes: not a change.
    stale = add(memory_archive, text(tail="Quảng cáo"), fetched_at="2024-05-01T09:00:00+00:00")
    assert (stale.status, stale.revision) == ("duplicate", 1) and stale.note is not None
    assert "older copy" in stale.note
    # The page really went back to its first text.
    back = add(memory_archive, text(tail="Chia sẻ"), fetched_at="2024-05-01T12:00:00+00:00")
    assert (back.status, back.revision) == ("revision", 3)
    assert memory_archive.history(1)[2].summary == "back to the text of revision 1; 1 paragraph changed (+1 -1 words)"
    assert "năm năm" in memory_archive.get(1).blocks[3].text
    # The very bytes of revision 2 again: a copy when fetched before the latest revision ...
    again = text(paragraphs=CHANGED)
    old = add(memory_archive, again, fetched_at="2024-05-01T11:30:00+00:00")
    assert (old.status, old.match, old.id) == ("duplicate", "same-bytes", 1)
    # ... and the page going back to them when fetched after it.
    sha = hashlib.sha256(again).hexdigest()
    assert memory_archive.find_original(sha, fetched_at="2024-05-01T13:00:00+00:00") is None
    back = add(memory_archive, again, fetched_at="2024-05-01T13:00:00+00:00")
    assert (back.status, back.revision) == ("revision", 4)
    assert memory_archive.history(1)[3].changes.reverted_to == 2  # type: ignore[union-attr]
    assert memory_archive.find_original(sha) == (1, "Hà Nội duyệt quy hoạch", 1)
    assert add(memory_archive, again, fetched_at="2024-05-01T14:00:00+00:00").match == "same-bytes"
    # Revision 4 has revision 2's bytes: one original for both.
    (two,) = memory_archive.db.execute(
        "SELECT original_id FROM revisions WHERE article_id = 1 AND number = 2"
    ).fetchone()
    assert memory_archive.db.execute("SELECT original_id FROM articles WHERE id = 1").fetchone() == (two,)
    assert_index_consistent(memory_archive)


# -- links, clusters and exact copies --------------------------------------------------------


LONG = [
    f"Đoạn {i}: hội đồng thành phố thảo luận về ngân sách năm tới cho giao thông, giáo dục và y tế, "
    f"với nhiều ý kiến khác nhau của các đại biểu về khoản chi số {i}."
    for i in range(12)
]
OTHER = [
    f"Mục {i}: đội tuyển bóng đá quốc gia chuẩn bị cho trận đấu vòng loại, huấn luyện viên gọi thêm cầu thủ "
    f"trẻ và thử nghiệm sơ đồ chiến thuật mới số {i}."
    for i in range(12)
]


def test_a_revision_with_another_story_leaves_the_old_cluster_and_is_found_by_its_new_text(
    memory_archive: Archive,
) -> None:
    add(memory_archive, text("Ngân sách", LONG), url=URL)
    near = add(memory_archive, text("Ngân sách (bản khác)", [*LONG[:11], "Một câu kết khác hẳn."]), url=None)
    assert near.link is not None and near.link.other == 1 and near.cluster == 1
    revised = add(memory_archive, text("Bóng đá", OTHER), url=URL)
    assert (revised.status, revised.cluster, revised.link) == ("revision", 1, None)
    # The link made on revision 1 no longer holds: it goes, and the cluster splits.
    assert memory_archive.similar(1) == [] and memory_archive.similar(2) == []
    assert memory_archive.cluster(1).members == (1,) and memory_archive.get(2).cluster == 2
    new_links = memory_archive.links.lookup(fingerprint("\n".join(OTHER)))  # type: ignore[arg-type]
    assert [(link.other, link.level) for link in new_links] == [(1, "near-duplicate")]
    old_links = memory_archive.links.lookup(fingerprint("\n".join(LONG)))  # type: ignore[arg-type]
    assert [link.other for link in old_links] == [2]  # the old text is no longer article 1's
    # A third article copying the new text links to it, noting the revision it was made on.
    third = add(memory_archive, text("Bóng đá", [*OTHER[:11], "Câu kết khác."]), url=None)
    assert third.link is not None and third.link.other == 1
    assert (
        json.loads(memory_archive.db.execute("SELECT evidence FROM links WHERE a = 1 AND b = 3").fetchone()[0]).get(
            "revision"
        )
        is None  # the link was made by article 3's lookup, not by a revision
    )
    assert_index_consistent(memory_archive)


def test_a_revision_that_moves_to_another_story_takes_its_links_along(memory_archive: Archive) -> None:
    # 2 copies most of 1; revised, it copies most of 3 instead: 1 and 3 must not end up in one cluster.
    add(memory_archive, text("Ngân sách", LONG), url=None, origin="a")
    add(memory_archive, text("Ngân sách (bản khác)", [*LONG[:11], "Một câu kết khác hẳn."]), url=URL)
    add(memory_archive, text("Bóng đá", OTHER), url=None, origin="c")
    assert [(a, b, level) for a, b, level, _ in links_of(memory_archive)] == [(1, 2, "near-duplicate")]
    revised = add(memory_archive, text("Bóng đá (bản khác)", [*OTHER[:11], "Câu kết khác."]))
    assert (revised.status, revised.cluster) == ("revision", 2)
    assert revised.link is not None and (revised.link.other, revised.link.level) == (3, "near-duplicate")
    assert links_of(memory_archive) == [(2, 3, "near-duplicate", 0)]
    assert [memory_archive.get(n).cluster for n in (1, 2, 3)] == [1, 2, 2]
    assert_index_consistent(memory_archive)


def test_a_small_revision_keeps_its_links_verified_again(memory_archive: Archive) -> None:
    add(memory_archive, text("Ngân sách", LONG), url=None, origin="a")
    first = add(memory_archive, text("Ngân sách (bản khác)", [*LONG[:11], "Một câu kết khác hẳn."]), url=URL)
    revised = add(memory_archive, text("Ngân sách (bản khác)", [*LONG[:10], "Một câu kết khác hẳn."]), url=URL)
    assert revised.link is not None and first.link is not None
    assert (revised.link.other, revised.link.level, revised.link.evidence["revision"]) == (1, "near-duplicate", 2)
    assert revised.link.score != first.link.score  # the score the new text has
    (stored,) = memory_archive.similar(2)
    assert stored.link == revised.link and memory_archive.get(2).cluster == 1
    assert_index_consistent(memory_archive)


def test_links_given_by_hand_stay_through_revisions(memory_archive: Archive) -> None:
    add(memory_archive, text("Ngân sách", LONG), url=None, origin="a")
    add(memory_archive, text("Bóng đá", OTHER), url=URL)
    assert memory_archive.link(1, 2, "same-story", 0.5, {"why": "the same council meeting"}) == 1
    revised = add(memory_archive, text("Thời tiết", PARAGRAPHS))
    assert (revised.status, revised.cluster) == ("revision", 1)
    assert links_of(memory_archive) == [(1, 2, "same-story", 1)]
    assert memory_archive.similar(2)[0].link.evidence == {"why": "the same council meeting"}
    assert_index_consistent(memory_archive)


def test_a_pair_separated_by_hand_stays_apart_through_revisions(memory_archive: Archive) -> None:
    add(memory_archive, text("Ngân sách", LONG), url=None, origin="a")
    add(memory_archive, text("Ngân sách (bản khác)", [*LONG[:11], "Một câu kết khác hẳn."]), url=URL)
    assert memory_archive.unlink(1, 2).removed is not None
    revised = add(memory_archive, text("Ngân sách (bản khác)", [*LONG[:10], "Một câu kết khác hẳn."]), url=URL)
    assert (revised.status, revised.link, revised.cluster) == ("revision", None, 2)
    assert links_of(memory_archive) == []
    assert_index_consistent(memory_archive)


def test_a_copy_that_takes_a_revised_articles_place_keeps_its_separations(memory_archive: Archive) -> None:
    # 1 and 2 share passages, 3 is an exact copy of 1; 1 and 2 are separated, then 1 is revised away:
    # 3 holds the text that was separated from 2, and stays apart from it.
    add(memory_archive, text("Ngân sách", LONG), url=URL)
    add(memory_archive, text("Ngân sách (bản khác)", [*LONG[:11], "Một câu kết khác hẳn."]), url=None, origin="b")
    add(memory_archive, text("Ngân sách", LONG, head="(09:00 14/08/2020)"), url=None, origin="copy")
    assert memory_archive.unlink(1, 2).apart
    revised = add(memory_archive, text("Bóng đá", OTHER))
    assert (revised.status, revised.id) == ("revision", 1)
    assert memory_archive.get(3).duplicate_of is None and memory_archive.separated(3) == [2]
    assert links_of(memory_archive) == [] and memory_archive.get(2).cluster == 2
    assert_index_consistent(memory_archive)


def test_a_separated_pair_revised_into_one_text_is_linked_and_no_longer_kept_apart(memory_archive: Archive) -> None:
    add(memory_archive, text("Ngân sách", LONG), url=None, origin="a")
    add(memory_archive, text("Ngân sách (bản khác)", [*LONG[:11], "Một câu kết khác hẳn."]), url=URL)
    memory_archive.unlink(1, 2)
    revised = add(memory_archive, text("Ngân sách (bản khác)", LONG), url=URL)
    assert (revised.status, revised.duplicate_of, revised.link.level) == ("revision", 1, "exact")
    assert memory_archive.separated(1) == [] and memory_archive.get(2).cluster == 1
    assert_index_consistent(memory_archive)


def test_the_bytes_of_an_old_revision_are_reported_as_that_revision_not_as_the_article_now(
    memory_archive: Archive,
) -> None:
    first = text("Ngân sách", LONG)
    add(memory_archive, first, fetched_at="2024-05-01T10:00:00+00:00")
    add(memory_archive, text("Bóng đá", OTHER), url=None, origin="b")  # 2
    now = add(memory_archive, text("Bóng đá", OTHER, head="(09:00 14/08/2020)"), fetched_at="2024-05-01T11:00:00+00:00")
    assert (now.status, now.duplicate_of) == ("revision", 2)  # article 1 is now a copy of 2
    again = add(memory_archive, first, fetched_at="2024-05-01T10:30:00+00:00")
    # The first revision's bytes, fetched before the latest: article 1's, with that revision's
    # title; its text was no copy of 2's.
    assert (again.status, again.match, again.id) == ("duplicate", "same-bytes", 1)
    assert (again.title, again.duplicate_of) == ("Ngân sách", 1)


def test_a_pair_linked_by_hand_stays_linked_when_a_stronger_verified_link_was_kept(memory_archive: Archive) -> None:
    add(memory_archive, text("Ngân sách", LONG), url=None, origin="a")
    add(memory_archive, text("Ngân sách (bản khác)", [*LONG[:11], "Một câu kết khác hẳn."]), url=URL)
    memory_archive.link(1, 2, "same-story")  # weaker than the near-duplicate link there: that one is kept
    assert links_of(memory_archive) == [(1, 2, "near-duplicate", 1)]
    add(memory_archive, text("Bóng đá", OTHER))
    assert links_of(memory_archive) == [(1, 2, "near-duplicate", 1)] and memory_archive.get(2).cluster == 1
    assert_clusters_are_components(memory_archive)


def test_a_text_without_words_is_no_revision(memory_archive: Archive) -> None:
    # A body of punctuation alone is no body (a failed fetch?): the article keeps its text and links.
    add(memory_archive, text("Ngân sách", LONG), url=None, origin="a")
    add(memory_archive, text("Ngân sách (bản khác)", [*LONG[:11], "Một câu kết khác hẳn."]), url=URL)
    before = links_of(memory_archive)
    kept = add(memory_archive, text("Ngân sách (bản khác)", ["...", "— —"]))
    assert (kept.status, kept.match, kept.revision, kept.cluster) == ("duplicate", "same-url", 1, 1)
    assert kept.note is not None and "no body text" in kept.note
    assert links_of(memory_archive) == before != [] and memory_archive.get(2).revisions == 1
    assert_clusters_are_components(memory_archive)


def test_a_revised_original_is_no_longer_linked_as_the_same_text_as_its_copy(memory_archive: Archive) -> None:
    add(memory_archive, text("Ngân sách", LONG), url=URL)
    copy = add(memory_archive, text("Ngân sách", LONG, head="(09:00 14/08/2020)"), url=None, origin="copy")
    assert (copy.status, copy.duplicate_of) == ("duplicate", 1)
    add(memory_archive, text("Ngân sách", [*LONG[:11], "Một câu kết khác hẳn."]))
    # 2 holds the old text now, canonical: the two texts are near-duplicates, no longer the same text.
    assert memory_archive.get(2).duplicate_of is None
    assert [(a, b, level) for a, b, level, _ in links_of(memory_archive)] == [(1, 2, "near-duplicate")]
    assert memory_archive.similar(2)[0].link.evidence["revision"] == 1  # found by 2's own index (its revision 1)
    assert_index_consistent(memory_archive)


def test_revision_to_another_articles_text_is_its_exact_copy(memory_archive: Archive) -> None:
    add(memory_archive, text("Bóng đá", OTHER), url="https://tin.example/the-thao/a.html")
    add(memory_archive, text("Ngân sách", LONG), url=URL)
    result = add(memory_archive, text("Ngân sách", OTHER), url=URL)
    assert (result.status, result.id, result.revision, result.duplicate_of) == ("revision", 2, 2, 1)
    assert result.link is not None and (result.link.other, result.link.level) == (1, "exact")
    assert result.link.evidence == {"match": "same-text", "revision": 2}
    assert memory_archive.get(2).duplicate_of == 1 and result.cluster == 1
    assert_index_consistent(memory_archive)


def test_copies_of_a_revised_text_get_a_new_canonical_article(memory_archive: Archive) -> None:
    add(memory_archive, text("Ngân sách", LONG), url=URL)
    copies = [add(memory_archive, text(f"Bản sao {n}", LONG), url=None) for n in range(2)]
    assert [(c.status, c.duplicate_of) for c in copies] == [("duplicate", 1), ("duplicate", 1)]
    add(memory_archive, text("Bóng đá", OTHER), url=URL)
    # Article 2 now holds the old text as its canonical article; 3 is its copy.
    assert [(a.id, a.duplicate_of) for a in memory_archive.articles()] == [(1, None), (2, None), (3, 2)]
    assert_index_consistent(memory_archive)
    assert [link.other for link in memory_archive.links.lookup(fingerprint("\n".join(LONG)))] == [2]  # type: ignore[arg-type]
    # A new copy of the old text is an exact copy of article 2.
    assert add(memory_archive, text("Bản sao 3", LONG), url=None).duplicate_of == 2


def test_site_template_counts_count_a_revised_article_once(memory_archive: Archive) -> None:
    def counts() -> dict[int, int]:
        return dict(memory_archive.db.execute("SELECT hash, articles FROM line_counts").fetchall())

    page = html("Hà Nội duyệt quy hoạch", PARAGRAPHS, URL)
    add(memory_archive, page, url=None)
    before = counts()
    add(memory_archive, html("Hà Nội duyệt quy hoạch", CHANGED, URL), url=None)
    after = counts()
    assert set(after.values()) == {1}  # the unchanged lines were not counted again
    assert len(after) == len(before) + 1  # the changed paragraph is counted once


# -- diffs of revisions ------------------------------------------------------------------


@pytest.fixture
def revised(memory_archive: Archive) -> Archive:
    add(memory_archive, text(), fetched_at="2024-05-01T10:00:00+00:00")
    add(memory_archive, text(paragraphs=CHANGED), fetched_at="2024-05-01T11:00:00+00:00")
    add(memory_archive, text(title="Hà Nội chốt quy hoạch", paragraphs=EXTENDED), fetched_at="2024-05-01T12:00:00Z")
    return memory_archive


def test_diff_of_two_revisions(revised: Archive) -> None:
    result = diff(revised, ["1@1", "1@2"])
    assert isinstance(result, Alignment)
    assert (result.a.revision, result.b.revision) == (1, 2)
    body = result.section("body")
    assert [g.kind for g in body] == ["identical", "changed", "identical"]
    assert [(c.a_text, c.b_text) for c in body[1].changes] == [("năm", "bảy")]
    text_report = render(result, "text")
    assert text_report.startswith("A: #1@1 ") and "\nB: #1@2 " in text_report
    assert "trong [-năm-] năm tới" in text_report and "trong {+bảy+} năm tới" in text_report
    doc = json.loads(render(result, "json"))
    assert [(a["id"], a["revision"]) for a in doc["articles"]] == [(1, 1), (1, 2)]
    assert "#1@1" in render(result, "markdown") and "#1@2" in render(result, "html")


def test_one_reference_is_compared_with_the_latest(revised: Archive) -> None:
    latest = diff(revised, ["1"])
    assert isinstance(latest, Alignment) and (latest.a.revision, latest.b.revision) == (2, 3)
    assert [g.kind for g in latest.section("body")].count("only-b") == 1
    since_first = diff(revised, [parse_ref("1@1")])
    assert isinstance(since_first, Alignment) and (since_first.a.revision, since_first.b.revision) == (1, 3)
    assert isinstance(diff(revised, ["1@-3", "1@-1"]), Alignment)


def test_three_revisions_and_references_that_name_one_text_twice(revised: Archive) -> None:
    result = diff(revised, ["1@1", "1@2", "1@3"], pivot="earliest")
    assert isinstance(result, ClusterComparison)
    doc = json.loads(render(result, "json"))
    assert set(doc["alone"]) == {"1@1", "1@2", "1@3"}
    assert "3 articles" in render(result, "text") and "#1@3" in render(result, "text")
    with pytest.raises(ConfigError, match="the same text twice"):
        diff(revised, ["1@3", "1"])
    with pytest.raises(ConfigError, match="compared once"):
        diff(revised, ["1@2", "1@2"])
    with pytest.raises(ArticleNotFound, match="article 1 has 3 revisions; there is no revision 4"):
        diff(revised, ["1@4", "1"])
    with pytest.raises(ConfigError, match="ID@REVISION"):
        diff(revised, ["1@x"])


def test_one_article_with_one_revision_cannot_be_diffed_alone(memory_archive: Archive) -> None:
    add(memory_archive, text())
    with pytest.raises(ConfigError, match="give two or more article ids, or a cluster id \\(article 1 has one"):
        diff(memory_archive, [1])


# -- migration ------------------------------------------------------------------------------


def test_archive_made_before_revisions_gets_revision_1_and_normalised_urls(tmp_path: Path) -> None:
    # What version 4 wrote: two articles, one with its URL as extracted (not normalised).
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[:4]:
        for statement in _statements(migration):
            conn.execute(statement)
    as_extracted = URL.replace("https://tin.example", "HTTPS://TIN.Example") + "/?utm_source=x"
    for n, (data, url) in enumerate([(text(), as_extracted), (text(paragraphs=EXTENDED), None)], start=1):
        sha = hashlib.sha256(data).hexdigest()
        conn.execute("INSERT INTO originals VALUES (?, ?, 'none', ?)", (sha, len(data), data))
        conn.execute(
            "INSERT INTO articles (raw_sha256, origin, url, title, input_format, body_hash, ingested_at) "
            "VALUES (?, ?, ?, ?, 'text', ?, '2024-01-01T00:00:00+00:00')",
            (
                sha,
                f"{n}.txt",
                url,
                "Tin",
                body_hash(clean_article(extract(RawInput("x", "x", data, sha))).body_paragraphs),
            ),
        )
        conn.executemany(
            "INSERT INTO blocks (article_id, position, role, text, kept) VALUES (?, ?, ?, ?, 1)",
            [(n, i, "title" if i == 0 else "body", line) for i, line in enumerate(data.decode().splitlines())],
        )
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    conn.close()
    with Archive(path) as archive:
        assert [(r.article_id, r.number, r.origin, r.changes) for r in archive.history(1) + archive.history(2)] == [
            (1, 1, "1.txt", None),
            (2, 1, "2.txt", None),
        ]
        assert archive.get(1).url == URL
        assert add(archive, text(paragraphs=CHANGED), url=URL).revision == 2
        assert_index_consistent(archive)


# -- properties ----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    spaces=st.lists(st.sampled_from([" ", "  ", "\t", "\u00a0", " \u3000"]), min_size=1, max_size=8),
    breaks=st.lists(st.sampled_from(["\n", "\n\n", "\r\n"]), min_size=3, max_size=3),
)
def test_white_space_never_makes_a_revision(memory_archive: Archive, spaces: list[str], breaks: list[str]) -> None:
    if count(memory_archive, "articles") == 0:
        add(memory_archive, text())
    words = [w for p in PARAGRAPHS for w in p.split(" ")]
    respaced = "".join(w + spaces[i % len(spaces)] for i, w in enumerate(words))
    data = ("Hà Nội duyệt quy hoạch" + breaks[0] + "(18:50 13/08/2020)" + breaks[1] + respaced + breaks[2]).encode()
    result = add(memory_archive, data)
    assert (result.status, result.match, result.revision) == ("duplicate", "same-url", 1)
    assert len(memory_archive.history(1)) == 1


# Texts that link to each other at every level: each story whole, cut short, with another end, and
# half of one with half of the other.
_STORY_TEXTS = [
    *(part for story in (LONG, OTHER) for part in (story, story[:10], [*story[:11], "Một câu kết khác hẳn."])),
    [*LONG[:6], *OTHER[6:]],
    PARAGRAPHS,
]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_STORY_TEXTS) - 1), st.integers(0, 3)), min_size=2, max_size=9))
def test_after_any_revisions_links_hold_of_the_texts_as_they_are(steps: list[tuple[int, int]]) -> None:
    archive = Archive(":memory:")
    for n, (which, page) in enumerate(steps):
        # Pages 0-2 are URLs (a later text there is a revision), 3 is no URL (always a new article).
        url = f"https://tin.example/bai-{page}.html" if page < 3 else None
        add(archive, text(f"Tin {which}", _STORY_TEXTS[which]), url=url, origin=f"input-{n}")
        assert_clusters_are_components(archive)
    for a, b, level, by_hand in links_of(archive):
        if by_hand or level == "exact":
            continue  # (exact copies are not fingerprinted: their links are checked by assert_index_consistent)
        current = fingerprint("\n".join(blk.text for blk in archive.get(b).blocks if blk.kept and blk.role == "body"))
        assert current is not None
        found = {link.other: link.level for link in archive.links.lookup(current)}
        assert found.get(a) == level, (a, b, level, found)
    assert_index_consistent(archive)


def test_crawls_in_warc_files_make_revisions_in_fetch_order(tmp_path: Path) -> None:
    """Two days of crawls: tracking links and ads are one text, an edit and a headline are revisions,
    and the page going back to its first bytes on day 2 is a revert; the same crawls again add nothing."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    def crawl(name: str, records: list[tuple[str, str, bytes]]) -> Path:
        path = tmp_path / name
        with path.open("wb") as handle:
            writer = WARCWriter(handle, gzip=True)
            for link, date, page in records:
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
                record = writer.create_warc_record(
                    link, "response", payload=io.BytesIO(page), http_headers=http, warc_headers_dict={"WARC-Date": date}
                )
                writer.write_record(record)
        return path

    first = html("Hà Nội duyệt quy hoạch", PARAGRAPHS, None)
    day1 = crawl(
        "day1.warc.gz",
        [
            (URL + "?utm_source=rss", "2024-05-01T08:00:00Z", first),
            (URL + "?fbclid=x", "2024-05-01T09:00:00Z", html("Hà Nội duyệt quy hoạch", PARAGRAPHS, None, "<p>Ad</p>")),
            (URL, "2024-05-01T10:00:00Z", html("Hà Nội duyệt quy hoạch", CHANGED, None)),
        ],
    )
    day2 = crawl(
        "day2.warc.gz",
        [
            (URL + "/", "2024-05-02T08:00:00Z", html("Hà Nội chốt quy hoạch", EXTENDED, None)),
            (URL, "2024-05-02T09:00:00Z", first),
        ],
    )
    with Archive(tmp_path / "archive") as archive:
        results = list(ingest_paths(archive, [str(day1), str(day2)]))
        assert [(r.status, r.match, r.revision) for r in results] == [
            ("new", None, None),
            ("duplicate", "same-url", 1),
            ("revision", "same-url", 2),
            ("revision", "same-url", 3),
            ("revision", "same-url", 4),
        ]
        history = archive.history(URL)
        assert [r.fetched_at for r in history] == [
            "2024-05-01T08:00:00+00:00",
            "2024-05-01T10:00:00+00:00",
            "2024-05-02T08:00:00+00:00",
            "2024-05-02T09:00:00+00:00",
        ]
        assert history[3].changes is not None and history[3].changes.reverted_to == 1
        assert {r.status for r in ingest_paths(archive, [str(day1), str(day2)])} == {"duplicate"}
        assert len(archive.history(1)) == 4 and archive.stats().articles == 1
        assert_index_consistent(archive)


# -- schema version 13: originals by an integer id ----------------------------------------------


def test_an_archive_of_version_12_keeps_every_article_revision_and_original(tmp_path: Path) -> None:
    path = tmp_path / "v12.db"
    with Archive(path) as archive:
        assert add(archive, text()).status == "new"
        assert add(archive, text(paragraphs=CHANGED)).revision == 2
        assert add(archive, text("Tin khác", paragraphs=EXTENDED), url=None).status == "new"
        before = [(archive.get(n), archive.history(n)) for n in (1, 2)]
        first = archive.revision(1, 1)
    to_version_12(path)
    with Archive(path) as archive:
        assert archive.schema_version == SCHEMA_VERSION == 15
        assert [(archive.get(n), archive.history(n)) for n in (1, 2)] == before
        with Archive(tmp_path / "new.db") as new:  # the same tables and indexes as a new archive's
            assert schema_of(archive) == schema_of(new)
        assert [archive.original(r.raw_sha256) for r in before[0][1]] == [text(), text(paragraphs=CHANGED)]
        assert archive.revision(1, 1) == first and first.raw_sha256 == hashlib.sha256(text()).hexdigest()
        # Bytes archived before are still known: the latest revision's, and (fetched earlier) the first's.
        assert add(archive, text(paragraphs=CHANGED)).status == "duplicate"
        assert add(archive, text(), fetched_at="2020-01-01T00:00:00+00:00").status == "duplicate"
        assert add(archive, text(paragraphs=EXTENDED)).revision == 3
        assert_index_consistent(archive)


def schema_of(archive: Archive) -> list[tuple[str, str, str]]:
    return sorted(archive.db.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("DELETE FROM originals", "2 rows name an original that is not there (the first: article 1)"),
        (
            "UPDATE articles SET duplicate_of = 999",
            "1 row names a row that is not there (the first: articles row 1, naming articles)",
        ),
        (
            "UPDATE revisions SET article_id = 998",
            "1 row names a row that is not there (the first: a row of revisions, naming articles)",
        ),
    ],
)
def test_a_migration_that_finds_a_row_naming_a_missing_one_changes_nothing(
    tmp_path: Path, damage: str, message: str
) -> None:
    path = tmp_path / "v12.db"
    with Archive(path) as archive:
        add(archive, text())
        add(archive, text(paragraphs=CHANGED))
    to_version_12(path)
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(damage)
        conn.commit()
        rows = conn.execute("SELECT * FROM articles").fetchall()
    with pytest.raises(
        ArchiveError, match=re.escape(f"to schema version 13: {message}; the archive is left as it was")
    ):
        Archive(path)
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (12,)
        assert conn.execute("SELECT * FROM articles").fetchall() == rows


def test_the_original_of_new_bytes_is_looked_up_by_its_key(memory_archive: Archive) -> None:
    from newsdedup.archive import _FIND_ORIGINAL_SQL

    sha = "ab" * 32
    explained = memory_archive.db.execute("EXPLAIN QUERY PLAN " + _FIND_ORIGINAL_SQL, [sha[:16], sha, 0] * 2)
    plan = [row[3] for row in explained]
    assert [p for p in plan if p.startswith("SEARCH o ")] == ["SEARCH o USING INDEX originals_key (<expr>=?)"] * 2, plan
    assert "SEARCH a USING INDEX sqlite_autoindex_articles_1 (original_id=? AND raw_item=?)" in plan, plan
    # (The revision's row is read only for bytes found among revisions: for its title.)
    assert "SEARCH r USING INDEX revisions_original (original_id=? AND raw_item=?)" in plan, plan
