"""Blocks stored as one frame per article, compressed against the article's original."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup import Archive
from newsdedup import blockstore as blockstore_module
from newsdedup.archive import _statements
from newsdedup.blockstore import decode_blocks, encode_blocks
from newsdedup.errors import ArchiveError
from newsdedup.records import ROLES, Block
from newsdedup.schema import MIGRATIONS, SCHEMA_VERSION

from .conftest import SEED_A

blocks_strategy = st.lists(
    st.tuples(
        st.sampled_from(ROLES), st.text(max_size=200), st.booleans(), st.none() | st.sampled_from(["share", "garbled"])
    ),
    max_size=20,
).map(lambda rows: tuple(Block(n, role, text, kept, reason) for n, (role, text, kept, reason) in enumerate(rows)))


@settings(max_examples=200, deadline=None)
@given(blocks=blocks_strategy, original=st.binary(max_size=500))
def test_blocks_come_back_exactly_whatever_the_original(blocks: tuple[Block, ...], original: bytes) -> None:
    label, data = encode_blocks(blocks, original)
    assert decode_blocks(label, data, original if label == "zstd-original" else None) == blocks


def test_blocks_sharing_their_original_take_a_small_part_of_its_size() -> None:
    original = SEED_A.read_bytes()
    lines = [line for line in original.decode("utf-8").splitlines() if line.strip()]
    blocks = tuple(Block(n, "body", line) for n, line in enumerate(lines))
    label, data = encode_blocks(blocks, original)
    plain_label, plain = encode_blocks(blocks, b"")
    assert (label, plain_label) == ("zstd-original", "zstd")
    # Measured: 4% of the text against about half with zstd alone (see the module docstring).
    assert len(data) < 0.15 * len(original) < 0.5 * len(plain)


def test_a_huge_original_is_not_used_as_a_dictionary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blockstore_module, "MAX_DICTIONARY_BYTES", 10)
    blocks = (Block(0, "body", "Một đoạn văn."),)
    label, data = encode_blocks(blocks, b"x" * 11)
    assert label == "zstd"
    assert decode_blocks(label, data, None) == blocks


def test_unreadable_blocks_raise_archive_errors() -> None:
    blocks = (Block(0, "body", "Một đoạn văn khá dài."),)
    label, data = encode_blocks(blocks, b"Mot doan van kha dai.")
    with pytest.raises(ArchiveError, match="need the original"):
        decode_blocks(label, data, None)
    with pytest.raises(ArchiveError, match="unknown compression 'brotli'"):
        decode_blocks("brotli", data, b"")
    with pytest.raises(ArchiveError, match="corrupt"):
        decode_blocks("zstd", b"not a zstd frame", None)


def test_archived_articles_read_back_their_blocks(memory_archive: Archive) -> None:
    from newsdedup.ingest import ingest_paths

    [result] = list(ingest_paths(memory_archive, [str(SEED_A)]))
    article = memory_archive.get(result.id or 0)
    assert article.blocks and [b.index for b in article.blocks] == list(range(len(article.blocks)))
    assert memory_archive.stats().blocks == len(article.blocks)
    assert memory_archive.blocks.body_texts([article.id, 999]) == {
        article.id: "\n".join(b.text for b in article.blocks if b.kept and b.role in ("body", "subheading")),
        999: "",
    }


def test_an_archive_with_block_rows_is_moved_to_frames_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[:4]:  # the schema before article_blocks
        for statement in _statements(script):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 4")
    original = "Tiêu đề\nĐoạn một của bài.\nĐoạn hai của bài.".encode()
    sha = hashlib.sha256(original).hexdigest()
    conn.execute("INSERT INTO originals VALUES (?, ?, 'none', ?)", (sha, len(original), original))
    conn.execute(
        "INSERT INTO articles (id, raw_sha256, origin, title, input_format, ingested_at) "
        "VALUES (1, ?, 'a.txt', 'Tiêu đề', 'text', '2026-01-01T00:00:00+00:00')",
        (sha,),
    )
    rows = [(0, "title", "Tiêu đề", 1, None), (1, "body", "Đoạn một của bài.", 1, None), (2, "body", "x", 0, "share")]
    conn.executemany("INSERT INTO blocks VALUES (1, ?, ?, ?, ?, ?)", rows)
    conn.close()

    with Archive(path) as archive:
        assert archive.schema_version == SCHEMA_VERSION
        assert "blocks" not in archive.db.table_names()
        assert archive.get(1).blocks == tuple(
            Block(p, role, text, bool(kept), reason) for p, role, text, kept, reason in rows
        )


def test_blocks_are_not_moved_against_an_original_that_no_longer_matches_its_hash(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[:4]:
        for statement in _statements(script):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 4")
    sha = hashlib.sha256(b"Tin\nMot doan.").hexdigest()
    conn.execute("INSERT INTO originals VALUES (?, 14, 'none', ?)", (sha, b"Tin\nMot doan!"))  # one byte changed
    conn.execute(
        "INSERT INTO articles (id, raw_sha256, origin, title, input_format, ingested_at) "
        "VALUES (1, ?, 'a.txt', 'Tin', 'text', '2026-01-01T00:00:00+00:00')",
        (sha,),
    )
    conn.execute("INSERT INTO blocks VALUES (1, 0, 'title', 'Tin', 1, NULL)")
    conn.close()
    with pytest.raises(ArchiveError, match=f"original {sha} is corrupt"):
        Archive(path)
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (4,)


def test_superseded_revisions_blocks_are_moved_to_frames_too(tmp_path: Path) -> None:
    path = tmp_path / "v6.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[:6]:  # revisions exist, blocks are still rows
        for statement in _statements(script):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 6")
    texts = ["Tin\nMưa lớn ở Hà Nội.", "Tin\nMưa rất lớn ở Hà Nội."]
    shas = []
    for text in texts:
        data = text.encode()
        shas.append(hashlib.sha256(data).hexdigest())
        conn.execute("INSERT INTO originals VALUES (?, ?, 'none', ?)", (shas[-1], len(data), data))
    conn.execute(
        "INSERT INTO articles (id, raw_sha256, url, title, input_format, ingested_at, revision) "
        "VALUES (1, ?, 'https://x.vn/tin', 'Tin', 'text', '2026-01-01T00:00:00+00:00', 2)",
        (shas[1],),
    )
    conn.execute(
        "INSERT INTO revisions (article_id, number, raw_sha256, title, input_format, ingested_at) "
        "VALUES (1, 1, ?, 'Tin', 'text', '2026-01-01T00:00:00+00:00')",
        (shas[0],),
    )
    conn.executemany(
        "INSERT INTO blocks VALUES (1, ?, ?, ?, 1, NULL)", [(0, "title", "Tin"), (1, "body", "Mưa rất lớn ở Hà Nội.")]
    )
    conn.executemany(
        "INSERT INTO revision_blocks VALUES (1, 1, ?, ?, ?, 1, NULL)",
        [(0, "title", "Tin"), (1, "body", "Mưa lớn ở Hà Nội.")],
    )
    conn.close()

    with Archive(path) as archive:
        assert not {"blocks", "revision_blocks"} & set(archive.db.table_names())
        assert [b.text for b in archive.revision(1, 1).blocks] == ["Tin", "Mưa lớn ở Hà Nội."]
        assert [b.text for b in archive.get(1).blocks] == ["Tin", "Mưa rất lớn ở Hà Nội."]
        compression = archive.db.execute("SELECT compression FROM revision_frames").fetchall()
        assert compression == [("zstd-original",)]


@settings(max_examples=200, deadline=None)
@given(blocks=blocks_strategy)
def test_frames_hold_the_json_the_standard_library_wrote(blocks: tuple[Block, ...]) -> None:
    # Frames written before orjson (json.dumps) and after are the same bytes, so old archives
    # and new ones compress and read alike.
    import json

    import zstandard

    label, data = encode_blocks(blocks, b"")  # no original: a frame of its own
    assert label == "zstd"
    payload = zstandard.ZstdDecompressor().decompress(data)
    rows = [[b.role, int(b.kept), b.reason, b.text] for b in blocks]
    assert payload == json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
