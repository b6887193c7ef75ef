"""Shared fixtures: archives in memory and on disk, the seed files, a CLI runner."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsdedup import Archive
from newsdedup.recenttier import stored_rows

from .localserver import Site, serve

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_A = DATA / "000_9e100dd7360a05d2.txt"
SEED_B = DATA / "001_9dfe826dd9f53a15.txt"


@pytest.fixture
def memory_archive() -> Iterator[Archive]:
    with Archive(":memory:") as archive:
        yield archive


@pytest.fixture
def archive_dir(tmp_path: Path) -> Path:
    return tmp_path / "archive"


@pytest.fixture
def disk_archive(archive_dir: Path) -> Iterator[Archive]:
    with Archive(archive_dir) as archive:
        yield archive


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def article_text(title: str, *paragraphs: str) -> str:
    """A plain-text article: a title line, then one paragraph per line."""
    return "\n".join((title, *paragraphs)) + "\n"


@pytest.fixture
def site() -> Iterator[Site]:
    """A web site on 127.0.0.1 (see tests/localserver.py): tests never reach the internet."""
    yield from serve()


def index_rows(conn: sqlite3.Connection) -> list[tuple[int, int]]:
    """Every ``(key, article_id)`` row of the LSH index, both tiers, in order (two reads:
    for an archive no other process is writing)."""
    return sorted(conn.execute("SELECT key, article_id FROM lsh_bands").fetchall() + stored_rows(conn))
