"""Links and clusters in the archive: exact, near-duplicate, same-story; stable clusters."""

from __future__ import annotations

import hashlib
import random
import re
import sqlite3
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from newsdedup import Archive, ArchiveError, ArticleNotFound, Config, ConfigError, bandfilter, ingest_paths
from newsdedup.cluster import MAX_BUCKET, NO_BODY_NOTE
from newsdedup.extract import extract
from newsdedup.fingerprint import BANDS, SCHEME, Fingerprint, fingerprint
from newsdedup.recenttier import stored_rows
from newsdedup.records import Block, ExtractedArticle, IngestResult, RawInput

from .conftest import DATA, article_text, index_rows
from .test_revisions import add as fetched  # (bytes fetched from a URL: a second text is a revision)
from .test_similarity import paragraph


def add(archive: Archive, name: str, text: str) -> object:
    raw = RawInput(name, name, text.encode(), name.rjust(64, "0"))
    return archive.add_many([(raw, extract(raw))])[0]


def story(seed: int, paragraphs: int = 8) -> list[str]:
    rng = random.Random(seed)
    return [paragraph(rng) for _ in range(paragraphs)]


def test_the_seed_articles_are_one_cluster(memory_archive: Archive) -> None:
    results = list(ingest_paths(memory_archive, [str(DATA)]))
    assert [r.cluster for r in results] == [1, 1]
    link = results[1].link
    assert link is not None and link.other == 1 and link.level == "same-story"
    assert link.evidence is not None and link.evidence["passages"] >= 3
    [cluster] = memory_archive.clusters()
    assert (cluster.id, cluster.size, cluster.canonical, cluster.members) == (1, 2, 1, (1, 2))
    assert memory_archive.get(2).cluster == 1
    assert [s.link.other for s in memory_archive.similar(2)] == [1]
    # Each names where its article came from, beside the title (what names an untitled one).
    origins = {n: memory_archive.get(n).origin for n in (1, 2)}
    assert cluster.origin == origins[1] and memory_archive.similar(2)[0].origin == origins[1]
    assert memory_archive.clusters(levels=("same-story",))[0].origin == origins[1]  # worked out from the links


def test_exact_near_duplicate_and_same_story_links(memory_archive: Archive) -> None:
    a = story(1)
    rng = random.Random(99)
    first = add(memory_archive, "a", article_text("A", *a))
    exact = add(memory_archive, "b", article_text("Another title", *(p.upper() for p in a)))
    near = add(memory_archive, "c", article_text("C", *a, paragraph(rng, 30)))
    same = add(memory_archive, "d", article_text("D", a[1], paragraph(rng), a[4], a[6], *story(7, 6)))
    other = add(memory_archive, "e", article_text("E", *story(2)))
    assert (exact.status, exact.duplicate_of, exact.link.level, exact.link.score) == ("duplicate", 1, "exact", 1.0)
    assert near.link.level == "near-duplicate" and near.link.other == 1 and near.link.score > 0.8
    assert same.link.level == "same-story"
    assert [r.cluster for r in (first, exact, near, same, other)] == [1, 1, 1, 1, 5]
    assert other.link is None
    levels = {s.link.other: s.link.level for s in memory_archive.similar(1)}
    assert levels[2] == "exact" and levels[3] == "near-duplicate" and levels[4] == "same-story"
    assert [c.size for c in memory_archive.clusters()] == [4]
    assert memory_archive.clusters(min_size=1)[-1].members == (5,)


def every_kind_of_link(archive: Archive) -> None:
    """Articles 1-6: 2 an exact copy of 1, 3 its near-duplicate, 4 a same-story report of
    it (and of 3), 6 a near-duplicate of 5, another story."""
    a, e, rng = story(1), story(2), random.Random(99)
    add(archive, "a", article_text("A", *a))
    add(archive, "b", article_text("Another title", *(p.upper() for p in a)))
    add(archive, "c", article_text("C", *a, paragraph(rng, 30)))
    add(archive, "d", article_text("D", a[1], paragraph(rng), a[4], a[6], *story(7, 6)))
    add(archive, "e", article_text("E", *e))
    add(archive, "f", article_text("F", *e, paragraph(rng, 30)))


def test_clusters_by_the_links_of_chosen_levels() -> None:
    archive = Archive(":memory:")
    every_kind_of_link(archive)

    def members(levels: list[str] | None, **options: int) -> list[tuple[int, ...]]:
        return [c.members for c in archive.clusters(levels=levels, **options)]

    assert members(None) == [(1, 2, 3, 4), (5, 6)]
    assert members(["exact", "near-duplicate"]) == [(1, 2, 3), (5, 6)]
    assert members(["exact"]) == [(1, 2)]
    assert members(["same-story"]) == [(1, 3, 4)]  # a level alone
    assert members(["exact"], min_size=1) == [(1, 2), (3,), (4,), (5,), (6,)]
    assert members(["exact"], min_size=1, limit=2, offset=1) == [(3,), (4,)]
    assert members(["exact", "near-duplicate"], min_size=3) == [(1, 2, 3)]
    copies = archive.clusters(levels=["exact"])[0]
    assert (copies.id, copies.size, copies.canonical, copies.title) == (1, 2, 1, "A")
    # The stored clusters stay those of every level.
    assert members(None) == [(1, 2, 3, 4), (5, 6)] and archive.get(4).cluster == 1
    assert [s.link.other for s in archive.similar(1, levels=["exact"])] == [2]
    assert [s.link.other for s in archive.similar(4, levels=["exact", "near-duplicate"])] == []
    for levels in (["copy"], [], ["exact", "exact"], "exact"):
        with pytest.raises(ValueError, match="levels must be distinct link levels"):
            archive.clusters(levels=levels)  # type: ignore[arg-type]
    for levels in (None, ["exact"]):  # (SQL and a list slice would each read -1 their own way)
        with pytest.raises(ValueError, match="offset and limit must be >= 0, got offset=-1, limit=None"):
            archive.clusters(offset=-1, levels=levels)
        with pytest.raises(ValueError, match="offset and limit must be >= 0, got offset=0, limit=-1"):
            archive.clusters(limit=-1, levels=levels)


def test_clusters_worked_out_for_levels_are_those_an_archive_of_those_levels_keeps() -> None:
    every_level, copies = Archive(":memory:"), Archive(":memory:", Config(cluster_levels=("exact", "near-duplicate")))
    for archive in (every_level, copies):
        every_kind_of_link(archive)
    assert copies.clusters(min_size=1) != every_level.clusters(min_size=1)
    assert every_level.clusters(levels=("near-duplicate", "exact"), min_size=1) == copies.clusters(min_size=1)
    assert copies.clusters(levels=("exact", "near-duplicate", "same-story"), min_size=1) == every_level.clusters(
        min_size=1
    )


def test_an_article_like_a_huge_cluster_is_verified_against_its_closest_members(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from newsdedup import cluster as cluster_module

    monkeypatch.setattr(cluster_module, "MAX_VERIFIED", 4)
    archive = Archive(":memory:")
    base = story(1, 10)
    # Eight outlets quote half of the story; one reprints it with a word changed.
    for n in range(8):
        add(archive, f"q{n}", article_text(f"Q{n}", *base[:5], *story(100 + n, 5)))
    reprint = add(archive, "r", article_text("R", *base[:9], base[9].replace(".", " nữa.")))
    result = add(archive, "new", article_text("New", *base))
    linked = {s.link.other: s.link.level for s in archive.similar(result.id)}
    assert len(linked) == 4 and linked[reprint.id] == "near-duplicate"
    assert [c.size for c in archive.clusters()] == [10]


def test_exact_duplicates_add_nothing_to_the_index(memory_archive: Archive) -> None:
    text = article_text("A", *story(1))
    add(memory_archive, "a", text)
    add(memory_archive, "b", text.replace("\n", "\n\n"))
    db = memory_archive.db
    assert db.execute("SELECT count(*) FROM fingerprints").fetchone()[0] == 1
    assert len(stored_rows(db.conn)) == BANDS


def without_body(name: str, title: str) -> tuple[RawInput, ExtractedArticle]:
    raw = RawInput(name, name, title.encode(), name.rjust(64, "0"))
    blocks = (Block(0, "title", title), Block(1, "boilerplate", "Chia sẻ", kept=False, reason="share"))
    return raw, ExtractedArticle(blocks=blocks, title=title)


def test_an_article_without_body_is_archived_not_linked_and_says_so(memory_archive: Archive) -> None:
    result, again = memory_archive.add_many([without_body("t", "Chỉ có tiêu đề"), without_body("u", "Tiêu đề khác")])
    assert result.status == "new" and result.note == NO_BODY_NOTE and result.link is None
    assert again.note == NO_BODY_NOTE and again.cluster == again.id  # empty bodies are not "the same"
    assert memory_archive.similar(result.id) == []


def test_a_brief_inside_a_long_article_is_not_a_near_duplicate(memory_archive: Archive) -> None:
    long = story(3, 14)
    add(memory_archive, "long", article_text("Long", *long))
    brief = add(memory_archive, "brief", article_text("Brief", long[5][:200]))
    assert brief.link is None or brief.link.level != "near-duplicate"


def test_a_link_joins_two_clusters_under_the_older_id(memory_archive: Archive) -> None:
    a, b = story(1), story(2)
    add(memory_archive, "a", article_text("A", *a))
    add(memory_archive, "b", article_text("B", *b))
    # Shares passages with both: the two clusters become one, with the older id.
    bridge = add(memory_archive, "c", article_text("C", a[0], a[1], a[2], b[0], b[1], b[2]))
    assert bridge.cluster == 1
    assert [c.members for c in memory_archive.clusters()] == [(1, 2, 3)]


def test_links_added_later_merge_clusters(memory_archive: Archive) -> None:
    for n in range(3):
        add(memory_archive, str(n), article_text(f"T{n}", *story(n)))
    assert memory_archive.link(3, 2, "same-story", 0.5, {"by": "hand"}) == 2
    assert memory_archive.get(3).cluster == 2 and memory_archive.get(1).cluster == 1
    # A weaker level does not replace a stronger one.
    memory_archive.link(2, 3, "near-duplicate", 0.9)
    memory_archive.link(2, 3, "same-story", 0.1)
    assert [s.link.level for s in memory_archive.similar(2)] == ["near-duplicate"]
    with pytest.raises(ArticleNotFound):
        memory_archive.link(1, 99, "exact")
    with pytest.raises(ArchiveError, match="level must be one of"):
        memory_archive.link(1, 2, "related")
    for score in (7.5, -0.1, float("nan"), True):
        with pytest.raises(ArchiveError, match=r"score must be in \[0, 1\], got"):
            memory_archive.link(1, 2, "same-story", score)
    assert [s.link.other for s in memory_archive.similar(1)] == []  # nothing stored by the refusals


def test_unlinked_articles_part_and_verification_leaves_them_apart(memory_archive: Archive) -> None:
    a = story(1)
    add(memory_archive, "a", article_text("A", *a))
    shared = [a[0], a[2], a[4], a[6], *story(5, 6)]
    assert add(memory_archive, "b", article_text("B", *shared)).link.level == "same-story"
    done = memory_archive.unlink(2, 1)
    assert (done.a, done.b, done.removed.other, done.removed.level) == (2, 1, 1, "same-story")
    assert (done.cluster_a, done.cluster_b, done.apart) == (2, 1, True)
    assert memory_archive.similar(1) == [] and memory_archive.clusters() == []
    # A new index looks every article up again (and finds a missing link: see
    # test_reindex_finds_a_missing_link_again); verification leaves the pair apart.
    assert memory_archive.reindex().links_added == 0 and memory_archive.similar(1) == []
    # A third article sharing text with both joins them in one cluster again, through itself.
    bridge = add(memory_archive, "c", article_text("C", a[0], a[2], a[4], a[6], *shared[4:8], *story(9, 3)))
    assert bridge.cluster == 1 and {s.link.other for s in memory_archive.similar(3)} == {1, 2}
    again = memory_archive.unlink(1, 2)
    assert again.removed is None and not again.apart and again.cluster_a == 1
    # Linked by hand, the pair is linked again and no longer kept apart.
    memory_archive.link(1, 2, "same-story")
    assert memory_archive.db.execute("SELECT count(*) FROM separated").fetchone()[0] == 0
    assert [s.link.other for s in memory_archive.similar(2)] == [1, 3]


def test_a_republication_of_one_of_two_separated_articles_is_kept_apart_from_the_other(
    memory_archive: Archive,
) -> None:
    a = story(1)
    add(memory_archive, "a", article_text("A", *a))
    add(memory_archive, "b", article_text("B", a[0], a[2], a[4], a[6], *story(5, 6)))
    memory_archive.unlink(1, 2)
    # A's text with a sentence added, from another outlet: a near-duplicate of 1, not linked to 2.
    again = add(memory_archive, "c", article_text("A again", *a, paragraph(random.Random(3), 30)))
    assert (again.link.other, again.link.level) == (1, "near-duplicate")
    assert [s.link.other for s in memory_archive.similar(3)] == [1] and memory_archive.get(2).cluster == 2


def test_a_link_given_to_an_exact_copy_is_its_originals_and_can_be_taken_away(memory_archive: Archive) -> None:
    a = story(1)
    add(memory_archive, "a", article_text("A", *a))
    add(memory_archive, "b", article_text("B", a[0], a[2], a[4], a[6], *story(5, 6)))
    add(memory_archive, "c", article_text("A copy", *(p.upper() for p in a)))  # 3: an exact copy of 1
    memory_archive.unlink(3, 2)  # separates 1 and 2
    # Linked by hand through the copy: the originals are linked, and the separation is taken back.
    assert memory_archive.link(3, 2, "same-story") == 1
    assert memory_archive.separated(2) == [] and memory_archive.separated(1) == []
    assert [(s.link.other, s.link.level) for s in memory_archive.similar(2)] == [(1, "same-story")]
    links = memory_archive.db.execute("SELECT a, b, level, given FROM links ORDER BY a, b").fetchall()
    assert links == [(1, 2, "same-story", 1), (1, 3, "exact", 0)]
    # So unlinking through the copy takes that link away again: nothing is left that cannot be.
    done = memory_archive.unlink(2, 3)
    assert done.removed is not None and done.apart and memory_archive.similar(2) == []
    # A link an older version gave the copy itself goes with it too.
    memory_archive.db.execute(
        "INSERT INTO links (a, b, level, score, created_at, given) VALUES (2, 3, 'same-story', 1, '', 1)"
    )
    gone = memory_archive.unlink(3, 2)
    assert gone.apart and gone.removed is not None and gone.removed.level == "same-story"
    assert memory_archive.similar(2) == []
    assert memory_archive.db.execute("SELECT count(*) FROM links WHERE 2 IN (a, b)").fetchone()[0] == 0
    # Two articles of one text are linked as copies already: a hand link adds nothing to keep.
    assert memory_archive.link(1, 3, "same-story") == 1
    assert memory_archive.db.execute("SELECT level, given FROM links WHERE a = 1 AND b = 3").fetchall() == [
        ("exact", 0)
    ]


def test_a_revision_into_a_copy_of_an_article_linked_by_hand_is_linked_exact(memory_archive: Archive) -> None:
    a, b = story(1), story(2)
    fetched(memory_archive, article_text("A", *a).encode(), url="https://tin.example/a")
    add(memory_archive, "b", article_text("B", *b))
    memory_archive.link(1, 2, "same-story")
    revised = fetched(memory_archive, article_text("B", *b).encode(), url="https://tin.example/a")  # now B's text
    assert (revised.status, revised.duplicate_of, revised.link.level) == ("revision", 2, "exact")  # type: ignore[union-attr]
    # The exact link replaces the hand link: it goes with the text (a later revision verifies it).
    rows = memory_archive.db.execute("SELECT a, b, level, given FROM links").fetchall()
    assert rows == [(1, 2, "exact", 0)]
    assert [c.members for c in memory_archive.clusters(levels=("exact",))] == [(1, 2)]
    fetched(memory_archive, article_text("C", *story(3)).encode(), url="https://tin.example/a")
    assert memory_archive.similar(1) == []


def test_a_revision_of_one_of_two_separated_articles_is_not_linked_to_a_copy_of_the_other(
    memory_archive: Archive,
) -> None:
    a = story(1)
    add(memory_archive, "a", article_text("A", *a))
    x_url, x = "https://tin.example/x", [a[0], a[2], a[4], a[6], *story(5, 6)]
    assert fetched(memory_archive, article_text("X", *x).encode(), url=x_url).link.level == "same-story"  # type: ignore[union-attr]
    memory_archive.unlink(1, 2)
    # A's text with a sentence added: a near-duplicate of 1, kept apart from 2 (its republication).
    again = add(memory_archive, "c", article_text("A again", *a, paragraph(random.Random(3), 30)))
    assert [s.link.other for s in memory_archive.similar(3)] == [1]
    # X revised a little (still the same story): not linked to the republication of 1 either.
    revised = fetched(memory_archive, article_text("X", *x[:-1], paragraph(random.Random(4), 40)).encode(), url=x_url)
    assert revised.status == "revision" and revised.link is None and again.cluster == 1
    assert memory_archive.similar(2) == [] and memory_archive.get(2).cluster == 2
    assert memory_archive.reindex().links_added == 0 and memory_archive.similar(2) == []


def test_unlink_refuses_one_article_a_missing_one_and_copies_of_one_text(memory_archive: Archive) -> None:
    a = story(1)
    add(memory_archive, "a", article_text("A", *a))
    add(memory_archive, "b", article_text("A copy", *(p.upper() for p in a)))
    with pytest.raises(ArchiveError, match="cannot separate article 1 from itself"):
        memory_archive.unlink(1, 1)
    with pytest.raises(ArticleNotFound, match="no article with id 99"):
        memory_archive.unlink(1, 99)
    with pytest.raises(ArchiveError, match="same body text"):
        memory_archive.unlink(2, 1)
    assert [s.link.level for s in memory_archive.similar(1)] == ["exact"]
    assert memory_archive.db.execute("SELECT count(*) FROM separated").fetchone()[0] == 0
    with pytest.raises(ArticleNotFound):
        memory_archive.separated(99)
    # Named, an exact copy stands for its original: the original is separated in its place.
    add(memory_archive, "c", article_text("C", *story(2)))
    done = memory_archive.unlink(2, 3)
    assert (done.a, done.b, done.asked, memory_archive.separated(1)) == (1, 3, (2, 3), [3])


def test_links_before_version_14_are_told_given_or_verified_by_their_evidence(archive_dir: Path) -> None:
    a = story(1)
    with Archive(archive_dir) as archive:
        add(archive, "a", article_text("A", *a))
        add(archive, "b", article_text("B", *(p.upper() for p in a)))  # an exact copy of 1
        add(archive, "c", article_text("C", *a[:7]))  # a near-duplicate of 1
        add(archive, "d", article_text("D", *story(2)))
        add(archive, "e", article_text("E", *story(3)))
        archive.link(3, 4, "same-story")
        archive.link(1, 5, "same-story", 0.4, {"by": "hand"})
    conn = sqlite3.connect(archive_dir / "newsdedup.db")
    with conn:
        conn.execute("DROP TABLE separated")  # (version 15)
        conn.execute("ALTER TABLE links DROP COLUMN given")
        conn.execute("PRAGMA user_version = 13")
    conn.close()
    with Archive(archive_dir) as archive:
        given = archive.db.execute("SELECT a, b, level, given FROM links ORDER BY a, b").fetchall()
    assert given == [(1, 2, "exact", 0), (1, 3, "near-duplicate", 0), (1, 5, "same-story", 1), (3, 4, "same-story", 1)]


def test_clusters_follow_the_links_as_stored_when_a_level_is_left_out() -> None:
    # Exact links join no cluster here: a stronger link given by hand over a near-duplicate one
    # (the stronger level wins) leaves the two articles in clusters of their own.
    archive = Archive(":memory:", Config(cluster_levels=("near-duplicate", "same-story")))
    a = story(1)
    add(archive, "a", article_text("A", *a))
    add(archive, "c", article_text("C", *a[:7]))
    assert archive.get(2).cluster == 1
    assert archive.link(1, 2, "exact") == 2
    assert [s.link.level for s in archive.similar(1)] == ["exact"]
    assert (archive.get(1).cluster, archive.get(2).cluster) == (1, 2)


def test_another_connections_commit_makes_remembered_shingles_read_again(archive_dir: Path) -> None:
    a = story(1)
    with Archive(archive_dir) as first, Archive(archive_dir) as second:
        add(first, "a", article_text("A", *a))
        near = fingerprint("\n".join(a[:7]))
        assert near is not None and [link.other for link in second.links.lookup(near)] == [1]
        assert list(second.links._shingles) == [1]
        add(first, "b", article_text("B", *story(2)))  # (another article, or a revision of 1)
        other = fingerprint("\n".join(story(3)))
        assert other is not None and second.links.lookup(other) == []
        assert list(second.links._shingles) == []


def test_cluster_levels_are_a_choice_and_clusters_follow_it(archive_dir: Path) -> None:
    a = story(1)
    with Archive(archive_dir) as archive:
        add(archive, "a", article_text("A", *a))
        add(archive, "b", article_text("B", a[0], a[2], a[4], *story(5)))
        assert archive.get(2).cluster == 1
    exact_only = Config(cluster_levels=("exact", "near-duplicate"))
    with Archive(archive_dir, exact_only) as archive:
        assert archive.get(2).cluster == 2 and archive.clusters() == []
        assert archive.similar(2)[0].link.level == "same-story"  # the link is kept
    with Archive(archive_dir) as archive:
        assert archive.get(2).cluster == 1


def test_lookups_use_the_stored_index_across_sessions(archive_dir: Path) -> None:
    a = story(1)
    with Archive(archive_dir) as archive:
        add(archive, "a", article_text("A", *a))
    with Archive(archive_dir) as archive:
        result = add(archive, "b", article_text("B", *a, "Một câu thêm vào cuối bài."))
    assert result.link is not None and result.link.other == 1


def test_an_archive_from_before_fingerprints_is_indexed_on_open(archive_dir: Path) -> None:
    a = story(1)
    with Archive(archive_dir) as archive:
        add(archive, "a", article_text("A", *a))
        add(archive, "b", article_text("B", *a[:7]))
    # Make it look like a version-1 archive: no index, no links, no clusters.
    conn = sqlite3.connect(archive_dir / "newsdedup.db")
    with conn:
        for table in ("fingerprints", "lsh_bands", "lsh_recent", "links", "clusters", "index_settings"):
            conn.execute(f"DELETE FROM {table}")
    conn.close()
    with Archive(archive_dir) as archive:
        assert archive.get(2).cluster == 1
        assert archive.similar(2)[0].link.level == "near-duplicate"


REFUSED = r"fingerprinted with scheme words5-other, this newsdedup uses words3-.*`newsdedup reindex`"


def _foreign_archive(archive_dir: Path) -> dict[str, object]:
    """A varied archive on disk whose index is relabelled as another scheme's; its state before."""
    with Archive(archive_dir) as archive:
        _varied_archive(archive)
        before = _index_state(archive)
    with sqlite3.connect(archive_dir / "newsdedup.db") as conn:
        conn.execute("UPDATE index_settings SET value = 'words5-other' WHERE name = 'scheme'")
    conn.close()
    return before


def test_an_archive_indexed_with_another_scheme_is_read_but_not_compared_until_reindexed(
    archive_dir: Path,
) -> None:
    before = _foreign_archive(archive_dir)
    fp = fingerprint(article_text("X", *story(81)))
    assert fp is not None
    with Archive(archive_dir) as archive:
        assert archive.get(3).cluster == 1 and archive.similar(3)[0].link.level == "near-duplicate"
        with pytest.raises(ArchiveError, match=REFUSED):
            _a_near_copy_finds(archive, 81, 1)
        with pytest.raises(ArchiveError, match=REFUSED):
            archive.links.lookup(fp)
        with pytest.raises(ArchiveError, match=REFUSED), archive._write():  # a revision: the scheme, not the signature
            archive.links.reindex(4, fp, None, "2026-11-25T00:00:00+00:00", revision=2)
        # An interrupted rebuild, or one rolled back after it was made, leaves it as it was.
        with pytest.raises(KeyboardInterrupt):
            archive.reindex(progress=lambda done, total: _interrupt() if done else None)
        with pytest.raises(KeyboardInterrupt), archive._write():
            archive.links.rebuild_index("2026-11-25T00:00:00+00:00")
            raise KeyboardInterrupt  # (as a COMMIT that fails)
        with pytest.raises(ArchiveError, match=REFUSED):
            archive.links.lookup(fp)
        archive.reindex()
        assert _index_state(archive) == before
        _a_near_copy_finds(archive, 81, 1)
    with Archive(archive_dir) as archive:
        assert archive.db.execute("SELECT value FROM index_settings WHERE name = 'scheme'").fetchone()[0] == SCHEME


def test_opening_an_archive_of_another_scheme_takes_no_write_lock(archive_dir: Path) -> None:
    # Other commands read it while it is being rebuilt (a write transaction of minutes).
    _foreign_archive(archive_dir)
    with Archive(archive_dir) as rebuilding:
        rebuilding.db.conn.execute("BEGIN IMMEDIATE")
        with Archive(archive_dir, Config(busy_timeout=0)) as reader:
            assert reader.get(3).cluster == 1
        rebuilding.db.conn.execute("ROLLBACK")


def test_an_archive_of_another_scheme_is_clustered_by_the_configured_levels(archive_dir: Path) -> None:
    _foreign_archive(archive_dir)
    with Archive(archive_dir, Config(cluster_levels=("exact",))) as archive:
        assert [c.members for c in archive.clusters()] == [(1, 2)]
        with pytest.raises(ArchiveError, match=REFUSED):
            _a_near_copy_finds(archive, 81, 1)


def test_a_rebuild_by_another_connection_is_seen(archive_dir: Path) -> None:
    _foreign_archive(archive_dir)
    fp = fingerprint(article_text("X", *story(81)))
    assert fp is not None
    with Archive(archive_dir) as waiting, Archive(archive_dir) as rebuilding:
        with pytest.raises(ArchiveError, match=REFUSED):
            waiting.links.lookup(fp)
        rebuilding.reindex()
        assert [link.other for link in waiting.links.lookup(fp)][:2] == [1, 3]


def _interrupt() -> None:
    raise KeyboardInterrupt


def test_similar_and_cluster_of_missing_ids(memory_archive: Archive) -> None:
    with pytest.raises(ArticleNotFound):
        memory_archive.similar(7)
    with pytest.raises(ArticleNotFound):
        memory_archive.cluster(7)


WEATHER = "Nhiệt độ cao nhất hôm nay ở Hà Nội là 30 độ, thấp nhất 25 độ, trời nhiều mây."


@pytest.mark.parametrize("size", [500, 9000])
def test_an_oversized_bucket_is_read_newest_first_and_capped(memory_archive: Archive, size: int) -> None:
    # A band key shared by many articles in an archive indexed before buckets were capped
    # (9,000 rows: more than a lookup reads at once, so it falls back to one seek per key).
    fp = fingerprint(WEATHER)
    assert fp is not None
    conn = memory_archive.db.conn
    conn.execute("PRAGMA foreign_keys = OFF")  # fingerprints without articles: the index alone
    conn.executemany(
        "INSERT INTO fingerprints (article_id, words, shingles, signature) VALUES (?, ?, ?, ?)",
        [(n, fp.words, fp.distinct, fp.signature) for n in range(1, size + 1)],
    )
    conn.executemany(
        "INSERT INTO lsh_bands (key, article_id) VALUES (?, ?)", [(fp.bands[0], n) for n in range(1, size + 1)]
    )
    bandfilter.rebuild(conn)  # as opening such an archive does (schema version 8)
    assert sorted(memory_archive.links.candidates(fp)) == list(range(size + 1 - MAX_BUCKET, size + 1))


def test_a_full_bucket_takes_no_more_articles_and_is_still_found(memory_archive: Archive) -> None:
    # A templated text: every article shares all its band keys with the others.
    fp = fingerprint(WEATHER)
    assert fp is not None
    index, now = memory_archive.links, "2026-11-23T00:00:00+00:00"
    memory_archive.db.execute("PRAGMA foreign_keys = OFF")  # articles without originals: the index alone
    for article_id in range(1, MAX_BUCKET + 11):
        memory_archive.db.execute(
            "INSERT INTO articles (id, original_id, raw_item, origin, input_format, ingested_at) "
            "VALUES (?, ?, 0, 'x', 'text', ?)",
            [article_id, article_id, now],
        )
        index.add(article_id, fp, None, now)
    rows = Counter(key for key, _ in stored_rows(memory_archive.db.conn))
    assert set(rows.values()) == {MAX_BUCKET} and len(rows) == len(set(fp.bands))
    # Later articles still find the bucket's members (and are not added to it).
    assert sorted(index.candidates(fp)) == list(range(1, MAX_BUCKET + 1))


def test_the_filter_built_from_fingerprints_reports_every_key_of_the_large_tier(memory_archive: Archive) -> None:
    # A rebuild makes the keys from the stored fingerprints, not from lsh_bands: it relies on
    # every row there being a band key of its article's fingerprint, after full buckets,
    # re-indexed revisions and merges alike.
    fp = fingerprint(WEATHER)
    assert fp is not None
    index, now = memory_archive.links, "2026-11-23T00:00:00+00:00"
    conn = memory_archive.db.conn
    conn.execute("PRAGMA foreign_keys = OFF")  # articles without originals: the index alone
    texts = [WEATHER] * (MAX_BUCKET + 5) + [article_text(f"S{n}", *story(300 + n)) for n in range(40)]
    for article_id, text in enumerate(texts, start=1):
        conn.execute(
            "INSERT INTO articles (id, original_id, raw_item, origin, input_format, ingested_at) "
            "VALUES (?, ?, 0, 'x', 'text', ?)",
            [article_id, article_id, now],
        )
        index.add(article_id, fingerprint(text), None, now)
        if article_id % 25 == 0:
            index.merge_recent(force=True)
    # New text for articles in both tiers: their old rows go, the new ones come.
    for article_id, seed in ((3, 400), (len(texts) - 30, 401), (len(texts), 402)):
        index.reindex(article_id, fingerprint(article_text("R", *story(seed))), None, now, revision=2)
    index.merge_recent(force=True)
    built = bandfilter.rebuild(conn)
    assert built is not None
    large = [key for (key,) in conn.execute("SELECT key FROM lsh_bands")]
    assert len(large) > 40 * BANDS and built.may_contain(large).all()
    assert built.keys == len(texts) * BANDS  # an upper bound of the keys present
    assert not memory_archive.db.execute(
        "SELECT count(*) FROM lsh_bands WHERE article_id NOT IN (SELECT article_id FROM fingerprints)"
    ).fetchone()[0]


def test_a_rolled_back_batch_leaves_no_stale_state(archive_dir: Path) -> None:
    x, y = story(11), story(12)

    def item(name: str, text: str) -> tuple[RawInput, ExtractedArticle]:
        raw = RawInput(name, name, text.encode(), name.rjust(64, "0"))
        return raw, extract(raw)

    with Archive(archive_dir) as mine, Archive(archive_dir) as other:
        # A batch fails after its first article was indexed: everything is rolled back...
        first_x = item("x", article_text("X", *x))
        ahead = mine.precompute(*first_x)
        with pytest.raises(ValueError, match="item 1: its precomputed record was made from other bytes"):
            mine.add_many([first_x, item("x2", article_text("X2", *x[:3]))], [ahead, ahead])
        assert mine.stats().articles == 0
        # ...another process stores another article under the freed id...
        assert other.add_many([item("y", article_text("Y", *y))])[0].id == 1
        # ...and this one compares with that article's text, not the rolled-back one's.
        again = mine.add_many([item("y2", article_text("Y2", *y, "Thêm một câu."))])[0]
    assert again.link is not None and (again.link.other, again.link.level) == (1, "near-duplicate")


def test_the_small_index_tier_is_merged_when_full_and_lookups_see_both(
    memory_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsdedup import cluster as cluster_module

    db = memory_archive.db
    monkeypatch.setattr(cluster_module, "MERGE_AT_ROWS", 2 * BANDS)
    a, b = story(21), story(22)
    add(memory_archive, "a", article_text("A", *a))
    assert len(stored_rows(db.conn)) == BANDS  # not full yet
    add(memory_archive, "b", article_text("B", *b))
    # Full after the second article's batch: everything moved to the large tier.
    assert stored_rows(db.conn) == []
    assert db.execute("SELECT count(DISTINCT article_id) FROM lsh_bands").fetchone()[0] == 2
    add(memory_archive, "c", article_text("C", *story(23)))
    # Near-duplicates of an article in either tier are found.
    near_a = add(memory_archive, "a2", article_text("A2", *a, "Thêm một câu ở cuối bài."))
    near_c = add(memory_archive, "c2", article_text("C2", *story(23), "Thêm một câu ở cuối bài."))
    assert near_a.link is not None and near_a.link.other == 1  # type: ignore[attr-defined]
    assert near_c.link is not None and near_c.link.other == 3  # type: ignore[attr-defined]
    assert memory_archive.links.merge_recent(force=True) == BANDS * 1
    assert memory_archive.links.merge_recent(force=True) == 0


def both_tiers(archive: Archive, keys: tuple[int, ...]) -> list[int]:
    """Candidates read from both tiers without the filter: every article sharing a key."""
    return sorted({article for key, article in index_rows(archive.db.conn) if key in keys})


def test_the_large_tier_is_read_only_for_keys_its_filter_may_hold(
    memory_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsdedup import cluster as cluster_module

    monkeypatch.setattr(cluster_module, "MERGE_AT_ROWS", BANDS)  # merged after every batch
    stories = [story(30 + n) for n in range(6)]
    for n, paragraphs in enumerate(stories):
        add(memory_archive, f"s{n}", article_text(f"S{n}", *paragraphs))
    assert stored_rows(memory_archive.db.conn) == []
    assert bandfilter.load(memory_archive.db.conn) is not None
    lookups: list[str] = []
    for paragraphs in [*stories, story(40)]:  # archived ones, their copies, one unknown
        for text in (article_text("T", *paragraphs), article_text("T", *paragraphs[:5], "Thêm.")):
            fp = fingerprint(text)
            assert fp is not None
            statements: list[str] = []
            memory_archive.db.conn.set_trace_callback(statements.append)
            found = memory_archive.links.candidates(fp)
            memory_archive.db.conn.set_trace_callback(None)
            assert sorted(found) == both_tiers(memory_archive, fp.bands)
            lookups.append(" ".join(statements))
    # An archived story's lookup seeks its keys in the large tier; the unknown one's does not.
    assert "lsh_bands" in lookups[0] and "lsh_bands" not in lookups[-1]


def test_a_merge_by_another_connection_is_seen(archive_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsdedup import cluster as cluster_module

    monkeypatch.setattr(cluster_module, "MERGE_AT_ROWS", BANDS)
    x, y = story(51), story(52)
    with Archive(archive_dir) as mine, Archive(archive_dir) as other:
        add(mine, "x", article_text("X", *x))
        near_x = fingerprint(article_text("X2", *x, "Thêm một câu."))
        assert near_x is not None and other.links.candidates(near_x) == [1]  # other loads the filter
        add(mine, "y", article_text("Y", *y))  # merged: the stored filter changes
        near_y = fingerprint(article_text("Y2", *y, "Thêm một câu."))
        assert near_y is not None and other.links.candidates(near_y) == [2]


def test_in_a_write_transaction_the_tiers_are_checked_once(archive_dir: Path) -> None:
    # No other connection commits while this one writes: one PRAGMA data_version a
    # transaction, not one a lookup; outside it, every lookup checks (another may commit).
    x = story(53)
    with Archive(archive_dir) as mine, Archive(archive_dir) as other:
        add(mine, "x", article_text("X", *x))
        near_x = fingerprint(article_text("X2", *x, "Thêm một câu."))
        assert near_x is not None
        checks: list[str] = []
        mine.db.conn.set_trace_callback(lambda sql: checks.append(sql) if "data_version" in sql else None)
        with mine._write():
            assert [mine.links.candidates(near_x) for _ in range(3)] == [[1]] * 3
        assert len(checks) == 1
        add(other, "x2", article_text("X2", *x, "Thêm một câu."))  # another connection commits
        assert mine.links.candidates(near_x) == [1, 2]  # seen: checked again outside the transaction
        assert mine.links.candidates(near_x) == [1, 2]
        assert len(checks) == 3
        add(other, "x3", article_text("X3", *x, "Thêm hai câu."))  # and again, between two of mine
        with mine._write():
            assert mine.links.candidates(near_x) == [1, 2, 3]  # the next transaction checks first
        assert len(checks) == 4


def test_a_rolled_back_merge_leaves_filter_and_tier_in_step(
    memory_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsdedup import cluster as cluster_module

    monkeypatch.setattr(cluster_module, "MERGE_AT_ROWS", BANDS)
    a, b = story(61), story(62)
    add(memory_archive, "a", article_text("A", *a))
    real = bandfilter.add_merged

    def fail_after_storing(*args: object, **kwargs: object) -> object:
        real(*args, **kwargs)  # type: ignore[arg-type]
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(bandfilter, "add_merged", fail_after_storing)
    with pytest.raises(ArchiveError, match="disk I/O error"):
        add(memory_archive, "b", article_text("B", *b))
    monkeypatch.setattr(bandfilter, "add_merged", real)
    # The batch and its merge are gone; the filter in memory is reloaded, not trusted.
    assert memory_archive.stats().articles == 1
    index = memory_archive.links
    stored = bandfilter.load(memory_archive.db.conn)
    weather = fingerprint(WEATHER)
    assert weather is not None and index.candidates(weather) == []  # a lookup: it rereads the filter
    current = index._band_filter
    assert stored is not None and current is not None
    assert (current.token, current.bits.tobytes()) == (stored.token, stored.bits.tobytes())
    again = add(memory_archive, "b", article_text("B", *b))
    near_b = fingerprint(article_text("B2", *b, "Thêm một câu."))
    assert near_b is not None and index.candidates(near_b) == [again.id]  # type: ignore[attr-defined]


def archive_at_version(
    path: Path, version: int, fp: Fingerprint, articles: int = 1, *, indexed: int = 1
) -> sqlite3.Connection:
    """A new archive file with the schema of ``version``, ``fp`` stored as the fingerprint of
    articles 1 to ``articles``, and its band keys in the large tier as those of articles 1 to ``indexed``."""
    from newsdedup.archive import _statements
    from newsdedup.schema import MIGRATIONS

    conn = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[:version]:
        for statement in _statements(script):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.executemany(
        "INSERT INTO fingerprints (article_id, words, shingles, signature) VALUES (?, ?, ?, ?)",
        [(n, fp.words, fp.distinct, fp.signature) for n in range(1, articles + 1)],
    )
    conn.executemany(
        "INSERT INTO lsh_bands (key, article_id) VALUES (?, ?)",
        [(k, n) for n in range(1, indexed + 1) for k in fp.bands],
    )
    return conn


def test_an_archive_indexed_before_the_filter_gets_one_on_open(tmp_path: Path) -> None:
    from newsdedup.schema import SCHEMA_VERSION

    path = tmp_path / "v7.db"
    fp = fingerprint(WEATHER)
    assert fp is not None
    conn = archive_at_version(path, 7, fp, articles=2)
    # Version 7's small tier held rows like the large one's: version 9 moves them there.
    conn.executemany("INSERT INTO lsh_recent (key, article_id) VALUES (?, 2)", [(k,) for k in fp.bands])
    conn.close()
    with Archive(path) as archive:
        assert archive.schema_version == SCHEMA_VERSION == 15
        assert archive.links.candidates(fp) == [1, 2]
        stored = bandfilter.load(archive.db.conn)
        assert stored is not None and stored.keys == 2 * len(fp.bands)
        assert stored_rows(archive.db.conn) == []
        assert index_rows(archive.db.conn) == sorted((k, a) for k in fp.bands for a in (1, 2))


def test_a_filter_of_3_bits_a_key_is_built_again_on_opening(tmp_path: Path) -> None:
    # Version 10: keys set 5 bits; a version 9 archive's filter (3) is built again when opened.
    path = tmp_path / "v9.db"
    fp = fingerprint(WEATHER)
    assert fp is not None
    conn = archive_at_version(path, 9, fp)
    old = bandfilter.BandFilter(np.zeros(bandfilter.MIN_BITS // 8, dtype=np.uint8), hashes=3)
    old.add(fp.bands)
    conn.execute(
        "INSERT INTO lsh_filter (id, token, hashes, keys, bits) VALUES (1, 7, 3, ?, ?)", (old.keys, old.bits.tobytes())
    )
    conn.close()
    with Archive(path) as archive:
        stored = bandfilter.load(archive.db.conn)
        assert stored is not None and stored.hashes == bandfilter.HASHES != 3 and stored.token != 7
        assert archive.links.candidates(fp) == [1]


def test_a_filter_of_version_11_is_built_again_on_opening(tmp_path: Path) -> None:
    # Version 12: a key's word is (h(0) >> 43) mod words, no longer the top bits of h(0), in a
    # table of another name (a process of an older version fails on it, instead of misreading it).
    path = tmp_path / "v11.db"
    fp = fingerprint(WEATHER)
    assert fp is not None
    conn = archive_at_version(path, 11, fp)
    conn.execute(
        "INSERT INTO lsh_filter (id, token, hashes, keys, bits) VALUES (1, 7, ?, ?, zeroblob(?))",
        (bandfilter.HASHES, len(fp.bands), bandfilter.MIN_BITS // 8),
    )
    conn.close()
    with Archive(path) as archive:
        stored = bandfilter.load(archive.db.conn)
        assert stored is not None and stored.token != 7 and stored.may_contain(fp.bands).all()
        assert archive.links.candidates(fp) == [1]
        tables = {row[0] for row in archive.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "lsh_band_filter" in tables and "lsh_filter" not in tables


def test_a_lookup_reads_filter_and_tiers_as_one_state(archive_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Another process merges between this connection's filter test and its query: the
    # rows move from the small tier to the large one, which the old filter does not cover.
    with Archive(archive_dir) as writer, Archive(archive_dir) as reader:
        add(writer, "a", article_text("A", *story(71)))
        with writer._write():
            writer.links.merge_recent(force=True)
        x = story(72)
        add(writer, "x", article_text("X", *x))
        near_x = fingerprint(article_text("X2", *x, "Thêm một câu."))
        assert near_x is not None and reader.links.candidates(near_x) == [2]
        test_keys = bandfilter.BandFilter.keys_to_seek

        def merge_meanwhile(self: bandfilter.BandFilter, keys: tuple[int, ...], probes: bytes = b"") -> list[int]:
            found = test_keys(self, keys, probes)
            monkeypatch.setattr(bandfilter.BandFilter, "keys_to_seek", test_keys)
            with writer._write():
                assert writer.links.merge_recent(force=True) == BANDS
            return found

        monkeypatch.setattr(bandfilter.BandFilter, "keys_to_seek", merge_meanwhile)
        assert reader.links.candidates(near_x) == [2]
        assert bandfilter.BandFilter.keys_to_seek is test_keys  # the merge did happen in between


def test_a_damaged_filter_is_an_archive_error(memory_archive: Archive) -> None:
    conn = memory_archive.db.conn
    conn.execute("INSERT INTO lsh_band_filter (id, token, hashes, keys, bits) VALUES (1, 7, 3, 0, x'00ff00')")
    fp = fingerprint(WEATHER)
    assert fp is not None
    with pytest.raises(ArchiveError, match=r"band filter \(table lsh_band_filter\) is damaged: .*got 24"):
        memory_archive.links.candidates(fp)


def test_a_damaged_signature_is_an_archive_error(memory_archive: Archive) -> None:
    add(memory_archive, "a", article_text("A", *story(1)))
    add(memory_archive, "b", article_text("B", *story(2)))
    memory_archive.db.conn.execute("UPDATE fingerprints SET signature = x'0102' WHERE article_id = 2")
    fp = fingerprint(" ".join(story(1) + story(2)))
    assert fp is not None and memory_archive.links.candidates(fp) == [1, 2]
    with pytest.raises(ArchiveError, match="the fingerprint of article 2 is damaged: its signature is not 256 bytes"):
        memory_archive.links.lookup(fp)


def test_the_screen_leaves_out_the_band_that_made_a_candidate() -> None:
    # Pairs of 400 random shingles with a Jaccard of 0.05, of which only LSH candidates
    # (a whole band equal) are screened, as in a lookup. Counting the chosen band's values
    # in biased every estimate up by about 2/128; without them the mean is the real Jaccard.
    import numpy as np

    from newsdedup.cluster import signature_estimates
    from newsdedup.fingerprint import fingerprint_shingles, signature_values

    rng = np.random.default_rng(7)
    size, shared = 400, 38  # 38 / (800 - 38) = 0.0499
    corrected, counted = [], []
    for _ in range(1500):
        values = rng.choice(2**32, size=2 * size - shared, replace=False).astype(np.uint32)
        a, b = values[:size], values[size - shared :]
        fa, fb = (fingerprint_shingles(v, word_count=size + 2) for v in (a, b))
        if not set(fa.bands) & set(fb.bands):
            continue
        matches = int(np.count_nonzero(signature_values(fa.signature) == signature_values(fb.signature)))
        corrected.append(signature_estimates(matches, fa.distinct, fb.distinct)[0])
        counted.append(matches / 128)
    assert len(corrected) > 150
    assert abs(float(np.mean(corrected)) - 0.05) < 0.006
    assert float(np.mean(counted)) > 0.058  # what the screen used to see


def test_a_candidate_sharing_just_its_band_is_not_verified() -> None:
    from newsdedup.cluster import signature_estimates

    # A long article and a short one sharing one band and one value more: the old
    # estimate made that 48 shared shingles (containment 0.17), enough to verify.
    jaccard, shared, _ = signature_estimates(3, 1808, 289)
    assert shared < 0.4 * Config().same_story_min_words and jaccard < 0.5 * Config().near_duplicate_jaccard
    assert signature_estimates(128, 500, 500) == (1.0, 500.0, 1.0)


def test_lookups_screen_candidates_with_the_corrected_estimates(
    memory_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsdedup import cluster

    seen: list[tuple[int, int, int]] = []

    def spy(matches: int, distinct: int, other_distinct: int) -> tuple[float, float, float]:
        seen.append((matches, distinct, other_distinct))
        return (0.0, 0.0, 0.0)  # nothing passes: no candidate is verified, none linked

    body = "\n\n".join(story(5))
    add(memory_archive, "a.txt", f"Tin một\n\n{body}")
    monkeypatch.setattr(cluster, "signature_estimates", spy)
    result = add(memory_archive, "b.txt", f"Tin hai\n\n{body}\n\nMột đoạn thêm vào cuối bài.")
    assert seen and seen[0][0] > 100  # the near-copy was a candidate, screened by the estimates
    assert result.link is None  # type: ignore[attr-defined]


def _index_state(archive: Archive) -> dict[str, object]:
    """What reindexing must give back: fingerprints, band rows of both tiers, links, clusters."""
    conn = archive.db.conn
    return {
        "fingerprints": conn.execute("SELECT * FROM fingerprints ORDER BY article_id").fetchall(),
        "rows": index_rows(conn),
        "links": conn.execute("SELECT * FROM links ORDER BY a, b").fetchall(),
        "clusters": conn.execute("SELECT * FROM clusters ORDER BY article_id").fetchall(),
    }


def _varied_archive(archive: Archive) -> None:
    """Copies, near-copies, shared passages, an unrelated story and one without body text,
    in both tiers of the index (the large one with its filter)."""
    a, b = story(81), story(82)
    add(archive, "a", article_text("A", *a))
    add(archive, "copy", article_text("A", *a))  # an exact copy
    add(archive, "near", article_text("A2", *a, "Một câu thêm vào cuối bài."))
    add(archive, "b", article_text("B", *b))
    add(archive, "mixed", article_text("AB", *a[:4], *b[:4]))  # same story as both
    assert archive.add_many([without_body("empty", "Chỉ có tiêu đề")])[0].note == NO_BODY_NOTE
    with archive._write():
        archive.links.merge_recent(force=True)
    add(archive, "c", article_text("C", *story(83)))
    add(archive, "near-b", article_text("B2", *b, "Thêm một câu nữa."))


def _a_near_copy_finds(archive: Archive, seed: int, original: int) -> None:
    """A new near-copy of ``story(seed)`` is linked to its ``original``: the index works."""
    result = add(archive, f"near-{seed}", article_text("Again", *story(seed), "Và một câu cuối."))
    assert (result.link.other, result.link.level) == (original, "near-duplicate")  # type: ignore[attr-defined]


def test_reindex_gives_back_the_index_ingestion_built(memory_archive: Archive) -> None:
    _varied_archive(memory_archive)
    before = _index_state(memory_archive)
    assert memory_archive.db.execute("SELECT count(*) FROM lsh_band_filter").fetchone()[0] == 1
    calls: list[tuple[int, int]] = []
    done = memory_archive.reindex(progress=lambda n, total: calls.append((n, total)))
    assert (done.articles, done.fingerprinted, done.without_body, done.copies, done.links_added) == (7, 6, 1, 1, 0)
    assert calls == [(0, 7), (7, 7)]
    assert _index_state(memory_archive) == before
    _a_near_copy_finds(memory_archive, 83, 7)  # the rebuilt index is used as the old one was


def test_reindex_repairs_a_damaged_index(memory_archive: Archive) -> None:
    _varied_archive(memory_archive)
    before = _index_state(memory_archive)
    conn = memory_archive.db.conn
    conn.execute("UPDATE fingerprints SET signature = x'0102' WHERE article_id = 1")
    conn.execute("UPDATE lsh_band_filter SET bits = 'text' WHERE id = 1")
    conn.execute("UPDATE lsh_recent SET keys = x'010203' WHERE article_id = 8")
    memory_archive.links.rolled_back()  # (what this connection holds in memory is read again)
    with pytest.raises(ArchiveError, match=r"is damaged: .*`newsdedup reindex` \(Archive.reindex\) builds the index"):
        _a_near_copy_finds(memory_archive, 81, 1)
    assert memory_archive.reindex().fingerprinted == 6
    assert _index_state(memory_archive) == before
    _a_near_copy_finds(memory_archive, 81, 1)


def test_an_interrupted_reindex_changes_nothing(disk_archive: Archive) -> None:
    _varied_archive(disk_archive)
    before = _index_state(disk_archive)

    def stop(done: int, total: int) -> None:
        if done:  # after the articles were indexed again, before the commit
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        disk_archive.reindex(progress=stop)
    assert _index_state(disk_archive) == before
    _a_near_copy_finds(disk_archive, 83, 7)


def test_reindex_finds_a_missing_link_again(memory_archive: Archive) -> None:
    _varied_archive(memory_archive)
    before = _index_state(memory_archive)
    memory_archive.db.conn.execute("DELETE FROM links WHERE a = 1 AND b = 3")  # the near-copy's
    done = memory_archive.reindex()
    assert done.links_added == 1
    after = _index_state(memory_archive)
    assert [row[:3] for row in after["links"]] == [row[:3] for row in before["links"]]  # type: ignore[index]
    assert after["clusters"] == before["clusters"]


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        ("UPDATE fingerprints SET shingles = 'many' WHERE article_id = 1", "its count of shingles is 'many'"),
        ("UPDATE fingerprints SET shingles = 0 WHERE article_id = 1", "its count of shingles is 0"),
        ("UPDATE lsh_recent SET keys = 'text' WHERE article_id = 8", "a row of lsh_recent is not a list of 32-bit"),
    ],
)
def test_other_damage_is_an_archive_error_that_names_the_repair(
    memory_archive: Archive, damage: str, named: str
) -> None:
    _varied_archive(memory_archive)
    before = _index_state(memory_archive)
    memory_archive.db.conn.execute(damage)
    memory_archive.links.rolled_back()  # (what this connection holds in memory is read again)
    with pytest.raises(ArchiveError, match=f"{re.escape(named)}.*`newsdedup reindex`"):
        _a_near_copy_finds(memory_archive, 81, 1)
    memory_archive.reindex()
    assert _index_state(memory_archive) == before


def test_a_new_revision_of_an_article_with_a_damaged_signature_is_an_archive_error(memory_archive: Archive) -> None:
    _varied_archive(memory_archive)
    memory_archive.db.conn.execute("UPDATE fingerprints SET signature = x'010203' WHERE article_id = 4")
    fp = fingerprint(article_text("B3", *story(84)))
    with (
        pytest.raises(ArchiveError, match=r"the fingerprint of article 4 is damaged: .*`newsdedup reindex`"),
        memory_archive._write(),
    ):
        memory_archive.links.reindex(4, fp, None, "2026-11-25T00:00:00+00:00", revision=2)


def test_an_old_archive_with_a_damaged_fingerprint_opens_to_be_repaired(tmp_path: Path) -> None:
    # Migrating to version 12 builds the band filter; from damaged fingerprints it is built from
    # the rows, so the archive opens (and `newsdedup reindex` can run), and lookups name the damage.
    path = tmp_path / "v11.db"
    fp = fingerprint(WEATHER)
    assert fp is not None
    conn = archive_at_version(path, 11, fp, articles=2, indexed=2)
    conn.execute("UPDATE fingerprints SET signature = x'00' WHERE article_id = 2")
    conn.close()
    with Archive(path) as archive:
        stored = bandfilter.load(archive.db.conn)
        assert stored is not None and stored.may_contain(fp.bands).all()
        assert archive.links.candidates(fp) == [1, 2]
        with pytest.raises(ArchiveError, match=r"the fingerprint of article 2 is damaged: .*`newsdedup reindex`"):
            archive.links.lookup(fp)


@pytest.mark.parametrize(("sources", "linked"), [(("VNE", "VNE"), False), (("VNE", "TN"), True), ((None, None), True)])
def test_one_outlets_articles_need_more_shared_text(sources: tuple[str | None, str | None], linked: bool) -> None:
    # Three shared paragraphs, 0.375 of the shorter article: same-story across outlets (or
    # sources unknown), but within one outlet it is what its own tables and blurbs look like.
    archive = Archive(":memory:")
    a = story(1, 10)
    for name, source, paragraphs in (("a", sources[0], a), ("b", sources[1], [a[1], a[4], a[7], *story(2, 5)])):
        raw = RawInput(name, name, article_text(name.upper(), *paragraphs).encode(), name.rjust(64, "0"))
        [result] = archive.add_many([(raw, extract(raw, Config(source=source)))])
    if linked:
        assert result.link is not None and result.link.level == "same-story" and result.link.score == 0.375
    else:
        assert result.link is None and result.cluster == result.id
    # A lookup of the text, not stored, gives what ingesting it would, given its source.
    alone = Archive(":memory:")
    raw = RawInput("a", "a", article_text("A", *a).encode(), "a".rjust(64, "0"))
    alone.add_many([(raw, extract(raw, Config(source=sources[0])))])
    fp = fingerprint("\n".join([a[1], a[4], a[7], *story(2, 5)]))
    assert fp is not None
    assert [link.other for link in alone.links.lookup(fp, source=sources[1])] == ([1] if linked else [])
    # The rule is the config's: with the general threshold alone, one outlet's pair links too.
    loose = Archive(":memory:", Config(same_source_min_coverage=0.25))
    for name, source, paragraphs in (("a", sources[0], a), ("b", sources[1], [a[1], a[4], a[7], *story(2, 5)])):
        raw = RawInput(name, name, article_text(name.upper(), *paragraphs).encode(), name.rjust(64, "0"))
        [result] = loose.add_many([(raw, extract(raw, Config(source=source)))])
    assert result.link is not None and result.link.level == "same-story"


def add_from(
    archive: Archive, name: str, source: str | None, paragraphs: list[str], url: str | None = None
) -> IngestResult:
    data = article_text(name.upper(), *paragraphs).encode()
    raw = RawInput(name, name, data, hashlib.sha256(data).hexdigest(), url=url)
    [result] = archive.add_many([(raw, extract(raw, Config(source=source)))])
    return result


def clusters_are_components(archive: Archive) -> bool:
    from tests.test_revisions import assert_clusters_are_components

    assert_clusters_are_components(archive)
    return True


def test_an_outlets_stock_text_links_none_of_its_articles() -> None:
    # An outlet prints one results box (four paragraphs) under reports of different matches: half
    # of each article. From the fifth article that holds it, the box is that outlet's stock text.
    box = story(100, 4)
    archive = Archive(":memory:")
    results = [add_from(archive, f"r{n}", "VNE", [*box, *story(n, 4)]) for n in range(3)]
    # Two reports of one match with the box: they share the box and six paragraphs of the report.
    match, ends = story(200, 6), story(201, 4)
    first = add_from(archive, "m1", "VNE", [*box, *match, *ends[:2]])
    assert [len(archive.similar(r.id)) for r in [*results, first]] == [3, 3, 3, 3]  # not stock yet
    second = add_from(archive, "m2", "VNE", [*box, *match[:3], ends[2], *match[3:], ends[3]])
    assert second.link is not None and second.link.other == first.id  # through the report alone
    # The links made through the box before are verified again without it: those it alone made go.
    assert [len(archive.similar(r.id)) for r in results] == [0, 0, 0]
    results += [add_from(archive, f"r{n}", "VNE", [*box, *story(n, 4)]) for n in range(3, 7)]
    assert [r.link for r in results[3:]] == [None] * 4
    assert [c.members for c in archive.clusters()] == [(first.id, second.id)]
    # Another outlet's report with the box: not linked through it either (it is VNE's stock text).
    other = add_from(archive, "t", "TN", [*box, *story(50, 4)])
    assert other.link is None
    # Text of the report itself, shared across outlets, still links.
    follow = add_from(archive, "f", "TN", [*story(6, 4), *story(60, 3)])
    assert follow.link is not None and (follow.link.other, follow.link.level) == (results[6].id, "same-story")


def test_stock_text_needs_known_sources_and_the_configured_count() -> None:
    # Without sources (files ingested without --source), no text is any outlet's stock text: seven
    # articles sharing one box all link, as copies of one agency text in many outlets must.
    box = story(100, 4)
    unknown = Archive(":memory:")
    results = [add_from(unknown, f"r{n}", None, [*box, *story(n, 4)]) for n in range(7)]
    assert [len(unknown.similar(r.id)) for r in results] == [6] * 7
    # The count is the config's.
    counted = Archive(":memory:", Config(stock_min_articles=8))
    results = [add_from(counted, f"r{n}", "VNE", [*box, *story(n, 4)]) for n in range(7)]
    assert [len(counted.similar(r.id)) for r in results] == [6] * 7
    with pytest.raises(ConfigError, match="stock_min_articles must be an integer >= 3, got 2"):
        Config(stock_min_articles=2)


def test_stock_text_found_on_a_revision_leaves_clusters_that_are_the_links_components() -> None:
    box, shared = story(100, 4), story(300, 6)
    archive = Archive(":memory:")
    for n in range(4):
        add_from(archive, f"m{n}", "VNE", [*box, *story(n, 4)])
    add_from(archive, "r", "VNE", [*shared, *story(301, 4)], url="https://vne.example/r")
    add_from(archive, "z", "TN", [*box, *shared[:4]])
    assert {c.size for c in archive.clusters()} == {6} and clusters_are_components(archive)
    # The article that held the six together becomes VNE's fifth with the box, and nothing else.
    revised = add_from(archive, "r", "VNE", [*box, *story(400, 4)], url="https://vne.example/r")
    assert (revised.status, revised.link) == ("revision", None)
    assert archive.clusters() == [] and clusters_are_components(archive)


def test_what_is_stock_text_depends_neither_on_separations_nor_on_copies() -> None:
    box = story(100, 4)
    archive = Archive(":memory:")
    for n in range(3):
        add_from(archive, f"r{n}", "VNE", [*box, *story(n, 4)])
    match, ends = story(200, 6), story(201, 4)
    first = add_from(archive, "m1", "VNE", [*box, *match, *ends[:2]])
    second = add_from(archive, "m2", "VNE", [*box, *match[:3], ends[2], *match[3:], ends[3]])
    assert [(s.link.other, s.link.evidence["stock_shingles"] > 0) for s in archive.similar(second.id)] == [
        (first.id, True)
    ]
    # Separated, the two still hold the box: it stays stock, and a new index links no one through it.
    archive.unlink(second.id, first.id)
    done = archive.reindex()
    assert (done.links_added, done.links_removed, archive.clusters()) == (0, 0, [])
    # Five copies of one story in one outlet are one text: another outlet's report of it links.
    copies = Archive(":memory:")
    story_text = story(600, 8)
    for n in range(5):
        add_from(copies, f"c{n}", "VNE", [*story_text, f"Cập nhật lần {n} lúc {n + 8} giờ sáng nay."])
    other = add_from(copies, "t", "TN", [*story_text[:4], *story(601, 4)])
    assert other.link is not None and other.link.level == "same-story"


def test_a_new_index_verifies_again_the_links_an_index_without_the_rule_made(archive_dir: Path) -> None:
    box = story(100, 4)
    with Archive(archive_dir, Config(stock_min_articles=1000)) as archive:
        for n in range(6):
            add_from(archive, f"r{n}", "VNE", [*box, *story(n, 4)])
        assert len(archive.db.execute("SELECT * FROM links").fetchall()) == 15
    with Archive(archive_dir) as archive:
        done = archive.reindex()
        assert (done.links_added, done.links_removed, archive.clusters()) == (0, 15, [])


# Days named: two reports naming only days far apart are of different events.


def dated_pair(day_a: str, day_b: str) -> tuple[str, str]:
    """Two articles of different outlets sharing a same-story amount of text, each naming a day."""
    a, rng = story(1), random.Random(5)
    first = article_text("A", f"Hội thảo sẽ diễn ra {day_a} tại Hà Nội.", *a)
    shared = [a[1], paragraph(rng), a[4], a[6]]
    second = article_text("B", f"Buổi phỏng vấn diễn ra {day_b} tại TP HCM.", *shared, *story(7, 6))
    return first, second


@pytest.mark.parametrize(
    ("day_a", "day_b", "linked"),
    [
        ("ngày 3/8", "ngày 1/11", False),  # a seminar in August, interviews in November
        ("ngày 3/8/2005", "sáng 3-8, sau phiên ngày 20/7", True),  # one day written two ways (and an earlier one)
        ("ngày 22/11", "ngày 23/11", True),  # one trial reported a day later
        ("ngày 31/12", "ngày 1/1", True),  # across the new year
        ("ngày 20/11", "ngày 23/11", False),  # three days apart: over the tolerance
        ("ngày 3/8", "hôm nay", True),  # one names no day
        ("tỷ số 2-1", "ngày 1/11", True),  # a score is no day
    ],
)
def test_a_same_story_link_needs_days_within_the_tolerance(day_a: str, day_b: str, linked: bool) -> None:
    assert linked_same_story(*dated_pair(day_a, day_b)) is linked


def linked_same_story(first: str, second: str) -> bool:
    """Whether ``second``, archived after ``first``, is linked to it same-story (and so in its cluster)."""
    archive = Archive(":memory:")
    add(archive, "a", first)
    result = add(archive, "b", second)
    linked = result.link is not None and result.link.level == "same-story"
    assert (archive.get(2).cluster == 1) is linked
    return linked


_ENGLISH_WORDS = (
    "the minister said talks on trade tariffs would resume after officials from both countries met "
    "in the capital where markets fell sharply as investors weighed new figures on growth and jobs"
)
_ENGLISH = tuple(_ENGLISH_WORDS.split())


def english_dated_pair(day_a: str, day_b: str) -> tuple[str, str]:
    """:func:`dated_pair` in English."""
    rng = random.Random(8)
    a = [" ".join(rng.choice(_ENGLISH) for _ in range(60)) + "." for _ in range(14)]
    first = article_text("A", f"The summit opens {day_a} in Hanoi.", *a[:8])
    second = article_text("B", f"Reporters were briefed {day_b} in Saigon.", a[1], a[8], a[4], a[6], *a[9:])
    return first, second


@pytest.mark.parametrize(
    ("day_a", "day_b", "linked"),
    [
        ("on Nov. 18", "on October 2", False),
        ("on 18 November 2019", "on November 19", True),  # a day apart
        ("on November 5", "on 11/5/2019", True),  # a US date: 5 November, or 11 May
        ("on 11 May", "on 5/11/2019", True),  # or British
        ("on 11/5/2019", "on 12/5/2019", True),  # a day apart, read either way
        ("on Nov. 18", "round the clock, 24/7", True),  # no day
        ("on Nov. 18", "on Tuesday, after the Oct. 2 vote", True),  # its own day is a weekday
    ],
)
def test_english_reports_are_held_apart_by_the_days_they_spell(day_a: str, day_b: str, linked: bool) -> None:
    assert linked_same_story(*english_dated_pair(day_a, day_b)) is linked


def test_the_days_of_datelines_count() -> None:
    # An announcement's time on a line of its own is a dateline (cleaning says so), not body:
    # its day counts.
    from newsdedup.clean import clean_article

    def add_cleaned(archive: Archive, name: str, text: str) -> IngestResult:
        raw = RawInput(name, name, text.encode(), name.rjust(64, "0"))
        return archive.add_many([(raw, clean_article(extract(raw)))])[0]

    a, rng = story(1), random.Random(5)
    # Published on one day (the first date of a text's head, its timestamp, is not a day it
    # names: HTML extraction takes it out of the text), announcing events months apart.
    first = article_text("A", "13/10/2005 08:00", *a[:3], "17h00, Chủ nhật 30/10/2005", *a[3:])
    shared = [a[1], paragraph(rng), a[4], a[6], *story(7, 6)]
    second = article_text("B", "13/10/2005 09:00", *shared[:3], "14h30, Thứ Sáu 26/4/2005", *shared[3:])
    archive = Archive(":memory:")
    add_cleaned(archive, "a", first)
    result = add_cleaned(archive, "b", second)
    assert archive.get(2).published == "2005-10-13T09:00"
    assert [b.role for b in archive.get(2).blocks if b.role == "dateline"] == ["dateline", "dateline"]
    assert result.link is None
    # A day apart, they are linked; so are two that name no day but when they were published.
    undated = first.replace("17h00, Chủ nhật 30/10/2005\n", "").replace("13/10/2005", "13/9/2005")
    for one, other in ((first, second.replace("26/4/2005", "31/10/2005")), (undated, second.replace("26/4", "x"))):
        archive = Archive(":memory:")
        add_cleaned(archive, "a", one)
        linked = add_cleaned(archive, "b", other).link
        assert linked is not None and linked.level == "same-story"


def test_days_are_not_checked_when_the_tolerance_is_none_nor_for_near_duplicates() -> None:
    first, second = dated_pair("ngày 3/8", "ngày 1/11")
    archive = Archive(":memory:", Config(same_story_day_tolerance=None))
    add(archive, "a", first)
    assert add(archive, "b", second).link.level == "same-story"
    archive = Archive(":memory:")
    add(archive, "a", first)
    republished = first.replace("ngày 3/8", "ngày 1/11")
    assert add(archive, "c", republished).link.level == "near-duplicate"


def test_a_lookup_checks_the_days_of_the_text_it_is_given() -> None:
    first, second = dated_pair("ngày 3/8", "ngày 1/11")
    archive = Archive(":memory:")
    add(archive, "a", first)
    fp = fingerprint(second)
    assert fp is not None
    assert [link.level for link in archive.links.lookup(fp)] == ["same-story"]  # (no text: no days)
    assert archive.links.lookup(fp, text=second) == []
    assert [link.other for link in archive.links.lookup(fp, text=second.replace("1/11", "2/8"))] == [1]


def test_a_reindex_drops_the_links_made_without_the_day_check(archive_dir: Path) -> None:
    first, second = dated_pair("ngày 3/8", "ngày 1/11")
    with Archive(archive_dir, Config(same_story_day_tolerance=None)) as archive:
        add(archive, "a", first)
        assert add(archive, "b", second).link.level == "same-story"
    with Archive(archive_dir) as archive:
        assert archive.get(2).cluster == 1  # (links stay as they were made)
        assert archive.reindex().links_removed == 1
        assert archive.similar(2) == [] and archive.get(2).cluster == 2


def test_a_revision_that_names_another_day_drops_its_same_story_link() -> None:
    first, second = dated_pair("ngày 3/8", "ngày 4/8")
    archive = Archive(":memory:")
    add(archive, "a", first)

    url = "https://vne.example/b"
    assert fetched(archive, second.encode(), url=url).link.level == "same-story"  # type: ignore[union-attr]
    revised = fetched(archive, second.replace("ngày 4/8", "ngày 1/11").encode(), url=url)
    assert (revised.id, revised.status, revised.link) == (2, "revision", None)
    assert archive.similar(2) == [] and archive.get(2).cluster == 2


def test_a_link_given_by_hand_survives_the_day_check_on_reindex(archive_dir: Path) -> None:
    first, second = dated_pair("ngày 3/8", "ngày 1/11")
    with Archive(archive_dir, Config(same_story_day_tolerance=None)) as archive:
        add(archive, "a", first)
        add(archive, "b", second)
        archive.link(1, 2, "same-story", 0.9, {"by": "hand"})  # (a reader confirmed it)
    with Archive(archive_dir) as archive:
        assert archive.reindex().links_removed == 0
        assert [s.link.other for s in archive.similar(2)] == [1] and archive.get(2).cluster == 1


def test_a_reindex_splits_a_cluster_whose_bridge_link_goes(archive_dir: Path) -> None:
    first, second = dated_pair("ngày 3/8", "ngày 1/11")
    third = second.replace("TP HCM", "Cần Thơ") + "Một dòng thêm.\n"  # a near-duplicate of the second
    with Archive(archive_dir, Config(same_story_day_tolerance=None)) as archive:
        add(archive, "a", first)
        add(archive, "b", second)
        assert add(archive, "c", third).link.level == "near-duplicate"
        assert {archive.get(i).cluster for i in (1, 2, 3)} == {1}
    with Archive(archive_dir) as archive:
        assert archive.reindex().links_removed == 2
        assert [archive.get(i).cluster for i in (1, 2, 3)] == [1, 2, 2]


def test_a_text_quoted_by_many_has_its_days_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import newsdedup.cluster as cluster_module
    from newsdedup.dates import article_days

    read: list[str] = []

    def counted(body: str, *others: object) -> frozenset[tuple[int, int]]:
        read.append(body)
        return article_days(body, *others)  # type: ignore[arg-type]

    monkeypatch.setattr(cluster_module, "article_days", counted)
    a, rng = story(1), random.Random(5)
    archive = Archive(":memory:", Config(same_story_day_tolerance=None))
    add(archive, "a", article_text("A", "Hội thảo diễn ra ngày 3/8.", *a))
    add(archive, "b", article_text("B", "Ngày 3/8, hội thảo.", a[1], paragraph(rng), a[4], a[6], *story(7, 6)))
    assert read == []  # (no day check: no text read for its days)
    archive = Archive(":memory:")
    add(archive, "a", article_text("A", "Hội thảo diễn ra ngày 3/8.", *a))
    for n in range(4):
        quoted = [a[1], paragraph(rng), a[4], a[6], *story(10 + n, 6)]
        assert add(archive, f"q{n}", article_text(f"Q{n}", "Ngày 3/8, hội thảo.", *quoted)).link.level == "same-story"
    assert len(read) == 5 and len(set(read)) == 5  # each text once, the quoted one too
