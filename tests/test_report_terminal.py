"""The rich terminal view: side by side when wide, stacked when narrow, colours only on a terminal."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from newsdedup import Archive, ingest_paths
from newsdedup.align import Alignment, align_articles
from newsdedup.compare import compare_articles
from newsdedup.report_terminal import SIDE_BY_SIDE_MIN_WIDTH, print_terminal

from .conftest import SEED_A, SEED_B


@pytest.fixture(scope="module")
def seeds() -> Alignment:
    with Archive(":memory:") as archive:
        ids = [r.id or 0 for r in ingest_paths(archive, [str(SEED_A), str(SEED_B)])]
        return align_articles(archive.get(ids[0]), archive.get(ids[1]))


def draw(result: object, width: int, *, colour: bool = False) -> str:
    console = Console(
        file=io.StringIO(), width=width, force_terminal=colour, color_system="truecolor" if colour else None
    )
    print_terminal(result, console)  # type: ignore[arg-type]
    return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]


def test_wide_terminal_is_side_by_side(seeds: Alignment) -> None:
    out = draw(seeds, 160)
    lines = out.splitlines()
    assert all(len(line) <= 160 for line in lines)
    # both versions of the conclusion start on the same line, the kind between them
    row = next(line for line in lines if "Kết luận hội nghị" in line)
    assert "Kết luận cuộc làm việc" in row and "changed" in row
    assert "\x1b[" not in out


def test_narrow_terminal_is_stacked(seeds: Alignment) -> None:
    width = SIDE_BY_SIDE_MIN_WIDTH - 30
    lines = draw(seeds, width).splitlines()
    assert all(len(line) <= width for line in lines)
    a = next(i for i, line in enumerate(lines) if "Kết luận hội nghị" in line)
    assert lines[a].startswith("A [") and "Kết luận cuộc làm việc" not in lines[a]
    assert any(line.startswith("B [") and "Kết luận cuộc làm việc" in line for line in lines[a:])
    assert any(line.startswith("split A [") for line in lines)


def test_colours_mark_deleted_inserted_and_reused_words(seeds: Alignment) -> None:
    out = draw(seeds, 160, colour=True)
    assert "\x1b[1;31mDN\x1b[0m" in out  # deleted: bold red
    assert "\x1b[1;32mdoanh nghiệp\x1b[0m" in out  # inserted: bold green
    assert "\x1b[1;4;33m" in out  # reused: bold underlined yellow


def test_cluster_view(seeds: Alignment) -> None:
    third = compare_articles([seeds.a, seeds.b, seeds.b])
    out = draw(third, 120)
    assert "3 articles; pivot #1 (complete)" in out
    assert "●" in out and "◐" in out and "·" in out
    assert "Only in 2. #2: 0" in out  # its twin carries all it has
    assert all(len(line) <= 120 for line in out.splitlines())
