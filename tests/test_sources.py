"""Finding inputs and reading their bytes, within the size limit."""

from __future__ import annotations

import gzip
import io
import os
import sys
import threading
from pathlib import Path

import pytest

from newsdedup.errors import CompressedInputError, EmptyInput, InputError, InputNotFound, InputTooLarge
from newsdedup.sources import InputRef, find_inputs, read_input


def test_folders_are_walked_recursively_in_order_skipping_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for name in ["b/2.txt", "a.txt", "b/1.txt", ".hidden.txt", ".git/config"]:
        (tmp_path / name).write_text("x")
    found = [Path(r.origin).relative_to(tmp_path).as_posix() for r in find_inputs([str(tmp_path)])]
    assert found == ["a.txt", "b/1.txt", "b/2.txt"]
    with_hidden = find_inputs([str(tmp_path)], include_hidden=True)
    assert len(with_hidden) == 5


def test_a_folder_with_nothing_to_read_is_yielded_and_fails_on_read(tmp_path: Path) -> None:
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "hidden" / ".git").mkdir(parents=True)
    (tmp_path / "hidden" / ".git" / "config").write_text("x")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "a.txt").write_text("x")
    names = [str(tmp_path / name) for name in ("empty", "hidden", "full")]
    refs = find_inputs(names)
    assert [ref.origin for ref in refs] == [names[0], names[1], str(tmp_path / "full" / "a.txt")]
    with pytest.raises(EmptyInput, match=r"^a folder with no files to ingest$"):
        read_input(refs[0])
    with pytest.raises(EmptyInput, match=r"no files to ingest but hidden ones .* --include-hidden"):
        read_input(refs[1])
    assert [ref.origin for ref in find_inputs(names[1:2], include_hidden=True)] == [f"{names[1]}/.git/config"]


def test_missing_path_is_yielded_and_fails_on_read(tmp_path: Path) -> None:
    refs = find_inputs([str(tmp_path / "nope.txt")])
    assert len(refs) == 1
    with pytest.raises(InputNotFound, match="no such file"):
        read_input(refs[0])


def test_sha256_and_name(tmp_path: Path) -> None:
    path = tmp_path / "story.txt.gz"
    path.write_bytes(gzip.compress(b"hello"))
    raw = read_input(InputRef(str(path)))
    assert raw.data == b"hello"
    assert raw.name == "story.txt"
    assert raw.sha256 == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"


def test_gzip_without_suffix_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "story"
    path.write_bytes(gzip.compress(b"hello"))
    assert read_input(InputRef(str(path))).data == b"hello"


def test_truncated_gzip(tmp_path: Path) -> None:
    path = tmp_path / "cut.txt.gz"
    path.write_bytes(gzip.compress(b"some text " * 1000)[:-20])
    with pytest.raises(CompressedInputError, match="truncated"):
        read_input(InputRef(str(path)))


def test_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "bad.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"garbage" * 10)
    with pytest.raises(CompressedInputError):
        read_input(InputRef(str(path)))


def test_size_limit_plain_and_gzip_bomb(tmp_path: Path) -> None:
    plain = tmp_path / "big.txt"
    plain.write_bytes(b"x" * 1001)
    with pytest.raises(InputTooLarge, match="1,000-byte limit"):
        read_input(InputRef(str(plain)), max_bytes=1000)
    assert len(read_input(InputRef(str(plain)), max_bytes=1001).data) == 1001
    bomb = tmp_path / "bomb.txt.gz"
    bomb.write_bytes(gzip.compress(b"\0" * 10_000_000))
    with pytest.raises(InputTooLarge):
        read_input(InputRef(str(bomb)), max_bytes=1000)


@pytest.mark.parametrize(("size", "limit", "fits"), [(3000, 5000, True), (3000, 2999, False), (3000, 3000, True)])
def test_a_pipe_whose_size_stat_does_not_tell_is_read_whole_and_limited(
    tmp_path: Path, size: int, limit: int, fits: bool
) -> None:
    # A named pipe (or `<(command)`) reports size 0: what it holds is read all the same.
    fifo = tmp_path / "in.txt"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(b"y" * size,))
    writer.start()
    try:
        if fits:
            assert read_input(InputRef(str(fifo)), max_bytes=limit).data == b"y" * size
        else:
            with pytest.raises(InputTooLarge):
                read_input(InputRef(str(fifo)), max_bytes=limit)
    finally:
        writer.join()


def test_a_named_pipe_in_a_folder_is_refused_without_waiting(tmp_path: Path) -> None:
    # Nothing writes to it: opening it would wait forever (a named one is read, as above).
    (tmp_path / "a.txt").write_text("Tiêu đề\nThân bài", encoding="utf-8")
    os.mkfifo(tmp_path / "b.txt")
    a, b = find_inputs([str(tmp_path)])
    assert read_input(a).data.startswith("Tiêu đề".encode())
    stopped = threading.Timer(10, lambda: open(tmp_path / "b.txt", "wb").close())  # unblocks a regression
    stopped.start()
    try:
        with pytest.raises(InputError, match="not a regular file but a named pipe: not read from a folder"):
            read_input(b)
    finally:
        stopped.cancel()


def test_a_named_pipe_called_a_crawl_in_a_folder_is_refused_without_waiting(tmp_path: Path) -> None:
    from newsdedup import Archive, ingest_paths

    (tmp_path / "a.txt").write_text("Tiêu đề\nThân bài của một bài báo.", encoding="utf-8")
    os.mkfifo(tmp_path / "crawl.warc")
    stopped = threading.Timer(10, lambda: open(tmp_path / "crawl.warc", "wb").close())  # unblocks a regression
    stopped.start()
    try:
        with Archive(":memory:") as archive:
            results = {Path(r.path).name: r for r in ingest_paths(archive, [str(tmp_path)])}
    finally:
        stopped.cancel()
    assert results["a.txt"].status == "new"
    assert results["crawl.warc"].status == "error" and "named pipe" in (results["crawl.warc"].error or "")


def test_folder_named_directly_as_file_is_walked_and_unreadable_file_fails(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="folder"):
        read_input(InputRef(str(tmp_path)))


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = io.TextIOWrapper(io.BytesIO(gzip.compress("Tiêu đề\nNội dung".encode())))
    monkeypatch.setattr(sys, "stdin", fake)
    raw = read_input(InputRef("-"))
    assert raw.data == "Tiêu đề\nNội dung".encode()
    assert raw.origin == "-"


def test_source_from_folder_names_each_file_by_its_outlet_folder(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    for name in ["VNE/2020/08/a.txt", "VNE/b.txt", "TN/c.txt", "loose.txt"]:
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text("x")
    refs = find_inputs([f"{corpus}/"], source_from_folder=True)
    found = {Path(r.origin).relative_to(corpus).as_posix(): r.source for r in refs}
    # Any depth counts for the folder directly under the one named; a file directly in it
    # takes that folder's own name.
    assert found == {"TN/c.txt": "TN", "VNE/2020/08/a.txt": "VNE", "VNE/b.txt": "VNE", "loose.txt": "corpus"}
    # A file named by itself: the folder it is in; standard input: none; without the option: none.
    (named,) = find_inputs([str(corpus / "TN" / "c.txt")], source_from_folder=True)
    assert named.source == "TN"
    assert find_inputs(["-", "https://tin.vn/a"], source_from_folder=True) == [
        InputRef("-"),
        InputRef("https://tin.vn/a"),
    ]
    assert {r.source for r in find_inputs([str(corpus)])} == {None}


def test_a_file_read_keeps_the_source_its_folder_gave(tmp_path: Path) -> None:
    (tmp_path / "VNE").mkdir()
    (tmp_path / "VNE" / "a.txt").write_text("Tiêu đề\nMột đoạn.")
    (ref,) = find_inputs([str(tmp_path)], source_from_folder=True)
    assert read_input(ref).source == "VNE"
    assert read_input(InputRef(ref.origin)).source is None
