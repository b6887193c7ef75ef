"""Paragraph alignment: speed on the seed pair and a 10-article VNTC cluster, and what it finds on VNTC pairs.

Measures, in one run:

* the seed pair (``data/``, ingested as ``newsdedup ingest`` does): median and
  90th percentile time of :func:`newsdedup.align.align_articles` over many runs,
  against a difflib baseline over the same body paragraphs;
* a cluster of 10 articles from VNTC: :func:`newsdedup.compare.compare_articles`
  (9 alignments with the pivot, plus the passages x outlets view), against the
  same baseline run on the same 9 pairs;
* 50 same-story pairs from VNTC: how many groups of each kind the aligner finds,
  and 10 of them printed for reading.

VNTC articles are written out as files and ingested into a temporary archive
with the project's own pipeline (cleaning, fingerprints, LSH, verified links,
clusters); the pairs are its ``same-story`` links and the 10-article cluster is
taken from its largest cluster.

The baseline is what difflib offers: ``SequenceMatcher`` over the paragraphs'
comparison keys (identical paragraphs), then, inside each replaced block, each A
paragraph paired with its most similar B paragraph (word-level
``SequenceMatcher.ratio() >= 0.5``, as ``difflib.Differ`` pairs lines) and diffed
word by word. It finds no split, merged or moved paragraph and no reused sentence.

Usage:
    python bench/bench_align.py --eval ../shared/eval [--articles 84132] [--runs 200] [--pairs 50] [--show 10]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from difflib import SequenceMatcher
from pathlib import Path

from newsdedup import Archive, Config, ingest_paths
from newsdedup.align import KINDS, MATCHED_KINDS, Alignment, align_articles, section_of
from newsdedup.compare import compare_articles
from newsdedup.evaldata import load_vntc_or_exit, write_by_outlet
from newsdedup.normalize import comparison_key
from newsdedup.records import Article

ROOT = Path(__file__).resolve().parent.parent


# -- the baseline -------------------------------------------------------------------


def body(article: Article) -> list[str]:
    return [b.text for b in article.blocks if section_of(b) == "body"]


def difflib_align(a: list[str], b: list[str]) -> list[tuple[str, list[int], list[int]]]:
    """difflib's best: identical paragraphs in order, then best-ratio pairs inside replaced blocks."""
    keys_a = [comparison_key(p) for p in a]
    keys_b = [comparison_key(p) for p in b]
    words_a = [k.split() for k in keys_a]
    words_b = [k.split() for k in keys_b]
    out: list[tuple[str, list[int], list[int]]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_opcodes():
        if tag == "equal":
            out += [("identical", [i], [j]) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)]
            continue
        free_b = set(range(j1, j2))
        for i in range(i1, i2):
            best, best_j = 0.5, None
            for j in sorted(free_b):
                matcher = SequenceMatcher(None, words_a[i], words_b[j], autojunk=False)
                if matcher.real_quick_ratio() >= best and matcher.quick_ratio() >= best and matcher.ratio() >= best:
                    best, best_j = matcher.ratio(), j
            if best_j is None:
                out.append(("only-a", [i], []))
                continue
            free_b.discard(best_j)
            SequenceMatcher(None, words_a[i], words_b[best_j], autojunk=False).get_opcodes()  # the word diff
            out.append(("changed", [i], [best_j]))
        out += [("only-b", [], [j]) for j in sorted(free_b)]
    return out


# -- timing ---------------------------------------------------------------------------


def timed(function: Callable[[], object], runs: int) -> list[float]:
    function()  # warm caches (token keys, imports)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def describe(label: str, ours: list[float], base: list[float]) -> dict[str, float]:
    med, base_med = statistics.median(ours), statistics.median(base)
    p90 = sorted(ours)[int(0.9 * len(ours))]
    print(
        f"  {label:<28} newsdedup median {med * 1000:8.2f} ms (p90 {p90 * 1000:.2f})   "
        f"difflib median {base_med * 1000:8.2f} ms   ratio {med / base_med:5.2f}x   ({len(ours)} runs)"
    )
    return {"median_ms": med * 1000, "p90_ms": p90 * 1000, "difflib_median_ms": base_med * 1000}


# -- VNTC ------------------------------------------------------------------------------


def ingest_vntc(rows: list[dict[str, str]], folder: Path, archive: Archive) -> float:
    by_outlet = write_by_outlet(rows, folder)
    started = time.perf_counter()
    for outlet, target in sorted(by_outlet.items()):
        for _ in ingest_paths(archive, [str(target)], Config(source=outlet)):
            pass
    return time.perf_counter() - started


def same_story_pairs(archive: Archive) -> list[tuple[int, int, float]]:
    pairs = {}
    for cluster in archive.clusters(min_size=2):
        for member in cluster.members:
            for found in archive.similar(member):
                if found.link.level == "same-story":
                    key = (min(member, found.link.other), max(member, found.link.other))
                    pairs[key] = found.link.score
    return sorted((a, b, score) for (a, b), score in pairs.items())


def excerpt(text: str, width: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def show_pair(alignment: Alignment) -> None:
    a, b = alignment.a, alignment.b
    print(f"\n  #{a.id} {a.source}: {excerpt(a.title or '', 90)}")
    print(f"  #{b.id} {b.source}: {excerpt(b.title or '', 90)}")
    counts = {k: n for k, n in alignment.counts().items() if n}
    print(f"  body groups: {counts}")
    texts_a = {x.index: x.text for x in a.blocks}
    texts_b = {x.index: x.text for x in b.blocks}
    for g in alignment.section("body"):
        if g.kind in MATCHED_KINDS and g.kind != "identical":
            print(f"    {g.kind} {g.similarity:.2f}  A[{','.join(map(str, g.a))}] / B[{','.join(map(str, g.b))}]")
            print(f"      A: {excerpt(' ¶ '.join(texts_a[i] for i in g.a))}")
            print(f"      B: {excerpt(' ¶ '.join(texts_b[j] for j in g.b))}")
            for change in g.changes[:3]:
                print(f"      {change.op}: {excerpt(change.a_text, 50)!r} -> {excerpt(change.b_text, 50)!r}")
        for r in g.reused:
            own = texts_a[r.a.block][r.a.start : r.a.end] if g.kind == "only-a" else None
            if own is not None:
                print(f"    reused {r.similarity:.2f}  A[{r.a.block}] -> B[{r.b.block}]: {excerpt(own, 100)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval", help="the shared eval folder")
    parser.add_argument("--articles", type=int, default=84_132, help="VNTC articles to ingest (default: all)")
    parser.add_argument("--runs", type=int, default=200, help="timed runs for the seed pair")
    parser.add_argument("--cluster-runs", type=int, default=30, help="timed runs for the 10-article cluster")
    parser.add_argument("--pairs", type=int, default=50, help="same-story pairs to align")
    parser.add_argument("--show", type=int, default=10, help="pairs to print for reading")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    figures: dict[str, object] = {"python": platform.python_version(), "machine": platform.machine()}

    print("Seed pair (data/):")
    with Archive(":memory:") as seeds:
        ids = [r.id for r in ingest_paths(seeds, [str(ROOT / "data")])]
        a, b = seeds.get(ids[0] or 0), seeds.get(ids[1] or 0)
    ours = timed(lambda: align_articles(a, b), args.runs)
    base = timed(lambda: difflib_align(body(a), body(b)), args.runs)
    figures["seed_pair"] = describe("align 2 articles", ours, base)
    found = align_articles(a, b).counts()
    base_found = Counter(kind for kind, _, _ in difflib_align(body(a), body(b)))
    print(f"    newsdedup found {found}")
    print(f"    difflib found   {dict(base_found)}")

    rows = load_vntc_or_exit(args.eval, args.articles, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        archive = Archive(Path(tmp) / "archive")
        seconds = ingest_vntc(rows, Path(tmp) / "in", archive)
        print(f"\nVNTC: {len(rows):,} articles ingested in {seconds:.0f} s (cleaning, fingerprints, links, clusters)")
        clusters = archive.clusters(min_size=2)
        print(f"  {len(clusters):,} clusters of 2 or more; largest {[c.size for c in clusters[:5]]}")

        big = next((c for c in clusters if c.size >= 10), clusters[0] if clusters else None)
        if big is None:
            sys.exit("error: no cluster found in the VNTC sample; ingest more articles (--articles)")
        members = [archive.get(i) for i in big.members[:10]]
        print(f"\n{len(members)}-article cluster {big.id} ({big.size} members; title: {excerpt(big.title or '', 70)}):")
        comparison = compare_articles(members)
        pivot = comparison.pivot_article
        others = [m for m in members if m.id != pivot.id]
        ours = timed(lambda: compare_articles(members), args.cluster_runs)
        base = timed(lambda: [difflib_align(body(pivot), body(m)) for m in others], args.cluster_runs)
        figures["cluster"] = {"size": len(members), **describe(f"compare {len(members)} articles", ours, base)}
        alone = {m.id: len(comparison.alone(i)) for i, m in enumerate(members)}
        print(f"    {len(comparison.passages)} passages; passages only one article carries: {alone}")

        pairs = same_story_pairs(archive)
        print(f"\n{len(pairs):,} same-story links in the archive; aligning {min(args.pairs, len(pairs))} at random:")
        chosen = random.Random(args.seed).sample(pairs, min(args.pairs, len(pairs)))
        totals: Counter[str] = Counter()
        reused = 0
        alignments = []
        for x, y, _ in chosen:
            alignment = align_articles(archive.get(x), archive.get(y))
            alignments.append(alignment)
            totals.update(g.kind for g in alignment.section("body"))
            reused += sum(len(g.reused) for g in alignment.section("body") if g.kind == "only-a")
        per_pair = {k: round(totals[k] / max(1, len(chosen)), 2) for k in KINDS}
        print(f"  body groups of each kind, in all: {dict((k, totals[k]) for k in KINDS)}")
        print(f"  per pair: {per_pair}")
        print(f"  sentences of A's unmatched paragraphs found in B: {reused}")
        with_kind = {k: sum(1 for al in alignments if al.counts()[k]) for k in KINDS}
        print(f"  pairs with at least one group of each kind: {with_kind}")
        figures["pairs"] = {"count": len(chosen), "groups": dict(totals), "reused_sentences": reused}
        print(f"\n{min(args.show, len(alignments))} of them, to read (matched groups other than identical):")
        for alignment in alignments[: args.show]:
            show_pair(alignment)
        archive.close()
    print("\n(Both cores are shared with other work: timings are indicative; ratios come from the same run.)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
