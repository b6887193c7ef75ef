"""Ingest throughput and archive size on VNTC plain-text articles.

Writes N articles sampled from ``vntc.jsonl.gz`` out as UTF-8 files (one folder per
outlet), then measures in one run:

* baseline: read every file and insert its text into a bare SQLite table
  (one transaction) -- the floor any archive pays;
* newsdedup: ``ingest_paths`` into a fresh on-disk archive, one call per
  outlet folder with ``Config(source=outlet)``, as a user would run it;
* a re-ingest of the same folders (every input a byte-identical duplicate).

It prints articles per second for each, the ratio to the baseline, and the
archive's size against the raw text size.

Usage:
    python bench/bench_ingest.py --eval ../shared/eval [--count 10000] [--json out.json]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import tempfile
import time
from collections import Counter
from pathlib import Path

from newsdedup import Archive, Config, ingest_paths
from newsdedup.evaldata import compile_bytecode, load_vntc_or_exit, print_figures, write_by_outlet


def baseline(files: list[Path], db_path: Path) -> float:
    start = time.perf_counter()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE texts (path TEXT PRIMARY KEY, text TEXT)")
    with conn:
        conn.executemany("INSERT INTO texts VALUES (?, ?)", ((str(p), p.read_bytes().decode("utf-8")) for p in files))
    conn.close()
    return time.perf_counter() - start


def run_ingest(archive_dir: Path, outlets: dict[str, Path]) -> tuple[float, Counter[str]]:
    statuses: Counter[str] = Counter()
    start = time.perf_counter()
    with Archive(archive_dir) as archive:
        for outlet, folder in sorted(outlets.items()):
            for result in ingest_paths(archive, [str(folder)], Config(source=outlet)):
                statuses[result.status] += 1
    return time.perf_counter() - start, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=Path("../shared/eval"), help="the shared eval folder")
    parser.add_argument("--count", type=int, default=10_000, help="articles to ingest (default 10,000)")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    compile_bytecode()  # measure newsdedup as installed (see its docstring)

    articles = load_vntc_or_exit(args.eval, args.count, args.seed)
    work = Path(tempfile.mkdtemp(prefix="newsdedup-bench-"))
    try:
        outlets = write_by_outlet(articles, work / "corpus")
        files = sorted(p for folder in outlets.values() for p in folder.iterdir())
        raw_bytes = sum(p.stat().st_size for p in files)

        base_seconds = baseline(files, work / "baseline.db")
        seconds, statuses = run_ingest(work / "archive", outlets)
        again_seconds, again = run_ingest(work / "archive", outlets)
        with Archive(work / "archive") as archive:
            archive.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            stats = archive.stats()
        db_bytes = (work / "archive" / "newsdedup.db").stat().st_size
        base_db_bytes = (work / "baseline.db").stat().st_size

        n = len(files)
        figures = {
            "articles": n,
            "raw_text_bytes": raw_bytes,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "baseline_seconds": round(base_seconds, 3),
            "baseline_articles_per_second": round(n / base_seconds),
            "ingest_seconds": round(seconds, 3),
            "ingest_articles_per_second": round(n / seconds),
            "ingest_vs_baseline_time": round(seconds / base_seconds, 2),
            "reingest_seconds": round(again_seconds, 3),
            "reingest_articles_per_second": round(n / again_seconds),
            "statuses": dict(statuses),
            "reingest_statuses": dict(again),
            "archive_bytes": db_bytes,
            "archive_vs_raw_text": round(db_bytes / raw_bytes, 3),
            "baseline_db_vs_raw_text": round(base_db_bytes / raw_bytes, 3),
            "originals_stored_vs_raw": round(stats.stored_original_bytes / stats.original_bytes, 3),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print_figures(figures, args.json)


if __name__ == "__main__":
    main()
