"""What an article costs to store when it copies a story that many archived articles copy.

A wire story reprinted by many outlets makes a hub: every copy is an LSH candidate of the
next, and each candidate verified costs a comparison of the two texts. Verification is
capped (``newsdedup.cluster.MAX_VERIFIED``, the best estimates first), so an arrival's cost
stops growing with the hub. This script builds a hub of ``--copies`` copies of one story
(synthetic text: each copy rewrites another of its ten paragraphs, so copies are
near-duplicates or same-story of each other), one outlet each, into an on-disk archive,
and prints side by side in one run:

* the milliseconds to store one of the first 20 copies (the hub still small: the baseline)
  and one of the last 20, and their ratio;
* the links stored, by level, and those of the last copy;
* the clusters (the hub must be one);

for the cap as it is and, for comparison, with ``--compare-cap`` (default 100, the cap
before session 24). No evaluation data is needed.

Example:
    python bench/bench_hub.py --copies 300
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from newsdedup import Archive, cluster
from newsdedup.extract import extract
from newsdedup.records import RawInput

_VOCABULARY = (
    "thành phố hà nội bộ công thương hội nghị phát triển kinh tế doanh nghiệp thị trường chính sách "
    "xuất khẩu hàng hoá đầu tư dự án ngân sách người dân lao động nông nghiệp giáo dục y tế giao thông "
    "quy hoạch đất đai cán bộ ủy ban nhân dân tỉnh huyện xã điều tra vụ án bị cáo tòa xét xử công an"
)
_WORDS = _VOCABULARY.split()


def paragraph(rng: random.Random, words: int = 60) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)) + "."


def copy_of(story: list[str], n: int) -> bytes:
    """Copy ``n`` of the story: one paragraph, another for each copy, rewritten."""
    rng = random.Random(n)
    body = list(story)
    body[rng.randrange(len(body))] = paragraph(rng)
    return ("\n".join([f"Tin {n}", *body]) + "\n").encode()


def run(copies: int, cap: int, folder: Path) -> dict[str, object]:
    """Store ``copies`` copies of one story into a new archive in ``folder``, verifying at most
    ``cap`` candidates an article; the figures of the run."""
    rng = random.Random(1)
    story = [paragraph(rng) for _ in range(10)]
    seconds: list[float] = []
    kept, cluster.MAX_VERIFIED = cluster.MAX_VERIFIED, cap
    try:
        with Archive(folder / f"cap{cap}") as archive:
            for n in range(copies):
                raw = RawInput(f"c{n}", f"c{n}.txt", copy_of(story, n), f"{n:064d}", source=f"outlet{n}")
                article = extract(raw)
                start = time.perf_counter()
                archive.add_many([(raw, article)])
                seconds.append(time.perf_counter() - start)
            levels = dict(archive.db.execute("SELECT level, count(*) FROM links GROUP BY level").fetchall())
            last = archive.db.execute("SELECT count(*) FROM links WHERE a = ?1 OR b = ?1", (copies,)).fetchone()[0]
            sizes = [c.size for c in archive.clusters()]
    finally:
        cluster.MAX_VERIFIED = kept
    first, final = sum(seconds[:20]) / 20 * 1000, sum(seconds[-20:]) / 20 * 1000
    return {
        "max_verified": cap,
        "ms_per_copy_first_20": round(first, 1),
        "ms_per_copy_last_20": round(final, 1),
        "last_vs_first": round(final / first, 2),
        "links_by_level": levels,
        "links_of_the_last_copy": last,
        "cluster_sizes": sizes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=300, help="copies of the story (default 300)")
    parser.add_argument("--compare-cap", type=int, default=100, help="another cap to run with (default 100)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    if args.copies < 40:
        parser.error(f"--copies must be at least 40 (20 first and 20 last), got {args.copies}")
    if args.compare_cap < 1:
        parser.error(f"--compare-cap must be at least 1, got {args.compare_cap}")
    with tempfile.TemporaryDirectory() as folder:
        figures = [run(args.copies, cap, Path(folder)) for cap in (cluster.MAX_VERIFIED, args.compare_cap)]
    for row in figures:
        print(json.dumps(row, ensure_ascii=False))
    mine, other = figures
    print(
        f"cap {mine['max_verified']} against {other['max_verified']}: a copy in the hub costs "
        f"{mine['ms_per_copy_last_20']} against {other['ms_per_copy_last_20']} ms "
        f"({float(other['ms_per_copy_last_20']) / float(mine['ms_per_copy_last_20']):.2f}x less)"  # type: ignore[arg-type]
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
