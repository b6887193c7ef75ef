"""Duplicate and same-story links on VNTC (84,132 articles): recall of exact duplicates, clusters per level.

Writes the articles out as UTF-8 plain-text files (one folder per outlet), ingests them
with newsdedup as a user would (``ingest_paths``, ``Config(source=outlet)``, default
workers), then reports:

* recall of the exact-duplicate groups (articles whose whitespace-normalised texts are
  equal; 3,402 groups in the full corpus): a group is found when all its articles end
  up in one cluster; target 100%;
* links per level, and the number of clusters of size >= 2 when clusters are made of
  ``exact`` links, of ``exact`` + ``near-duplicate`` links, and of all three levels;
* ``--show N`` random same-story links (titles and first lines side by side) to read:
  a same-story link between unrelated stories is a defect;
* how many of the 462 same-story links read and labelled in ``eval/labels/vntc_same_story.tsv``
  (S same story, F follow-up, T different events sharing stock text, U unrelated) are linked in
  this run, and the share of S and F among them: not the corpus's precision (the samples were
  drawn by coverage band, and among the links the stock-text rule and the day check remove), but
  it falls when a change links more template pairs;
* with ``--baseline FILE --check``: fails (exit 1) when exact-duplicate recall falls, the
  number of links per level moves by more than 10% from the committed baseline, or the
  labelled links' share of S and F falls by more than 0.05.

Usage:
    python eval/eval_links_vntc.py --eval ../shared/eval [--count 84132] [--show 30]
        [--json eval/baselines/links_vntc.json] [--baseline eval/baselines/links_vntc.json --check]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from newsdedup import Archive, Config, ingest_paths
from newsdedup.evaldata import compile_bytecode, load_vntc_or_exit, report_gate, write_by_outlet

LABELS = Path(__file__).parent / "labels" / "vntc_same_story.tsv"

LEVEL_SETS = {
    "exact": ("exact",),
    "exact+near-duplicate": ("exact", "near-duplicate"),
    "exact+near-duplicate+same-story": ("exact", "near-duplicate", "same-story"),
}


def labelled(
    rows: list[dict[str, str]], article_of: dict[tuple[str, str], int], links: list[tuple[int, int, str]]
) -> dict[str, object]:
    """The labelled same-story pairs (``LABELS``) linked same-story in this run, by label, and
    the share of S and F among them; nothing if a pair's article is not in this run's sample."""
    article_of_row = {row["id"]: article_of.get((row["outlet"], f"{n:06d}")) for n, row in enumerate(rows)}
    story = {(min(a, b), max(a, b)) for a, b, level in links if level == "same-story"}
    linked: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or line.startswith("id_a\t"):
            continue
        id_a, id_b, label = line.split("\t")[:3]
        a, b = article_of_row.get(id_a), article_of_row.get(id_b)
        if a is None or b is None:
            continue
        total[label] += 1
        linked[label] += (min(a, b), max(a, b)) in story
    if not total:
        return {}
    kept = sum(linked.values())
    share = round((linked["S"] + linked["F"]) / kept, 4) if kept else None
    return {
        "labelled_same_story_linked": {label: f"{linked[label]}/{total[label]}" for label in "SFTU"},
        "labelled_same_story_share_s_f": share,
    }


def first_line(archive: Archive, article_id: int) -> str:
    article = archive.get(article_id)
    body = next((b.text for b in article.blocks if b.kept and b.role in ("body", "dateline")), "")
    return f"[{article_id} {article.source}] {article.title or ''} | {body[:160]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=Path("../shared/eval"), help="the shared eval folder")
    parser.add_argument("--count", type=int, default=84_132, help="articles (default: all 84,132)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None, help="ingest worker processes (default: the cores)")
    parser.add_argument("--show", type=int, default=30, help="same-story links to print for reading")
    parser.add_argument("--json", type=Path, help="write the figures to this file (a new baseline)")
    parser.add_argument("--baseline", type=Path, help="committed figures to compare with")
    parser.add_argument("--check", action="store_true", help="exit 1 if worse than --baseline")
    args = parser.parse_args()
    compile_bytecode()  # measure newsdedup as installed (see its docstring)

    rows = load_vntc_or_exit(args.eval, args.count, args.seed)
    work = Path(tempfile.mkdtemp(prefix="newsdedup-eval-"))
    try:
        outlets = write_by_outlet(rows, work / "corpus")
        start = time.perf_counter()
        article_of: dict[tuple[str, str], int] = {}
        with Archive(work / "archive") as archive:
            for outlet, folder in sorted(outlets.items()):
                config = Config(source=outlet, **({"workers": args.workers} if args.workers else {}))
                for result in ingest_paths(archive, [str(folder)], config):
                    if result.id is not None:
                        article_of[(outlet, Path(result.path).stem)] = result.id
            seconds = time.perf_counter() - start
            links = archive.db.execute("SELECT a, b, level FROM links").fetchall()
            figures = report(rows, article_of, links, archive, args.show, seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if args.baseline and args.check:
        sys.exit(check(figures, json.loads(args.baseline.read_text())))


def report(
    rows: list[dict[str, str]],
    article_of: dict[tuple[str, str], int],
    links: list[tuple[int, int, str]],
    archive: Archive,
    show: int,
    seconds: float,
) -> dict[str, object]:
    # Exact-duplicate groups of the corpus: equal texts once white space is normalised.
    groups: dict[str, list[int]] = defaultdict(list)
    for n, row in enumerate(rows):
        key = hashlib.sha256(" ".join(row["text"].split()).encode()).hexdigest()
        groups[key].append(article_of[(row["outlet"], f"{n:06d}")])
    dup_groups = [ids for ids in groups.values() if len(ids) > 1]
    per_level = Counter(level for _, _, level in links)
    clusters_at: dict[str, int] = {}
    group_recall: dict[str, float] = {}
    for name, levels in LEVEL_SETS.items():
        at_level = archive.clusters(levels=levels)  # the components of the links of these levels
        comp = {article: cluster.id for cluster in at_level for article in cluster.members}
        clusters_at[name] = len(at_level)
        found = sum(1 for ids in dup_groups if len({comp.get(i, i) for i in ids}) == 1)
        group_recall[name] = round(found / len(dup_groups), 4) if dup_groups else 1.0
    stored = archive.db.execute("SELECT count(*) FROM articles").fetchone()[0]
    no_body = archive.db.execute("SELECT count(*) FROM articles WHERE body_hash IS NULL").fetchone()[0]
    figures: dict[str, object] = {
        "articles": len(rows),
        "stored_articles": stored,
        "articles_without_body": no_body,
        "ingest_seconds": round(seconds, 1),
        "exact_duplicate_groups": len(dup_groups),
        "exact_duplicate_group_recall": group_recall,
        "links": dict(sorted(per_level.items())),
        "clusters_of_2_or_more": clusters_at,
        **labelled(rows, article_of, links),
        "config": {
            k: v for k, v in Config().__dict__.items() if k.startswith(("near", "same", "passage", "stock", "verify"))
        },
    }
    width = max(map(len, figures))
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    story = [(a, b) for a, b, level in links if level == "same-story"]
    for a, b in random.Random(1).sample(story, min(show, len(story))):
        print(f"\nsame-story {a} ~ {b}:\n  {first_line(archive, a)}\n  {first_line(archive, b)}")
    return figures


def check(figures: dict[str, object], baseline: dict[str, object]) -> int:
    failures = []
    recall, base_recall = figures["exact_duplicate_group_recall"], baseline["exact_duplicate_group_recall"]
    assert isinstance(recall, dict) and isinstance(base_recall, dict)
    for name, value in base_recall.items():
        if recall.get(name, 0) < value:
            failures.append(f"exact-duplicate group recall ({name}) fell: {recall.get(name)} < {value}")
    links, base_links = figures["links"], baseline["links"]
    assert isinstance(links, dict) and isinstance(base_links, dict)
    for level, value in base_links.items():
        if abs(links.get(level, 0) - value) > 0.1 * value:
            failures.append(f"{level} links moved by more than 10%: {links.get(level, 0)} against {value}")
    share, base_share = figures.get("labelled_same_story_share_s_f"), baseline.get("labelled_same_story_share_s_f")
    if isinstance(share, float) and isinstance(base_share, float) and share < base_share - 0.05:
        failures.append(f"labelled same-story links: share of S and F fell to {share} from {base_share}")
    return report_gate(failures)


if __name__ == "__main__":
    main()
