"""Archives as older versions wrote them, made from a current one, for tests of migrations."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from newsdedup.archive import _statements
from newsdedup.schema import MIGRATIONS

# Version 13 replaced ``raw_sha256`` (the original's hash) by ``original_id`` in these tables.
_NAMING_ORIGINALS = ("articles", "revisions")


def to_version_12(path: Path) -> None:
    """Make the (closed) archive file at ``path`` one of schema version 12, its rows kept: a new
    file made by the first 12 migrations, into which every table's rows are copied."""
    older = path.with_name(path.name + ".v12")
    with closing(sqlite3.connect(older, isolation_level=None)) as conn:
        conn.execute("BEGIN")
        for script in MIGRATIONS[:12]:
            for statement in _statements(script):
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 12")
        conn.execute("ATTACH DATABASE ? AS current", [str(path)])
        tables = [row[0] for row in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")]
        current = {row[0] for row in conn.execute("SELECT name FROM current.sqlite_master WHERE type = 'table'")}
        for table in tables:
            if table not in current:  # (blocks and revision_blocks: version 7 drops them in Python)
                conn.execute(f"DROP TABLE main.{table}")
                continue
            columns = [row[1] for row in conn.execute(f"PRAGMA main.table_info({table})")]
            values = ", ".join("o.sha256" if c == "raw_sha256" else f"t.{c}" for c in columns)
            joined = " JOIN current.originals AS o ON o.id = t.original_id" if table in _NAMING_ORIGINALS else ""
            order = " ORDER BY t.id" if table == "originals" else ""  # (the order they were stored in)
            names = ", ".join(columns)
            conn.execute(f"INSERT INTO main.{table} ({names}) SELECT {values} FROM current.{table} AS t{joined}{order}")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE current")
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    os.replace(older, path)
