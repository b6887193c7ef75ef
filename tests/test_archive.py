"""The archive: schema and migrations, originals, duplicates, reading back."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import unicodedata
from contextlib import closing
from pathlib import Path

import pytest

from newsdedup import Archive, Config
from newsdedup import blockstore as blockstore_module
from newsdedup import cluster as cluster_module
from newsdedup import templates as templates_module
from newsdedup.clean import clean_article
from newsdedup.errors import ArchiveError, ArticleNotFound
from newsdedup.extract import extract
from newsdedup.fingerprint import fingerprint
from newsdedup.originals import OriginalStore
from newsdedup.records import RawInput
from newsdedup.schema import SCHEMA_VERSION

from .conftest import SEED_A, SEED_B, article_text
from .legacy import to_version_12


def raw_of(data: bytes, origin: str = "x.txt") -> RawInput:
    return RawInput(origin=origin, name=origin, data=data, sha256=hashlib.sha256(data).hexdigest())


def add(archive: Archive, data: bytes, origin: str = "x.txt") -> tuple[str, int | None, int | None]:
    raw = raw_of(data, origin)
    (result,) = archive.add_many([(raw, extract(raw))])
    return result.status, result.id, result.duplicate_of


def test_new_archive_has_current_schema_and_wal(disk_archive: Archive, archive_dir: Path) -> None:
    assert disk_archive.schema_version == SCHEMA_VERSION
    assert (archive_dir / "newsdedup.db").exists()
    assert disk_archive.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"originals", "articles", "article_blocks"} <= set(disk_archive.db.table_names())


def test_db_file_path_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    with Archive(path) as archive:
        add(archive, SEED_A.read_bytes())
    with Archive(path) as archive:
        assert archive.stats().articles == 1
        assert archive.schema_version == SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    Archive(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ArchiveError, match="newer than this newsdedup understands"):
        Archive(path)


def test_not_a_database_is_an_archive_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ArchiveError, match="cannot open the archive"):
        Archive(path)


def test_seed_round_trip(memory_archive: Archive) -> None:
    for seed in (SEED_A, SEED_B):
        status, article_id, _ = add(memory_archive, seed.read_bytes(), seed.name)
        assert status == "new" and article_id is not None
        article = memory_archive.get(article_id)
        assert memory_archive.original(article.raw_sha256) == seed.read_bytes()
        lines = [" ".join(x.split()) for x in seed.read_text(encoding="utf-8").splitlines() if x.strip()]
        assert [b.text for b in article.blocks] == lines
        assert article.origin == seed.name


def test_same_bytes_is_a_duplicate_without_new_article(memory_archive: Archive) -> None:
    data = SEED_A.read_bytes()
    assert add(memory_archive, data, "a.txt")[0] == "new"
    assert add(memory_archive, data, "copy-under-another-name.txt") == ("duplicate", 1, 1)
    stats = memory_archive.stats()
    assert (stats.articles, stats.originals) == (1, 1)


def test_same_text_other_wrapper_spacing_and_unicode_form_is_exact_duplicate(memory_archive: Archive) -> None:
    body = ["Hà Nội phê duyệt quy hoạch mới.", "Thành phố sẽ triển khai trong năm tới, Hòa Lạc."]
    first = article_text("Tin mới", *body).encode()
    spaced = ("Tin mới\n\n" + "\n\n".join("  " + p.replace(" ", "  ") for p in body) + "\n").encode()
    nfd = unicodedata.normalize("NFD", article_text("Tin mới", *body)).encode()
    retoned = article_text("Tin mới", body[0], body[1].replace("Hòa", "Hoà")).encode()
    utf16 = article_text("Tin mới", *body).replace("\n", "\r\n").encode("utf-16")
    assert add(memory_archive, first)[0] == "new"
    for variant in (spaced, nfd, retoned, utf16):
        status, article_id, duplicate_of = add(memory_archive, variant)
        assert (status, duplicate_of) == ("duplicate", 1)
        assert article_id not in (None, 1)  # recorded as its own article, marked as a copy
    stats = memory_archive.stats()
    assert (stats.articles, stats.canonical, stats.duplicates, stats.originals) == (5, 1, 4, 5)


def test_a_body_hash_is_looked_up_by_its_index() -> None:
    from newsdedup.archive import _FIRST_WITH_BODY

    with Archive(":memory:") as archive:
        [(*_, plan)] = archive.db.execute("EXPLAIN QUERY PLAN " + _FIRST_WITH_BODY, ["ab", "abc", 3]).fetchall()
        assert plan.startswith("SEARCH articles USING INDEX articles_body_key"), plan


def test_on_migrate_is_told_of_a_migration_and_only_of_one(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    told: list[tuple[int, int]] = []
    with Archive(path, on_migrate=lambda old, new: told.append((old, new))) as archive:  # a new archive
        assert add(archive, SEED_A.read_bytes(), "a.txt")[0] == "new"
    to_version_12(path)
    with Archive(path, on_migrate=lambda old, new: told.append((old, new))) as archive:
        assert archive.schema_version == SCHEMA_VERSION
    with Archive(path, on_migrate=lambda old, new: told.append((old, new))):  # migrated already
        pass
    assert told == [(12, SCHEMA_VERSION)]


def test_an_archive_of_version_10_gets_the_shorter_body_index(tmp_path: Path) -> None:
    path = tmp_path / "v10.db"
    with Archive(path) as archive:
        assert add(archive, SEED_A.read_bytes(), "a.txt")[0] == "new"
    to_version_12(path)
    with closing(sqlite3.connect(path)) as conn:
        # Back to version 10's index, as an archive written before version 11 has it.
        conn.execute("DROP INDEX articles_body_key")
        conn.execute("CREATE INDEX articles_body_hash ON articles(body_hash)")
        conn.execute("ALTER TABLE lsh_band_filter RENAME TO lsh_filter")  # (its name until version 12)
        conn.execute("PRAGMA user_version = 10")
    with Archive(path) as archive:
        assert archive.schema_version == SCHEMA_VERSION == 15
        indexes = {row[0] for row in archive.db.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'articles'")}
        assert "articles_body_key" in indexes and "articles_body_hash" not in indexes
        wrapped = ("\n\n".join(SEED_A.read_text(encoding="utf-8").splitlines()) + "\n").encode()
        assert add(archive, wrapped, "b.txt") == ("duplicate", 2, 1)


def test_html_and_text_of_one_article_are_exact_duplicates(memory_archive: Archive) -> None:
    paragraphs = [
        "The harbour bridge reopened to traffic on Thursday morning after eight months of repairs.",
        "Engineers replaced more than four hundred corroded plates and repainted the whole span.",
        "Commuters who had faced a long detour welcomed the news, and buses resumed their routes.",
    ]
    html = (
        "<html><head><title>Bridge reopens</title></head><body><nav><a href='/'>Home</a></nav><article>"
        "<h1>Bridge reopens</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article></body></html>"
    ).encode()
    assert add(memory_archive, article_text("Bridge reopens", *paragraphs).encode())[0] == "new"
    assert add(memory_archive, html, "page.html")[::2] == ("duplicate", 1)


def test_different_text_is_new(memory_archive: Archive) -> None:
    add(memory_archive, article_text("A", "One paragraph here.").encode())
    assert add(memory_archive, article_text("A", "Another paragraph here.").encode())[0] == "new"


def test_get_missing_article(memory_archive: Archive) -> None:
    with pytest.raises(ArticleNotFound, match="no article with id 42"):
        memory_archive.get(42)


@pytest.mark.parametrize("number", [1 << 63, -(1 << 64), 10**20])
def test_ids_sqlite_cannot_hold_are_not_found(memory_archive: Archive, number: int) -> None:
    # SQLite refuses to be asked for them (OverflowError): no article can have such an id.
    add(memory_archive, SEED_A.read_bytes())
    for read in (memory_archive.get, memory_archive.history, memory_archive.similar, memory_archive.cluster):
        with pytest.raises(ArticleNotFound, match=f"no (article|cluster) with id {number}"):
            read(number)
    with pytest.raises(ArticleNotFound):
        memory_archive.link(1, number, "same-story")


def test_articles_listing_filters(memory_archive: Archive) -> None:
    add(memory_archive, SEED_A.read_bytes())
    add(memory_archive, SEED_B.read_bytes())
    add(memory_archive, SEED_B.read_bytes().replace(b"\n", b"\r\n"))
    assert [a.id for a in memory_archive.articles()] == [1, 2, 3]
    assert [a.id for a in memory_archive.articles(include_duplicates=False)] == [1, 2]
    assert [a.id for a in memory_archive.articles(limit=1, offset=1)] == [2]
    assert memory_archive.articles()[0].blocks == ()


def test_stats_sizes(memory_archive: Archive) -> None:
    add(memory_archive, SEED_A.read_bytes())
    stats = memory_archive.stats()
    assert stats.original_bytes == len(SEED_A.read_bytes())
    assert 0 < stats.stored_original_bytes < stats.original_bytes
    assert stats.blocks == len(memory_archive.get(1).blocks)


def test_incompressible_original_is_stored_as_is(memory_archive: Archive) -> None:
    data = "Tiêu đề\nNội dung ngắn".encode()
    add(memory_archive, data)
    row = memory_archive.db.execute("SELECT compression, size, length(data) FROM originals").fetchone()
    assert row == ("none", len(data), len(data))
    assert memory_archive.original(hashlib.sha256(data).hexdigest()) == data


def test_failed_batch_writes_nothing(memory_archive: Archive) -> None:
    good = raw_of(SEED_A.read_bytes())
    article = extract(good)

    class Boom(Exception):
        pass

    class BadArticle:
        def __getattr__(self, name: str) -> object:
            raise Boom(name)

    with pytest.raises(Boom):
        memory_archive.add_many([(good, article), (raw_of(b"other"), BadArticle())])  # type: ignore[list-item]
    assert memory_archive.stats().articles == 0
    assert memory_archive.stats().originals == 0


def test_a_new_archive_being_created_by_another_process_is_waited_for(tmp_path: Path) -> None:
    # Another connection is creating the file (a write lock held, the file not yet in WAL
    # mode): switching to WAL needs an exclusive lock, for which SQLite does not wait by
    # itself. The archive waits until the other commits, within busy_timeout.
    import threading
    import time

    other = sqlite3.connect(tmp_path / "newsdedup.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE t (x)")
    threading.Timer(0.3, other.execute, ["COMMIT"]).start()
    start = time.monotonic()
    with Archive(tmp_path, Config(busy_timeout=10)) as archive:
        assert archive.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert time.monotonic() - start >= 0.25
    other.close()


def test_a_lock_held_past_busy_timeout_is_an_archive_error(tmp_path: Path) -> None:
    import time

    other = sqlite3.connect(tmp_path / "newsdedup.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE t (x)")
    start = time.monotonic()
    with pytest.raises(ArchiveError, match="database is locked"):
        Archive(tmp_path, Config(busy_timeout=0.2))
    assert 0.15 <= time.monotonic() - start < 5  # it waited, and no longer than it was told
    other.execute("ROLLBACK")
    other.close()


def test_work_done_ahead_stores_what_the_writer_would_have(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Ingestion hands add_many its packed originals, blocks' frames, line hashes and
    # fingerprints, made in worker processes; the archive must come out the same as when
    # add_many makes them.
    config = Config(source="vne")
    texts = [SEED_A.read_bytes(), SEED_B.read_bytes(), SEED_A.read_bytes() + b"\n", "Tin\nMột dòng.".encode()]
    raws = [raw_of(text, f"{n}.txt") for n, text in enumerate(texts)]
    items = [(raw, clean_article(extract(raw, config))) for raw in raws]
    tables = {
        "articles": "SELECT id, original_id, origin, title, body_hash, duplicate_of FROM articles",
        **{t: f"SELECT * FROM {t}" for t in ("originals", "article_blocks", "line_counts", "fingerprints")},
        "lsh_recent": "SELECT * FROM lsh_recent",
        "links": "SELECT a, b, level, score, evidence FROM links",
        "clusters": "SELECT * FROM clusters",
    }
    stored = []
    for made_ahead in (False, True):
        with Archive(tmp_path / str(made_ahead), config) as archive, monkeypatch.context() as patch:
            ahead = None
            if made_ahead:
                ahead = [archive.precompute(raw, a, fingerprint(a.body_text)) for raw, a in items]

                def done_ahead(*args: object, **kwargs: object) -> None:
                    raise AssertionError("the writer did what was done ahead")

                # Where the writer's own calls would look them up:
                patch.setattr(blockstore_module, "encode_blocks", done_ahead)
                patch.setattr(templates_module, "line_hashes", done_ahead)
                patch.setattr(cluster_module, "fingerprint", done_ahead)
                patch.setattr(OriginalStore, "_pack", done_ahead)
            results = archive.add_many(items, ahead)
            rows = {name: archive.db.execute(sql).fetchall() for name, sql in tables.items()}
            stored.append(([(r.status, r.id, r.duplicate_of, r.cluster, r.link) for r in results], rows))
    assert stored[0] == stored[1]
    outcomes, rows = stored[0]
    assert [outcome[0] for outcome in outcomes] == ["new", "new", "duplicate", "new"]
    assert rows["line_counts"] and rows["links"] and rows["article_blocks"]


def test_ingesting_imports_sqlite_utils_only_when_its_api_is_asked_for(tmp_path: Path) -> None:
    # A worker process, and the writer's own statements, use the connection: 75-80 ms saved
    # in each process. The sqlite-utils API is there when asked for, on the same connection.
    script = f"""
import hashlib, sys
from newsdedup import Archive, ingest_paths
from newsdedup.clean import clean_article
from newsdedup.extract import extract
from newsdedup.records import RawInput
archive = Archive({str(tmp_path / "a")!r})
results = list(ingest_paths(archive, [{str(tmp_path / "x.txt")!r}]))
def fetched(text):  # the same URL fetched again with new text: a revision
    data = text.encode()
    raw = RawInput("p.txt", "p.txt", data, hashlib.sha256(data).hexdigest(), url="https://x.vn/tin-1")
    return archive.add_many([(raw, clean_article(extract(raw)))])[0].status
results += [fetched({article_text("Tin", "Đoạn một của bài viết này.")!r}),
            fetched({article_text("Tin", "Đoạn một đã sửa của bài viết này.")!r})]
print(*(r if isinstance(r, str) else r.status for r in results), "sqlite_utils" in sys.modules)
print(archive.db["articles"].count, archive.db.conn is archive.conn, "sqlite_utils" in sys.modules)
"""
    (tmp_path / "x.txt").write_text(
        article_text("Tiêu đề", "Một đoạn văn đủ dài để có nội dung. " * 5), encoding="utf-8"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["new new revision False", "2 True True"]


def test_a_batch_with_the_same_bytes_twice_and_bytes_stored_before_stores_each_once(
    memory_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsdedup import originals as originals_module

    monkeypatch.setattr(originals_module, "_KEYS_A_QUERY", 2)  # the batch's question in parts
    old, new = SEED_A.read_bytes(), SEED_B.read_bytes()
    assert add(memory_archive, old, "old.txt")[0] == "new"
    raws = [raw_of(data, name) for data, name in [(new, "b.txt"), (old, "old-again.txt"), (new, "b-again.txt")]]
    results = memory_archive.add_many([(raw, extract(raw)) for raw in raws])
    assert [(r.status, r.id, r.duplicate_of) for r in results] == [
        ("new", 2, None),
        ("duplicate", 1, 1),
        ("duplicate", 2, 2),
    ]
    assert (memory_archive.stats().articles, memory_archive.stats().originals) == (2, 2)
    assert memory_archive.originals.stored([raw.sha256 for raw in raws] + ["0" * 64]) == {
        raws[0].sha256,
        raws[1].sha256,
    }
