"""Pairwise precision and recall of newsdedup's links against VietnameseMDS event clusters.

Every document of ``vmds/vmds-dev.jsonl`` (100 events, 313 articles from many outlets)
is written out as a plain-text article (title, sapo, body) and ingested, with its outlet
as its source (``Config(source=...)``, as a user would name it). Two articles of
one event are a positive pair, two of different events a negative one. For each level,
and for the clusters (connected components of all levels), it prints pairwise precision
and recall: precision must stay near 1.0; recall tells how much of real event coverage
text reuse can reach (most of these articles were written independently).

With ``--baseline FILE --check`` it fails (exit 1) when a precision falls below the
baseline by more than 0.02 or a recall by more than 0.05.

Usage:
    python eval/eval_links_vmds.py --eval ../shared/eval [--json eval/baselines/links_vmds.json]
        [--baseline eval/baselines/links_vmds.json --check]
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

from newsdedup import Archive, Config, ingest_paths
from newsdedup.evaldata import report_gate

LEVELS = ("exact", "near-duplicate", "same-story")


def load(eval_dir: Path) -> list[dict[str, object]]:
    path = eval_dir / "vmds" / "vmds-dev.jsonl"
    if not path.exists():
        sys.exit(f"error: {path} is missing; pass --eval pointing at the shared eval folder")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=Path("../shared/eval"), help="the shared eval folder")
    parser.add_argument("--json", type=Path, help="write the figures to this file (a new baseline)")
    parser.add_argument("--baseline", type=Path, help="committed figures to compare with")
    parser.add_argument("--check", action="store_true", help="exit 1 if worse than --baseline")
    args = parser.parse_args()

    events = load(args.eval)
    work = Path(tempfile.mkdtemp(prefix="newsdedup-vmds-"))
    try:
        event_of: dict[str, str] = {}
        outlet_of: dict[str, str | None] = {}
        folder = work / "corpus"
        folder.mkdir()
        for event in events:
            for doc in event["docs"]:  # type: ignore[attr-defined]
                name = f"{event['cluster_id']}_{doc['doc_id']}"
                title = doc["title_wordseg"].replace("_", " ")
                sapo = doc["sapo_wordseg"].replace("_", " ")
                (folder / f"{name}.txt").write_text(f"{title}\n{sapo}\n{doc['body']}\n", encoding="utf-8")
                event_of[name] = str(event["cluster_id"])
                outlet_of[name] = doc.get("outlet") or None  # type: ignore[attr-defined]
        with Archive(work / "archive") as archive:
            # As a user would: each outlet's articles with their source (some documents name none).
            ids: dict[str, int | None] = {}
            for outlet in sorted(set(outlet_of.values()), key=lambda o: o or ""):
                files = [str(folder / f"{name}.txt") for name in sorted(outlet_of) if outlet_of[name] == outlet]
                config = Config(workers=1, source=outlet)
                ids.update((Path(r.path).stem, r.id) for r in ingest_paths(archive, files, config))
            links = archive.db.execute("SELECT a, b, level FROM links").fetchall()
            clusters = dict(archive.db.execute("SELECT article_id, cluster_id FROM clusters").fetchall())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    figures = score(event_of, ids, links, clusters)
    for key, value in figures.items():
        print(f"{key:<22} {value}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if args.baseline and args.check:
        sys.exit(check(figures, json.loads(args.baseline.read_text())))


def score(
    event_of: dict[str, str],
    ids: dict[str, int | None],
    links: list[tuple[int, int, str]],
    clusters: dict[int, int],
) -> dict[str, object]:
    event_by_id = {ids[name]: event for name, event in event_of.items() if ids.get(name) is not None}
    sizes = Counter(event_of.values())
    positives = sum(n * (n - 1) // 2 for n in sizes.values())
    figures: dict[str, object] = {"events": len(sizes), "articles": len(event_of), "positive_pairs": positives}
    for level in (*LEVELS, "any link"):
        pairs = [(a, b) for a, b, lv in links if level in (lv, "any link")]
        right = sum(1 for a, b in pairs if event_by_id.get(a) == event_by_id.get(b))
        figures[level] = {
            "links": len(pairs),
            "precision": round(right / len(pairs), 4) if pairs else None,
            "recall": round(right / positives, 4),
        }
    members: dict[int, list[int]] = {}
    for article, cluster in clusters.items():
        members.setdefault(cluster, []).append(article)
    cluster_pairs = [p for group in members.values() for p in itertools.combinations(sorted(group), 2)]
    right = sum(1 for a, b in cluster_pairs if event_by_id.get(a) == event_by_id.get(b))
    figures["clusters"] = {
        "pairs": len(cluster_pairs),
        "precision": round(right / len(cluster_pairs), 4) if cluster_pairs else None,
        "recall": round(right / positives, 4),
    }
    return figures


def check(figures: dict[str, object], baseline: dict[str, object]) -> int:
    failures = []
    for key in (*LEVELS, "any link", "clusters"):
        now, then = figures[key], baseline[key]
        assert isinstance(now, dict) and isinstance(then, dict)
        if then["precision"] is not None and (now["precision"] or 0) < then["precision"] - 0.02:
            failures.append(f"{key}: precision {now['precision']} < baseline {then['precision']} - 0.02")
        if now["recall"] < then["recall"] - 0.05:
            failures.append(f"{key}: recall {now['recall']} < baseline {then['recall']} - 0.05")
    return report_gate(failures)


if __name__ == "__main__":
    main()
